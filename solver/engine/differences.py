"""Central finite differences of a graph's loss, for the run-time check of every exact gradient.

They are computed in numpy's extended precision (the 80-bit long double on x86; float64 where that
is all there is) and come with an estimate of their own rounding error, so that a correct gradient
never fails the check because float arithmetic lost digits:

* the loss is evaluated in extended precision and, once, in float64; the two results differ by about
  float64's rounding error, and the extended result's error is that much smaller again
  (ε_extended / ε_float64): this catches cancellation such as 1 − σ(20) in a cross-entropy;
* values near 10⁶ or more leave about ε·(largest value)/h of rounding in any case;
* a step that moves an input of relu, leaky_relu or max across its kink makes the difference
  meaningless there: such entries are marked, not compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.engine.floats import evaluate, leaf_floats, numeric_scale
from solver.engine.graph import Graph, Node
from solver.i18n import mark

STEP = 1e-6  # h = STEP·max(1, |x|)
SAFETY = 16  # rounding allowances are this many times the estimate
EXTENDED = np.longdouble
EPSILON = float(np.finfo(EXTENDED).eps)
PRECISION = mark("extended precision") if np.finfo(float).eps > EPSILON else "float64"


@dataclass(frozen=True)
class Differences:
    """Central differences of the loss for every entry of one value."""

    numeric: np.ndarray  # (L(x + h) − L(x − h)) / 2h, per entry
    allowance: np.ndarray  # the rounding the differences may carry, per entry
    crossed: np.ndarray  # True where a step crosses a kink of relu, leaky_relu or max
    scale: float  # the largest magnitude of any value of the forward pass


class CentralDifferences:
    """The loss of one graph at perturbed values, computed once per graph for all its gradients.

    A perturbed pass computes again only the nodes that depend on the perturbed one. float64's rounding
    of the loss is measured once, at the unperturbed values: a step of 10⁻⁶ changes the value, not the
    cancellation that loses digits (1 − σ(20) loses as many either way).
    """

    def __init__(self, graph: Graph, loss: Node):
        self.graph, self.loss = graph, loss
        leaves64 = leaf_floats(graph)
        self.leaves = {node: value.astype(EXTENDED) for node, value in leaves64.items()}
        with np.errstate(all="ignore"):  # overflow shows as a non-finite difference, reported by the caller
            self.scale = numeric_scale(self.graph, self.leaves)
            self.pieces: dict[Node, np.ndarray] = {}
            extended, self.values = evaluate(graph, loss, {}, self.leaves, branches=self.pieces)
            float64, _ = evaluate(graph, loss, {}, leaves64)
            lost = 2 * abs(float(float64[0, 0] - extended[0, 0]))  # float64's rounding, about, on both sides
        self.carried = lost * EPSILON / float(np.finfo(float).eps) if np.isfinite(lost) else 0.0

    def of(self, node: Node) -> Differences:
        """Central differences of the loss with respect to every entry of ``node``."""
        base = self.leaves[node] if node in self.leaves else np.array(node.value.evalf(30).tolist(), dtype=EXTENDED)
        numeric, allowance = np.zeros_like(base), np.zeros_like(base)
        crossed = np.zeros(base.shape, dtype=bool)
        with np.errstate(all="ignore"):
            for index in np.ndindex(base.shape):
                step = STEP * max(1.0, abs(float(base[index])))
                up, down = base.copy(), base.copy()
                up[index] += step
                down[index] -= step
                (above, moved_up), (below, moved_down) = self._loss(node, up), self._loss(node, down)
                numeric[index] = (above - below) / (2 * step)
                crossed[index] = moved_up or moved_down
                allowance[index] = SAFETY * (self.carried + EPSILON * self.scale) / step
        return Differences(numeric, allowance, crossed, self.scale)

    def _loss(self, node: Node, value: np.ndarray) -> tuple[Any, bool]:
        """The loss with ``node`` set to ``value`` (extended precision), and whether an op with kinks moved
        to another piece."""
        pieces: dict[Node, np.ndarray] = {}
        loss, _ = evaluate(self.graph, self.loss, {node: value}, self.leaves, self.values, pieces)
        return loss[0, 0], any(not np.array_equal(piece, self.pieces[n]) for n, piece in pieces.items())

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

from solver.engine.floats import evaluate, evaluate_batch, leaf_floats, numeric_scale
from solver.engine.graph import Graph, Node
from solver.i18n import mark

STEP = 1e-6  # h = STEP·max(1, |x|)
SAFETY = 16  # rounding allowances are this many times the estimate
CHUNK_ENTRIES = 1 << 20  # the perturbed copies stacked at once hold at most this many entries (16 MB)
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

    def of(self, node: Node, batched: bool = True) -> Differences:
        """Central differences of the loss with respect to every entry of ``node``: all the perturbed
        copies of a chunk of entries in one stacked pass (``batched``), or one pass per copy (the tests
        compare the two)."""
        base = self.leaves[node] if node in self.leaves else np.array(node.value.evalf(30).tolist(), dtype=EXTENDED)
        indices = list(np.ndindex(base.shape))
        steps = [STEP * max(1.0, abs(float(base[index]))) for index in indices]  # (float64, as h is everywhere)
        above, below = np.zeros(len(indices), dtype=EXTENDED), np.zeros(len(indices), dtype=EXTENDED)
        crossed = np.zeros(len(indices), dtype=bool)
        with np.errstate(all="ignore"):
            chunk = max(1, CHUNK_ENTRIES // base.size) if batched else 1
            for start in range(0, len(indices), chunk):
                part = range(start, min(start + chunk, len(indices)))
                for sign, out in ((1, above), (-1, below)):
                    copies = np.repeat(base[None], len(part), axis=0)
                    for k, i in enumerate(part):
                        copies[(k, *indices[i])] += sign * steps[i]
                    loss, moved = self._losses(node, copies) if batched else self._loss(node, copies[0])
                    out[part.start:part.stop] = np.asarray(loss).reshape(-1)
                    crossed[part.start:part.stop] |= moved
            numeric = ((above - below) / (2 * np.array(steps))).reshape(base.shape)
            allowance = np.array([SAFETY * (self.carried + EPSILON * self.scale) / step for step in steps],
                                 dtype=EXTENDED).reshape(base.shape)
        return Differences(numeric, allowance, crossed.reshape(base.shape), self.scale)

    def _losses(self, node: Node, copies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The loss for each of a stack of values of ``node``, and whether an op with kinks moved."""
        loss, moved = evaluate_batch(self.graph, self.loss, node, copies, self.leaves, self.values, self.pieces)
        if loss.ndim == 2:  # the loss does not depend on the node
            return np.full(len(copies), loss[0, 0]), moved
        return loss[:, 0, 0], moved

    def _loss(self, node: Node, value: np.ndarray) -> tuple[Any, bool]:
        """The loss with ``node`` set to ``value`` (extended precision), and whether an op with kinks moved
        to another piece."""
        pieces: dict[Node, np.ndarray] = {}
        loss, _ = evaluate(self.graph, self.loss, {node: value}, self.leaves, self.values, pieces)
        return loss[0, 0], any(not np.array_equal(piece, self.pieces[n]) for n, piece in pieces.items())

"""Float64 (or extended) evaluation of a graph for the finite-difference check: many numeric forward
passes over the leaves' floats, with some nodes' values replaced."""

from __future__ import annotations

from typing import Any

import numpy as np

from solver.engine.graph import Graph, Node


def leaf_floats(graph: Graph) -> dict[Node, np.ndarray]:
    """The float64 values of every leaf, computed once for many numeric passes."""
    return {node: np.array(node.value.evalf(30).tolist(), dtype=float) for node in graph.nodes if node.is_leaf}


def evaluate(graph: Graph, target: Node, overrides: dict[Node, np.ndarray], leaves: dict[Node, np.ndarray],
             base: dict[Node, np.ndarray] | None = None, branches: dict[Node, np.ndarray] | None = None
             ) -> tuple[np.ndarray, dict[Node, np.ndarray]]:
    """``target``'s value with some nodes' values replaced, and every value computed on the way. With
    ``base`` (the values of a pass without the replacements) only the nodes that depend on a replaced one
    are computed again; the smooth piece of each op with kinks computed is put in ``branches``."""
    values: dict[Node, np.ndarray] = {}
    changed: set[Node] = set()
    for node in graph.nodes:
        if node in overrides:
            values[node] = overrides[node]
            changed.add(node)
        elif base is not None and not any(p in changed for p in node.inputs):
            values[node] = base[node]
        elif node.op is None:
            values[node] = leaves[node]
        else:
            inputs = [values[p] for p in node.inputs]
            values[node] = node.op.numeric(inputs)
            changed.add(node)
            if branches is not None and (piece := node.op.branch(inputs)) is not None:
                branches[node] = piece
        if node is target:
            return values[node], values
    raise KeyError(target.label)


def evaluate_batch(graph: Graph, target: Node, node: Node, batch: np.ndarray, leaves: dict[Node, np.ndarray],
                   base: dict[Node, np.ndarray], base_branches: dict[Node, np.ndarray]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``target``'s value for each of many values of ``node`` at once (``batch``: those values stacked on a
    leading axis), and for each whether an op with kinks moved to another piece than in ``base``.

    Every node that depends on ``node`` is computed for the whole stack: in one operation where the op
    takes a batch axis (``Op.batched``: entrywise ops and @), else slice by slice with the same code; so
    each slice is the very value :func:`evaluate` computes with that override."""
    values: dict[Node, np.ndarray] = {}
    stacked: set[Node] = set()
    crossed = np.zeros(len(batch), dtype=bool)
    for current in graph.nodes:
        if current is node:
            values[current] = batch
            stacked.add(current)
        elif not any(p in stacked for p in current.inputs):
            values[current] = base[current] if current in base else leaves[current]
        else:
            assert current.op is not None
            inputs = [values[p] for p in current.inputs]
            flags = [p in stacked for p in current.inputs]
            values[current] = _each(current.op.numeric, inputs, flags, current.op.batched, len(batch))
            stacked.add(current)
            if current in base_branches:
                pieces = _each(current.op.branch, inputs, flags, current.op.batched, len(batch))
                crossed |= (pieces != base_branches[current]).reshape(len(batch), -1).any(axis=1)
        if current is target:
            return values[current], crossed
    raise KeyError(target.label)


def _each(function: Any, inputs: list[np.ndarray], flags: list[bool], batched: bool, size: int) -> np.ndarray:
    """``function`` of inputs of which those flagged carry a batch axis: on the whole stack, or slice by slice."""
    if batched:
        return np.asarray(function(inputs))
    return np.stack([function([x[k] if flag else x for x, flag in zip(inputs, flags)]) for k in range(size)])


def numeric_scale(graph: Graph, leaves: dict[Node, np.ndarray] | None = None) -> float:
    """The largest magnitude of any value of a numeric forward pass (at least 1): the rounding error of
    a float result grows with the largest value it was computed from."""
    scale = 1.0
    with np.errstate(all="ignore"):
        _, values = evaluate(graph, graph.nodes[-1], {}, leaves if leaves is not None else leaf_floats(graph))
        for value in values.values():
            finite = np.abs(value[np.isfinite(value)])
            scale = max(scale, float(finite.max())) if finite.size else scale
    return scale

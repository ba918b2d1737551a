"""Float64 (or extended) evaluation of a graph for the finite-difference check: many numeric forward
passes over the leaves' floats, with some nodes' values replaced."""

from __future__ import annotations

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

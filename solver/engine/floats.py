"""Float64 (or extended) evaluation of a graph for the finite-difference check: many numeric forward
passes over the leaves' floats, with some nodes' values replaced."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from solver.engine.graph import Graph, Node


def leaf_floats(graph: Graph) -> dict[Node, np.ndarray]:
    """The float64 values of every leaf, computed once for many numeric passes."""
    return {node: np.array(node.value.evalf(30).tolist(), dtype=float) for node in graph.nodes if node.is_leaf}


def numeric_forward(graph: Graph, target: Node, overrides: dict[Node, np.ndarray],
                    leaves: dict[Node, np.ndarray] | None = None, branches: list | None = None) -> np.ndarray:
    """``target``'s value in floats (those of ``leaves``), with some nodes' values replaced; the
    smooth piece of every op with kinks is appended to ``branches`` if given (see ``Op.branch``)."""
    for node, value in _numeric_values(graph, overrides, leaves, branches):
        if node is target:
            return value
    raise KeyError(target.label)


def numeric_scale(graph: Graph, leaves: dict[Node, np.ndarray] | None = None) -> float:
    """The largest magnitude of any value of a numeric forward pass (at least 1): the rounding error of
    a float result grows with the largest value it was computed from."""
    scale = 1.0
    with np.errstate(all="ignore"):
        for _, value in _numeric_values(graph, {}, leaves):
            finite = np.abs(value[np.isfinite(value)])
            scale = max(scale, float(finite.max())) if finite.size else scale
    return scale


def _numeric_values(graph: Graph, overrides: dict[Node, np.ndarray], leaves: dict[Node, np.ndarray] | None,
                    branches: list | None = None) -> Iterator[tuple[Node, np.ndarray]]:
    leaves = leaves if leaves is not None else leaf_floats(graph)
    values: dict[Node, np.ndarray] = {}
    for node in graph.nodes:
        if node in overrides:
            values[node] = overrides[node]
        elif node.op is None:
            values[node] = leaves[node]
        else:
            inputs = [values[p] for p in node.inputs]
            values[node] = node.op.numeric(inputs)
            if branches is not None and (piece := node.op.branch(inputs)) is not None:
                branches.append(piece)
        yield node, values[node]

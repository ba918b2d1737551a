"""A solved computational graph → a :class:`~solver.trace.Drawing`: the nodes with their operation,
value and gradient, and the edges with what each consumer passes back (local × upstream).

Small graphs are drawn whole, every inner operation a node (the cs231n picture). Larger ones
(unrolled RNNs, GAN minibatches) are drawn by equation: each named value is one node, fed by the
named values its equation reads, so the picture stays legible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from solver.trace import DrawEdge, Drawing, DrawNode

MAX_FULL_NODES = 24  # beyond this many nodes a graph is drawn by equation
OP_GLYPHS = {"+": "+", "-": "−", "*": "·", "/": "/", "@": "·", "**": "^", "neg": "−", "T": "ᵀ", "relu": "ReLU",
             "leaky_relu": "LeakyReLU", "sigmoid": "σ", "tanh": "tanh", "exp": "exp", "log": "ln", "sum": "Σ",
             "norm2": "‖·‖²", "index": "[·]"}


def drawing(graph: Any, records: list[Any], title: str, loss: Any, present: Callable[[Any], Any]) -> Drawing:
    """The drawing of ``graph``; ``records`` are its backward pass (empty: a forward graph only)."""
    gradients = {record.node: record.total for record in records}
    passed = {(c.consumer, record.node): c.grad for record in records for c in record.contributions}
    full = len(graph.nodes) <= MAX_FULL_NODES
    shown = graph.nodes if full else [n for n in graph.nodes if n.kind in ("given", "symbol", "variable")]
    ids = {node: f"n{i}" for i, node in enumerate(shown)}
    nodes = [DrawNode(ids[node], _label(node, graph), _glyph(node), node.kind, present(node.value),
                      present(gradients[node]) if node in gradients else None) for node in shown]
    edges = []
    for node in shown:
        sources = node.inputs if full else _named_inputs(node, ids)
        for parent in sources:
            if parent in ids:
                grad = passed.get((node, parent)) if full else None
                edges.append(DrawEdge(ids[parent], ids[node], present(grad) if grad is not None else None))
    return Drawing(title, tuple(nodes), tuple(edges), ids.get(loss))


def _label(node: Any, graph: Any) -> str:
    for name, named in graph.names.items():
        if named is node:
            return name
    return str(node.symbol)  # a generated name (z1) as the steps write it, else the label


def _glyph(node: Any) -> str:
    """The node's operation (drawn by equation: the equation's outermost one)."""
    return "" if node.op is None else OP_GLYPHS.get(node.op.name, node.op.name)


def _named_inputs(node: Any, ids: dict[Any, str]) -> list[Any]:
    """The shown nodes an equation's value is computed from (through its unnamed inner nodes)."""
    found, stack, seen = [], list(node.inputs), set()
    while stack:
        parent = stack.pop(0)
        if id(parent) in seen:
            continue
        seen.add(id(parent))
        if parent in ids:
            found.append(parent)
        else:
            stack.extend(parent.inputs)
    return found

"""A solved computational graph → a :class:`~solver.trace.Drawing`: the nodes with their operation,
value and gradient, and the edges with what each consumer passes back (local × upstream).

Small graphs are drawn whole, every inner operation a node (the cs231n picture). Larger ones
(unrolled RNNs, GAN minibatches) are drawn by equation: each named value is one node, fed by the
named values its equation reads, so the picture stays legible; an edge then carries the sum of
what the equation's operations pass back to that input.

An edge carries a gradient only where the backward pass sent one: from a node on a path to the
loss to one of its inputs that is on such a path too. A constant parameter of an operation (the
slope of a leaky ReLU) is written on the operation's node rather than drawn as an input of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from solver.i18n import mark, tr
from solver.trace import DrawEdge, Drawing, DrawNode

MAX_FULL_NODES = 24  # beyond this many nodes a graph is drawn by equation
OP_GLYPHS = {"+": "+", "-": "−", "*": "·", "/": "/", "@": "·", "**": "^", "neg": "−", "T": "ᵀ", "relu": "ReLU",
             "leaky_relu": "LeakyReLU", "sigmoid": "σ", "tanh": "tanh", "exp": "exp", "log": "ln", "sum": "Σ",
             "norm2": "‖·‖²", "index": "[·]"}
FOLDED = {"leaky_relu": mark("slope")}  # ops whose constant argument is written on their node: op → what it is


def drawing(graph: Any, records: list[Any], title: str, loss: Any, present: Callable[[Any], Any]) -> Drawing:
    """The drawing of ``graph``; ``records`` are its backward pass (empty: a forward graph only)."""
    gradients = {record.node: record.total for record in records}
    contributions = {record.node: record.contributions for record in records}
    folded = _folded(graph)
    full = len(graph.nodes) - len(folded) <= MAX_FULL_NODES
    kept = [n for n in graph.nodes if n not in folded]
    shown = kept if full else [n for n in kept if n.kind in ("given", "symbol", "variable")]
    ids = {node: f"n{i}" for i, node in enumerate(shown)}
    owner = _owners(graph, ids)
    nodes = [DrawNode(ids[node], _label(node, graph), _glyph(node, folded), node.kind, present(node.value),
                      present(gradients[node]) if node in gradients else None) for node in shown]
    edges = []
    for node in shown:
        reached = node in gradients or node is loss
        if full:
            for k, parent in enumerate(node.inputs):
                if parent in folded:
                    continue
                passed = [c.grad for c in contributions.get(parent, []) if c.consumer is node and c.position == k]
                edges.append(DrawEdge(ids[parent], ids[node], present(passed[0]) if passed and reached else None))
            continue
        for parent in _named_inputs(node, ids, folded):
            passed = [c.grad for c in contributions.get(parent, []) if owner.get(c.consumer) is node]
            edges.append(DrawEdge(ids[parent], ids[node], present(_total(passed)) if passed and reached else None))
    return Drawing(title, tuple(nodes), tuple(edges), ids.get(loss))


def _total(parts: list[Any]) -> Any:
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _folded(graph: Any) -> dict[Any, str]:
    """Leaves used only as an operation's constant parameter (a leaky ReLU's slope) → the parameter's text."""
    folded = {}
    for node in graph.nodes:
        if node.op is not None or not node.consumers:
            continue
        uses = [(c, k) for c in node.consumers for k, p in enumerate(c.inputs) if p is node]
        if all(c.op is not None and c.op.name in FOLDED and k in c.op.constant_args for c, k in uses):
            folded[node] = _short(node.value)
    return folded


def _short(value: Any) -> str:
    """A scalar parameter as short text: exact when rational, else 6 significant digits."""
    import sympy

    entry = value[0, 0] if isinstance(value, sympy.MatrixBase) else value
    if isinstance(entry, sympy.Rational):
        return str(entry)
    return f"{float(entry):.6g}"


def _owners(graph: Any, ids: dict[Any, str]) -> dict[Any, Any]:
    """Node → the shown node whose equation it belongs to (a shown node owns itself)."""
    owner: dict[Any, Any] = {}
    for node in reversed(graph.nodes):
        if node in ids:
            owner[node] = node
        else:
            owner[node] = next((owner[c] for c in node.consumers if owner.get(c) is not None), None)
    return owner


def _label(node: Any, graph: Any) -> str:
    for name, named in graph.names.items():
        if named is node:
            return name
    return str(node.symbol)  # a generated name (z1) as the steps write it, else the label


def _glyph(node: Any, folded: dict[Any, str]) -> str:
    """The node's operation (drawn by equation: the equation's outermost one), with a folded parameter."""
    if node.op is None:
        return ""
    glyph = OP_GLYPHS.get(node.op.name, node.op.name)
    parameters = [folded[p] for p in node.inputs if p in folded]
    if parameters and node.op.name in FOLDED:
        glyph += f" ({tr(FOLDED[node.op.name])} {', '.join(parameters)})"
    return glyph


def _named_inputs(node: Any, ids: dict[Any, str], folded: dict[Any, str]) -> list[Any]:
    """The shown nodes an equation's value is computed from (through its unnamed inner nodes)."""
    found, stack, seen = [], list(node.inputs), set()
    while stack:
        parent = stack.pop(0)
        if id(parent) in seen or parent in folded:
            continue
        seen.add(id(parent))
        if parent in ids:
            found.append(parent)
        else:
            stack.extend(parent.inputs)
    return found

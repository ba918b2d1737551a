"""The forward pass of a computational graph as steps: one per equation, inner operations as substeps."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from solver.engine.exact import present, shown_if_small
from solver.formula import Formula
from solver.trace import Forward, Step, StepKind


def forward_steps(graph: Any) -> list[Step]:
    """One step per equation (its inner operations as substeps), each with a Forward record."""
    steps = []
    for name, node in graph.equations:
        inner = [n for n in graph.nodes if n.equation == node.equation and n is not node and not n.is_leaf]
        substeps = tuple(_forward_step(n, display(n), display(n)) for n in inner)
        step = _forward_step(node, name, f"{name} = {display(node)}", substeps)
        record = Forward(name, display(node), node.value, node.shape, tuple(dict.fromkeys(_uses(node))),
                         node.equation)
        steps.append(replace(step, record=record))
    return steps


def _uses(node: Any) -> list[str]:
    """The named quantities (givens, symbols, earlier variables) a node is computed from."""
    out: list[str] = []
    for parent in node.inputs:
        if parent.kind == "inner":
            out += _uses(parent)
        elif parent.kind != "constant":
            out.append(str(parent.label))
    return out


def _forward_step(node: Any, title: str | Formula, formula: str | Formula, substeps: tuple = ()) -> Step:
    shown = shown_if_small(node.op.show([p.value for p in node.inputs]), node.value, *[p.value for p in node.inputs])
    trivial = all(p.kind == "constant" for p in node.inputs)  # nothing to substitute
    window = node.op.window_note([p.value for p in node.inputs], [str(p.label) for p in node.inputs]) \
        if hasattr(node.op, "window_note") else ""
    if hasattr(node.op, "size_rules"):  # a convolution: its output size is a step of its own
        rules = node.op.size_rules(node.inputs[0].shape, node.inputs[1].shape)
        substeps = tuple(Step(StepKind.EVALUATE, f"Output {what}", formula, numbers, result,
                              note="n input size, k kernel size, p zero padding, d dilation, s stride")
                         for what, formula, numbers, result in rules) + substeps
    if hasattr(node.op, "entry_steps"):  # a convolution: output entries as sums of products
        substeps += tuple(node.op.entry_steps([p.value for p in node.inputs], [p.symbol for p in node.inputs],
                                              node.symbol))
    return Step(StepKind.FORWARD, str(title), formula=formula, substituted=None if trivial else shown,
                result=present(node.value), substeps=substeps, note=" ".join(filter(None, [window, _cost_note(node)])))


def _cost_note(node: Any) -> str:
    """Scalar operations of a matrix product (and of adding a bias to it), as exams ask."""
    from solver.engine import ops

    if isinstance(node.op, ops.MatMul):
        (m, n), (_, q) = node.inputs[0].shape, node.inputs[1].shape
        if (m, n, q) == (1, 1, 1):
            return ""
        return (f"{m}·{n}·{q} = {m * n * q} multiplications and {m}·({n} − 1)·{q} = {m * (n - 1) * q} additions "
                f"(each of the {m * q} entries is a sum of {n} products).")
    if isinstance(node.op, ops.Add) and isinstance(node.inputs[0].op, ops.MatMul) and node.shape != (1, 1):
        (m, n), (_, q) = node.inputs[0].inputs[0].shape, node.inputs[0].inputs[1].shape
        return (f"Adding the bias takes {m * q} more additions: {m}·({n} − 1)·{q} + {m * q} = {m * n * q} additions "
                f"and {m * n * q} multiplications for the whole affine map.")
    return ""


def display(node: Any) -> Formula:
    """A node's formula as solution sheets write it (W·x for products, ⊙ entrywise)."""
    from solver.engine.graph import label_of

    return node.label if node.is_leaf else label_of(node.op, list(node.inputs))


def kink_notes(graph: Any) -> str:
    """What every op with a kink says about where its inputs landed (empty when no input is at a kink)."""
    notes = []
    for node in graph.nodes:
        if node.op is not None:
            text = node.op.kink([p.value for p in node.inputs])
            if text:
                notes.append(f"At {node.label}: {text}.")
    return " ".join(notes)

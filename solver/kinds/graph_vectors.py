"""Vectors of length 1: a given written as a one-element list (``b2: [1/2]``) is a vector, not a number.

The engine computes with 1×1 matrices either way (a 1×1 matrix and a scalar broadcast alike), and the
trace shows a 1×1 value as a number. This module decides which 1×1 values are vectors of length 1 —
the one-element givens and every value computed from one entrywise (``ŷ = W2·h + b2``), as PyTorch
keeps the shape ``(1,)`` — and shows the named ones (givens, equations' variables), their gradients
and their updates as one-entry vectors (``[−15/2]``). A reduction (``sum``, ``mean``, a loss function,
an index) gives a number, and so does the loss itself: a loss is a number.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from solver.kinds.graph_spec import one_element_lists
from solver.trace import Answer, Approximate, Chain, DrawEdge, Drawing, FanIn, Forward, Given, Step, Update

LONG = (2, 1)  # the shape a one-element vector is tried at, to see whether an operation keeps it a vector


def keep_vectors(result: Any, graph: Any, given: dict[str, Any], loss_name: str | None) -> Any:
    """A solved graph (its givens, steps, answers and drawings) with the vectors of length 1 shown as vectors;
    ``given`` is the problem's mapping of givens as written."""
    one_element = one_element_lists(given)
    if not one_element:
        return result
    loss = graph.names.get(loss_name) if loss_name else None
    names = vector_names(graph, vector_nodes(graph, one_element, loss))
    return replace(result, givens=vector_givens(result.givens, names),
                   forward=None if result.forward is None else vector_step(result.forward, names),
                   later=tuple(vector_step(step, names) for step in result.later),
                   answers=vector_answers(result.answers, names, loss_name),
                   drawings=tuple(vector_drawing(d, names) for d in result.drawings))


def vector_nodes(graph: Any, names: set[str], loss: Any) -> set[Any]:
    """The 1×1 nodes of ``graph`` that are vectors of length 1: the givens called ``names`` and the values
    an operation computes from one of them without reducing it (the loss excepted)."""
    from solver.engine.ops import ShapeError

    given = {node: name for name, node in graph.names.items() if node.kind == "given"}
    vectors: set[Any] = set()
    for node in graph.nodes:
        if node.shape != (1, 1):
            continue
        if node.op is None:
            if given.get(node) in names:
                vectors.add(node)
            continue
        if node is loss or not any(parent in vectors for parent in node.inputs):
            continue
        # as a longer vector, would the output still be longer than one entry? (then it is a vector)
        tries = ([LONG if parent in vectors else parent.shape for parent in node.inputs],
                 [LONG if parent.shape == (1, 1) else parent.shape for parent in node.inputs])
        kept = True  # a product of 1×1 matrices fits no longer shape: a 1×1 matrix
        for shapes in tries:
            try:
                kept = node.op.shape(shapes) != (1, 1)
                break
            except ShapeError:
                continue
        if kept:
            vectors.add(node)
    return vectors


def vector_names(graph: Any, vectors: set[Any]) -> set[str]:
    """The names of the named quantities in ``vectors`` (givens and equations' variables). Inner nodes
    (z1, W·x) keep showing numbers, and so do their gradients, so that a step agrees with its inputs."""
    return {name for name, node in graph.names.items() if node in vectors}


def as_vector(value: Any) -> Any:
    """A number shown as a vector of length 1 (an Approximate keeps its decimal); anything else unchanged."""
    import sympy as sp

    if isinstance(value, Approximate):
        return replace(value, value=as_vector(value.value))
    if isinstance(value, sp.Basic) and not value.has(sp.MatrixExpr) and not value.atoms(sp.MatrixBase):
        return sp.ImmutableMatrix([[value]])
    return value


def vector_step(step: Step, names: set[str]) -> Step:
    """``step`` (and its substeps) with the values of the vectors called ``names`` shown as vectors."""
    substeps = tuple(vector_step(s, names) for s in step.substeps)
    if _quantity(step.record) not in names:
        return replace(step, substeps=substeps) if substeps != step.substeps else step
    # the numbers substituted stay numbers (a 1×1 broadcasts as one): only the result is a vector
    return replace(step, result=as_vector(step.result), substeps=substeps)


def _quantity(record: Any) -> str | None:
    """The quantity a step's record establishes: a value, a gradient's variable or an updated parameter."""
    if isinstance(record, Forward):
        return record.name
    if isinstance(record, (Chain, FanIn)):
        return record.node
    return record.param if isinstance(record, Update) else None


def vector_answers(answers: tuple[Answer, ...], names: set[str], loss: str | None) -> tuple[Answer, ...]:
    """The answers that are vectors (a vector's value, gradient or update) shown as vectors."""
    wanted = names | {f"{name}_new" for name in names} | {f"d{loss}/d{name}" for name in names if loss}
    return tuple(replace(a, value=as_vector(a.value)) if a.name in wanted else a for a in answers)


def vector_givens(givens: tuple[Given, ...], names: set[str]) -> tuple[Given, ...]:
    """The givens written as one-element lists shown as vectors."""
    return tuple(replace(g, value=as_vector(g.value)) if g.name in names else g for g in givens)


def vector_drawing(drawing: Drawing, names: set[str]) -> Drawing:
    """A drawing with the values and gradients of the vectors (and the gradients passed to them) as vectors."""
    nodes = tuple(replace(n, value=as_vector(n.value), grad=None if n.grad is None else as_vector(n.grad))
                  if n.label in names else n for n in drawing.nodes)
    vectors = {n.id for n in nodes if n.label in names}
    edges = tuple(_edge(e) if e.source in vectors else e for e in drawing.edges)
    return replace(drawing, nodes=nodes, edges=edges)


def _edge(edge: DrawEdge) -> DrawEdge:
    return replace(edge, grad=None if edge.grad is None else as_vector(edge.grad))


"""Error carried forward: the solution recomputed from a student's own wrong values.

For a ``graph`` problem, every wrong forward value the student gave that an equation defines (``hr =
relu(h)``) becomes a given with the student's value, its equation is dropped, and the problem is solved
again. A later wrong value that equals the recomputed one is *consistent with* those values: the
work it stands for was done right on a wrong input. It earns its points with carried-forward credit,
unless an earlier wrong value it follows from is all zeros where the right one is not (the work after
it became trivial: 0·w needs no multiplying). Other kinds are not recomputed (their values are only right or wrong).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from solver.check.compare import Written, as_sympy, same_value
from solver.check.quantities import Quantity, key, quantities
from solver.problem import Problem
from solver.trace import Forward, Solution, Step


def recomputed(problem: Problem, solution: Solution, fixed: dict[str, Written]) -> dict[str, Quantity] | None:
    """The quantities of ``problem`` solved again with the ``fixed`` forward values (by quantity name)
    put in as givens; None when the problem is not a graph, a value has no defining equation, or the
    variant cannot be solved."""
    from solver.api import solve
    from solver.errors import DlsolveError

    equations = defining_equations(solution)
    if problem.kind != "graph" or not fixed or any(name not in equations for name in fixed):
        return None
    spec = problem.spec
    dropped = {equations[name] for name in fixed}
    shapes = {q.name: _shape(q.value) for q in quantities(solution).values()}
    given = {**spec.given, **{name: _as_given(value, shapes.get(name)) for name, value in fixed.items()}}
    kept = [equation for i, equation in enumerate(spec.equations) if i not in dropped]
    loss = spec.loss or _variable(spec.equations[-1])  # (the last equation's variable, unless it was dropped)
    variant = dataclasses.replace(spec, given=given, equations=kept, loss=loss)
    try:
        return quantities(solve(dataclasses.replace(problem, spec=variant, ask=())))
    except (DlsolveError, ValueError, KeyError):
        return None


def _variable(equation: str) -> str:
    """The variable an equation defines (``h = W @ x`` → ``h``)."""
    return equation.partition("=")[0].strip()


def consistent(value: Any, quantity: Quantity, again: dict[str, Quantity]) -> bool:
    """Whether ``value`` is the recomputed value of ``quantity``."""
    other = again.get(key(quantity.name))
    return other is not None and same_value(value, other.value)


def trivial(written: Written, quantity: Quantity) -> bool:
    """Whether a wrong value makes the work after it trivial: all zeros where the right value is not."""
    import sympy as sp

    def zero(value: Any) -> bool:
        return bool(value.is_zero_matrix if isinstance(value, sp.MatrixBase) else as_sympy(value) == 0)

    return zero(written.value) and not zero(quantity.value)


def defining_equations(solution: Solution) -> dict[str, int]:
    """Each equation's variable and the index of the equation that defines it."""
    found: dict[str, int] = {}

    def visit(steps: tuple[Step, ...]) -> None:
        for step in steps:
            record = step.record
            if isinstance(record, Forward) and record.equation is not None:
                found.setdefault(record.name, record.equation)
            visit(step.substeps)

    visit(solution.steps)
    return found


def _shape(value: Any) -> tuple[int, int]:
    import sympy as sp

    return (value.rows, value.cols) if isinstance(value, sp.MatrixBase) else (1, 1)


def _as_given(written: Written, shape: tuple[int, int] | None) -> Any:
    """A student's value as a problem file's given: its entries' text in rows of the quantity's shape
    (a flat list takes the orientation of the quantity it stands for)."""
    import sympy as sp

    value = written.value
    if not isinstance(value, sp.MatrixBase):
        return written.texts[0]
    texts = list(written.texts)
    rows, cols = shape if written.vector and shape and shape[0] * shape[1] == len(texts) else value.shape
    if cols == 1:
        return texts  # a column: a flat list
    return [texts[r * cols:(r + 1) * cols] for r in range(rows)]

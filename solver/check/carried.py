"""Error carried forward: the solution recomputed from a student's own wrong values.

Every kind that solves a graph (graph, rnn and its LSTM and GRU cells, gan) is solved again with each
wrong forward value the student gave in place of the equation that defines it (``h1 = sigmoid(a1)``
becomes ``h1 = the student's h1``: :func:`solver.kinds.graph.fixed_values`); a descent is run again
from the student's latest wrong iterate (``x_k = x_{k−1} − η·f'(x_{k−1})``). A later wrong value that
equals the recomputed one (exactly, or to the decimals written) is *consistent with* those values: the
work it stands for was done right on a wrong input. It earns its points with carried-forward credit,
unless an earlier wrong value it follows from is all zeros where the right one is not (the work after
it became trivial: 0·w needs no multiplying). Other kinds are not recomputed (their values are only
right or wrong).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from solver.check.answers import Given
from solver.check.compare import Written, as_sympy, compare
from solver.check.quantities import Quantity, key, quantities
from solver.problem import Problem
from solver.trace import Forward, Solution, Step

ITERATE = re.compile(r"(\w+)_(\d+)")  # a descent's iterate: x_3


def fixable(problem: Problem, solution: Solution) -> set[str]:
    """The names of the quantities whose student values a recomputation can start from."""
    if problem.kind == "descent":
        variable = problem.spec.given.variable
        return {q.name for q in quantities(solution).values()
                if (match := ITERATE.fullmatch(q.name)) and match.group(1) == variable}
    return set(defining_equations(solution))


def recomputed(problem: Problem, solution: Solution, fixed: dict[str, Written]) -> dict[str, Quantity] | None:
    """The quantities of ``problem`` solved again from the ``fixed`` values (by quantity name); None
    when the kind is not recomputed, a value is not one the solve can take, or the variant cannot be solved."""
    from solver.errors import DlsolveError

    if not fixed or any(name not in fixable(problem, solution) for name in fixed):
        return None
    try:
        if problem.kind == "descent":
            return _descent(problem, fixed)
        return _graph(problem, solution, fixed)
    except (DlsolveError, ValueError, KeyError, TypeError):
        return None


def _graph(problem: Problem, solution: Solution, fixed: dict[str, Written]) -> dict[str, Quantity] | None:
    """A kind that solves a graph, solved again with the fixed values in place of their equations."""
    from solver.kinds import kind_module
    from solver.kinds.graph import fixed_values

    shapes = _forward_shapes(solution)
    values = {name: _matrix(written, shapes[name]) for name, written in fixed.items()}
    with fixed_values(values) as honoured:  # (the kind's own solve: every answer, whatever the problem asks)
        again = quantities(kind_module(problem.kind).solve(problem))
    return again if set(fixed) <= honoured.honoured else None  # (a kind that solves no graph fixes nothing)


def _descent(problem: Problem, fixed: dict[str, Written]) -> dict[str, Quantity] | None:
    """The iterates after the student's latest wrong one, run again from it (named as in the original run)."""
    from solver.kinds.descent import iterate

    given = problem.spec.given
    start, latest = max((int(ITERATE.fullmatch(name).group(2)), name) for name in fixed)  # type: ignore[union-attr]
    value = fixed[latest].value
    if getattr(value, "is_Matrix", False):
        value = value[0] if len(value) == 1 else None
    if value is None or not as_sympy(value).is_extended_real or start >= given.iterations:
        return None
    run = iterate(dataclasses.replace(given, start=as_sympy(value), iterations=given.iterations - start))
    name = given.variable
    found = {}
    for row in run.rows[1:]:
        iterate_name = f"{name}_{start + row.k}"
        found[key(iterate_name)] = Quantity(iterate_name, row.x, uses=(f"{name}_{start + row.k - 1}",))
    last = run.rows[-1]
    for label, value in ((f"f({name}_{given.iterations})", last.fx), (f"f'({name}_{given.iterations})", last.gx)):
        found[key(label)] = Quantity(label, value)
    return found


def consistent(given: Given, quantity: Quantity, again: dict[str, Quantity]) -> bool:
    """Whether the student's value is the recomputed value of ``quantity`` (exactly, to the decimals
    written, or within the answer's tolerance)."""
    other = again.get(key(quantity.name))
    return other is not None and compare(given.written, other.value, quantity.name, given.tolerance).accepted


def trivial(written: Written, quantity: Quantity) -> bool:
    """Whether a wrong value makes the work after it trivial: all zeros where the right value is not."""
    import sympy as sp

    def zero(value: Any) -> bool:
        return bool(value.is_zero_matrix if isinstance(value, sp.MatrixBase) else as_sympy(value) == 0)

    return zero(written.value) and not zero(quantity.value)


def defining_equations(solution: Solution) -> dict[str, int]:
    """Each equation's variable and the index of the equation that defines it."""
    return {name: record.equation for name, record in _forward_records(solution).items()
            if record.equation is not None}


def _forward_shapes(solution: Solution) -> dict[str, tuple[int, int]]:
    """Each forward value's shape in the graph (an answer may show a vector the other way)."""
    return {name: record.shape for name, record in _forward_records(solution).items()}


def _forward_records(solution: Solution) -> dict[str, Forward]:
    """The first Forward record of each name, in the order of the steps."""
    found: dict[str, Forward] = {}

    def visit(steps: tuple[Step, ...]) -> None:
        for step in steps:
            record = step.record
            if isinstance(record, Forward) and record.equation is not None:
                found.setdefault(record.name, record)
            visit(step.substeps)

    visit(solution.steps)
    return found


def _matrix(written: Written, shape: tuple[int, int]) -> Any:
    """A student's value as an exact matrix of the graph's ``shape`` (a flat list takes it; a matrix
    written in another shape is kept, and the solve rejects it)."""
    import sympy as sp

    value = written.value
    if not isinstance(value, sp.MatrixBase):
        return sp.Matrix([[as_sympy(value)]])
    if value.shape != shape and written.vector and len(value) == shape[0] * shape[1]:
        return value.reshape(*shape)
    return sp.Matrix(value)

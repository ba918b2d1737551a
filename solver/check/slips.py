"""What the named-mistake rules share: a value as a matrix, "is this the slip's value", the trace's records
with their step numbers, and the solution's values by name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from solver.check.quantities import Quantity, key
from solver.trace import Forward, Record, Solution


def as_matrix(value: Any) -> Any:
    """A value as a sympy Matrix (a number as 1×1)."""
    import sympy as sp

    return value if isinstance(value, sp.MatrixBase) else sp.Matrix([[value]])


def same(wrong: Any, candidate: Any) -> bool:
    """Whether ``wrong`` is ``candidate``; a vector candidate may be a row or a column (records keep the
    graph's layout, answers the problem's)."""
    from solver.check.compare import same_value

    mine, theirs = as_matrix(wrong), as_matrix(candidate)
    if mine.shape != theirs.shape and 1 in mine.shape and 1 in theirs.shape and len(mine) == len(theirs):
        theirs = theirs.reshape(*mine.shape)
    return same_value(mine, theirs)


def explains(wrong: Any, candidate: Any, expected: Any) -> bool:
    """Whether the slip's value ``candidate`` differs from the right one and is what was written."""
    return not same(candidate, expected) and same(wrong, candidate)


def trace_records(solution: Solution) -> Iterator[tuple[str, Record]]:
    """Every step's record with its step number (numbered as :mod:`.quantities` numbers them)."""
    def visit(steps: tuple[Any, ...], prefix: str) -> Iterator[tuple[str, Record]]:
        for number, step in enumerate(steps, 1):
            label = f"{prefix}{number}"
            if step.record is not None:
                yield label, step.record
            yield from visit(step.substeps, f"{label}.")

    return visit(solution.steps, "")


def gradient_of(quantity: Quantity) -> tuple[str, str] | None:
    """``(loss, node)`` when the quantity is a gradient ∂loss/∂node."""
    match = re.fullmatch(r"d([^/]+)/d(.+)", key(quantity.name))
    return (match.group(1), match.group(2)) if match else None


def named_values(solution: Solution) -> dict[str, Any]:
    """The given values and the forward values by name (the first of a name)."""
    found: dict[str, Any] = {given.name: given.value for given in solution.given}
    for _, record in trace_records(solution):
        if isinstance(record, Forward):
            found.setdefault(record.name, record.value)
    return found

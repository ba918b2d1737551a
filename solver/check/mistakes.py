"""Named mistakes: for a wrong value, the usual slip that turns the right value into it, if one does.

Each rule is a function ``(wrong, quantity, solution) -> str`` returning the mistake's name, or "" when
the rule does not explain the value; :func:`diagnose` tries them in order. A value no rule explains is
only "incorrect".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from solver.check.quantities import Quantity
from solver.trace import Solution

Rule = Callable[[Any, Quantity, Solution], str]


def _sign(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """The right value with the opposite sign."""
    import sympy as sp

    from solver.check.compare import same_value

    expected = quantity.value
    if isinstance(expected, sp.MatrixBase):
        if expected.is_zero_matrix or not isinstance(wrong, sp.MatrixBase) or wrong.shape != expected.shape:
            return ""
    elif sp.sympify(expected) == 0:
        return ""
    return "sign error" if same_value(wrong, -expected) else ""  # the right value with the opposite sign


RULES: tuple[Rule, ...] = (_sign,)


def diagnose(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """The name of the mistake that explains ``wrong`` as the value of ``quantity``, or ""."""
    for rule in RULES:
        named = rule(wrong, quantity, solution)
        if named:
            return named
    return ""

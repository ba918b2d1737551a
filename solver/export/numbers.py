"""The numbers a student types in: each numeric answer, or each entry of a numeric vector or matrix,
as a decimal with an absolute tolerance derived from its value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solver.render.json_values import number
from solver.render.latex_notation import name_latex
from solver.render.latex_values import latex
from solver.render.values import is_approximate
from solver.trace import Answer


@dataclass(frozen=True)
class Tolerance:
    """How far a typed number may be from the value: ``relative``·|value|, at least ``absolute``;
    an integer value must be typed exactly (a parameter count off by a bias is wrong) unless
    ``exact_integers`` is off."""

    relative: float = 1e-3  # four significant figures round to within 5e-4 of the value
    absolute: float = 1e-9  # the least tolerance, for values at or next to zero
    exact_integers: bool = True

    def of(self, value: float, integer: bool) -> float:
        """The absolute tolerance for ``value``."""
        if integer and self.exact_integers:
            return 0.0
        return max(self.relative * abs(value), self.absolute)


@dataclass(frozen=True)
class Field:
    """One number to type: its label (LaTeX math), value, tolerance and the exact form it approximates."""

    label: str  # LaTeX: \partial L/\partial W_{1}\,[0, 1]
    value: float
    tolerance: float
    exact: str  # the exact value as LaTeX ("" when the value is a decimal only)
    integer: bool

    @property
    def text(self) -> str:
        """The value as Moodle reads it: an integer's digits, else the shortest decimal that round-trips."""
        return str(int(self.value)) if self.integer else repr(self.value)


def decimal_text(value: float) -> str:
    """A tolerance or value as a short decimal Moodle reads (``0.000667``, ``1e-09``)."""
    return "0" if value == 0 else f"{value:.3g}"


def fields(answer: Answer, tolerance: Tolerance | None = None) -> list[Field]:
    """The numbers of an answer: one for a number, one per entry of a vector (``h[1]``) or a matrix
    (``W[0, 1]``, indices from 0 as in the answer names); none when the answer is not numeric
    (a shape, a symbolic form)."""
    tolerance = tolerance or Tolerance()
    decimal = number(answer.value)
    if decimal is None:
        return []
    value = answer.value.value if is_approximate(answer.value) else answer.value
    name = name_latex(answer.name)
    if not isinstance(decimal, list):
        return [_field(name, value, decimal, tolerance, not is_approximate(answer.value))]
    rows, cols = value.shape
    vector = rows == 1 or cols == 1
    found = []
    for i in range(rows):
        for j in range(cols):
            index = f"{max(i, j)}" if vector else f"{i}, {j}"
            found.append(_field(rf"{name}\,[{index}]", value[i, j], float(number(value[i, j])), tolerance,
                                not is_approximate(answer.value)))
    return found


def _field(label: str, value: Any, decimal: float, tolerance: Tolerance, exactly: bool) -> Field:
    integer = exactly and (isinstance(value, int) or bool(getattr(value, "is_Integer", False)))
    return Field(label, float(decimal), tolerance.of(float(decimal), integer),
                 latex(value) if exactly else "", integer)

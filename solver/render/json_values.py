"""Values for JSON: sympy-readable exact text and floats."""

from __future__ import annotations

from typing import Any

from solver.formula import Formula
from solver.render.values import exact_float, is_approximate, is_float, is_sympy


def exact(value: Any) -> str | None:
    """Sympy-readable text of an exact value (``sympy.sstr`` style); None when there is no exact form."""
    if is_approximate(value) or (is_sympy(value) and is_float(value)):
        return None
    if isinstance(value, (bool, int, str, Formula)):  # a formula: its plain Unicode form
        return str(value)
    import sympy

    if isinstance(value, sympy.MatrixBase) and value.cols == 1:  # a column vector: Matrix([a, b, c])
        return "Matrix([" + ", ".join(sympy.sstr(v) for v in value) + "])"
    if isinstance(value, sympy.MatrixBase):
        return "Matrix([" + ", ".join("[" + ", ".join(sympy.sstr(v) for v in value.row(i)) + "]"
                                      for i in range(value.rows)) + "])"
    return str(sympy.sstr(value))


def number(value: Any) -> Any:
    """A float (or nested list of floats) for JSON, or None when the value is symbolic."""
    if is_approximate(value):
        return number(value.value)
    if isinstance(value, (bool, str, Formula)):
        return None
    if isinstance(value, int):
        return float(value)
    import sympy

    if isinstance(value, sympy.MatrixBase):
        rows = [[number(value[i, j]) for j in range(value.cols)] for i in range(value.rows)]
        if any(x is None for row in rows for x in row):
            return None
        return [row[0] for row in rows] if value.cols == 1 else rows  # a column vector is a flat list
    if not value.is_number:
        return None
    return exact_float(value)

"""What every target shares about showing a value: the decimal policy, rounding, digit grouping and
the shapes of large matrices.

A value in a trace is a Python ``int`` or ``str`` (kept sympy-free for fast paths) or a sympy
object; a formula is a :class:`solver.formula.Formula` tree (or, in older kinds, a Unicode string).
Each target prints them in its own module: :mod:`solver.render.text_values` (terminal),
:mod:`solver.render.latex_values` (LaTeX), :mod:`solver.render.json_values` (JSON), and prose with
values inside in :mod:`solver.render.prose`. Nothing here imports sympy before a sympy value arrives.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any

from solver.formula import FUNCTION_NAMES
from solver.i18n import grouped
from solver.trace import Approximate

DECIMAL_DIGITS = 6  # significant digits of the decimal shown beside an exact value
COMPACT_LIMIT = 8  # rows or columns written out whole; beyond, the first 3 and last 2 with … between
OP_NAMES = {name for name in FUNCTION_NAMES if "_" in name}  # printed whole, never as x_{sub}

_NUMBER = re.compile(r"(?<![\d.])\d{4,}(?![\d.])")


def is_sympy(value: Any) -> bool:
    """Whether ``value`` is a sympy object (without importing sympy: if it is not loaded, it is not)."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(value, (sympy.Basic, sympy.MatrixBase))


def is_approximate(value: Any) -> bool:
    """Whether ``value`` is shown by its decimal only (:class:`solver.trace.Approximate`)."""
    return isinstance(value, Approximate)


def is_negative_decimal(value: Any) -> bool:
    """Whether ``value`` is a rounded negative decimal (:func:`rounded` makes it a symbol named "-0.5"):
    a factor after another needs brackets, 2·(−0.5), which the printers cannot see in a symbol."""
    return bool(getattr(value, "is_Symbol", False) and value.name.startswith("-"))


def rounded(value: Any) -> Any:
    """Floats (alone, in a matrix or anywhere inside an expression) rounded to DECIMAL_DIGITS significant
    digits for display; a float with an integer value shows as the integer (1.0 → 1)."""
    import sympy

    def one(v: Any) -> Any:  # a symbol named "2.5" prints as 2.5 (a Float would print 2.50000)
        return sympy.Symbol(float_text(v)) if isinstance(v, sympy.Float) else v

    if isinstance(value, sympy.MatrixBase):  # entry by entry (applyfunc hashes every Float: slow for 4,096)
        return value.__class__(value.rows, value.cols,
                               [one(v) if isinstance(v, sympy.Float) else rounded(v) if v.has(sympy.Float) else v
                                for v in value])
    if isinstance(value, sympy.Float):
        return one(value)
    if not isinstance(value, sympy.Basic) or not value.has(sympy.Float):
        return value
    args = [rounded(a) for a in value.args]
    if isinstance(value, (sympy.Add, sympy.Mul, sympy.Pow, sympy.MatrixExpr)):
        try:
            return value.func(*args, evaluate=False)
        except TypeError:
            return value.func(*args)
    try:
        return value.func(*args)
    except Exception:
        return value


def float_text(value: Any) -> str:
    """A float with DECIMAL_DIGITS significant digits, an integer value without a decimal point."""
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.{DECIMAL_DIGITS}g}"


_LONG_DECIMAL = re.compile(r"(?<![\w.])(-?\d+\.\d{7,})(?![\d])")


def short_decimals(prose: str) -> str:
    """Prose with every decimal of more than DECIMAL_DIGITS significant digits rounded (0.20000000000000000
    → 0.2), as a note built from a floating-point value would otherwise print it."""
    return _LONG_DECIMAL.sub(lambda m: float_text(m.group(1)), prose)


def is_float(value: Any) -> bool:
    """Whether a value holds floating-point numbers (no exact form)."""
    import sympy

    if isinstance(value, sympy.MatrixBase):
        return any(isinstance(v, sympy.Float) for v in value)
    return isinstance(value, sympy.Float)


def group_digits(text: str, separator: str | None = None) -> str:
    """Group the digits of every integer of 4 or more digits in ``text``: 3604000 → 3,604,000 (None: as the
    language groups them, see :func:`solver.i18n.grouped`)."""
    if separator is None:
        return _NUMBER.sub(lambda m: grouped(int(m.group())), text)
    return _NUMBER.sub(lambda m: f"{int(m.group()):,}".replace(",", separator), text)


@lru_cache(maxsize=4096)
def exact_float(value: Any) -> float:
    """An exact number's float: ``float(N(value, 17))``, proved by an interval enclosure where one settles
    it (far faster on nested forms, see :mod:`solver.engine.enclosure`), else by evalf; cached, as a value
    is shown several times."""
    import sympy

    from solver.engine.enclosure import proved_float

    proved = proved_float(value)
    return proved if proved is not None else float(sympy.N(value, 17))


def decimal_of(value: Any) -> Any:
    """The rounded decimal of a non-integer exact number or matrix (a sympy object), else None."""
    if isinstance(value, (int, str)) or not is_sympy(value) or is_float(value):
        return None
    import sympy

    def one(v: Any) -> Any:
        return v if v.is_Integer else sympy.Float(exact_float(v), DECIMAL_DIGITS)

    if isinstance(value, sympy.MatrixBase):
        if all(v.is_Integer for v in value) or not all(v.is_number for v in value):
            return None
        return value.applyfunc(one)
    if not value.is_number or value.is_Integer:
        return None
    return one(value)


def decimals(matrix: Any) -> Any:
    """A matrix with its numeric entries by their rounded decimals (symbolic entries kept)."""
    import sympy

    return sympy.ImmutableMatrix(rounded(matrix.applyfunc(
        lambda v: sympy.Float(exact_float(v), DECIMAL_DIGITS) if v.is_number else v)))


def matrices_in(expression: Any) -> list[Any]:
    """The explicit matrices inside a sympy expression (the expression itself if it is one), outermost first."""
    import sympy

    return [node for node in sympy.preorder_traversal(expression) if isinstance(node, sympy.MatrixBase)]


def with_decimals(expression: Any, matrices: list[Any]) -> Any:
    """``expression`` with its matrices replaced by their decimals, or unchanged when sympy re-evaluates
    the result into an error (``M**2`` of a row vector is refused once its entries are numbers)."""
    try:
        return expression.xreplace({m: decimals(m) for m in matrices})
    except Exception:
        return expression


def with_sizes(expression: Any, matrices: list[Any]) -> Any:
    """``expression`` with each matrix written as its size (``[40×40]``), for a step too large to show."""
    import sympy

    try:
        distinct = list(dict.fromkeys(matrices))  # a trailing space apiece keeps A·B from printing as a square
        return expression.xreplace({m: sympy.MatrixSymbol(f"[{m.rows}×{m.cols}]" + " " * k, m.rows, m.cols)
                                    for k, m in enumerate(distinct)})
    except Exception:
        return expression


def kept(n: int) -> list[int | None]:
    """The rows (or columns) of ``n`` written out: all up to COMPACT_LIMIT, else 3 and 2 with None between."""
    return list(range(n)) if n <= COMPACT_LIMIT else [0, 1, 2, None, n - 2, n - 1]

"""A student's value against the exact one: correct, correct to the decimals given, within a set
tolerance, of the wrong shape, or incorrect.

Two exact forms are the same number when their difference is 0 to 40 significant digits (evaluated
at 50): ``2/(1 + e)`` and ``2e⁻¹/(1 + e⁻¹)`` are one answer, and no unbounded ``simplify`` runs. A
decimal is accepted when it rounds the exact value at the digits written (``0.2689`` for σ(−1) =
0.26894…, not ``0.27`` when ``0.2689`` was asked: the digits written are the claim).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from solver.i18n import mark, tr

# a status stays English where a program reads it (JSON, Verdict.status); a report translates it with tr(status)
CORRECT = mark("correct")
DECIMALS = mark("correct to the decimals given")
TOLERANCE = mark("correct within the tolerance")
INCORRECT = mark("incorrect")
SHAPE = mark("wrong shape")
STATUSES = (CORRECT, DECIMALS, TOLERANCE, INCORRECT, SHAPE)
ACCEPTED = (CORRECT, DECIMALS, TOLERANCE)

DIGITS = 40  # two forms agreeing to this many significant digits are one number
FLOAT_DIGITS = 9  # … and a value computed in floating point (--numeric, or too large an exact form)
DECIMAL = re.compile(r"\s*[+-]?\d*\.(\d+)\s*")


@dataclass(frozen=True)
class Written:
    """A student's value: the exact number or matrix read, and the text of each entry as written."""

    value: Any  # a sympy number, or a sympy Matrix
    texts: tuple[str, ...]  # each entry's text, row by row (for the decimals it claims)
    vector: bool = False  # written as a flat list: a vector whose orientation is not claimed


@dataclass(frozen=True)
class Verdict:
    """How one value compares: a status of :data:`STATUSES` and, for a wrong shape, what was seen."""

    status: str
    detail: str = ""

    @property
    def accepted(self) -> bool:
        """Whether the value earns its points."""
        return self.status in ACCEPTED


def compare(written: Written, expected: Any, name: str, tolerance: float | None = None) -> Verdict:
    """The verdict on ``written`` as the value of ``name``, whose exact value is ``expected``."""
    import sympy as sp

    from solver.numbers import shape_text
    from solver.trace import Approximate

    if isinstance(expected, Approximate):  # known by its floating-point value only
        expected = expected.value
    mine = written.value if isinstance(written.value, sp.MatrixBase) else sp.Matrix([[written.value]])
    theirs = expected if isinstance(expected, sp.MatrixBase) else sp.Matrix([[expected]])
    if written.vector and 1 in theirs.shape and len(mine) == len(theirs):
        mine = mine.reshape(*theirs.shape)  # a flat list fits a row or a column
    if mine.shape != theirs.shape:
        written_words, expected_words = _shape_words(mine.shape), _shape_words(theirs.shape)
        if mine.shape == theirs.T.shape and _entries(mine.T, theirs, written.texts, tolerance) is not None:
            # Translators: {written} and {expected} are shapes such as "1×3 row", "3×1 column"; {name} is a quantity
            return Verdict(SHAPE, tr("you wrote a {written}, {name} is {expected}: transposed?",
                                     written=written_words, name=name, expected=expected_words))
        if mine.shape == (1, 1):
            # Translators: {shape} is a shape such as 3×1; {name} is a quantity such as h1
            return Verdict(SHAPE, tr("{name} is {shape}", name=name, shape=shape_text(*theirs.shape)))
        # Translators: {written} and {expected} are shapes such as "1×3 row", "2×2 matrix" or "number"
        return Verdict(SHAPE, tr("you wrote a {written}, {name} is {expected}", written=written_words, name=name,
                                 expected=expected_words))
    status = _entries(mine, theirs, written.texts, tolerance)
    return Verdict(status or INCORRECT)


def same_value(mine: Any, theirs: Any) -> bool:
    """Whether two exact values (numbers or matrices of one shape) are equal to :data:`DIGITS` digits."""
    import sympy as sp

    a = mine if isinstance(mine, sp.MatrixBase) else sp.Matrix([[mine]])
    b = theirs if isinstance(theirs, sp.MatrixBase) else sp.Matrix([[theirs]])
    return a.shape == b.shape and _entries(a, b, (), None) == CORRECT


def _shape_words(shape: tuple[int, int]) -> str:
    """``1×3 row``, ``3×1 column``, ``2×2 matrix``, ``number``."""
    rows, cols = shape
    if (rows, cols) == (1, 1):
        # Translators: the shape of a single value (1×1), in "you wrote a 1×3 row, L is number"
        return tr("number")
    if rows == 1:
        return tr("{rows}×{cols} row", rows=rows, cols=cols)
    if cols == 1:
        return tr("{rows}×{cols} column", rows=rows, cols=cols)
    return tr("{rows}×{cols} matrix", rows=rows, cols=cols)


def _entries(mine: Any, theirs: Any, texts: tuple[str, ...], tolerance: float | None) -> str | None:
    """The weakest status every entry reaches (correct, then decimals, then tolerance), or None when an
    entry is wrong."""
    worst = CORRECT
    for index, (a, b) in enumerate(zip(mine, theirs)):
        text = texts[index] if index < len(texts) else ""
        status = _entry(a, b, text, tolerance)
        if status is None:
            return None
        if STATUSES.index(status) > STATUSES.index(worst):
            worst = status
    return worst


def _entry(mine: Any, theirs: Any, text: str, tolerance: float | None) -> str | None:
    """One entry's status, or None when it is wrong."""
    import sympy as sp

    difference = as_sympy(mine) - as_sympy(theirs)
    if difference == 0:
        return CORRECT
    size = abs(_value(theirs))
    gap = abs(_value(difference))
    digits = FLOAT_DIGITS if as_sympy(theirs).has(sp.Float) else DIGITS  # a float value holds fewer digits
    if gap <= sp.Float(10, 50) ** (-digits) * max(1, size):
        return CORRECT
    decimals = DECIMAL.fullmatch(text)
    if decimals and gap <= sp.Rational(1, 2) * sp.Integer(10) ** (-len(decimals.group(1))) * (1 + sp.Float(1e-12)):
        return DECIMALS
    if tolerance is not None and gap <= tolerance:
        return TOLERANCE
    return None


def as_sympy(number: Any) -> Any:
    """A number as a sympy object (already one, or a Python int or float: never text)."""
    import sympy as sp

    if isinstance(number, sp.Basic):
        return number
    return sp.Integer(number) if isinstance(number, int) else sp.Float(number)


def _value(number: Any) -> Any:
    """A number to 50 digits (an Approximate's float as it is)."""
    import sympy as sp

    value = as_sympy(number).evalf(50)
    if not value.is_number or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return sp.oo
    return value

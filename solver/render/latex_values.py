"""Values and formulas as LaTeX math (no surrounding ``$``), fitted to a page: a matrix too large by its
corners, an exact form too wide by its decimals.

sympy values print through :mod:`solver.render.sympy_latex`, formula trees through
:class:`solver.render.latex_notation.LatexPrinter`.
"""

from __future__ import annotations

from typing import Any

from solver.formula import Formula, standard_notation
from solver.render.latex_notation import formula_printer, latex_width, notation_latex
from solver.render.prose import escape_text
from solver.render.values import (
    COMPACT_LIMIT,
    DECIMAL_DIGITS,
    decimal_of,
    decimals,
    exact_float,
    group_digits,
    is_approximate,
    is_float,
    is_sympy,
    kept,
    matrices_in,
    rounded,
    with_decimals,
    with_sizes,
)

LATEX_WIDTH = 50  # characters of typeset math an exact value may take on the page (a display line holds ~65)


def latex(value: Any, fit: bool = True) -> str:
    """An exact value or formula as LaTeX math (no surrounding ``$``); ``fit``: a value too wide for a
    page is shown by its decimals (documents), else printed whole (JSON)."""
    if is_approximate(value):
        shown = latex(rounded(value.value))
        return shown + (r"\ \text{(exact form omitted: %d operations)}" % value.size if value.size else "")
    if is_sympy(value):
        value = rounded(value)  # floats anywhere inside: 6 significant digits, 1.0 as 1
    if isinstance(value, bool):
        return r"\text{%s}" % ("true" if value else "false")
    if isinstance(value, int):
        return group_digits(str(value), r"\,")
    if isinstance(value, str):
        return legacy_formula_latex(value)
    if isinstance(value, Formula):
        return formula_printer().doprint(value)
    if is_sympy(value):
        return _sympy_latex(value, fit)
    return escape_text(str(value))


def legacy_formula_latex(formula: str) -> str:
    """A formula given as a Unicode STRING (``"n_out·n_in + n_out"``) as LaTeX math, by reading its names
    and symbols back out of the text. Legacy: formulas should be :mod:`solver.formula` trees, which
    print through :class:`~solver.render.latex_notation.LatexPrinter` to the same LaTeX without this."""
    return notation_latex(standard_notation(formula)).strip()


def _sympy_latex(value: Any, fit: bool) -> str:
    """A sympy value as LaTeX; with ``fit``, a large matrix by its corners and a wide one by its decimals."""
    import sympy

    from solver.render import sympy_latex

    if fit and _too_large(value):  # a matrix beyond COMPACT_LIMIT rows or columns: its corners
        if isinstance(value, sympy.MatrixBase):
            return _latex_summary(value)
        value = with_sizes(value, [m for m in matrices_in(value) if _too_large(m)])
    if fit and not is_float(value) and _latex_too_wide(value):  # (decimals are as short as it gets)
        matrices = matrices_in(value)
        if isinstance(value, sympy.MatrixBase) or not matrices:
            shown = decimals(value) if matrices else rounded(sympy.Float(exact_float(value), DECIMAL_DIGITS))
            return sympy_latex.latex(shown) + r"\ \text{(exact form: see JSON)}"
        value = with_decimals(value, matrices)  # an expression of matrices: its matrices by decimals
    return sympy_latex.latex(value)


def decimal_latex(value: Any) -> str | None:
    """The decimal beside a non-integer exact value, as LaTeX."""
    shown = decimal_of(value)
    if shown is None or _latex_too_wide(value):
        return None
    import sympy

    from solver.render import sympy_latex

    if isinstance(shown, sympy.MatrixBase):
        return sympy_latex.latex(shown)
    return f"{float(shown):.{DECIMAL_DIGITS}g}"


def _too_large(value: Any) -> bool:
    import sympy

    if isinstance(value, sympy.MatrixBase):
        return max(value.shape) > COMPACT_LIMIT
    return any(max(m.shape) > COMPACT_LIMIT for m in matrices_in(value))


def _latex_summary(matrix: Any) -> str:
    """A matrix too large for a page: its first and last rows and columns, with ⋯, ⋮ and ⋱ between."""
    import sympy

    from solver.render import sympy_latex

    def cell(i: int | None, j: int | None) -> str:
        if i is None:
            return r"\ddots" if j is None else r"\vdots"
        if j is None:
            return r"\cdots"
        entry = matrix[i, j]
        return latex(entry if entry.is_Rational or latex_width(sympy_latex.latex(entry)) <= 12 else
                     sympy.Float(exact_float(entry), DECIMAL_DIGITS))

    rows = [" & ".join(cell(i, j) for j in kept(matrix.cols)) for i in kept(matrix.rows)]
    return (r"\left[\begin{matrix}" + r" \\ ".join(rows) + r"\end{matrix}\right]"
            + r"_{%d\times %d}" % matrix.shape)  # (every entry is in the JSON output)


def _latex_too_wide(value: Any) -> bool:
    """Whether an exact value would run into the margin (nested exact forms: tanh(1 − tanh(tanh(1)/2)/2))."""
    import sympy

    from solver.render import sympy_latex

    if all(v.is_Rational for v in (value if isinstance(value, sympy.MatrixBase) else [value])):
        return False  # decimals would be no shorter
    if isinstance(value, sympy.MatrixBase):
        columns = [max(latex_width(sympy_latex.latex(v)) for v in value.col(j)) for j in range(value.cols)]
        return sum(columns) + 2 * (value.cols - 1) > LATEX_WIDTH
    matrices = matrices_in(value)
    if matrices:
        return any(_latex_too_wide(m) for m in matrices)
    return bool(value.is_number) and latex_width(sympy_latex.latex(value)) > LATEX_WIDTH

"""Values and formulas as LaTeX math (no surrounding ``$``), fitted to a page: a matrix too large by its
corners, an exact form too wide by its decimals.

sympy values print through :mod:`solver.render.sympy_latex`, formula trees through
:class:`solver.render.latex_notation.LatexPrinter`.
"""

from __future__ import annotations

from typing import Any

from solver.formula import Formula, standard_notation
from solver.i18n import tr
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
        return shown + (r"\ \text{%s}" % tr("(exact form omitted: {count} operations)", count=value.size)
                        if value.size else "")
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
            broken = broken_latex(value)
            if broken is not None:
                return broken
            shown = decimals(value) if matrices else rounded(sympy.Float(exact_float(value), DECIMAL_DIGITS))
            return sympy_latex.latex(shown) + r"\ \text{(exact form: %d operations)}" % sympy.count_ops(value)
        value = with_decimals(value, matrices)  # an expression of matrices: its matrices by decimals
    return sympy_latex.latex(value)


BROKEN_WIDTH = 54  # characters of typeset math on one line of an exact form broken over lines
MAX_BROKEN_LINES = 6  # lines of one exact entry; beyond, the decimal is shown (with the form's size)


def broken_latex(value: Any) -> str | None:
    """An exact value too wide for one line, broken over lines (``aligned``, plain pdflatex) before
    top-level + and − signs and between top-level factors; a matrix entry by entry. None when an
    entry would still be too wide or too long (then the decimal is shown)."""
    import sympy

    if isinstance(value, sympy.MatrixBase):
        width = max(24, BROKEN_WIDTH // value.cols)
        cells = [[_broken_entry(value[i, j], width) for j in range(value.cols)] for i in range(value.rows)]
        if any(cell is None for row in cells for cell in row):
            return None
        rows = [" & ".join(str(cell) for cell in row) for row in cells]
        return r"\left[\begin{matrix}" + r" \\[2pt] ".join(rows) + r"\end{matrix}\right]"
    return _broken_entry(value, BROKEN_WIDTH)


def _broken_entry(value: Any, width: int) -> str | None:
    """One exact number as LaTeX, broken into lines of at most ``width`` characters (None: impossible)."""
    from solver.render import sympy_latex

    whole = sympy_latex.latex(value)
    if latex_width(whole) <= width:
        return whole
    lines = break_lines(sympy_latex.wide_latex(value).replace(r"\frac{", r"\tfrac{"), width)  # (flatter lines)
    if lines is None or len(lines) > MAX_BROKEN_LINES:
        return None
    return "{\\begin{aligned}[t]" + r" \\ ".join("&" + line for line in lines) + "\\end{aligned}}"


def break_lines(tex: str, width: int) -> list[str] | None:
    """``tex`` cut at top-level + and − signs and between top-level factors into lines of at most
    ``width`` typeset characters (a continued product starts with ``\\cdot``); None if a piece is wider."""
    tex = _opened(tex)
    pieces: list[tuple[str, str]] = []  # (joint before the piece: "", "+", "-" or "·", the piece)
    depth, start, joint, i = 0, 0, "", 0
    while i < len(tex):
        if tex.startswith(r"\left", i) or tex[i] == "{":
            depth += 1
        elif tex.startswith(r"\right", i) or tex[i] == "}":
            depth -= 1
        elif depth == 0 and i > 0 and (tex.startswith(" + ", i) or tex.startswith(" - ", i)):
            pieces.append((joint, tex[start:i]))
            joint, start = tex[i + 1], i + 3
            i += 2
        elif depth == 0 and tex[i] == " " and tex[i - 1] in ")}" and i + 1 < len(tex) and tex[i + 1] not in "^_+-=":
            pieces.append((joint, tex[start:i]))
            joint, start = "·", i + 1
        i += 1
    pieces.append((joint, tex[start:]))
    lines: list[str] = []
    for joint, piece in pieces:
        glue = {"": "", "·": " ", "+": " + ", "-": " - "}[joint]
        if lines and latex_width(lines[-1] + glue + piece) <= width:
            lines[-1] += glue + piece
        else:
            lines.append(("" if not lines else r"\cdot " if joint == "·" else joint + " ") + piece)
    return None if any(latex_width(line) > width for line in lines) else lines


def _opened(tex: str) -> str:
    """``tex`` with its outermost ``\\left( … \\right)`` pairs as ``\\Bigl( … \\Bigr)``, which may
    stand on different lines, so that a long bracketed sum or product can break inside."""
    out: list[str] = []
    stack: list[str] = []  # "{", "L" (a \\left kept) or "B" (a \\left( made \\Bigl()
    i = 0
    while i < len(tex):
        if tex.startswith(r"\left", i):
            outer = tex.startswith(r"\left(", i) and all(kind == "B" for kind in stack)
            stack.append("B" if outer else "L")
            out.append(r"\Bigl(" if outer else r"\left")
            i += 6 if outer else 5
        elif tex.startswith(r"\right", i):
            outer = bool(stack) and stack.pop() == "B"
            out.append(r"\Bigr)" if outer else r"\right")
            i += 7 if outer else 6
        else:
            if tex[i] == "{":
                stack.append("{")
            elif tex[i] == "}" and stack:
                stack.pop()
            out.append(tex[i])
            i += 1
    return "".join(out)


def decimal_latex(value: Any) -> str | None:
    """The decimal beside an exact value that is not rational (σ(1), ln 2), as LaTeX: on a printed sheet
    a fraction such as −1/6 says all its decimal would."""
    shown = decimal_of(value)
    if shown is None or _latex_too_wide(value):
        return None
    import sympy

    entries = value if isinstance(value, sympy.MatrixBase) else [value]
    if all(getattr(entry, "is_Rational", False) for entry in entries):
        return None

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


def _matrix_width(matrix: Any) -> int:
    """Roughly how many characters a matrix typesets to (its widest entry per column)."""
    from solver.render import sympy_latex

    columns = [max(latex_width(sympy_latex.latex(v)) for v in matrix.col(j)) for j in range(matrix.cols)]
    return sum(columns) + 2 * (matrix.cols - 1)


def _latex_too_wide(value: Any) -> bool:
    """Whether an exact value would run into the margin (nested exact forms: tanh(1 − tanh(tanh(1)/2)/2))."""
    import sympy

    from solver.render import sympy_latex

    if all(v.is_Rational for v in (value if isinstance(value, sympy.MatrixBase) else [value])):
        return False  # decimals would be no shorter
    if isinstance(value, sympy.MatrixBase):
        return _matrix_width(value) > LATEX_WIDTH
    matrices = matrices_in(value)
    if matrices:  # an expression of matrices (A ∘ B): together they must fit one line
        return any(_latex_too_wide(m) for m in matrices) or \
            sum(_matrix_width(m) for m in matrices) > LATEX_WIDTH + LATEX_WIDTH // 2
    return bool(value.is_number) and latex_width(sympy_latex.latex(value)) > LATEX_WIDTH

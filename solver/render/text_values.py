"""Values and formulas for the terminal: Unicode, digits grouped, matrices fitted to the width.

sympy values print through :mod:`solver.render.sympy_text` (imported when one arrives); formula trees
through :class:`TextPrinter`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from solver.formula import Formula, StandardPrinter, standard_notation
from solver.i18n import grouped, tr
from solver.render.values import (
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

TEXT_WIDTH = 60  # columns a matrix may take in the terminal (steps are indented and joined by " = ")
SUMMARY_EDGE = 3  # rows and columns kept at each end of a matrix too large for the terminal
MINUS = "−"


class TextPrinter(StandardPrinter):
    """A formula for the terminal: the Unicode form in standard notation, integers grouped (3,604,000)."""

    def number(self, value: int | str) -> str:
        """An integer with its digits grouped; a decimal or fraction as written."""
        return grouped(value) if isinstance(value, int) else value


@lru_cache(maxsize=1)
def formula_printer() -> TextPrinter:
    """The terminal's formula printer (made once)."""
    return TextPrinter()


def text(value: Any, width: int | None = None) -> str:
    """An exact value or formula for the terminal (Unicode, digits grouped), at most ``width`` columns
    wide where a matrix can be laid out differently (default TEXT_WIDTH)."""
    if is_approximate(value):
        shown = text(rounded(value.value))
        return shown + ("  " + tr("(exact form omitted: {count} operations)", count=value.size) if value.size else "")
    if is_sympy(value):
        value = rounded(value)  # floats anywhere inside: 6 significant digits, 1.0 as 1
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return grouped(value)
    if isinstance(value, str):  # a formula written as text: standard notation (norm2(W1) → ‖W1‖²)
        return group_digits(standard_notation(value))
    if isinstance(value, Formula):
        return formula_printer().doprint(value)
    if is_sympy(value):
        from solver.render import sympy_text

        if _has_matrix(value):
            return _fitting_matrix(value, width or TEXT_WIDTH)
        return sympy_text.line(value)
    return str(value)


def pretty(value: Any) -> str:
    """sympy's 2D layout (for matrices), with ``ln`` for the natural logarithm and ``σ`` for sigmoid."""
    from solver.render import sympy_text

    return sympy_text.pretty(value)


def _fitting_matrix(value: Any, width: int) -> str:
    """A matrix laid out in 2D if that fits the terminal, else one row per line, else by its decimals.

    Nested exact forms (tanh(1 − tanh(tanh(1)/2)/2) in a BPTT gradient) are exact but far too wide
    for 80 columns; LaTeX and JSON still carry them.
    """
    import sympy

    matrices = matrices_in(value)
    wide = any(_least_width(matrix) > width for matrix in matrices)  # no layout can fit: skip making them
    if not wide:
        shown = pretty(value)
        if _width(shown) <= width:
            return shown
    if isinstance(value, (sympy.MatAdd, sympy.Add)) and len(value.args) > 1:  # a sum: its terms over lines
        stacked = _stacked_sum(value.args, width)
        if stacked is not None:
            return stacked
    if not isinstance(value, sympy.MatrixBase):  # an expression of matrices (W·x, δ ⊙ σ'): its matrices by decimals
        if not wide:
            shown = pretty(with_decimals(value, matrices))
            if _width(shown) <= width:
                return shown
        return pretty(with_sizes(value, matrices))  # too large to show here: the step's result follows
    if _least_width(value) <= width + 10:
        rows = _one_line_rows(value)
        if max(len(row) for row in rows) <= width + 10:
            return "\n".join(rows)
    exact_elsewhere = "" if is_float(value) else "  " + tr("(exact: --format latex or json)")
    if not wide:
        shown = pretty(decimals(value))
        if _width(shown) <= width:
            return shown + exact_elsewhere
    return _summary(value, width) + f"\n({value.rows}×{value.cols}; every entry: --format json or latex)"


def _least_width(matrix: Any) -> int:
    """The fewest columns any layout of ``matrix`` takes: one character per entry, two between entries and
    the brackets ([1  2] in 2D, [1, 2] on one line). Known at once, unlike sympy's layout of 4,096 entries."""
    return 3 * matrix.cols


def _stacked_sum(terms: tuple[Any, ...], width: int) -> str | None:
    """``a + b + c + …`` as lines of as many terms as fit ``width``, each further line starting with +
    (None when a term alone is too wide)."""
    shown = [text(term, width - 2) for term in terms]
    if any(_width(term) > width - 2 for term in shown):
        return None
    lines: list[list[str]] = [[shown[0]]]
    for term in shown[1:]:
        if _width("\n".join(side_by_side([*lines[-1], term], [" + "] * len(lines[-1])))) <= width - 2:
            lines[-1].append(term)
        else:
            lines.append([term])
    out: list[str] = []
    anchor = 0
    for i, line in enumerate(lines):
        block = side_by_side(line, [" + "] * (len(line) - 1))
        if i == 0:
            anchor = len(block) // 2
        out += side_by_side(["  " if i == 0 else "+ ", "\n".join(block)], [])
    return Anchored("\n".join(out), anchor)


class Anchored(str):
    """A block of text lines whose first row is not its middle: ``anchor`` is the line an ``=`` before it
    belongs on (a sum stacked over several lines reads from its first)."""

    anchor: int

    def __new__(cls, text: str, anchor: int) -> Anchored:
        made = super().__new__(cls, text)
        made.anchor = anchor
        return made


def _summary(matrix: Any, width: int) -> str:
    """A matrix too large for the terminal, as numpy prints one: its first and last rows and columns
    by their decimals, with ⋯ and ⋮ for the rest."""
    def keep(n: int, edge: int) -> list[int | None]:
        return list(range(n)) if n <= 2 * edge + 1 else [*range(edge), None, *range(n - edge, n)]

    edge = SUMMARY_EDGE
    while True:
        columns = keep(matrix.cols, edge)
        table = [[("⋮" if i is None else "⋯" if j is None else _decimal_text(matrix[i, j])) for j in columns]
                 for i in keep(matrix.rows, SUMMARY_EDGE)]
        sizes = [max(len(row[k]) for row in table) for k in range(len(columns))]
        lines = ["[" + "  ".join(cell.rjust(size) for cell, size in zip(row, sizes)) + "]" for row in table]
        if max(len(line) for line in lines) <= width or edge == 1:
            return "\n".join(lines)
        edge -= 1


def _decimal_text(value: Any) -> str:
    """One entry of a matrix summary: a number by its decimal, a symbolic entry as it is."""
    if value.is_number:
        return f"{exact_float(value):.{DECIMAL_DIGITS}g}".replace("-", MINUS)
    from solver.render import sympy_text

    return sympy_text.line(value)


def _one_line_rows(matrix: Any) -> list[str]:
    from solver.render import sympy_text

    return ["[" + ", ".join(sympy_text.line(v) for v in matrix.row(i)) + "]" for i in range(matrix.rows)]


def _shown_by_decimals(value: Any, width: int = TEXT_WIDTH) -> bool:
    """Whether the terminal shows this matrix by its decimals (its exact layouts are too wide)."""
    import sympy

    if not isinstance(value, sympy.MatrixBase):
        return False
    if _least_width(value) > width + 10:
        return True
    return _width(pretty(value)) > width and max(len(row) for row in _one_line_rows(value)) > width + 10


def _width(block: str) -> int:
    return max(len(line) for line in block.splitlines())


def _has_matrix(value: Any) -> bool:
    import sympy

    if isinstance(value, (sympy.MatrixBase, sympy.MatrixExpr)):
        return True
    return any(isinstance(node, (sympy.MatrixBase, sympy.MatrixExpr)) for node in sympy.preorder_traversal(value))


def decimal(value: Any, width: int = TEXT_WIDTH) -> str | None:
    """A decimal approximation to show beside a non-integer exact value (terminal text), else None."""
    shown = decimal_of(value)
    if shown is None or _shown_by_decimals(value, width):
        return None
    import sympy

    if isinstance(shown, sympy.MatrixBase):
        return pretty(shown)
    return f"{float(shown):.{DECIMAL_DIGITS}g}".replace("-", MINUS)


def compact(value: Any) -> str:
    """A value on one line: a column vector as (1, 2, 3), a matrix as [[1, 1, 0], [0, 0, 1]]."""
    if is_sympy(value):
        import sympy

        if isinstance(value, sympy.MatrixBase):
            row_keep, col_keep = kept(value.rows), kept(value.cols)
            rows = [["…" if i is None or j is None else text(value[i, j]) for j in col_keep] for i in row_keep]
            size = f"  ({value.rows}×{value.cols})" if None in row_keep + col_keep else ""
            if value.cols == 1:
                return "(" + ", ".join(row[0] for row in rows) + ")" + size
            return "[" + ", ".join("…" if i is None else "[" + ", ".join(row) + "]"
                                   for i, row in zip(row_keep, rows)) + "]" + size
    return text(value)


def side_by_side(pieces: list[str], separators: list[str]) -> list[str]:
    """Join multi-line blocks horizontally, centred vertically, separators on the middle line."""
    blocks = [piece.split("\n") for piece in pieces]
    height = max(len(block) for block in blocks)
    middle = height // 2
    lines = [""] * height
    for i, block in enumerate(blocks):
        width = max(len(line) for line in block)
        top = middle - len(block) // 2
        for row in range(height):
            k = row - top
            lines[row] += (block[k] if 0 <= k < len(block) else "").ljust(width)
        if i < len(separators):
            sep = separators[i]
            for row in range(height):
                lines[row] += sep if row == middle else " " * len(sep)
    return [line.rstrip() for line in lines]

"""Formatting at the edge: exact values and formulas → terminal text, LaTeX, JSON.

A value in a trace is a Python ``int`` or ``str`` (kept sympy-free for fast paths) or a sympy
object; a formula is a Unicode string such as ``"4·(h·(x + h) + h)"`` or a sympy expression.
Everything about how they look is decided here, once, for every renderer.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any

from solver.formula import Formula, Printer

DECIMAL_DIGITS = 6  # significant digits of the decimal shown beside an exact value

# Unicode math symbols allowed in formulas, notes and titles, with their LaTeX (math mode).
UNICODE_LATEX = {
    "·": r"\cdot ",
    "×": r"\times ",
    "−": "-",
    "±": r"\pm ",
    "⌊": r"\lfloor ",
    "⌋": r"\rfloor ",
    "→": r"\to ",
    "←": r"\leftarrow ",
    "≈": r"\approx ",
    "≤": r"\le ",
    "≥": r"\ge ",
    "≠": r"\ne ",
    "Σ": r"\sum ",
    "∏": r"\prod ",
    "∂": r"\partial ",
    "∇": r"\nabla ",
    "ℝ": r"\mathbb{R}",
    "√": r"\sqrt",
    "²": "^{2}",
    "ᵀ": "^{\\top}",
    "′": "'",
    "‖": r"\|",
    "∈": r"\in ",
    "⊙": r"\odot ",
    "✓": r"\checkmark ",
    "δ": r"\delta ",
    "α": r"\alpha ",
    "β": r"\beta ",
    "γ": r"\gamma ",
    "η": r"\eta ",
    "θ": r"\theta ",
    "λ": r"\lambda ",
    "μ": r"\mu ",
    "σ": r"\sigma ",
    "ε": r"\varepsilon ",
}

_NUMBER = re.compile(r"(?<![\d.])\d{4,}(?![\d.])")
_IDENTIFIER = re.compile(r"[A-Za-z]+\d*(?:_[A-Za-z0-9]+)?")
_FUNCTIONS = {"ln": r"\ln", "log": r"\log", "exp": r"\exp", "max": r"\max", "min": r"\min", "tanh": r"\tanh"}


def is_sympy(value: Any) -> bool:
    """Whether ``value`` is a sympy object (without importing sympy: if it is not loaded, it is not)."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(value, (sympy.Basic, sympy.MatrixBase))


def _approximate(value: Any) -> Any:
    """The Approximate wrapper's class if loaded (renderers must not import the solver's heavy parts)."""
    from solver.trace import Approximate

    return Approximate


def rounded(value: Any) -> Any:
    """Floats (alone or in a matrix) rounded to DECIMAL_DIGITS significant digits for display."""
    import sympy

    def one(v: Any) -> Any:  # a symbol named "2.5" prints as 2.5 (a Float would print 2.50000)
        return sympy.Symbol(f"{float(v):.{DECIMAL_DIGITS}g}") if isinstance(v, sympy.Float) else v

    return value.applyfunc(one) if isinstance(value, sympy.MatrixBase) else one(value)


def is_float(value: Any) -> bool:
    """Whether a value holds floating-point numbers (no exact form)."""
    import sympy

    if isinstance(value, sympy.MatrixBase):
        return any(isinstance(v, sympy.Float) for v in value)
    return isinstance(value, sympy.Float)


def group_digits(text: str, separator: str = ",") -> str:
    """Group the digits of every integer of 4 or more digits in ``text``: 3604000 → 3,604,000."""
    return _NUMBER.sub(lambda m: f"{int(m.group()):,}".replace(",", separator), text)


# --- terminal text ----------------------------------------------------------------------------


def text(value: Any, width: int | None = None) -> str:
    """An exact value or formula for the terminal (Unicode, digits grouped), at most ``width`` columns
    wide where a matrix can be laid out differently (default TEXT_WIDTH)."""
    if isinstance(value, _approximate(value)):
        shown = text(rounded(value.value))
        return shown + (f"  (exact form omitted: {value.size} operations)" if value.size else "")
    if is_sympy(value) and is_float(value):
        value = rounded(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str):
        return group_digits(value)
    if isinstance(value, Formula):
        return TextPrinter().doprint(value)
    if is_sympy(value):
        import sympy

        if _has_matrix(value):
            return _fitting_matrix(value, width or TEXT_WIDTH)
        return _unicode_scalar(sympy.sstr(value))
    return str(value)


TEXT_WIDTH = 60  # columns a matrix may take in the terminal (steps are indented and joined by " = ")


def _fitting_matrix(value: Any, width: int) -> str:
    """A matrix laid out in 2D if that fits the terminal, else one row per line, else by its decimals.

    Nested exact forms (tanh(1 − tanh(tanh(1)/2)/2) in a BPTT gradient) are exact but far too wide
    for 80 columns; LaTeX and JSON still carry them.
    """
    import sympy

    shown = pretty(value)
    if _width(shown) <= width:
        return shown
    if not isinstance(value, sympy.MatrixBase):  # an expression of matrices (W·x, δ ⊙ σ'): its matrices by decimals
        matrices = [node for node in sympy.preorder_traversal(value) if isinstance(node, sympy.MatrixBase)]
        shown = pretty(_with_decimals(value, matrices))
        if _width(shown) <= width:
            return shown
        return pretty(_with_sizes(value, matrices))  # too large to show here: the step's result follows
    rows = _one_line_rows(value)
    if max(len(row) for row in rows) <= width + 10:
        return "\n".join(rows)
    exact_elsewhere = "" if is_float(value) else "  (exact: --format latex or json)"
    shown = pretty(_decimals(value))
    if _width(shown) <= width:
        return shown + exact_elsewhere
    return _summary(value, width) + f"\n({value.rows}×{value.cols}; every entry: --format json or latex)"


SUMMARY_EDGE = 3  # rows and columns kept at each end of a matrix too large for the terminal


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
    return _unicode_scalar(f"{_float(value):.{DECIMAL_DIGITS}g}") if value.is_number else _unicode_scalar(str(value))


def _with_sizes(expression: Any, matrices: list[Any]) -> Any:
    """``expression`` with each matrix written as its size (``[40×40]``), for a step too large to show."""
    import sympy

    try:
        distinct = list(dict.fromkeys(matrices))  # a trailing space apiece keeps A·B from printing as a square
        return expression.xreplace({m: sympy.MatrixSymbol(f"[{m.rows}×{m.cols}]" + " " * k, m.rows, m.cols)
                                    for k, m in enumerate(distinct)})
    except Exception:  # noqa: BLE001 - as in _with_decimals
        return expression


def _one_line_rows(matrix: Any) -> list[str]:
    import sympy

    return ["[" + ", ".join(_unicode_scalar(sympy.sstr(v)) for v in matrix.row(i)) + "]" for i in range(matrix.rows)]


def _shown_by_decimals(value: Any, width: int = TEXT_WIDTH) -> bool:
    """Whether the terminal shows this matrix by its decimals (its exact layouts are too wide)."""
    import sympy

    return (isinstance(value, sympy.MatrixBase) and _width(pretty(value)) > width
            and max(len(row) for row in _one_line_rows(value)) > width + 10)


def _with_decimals(expression: Any, matrices: list[Any]) -> Any:
    """``expression`` with its matrices replaced by their decimals, or unchanged when sympy re-evaluates
    the result into an error (``M**2`` of a row vector is refused once its entries are numbers)."""
    try:
        return expression.xreplace({m: _decimals(m) for m in matrices})
    except Exception:  # noqa: BLE001 - any sympy evaluation error: the exact layout is still correct
        return expression


def _width(block: str) -> int:
    return max(len(line) for line in block.splitlines())


def _decimals(matrix: Any) -> Any:
    import sympy

    return sympy.ImmutableMatrix(rounded(matrix.applyfunc(
        lambda v: sympy.Float(_float(v), DECIMAL_DIGITS) if v.is_number else v)))


OP_NAMES = {"leaky_relu", "log_softmax", "bce_logits", "cross_entropy"}  # printed whole, never as x_{sub}


def pretty(value: Any) -> str:
    """sympy's 2D layout (for matrices), with ``ln`` for the natural logarithm and ``σ`` for sigmoid."""
    try:
        return _pretty(value)
    except TypeError:  # a mutable matrix is not hashable
        return _pretty.__wrapped__(value)


@lru_cache(maxsize=1024)
def _pretty(value: Any) -> str:
    return _printer().doprint(value)


@lru_cache(maxsize=1)
def _printer() -> Any:
    """sympy's pretty printer, taught ``ln``, ``σ`` and op names with underscores (made once)."""
    from sympy.printing.pretty.pretty import PrettyPrinter
    from sympy.printing.pretty.stringpict import prettyForm

    class Printer(PrettyPrinter):
        def _print_log(self, e: Any) -> Any:
            return self._print_Function(e, func_name="ln")

        def _print_sigmoid(self, e: Any) -> Any:
            return self._print_Function(e, func_name="σ")

        def _print_Symbol(self, e: Any, bold_name: bool = False) -> Any:
            if "_" in e.name and e.name in OP_NAMES:  # a function's name, not W_1: no subscript
                return prettyForm(e.name)
            return super()._print_Symbol(e, bold_name)

    return Printer({"use_unicode": True, "full_prec": False})


def _has_matrix(value: Any) -> bool:
    import sympy

    if isinstance(value, (sympy.MatrixBase, sympy.MatrixExpr)):
        return True
    return any(isinstance(node, (sympy.MatrixBase, sympy.MatrixExpr)) for node in sympy.preorder_traversal(value))


def compact(value: Any) -> str:
    """A value on one line: a column vector as (1, 2, 3), a matrix as [[1, 1, 0], [0, 0, 1]]."""
    if is_sympy(value):
        import sympy

        if isinstance(value, sympy.MatrixBase):
            row_keep, col_keep = _kept(value.rows), _kept(value.cols)
            rows = [["…" if i is None or j is None else text(value[i, j]) for j in col_keep] for i in row_keep]
            size = f"  ({value.rows}×{value.cols})" if None in row_keep + col_keep else ""
            if value.cols == 1:
                return "(" + ", ".join(row[0] for row in rows) + ")" + size
            return "[" + ", ".join("…" if i is None else "[" + ", ".join(row) + "]"
                                   for i, row in zip(row_keep, rows)) + "]" + size
    return text(value)


COMPACT_LIMIT = 8  # rows or columns that compact() writes out; beyond, the first 3 and last 2 with … between


def _kept(n: int) -> list[int | None]:
    return list(range(n)) if n <= COMPACT_LIMIT else [0, 1, 2, None, n - 2, n - 1]


def _unicode_scalar(sstr: str) -> str:
    out = sstr.replace("**", "^").replace("*", "·").replace("log(", "ln(").replace("sqrt(", "√(").replace("sigmoid(", "σ(").replace("sigma(", "σ(")
    out = re.sub(r"\bE\b", "e", out)  # sympy's name for Euler's number
    return out.replace("-", "−").replace("pi", "π")


@lru_cache(maxsize=4096)
def _float(value: Any) -> float:
    """An exact number's float (evalf guarantees the digits; cached, as a value is shown several times)."""
    import sympy

    return float(sympy.N(value, 17))


def _decimal_of(value: Any) -> Any:
    """The rounded decimal of a non-integer exact number or matrix (a sympy object), else None."""
    if isinstance(value, (int, str)) or not is_sympy(value) or is_float(value):
        return None
    import sympy

    def one(v: Any) -> Any:
        return v if v.is_Integer else sympy.Float(_float(v), DECIMAL_DIGITS)

    if isinstance(value, sympy.MatrixBase):
        if all(v.is_Integer for v in value) or not all(v.is_number for v in value):
            return None
        return value.applyfunc(one)
    if not value.is_number or value.is_Integer:
        return None
    return one(value)


def decimal(value: Any, width: int = TEXT_WIDTH) -> str | None:
    """A decimal approximation to show beside a non-integer exact value (terminal text), else None."""
    shown = _decimal_of(value)
    if shown is None or _shown_by_decimals(value, width):
        return None
    import sympy

    if isinstance(shown, sympy.MatrixBase):
        return sympy.pretty(shown, use_unicode=True)
    return f"{float(shown):.{DECIMAL_DIGITS}g}".replace("-", "−")


def decimal_latex(value: Any) -> str | None:
    """The decimal beside a non-integer exact value, as LaTeX."""
    shown = _decimal_of(value)
    if shown is None or _latex_too_wide(value):
        return None
    import sympy

    if isinstance(shown, sympy.MatrixBase):
        return sympy.latex(shown)
    return f"{float(shown):.{DECIMAL_DIGITS}g}"


# --- LaTeX ----------------------------------------------------------------------------------------


def latex(value: Any, fit: bool = True) -> str:
    """An exact value or formula as LaTeX math (no surrounding ``$``); ``fit``: a value too wide for a
    page is shown by its decimals (documents), else printed whole (JSON)."""
    if isinstance(value, _approximate(value)):
        shown = latex(rounded(value.value))
        return shown + (r"\ \text{(exact form omitted: %d operations)}" % value.size if value.size else "")
    if is_sympy(value) and is_float(value):
        value = rounded(value)
    if isinstance(value, bool):
        return r"\text{%s}" % ("true" if value else "false")
    if isinstance(value, int):
        return group_digits(str(value), r"\,").replace("-", "-")
    if isinstance(value, str):
        return formula_latex(value)
    if isinstance(value, Formula):
        return LatexPrinter().doprint(value)
    if is_sympy(value):
        import sympy

        if fit and _too_large(value):  # a matrix beyond COMPACT_LIMIT rows or columns: its corners
            if isinstance(value, sympy.MatrixBase):
                return _latex_summary(value)
            value = _with_sizes(value, [m for m in sympy.preorder_traversal(value)
                                        if isinstance(m, sympy.MatrixBase) and _too_large(m)])
        if fit and not is_float(value) and _latex_too_wide(value):  # (decimals are as short as it gets)
            matrices = [node for node in sympy.preorder_traversal(value) if isinstance(node, sympy.MatrixBase)]
            if isinstance(value, sympy.MatrixBase) or not matrices:
                shown = _decimals(value) if matrices else rounded(sympy.Float(_float(value), DECIMAL_DIGITS))
                return sympy.latex(shown) + r"\ \text{(exact form: see JSON)}"
            value = _with_decimals(value, matrices)  # an expression of matrices: its matrices by decimals
        printed = sympy.latex(value, ln_notation=True)
        return "".join(UNICODE_LATEX.get(ch, ch) for ch in printed)  # names such as σ from user symbols
    return escape_text(str(value))


def _too_large(value: Any) -> bool:
    import sympy

    if isinstance(value, sympy.MatrixBase):
        return max(value.shape) > COMPACT_LIMIT
    return any(isinstance(m, sympy.MatrixBase) and max(m.shape) > COMPACT_LIMIT for m in sympy.preorder_traversal(value))


def _latex_summary(matrix: Any) -> str:
    """A matrix too large for a page: its first and last rows and columns, with ⋯, ⋮ and ⋱ between."""
    import sympy

    def cell(i: int | None, j: int | None) -> str:
        if i is None:
            return r"\ddots" if j is None else r"\vdots"
        if j is None:
            return r"\cdots"
        entry = matrix[i, j]
        return latex(entry if entry.is_Rational or latex_width(sympy.latex(entry)) <= 12 else
                     sympy.Float(_float(entry), DECIMAL_DIGITS))

    rows = [" & ".join(cell(i, j) for j in _kept(matrix.cols)) for i in _kept(matrix.rows)]
    return (r"\left[\begin{matrix}" + r" \\ ".join(rows) + r"\end{matrix}\right]"
            + r"_{%d\times %d}" % matrix.shape)  # (every entry is in the JSON output)


LATEX_WIDTH = 50  # characters of typeset math an exact value may take on the page (a display line holds ~65)


_SILENT_COMMANDS = {"left", "right", "frac", "dfrac", "begin", "end", "text", "mathrm", "operatorname", "matrix"}


def latex_width(latex: str) -> int:
    """Roughly how many characters ``latex`` typesets to: braces and layout commands take none,
    a named function (``\\tanh``) its letters, any other command one glyph."""
    def command(match: re.Match) -> str:
        name = match.group(1)
        if name in _SILENT_COMMANDS:
            return ""
        return "x" * (len(name) if name in _FUNCTIONS.values() or name in ("tanh", "sin", "cos") else 1)

    return len(re.sub(r"[{}]", "", re.sub(r"\\([A-Za-z]+)\s?", command, latex)))


def _latex_too_wide(value: Any) -> bool:
    """Whether an exact value would run into the margin (nested exact forms: tanh(1 − tanh(tanh(1)/2)/2))."""
    import sympy

    if all(v.is_Rational for v in (value if isinstance(value, sympy.MatrixBase) else [value])):
        return False  # decimals would be no shorter
    if isinstance(value, sympy.MatrixBase):
        columns = [max(latex_width(sympy.latex(v)) for v in value.col(j)) for j in range(value.cols)]
        return sum(columns) + 2 * (value.cols - 1) > LATEX_WIDTH
    matrices = [node for node in sympy.preorder_traversal(value) if isinstance(node, sympy.MatrixBase)]
    if matrices:
        return any(_latex_too_wide(m) for m in matrices)
    return value.is_number and latex_width(sympy.latex(value)) > LATEX_WIDTH


def formula_latex(formula: str) -> str:
    """A Unicode formula (``"n_out·n_in + n_out"``) as LaTeX math."""
    return notation_latex(formula).strip()


def notation_latex(formula: str) -> str:
    """A name or a piece of Unicode notation as LaTeX math, its surrounding spaces kept (``W1`` → ``W_1``)."""

    def identifier(match: re.Match) -> str:
        word = match.group()
        if word in _FUNCTIONS:
            return _FUNCTIONS[word]
        if word in OP_NAMES:
            return r"\operatorname{%s}" % word.replace("_", r"\_")
        base, _, sub = word.partition("_")
        letters = base.rstrip("0123456789")
        if len(letters) == 1 and len(base) > 1 and not sub:  # W1 → W_1
            base, sub = letters, base[1:]
        if len(base) > 1 and not sub:
            return r"\text{%s}" % base
        head = base if len(base) == 1 else r"\text{%s}" % base
        if not sub:
            return head
        return head + ("_{%s}" % sub if len(sub) == 1 or sub.isdigit() else r"_{\text{%s}}" % sub)

    formula = re.sub(r"_\(([^()]*)\)", r"_{\1}", formula)  # h_(t−1) → h_{t−1}
    out = []
    for chunk in re.split(f"({_IDENTIFIER.pattern})", group_digits(formula, "\\,")):
        if _IDENTIFIER.fullmatch(chunk or "-"):
            out.append(identifier(re.match(_IDENTIFIER, chunk)))
        else:
            out.append("".join(UNICODE_LATEX.get(ch, ch) for ch in chunk))
    return "".join(out)


_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "%": r"\%",
    "_": r"\_",
    "&": r"\&",
    "#": r"\#",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "^": r"\^{}",
    "~": r"\~{}",
}


_SUBSCRIPTED = re.compile(r"(?<![\w\\])[A-Za-z]\w*_[A-Za-z0-9]+\b")
_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def words(text: Any, prose: Any) -> str:
    """A title, note or description through ``prose`` (the target's escaping); the values inside a
    :class:`~solver.trace.Phrase` are written with :func:`compact` first."""
    from solver.trace import Phrase

    if isinstance(text, Phrase):
        return "".join(prose(part if isinstance(part, str) else compact(part)) for part in text.parts)
    return str(prose(text))


def prose_text(prose: str) -> str:
    """Prose for the terminal: numeric subscripts as Unicode (``W_1`` → ``W₁``)."""
    return re.sub(r"(?<=[A-Za-z])_(\d+)\b", lambda m: m.group(1).translate(_SUBSCRIPT_DIGITS), prose)


def escape_notation(prose: str) -> str:
    """Solver prose as LaTeX text, with names such as ``C_out`` or ``W_1`` set as math."""
    pieces = _SUBSCRIPTED.split(prose)
    names = _SUBSCRIPTED.findall(prose)
    out = [_escape_plain(pieces[0])]
    for name, piece in zip(names, pieces[1:]):
        out.append(_escape_plain(name) if name in OP_NAMES else "$" + formula_latex(name) + "$")
        out.append(_escape_plain(piece))
    return "".join(out)


def escape_text(prose: str) -> str:
    """User prose as LaTeX text: specials escaped, Unicode math symbols set in ``$…$``."""
    return _escape_plain(prose)


def _escape_plain(prose: str) -> str:
    out = []
    for ch in prose:
        if ch == "-" and out and out[-1] == "-":  # an option (--numeric): two hyphens, not an en dash
            out.append("{}-")
        elif ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch == "\u0302" and out:  # a combining circumflex: x̂
            out[-1] = r"\^{%s}" % out[-1]
        elif ch == "√":  # in prose the sign stands alone (\sqrt would swallow the next token)
            out.append(r"$\surd$")
        elif ch in UNICODE_LATEX:
            out.append("$" + UNICODE_LATEX[ch].strip() + "$")
        elif ch in "—–":
            out.append("---" if ch == "—" else "--")
        elif ord(ch) > 0x24F:
            out.append("?")  # outside Latin: pdflatex with T1 fonts cannot typeset it; never break the document
        else:
            out.append(ch)
    return "".join(out)


# --- JSON -----------------------------------------------------------------------------------------


def exact(value: Any) -> str | None:
    """Sympy-readable text of an exact value (``sympy.sstr`` style); None when there is no exact form."""
    if isinstance(value, _approximate(value)) or (is_sympy(value) and is_float(value)):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, str)):
        return str(value)
    import sympy

    if isinstance(value, sympy.MatrixBase) and value.cols == 1:  # a column vector: Matrix([a, b, c])
        return "Matrix([" + ", ".join(sympy.sstr(v) for v in value) + "])"
    if isinstance(value, sympy.MatrixBase):
        return "Matrix([" + ", ".join("[" + ", ".join(sympy.sstr(v) for v in value.row(i)) + "]"
                                      for i in range(value.rows)) + "])"
    return sympy.sstr(value)


def number(value: Any) -> Any:
    """A float (or nested list of floats) for JSON, or None when the value is symbolic."""
    if isinstance(value, _approximate(value)):
        return number(value.value)
    if isinstance(value, bool) or isinstance(value, str):
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
    return _float(value)


# --- formulas -------------------------------------------------------------------------------------


class TextPrinter(Printer):
    """A formula for the terminal: the plain Unicode form, integers grouped (3,604,000)."""

    def number(self, value: int | str) -> str:
        return f"{value:,}" if isinstance(value, int) else value


class LatexPrinter(Printer):
    """A formula as LaTeX math: names set as :func:`notation_latex` sets them (``W1`` → ``W_1``,
    ``C_out`` → ``C_{\\text{out}}``), operators through UNICODE_LATEX, integers grouped with ``\\,``."""

    def finish(self, printed: str) -> str:
        return printed.strip()

    def name(self, text: str) -> str:
        return notation_latex(text)

    def number(self, value: int | str) -> str:
        return group_digits(str(value), "\\,")

    def symbol(self, text: str) -> str:
        return "".join(UNICODE_LATEX.get(ch, ch) for ch in text)

    def function(self, name: str) -> str:
        return notation_latex(name)

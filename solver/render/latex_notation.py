"""Names and notation as LaTeX math: ``W1`` → ``W_1``, ``C_out`` → ``C_{\\text{out}}``, Unicode
symbols (``·``, ``∂``, ``σ``) through one table, and formula trees through :class:`LatexPrinter`.

No sympy here (sympy values print through :mod:`solver.render.sympy_latex`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from solver.formula import SHOWN_FUNCTIONS, StandardPrinter, shown_function, shown_name, standard_notation
from solver.render.values import OP_NAMES, group_digits

INVERSE, INVERSE_LATEX = "⁻¹", "^{-1}"  # A⁻¹: two characters, one superscript

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
    "∞": r"\infty ",
    "ᵀ": "^{\\top}",
    "′": "'",
    "‖": r"\|",
    "∈": r"\in ",
    "⊙": r"\odot ",
    "✓": r"\checkmark ",
    "✗": r"\times ",
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

FUNCTIONS = {"ln": r"\ln", "log": r"\log", "exp": r"\exp", "max": r"\max", "min": r"\min", "tanh": r"\tanh"}
_IDENTIFIER = re.compile(r"[A-Za-z]+\d*(?:_[A-Za-z0-9]+)*")  # W1, C_out, x_g_3
_BETWEEN_IDENTIFIERS = re.compile(f"({_IDENTIFIER.pattern})")  # split keeping the identifiers
_BINARY = {"cdot", "circ", "odot", "times", "otimes"}
_SILENT_COMMANDS = {"left", "right", "frac", "dfrac", "begin", "end", "text", "mathrm", "operatorname", "matrix"}


def symbols_latex(text: str) -> str:
    """Every Unicode math symbol of ``text`` by its LaTeX (UNICODE_LATEX); other characters unchanged."""
    return INVERSE_LATEX.join("".join(UNICODE_LATEX.get(ch, ch) for ch in piece) for piece in text.split(INVERSE))


def notation_latex(notation: str) -> str:
    """A name as written (``W1``, ``C_out``, ``h_(t−1)``) or a piece of Unicode notation as LaTeX math,
    its surrounding spaces kept (``W1`` → ``W_1``)."""
    notation = re.sub(r"_\(([^()]*)\)", r"_{\1}", notation)  # h_(t−1) → h_{t−1}
    notation = re.sub(r"(?<=\w)_{2,}(?=\w)", "_", notation)  # a__b: one subscript (two would not compile)
    out = []
    for chunk in _BETWEEN_IDENTIFIERS.split(group_digits(notation, "\\,")):
        out.append(_identifier(chunk) if _IDENTIFIER.fullmatch(chunk or "-") else symbols_latex(chunk))
    return "".join(out)


def _identifier(word: str) -> str:
    """One identifier: a function (``\\ln``), an op name, or a name with its subscript."""
    if word in FUNCTIONS:
        return FUNCTIONS[word]
    if word in OP_NAMES or word in SHOWN_FUNCTIONS.values():  # a function's name: upright, one name
        return function_latex(word)
    base, _, sub = word.partition("_")
    letters = base.rstrip("0123456789")
    if len(letters) == 1 and len(base) > 1 and not sub:  # W1 → W_1
        base, sub = letters, base[1:]
    if len(base) > 1 and not sub:
        return r"\text{%s}" % base
    head = base if len(base) == 1 else r"\text{%s}" % base
    if not sub:
        return head
    if "_" in sub:  # x_g_3: one subscript, its parts separated (two would be a LaTeX error)
        return head + "_{%s}" % ",".join(part if len(part) == 1 or part.isdigit() else r"\text{%s}" % part
                                          for part in sub.split("_") if part)
    return head + ("_{%s}" % sub if len(sub) == 1 or sub.isdigit() else r"_{\text{%s}}" % sub)


_GRADIENT_NAME = re.compile(r"[d∂]([^/\s]+)/[d∂](\S+)")  # an answer's name: dL/dW1, ∂L/∂h[k]
_ENTRY_NAME = re.compile(r"(\w+)\[([\w, ]+)\]")  # h[k], W[k,l]
_QUALIFIED = re.compile(r"(.+?)(\s+\([^()]*\))")  # dL/dW2[j,k] (ReLU)


def name_latex(name: str) -> str:
    """A quantity's name (``W1``, ``C_out``, ``∂L/∂W1``, ``dL/dh[k]``, ``shape of w``) as LaTeX math."""
    if name.startswith("shape of "):
        return r"\text{shape of }" + name_latex(name[len("shape of "):])
    qualified = _QUALIFIED.fullmatch(name)
    if qualified:
        return name_latex(qualified.group(1)) + notation_latex(standard_notation(qualified.group(2))).rstrip()
    gradient = _GRADIENT_NAME.fullmatch(name)
    if gradient:
        return r"\partial " + name_latex(gradient.group(1)) + r"/\partial " + name_latex(gradient.group(2))
    entry = _ENTRY_NAME.fullmatch(name)
    if entry:
        base = name_latex(entry.group(1))
        return ("{%s}" % base if "_" in base else base) + "_{%s}" % entry.group(2).replace(" ", "")
    return notation_latex(standard_notation(name)).strip()


class LatexPrinter(StandardPrinter):
    """A formula as LaTeX math: names set as :func:`notation_latex` sets them (``W1`` → ``W_1``,
    ``C_out`` → ``C_{\\text{out}}``), operators through UNICODE_LATEX, integers grouped with ``\\,``."""

    def finish(self, printed: str) -> str:
        """The printed formula without surrounding spaces."""
        return printed.strip()

    def name(self, text: str) -> str:
        """A name as :func:`notation_latex` sets it (``lam`` as ``\\lambda``); words said inside a rule
        (``δ at the argmax``: a name that starts with a space) as text, in any script."""
        if text.startswith(" ") and text.strip():
            return r"\ \text{%s}" % re.sub(r"([_&%#$])", r"\\\1", text.strip())
        return notation_latex(shown_name(text))

    def number(self, value: int | str) -> str:
        """A number, its digits grouped with thin spaces."""
        return group_digits(str(value), "\\,")

    def symbol(self, text: str) -> str:
        """An operator or bracket through UNICODE_LATEX."""
        return symbols_latex(text)

    def function(self, name: str) -> str:
        """A function's name as one upright name (``\\ln``, ``\\sigma``, ``\\operatorname{LeakyReLU}``)."""
        return function_latex(name)


def function_latex(name: str) -> str:
    """A function's name as the courses write it, in LaTeX: never a subscript (``leaky_relu`` is
    ``\\operatorname{LeakyReLU}``), a derivative's prime kept (``\\sigma'``)."""
    shown = shown_function(name)
    base, prime, rest = shown.partition("'")
    if base in FUNCTIONS:
        head = FUNCTIONS[base]
    elif len(base) == 1:
        head = symbols_latex(base).strip()
    else:
        head = r"\operatorname{%s}" % base.replace("_", r"\_").replace(" ", r"\,")
    return head + prime + rest


@lru_cache(maxsize=1)
def formula_printer() -> LatexPrinter:
    """The LaTeX formula printer (made once)."""
    return LatexPrinter()


_MATRIX = re.compile(r"\\begin\{matrix\}((?:(?!\\begin\{matrix\}).)*?)\\end\{matrix\}", re.S)
_FRACTION = re.compile(r"\\[td]?frac\{([^{}]*)\}\{([^{}]*)\}")


def latex_width(latex: str) -> int:
    """Roughly how many characters ``latex`` typesets to: braces and layout commands take none,
    a named function (``\\tanh``) its letters, any other command one glyph; a fraction as wide as
    its wider part, a matrix as wide as its widest row."""
    while True:
        shorter = _MATRIX.sub(lambda m: "x" * _matrix_width(m.group(1)), latex)
        shorter = _FRACTION.sub(lambda m: "x" * max(_flat_width(m.group(1)), _flat_width(m.group(2))), shorter)
        if shorter == latex:
            break
        latex = shorter
    return _flat_width(latex)


def _matrix_width(body: str) -> int:
    """The widest row of a matrix's body (columns 2em, about four characters, apart)."""
    rows = [row.split("&") for row in body.split("\\\\")]
    return max(sum(_flat_width(cell) for cell in row) + 4 * (len(row) - 1) for row in rows)  # columns 2em apart


def _flat_width(latex: str) -> int:
    def command(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _SILENT_COMMANDS:
            return ""
        if name in _BINARY:  # an operator with its spacing takes about three characters' room
            return "xxx"
        return "x" * (len(name) if name in FUNCTIONS.values() or name in ("tanh", "sin", "cos") else 1)

    return len(re.sub(r"[{}]", "", re.sub(r"\\([A-Za-z]+)\s?", command, latex)))

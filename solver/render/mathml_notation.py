"""Names and formula trees as MathML (presentation markup, no ``<math>`` wrapper): ``W1`` →
``<msub><mi>W</mi><mn>1</mn></msub>``, ``C_out`` with an upright subscript, σ and ln as ``<mi>``.

No sympy here (sympy values print through :mod:`solver.render.mathml_values`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from solver.formula import OPERATORS, Formula, Op, StandardPrinter, Sum, shown_function, shown_name, standard_notation
from solver.render.values import group_digits

NAMESPACE = "http://www.w3.org/1998/Math/MathML"


def mi(text: str) -> str:
    """An identifier (one letter italic, a longer name upright as MathML Core sets it)."""
    return f"<mi>{escape(text, quote=False)}</mi>"


def mn(text: str) -> str:
    """A number."""
    return f"<mn>{escape(text, quote=False)}</mn>"


OPENING, CLOSING = "([{⌊", ")]}⌋"


def mo(text: str, stretchy: bool = False) -> str:
    """An operator or bracket (see :func:`fenced` for brackets inside a longer row). A bracket is
    stretchy only if asked (around a matrix): a browser sets a stretchy bracket around a name from a
    larger glyph with wide side bearings, ``t [ k ]``."""
    form = ' lspace="0" rspace="0"' if text in ("/", "∂") else ""  # ∂L/∂W set tight, as one name
    if (text in OPENING or text in CLOSING) and not stretchy:
        form = ' stretchy="false"'

    return f"<mo{form}>{escape(text, quote=False)}</mo>"


def mtext(text: str) -> str:
    """Words inside math."""
    return f"<mtext>{escape(text, quote=False)}</mtext>"


_BRACKET = re.compile(r'<mo(?: stretchy="false")?>([(\[{⌊)\]}⌋])</mo>')


def fenced(markup: str) -> str:
    """``markup`` with every bracket pair and what it holds grouped in an ``<mrow>``: a browser spaces
    a bracket as a fence only as the first or last child of its row (``f(x)``, not ``f (x)``)."""
    out, opened, at = [], [], 0
    for match in _BRACKET.finditer(markup):
        out.append(markup[at:match.start()])
        at = match.end()
        if match.group(1) in OPENING:
            opened.append(len(out))
            out.append(match.group(0))
        elif opened:
            start = opened.pop()
            out[start:] = ["<mrow>" + "".join(out[start:]) + match.group(0) + "</mrow>"]
        else:
            out.append(match.group(0))
    out.append(markup[at:])
    return "".join(out)


def mrow(*children: str) -> str:
    """Children grouped into one row."""
    return "<mrow>" + "".join(children) + "</mrow>"


def math(body: str, display: bool = False) -> str:
    """A whole ``<math>`` element in the MathML namespace."""
    block = ' display="block"' if display else ""
    return f'<math xmlns="{NAMESPACE}"{block}>{body}</math>'


_IDENTIFIER = re.compile(r"([^\W\d_]+)(\d*)((?:_[^\W_]+)*)")  # W1, C_out, x_g_3, α_1
_NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_GRADIENT_NAME = re.compile(r"[d∂]([^/\s]+)/[d∂](\S+)")  # dL/dW1, ∂L/∂h[k]
_ENTRY_NAME = re.compile(r"(\w+)\[([\w, ]+)\]")  # h[k], W[k,l]
_QUALIFIED = re.compile(r"(.+?)\s+(\([^()]*\))")  # dL/dW2[j,k] (ReLU)
# a number (ASCII digits: ² is an operator here), a name with its digits and subscripts, space, one symbol
_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?|[^\W\d_²ᵀ]+[0-9]*(?:_\([^()]*\)|_[^\W_²ᵀ]+)*|\s+|.")


def _subscript(part: str) -> str:
    return mn(part) if part.isdigit() else mi(part) if len(part) == 1 else mtext(part)


def identifier(word: str) -> str:
    """One identifier as MathML: ``W1`` and ``W_1`` subscripted, ``C_out`` with an upright ``out``,
    a function's or a long name upright; anything else token by token."""
    word = shown_name(word)
    match = _IDENTIFIER.fullmatch(word)
    if match is None:
        return notation_mathml(word)
    letters, digits, subscripts = match.groups()
    parts = [p for p in subscripts.split("_") if p]
    if digits and len(letters) == 1:
        parts.insert(0, digits)
    elif digits:
        letters += digits
    head = mi(letters)
    if not parts:
        return head
    sub = _subscript(parts[0]) if len(parts) == 1 else mrow(*(
        (mo(",") if i else "") + _subscript(p) for i, p in enumerate(parts)))
    return f"<msub>{head}{sub}</msub>"


def notation_mathml(text: str) -> str:
    """A piece of Unicode notation (``h_(t−1)``, ``n_out·n_in + n_out``) as MathML, token by token."""
    out = []
    for token in _TOKEN.findall(text):
        if token.isspace():
            continue
        bracketed = re.fullmatch(r"([^\W_]+)_\(([^()]*)\)", token)
        if bracketed:  # h_(t−1)
            out.append(f"<msub>{identifier(bracketed.group(1))}{mrow(notation_mathml(bracketed.group(2)))}</msub>")
        elif token[0] in "0123456789":
            out.append(mn(group_digits(token, "\u2009")))
        elif token == "ᵀ" and out:
            out[-1] = f"<msup>{out[-1]}{mi('T')}</msup>"
        elif token == "²" and out:
            out[-1] = f"<msup>{out[-1]}{mn('2')}</msup>"
        elif _IDENTIFIER.fullmatch(token):
            out.append(identifier(token))
        else:
            out.append(mo(token))
    return fenced("".join(out))


def name_mathml(name: str) -> str:
    """A quantity's name (``W1``, ``C_out``, ``∂L/∂W1``, ``dL/dh[k]``, ``shape of w``) as MathML."""
    if name.startswith("shape of "):
        return mrow(mtext("shape of "), name_mathml(name[len("shape of "):]))
    qualified = _QUALIFIED.fullmatch(name)
    if qualified:
        return mrow(name_mathml(qualified.group(1)), mtext(" " + standard_notation(qualified.group(2))))
    gradient = _GRADIENT_NAME.fullmatch(name)
    if gradient:
        return mrow(mo("∂"), name_mathml(gradient.group(1)), mo("/"), mo("∂"), name_mathml(gradient.group(2)))
    entry = _ENTRY_NAME.fullmatch(name)
    if entry:
        return f"<msub>{name_mathml(entry.group(1))}{mrow(notation_mathml(entry.group(2)))}</msub>"
    if _IDENTIFIER.fullmatch(name):
        return identifier(name)
    return mrow(notation_mathml(standard_notation(name)))


def function_mathml(name: str) -> str:
    """A function's name as the courses write it, one ``<mi>`` (``σ``, ``ln``, ``LeakyReLU``, ``σ'``)."""
    shown = shown_function(name)
    base, prime, rest = shown.partition("'")
    return mi(base) + (mo("′") if prime else "") + (notation_mathml(rest) if rest else "")


class MathmlPrinter(StandardPrinter):
    """A formula tree as MathML: the structure of :class:`~solver.formula.Printer` (same order, same
    brackets), atoms as ``<mi>``, ``<mn>`` and ``<mo>``, powers and transposes as ``<msup>``."""

    def finish(self, printed: str) -> str:
        """The printed formula as one row, its brackets grouped with what they hold."""
        return mrow(fenced(printed))

    def name(self, text: str) -> str:
        """A name as :func:`name_mathml` sets it; words said inside a rule (``δ at the argmax``: a name that
        starts with a space) as text."""
        if text.startswith(" ") and text.strip():
            return mtext("\u00a0" + text.strip())
        return name_mathml(text)

    def number(self, value: int | str) -> str:
        """A number, its digits grouped with thin spaces."""
        return mn(group_digits(str(value), "\u2009"))

    def symbol(self, text: str) -> str:
        """An operator or bracket (spacing is MathML's)."""
        text = text.strip()
        if not text:
            return ""
        if text == "/∂":
            return mo("/") + mo("∂")
        return mo(text)

    def function(self, name: str) -> str:
        """A function's name as one upright name (none for a bare bracket pair such as ‖a‖)."""
        return function_mathml(name) if name else ""

    def _print_Op(self, formula: Op) -> str:
        operator = OPERATORS[formula.symbol]
        if formula.symbol == "^":
            base = self._operand(formula.args[0], operator.precedence, tighter=True)
            return f"<msup>{mrow(base)}{mrow(self._print(formula.args[1]))}</msup>"
        if formula.symbol in ("ᵀ", "²"):
            base = self._operand(formula.args[0], operator.precedence, tighter=True)
            return f"<msup>{mrow(base)}{mi('T') if formula.symbol == 'ᵀ' else mn('2')}</msup>"
        return super()._print_Op(formula)

    def _print_Sum(self, formula: Sum) -> str:
        head = f"<munder>{mo('∑')}{self.name(formula.index)}</munder>" if formula.index else mo("∑")
        return head + self._operand(formula.body, 2)


@lru_cache(maxsize=1)
def formula_printer() -> MathmlPrinter:
    """The MathML formula printer (made once)."""
    return MathmlPrinter()


def formula_mathml(formula: Formula) -> str:
    """A formula tree as MathML."""
    return formula_printer().doprint(formula)


def is_number_text(text: str) -> bool:
    """Whether ``text`` is a decimal number as the renderers round them (``-0.5``, ``2.5e-7``)."""
    return bool(_NUMBER.fullmatch(text))

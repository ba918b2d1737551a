"""Values as MathML: sympy values through sympy's presentation printer taught dlsolve's notation (σ,
ln, ℯ, substituted forms in the order they were built), fitted to a page as the LaTeX sheet fits them
(a large matrix by its corners, a very long exact form by its decimal).

Importing this module imports sympy; the HTML renderer imports it only when a page is made.
"""

from __future__ import annotations

import html.entities
import re
from functools import lru_cache
from typing import Any
from xml.dom import minidom

import sympy
from sympy.core.function import AppliedUndef
from sympy.printing.mathml import MathMLPresentationPrinter

from solver.engine.exact import canonical, is_unevaluated, printed_terms
from solver.formula import Formula, standard_notation
from solver.i18n import tr
from solver.render.mathml_notation import (
    NAMESPACE,
    formula_mathml,
    function_mathml,
    is_number_text,
    mn,
    mo,
    mrow,
    mtext,
    name_mathml,
    notation_mathml,
)
from solver.render.values import (
    COMPACT_LIMIT,
    DECIMAL_DIGITS,
    decimal_of,
    decimals,
    exact_float,
    group_digits,
    is_approximate,
    is_float,
    kept,
    rounded,
)

WIDE = 90  # characters of an exact form's plain text beyond which its decimal is shown instead
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_MINUS = re.compile(r"<mo>-</mo>")  # sympy writes a hyphen; mathematics a minus sign
_XML_ENTITIES = {"lt", "gt", "amp", "quot", "apos"}


def _characters(markup: str) -> str:
    """Named HTML entities (``&ExponentialE;``) as characters: an XML reader knows only five."""
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _XML_ENTITIES:
            return match.group(0)
        return html.entities.html5.get(name + ";", match.group(0))
    return _ENTITY.sub(one, markup)


class SympyMathmlPrinter(MathMLPresentationPrinter):
    """sympy's MathML presentation printer with ln, σ, ℯ and dlsolve's names (``W1`` → W₁)."""

    def __init__(self) -> None:
        super().__init__({"ln_notation": True, "mat_delim": "["})

    def doprint(self, expr: Any) -> str:
        """A value as MathML (no ``<math>`` wrapper), XML-clean."""
        printed = str(super().doprint(canonical(expr)))
        printed = printed.replace(f' xmlns="{NAMESPACE}"', "")  # (the <math> element declares it)
        return _characters(_MINUS.sub("<mo>−</mo>", printed).replace("<mn>-", "<mo>−</mo><mn>"))

    def _fragment(self, markup: str) -> Any:
        """A MathML fragment (a string) as a node of this printer's document."""
        parsed = minidom.parseString(f'<mrow xmlns="{NAMESPACE}">{markup}</mrow>').documentElement
        return self.dom.importNode(parsed, True)

    def _print_Symbol(self, sym: Any, style: str = "plain") -> Any:
        name = sym.name.strip()
        if is_number_text(name):  # a rounded decimal (solver.render.values.rounded)
            return self._fragment(mn(name.replace("-", "−")))
        if name.startswith("["):  # a matrix shown by its size: [40×40]
            return self._fragment(mtext(name))
        return self._fragment(name_mathml(name))

    def _applied(self, head: str, args: Any, exp: Any = None) -> Any:
        body = "".join((mo(",") if i else "") + self.doprint(a) for i, a in enumerate(args))
        shown = mrow(head, mrow(mo("(", stretchy=True), body, mo(")", stretchy=True)))  # (a matrix inside)
        if exp is not None:
            shown = f"<msup>{shown}{self.doprint(exp)}</msup>"
        return self._fragment(shown)

    def _print_Function(self, e: Any) -> Any:
        name = e.func.__name__
        if name in ("sigma", "sigmoid"):
            return self._applied(function_mathml("sigmoid"), e.args)
        if name in ("exp", "ln", "log") and len(e.args) == 1 and is_unevaluated(e):
            return self._applied(function_mathml("ln" if name == "log" else name), e.args)
        if name == "norm2" and len(e.args) == 1:
            norm = mrow(mo("‖", stretchy=True), self.doprint(e.args[0]), mo("‖", stretchy=True))
            return self._fragment(f"<msup>{norm}{mn('2')}</msup>")
        if name == "bce_logits" and e.args:
            first, *rest = e.args
            return self._print(sympy.Function("bce")(sympy.Function("sigma")(first), *rest))
        if isinstance(e, AppliedUndef):
            return self._applied(function_mathml(name), e.args)
        return super()._print_Function(e)

    def _print_log(self, e: Any) -> Any:
        return self._applied(function_mathml("ln"), e.args)

    def _print_exp(self, e: Any) -> Any:
        return self._fragment(f"<msup><mi>ℯ</mi>{mrow(self.doprint(e.args[0]))}</msup>")

    def _print_Exp1(self, e: Any) -> Any:
        return self._fragment("<mi>ℯ</mi>")

    def _print_KroneckerDelta(self, e: Any) -> Any:  # an Iverson bracket
        return self._fragment(mrow(mo("["), self.doprint(e.args[0]), mo("="), self.doprint(e.args[1]), mo("]")))


    def _print_Heaviside(self, e: Any) -> Any:  # ReLU′
        return self._fragment(mrow(mo("["), self.doprint(e.args[0]), mo(">"), mn("0"), mo("]")))

    def _print_Integer(self, e: Any) -> Any:
        text = group_digits(str(abs(int(e))), "\u2009")
        return self._fragment(mrow(mo("−"), mn(text)) if e < 0 else mn(text))

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return printed_terms(expr, order or self.order)

    def _print_Mul(self, expr: Any) -> Any:
        if not is_unevaluated(expr):
            return super()._print_Mul(expr)
        if len(expr.args) == 2 and expr.args[0] == -1:  # a subtracted operand: −b
            operand = expr.args[1]
            text = self.doprint(operand)
            if operand.could_extract_minus_sign() or operand.is_Add or operand.is_Mul:
                text = mrow(mo("(", stretchy=True), text, mo(")", stretchy=True))
            return self._fragment(mo("−") + text)
        shown: list[str] = []  # a substituted product: its factors in order, b^(−1) dividing the one before
        for i, factor in enumerate(expr.args):
            if factor.is_Pow and factor.exp == -1 and shown:
                shown[-1] = f"<mfrac>{mrow(self.doprint(expr.args[i - 1]))}{mrow(self.doprint(factor.base))}</mfrac>"
                continue
            text = self.doprint(factor)
            nested = factor.is_Mul and is_unevaluated(factor)
            if factor.is_Add or (i > 0 and factor.could_extract_minus_sign()) or nested:
                text = mrow(mo("(", stretchy=True), text, mo(")", stretchy=True))
            shown.append(text)
        return self._fragment(mo("·").join(shown))


@lru_cache(maxsize=1)
def printer() -> SympyMathmlPrinter:
    """The MathML printer for sympy values (made once)."""
    return SympyMathmlPrinter()


def mathml(value: Any) -> str:
    """An exact value or formula as MathML (no ``<math>`` wrapper), fitted to a page."""
    if is_approximate(value):
        shown = mathml(rounded(value.value))
        # Translators: {size} is a count of arithmetic operations
        omitted = tr("(exact form omitted: {size} operations)", size=value.size) if value.size else ""
        return shown + (mtext(" " + omitted) if omitted else "")
    if isinstance(value, bool):
        return mtext("true" if value else "false")
    if isinstance(value, int):
        return mn(group_digits(str(value), "\u2009")) if value >= 0 else mrow(mo("−"), mn(str(-value)))
    if isinstance(value, str):
        return mrow(notation_mathml(standard_notation(value)))
    if isinstance(value, Formula):
        return formula_mathml(value)
    if isinstance(value, (sympy.Basic, sympy.MatrixBase)):
        return _sympy_mathml(rounded(value))
    return mtext(str(value))


def _sympy_mathml(value: Any) -> str:
    """A sympy value; a matrix beyond COMPACT_LIMIT by its corners, a very long exact form by its decimal."""
    if isinstance(value, sympy.MatrixBase):
        if max(value.shape) > COMPACT_LIMIT:
            return _summary(value)
        if not is_float(value) and any(len(str(v)) > WIDE // value.cols for v in value if v.is_number):
            return printer().doprint(decimals(value)) + mtext(" " + tr("(decimals of the exact entries)"))
        return printer().doprint(value)
    if value.is_number and not value.is_Rational and not is_float(value) and len(str(value)) > WIDE:
        shown = sympy.Float(exact_float(value), DECIMAL_DIGITS)
        # Translators: {size} is a count of arithmetic operations
        return printer().doprint(rounded(shown)) + mtext(" " + tr("(exact form: {size} operations)",
                                                                  size=sympy.count_ops(value)))
    return printer().doprint(value)


def _summary(matrix: Any) -> str:
    """A large matrix: its first and last rows and columns, with ⋯, ⋮ and ⋱ between, and its size."""
    def cell(i: int | None, j: int | None) -> str:
        if i is None:
            return mo("⋱" if j is None else "⋮")
        if j is None:
            return mo("⋯")
        entry = matrix[i, j]
        return mathml(entry if entry.is_Rational else sympy.Float(exact_float(entry), DECIMAL_DIGITS))

    rows = "".join("<mtr>" + "".join(f"<mtd>{cell(i, j)}</mtd>" for j in kept(matrix.cols)) + "</mtr>"
                   for i in kept(matrix.rows))
    size = mrow(mn(str(matrix.rows)), mo("×"), mn(str(matrix.cols)))
    table = mrow(mo("[", stretchy=True), f"<mtable>{rows}</mtable>", mo("]", stretchy=True))
    return f"<msub>{table}{size}</msub>"


def decimal_mathml(value: Any) -> str | None:
    """The decimal beside an exact value that is not rational (σ(1), ln 2), as MathML; None otherwise."""
    shown = decimal_of(value)
    if shown is None:
        return None
    entries = value if isinstance(value, sympy.MatrixBase) else [value]
    if all(getattr(entry, "is_Rational", False) for entry in entries):
        return None
    if isinstance(shown, sympy.MatrixBase):
        if max(shown.shape) > COMPACT_LIMIT:
            return None
        return printer().doprint(rounded(shown))
    number = f"{float(shown):.{DECIMAL_DIGITS}g}"
    return mrow(mo("−"), mn(number[1:])) if number.startswith("-") else mn(number)

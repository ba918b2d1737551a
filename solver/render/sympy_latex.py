"""sympy's LaTeX printer taught dlsolve's notation: ``\\ln`` for the natural logarithm, ``\\sigma`` for
sigmoid, Euler's number upright (``\\mathrm{e}``; a variable named e stays italic), and Unicode in names
(``σ``, ``×``) through the table of :mod:`solver.render.latex_notation`. Values print in their canonical
form (:func:`solver.engine.exact.canonical`); an unevaluated operation (a substituted form) prints its
operands in the order it was built.

Importing this module imports sympy: :mod:`solver.render.latex_values` imports it only for sympy values.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sympy import E, Function, Mul
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

from solver.engine.exact import canonical, is_unevaluated, printed_terms
from solver.render.latex_notation import function_latex, symbols_latex
from solver.render.values import is_negative_decimal

EULER = r"\mathrm{e}"


class SympyLatexPrinter(LatexPrinter):
    """``sympy.latex`` with ``ln_notation``, ``σ(x)`` for the engine's unevaluated sigmoid and ``\\mathrm{e}``."""

    def __init__(self, **settings: Any) -> None:
        super().__init__({"ln_notation": True, **settings})

    def doprint(self, expr: Any) -> str:
        """A value as LaTeX math; names such as σ from user symbols through UNICODE_LATEX."""
        return symbols_latex(str(super().doprint(canonical(expr))))

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if expr is E:  # (sympy's own Exp1._latex would win over _print_Exp1)
            return EULER
        return str(super()._print(expr, **kwargs))

    def _print_Function(self, expr: Any, exp: Any = None) -> str:
        name = expr.func.__name__
        if name in ("sigma", "sigmoid"):
            return self._print_sigmoid(expr, exp)
        if name in ("exp", "ln") and len(expr.args) == 1:  # an operation shown applied (exp(−1) = ℯ^−1)
            shown = r"\%s\left(%s\right)" % (name, self._print(expr.args[0]))
            return shown if exp is None else r"%s^{%s}" % (shown, exp)
        if name == "norm2" and len(expr.args) == 1:
            shown = r"\left\|%s\right\|^{2}" % self._print(expr.args[0])
            return shown if exp is None else r"\left(%s\right)^{%s}" % (shown, exp)
        if name == "bce_logits" and expr.args:
            first, *rest = expr.args
            return self._print_Function(Function("bce")(Function("sigma")(first), *rest), exp)
        if isinstance(expr, AppliedUndef):  # an operation shown applied: one upright name, never x_{sub}
            args = ", ".join(self._print(a) for a in expr.args)
            shown = r"%s\left(%s\right)" % (function_latex(name), args)
            return shown if exp is None else r"%s^{%s}" % (shown, exp)
        return str(super()._print_Function(expr, exp))

    def _print_KroneckerDelta(self, expr: Any, exp: Any = None) -> str:
        shown = r"\left[%s = %s\right]" % (self._print(expr.args[0]), self._print(expr.args[1]))  # Iverson bracket
        return shown if exp is None else r"%s^{%s}" % (shown, exp)

    def _print_Heaviside(self, expr: Any, exp: Any = None) -> str:
        shown = r"\left[%s > 0\right]" % self._print(expr.args[0])  # ReLU′ (its value at 0 is a convention)
        return shown if exp is None else r"%s^{%s}" % (shown, exp)

    def _print_sigmoid(self, expr: Any, exp: Any = None) -> str:
        shown = r"\sigma\left(%s\right)" % self._print(expr.args[0])
        return shown if exp is None else r"%s^{%s}" % (shown, exp)

    def _print_exp(self, expr: Any, exp: Any = None) -> str:
        shown = EULER + "^{%s}" % self._print(expr.args[0])
        return shown if exp is None else r"\left(%s\right)^{%s}" % (shown, exp)

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return printed_terms(expr, order or self.order)

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        if not (is_unevaluated(expr) or any(is_unevaluated(term) for term in expr.args)):
            return str(super()._print_Add(expr, order))
        shown = ""  # a substituted sum: its terms in order, a negative term after a minus sign
        for i, term in enumerate(expr.args):
            text = self._print(term)
            if term.is_Add:
                text = r"\left(%s\right)" % text
            if i and text.startswith("-"):
                shown += " - " + text[1:].lstrip()
            else:
                shown += (" + " if i else "") + text
        return shown

    def _print_Mul(self, expr: Any) -> str:
        if is_unevaluated(expr) or any(is_negative_decimal(a) for a in expr.args[1:]):  # 2·(−0.5), not 2 −0.5
            return self._unevaluated_product(expr)
        factors = expr.as_ordered_factors()
        sums = [f for f in factors if f.is_Add]
        if sums and len(sums) < len(factors) and not any(f.is_Pow and f.exp.is_negative for f in factors):
            coefficient, rest = expr.as_coeff_Mul()  # σ(1)·(1 − σ(1)): sums after the other factors
            ordered = sorted(Mul.make_args(rest), key=lambda f: bool(f.is_Add))
            shown = self._in_order(Mul(*ordered, evaluate=False))
            if coefficient == -1:
                return "- " + shown
            return shown if coefficient == 1 else self._print(coefficient) + " " + shown
        return str(super()._print_Mul(expr))

    def _unevaluated_product(self, expr: Any) -> str:
        """An unevaluated product (a substituted form): its factors in order, joined by ``\\cdot``; a
        factor ``b^(−1)`` divides the one before it (``\\frac{a}{b}``)."""
        if len(expr.args) == 2 and expr.args[0] == -1:  # a subtracted operand: −b
            operand = expr.args[1]
            text = self._print(operand)
            bracket = operand.could_extract_minus_sign() or operand.is_Add or (
                operand.is_Mul and is_unevaluated(operand))
            return "- " + (r"\left(%s\right)" % text if bracket else text)
        shown: list[str] = []
        for i, factor in enumerate(expr.args):
            if factor.is_Pow and factor.exp == -1 and shown:
                shown[-1] = r"\frac{%s}{%s}" % (self._print(expr.args[i - 1]), self._print(factor.base))
                continue
            text = self._print(factor)
            if factor.is_Add or (i > 0 and (factor.could_extract_minus_sign() or is_negative_decimal(factor))) or (
                    factor.is_Mul and is_unevaluated(factor)):
                text = r"\left(%s\right)" % text
            shown.append(text)
        return r" \cdot ".join(shown)

    def _in_order(self, expr: Any) -> str:
        """A product printed with its factors in the order they were given."""
        saved = self._settings.get("order")
        self._settings["order"] = "none"
        try:
            return str(super()._print_Mul(expr))
        finally:
            self._settings["order"] = saved


@lru_cache(maxsize=1)
def printer() -> SympyLatexPrinter:
    """The LaTeX printer for sympy values (made once)."""
    return SympyLatexPrinter()


@lru_cache(maxsize=4096)
def _latex(value: Any) -> str:
    return printer().doprint(value)


def latex(value: Any) -> str:
    """A sympy value as LaTeX math in dlsolve's notation (cached: a value is measured, then printed)."""
    try:
        return _latex(value)
    except TypeError:  # a mutable matrix is not hashable
        return printer().doprint(value)


@lru_cache(maxsize=1)
def wide_printer() -> SympyLatexPrinter:
    """The printer for forms broken over lines: a long quotient as ``\\frac{1}{2}`` times its factors."""
    return SympyLatexPrinter(long_frac_ratio=2)


def wide_latex(value: Any) -> str:
    """A sympy value as LaTeX whose top-level factors can be put on lines of their own."""
    return wide_printer().doprint(value)

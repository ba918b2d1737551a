"""sympy's printers taught dlsolve's terminal notation: ``ln`` for the natural logarithm, ``σ`` for
sigmoid, ``√``, ``^``, ``·``, the minus sign ``−``, Euler's number ``ℯ`` (a variable named e stays
``e``) and ``π``; op names with underscores whole. Every value prints in its canonical form
(:func:`solver.engine.exact.canonical`); an unevaluated operation (a substituted form, ``4 + (−3)``)
prints its operands in the order it was built, as the formula it substitutes into.

Importing this module imports sympy: :mod:`solver.render.text_values` imports it only for sympy values.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sympy import Function, Integer, Mul, Number, Pow, Rational, oo
from sympy.core.mul import _keep_coeff
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import prettyForm
from sympy.printing.str import StrPrinter
from sympy.utilities.iterables import sift

from solver.engine.exact import canonical, is_unevaluated, printed_terms
from solver.formula import shown_function
from solver.render.values import OP_NAMES, is_negative_decimal

MINUS = "−"
TIMES = "·"
EULER = "ℯ"  # Euler's number, never a plain e (a variable may be named e)
FUNCTION_NAMES = {"log": "ln", "sigmoid": "σ", "sigma": "σ"}  # sigma: the engine's unevaluated σ of a matrix


class UnicodeStrPrinter(StrPrinter):
    """sympy's one-line printer (``sympy.sstr``) writing ``2·√(3)^x − e·π`` instead of ``2*sqrt(3)**x - E*pi``."""

    def _print_Function(self, expr: Any) -> str:
        name = expr.func.__name__
        if name == "norm2" and len(expr.args) == 1:
            return "‖%s‖²" % self._print(expr.args[0])
        if name == "bce_logits" and expr.args:
            first, *rest = expr.args
            return "BCE(%s)" % ", ".join(["σ(%s)" % self._print(first), *(self._print(a) for a in rest)])
        return FUNCTION_NAMES.get(name, shown_function(name)) + "(%s)" % self.stringify(expr.args, ", ")

    def _print_Symbol(self, expr: Any) -> str:
        return expr.name.replace("-", MINUS)  # a rounded decimal is a symbol named "-0.25" (values.rounded)

    def _print_Exp1(self, expr: Any) -> str:
        return EULER

    def _print_exp(self, expr: Any) -> str:
        exponent = expr.args[0]
        shown = self._print(exponent)
        simple = exponent.is_Integer or exponent.is_Symbol
        return EULER + "^" + (shown if simple else f"({shown})")

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return printed_terms(expr, order or self.order)

    def _print_Pi(self, expr: Any) -> str:
        return "π"

    def _print_KroneckerDelta(self, expr: Any) -> str:
        return "[%s = %s]" % (self._print(expr.args[0]), self._print(expr.args[1]))  # the Iverson bracket

    def _print_Heaviside(self, expr: Any) -> str:
        return "[%s > 0]" % self._print(expr.args[0])  # ReLU′ (the value at 0 is a convention)

    def _print_Sum(self, expr: Any) -> str:
        """Σ_k f: every sum of a symbolic form runs over its index's whole range 0 … size − 1."""
        indices = "".join(self._print(limit[0]) for limit in expr.limits)
        body = self._print(expr.function)
        return "Σ_%s %s" % (indices, f"({body})" if expr.function.is_Add or expr.function.is_Mul else body)

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return MINUS + "oo"

    def _print_Integer(self, expr: Any) -> str:
        return (MINUS if expr.p < 0 else "") + str(abs(expr.p))

    def _print_Rational(self, expr: Any) -> str:
        sign = MINUS if expr.p < 0 else ""
        return sign + (str(abs(expr.p)) if expr.q == 1 else f"{abs(expr.p)}/{expr.q}")

    def _print_Float(self, expr: Any) -> str:
        return str(super()._print_Float(expr)).replace("-", MINUS)  # sympy's digits, with a minus sign

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        prec = precedence(expr)
        pieces = []
        for term in self._as_ordered_terms(expr, order=order):
            shown = self._print(term)
            sign = "+"
            if shown.startswith(MINUS) and not term.is_Add:
                sign, shown = MINUS, shown[1:]
            pieces += [sign, f"({shown})" if precedence(term) < prec or term.is_Add else shown]
        sign = pieces.pop(0)
        return ("" if sign == "+" else sign) + " ".join(pieces)

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        prec = precedence(expr)
        if expr.exp is Rational(1, 2) and not rational:
            return "√(%s)" % self._print(expr.base)
        if expr.is_commutative:
            if -expr.exp is Rational(1, 2) and not rational:
                return "%s/√(%s)" % (self._print(Integer(1)), self._print(expr.base))
            if expr.exp is Integer(-1):
                return "%s/%s" % (self._print(Integer(1)), self.parenthesize(expr.base, prec, strict=False))
        return "%s^%s" % (self.parenthesize(expr.base, prec, strict=False),
                          self.parenthesize(expr.exp, prec, strict=False))

    def _print_Mul(self, expr: Any) -> str:
        prec = precedence(expr)
        args = expr.args
        if any(is_negative_decimal(a) for a in args[1:]):  # 2·(−0.5), not 2·−0.5
            return TIMES.join(f"({self._print(a)})" if i and is_negative_decimal(a) else
                              self.parenthesize(a, prec, strict=False) for i, a in enumerate(args))
        if len(args) == 2 and args[0] is Integer(-1) and is_unevaluated(expr):  # a subtracted operand: −b
            shown = self._print(args[1])
            bracket = args[1].could_extract_minus_sign() or precedence(args[1]) < PRECEDENCE["Mul"]
            return MINUS + (f"({shown})" if bracket else shown)
        if is_unevaluated(expr) or args[0] is Integer(1) or any(isinstance(a, Number) or
                                   (a.is_Pow and all(ai.is_Integer for ai in a.args)) for a in args[1:]):
            return self._unevaluated_mul(args, prec)
        c, e = expr.as_coeff_Mul()
        sign = ""
        if c < 0:
            expr, sign = _keep_coeff(-c, e), MINUS
        above: list[Any] = []  # factors in the numerator
        below: list[Any] = []  # factors in the denominator
        bracketed = []  # a power with exponent −1 of a product or power: (x·y)^(−1) prints 1/(x·y)
        for item in _sums_last(expr.as_ordered_factors() if self.order not in ("old", "none") else Mul.make_args(expr)):
            if item.is_commutative and isinstance(item, Pow) and bool(item.exp.as_coeff_Mul()[0] < 0):
                if item.exp is not Integer(-1):
                    below.append(_inverted(item))
                else:
                    if len(item.args[0].args) != 1 and isinstance(item.base, (Mul, Pow)):
                        bracketed.append(item)
                    below.append(item.base)
            elif item.is_Rational and item is not oo:
                if item.p != 1:
                    above.append(Integer(item.p))
                if item.q != 1:
                    below.append(Integer(item.q))
            else:
                above.append(item)
        above_shown = [self.parenthesize(x, prec, strict=False) for x in above or [Integer(1)]]
        below_shown = [self.parenthesize(x, prec, strict=False) for x in below]
        for item in bracketed:
            if item.base in below:
                below_shown[below.index(item.base)] = "(%s)" % below_shown[below.index(item.base)]
        shown = sign + TIMES.join(above_shown)
        if len(below) == 1:
            return shown + "/" + below_shown[0]
        return shown + ("/(%s)" % TIMES.join(below_shown) if below else "")

    def _unevaluated_mul(self, args: Any, prec: int) -> str:
        """An unevaluated product, every factor as given (sympy's own layout of one)."""
        below, above = sift(args, lambda x: isinstance(x, Pow) and bool(x.exp.as_coeff_Mul()[0] < 0), binary=True)
        for i, factor in enumerate(below):
            if factor.exp.is_Number:
                e = -factor.exp
            else:
                dargs = list(factor.exp.args)
                dargs[0] = -dargs[0]
                e = Mul(*dargs, evaluate=False)
            below[i] = Pow(factor.base, e, evaluate=False) if e - 1 else factor.base
        first = [self._print(above.pop(0))] if above and not above[0].is_Add and \
            above[0].could_extract_minus_sign() else []
        numerator = first + [self.parenthesize(a, prec, strict=False) for a in above] or ["1"]
        first = [self._print(below.pop(0))] if len(below) > 1 and below[0].could_extract_minus_sign() else []
        denominator = first + [self.parenthesize(a, prec, strict=False) for a in below]
        if len(denominator) > 1:
            return "%s/(%s)" % (TIMES.join(numerator), TIMES.join(denominator))
        return TIMES.join(numerator) + ("/" + denominator[0] if denominator else "")


def _sums_last(factors: Any) -> list[Any]:
    """Factors with the sums after the others, as one writes σ(1)·(1 − σ(1))."""
    return sorted(factors, key=lambda factor: bool(factor.is_Add))


def _inverted(power: Any) -> Any:
    """``b^(−e)`` as ``b^e`` (for the denominator), keeping the exponent's factors as written."""
    base, exp = power.as_base_exp()
    factors = list(Mul.make_args(exp))
    if factors[0] is Integer(-1):
        factors = factors[1:]
    else:
        factors[0] = -factors[0]
    return power.func(base, Mul(*factors, evaluate=False), evaluate=False)


class UnicodePrettyPrinter(PrettyPrinter):
    """sympy's 2D layout (for matrices) with ``ln``, ``σ`` and op names with underscores written whole."""

    def _print_log(self, e: Any) -> Any:
        return self._print_Function(e, func_name="ln")

    def _print_sigma(self, e: Any) -> Any:
        return self._print_Function(e, func_name="σ")

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return printed_terms(expr, order or self.order)

    def _print_Mul(self, product: Any) -> Any:
        if not is_unevaluated(product):
            return self._product(product)
        saved = self._settings.get("order")
        self._settings["order"] = "none"
        try:
            return self._product(product)
        finally:
            self._settings["order"] = saved

    def _product(self, product: Any) -> Any:
        """sympy's ``PrettyPrinter._print_Mul`` (1.14) without its first line, which imports
        sympy.physics.units (a third of sympy's own import time, every unit defined) only to move unit
        quantities to the end of a product; dlsolve's values hold none."""
        args = product.args
        if args[0] is Integer(1) or any(isinstance(arg, Number) for arg in args[1:]):
            strargs = list(map(self._print, args))
            negone = strargs[0] == "-1"  # (prettyForm.__mul__ would absorb a leading -1)
            if negone:
                strargs[0] = prettyForm("1", 0, 0)
            obj = prettyForm.__mul__(*strargs)
            if negone:
                obj = prettyForm("-" + obj.s, obj.baseline, obj.binding)
            return obj
        numerator, denominator = [], []
        factors = product.as_ordered_factors() if self.order not in ("old", "none") else list(product.args)
        for item in factors:
            if item.is_commutative and item.is_Pow and item.exp.is_Rational and item.exp.is_negative:
                denominator.append(Pow(item.base, -item.exp, evaluate=False) if item.exp != -1
                                   else Pow(item.base, -item.exp))
            elif item.is_Rational and item is not oo:
                if item.p != 1:
                    numerator.append(Rational(item.p))
                if item.q != 1:
                    denominator.append(Rational(item.q))
            else:
                numerator.append(item)
        top = [self._print(factor) for factor in numerator]
        if not denominator:
            return prettyForm.__mul__(*top)
        return prettyForm.__mul__(*(top or [self._print(Integer(1))])) / prettyForm.__mul__(
            *[self._print(factor) for factor in denominator])

    def _print_sigmoid(self, e: Any) -> Any:
        return self._print_Function(e, func_name="σ")

    def _print_Function(self, e: Any, sort: bool = False, func_name: str | None = None,
                        left: str = "(", right: str = ")") -> Any:
        name = e.func.__name__
        if func_name is None and name == "norm2" and len(e.args) == 1:
            inner = self._print(e.args[0])
            bar = prettyForm("\n".join(["‖"] * inner.height()), baseline=inner.baseline)
            return prettyForm(*prettyForm(*inner.left(bar)).right(bar, prettyForm("²")))
        if func_name is None and name == "bce_logits" and e.args:
            first, *rest = e.args
            return self._print_Function(Function("bce")(Function("sigma")(first), *rest))
        if func_name is None and name not in ("sigma", "sigmoid", "log"):
            func_name = shown_function(name)
        return super()._print_Function(e, sort=sort, func_name=func_name, left=left, right=right)

    def _print_Symbol(self, e: Any, bold_name: bool = False) -> Any:
        if "_" in e.name and e.name in OP_NAMES:  # a function's name, not W_1: no subscript
            return prettyForm(e.name)
        return super()._print_Symbol(e, bold_name)


@lru_cache(maxsize=1)
def line_printer() -> UnicodeStrPrinter:
    """The one-line printer (made once)."""
    return UnicodeStrPrinter()


@lru_cache(maxsize=1)
def pretty_printer() -> UnicodePrettyPrinter:
    """The 2D printer (made once)."""
    return UnicodePrettyPrinter({"use_unicode": True, "full_prec": False})


def line(value: Any) -> str:
    """A sympy scalar on one line in terminal notation."""
    return str(line_printer().doprint(canonical(value)))


@lru_cache(maxsize=1024)
def _pretty(value: Any) -> str:
    return str(pretty_printer().doprint(canonical(value)))


def pretty(value: Any) -> str:
    """A sympy value in 2D (matrices as blocks) in terminal notation."""
    try:
        return _pretty(value)
    except TypeError:  # a mutable matrix is not hashable
        return _pretty.__wrapped__(value)

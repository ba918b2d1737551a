"""The exact-arithmetic policy: how far sympy's exact forms may grow before a solve switches to
floating point, and the few bounded rewrites and comparisons that keep exact values small and fast.

sympy's own ``simplify`` and comparisons can run for minutes on the forms a deep network produces;
everything here is bounded: :func:`tidy` tries a few cheap rewrites, :func:`positive` and
:func:`same_number` decide in float64 when that is safe, and :func:`guard` raises :class:`TooLarge`
when an exact value is beyond :data:`MAX_EXACT_OPS` operations.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Protocol

import sympy as sp
from sympy.printing.str import StrPrinter

from solver.formula import Formula
from solver.i18n import prose_number, tr

MAX_EXACT_OPS = 300  # an exact entry with more tree nodes means exact arithmetic is exploding
# a forward value of more than a third of that: its gradients (products of such forms) will not stay within it,
# so floating point is chosen before the backward pass rather than after an expensive attempt (a tanh RNN
# over 4 steps: a4 has 127 nodes, ∂L/∂h3 explodes; the bank's largest forward value has 32)
MAX_FORWARD_OPS = MAX_EXACT_OPS // 3
# sympy evaluates exp/log of a new argument numerically to simplify it, which takes seconds once the
# argument is a few hundred nodes (an LSTM's third step): such inputs switch to floating point first
MAX_TRANSCENDENTAL_INPUT = 120
# e^1000 has 435 digits; sympy compares and simplifies e^(10^6) by computing its 434,295 digits, for
# minutes. Exponentials of larger inputs are computed in floating point (where they round to 0 or ∞).
MAX_EXPONENT_INPUT = 1000
MAX_EXACT_PRODUCTS = 40_000  # a matrix product beyond this many exact products is done in floating point
TIDY_LIMIT = 120  # tree nodes: beyond this, tidy leaves a value as it is
TIDY_NESTING = 2  # exp and log inside exp and log: deeper, together() can run for minutes


class TooLarge(ValueError):
    """Exact arithmetic would explode (a form beyond MAX_EXACT_OPS operations, or e to a power beyond
    MAX_EXPONENT_INPUT): switch to floating point."""

    def __init__(self, label: str | Formula, size: int, why: str | None = None):
        super().__init__(why or tr("the exact form of {formula} grew beyond {count} terms", formula=label,
                                   count=size - 1))
        self.label, self.size = label, size


class Valued(Protocol):
    """Anything with an exact ``value`` and a ``label`` (a graph node)."""

    @property
    def value(self) -> Any: ...

    @property
    def label(self) -> Formula: ...


def as_float(value: Any) -> Any:
    """Every numeric entry of a matrix as a 17-digit Float (floating-point mode)."""
    return value.applyfunc(lambda v: v.evalf(17) if v.is_number else v)


def guard(value: Any, label: str | Formula, limit: int = MAX_EXACT_OPS) -> Any:
    """The matrix ``value``, unless an entry is beyond ``limit`` operations: then raise TooLarge."""
    for entry in value:
        if not (entry.is_Rational or entry.is_Float or entry.is_Symbol):
            size = size_at_most(entry, limit)
            if size > limit:
                raise TooLarge(label, size)
    return value


def guard_forward(values: list[Valued]) -> None:
    """Raise TooLarge before a backward pass when a forward value is beyond MAX_FORWARD_OPS operations."""
    for node in values:
        for entry in node.value:
            if not (entry.is_Rational or entry.is_Float or entry.is_Symbol):
                size = size_at_most(entry, MAX_FORWARD_OPS)
                if size > MAX_FORWARD_OPS:
                    # Translators: {name} is a value of the forward pass such as a4; {size} and {limit} are numbers
                    raise TooLarge(node.label, size, tr(
                        "the exact form of {name} in the forward pass has over {size} terms already, so its "
                        "gradients would grow beyond {limit}", name=node.label, size=MAX_FORWARD_OPS,
                        limit=MAX_EXACT_OPS))


def guard_magnitude(node: Valued, label: str | Formula) -> None:
    """Raise TooLarge when an exponential would take e to a power beyond ±MAX_EXPONENT_INPUT."""
    for entry in node.value:
        if entry.is_number and (not entry.is_Rational or abs(entry) > MAX_EXPONENT_INPUT):
            size = abs(to_float(entry))
            if size > MAX_EXPONENT_INPUT:
                # Translators: {formula} is an exponential such as exp(z); {size} and {limit} are numbers
                raise TooLarge(label, 0, tr("{formula} takes e to the power of an entry of {name} ≈ {size}, beyond "
                                            "±{limit}", formula=label, name=node.label,
                                            size=prose_number(f"{size:.4g}"), limit=MAX_EXPONENT_INPUT))



@lru_cache(maxsize=4096)  # sympy values are immutable, hashable and equal only when alike: each is tidied once
def tidy(value: Any) -> Any:
    """The shortest of a few bounded rewrites (never ``simplify``, which can hang): the value itself,
    its terms over a common denominator, and that fraction cancelled. Polynomials expand, logarithms
    of products split, and a denominator is kept positive, so that σ(ln 2) = 2/3,
    −ln(1 − e/(1 + e)) = ln(1 + e) and e³/(−e³ − 1) = −e³/(1 + e³)."""
    if value.is_Rational or value.is_Symbol or size_at_most(value, TIDY_LIMIT) > TIDY_LIMIT:
        return value  # rewriting large forms costs more than it saves (they are shown by their decimal)
    if value.has(*HYPERBOLIC):
        value = reduce_hyperbolic(value)
        if value.is_Rational:
            return value
    if not value.is_number and value.is_polynomial():
        return sp.expand(value)
    candidates = [value]
    if (value.has(sp.exp, sp.log) or value.is_Add or value.is_Mul) and nesting(value) <= TIDY_NESTING:
        combined = sp.together(value, deep=True)
        candidates.append(combined)
        if cancel_is_safe(combined):
            candidates.append(sp.cancel(combined))
    candidates = [sp.expand_log(c, force=True) if c.has(sp.log) else c for c in candidates]
    best = min(candidates, key=lambda c: size_at_most(c, 4 * TIDY_LIMIT))
    numerator, denominator = sp.fraction(best)
    if denominator != 1 and denominator.could_extract_minus_sign():
        best = (-numerator) / (-denominator)
    return best


HYPERBOLIC = (sp.tanh, sp.sinh, sp.cosh, sp.coth)


def reduce_hyperbolic(value: Any) -> Any:
    """``value`` with tanh, sinh, cosh and coth of rational multiples of logarithms of rationals
    reduced exactly, as sympy reduces exp(ln k) = k: tanh(ln 3) = 4/5, tanh(2 ln 2) = 15/17,
    cosh(ln 2) = 5/4 (tanh(c·ln k) = (k^(2c) − 1)/(k^(2c) + 1))."""
    if not value.has(*HYPERBOLIC):
        return value
    return value.replace(lambda v: isinstance(v, HYPERBOLIC), _hyperbolic_of_log)


def _hyperbolic_of_log(function: Any) -> Any:
    """One hyperbolic function of c·ln k reduced to a rational, else unchanged."""
    argument = function.args[0]
    if not (argument.is_number and argument.has(sp.log)) or size_at_most(argument, 20) > 20:
        return function
    if not all(isinstance(a, sp.log) and a.args[0].is_Rational and a.args[0] > 0 for a in argument.atoms(sp.log)):
        return function
    if any(not (n.is_Rational or isinstance(n, sp.log)) for n in argument.atoms(sp.Number, sp.NumberSymbol, sp.log)):
        return function
    squared = sp.exp(2 * sp.expand_log(argument, force=True))  # e^(2x): sympy folds e^(c·ln k) = k^c
    if not squared.is_Rational:
        return function
    if isinstance(function, sp.tanh):
        return (squared - 1) / (squared + 1)
    if isinstance(function, sp.coth):
        return (squared + 1) / (squared - 1) if squared != 1 else function
    single = sp.sqrt(squared)  # e^x
    if not single.is_Rational:
        return function
    return (single - 1 / single) / 2 if isinstance(function, sp.sinh) else (single + 1 / single) / 2


def nesting(value: Any) -> int:
    """How deeply exp and log nest in ``value`` (σ(σ(1)) is 2). sympy's automatic evaluation compares
    the arguments of nested exponentials at ever higher precision: together() on a GAN's σ(D(G(z)))
    form of 109 operations took 12 s."""
    inner = max((nesting(arg) for arg in value.args), default=0)
    return inner + 1 if isinstance(value, (sp.exp, sp.log)) or (value.is_Pow and value.base is sp.E) else inner


def cancel_is_safe(value: Any) -> bool:
    """Whether ``cancel`` will finish quickly: it treats every exp, log and root as a polynomial
    variable, so exp(2349/1600) would mean degree 2349, and several logarithms multiply out."""
    generators = value.atoms(sp.exp, sp.log, sp.Pow) | (value.atoms(sp.NumberSymbol) if value.has(sp.pi) else set())
    if len(generators) > 2 or sp.count_ops(value) > 80:
        return False
    for power in value.atoms(sp.exp, sp.Pow):
        exponent = power.args[0] if isinstance(power, sp.exp) else power.exp
        if not exponent.is_Rational:  # exp(π/4), exp(ln 2 · 3/7): the gcd can run for minutes
            return False
        if exponent.q > 12 or abs(exponent.p) > 60:
            return False
    return True


def same_number(u: Any, v: Any) -> bool:
    """Whether two numbers are equal, a float counting as equal to the exact number of the same value
    (sympy's ``Float(0.0) == 0`` is False, which would hide a ReLU kink or a tie in ``--numeric`` mode)."""
    return bool(u == v) or (bool(u.is_Float or v.is_Float) and (u - v).is_zero is True)


def positive(value: Any) -> bool:
    """Whether a number is > 0. sympy's own comparison evaluates an expression at growing precision,
    which is slow on large exact forms; float64 decides whenever the value is clearly not 0."""
    if value.is_Rational:
        return bool(value > 0)
    approx = to_float(value)
    if abs(approx) > 1e-9:  # clearly away from 0: float64 decides correctly
        return approx > 0
    return bool(value > 0) if size_at_most(value, 200) <= 200 else approx > 0


def size_at_most(value: Any, limit: int) -> int:
    """The number of nodes in an expression's tree, counting stops just past ``limit`` (so it is cheap)."""
    count = 0
    for _ in sp.preorder_traversal(value):
        count += 1
        if count > limit:
            break
    return count


_FLOAT_FUNCTIONS = {sp.exp: math.exp, sp.log: math.log, sp.tanh: math.tanh, sp.sqrt: math.sqrt}


def to_float(value: Any, cache: dict[Any, float] | None = None) -> float:
    """A float64 value of an exact expression, each shared subexpression evaluated once.

    ``evalf`` re-evaluates shared subtrees and tracks precision; nested sigmoids and softmaxes share
    a lot, so this is far faster on the large exact forms that are shown by their decimal.
    """
    cache = {} if cache is None else cache
    if value in cache:
        return cache[value]
    try:
        result = _to_float(value, cache)
    except (OverflowError, ValueError, ZeroDivisionError):  # beyond float64 on the way: let mpmath do it
        result = float(value.evalf(17))
    cache[value] = result
    return result


def _to_float(value: Any, cache: dict[Any, float]) -> float:
    result: float
    if value.is_Number:
        result = float(value)
    elif value is sp.E:
        result = math.e
    elif value is sp.pi:
        result = math.pi
    elif isinstance(value, sp.Add):
        result = math.fsum(to_float(term, cache) for term in value.args)
    elif isinstance(value, sp.Mul):
        result = math.prod(to_float(factor, cache) for factor in value.args)
    elif isinstance(value, sp.Pow):
        result = to_float(value.base, cache) ** to_float(value.exp, cache)
    elif type(value) in _FLOAT_FUNCTIONS:
        result = _FLOAT_FUNCTIONS[type(value)](to_float(value.args[0], cache))
    else:
        result = float(value.evalf(17))
    return result


# --- how an exact value enters a trace -------------------------------------------------------------
# Exact forms can explode (a GAN step's nested exponentials run to thousands of operations): a value
# larger than PRINT_OPS tree nodes is carried as an Approximate (its decimal, computed from the exact
# value, and its size), so every printer shows a number instead of a page of exponentials.

PRINT_OPS = 60  # beyond this many tree nodes in an entry, a value is shown by its decimal


def plain(value: Any) -> Any:
    """A 1×1 matrix as its entry; anything else unchanged."""
    return value[0, 0] if hasattr(value, "shape") and tuple(value.shape) == (1, 1) else value


def present(value: Any) -> Any:
    """A value for the trace: exact while small, else an Approximate with its decimal."""
    return _presented(plain(value))


@lru_cache(maxsize=4096)  # sympy values are immutable and hashable: each is sized and evaluated once
def _presented(value: Any) -> Any:
    from solver.trace import Approximate

    entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
    size = max((size_at_most(v, 10 * PRINT_OPS) for v in entries
                if not (v.is_Rational or v.is_Float or v.is_Symbol)), default=0)
    if size <= PRINT_OPS or not all(v.is_number for v in entries):
        return value
    cache: dict[Any, float] = {}
    if isinstance(value, sp.MatrixBase):
        approx = value.applyfunc(lambda v: sp.Float(to_float(v, cache), 15))
    else:
        approx = sp.Float(to_float(value, cache), 15)
    return Approximate(approx, size)


def shown_if_small(expression: Any, *values: Any) -> Any:
    """The substituted form ``expression``, or None when one of its ``values`` is shown by its decimal."""
    from solver.trace import Approximate

    return None if any(isinstance(present(v), Approximate) for v in values) else expression


# --- the one form a value is shown in ---------------------------------------------------------------
# The same number must print the same way wherever it appears: 1/(1 + ℯ^−1), ℯ/(1 + ℯ) and σ(1) are one
# value. Printers show every value through :func:`canonical`: σ where a logistic function hides in a
# quotient, σ(a)·(1 − σ(a)) for its derivative, and hyperbolic functions of logarithms reduced.

SIGMA = sp.Function("sigma")  # σ(a) as shown (evaluates numerically like 1/(1 + e^(−a)))
LOGISTIC_NAMES = ("sigma", "sigmoid")


def canonical(value: Any) -> Any:
    """The form ``value`` is shown in (the value is unchanged): ``1/(1 + ℯ^−1)`` and ``ℯ/(1 + ℯ)`` as
    σ(1), ``ℯ/(1 + ℯ)²`` as σ(1)·(1 − σ(1)), tanh(ln 3) as 4/5. Unevaluated operations (a substituted
    form such as ``1/(ℯ^−1 + 1)``) keep their structure; the values inside them are shown canonically."""
    if isinstance(value, sp.MatrixBase):
        return value.applyfunc(canonical) if any(not v.is_Atom for v in value) else value
    if not isinstance(value, sp.Basic) or value.is_Atom:
        return value
    try:
        return _canonical(value, False)
    except Exception:  # a display rewrite must never break printing
        return value


@lru_cache(maxsize=4096)
def _canonical(value: Any, operand: bool) -> Any:
    """``value`` canonical; ``operand``: a direct factor of an unevaluated product (1/d's reciprocal)."""
    if value.is_Atom or size_at_most(value, 4 * PRINT_OPS) > 4 * PRINT_OPS:
        return value
    unevaluated = is_unevaluated(value)
    product = isinstance(value, sp.Mul) and unevaluated
    args = [canonical(a) if isinstance(a, sp.MatrixBase) else _canonical(a, product) for a in value.args]
    if args != list(value.args):
        value = _rebuilt(value, args, unevaluated)
    if isinstance(value, HYPERBOLIC):
        return _hyperbolic_of_log(value)
    if unevaluated:
        return value
    if isinstance(value, sp.Pow) and not operand:
        return _logistic_power(value)
    if isinstance(value, sp.Mul):
        return _logistic_product(value)
    return value


def is_unevaluated(value: Any) -> bool:
    """Whether a sympy node was built unevaluated (an operation shown with its operands, ``4 + (−3)``):
    matrix expressions always, a sum, product or power when evaluating it would change it."""
    if isinstance(value, sp.MatrixExpr) and not isinstance(value, sp.MatrixBase):
        return True
    if not isinstance(value, (sp.Add, sp.Mul, sp.Pow)):
        return False
    return _unevaluated(value)


def printed_terms(value: Any, order: Any) -> list[Any]:
    """The terms of a sum in the order a printer writes them (``order``: a sympy printer's order setting):
    an unevaluated sum's as built, else sympy's ordering, computed once per sum (it evaluates every
    term numerically, and a value is printed many times: in its step, as the next step's input, in JSON)."""
    if is_unevaluated(value) or order == "none":
        return list(value.args)
    return list(ordered_terms(value, order))


@lru_cache(maxsize=8192)
def ordered_terms(value: Any, order: Any) -> tuple[Any, ...]:
    """sympy's ``value.as_ordered_terms(order)``, computed once per sum and order."""
    return tuple(value.as_ordered_terms(order=order))


class SharedOrderStrPrinter(StrPrinter):
    """sympy's ``str()`` printer with each sum's terms ordered once (:func:`ordered_terms`, shared with
    the other printers: sympy evaluates every term numerically to order them)."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        order = order or self.order
        if order in ("old", "none"):
            return list(super()._as_ordered_terms(expr, order))
        return list(ordered_terms(expr, order))


_STR_PRINTER = SharedOrderStrPrinter({"order": None})


def sympy_str(value: Any) -> str:
    """``str(value)`` exactly as sympy writes it (terms of sums ordered once per sum)."""
    return str(_STR_PRINTER.doprint(value))


@lru_cache(maxsize=4096)
def _unevaluated(value: Any) -> bool:
    try:
        return bool(value.func(*value.args) != value)
    except Exception:
        return False


def _rebuilt(value: Any, args: list[Any], unevaluated: bool) -> Any:
    """``value``'s operation over new ``args``, unevaluated where it was."""
    if unevaluated:
        try:
            return value.func(*args, evaluate=False)
        except TypeError:
            return value.func(*args)
    return value.func(*args)


def _exponent(value: Any) -> Any:
    """``a`` for ℯ^a (ℯ itself: 1), else None."""
    if value is sp.E:
        return sp.Integer(1)
    return value.args[0] if isinstance(value, sp.exp) else None


def _logistic_power(power: Any) -> Any:
    """``(1 + ℯ^a)^−k`` as σ(−a)^k."""
    base, exponent = power.args
    if not (exponent.is_Integer and exponent < 0 and isinstance(base, sp.Add) and len(base.args) == 2):
        return power
    one, other = sorted(base.args, key=lambda a: a != 1)
    a = _exponent(other)
    if one != 1 or a is None:
        return power
    return SIGMA(-a) ** (-exponent)


def _logistic_argument(factor: Any) -> tuple[Any, Any] | None:
    """``(a, k)`` for a factor σ(a)^k (k a positive integer), else None."""
    base, k = (factor.base, factor.exp) if factor.is_Pow else (factor, sp.Integer(1))
    if getattr(base.func, "__name__", "") in LOGISTIC_NAMES and k.is_Integer and k > 0:
        return base.args[0], k
    return None


def _logistic_product(product: Any) -> Any:
    """ℯ^a·σ(−a)^k as σ(a)·σ(−a)^(k−1) (ℯ^a/(1 + ℯ^a) = σ(a)); σ(−a) beside σ(a) as 1 − σ(a)."""
    factors = list(product.args)
    changed = True
    while changed:
        changed = False
        for i, factor in enumerate(factors):
            a = _exponent(factor)
            if a is None:
                continue
            for j, other in enumerate(factors):
                found = _logistic_argument(other)
                if found and found[0] == -a:
                    factors[i] = SIGMA(a)
                    factors[j] = SIGMA(-a) ** (found[1] - 1)
                    changed = True
                    break
            if changed:
                break
    arguments = {found[0] for found in map(_logistic_argument, factors) if found}
    for i, factor in enumerate(factors):
        found = _logistic_argument(factor)
        if found and -found[0] in arguments and found[0].could_extract_minus_sign():
            factors[i] = (1 - SIGMA(-found[0])) ** found[1]
    return sp.Mul(*factors) if factors != list(product.args) else product

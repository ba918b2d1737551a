"""The float of an exact number proved by interval arithmetic, each shared subform enclosed once.

``float(sympy.N(v, 17))`` re-evaluates every shared subform of a nested exact value (a BPTT gradient
carries tanh(1 − tanh(tanh(1)/2)/2) in every entry) with evalf's adaptive precision tracking: most of
the time of a problem whose values are shown by their decimals. Here each distinct subform is
enclosed once in an mpmath interval at ``WORKING_BITS``. evalf's 17 digits are 60 bits, accurate (it
rounds to fewer bits where it cannot reach them); so ``N(v, 17)`` lies within ``v·(1 ± 2^−EVALF_BITS)``
and, float conversion being monotone, when both ends of the enclosure widened by that much convert to
one float, ``float(N(v, 17))`` is that float. Otherwise (0, a value within a hair of a tie between
two floats, a function not known here, an interval too wide) the answer is None and evalf decides.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

WORKING_BITS = 128  # the enclosures' precision: a nested form loses a few bits of width per level
EVALF_BITS = 56  # how close N(v, 17) is to v at least (evalf aims at 60 bits, plus 4 guard bits)


def proved_float(value: Any) -> float | None:
    """``float(sympy.N(value, 17))`` for a real exact number when an enclosure proves it, else None."""
    import mpmath
    import sympy

    if not isinstance(value, sympy.Basic):
        return None
    try:
        enclosure = _enclose(value)
    except (_Unknown, ArithmeticError, ValueError, RecursionError):
        return None
    with mpmath.workprec(WORKING_BITS):  # the ends exactly as the interval holds them
        low, high = mpmath.mpf(enclosure.a), mpmath.mpf(enclosure.b)
    if not (low > 0 or high < 0):
        return None  # 0, or a sign the enclosure does not settle
    low = mpmath.fsub(low, mpmath.ldexp(abs(low), -EVALF_BITS), exact=True)  # widened by evalf's error bound
    high = mpmath.fadd(high, mpmath.ldexp(abs(high), -EVALF_BITS), exact=True)
    a, b = (float(sympy.Float(end, precision=53)) for end in (low, high))  # as N(value, 17) becomes a float
    if a != b or math.isinf(a) or a == 0:
        return None
    return a


class _Unknown(Exception):
    """A subform the enclosure does not know how to bound."""


@lru_cache(maxsize=1)
def _context() -> Any:
    """A private mpmath interval context (the shared ``mpmath.iv`` keeps its own precision)."""
    from mpmath.ctx_iv import MPIntervalContext

    context = MPIntervalContext()
    context.prec = WORKING_BITS
    return context


@lru_cache(maxsize=16_384)  # sympy forms are immutable and hashable: a shared subform is enclosed once
def _enclose(value: Any) -> Any:
    """An interval that contains the real number ``value`` (_Unknown for a form it cannot bound)."""
    import sympy

    iv = _context()
    if value.is_Integer:
        return iv.mpf(int(value))
    if value.is_Rational:
        return iv.mpf(int(value.p)) / iv.mpf(int(value.q))
    if value.is_Float:
        return iv.convert(value)
    if value is sympy.E:
        return iv.e
    if value is sympy.pi:
        return iv.pi
    if value.is_Add:
        total = _enclose(value.args[0])
        for term in value.args[1:]:
            total = total + _enclose(term)
        return total
    if value.is_Mul:
        product = _enclose(value.args[0])
        for factor in value.args[1:]:
            product = product * _enclose(factor)
        return product
    if value.is_Pow:
        return _power(value.base, value.exp)
    if not value.args or len(value.args) != 1:
        raise _Unknown(value)
    x = _enclose(value.args[0])
    if isinstance(value, sympy.exp):
        return iv.exp(x)
    if isinstance(value, sympy.log):
        if not x.a > 0:
            raise _Unknown(value)
        return iv.log(x)
    if isinstance(value, sympy.tanh):  # x occurs once: the enclosure stays as tight as e^(2x)'s
        return 1 - 2 / (iv.exp(2 * x) + 1)
    if type(value).__name__ == "sigmoid":  # (only then is the op module asked: it imports numpy)
        from solver.engine.ops.activations import sigmoid

        if isinstance(value, sigmoid):  # dlsolve's logistic function, which evalf takes as 1/(1 + e^(−x))
            return 1 / (1 + iv.exp(-x))
    raise _Unknown(value)


def _power(base: Any, exponent: Any) -> Any:
    """An enclosure of ``base**exponent`` for an integer exponent, a square root or a positive base."""
    from sympy import Rational

    iv = _context()
    x = _enclose(base)
    if exponent.is_Integer:
        if exponent < 0 and not (x.a > 0 or x.b < 0):
            raise _Unknown(base)
        return x ** int(exponent)
    if not x.a > 0:
        raise _Unknown(base)
    if exponent == Rational(1, 2):
        return iv.sqrt(x)
    return iv.exp(_enclose(exponent) * iv.log(x))

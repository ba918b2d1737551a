"""The constraints on a solved variant, each a named check that reads the solution's answers and typed
records (never its printed text).

"Of a simple form" (``denominator: N`` with ``forms: [ln(2), …]``): every entry of every answer, expanded
into a sum, is a sum of terms ``q`` or ``q·F``, each ``q`` a rational with denominator at most N and each
``F`` one of the declared forms exactly as sympy writes it (``ln(4)`` is read as ``2·ln(2)``, so the form
is ``ln(2)``). ``3·ln(2)/4 + 1/2`` passes with denominator 4 and form ln(2); ``σ(ln(2)/3)``, ``e²``,
``ln(2)·ln(3)`` and any floating-point number do not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from solver.trace import Approximate, Check, Forward, Solution, Step
from solver.vary.schema import Constraints

MAX_OPS = 400  # an entry larger than this is not of a simple form (and is not expanded)
KINKED = ("relu", "leaky_relu", "abs", "max", "min")

# the names of the constraints, in the order they are checked (and reported)
SOLVES = "solves"
EXACT = "exact"
FORM = "denominator/forms"
KINKS = "kinks"
ZERO_GRADIENTS = "zero_gradients"
MAX_ABS = "max_abs"
DUPLICATE = "duplicate"
NAMES = (SOLVES, EXACT, FORM, KINKS, ZERO_GRADIENTS, MAX_ABS, DUPLICATE)


def entries(value: Any) -> Iterator[Any]:
    """The numbers of an answer: a scalar's one, a matrix's every entry (an Approximate's too)."""
    import sympy as sp

    if isinstance(value, Approximate):
        yield from entries(value.value)
    elif isinstance(value, sp.MatrixBase):
        yield from value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from entries(item)
    elif isinstance(value, bool):
        yield value
    elif isinstance(value, int):
        yield sp.Integer(value)
    else:
        yield value


def is_exact(value: Any) -> bool:
    """No floating point: not an Approximate and no sympy Float inside."""
    import sympy as sp

    if isinstance(value, Approximate):
        return False
    return all(isinstance(e, sp.Basic) and not e.has(sp.Float) for e in entries(value))


def is_simple(value: Any, denominator: int, forms: tuple[Any, ...]) -> bool:
    """Every entry a sum of rationals (denominator ≤ ``denominator``) times 1 or one of ``forms``."""
    import sympy as sp

    for entry in entries(value):
        if not isinstance(entry, sp.Basic) or sp.count_ops(entry) > MAX_OPS:
            return False
        for term in sp.Add.make_args(sp.expand(entry)):
            coefficient, rest = term.as_coeff_Mul()
            if not coefficient.is_Rational or coefficient.q > denominator:
                return False
            if rest != 1 and rest not in forms:
                return False
    return True


def walk(steps: tuple[Step, ...]) -> Iterator[Step]:
    """Every step and substep, depth first."""
    for step in steps:
        yield step
        yield from walk(step.substeps)


def at_kink(solution: Solution) -> bool:
    """Whether an op with a kink got an input exactly at it: a forward record of relu/max/abs of a named
    quantity with a zero entry, or a finite-difference check record that skipped entries at a kink."""
    import sympy as sp

    values = {given.name: given.value for given in solution.given}
    for step in walk(solution.steps):
        record = step.record
        if isinstance(record, Forward):
            values[record.name] = record.value
            expression = record.expression
            function = getattr(expression, "function", None)
            args = getattr(expression, "args", ())
            name = getattr(args[0], "text", None) if function in KINKED and args else None
            if name in values and any(e == 0 for e in entries(values[name]) if isinstance(e, sp.Basic)):
                return True
        elif isinstance(record, Check) and record.skipped:
            return True
    return False


def is_gradient(name: str) -> bool:
    """Whether an answer is a gradient by its name (``dL/dW``, ``dV_D/dWd1``; see docs/architecture.md)."""
    return name.startswith("d") and "/d" in name


def failed(solution: Solution, constraints: Constraints) -> str | None:
    """The first constraint the solved variant breaks (a name from NAMES), or None."""
    import sympy as sp

    values = [answer.value for answer in solution.answers]
    if not constraints.floating_point and not all(is_exact(value) for value in values):
        return EXACT
    if constraints.denominator is not None and not all(
            is_simple(value, constraints.denominator, constraints.forms) for value in values):
        return FORM
    if not constraints.kinks and at_kink(solution):
        return KINKS
    if not constraints.zero_gradients and any(
            is_gradient(answer.name) and all(e == 0 for e in entries(answer.value)) for answer in solution.answers):
        return ZERO_GRADIENTS
    if constraints.max_abs is not None:
        for value in values:
            for entry in entries(value):
                if not isinstance(entry, sp.Basic) or not entry.is_number or abs(entry.evalf(20)) > constraints.max_abs:
                    return MAX_ABS
    return None

"""The constraints on a solved variant, each a named check that reads the solution's answers and typed
records (never its printed text).

"Of a simple form" (``denominator: N`` with ``forms: [ln(2), tanh(q), …]``): every entry of every answer
in scope (``answers:``, default all), expanded into a sum, is a sum of terms ``c`` or ``c·F``, each ``c`` a
rational with denominator at most N and each ``F`` one of the declared forms:

- a constant form exactly as sympy writes it (``ln(4)`` is read as ``2·ln(2)``, so the form is ``ln(2)``):
  ``3·ln(2)/4 + 1/2`` passes with denominator 4 and form ln(2); ``e²`` and ``ln(2)·ln(3)`` do not;
- a placeholder form f(q), q standing for any rational with denominator at most N, matched structurally
  (no simplification): ``tanh(q)`` passes ``tanh(3/10)`` but not ``tanh(1/101)`` with N = 100, nor
  ``tanh(tanh(1/2))`` or ``tanh(ln 2)`` (q must be a rational); ``exp(q)`` passes ``exp(-1/2)`` and
  ``e`` (exp(1)); ``ln(q)`` (also written ``log(q)``) passes ``ln(3)`` and ``ln(2/3)``; ``sigmoid(q)``
  passes the engine's unevaluated ``sigmoid(1/2)`` and the written-out ``1/(1 + exp(−1/2))``,
  ``1/(1 + e)`` (σ(−1)), ``e/(1 + e)`` (σ(1)) and ``3/(3 + 3·exp(2))`` (σ(−2)), but not
  ``1/(1 + 2·e)``, ``ln(1 + e)`` or ``σ(ln 2)`` left unevaluated.

A term with a sympy Float is never simple; nor is a product of two forms.
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
    """Every entry a sum of rationals (denominator ≤ ``denominator``) times 1 or one of ``forms`` (a sympy
    constant, or the name of a placeholder form: ``"tanh"`` for tanh(q))."""
    import sympy as sp

    for entry in entries(value):
        if not isinstance(entry, sp.Basic) or sp.count_ops(entry) > MAX_OPS:
            return False
        for term in sp.Add.make_args(sp.expand(entry)):
            coefficient, rest = term.as_coeff_Mul()
            if not coefficient.is_Rational:
                return False
            if rest != 1 and rest not in forms:
                scale = next((s for s in (placeholder(rest, form, denominator) for form in forms
                                          if isinstance(form, str)) if s is not None), None)
                if scale is None:
                    return False
                coefficient *= scale
            if coefficient.q > denominator:
                return False
    return True


def bounded(value: Any, denominator: int) -> bool:
    """A sympy rational with denominator at most ``denominator``."""
    return bool(getattr(value, "is_Rational", False)) and value.q <= denominator


def exponent(value: Any) -> Any:
    """x of e^x as sympy writes it (``exp(x)``, ``E`` for x = 1, ``E**x``), else None."""
    import sympy as sp

    if value == sp.E:
        return sp.Integer(1)
    if isinstance(value, sp.exp):
        return value.args[0]
    if value.is_Pow and value.base == sp.E:
        return value.exp
    return None


def placeholder(rest: Any, form: str, denominator: int) -> Any:
    """The rational c with rest = c·f(q) for one rational q (denominator ≤ ``denominator``), else None; the
    form is f's name (tanh, sigmoid, exp, ln). c is 1 but for σ written 1/(k + k·e^x)."""
    import sympy as sp

    one = sp.Integer(1)
    if form == "tanh":
        return one if isinstance(rest, sp.tanh) and bounded(rest.args[0], denominator) else None
    if form == "ln":
        argument = rest.args[0] if isinstance(rest, sp.log) else sp.Integer(0)
        return one if bounded(argument, denominator) and argument > 0 else None
    if form == "exp":
        return one if bounded(exponent(rest), denominator) else None
    if form != "sigmoid":
        return None
    if type(rest).__name__ == "sigmoid" and len(rest.args) == 1:  # the engine's σ(x)
        return one if bounded(rest.args[0], denominator) else None
    if rest.is_Mul and len(rest.args) == 2:  # e^x/(k + k·e^x) = σ(x)/k
        top, bottom = sorted(rest.args, key=lambda arg: bool(arg.is_Pow and arg.exp == -1 and arg.base.is_Add))
        if not (bottom.is_Pow and bottom.exp == -1 and bottom.base.is_Add and bounded(exponent(top), denominator)):
            return None
        content, primitive = bottom.base.primitive()
        return 1 / content if set(sp.Add.make_args(primitive)) == {one, top} else None
    if not (rest.is_Pow and rest.exp == -1 and rest.base.is_Add):
        return None
    content, primitive = rest.base.primitive()  # 3 + 3·e^x → 3·(1 + e^x)
    parts = sp.Add.make_args(primitive)
    if len(parts) != 2 or one not in parts:
        return None
    x = exponent(next(part for part in parts if part != one))
    return 1 / content if bounded(x, denominator) else None


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


def check_names(solution: Solution, constraints: Constraints) -> None:
    """SpecError (file, line, field of the vary section) for an answer name the solution does not have."""
    from solver.errors import SpecError, SpecIssue
    from solver.i18n import tr

    known = [answer.name for answer in solution.answers]
    for field, _index, name, issue in constraints.places:
        if name not in known:
            # Translators: {name} is an answer's name, quoted; {field} is answers or floating_point
            message = tr("unknown answer {name} in {field}; this problem answers: {names}", name=repr(name),
                         field=field, names=", ".join(known))
            raise SpecError([SpecIssue(issue.file, issue.line, issue.path, message)])


def failed(solution: Solution, constraints: Constraints) -> str | None:
    """The first constraint the solved variant breaks (a name from NAMES), or None."""
    import sympy as sp

    check_names(solution, constraints)
    values = [answer.value for answer in solution.answers]
    floating = constraints.floating_point
    if floating is not True and not all(is_exact(answer.value) for answer in solution.answers
                                        if not (floating and answer.name in floating)):
        return EXACT
    scope = constraints.answers
    if constraints.denominator is not None and not all(
            is_simple(answer.value, constraints.denominator, constraints.forms)
            for answer in solution.answers if scope is None or answer.name in scope):
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

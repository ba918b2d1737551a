"""The ``given`` of a ``descent`` problem, its validation, and the iteration: exact while the iterates
stay short, then with ``FLOAT_DIGITS`` significant digits (why: see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from solver.errors import FieldError, UnsolvableError, show_value
from solver.fields import Count, Validated
from solver.formula import Formula, Name, call
from solver.i18n import grouped, tr
from solver.kinds import given_only
from solver.numbers import Exact
from solver.trace import Approximate

MAX_ITERATIONS = 10_000
EXACT_DIGITS = 12  # an exact iterate with a longer numerator or denominator is too long to read
EXACT_OPS = 40  # an exact iterate with more operations (nested exponentials) likewise
FLOAT_DIGITS = 30  # significant digits of the iterates after the switch
SHOWN_DIGITS = 6  # significant digits of floating-point numbers substituted into a formula
DIVERGED = 10**50  # an iterate beyond this magnitude: the descent diverges
RESERVED = {"e", "pi", "f", "ln", "log", "exp", "sqrt", "sigmoid", "tanh"}


def _text(value: Any) -> str:
    """The function as written: text, or a number (a constant function)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(tr("expected the function as text such as 'x^4 - 2*x', got {value}", value=show_value(value)))
    return str(value)


def _variable(value: Any) -> str:
    from solver.numbers import plain_name

    if not isinstance(value, str) or not plain_name(value) or value in RESERVED or len(value) > 20:
        raise ValueError(tr("expected a plain name such as x (not e, pi, f or a function), got {value}",
                            value=show_value(value)))
    return value


def _iterations(minimum: int) -> Any:
    def validate(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_ITERATIONS:
            raise ValueError(tr("expected a number of iterations from {minimum} to {maximum}, got {value}",
                                minimum=minimum, maximum=grouped(MAX_ITERATIONS), value=show_value(value)))
        return value

    return Validated(validate)


@dataclass(frozen=True)
class Descent:
    """The ``given`` of a descent problem."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    function: Annotated[str, Validated(_text)]
    start: Exact
    lr: Exact
    iterations: Annotated[int, _iterations(1)]
    variable: Annotated[str, Validated(_variable)] = "x"
    shown: Annotated[int, _iterations(0)] = 5
    every: Count = 10  # in the summary, every this many iterates are shown below full detail


def spec_type(fields: Mapping[str, Any]) -> type:
    """The dataclass that validates this kind's one field, ``given``."""
    return given_only(Descent)


@dataclass(frozen=True)
class Iterate:
    """One row of the table: ``x_k``, ``f(x_k)``, ``f'(x_k)``; ``exact`` unless computed in floating point."""

    k: int
    x: Any
    fx: Any
    gx: Any
    exact: bool


@dataclass(frozen=True)
class Run:
    """The whole descent: the function, its derivative and every iterate (``switch``: first float iterate)."""

    variable: Any
    f: Any
    df: Any
    lr: Any
    rows: tuple[Iterate, ...]
    switch: int | None
    why: str


def read_function(given: Descent) -> tuple[Any, Any]:
    """The function as a sympy expression in its variable, and the variable (FieldError if unreadable)."""
    import sympy as sp

    from solver.numbers import NumberError, parse_exact

    variable = sp.Symbol(given.variable, real=True)
    try:
        f = parse_exact(given.function, {given.variable: variable})
    except NumberError as error:
        raise FieldError(("function",), str(error)) from None
    if variable not in f.free_symbols:
        raise FieldError(("function",), tr("expected a function of {name}, got {function}", name=given.variable,
                                           function=repr(given.function)))
    return f, variable


def _too_long(value: Any) -> str:
    """Why an exact iterate is too long to keep ("" if it is not)."""
    import sympy as sp

    from solver.engine.exact import size_at_most

    digits = max((max(len(str(abs(r.p))), len(str(r.q))) for r in value.atoms(sp.Rational)), default=0)
    if digits > EXACT_DIGITS:
        return tr("its exact form is a fraction with {digits}-digit numbers", digits=digits)
    if size_at_most(value, EXACT_OPS) > EXACT_OPS:
        return tr("its exact form has more than {count} operations", count=EXACT_OPS)
    return ""


def _at(expression: Any, variable: Any, value: Any, k: int, what: str) -> Any:
    """``expression`` at ``variable = value`` (exact, or FLOAT_DIGITS digits for a Float), checked finite and real."""
    import sympy as sp

    from solver.engine.exact import tidy

    if isinstance(value, sp.Float):
        result = expression.evalf(FLOAT_DIGITS, subs={variable: value})
    else:
        result = tidy(expression.subs(variable, value))
    if result.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I) or not result.is_extended_real:
        # Translators: {what} is f or f'; {point} is a formula such as x = 0.5
        raise UnsolvableError(tr("iteration {k} leaves the domain of the function: {what} at {point} is not a finite "
                                 "real number", k=k, what=what, point=f"{variable} = {sp.N(value, 6)}"))
    return result


def iterate(given: Descent) -> Run:
    """Every iterate from ``start`` (exact while short, then in floating point)."""
    import sympy as sp

    from solver.engine.exact import tidy

    f, variable = read_function(given)
    lr, df = given.lr, sp.diff(f, variable)
    if not (lr.is_number and lr.is_extended_real and lr > 0):
        raise FieldError(("lr",), tr("expected a positive step size, got {value}", value=given.lr))
    x, rows, switch, why = given.start, [], None, ""
    if not given.start.is_extended_real:
        raise FieldError(("start",), tr("expected a real number, got {value}", value=given.start))
    for k in range(given.iterations + 1):
        exact = not isinstance(x, sp.Float)
        row = Iterate(k, x, _at(f, variable, x, k, "f"), _at(df, variable, x, k, "f'"), exact)
        rows.append(row)
        if k == given.iterations:
            break
        new = x - lr * row.gx
        if exact:
            new = tidy(new)
            reason = _too_long(new)
            if reason:
                switch, why = k + 1, reason
                new = sp.Float(new.evalf(FLOAT_DIGITS), FLOAT_DIGITS)
        else:
            new = sp.Float(new, FLOAT_DIGITS)
        if abs(new) > DIVERGED:
            # Translators: {bound} is a formula such as |x_12| > 10^50
            raise UnsolvableError(tr("gradient descent diverges: {bound} (the step size {lr} is too large here)",
                                     bound=f"|{given.variable}_{k + 1}| > 10^50", lr=lr))
        x = new
    return Run(variable, f, df, lr, tuple(rows), switch, why)


def subscript(name: str, k: int | str) -> Formula:
    """``x_k`` as a formula name."""
    return Name(f"{name}_{k}")


def derivative_at(name: str, k: int | str) -> Formula:
    """``f'(x_k)``."""
    return call("f'", subscript(name, k))


def approximate(value: Any) -> Any:
    """A floating-point iterate for the trace: its decimal (exact values pass unchanged)."""
    import sympy as sp

    from solver.engine.exact import present

    if isinstance(value, sp.Float):
        return Approximate(sp.Float(value, 15))
    return present(value)



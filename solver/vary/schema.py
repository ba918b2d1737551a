"""The ``vary:`` section of a problem file: which givens vary, how each is drawn, and the constraints.

Validated when the file is loaded (every defect one message with file, line and field); ``dlsolve run``
ignores the section, ``dlsolve vary`` reads it. See :func:`read_vary` for the schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from solver.errors import FieldPath, SpecError, SpecIssue, show_value
from solver.fields import Flag, StrictInt, StrictStr
from solver.i18n import ntr, tr

MAX_TRIES = 10_000
MAX_SPAN = 1_000_000  # values in an integer range
PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*")


@dataclass(frozen=True)
class DrawSpec:
    """How one given is drawn: exactly one of the three."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    integers: tuple[StrictInt, StrictInt] | None = None  # every entry: an integer in [low, high]
    choose: list[Any] | None = None  # every entry: one of these exact values
    choose_whole: list[Any] | None = None  # the whole value: one of these (each shaped as the original)


@dataclass(frozen=True)
class ConstraintSpec:
    """What a solved variant must satisfy."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    denominator: StrictInt | None = None
    forms: list[Any] = field(default_factory=list)
    kinks: Flag = False
    zero_gradients: Flag = False
    max_abs: Any = None
    floating_point: Any = False  # true, false or a list of answer names (checked by hand: one message)
    answers: list[StrictStr] | None = None


@dataclass(frozen=True)
class Section:
    """The raw section, as pydantic validates it."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    given: dict[str, DrawSpec]
    constraints: ConstraintSpec = field(default_factory=ConstraintSpec)
    tries: StrictInt = 200
    statement: StrictStr | None = None


@dataclass(frozen=True)
class Draw:
    """One varying given: its path under ``given`` (``("generator", 0, "weights")``) and its draw."""

    name: str  # as written in the file: generator[0].weights, or "X, Y" for givens drawn together
    paths: tuple[FieldPath, ...]
    how: str  # integers | choose | choose_whole
    low: int = 0
    high: int = 0
    choices: tuple[Any, ...] = ()  # the values as written (choose, choose_whole)


@dataclass(frozen=True)
class Constraints:
    """The constraints, read: ``forms`` as sympy values (a placeholder form ``tanh(q)`` as its function's
    name, ``"tanh"``), ``max_abs`` as a sympy Rational."""

    denominator: int | None
    forms: tuple[Any, ...]
    form_texts: tuple[str, ...]
    kinks: bool
    zero_gradients: bool
    max_abs: Any
    floating_point: bool | tuple[str, ...] = False  # true: any answer may be floating point; names: these
    answers: tuple[str, ...] | None = None  # the answers denominator/forms apply to (None: all)
    places: tuple[Any, ...] = ()  # (field, index, name, SpecIssue at it) of each answer name: an unknown one


PLACEHOLDER_FORMS = ("tanh", "sigmoid", "exp", "ln")  # f(q), q any rational with denominator ≤ denominator


@dataclass(frozen=True)
class Vary:
    """A validated ``vary:`` section."""

    draws: tuple[Draw, ...]
    constraints: Constraints
    tries: int
    statement: str | None = None  # the variant's statement, {x} standing for the value of given x


PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.\[\]]*)\}")  # {x}, {W_hh}, {generator[0].weights} in a statement


def parse_path(text: str) -> FieldPath | None:
    """``generator[0].weights`` → ``("generator", 0, "weights")``; None when it is not a path."""
    if not PATH.fullmatch(text):
        return None
    path: list[str | int] = []
    for part in text.split("."):
        name, *indices = part.split("[")
        path.append(name)
        path += [int(index.rstrip("]")) for index in indices]
    return tuple(path)


def at_path(data: Any, path: FieldPath) -> tuple[bool, Any]:
    """(found, value) of ``path`` inside ``data``."""
    for part in path:
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if not (in_list or (isinstance(data, dict) and isinstance(part, str) and part in data)):
            return False, None
        data = data[part]
    return True, data


def is_number(value: Any) -> bool:
    """Whether a written value reads as an exact number (by the project's own safe parser)."""
    from solver.numbers import NumberError, parse_exact

    if isinstance(value, (list, dict)) or value is None:
        return False
    try:
        parse_exact(value)
    except NumberError:
        return False
    return True


def shape_of(value: Any) -> Any:
    """The nesting shape of a written value: ``()`` for a scalar, a tuple of the items' shapes for a list."""
    return tuple(shape_of(item) for item in value) if isinstance(value, list) else ()


def read_vary(raw: Any, problem: dict[str, Any], issue: Any) -> Vary:
    """Validate a ``vary:`` section against its problem's ``given``; SpecError with one issue per defect.

    Schema::

        vary:
          given:                          # paths under given: W, W_hh, generator[0].weights
            W: {integers: [-2, 2]}        # every numeric entry an integer in [-2, 2]
            x: {choose: [0, 1/2, ln(2)]}  # every numeric entry one of these exact values
            W_hh: {choose_whole: [[[1, 0], [0, 1]], [[0, 1], [1, 0]]]}  # one whole value
          constraints: {denominator: 8, forms: [ln(2), tanh(q)], kinks: false, zero_gradients: false,
                        max_abs: 20, floating_point: false, answers: [h1, c1]}
                        # forms: constants (ln(2)) or f(q), f one of tanh, sigmoid, exp, ln (log), where q is
                        # any rational with denominator ≤ denominator; answers: those denominator/forms
                        # apply to (default all); floating_point: true, or the answers allowed in floats
          tries: 200                      # draws per variant before giving up
          statement: "… x = {x} …"        # the variants' statement: {path} is that given's drawn value
    """
    from solver.validation import validate

    def at(path: FieldPath, message: str) -> SpecIssue:
        result: SpecIssue = issue(("vary", *path), message)
        return result

    if not isinstance(raw, dict):
        raise SpecError([at((), tr("expected a mapping with given, constraints and tries, got {value}",
                                   value=show_value(raw)))])
    section: Section = validate(Section, raw, lambda path, message: at(tuple(path), message))
    issues: list[SpecIssue] = []
    if not section.given:
        issues.append(at(("given",), tr("expected at least one given to vary")))
    if not 1 <= section.tries <= MAX_TRIES:
        issues.append(at(("tries",), tr("expected an integer from 1 to {limit}, got {value}", limit=MAX_TRIES,
                                        value=section.tries)))
    draws = []
    for name, spec in section.given.items():
        try:
            draws.append(_draw(name, spec, problem.get("given")))
        except _Bad as bad:
            issues.append(at(("given", name, *bad.path), bad.message))
    try:
        constraints = _constraints(section.constraints)
        named = {"answers": constraints.answers, "floating_point": constraints.floating_point}
        places = tuple((field, i, name, at(("constraints", field, i), ""))
                       for field, names in named.items()
                       for i, name in enumerate(names if isinstance(names, tuple) else ()))
        constraints = replace(constraints, places=places)
    except _Bad as bad:
        issues.append(at(("constraints", *bad.path), bad.message))
    for name in PLACEHOLDER.findall(section.statement or ""):
        path = parse_path(name)
        if path is None or not at_path(problem.get("given"), path)[0]:
            # Translators: {placeholder} is the statement's placeholder such as {W}; keep {{x}} as it is
            message = tr("{placeholder} is not a given of this problem (write {{x}} for given x)",
                         placeholder="{" + name + "}")
            issues.append(at(("statement",), message))
            break
    if issues:
        raise SpecError(issues)
    return Vary(tuple(draws), constraints, section.tries, section.statement)


class _Bad(Exception):
    def __init__(self, path: FieldPath, message: str):
        super().__init__(message)
        self.path, self.message = path, message


def _draw(name: str, spec: DrawSpec, given: Any) -> Draw:
    paths, originals = [], []
    for part in name.split(","):
        path = parse_path(part.strip())
        if path is None:
            raise _Bad((), tr("expected a path under given such as W, W_hh or generator[0].weights (or paths drawn "
                              "together: 'X, Y'), got {value}", value=repr(name)))
        found, original = at_path(given, path)
        if not found:
            raise _Bad((), tr("no given {name} in this problem's given", name=repr(part.strip())))
        paths.append(path)
        originals.append(original)
    given_ways = {"integers": spec.integers, "choose": spec.choose, "choose_whole": spec.choose_whole}
    ways = [way for way, value in given_ways.items() if value is not None]
    if len(ways) != 1:
        # Translators: {ways} is "integers and choose" and the like (field names: not translated)
        raise _Bad((), tr("expected exactly one of integers, choose or choose_whole, got {ways}",
                          ways=" and ".join(ways)) if ways
                   else tr("expected exactly one of integers, choose or choose_whole, got none"))
    how = ways[0]
    if how != "choose_whole" and not any(is_number(entry) for entry in _entries(originals)):
        raise _Bad((how,), tr("given {name} holds no number to draw per entry", name=repr(name)))
    if how == "integers":
        low, high = spec.integers or (0, 0)
        if low > high or high - low >= MAX_SPAN:
            raise _Bad((how,), tr("expected [low, high] with low ≤ high and at most {limit} values, got {value}",
                                  limit=format(MAX_SPAN, ","), value="[" + str(low) + ", " + str(high) + "]"))
        return Draw(name, tuple(paths), how, low, high)
    choices = spec.choose if how == "choose" else spec.choose_whole
    assert choices is not None
    if not choices:
        raise _Bad((how,), tr("expected at least one value"))
    together = len(paths) > 1
    for i, choice in enumerate(choices):
        if how == "choose" and not is_number(choice):
            raise _Bad((how, i), tr("expected an exact number such as 1/2 or ln(2), got {value}",
                                    value=show_value(choice)))
        if how == "choose_whole":
            if together and not (isinstance(choice, list) and len(choice) == len(paths)):
                # Translators: {n} is how many paths {names} lists (such as "X, Y")
                raise _Bad((how, i), ntr("expected a list of {n} value, one for each of {names}, got {value}",
                                         "expected a list of {n} values, one for each of {names}, got {value}",
                                         len(paths), names=name, value=show_value(choice)))
            for original, value in zip(originals, choice if together else [choice], strict=True):
                if shape_of(value) != shape_of(original):
                    raise _Bad((how, i), tr("expected the shape of the given ({shape}), got {value}",
                                            shape=_shape_words(original), value=_shape_words(value)))
            bad = [entry for entry in _entries(choice) if not (is_number(entry) or isinstance(entry, str))]
            if bad:
                raise _Bad((how, i), tr("expected exact numbers, got {value}", value=show_value(bad[0])))
    if len({repr(choice) for choice in choices}) != len(choices):
        raise _Bad((how,), tr("a value is listed twice"))
    return Draw(name, tuple(paths), how, choices=tuple(choices))


def _constraints(spec: ConstraintSpec) -> Constraints:
    from solver.numbers import NumberError, parse_exact

    if spec.denominator is not None and spec.denominator < 1:
        raise _Bad(("denominator",), tr("expected a positive integer, got {value}", value=spec.denominator))
    if spec.forms and spec.denominator is None:
        raise _Bad(("forms",), tr("forms are rational combinations: give denominator too"))
    forms: list[Any] = []
    for i, text in enumerate(spec.forms):
        try:
            placeholder = _placeholder(text)
        except _Bad as bad:
            raise _Bad(("forms", i), bad.message) from None
        if placeholder is not None:
            forms.append(placeholder)
            continue
        try:
            value = parse_exact(text)
        except NumberError as error:
            # Translators: {error} is why the text cannot be read; {functions} lists tanh, sigmoid, exp, ln
            raise _Bad(("forms", i), tr("{error} (a form is a constant such as ln(2), or f(q) with f one of "
                                        "{functions} and q any rational)", error=error,
                                        functions=", ".join(PLACEHOLDER_FORMS))) from None
        _coefficient, rest = value.as_coeff_Mul()
        if rest == 1 or value.is_Add:
            raise _Bad(("forms", i), tr("expected an irrational form such as ln(2), got {value}",
                                        value=show_value(text)))
        forms.append(rest)
    limit = None
    if spec.max_abs is not None:
        try:
            limit = parse_exact(spec.max_abs)
        except NumberError as error:
            raise _Bad(("max_abs",), str(error)) from None
        if not limit.is_Rational or limit <= 0:
            raise _Bad(("max_abs",), tr("expected a positive rational number, got {value}",
                                        value=show_value(spec.max_abs)))
    floating_point = spec.floating_point
    if not (isinstance(floating_point, bool) or (isinstance(floating_point, list)
                                                 and all(isinstance(name, str) for name in floating_point))):
        raise _Bad(("floating_point",), tr("expected true or false, or a list of answer names, got {value}",
                                           value=show_value(floating_point)))
    for name, names in {"answers": spec.answers, "floating_point": floating_point}.items():
        if isinstance(names, list):
            if not names:
                raise _Bad((name,), tr("expected at least one answer name"))
            if len(set(names)) != len(names):
                raise _Bad((name,), tr("an answer is listed twice"))
    if spec.answers is not None and spec.denominator is None:
        raise _Bad(("answers",), tr("answers scopes denominator and forms: give denominator too"))
    floating = tuple(spec.floating_point) if isinstance(spec.floating_point, list) else spec.floating_point
    return Constraints(spec.denominator, tuple(forms), tuple(str(t) for t in spec.forms), spec.kinks,
                       spec.zero_gradients, limit, floating, None if spec.answers is None else tuple(spec.answers))


def _placeholder(text: Any) -> str | None:
    """The function's name of a form f(q) (``tanh(q)`` → ``"tanh"``, ``log(q)`` → ``"ln"``), else None."""
    import sympy as sp

    from solver.numbers import NumberError, parse_exact

    if not isinstance(text, str) or "q" not in text:
        return None
    q = sp.Symbol("q")
    try:
        value = parse_exact(text, {"q": q})
    except NumberError:
        return None
    shapes = {"tanh": sp.tanh(q), "sigmoid": 1 / (1 + sp.exp(-q)), "exp": sp.exp(q), "ln": sp.log(q)}
    found = next((name for name, shape in shapes.items() if value == shape), None)
    if found is None:
        raise _Bad(("forms",), tr("expected a form f(q) with f one of {functions} (q any rational), got {value}",
                                  functions=", ".join(PLACEHOLDER_FORMS), value=show_value(text)))
    return found


def _entries(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [entry for item in value for entry in _entries(item)]
    return [value]


def _shape_words(value: Any) -> str:
    if not isinstance(value, list):
        return tr("one value")
    if value and all(isinstance(row, list) for row in value):
        # Translators: {rows} and {columns} are counts: "2 rows of 3"
        return tr("{rows} rows of {columns}", rows=len(value), columns=len(value[0])) \
            if value[0] and not isinstance(value[0][0], list) else tr("a list of {n} lists", n=len(value))
    return ntr("a list of {n}", "a list of {n}", len(value))

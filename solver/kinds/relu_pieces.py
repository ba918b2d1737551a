"""A one-dimensional function built from ReLU units: ``h(x) = Σ a_k·max(x − c_k, 0) + b``.

The universal-approximation construction of the lecture slides (seed 001): each unit is 0 left of
its knot c_k and rises with slope 1 right of it, so between two knots h is linear and its slope is
the sum of the weights a_k of the units already switched on. A kind of its own because the
``graph`` kind evaluates such a network at points but knows nothing of its pieces: the intervals
between the kinks and their slopes are the construction's point, and they are read off the weights
(not from a gradient at a point, where ReLU'(0) would decide the value at a knot).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from solver.engine.wording import worded
from solver.errors import FieldError, show_value
from solver.fields import Validated
from solver.formula import Formula, Name, call, op
from solver.i18n import tr
from solver.kinds import given_only, within_given
from solver.numbers import Exact
from solver.problem import Problem
from solver.trace import Answer, Detail, Given, Solution, Step, StepKind

FIELDS = ("given",)
ANSWERS = ("slope_<j>", "h(<x>)")

MAX_UNITS = 50
MAX_POINTS = 200


def _numbers(limit: int, what: str) -> Any:
    def validate(value: Any) -> tuple[Any, ...]:
        from solver.numbers import NumberError, parse_exact

        if not isinstance(value, list) or not value or any(isinstance(v, (list, dict)) for v in value):
            # Translators: {field} is the field's name (knots, weights or points), kept in English
            raise ValueError(tr("expected a list of numbers ({field}), got {value}", field=what,
                                value=show_value(value)))
        if len(value) > limit:
            raise ValueError(tr("expected at most {limit} {field}, got {count}", limit=limit, field=what,
                                count=len(value)))
        out = []
        for i, entry in enumerate(value):
            try:
                out.append(parse_exact(entry))
            except NumberError as error:
                raise ValueError(tr("entry [{index}]: {error}", index=i, error=error)) from None
        return tuple(out)

    return Validated(validate)


@dataclass(frozen=True)
class Pieces:
    """The ``given`` of a relu-pieces problem."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    knots: _numbers(MAX_UNITS, "knots")  # type: ignore[valid-type]
    weights: _numbers(MAX_UNITS, "weights")  # type: ignore[valid-type]
    points: _numbers(MAX_POINTS, "points")  # type: ignore[valid-type]
    bias: Exact = 0


def spec_type(fields: Mapping[str, Any]) -> type:
    """The dataclass that validates this kind's one field, ``given``."""
    return given_only(Pieces)


def check(given: Pieces) -> None:
    """The knots increase strictly, and there is one weight per knot (FieldError if not)."""
    for i, (left, right) in enumerate(zip(given.knots, given.knots[1:])):
        if not bool(right > left):
            raise FieldError(("knots", i + 1), tr("expected knots in increasing order, got {right} after {left}",
                                                  right=right, left=left))
    if len(given.weights) != len(given.knots):
        raise FieldError(("weights",), tr("expected one weight per knot ({knots}), got {weights}",
                                          knots=len(given.knots), weights=len(given.weights)))


def unit(k: int) -> Formula:
    """``max(x − c_k, 0)``."""
    return call("max", Name("x") - Name(f"c_{k}"), 0)


def interval(pieces: int, j: int, knots: tuple[Any, ...]) -> tuple[Any, ...]:
    """Piece ``j`` as words and values: ``x < 0``, ``0 ≤ x ≤ 1``, ``x ≥ 6``."""
    if j == 0:
        return ("x ≤ ", knots[0])
    if j == pieces - 1:
        return ("x ≥ ", knots[-1])
    return (knots[j - 1], " ≤ x ≤ ", knots[j])


def h(given: Pieces, x: Any) -> Any:
    """The function's exact value at ``x``."""
    import sympy as sp

    return sum((a * sp.Max(x - c, 0) for a, c in zip(given.weights, given.knots)), given.bias)


def slope_steps(given: Pieces) -> tuple[list[Step], list[Answer]]:
    """One step per piece: its slope as the sum of the weights switched on, and its line."""
    import sympy as sp

    knots, count = given.knots, len(given.knots) + 1
    steps, answers = [], []
    for j in range(count):
        on = given.weights[:j]
        slope = sum(on, sp.Integer(0))
        shown = sp.Add(*on, evaluate=False) if len(on) > 1 else None
        formula = op("+", *[Name(f"a_{k}") for k in range(j)]) if j else None
        start = knots[max(j - 1, 0)]
        line = sp.expand(h(given, start) + slope * (sp.Symbol("x") - start))
        # Translators: {interval} is a piece of the real line such as 0 ≤ x ≤ 1; {line} a formula in x
        template = tr("on {interval}; h(x) = {line}: no unit is on") if j == 0 else tr("on {interval}; h(x) = {line}")
        steps.append(Step(StepKind.EVALUATE, f"slope_{j}", formula=formula, substituted=shown, result=slope,
                          note=worded(template, interval=interval(count, j, knots), line=line)))
        answers.append(Answer(f"slope_{j}", slope, tr("on {interval}", interval="".join(
            str(p) for p in interval(count, j, knots)))))
    return steps, answers


def value_steps(given: Pieces) -> tuple[list[Step], list[Answer]]:
    """``h(x)`` at every point: the units' values, then the weighted sum."""
    import sympy as sp

    steps, answers = [], []
    for x in given.points:
        units = [sp.Max(x - c, 0) for c in given.knots]
        inner = [Step(StepKind.EVALUATE, f"h1{k}({x})", formula=unit(k),
                      substituted=sp.Max(sp.Add(x, -c, evaluate=False), 0, evaluate=False), result=u,
                      detail=Detail.FULL)
                 for k, (c, u) in enumerate(zip(given.knots, units))]
        terms = [sp.Mul(a, sp.UnevaluatedExpr(u), evaluate=False) for a, u in zip(given.weights, units)]
        if given.bias != 0:
            terms.append(given.bias)
        value = h(given, x)
        steps.append(Step(StepKind.EVALUATE, f"h({x})", substituted=sp.Add(*terms, evaluate=False), result=value,
                          substeps=tuple(inner)))
        answers.append(Answer(f"h({x})", value))
    return steps, answers


def solve(problem: Problem, numeric: bool = False) -> Solution:
    """The pieces and their slopes, then the function at every point."""
    given: Pieces = problem.spec.given
    with within_given():
        check(given)
    n = len(given.knots)
    model = op("+", *[Name(f"a_{k}") * unit(k) for k in range(n)], Name("b"))
    rule = Step(StepKind.RULE, tr("One hidden layer of ReLU units, a linear output"),
                formula=op("=", Name("h(x)"), model),
                note=tr("Unit k is 0 for x ≤ c_k and x − c_k after it (slope 1): on each piece between two knots "
                        "h is linear, and its slope is the sum of the weights of the units switched on."),
                detail=Detail.STANDARD)
    slopes, slope_answers = slope_steps(given)
    values, value_answers = value_steps(given)
    steps = (rule, Step(StepKind.GROUP, tr("Pieces and slopes"), substeps=tuple(slopes)),
             Step(StepKind.GROUP, tr("Values"), substeps=tuple(values)))
    givens = tuple(Given(f"c_{k}", c, tr("knot")) for k, c in enumerate(given.knots)) + \
        tuple(Given(f"a_{k}", a, tr("weight")) for k, a in enumerate(given.weights)) + \
        (Given("b", given.bias, tr("bias")),)

    return Solution(id=problem.id, kind=problem.kind, title=problem.title, statement=problem.statement,
                    source=problem.source, given=givens, steps=steps, answers=tuple(slope_answers + value_answers))

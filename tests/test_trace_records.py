"""The typed records a trace carries (solver.trace): what other code reads instead of titles and notes.

Every value here is re-derived from the record's own fields or compared with the solution's answers,
so a record that says something other than its step fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sympy as sp
from helpers import PROBLEM_FILES

from solver.api import solve_file
from solver.formula import Formula
from solver.trace import Approximate, Chain, Check, Equation, FanIn, Forward, Step, Update

GRAPH_FILES = [f for f in PROBLEM_FILES if "kind: graph" in f.read_text(encoding="utf-8")]


def walk(steps: tuple[Step, ...]) -> Iterator[Step]:
    for step in steps:
        yield step
        yield from walk(step.substeps)


def close(a: object, b: object) -> bool:
    """Equal values, exact or to 1e-9 (a decimal shown for a large exact form)."""
    a = a.value if isinstance(a, Approximate) else a
    b = b.value if isinstance(b, Approximate) else b
    a, b = sp.Matrix(a) if isinstance(a, sp.MatrixBase) else sp.Matrix([[a]]), \
        sp.Matrix(b) if isinstance(b, sp.MatrixBase) else sp.Matrix([[b]])
    return a.shape == b.shape and all(abs(complex(sp.N(u - v, 30))) < 1e-9 for u, v in zip(a, b))


@pytest.mark.parametrize("path", GRAPH_FILES, ids=lambda p: p.stem)
def test_forward_records_hold_the_answers(path) -> None:
    (solution,) = solve_file(path)
    answers = {answer.name: answer.value for answer in solution.answers}
    forward = [s.record for s in walk(solution.steps) if isinstance(s.record, Forward)]
    assert forward, "a graph problem has a forward pass"
    names = {given.name for given in solution.given} | {r.name for r in forward}
    for record in forward:
        assert isinstance(record.expression, Formula)
        assert set(record.uses) <= names, record.uses  # named quantities only, not inner expressions
        assert tuple(sp.Matrix(record.value).shape) == record.shape
        if record.name in answers and not any(isinstance(s.record, Update) for s in walk(solution.steps)):
            assert close(record.value, answers[record.name]), record.name


@pytest.mark.parametrize("path", GRAPH_FILES, ids=lambda p: p.stem)
def test_gradient_records_add_up_and_check(path) -> None:
    (solution,) = solve_file(path)
    steps = list(walk(solution.steps))
    for step in steps:
        if isinstance(step.record, FanIn):
            parts = [s.record for s in step.substeps if isinstance(s.record, Chain)]
            assert [p.consumer for p in parts] == list(step.record.consumers)
            assert close(sum((sp.Matrix(p.value) for p in parts[1:]), sp.Matrix(parts[0].value)), step.record.value)
        if isinstance(step.record, Chain):
            assert isinstance(step.record.rule, Formula)
    checks = [s.record for s in steps if isinstance(s.record, Check)]
    assert all(check.agrees is not False for check in checks)


def test_update_records_are_gradient_steps() -> None:
    updated = [f for f in GRAPH_FILES if "update:" in f.read_text(encoding="utf-8")]
    assert updated
    for path in updated:
        (solution,) = solve_file(path)
        records = [s.record for s in walk(solution.steps) if isinstance(s.record, Update)]
        assert records, path.stem
        for r in records:
            sign = 1 if r.ascent else -1
            assert close(sp.Matrix(r.old) + sign * r.rate * sp.Matrix(r.gradient), r.new), (path.stem, r.param)


def test_conv_inversion_records_its_equations() -> None:
    (solution,) = solve_file(next(f for f in PROBLEM_FILES if f.stem == "conv-inversion"))
    equations = [s.record for s in walk(solution.steps) if isinstance(s.record, Equation)]
    assert equations
    answers = {sp.Symbol(a.name): a.value for a in solution.answers}
    checked = 0
    for record in equations:  # every equation whose unknowns were all solved holds at the solved values
        substituted = record.left.subs({s: v for s, v in answers.items() if s in record.left.free_symbols})
        if not substituted.free_symbols:
            assert sp.expand(substituted - record.right) == 0, record.label
            checked += 1
    assert checked

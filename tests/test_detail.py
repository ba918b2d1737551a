"""Detail levels (``--detail brief|standard|full``): each level shows a subset of the next, ``full`` is the
whole trace the solver recorded, and every format and the CLI agree on which steps a level keeps."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from helpers import PROBLEM_FILES, run_cli
from hypothesis import given
from hypothesis import strategies as st

from solver.api import render, solve, solve_file
from solver.detail import at_detail
from solver.trace import Detail, Solution, Step, StepKind


def walk(steps: tuple[Step, ...]) -> Iterator[Step]:
    """Every step, depth first."""
    for step in steps:
        yield step
        yield from walk(step.substeps)


def titles(solution: Solution) -> list[str]:
    """The step titles in reading order (a step's identity for these tests)."""
    return [str(step.title) for step in walk(solution.steps)]


def is_subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(any(item == other for other in it) for item in short)


@pytest.mark.parametrize("path", PROBLEM_FILES, ids=lambda p: p.stem)
def test_levels_nest_and_full_is_the_whole_trace(path):
    """brief ⊆ standard ⊆ full = the solver's trace, in the same order; no step shown below its level."""
    for solution in solve_file(path):
        full = at_detail(solution, "full")
        assert full == solution
        standard, brief = at_detail(solution, "standard"), at_detail(solution, "brief")
        assert is_subsequence(titles(brief), titles(standard))
        assert is_subsequence(titles(standard), titles(full))
        assert all(step.detail.rank <= Detail.STANDARD.rank for step in walk(standard.steps))
        assert all(step.detail is Detail.BRIEF and not step.note for step in walk(brief.steps))
        assert not any(step.kind is StepKind.CONVENTION for step in walk(brief.steps))
        assert standard.answers == solution.answers == brief.answers
        notes = [repr(step.note) for step in walk(standard.steps) if step.note]
        assert len(notes) == len(set(notes))  # a rule is stated once, where it is first used


def make_steps(draw: st.DrawFn, depth: int = 0, prefix: str = "s") -> tuple[Step, ...]:
    count = draw(st.integers(0, 3 if depth < 2 else 0))
    return tuple(Step(draw(st.sampled_from(list(StepKind))), f"{prefix}.{i}",
                      note=draw(st.sampled_from(["", "why", "because"])),
                      detail=draw(st.sampled_from(list(Detail))), substeps=make_steps(draw, depth + 1, f"{prefix}.{i}"))
                 for i in range(count))


@st.composite
def solutions(draw: st.DrawFn) -> Solution:
    return Solution("p", "graph", "t", steps=make_steps(draw))


@given(solutions(), st.sampled_from(list(Detail)))
def test_a_step_is_kept_exactly_when_it_and_its_ancestors_are_at_or_below_the_level(solution, level):
    def expected(steps: tuple[Step, ...]) -> list[str]:
        out = []
        for step in steps:
            if step.detail.rank > level.rank or (level is Detail.BRIEF and step.kind is StepKind.CONVENTION):
                continue
            inner = expected(step.substeps)
            if step.kind is StepKind.GROUP and step.substeps and not inner:
                continue  # an empty heading is left out
            out += [str(step.title), *inner]
        return out

    assert titles(at_detail(solution, level)) == expected(solution.steps)


@given(solutions(), st.sampled_from([Detail.STANDARD, Detail.FULL]))
def test_standard_states_a_note_where_it_first_appears_and_full_keeps_every_note(solution, level):
    """Among the steps a level shows, in reading order: standard keeps a note's first appearance only
    (a heading left out does not count as showing its note), full keeps every note."""
    shown = list(walk(at_detail(solution, level).steps))
    by_title = {str(step.title): step.note for step in walk(solution.steps)}
    said: set[str] = set()
    for step in shown:
        original = by_title[str(step.title)]
        if level is Detail.FULL or original not in said:
            assert step.note == original
        else:
            assert step.note == ""
        said.add(original)


def json_steps(document: dict) -> Iterator[dict]:
    def inner(steps: list[dict]) -> Iterator[dict]:
        for step in steps:
            yield step
            yield from inner(step["substeps"])

    return inner(document["steps"])


@pytest.mark.parametrize("level", ["brief", "standard", "full"])
def test_cli_detail_matches_the_api_in_every_format(level):
    """`dlsolve run --detail LEVEL` shows the steps of ``at_detail`` (JSON says each step's level);
    the text shows the same number of numbered steps."""
    path = next(p for p in PROBLEM_FILES if p.stem == "mlp-binary")
    expected = titles(at_detail(solve_file(path)[0], level))
    result = run_cli("run", path, "--format", "json", "--detail", level)
    assert result.exit_code == 0, result.stderr
    steps = list(json_steps(json.loads(result.stdout)))
    assert [step["title"] for step in steps] == expected
    assert all(Detail(step["detail"]).rank <= Detail(level).rank for step in steps)
    text = run_cli("run", path, "--no-color", "--detail", level)
    assert text.exit_code == 0
    assert text.stdout == render(solve_file(path), "text", level)


def test_default_is_standard_and_a_bad_level_is_a_usage_error():
    path = next(p for p in PROBLEM_FILES if p.stem == "mlp-binary")
    assert run_cli("run", path, "-f", "json").stdout == run_cli("run", path, "-f", "json", "--detail", "standard").stdout
    bad = run_cli("run", path, "--detail", "verbose")
    assert bad.exit_code == 2
    assert "verbose" in bad.stderr and not bad.stdout


def test_full_detail_renders_every_recorded_step():
    """The library's ``solve`` returns the whole trace; JSON at ``full`` has one object per recorded step."""
    from solver.api import load

    problem = load(next(p for p in PROBLEM_FILES if p.stem == "rnn"))[0]
    solution = solve(problem)
    document = json.loads(render([solution], "json", "full"))
    assert len(list(json_steps(document))) == len(list(walk(solution.steps)))

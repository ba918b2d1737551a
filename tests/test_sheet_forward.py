"""Issue 14, the forward pass as a solution sheet: compact at standard detail, names declared before use,
the conventions the graph really uses, operation counts right (and only at full), observed givens."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import solver
from solver.api import solve_file
from solver.detail import at_detail
from solver.trace import Detail, Solution, Step, StepKind

ROOT = Path(solver.__file__).resolve().parent.parent  # the checkout under test (problems/ and the CLI)


def _solution(name: str) -> Solution:
    (solution,) = solve_file(ROOT / "problems" / f"{name}.yaml")
    return solution


def _walk(steps: tuple[Step, ...]) -> Iterator[tuple[int, Step]]:
    """Every step depth first, in reading order, with its depth (0 for a top-level step)."""
    for step in steps:
        yield 0, step
        for depth, sub in _walk(step.substeps):
            yield depth + 1, sub


def _text(name: str, *options: str) -> str:
    """The terminal text at 80 columns, through the CLI as a user runs it."""
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "solver", "run", f"problems/{name}.yaml", "--no-color", *options],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout


# --- finding 10: noise and detail levels in the forward pass ---------------------------------------

ZERO_BIAS = re.compile(r"\+ b_h[ifgo]$")  # the PyTorch layout's second bias of a gate: all zero in lstm-step


def test_lstm_step_standard_is_shorter_than_the_issue_counted() -> None:
    # Issue 14 counted 990 lines of `lstm-step` at 80 columns (every inner operation a substep).
    lines = _text("lstm-step").count("\n")
    assert lines < 990


def test_adding_a_zero_bias_is_a_step_only_at_full_detail() -> None:
    # lstm-step.yaml gives b_hh = 0 (8 zeros): adding its gate slices b_hi, b_hf, b_hg, b_ho teaches nothing.
    solution = _solution("lstm-step")
    assert all(v == 0 for v in next(g.value for g in solution.given if g.name == "b_hh"))

    def zero_bias_steps(level: Detail) -> list[str]:
        kept = at_detail(solution, level)
        return [str(step.title) for depth, step in _walk(kept.steps)
                if step.kind is StepKind.FORWARD and depth > 1 and ZERO_BIAS.search(str(step.title))]

    assert zero_bias_steps(Detail.STANDARD) == []
    assert zero_bias_steps(Detail.BRIEF) == []
    assert len(zero_bias_steps(Detail.FULL)) == 4 * 2  # four gates at each of the two time steps


def test_an_equation_is_one_line_with_the_given_matrices_written_out() -> None:
    # mlp-binary: h = W·x + b with W 3×2 and x 2×1; at standard the line shows W's entries, as an exam does.
    solution = at_detail(_solution("mlp-binary"), Detail.STANDARD)
    step = next(s for _, s in _walk(solution.steps) if s.kind is StepKind.FORWARD and s.title == "h")
    W = next(g.value for g in solution.given if g.name == "W")
    assert step.substituted is not None and step.substituted.has(W)


def test_rnn_sum_of_two_products_is_counted_right_and_only_at_full() -> None:
    # rnn.yaml: W_hh·h0 + W_xh·x1 adds no bias. Each product of an m×n matrix and an n×1 vector takes m·n
    # multiplications and m·(n − 1) additions; adding the two m×1 results takes m more additions.
    solution = _solution("rnn")
    shape = {g.name: g.value.shape for g in solution.given}
    (m, n), (_, q) = shape["W_hh"], shape["h0"]
    (m2, n2), (_, q2) = shape["W_xh"], shape["x1"]
    mults = m * n * q + m2 * n2 * q2
    adds = m * (n - 1) * q + m2 * (n2 - 1) * q2 + m * q
    assert (mults, adds) == (8, 6)  # the issue's count
    step = next(s for _, s in _walk(solution.steps) if s.title == "W_hh·h0 + W_xh·x1")
    notes = " ".join(str(s.note) for _, s in _walk((step,)))
    assert f"{mults} multiplications" in notes and f"{adds} additions" in notes
    assert "bias" not in notes
    standard = _text("rnn")
    assert "multiplications" not in standard
    assert "multiplications" in _text("rnn", "--detail", "full")


# --- finding 3: the conventions state the layout used ----------------------------------------------


@pytest.mark.parametrize("name", ["relu-net-step", "relu-net-logloss"])
def test_row_vector_problems_say_vectors_are_rows(name: str) -> None:
    # Both compute x·W1 with x a 1×n row (their given x is [[…]]).
    solution = _solution(name)
    assert next(g.value for g in solution.given if g.name == "x").shape[0] == 1
    conventions = next(s for s in solution.steps if s.kind is StepKind.CONVENTION)
    assert "rows" in str(conventions.note) and "columns" not in str(conventions.note)


def test_column_vector_problems_say_vectors_are_columns() -> None:
    conventions = next(s for s in _solution("mlp-binary").steps if s.kind is StepKind.CONVENTION)
    assert "columns" in str(conventions.note)


def test_forward_steps_show_shapes_at_standard_only() -> None:
    # relu-net-step: a = x·W1 with x 1×2 and W1 2×2, so a ∈ ℝ^{1×2}; notes are dropped at brief.
    def note_of_a(level: Detail) -> str:
        solution = at_detail(_solution("relu-net-step"), level)
        return str(next(s for _, s in _walk(solution.steps) if s.kind is StepKind.FORWARD and s.title == "a").note)

    assert "1×2" in note_of_a(Detail.STANDARD)
    assert note_of_a(Detail.BRIEF) == ""


# --- names: generated names are declared in the forward pass before any use ------------------------

NAME = re.compile(r"\bz\d+\b")


@pytest.mark.parametrize("level", list(Detail))
def test_generated_names_are_declared_before_use(level: Detail) -> None:
    # multihead: L = nll(p1, y1) + bce(p2, y2); the backward pass visits nll(p1, y1), which needs a short name.
    solution = at_detail(_solution("multihead"), level)
    declared: list[str] = []
    for _, step in _walk(solution.steps):
        formula = str(step.formula) if step.formula is not None else ""
        head = re.match(r"(z\d+) = ", formula)
        texts = [str(step.title), formula[head.end():] if head else formula, str(step.note)]
        for text in texts:
            for used in NAME.findall(text):
                assert used in declared or (head and used == head.group(1)), f"{used} used before it is declared"
        if head:
            declared.append(head.group(1))
    declarations = {str(s.formula).split(" = ", 1)[1] for _, s in _walk(solution.steps)
                    if s.formula is not None and NAME.match(str(s.formula))}
    assert "nll(p1, y1)" in declarations


def test_names_are_short_and_in_forward_order() -> None:
    solution = _solution("rnn-bptt")
    names = [str(s.title) for _, s in _walk(solution.steps) if NAME.fullmatch(str(s.title))]
    assert names and names == [f"z{i}" for i in range(1, len(names) + 1)]


# --- finding 15 (part): observed givens are not placeholders ---------------------------------------


def test_sequential_sgd_given_shows_observed_values_per_observation() -> None:
    # sequential-sgd.yaml declares x: 0 and y: 0, which its observations {x: 5, y: 0} and {x: 1, y: 1} replace.
    solution = _solution("sequential-sgd")
    given = {g.name: g for g in solution.given}
    assert given["x"].value != 0 and given["y"].value != 0
    assert "per observation" in str(given["x"].value)
    text = _text("sequential-sgd")
    block = text.split("Given", 1)[1].split("Solution", 1)[0]
    assert not re.search(r"^\s+x\s+0\s*$", block, re.M) and "5" in block and "1" in block


# --- conventions are not part of a grader's brief solution -----------------------------------------


def test_conventions_step_is_marked_standard() -> None:
    for name in ("mlp-binary", "relu-net-step", "sequential-sgd"):
        conventions = next(s for s in _solution(name).steps if s.kind is StepKind.CONVENTION)
        assert conventions.detail is Detail.STANDARD

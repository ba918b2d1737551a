"""Named mistakes of ``dlsolve check`` (solver/check/mistakes.py): each rule names the slip that turns the
right value into the student's, on at least two problems; a wrong value no rule explains is only
"incorrect", and a right value never gets a name.

Wrong values are written out by hand where the arithmetic is short (each with its derivation); where it is
long, they are built in the test from the solution's own exact values (themselves checked against PyTorch
and finite differences elsewhere) by the slip itself, which is what is under test.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from helpers import PROBLEMS, judge_texts, run_cli

from solver import api
from solver.check.mistakes import diagnose
from solver.check.quantities import quantities
from solver.trace import Approximate, Solution, Update

SOFTMAX = """kind: graph
title: "Softmax and cross-entropy"
given:
  W: [[1, 0], [0, 1], [1, 1]]
  x: [0, 1]
  y: 2
equations:
  - s = W @ x
  - p = softmax(s)
  - L = nll(p, y)
wrt: [W]
"""


@cache
def _solve(name: str) -> Solution:
    return api.solve_file(PROBLEMS / f"{name}.yaml")[0]


def _text(value: Any) -> str:
    """An exact value in the syntax answers files use (e^x, ln)."""
    if isinstance(value, sp.MatrixBase):
        return "[" + ", ".join("[" + ", ".join(_text(v) for v in row) + "]" for row in value.tolist()) + "]"
    return str(value).replace("**", "^").replace("E", "e").replace("log(", "ln(").replace("exp(", "e^(")


def _judge(tmp_path: Path, solution: Solution, answers: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each answer's (status, mistake), through the library's check on an answers file."""
    return judge_texts(tmp_path, solution, {name: value if isinstance(value, str) else _text(value)
                                            for name, value in answers.items()})


def _value(solution: Solution, name: str) -> Any:
    return quantities(solution)[name].value


def _mistake(tmp_path: Path, problem: str | Solution, name: str, wrong: Any) -> str:
    solution = _solve(problem) if isinstance(problem, str) else problem
    status, mistake = _judge(tmp_path, solution, {name: wrong})[name]
    assert status != "correct"
    return mistake


def test_sign_error_on_a_second_problem(tmp_path: Path) -> None:
    """multihead: ∂L/∂s1 = p1 − onehot(0) = (−3/4, 1/4, 1/4, 1/4), written with every sign flipped."""
    assert _mistake(tmp_path, "multihead", "dL/ds1", "[3/4, -1/4, -1/4, -1/4]") == "sign error"


@pytest.mark.parametrize(("problem", "name", "wrong", "named"), [
    # ∂L/∂W1 = xᵀ·∂L/∂a = (1, 2)ᵀ·(1, 0) = [[1, 0], [2, 0]]; ∂L/∂a·xᵀ the wrong way round is its transpose
    ("relu-net-step", "dL/dW1", "[[1, 2], [0, 0]]", "transposed: the other layout, or an outer product in the wrong order"),
    ("relu-net-logloss", "dL/dW1", None, "transposed: the other layout, or an outer product in the wrong order"),
    # Z = conv2d(X, K) + b1 (cnn-pool-svm: [[−1, 6, 7], [1, −4, 3], [4, −1, 5]]) written by columns
    ("cnn-pool-svm", "Z", "[[-1, 1, 4], [6, -4, -1], [7, 3, 5]]", "transposed matrix"),
])
def test_a_transposed_square_matrix(tmp_path: Path, problem: str, name: str, wrong: str | None, named: str) -> None:
    expected = _value(_solve(problem), name)
    assert _mistake(tmp_path, problem, name, wrong or expected.T) == named


@pytest.mark.parametrize(("problem", "name", "wrong"), [
    # ∂L/∂W = (∂L/∂h)ᵀ·xᵀ = σ(−1)·[[−2, −4], [1, 2], [0, 0]]; read by columns: −2, 1, 0, −4, 2, 0
    ("mlp-binary", "dL/dW", "[[-2/(1+e), 1/(1+e)], [0, -4/(1+e)], [2/(1+e), 0]]"),
    # ∂L/∂W = ∂L/∂k·xᵀ = (1/4, −1/4)ᵀ·(1, 2, 3) = [[1/4, 1/2, 3/4], [−1/4, −1/2, −3/4]]; by columns
    ("multihead", "dL/dW", "[[1/4, -1/4, 1/2], [-1/2, 3/4, -3/4]]"),
])
def test_entries_in_column_order(tmp_path: Path, problem: str, name: str, wrong: str) -> None:
    assert _mistake(tmp_path, problem, name, wrong) == "entries in column order: row versus column layout"


@pytest.mark.parametrize(("problem", "name", "wrong", "through"), [
    # h feeds both heads: ∂L/∂h = W2ᵀ·∂L/∂s2 + W1ᵀ·∂L/∂s1 = (1/2, −1/2) + (−1/4, 1/4); the first alone
    ("multihead", "dL/dh", "[1/2, -1/2]", "z3"),
    ("micrograd", "dg/df", None, None),
    ("bce-l2", "dJ/dW1", None, None),
])
def test_a_missing_fan_in_sum(tmp_path: Path, problem: str, name: str, wrong: str | None, through: str | None) -> None:
    from solver.trace import Chain, FanIn

    solution = _solve(problem)
    if wrong is None:  # the first contribution the trace records for the node
        node = name.split("/d")[1]
        steps = list(solution.steps)
        records = []
        while steps:
            step = steps.pop(0)
            records.append(step.record)
            steps[:0] = step.substeps
        fan_in = next(r for r in records if isinstance(r, FanIn) and r.node == node)
        chain = next(r for r in records if isinstance(r, Chain) and r.node == node and r.consumer in fan_in.consumers)
        wrong, through = chain.value, chain.consumer
    assert _mistake(tmp_path, solution, name, wrong) == f"missing fan-in sum: only the contribution through {through}"


def test_relu_prime_at_zero_taken_as_one(tmp_path: Path) -> None:
    """conv1d-backprop: s1 = (1, 0, 2, −1), ∂L/∂h1 = (1, 1/2, −1/2, 1/2), so ∂L/∂s1 = (1, 0, −1/2, 0); with
    ReLU′(0) = 1 the second entry passes: (1, 1/2, −1/2, 0). mlp-binary with b = (2, −2, −2): h = W·x + b =
    (−1, 2, 1) + b = (1, 0, −1), ∂L/∂hr = −σ(−s)·w with s = wᵀ·relu(h) = 2, so ∂L/∂h = −σ(−2)·(2, 0, 0) and
    with ReLU′(0) = 1: −σ(−2)·(2, −1, 0)."""
    assert _mistake(tmp_path, "conv1d-backprop", "dL/ds1", "[1, 1/2, -1/2, 0]") == "ReLU′(0) taken as 1"
    text = (PROBLEMS / "mlp-binary.yaml").read_text(encoding="utf-8").replace("b: [2, -1, -2]", "b: [2, -2, -2]")
    (tmp_path / "kink.yaml").write_text(text, encoding="utf-8")
    solution = api.solve_file(tmp_path / "kink.yaml")[0]
    assert _value(solution, "h") == sp.Matrix([1, 0, -1])
    assert _mistake(tmp_path, solution, "dL/dh", "[-2/(1 + e^2), 1/(1 + e^2), 0]") == "ReLU′(0) taken as 1"


@pytest.mark.parametrize(("problem", "name", "wrong", "named"), [
    ("mlp-binary", "h", "[-1, 2, 1]", "bias forgotten: h without b"),  # W·x = (1 − 2, 2, −1 + 2)
    # Z = conv2d(X, K) + b1 with b1 = −1: [[−1, 6, 7], [1, −4, 3], [4, −1, 5]] + 1
    ("cnn-pool-svm", "Z", "[[0, 7, 8], [2, -3, 4], [5, 0, 6]]", "bias forgotten: Z without b1"),
])
def test_bias_forgotten(tmp_path: Path, problem: str, name: str, wrong: str, named: str) -> None:
    assert _mistake(tmp_path, problem, name, wrong) == named


def test_softmax_cross_entropy_gradient_without_onehot(tmp_path: Path) -> None:
    """multihead: ∂L/∂s1 = p1 − onehot(0) with p1 = softmax(3, 3, 3, 3) = (1/4, …); written as p1. A small
    softmax problem: s = W·x = (0, 1, 1), y = 2, p = (1, e, e)/(1 + 2e); written as p."""
    named = "softmax + cross-entropy gradient without − onehot"
    assert _mistake(tmp_path, "multihead", "dL/ds1", "[1/4, 1/4, 1/4, 1/4]") == named
    (tmp_path / "softmax.yaml").write_text(SOFTMAX, encoding="utf-8")
    solution = api.solve_file(tmp_path / "softmax.yaml")[0]
    assert _mistake(tmp_path, solution, "dL/ds", "[1/(1 + 2*e), e/(1 + 2*e), e/(1 + 2*e)]") == named
    assert _mistake(tmp_path, solution, "dL/ds", "[1/(1 + 2*e), e/(1 + 2*e), -1/(1 + 2*e)]") == ""


@pytest.mark.parametrize(("problem", "wrong", "named"), [
    ("lstm", "3608000", "bias convention: the PyTorch count"),  # 2 layers × 4 gates × 500 biases more
    ("gru-params", "443904", "bias convention: the textbook count"),  # 445440 − 2·3·256 (one bias vector)
])
def test_bias_convention_of_a_parameter_count(tmp_path: Path, problem: str, wrong: str, named: str) -> None:
    assert _mistake(tmp_path, problem, "total", wrong) == named


@pytest.mark.parametrize(("problem", "name", "wrong", "named"), [
    # x₁ = x₀ − η·f′(x₀) = 2 − 0.13·12 = 0.44 (f′(x) = 4x³ − 3x² − 4x, f′(2) = 12)
    ("gradient-descent", "x_1", "-10", "learning rate not applied"),  # 2 − 12
    ("gradient-descent", "x_1", "1.7972", "learning rate applied twice"),  # 2 − 0.0169·12
    ("gradient-descent", "x_1", "3.56", "gradient ascent instead of descent"),  # 2 + 1.56
    # W1 = [[1, −1], [2, 1/2]], ∂L/∂W1 = [[0, 0], [34, 68]], η = 1/10: W1_new = [[1, −1], [−7/5, −63/10]]
    ("one-output-unit", "W1_new", "[[1, -1], [-32, -135/2]]", "learning rate not applied"),
    ("one-output-unit", "W1_new", "[[1, -1], [83/50, -9/50]]", "learning rate applied twice"),
    ("one-output-unit", "W1_new", "[[1, -1], [27/5, 73/10]]", "gradient ascent instead of descent"),
    # relu-net-step: W1 = [[1, −1], [1/2, 0]], ∂L/∂W1 = [[1, 0], [2, 0]], η = 1: W1 + ∂L/∂W1
    ("relu-net-step", "W1_new", "[[2, -1], [5/2, 0]]", "gradient ascent instead of descent"),
])
def test_learning_rate_and_direction_of_an_update(tmp_path: Path, problem: str, name: str, wrong: str, named: str) -> None:
    assert _mistake(tmp_path, problem, name, wrong) == named


def test_descent_instead_of_ascent(tmp_path: Path) -> None:
    """gan: the discriminator climbs V_D (Wd1_new = Wd1 + η·∂V_D/∂Wd1); Wd1 − η·∂V_D/∂Wd1 is the slip."""
    solution = _solve("gan")
    steps, update = list(solution.steps), None
    while steps and update is None:
        step = steps.pop(0)
        update = step.record if isinstance(step.record, Update) and step.record.param == "Wd1" else None
        steps[:0] = step.substeps
    assert update is not None and update.ascent
    wrong = update.old - update.rate * update.gradient
    assert _mistake(tmp_path, solution, "Wd1_new", wrong) == "gradient descent instead of ascent"


@pytest.mark.parametrize(("problem", "wrong", "named"), [
    ("mlp-binary", "ln(1 + e^-1)/ln(10)", "log base 10 instead of ln"),  # L = ln(1 + e^(−s)), s = 1
    ("mlp-binary", "0.45", ""),  # ln(1 + e⁻¹)/ln 2 = 0.4515…: at two decimals, not a claim of log₂
    ("multihead", "3", "log base 2 instead of ln"),  # L = −ln(1/4) − ln(1 − 1/2) = 3 ln 2; log₂: 3
    ("multihead", "3*ln(2)/ln(10)", "log base 10 instead of ln"),
])
def test_log_base(tmp_path: Path, problem: str, wrong: str, named: str) -> None:
    assert _mistake(tmp_path, problem, "L", wrong) == named


def test_an_unexplained_value_is_only_incorrect(tmp_path: Path) -> None:
    """Values no slip produces: no name, through the CLI in every format."""
    file = tmp_path / "answers.yaml"
    file.write_text("answers:\n  h: [1, 1, 1]\n  L: 7\n  dL/dW: [[1, 2], [3, 4], [5, 6]]\n", encoding="utf-8")
    result = run_cli("check", PROBLEMS / "mlp-binary.yaml", file)
    assert result.exit_code == 5
    assert result.stdout.count("✗ incorrect") == 3 and "✗ incorrect:" not in result.stdout, result.stdout
    data = json.loads(run_cli("check", PROBLEMS / "mlp-binary.yaml", file, "-f", "json").stdout)
    assert [(a["status"], a["mistake"]) for a in data["answers"]] == [("incorrect", None)] * 3  # no mistake named


def test_a_named_mistake_through_the_cli(tmp_path: Path) -> None:
    """The name reaches the text and the JSON."""
    file = tmp_path / "answers.yaml"
    file.write_text("answers:\n  h: [-1, 2, 1]\n", encoding="utf-8")
    result = run_cli("check", PROBLEMS / "mlp-binary.yaml", file)
    assert "h  ✗ incorrect: bias forgotten: h without b" in result.stdout, result.stdout
    data = json.loads(run_cli("check", PROBLEMS / "mlp-binary.yaml", file, "-f", "json").stdout)
    assert [a["mistake"] for a in data["answers"]] == ["bias forgotten: h without b"]


@pytest.mark.parametrize("problem", ["mlp-binary", "multihead", "relu-net-step", "one-output-unit", "conv1d-backprop",
                                     "cnn-pool-svm", "gradient-descent", "lstm", "gru-params", "micrograd"])
def test_a_right_value_never_gets_a_name(tmp_path: Path, problem: str) -> None:
    """Every quantity's own value: accepted by check, and no rule fires on it even when asked directly."""
    solution = _solve(problem)
    known = {q.name: q for q in quantities(solution).values()
             if not getattr(q.value, "free_symbols", None) and not isinstance(q.value, Approximate)}
    for quantity in known.values():
        assert diagnose(quantity.value, quantity, solution) == "", (problem, quantity.name)
    small = {name: q.value for name, q in known.items() if not isinstance(q.value, sp.MatrixBase) or len(q.value) <= 16}
    for name, (status, mistake) in _judge(tmp_path, solution, dict(list(small.items())[:12])).items():
        assert (status, mistake) == ("correct", ""), (problem, name)

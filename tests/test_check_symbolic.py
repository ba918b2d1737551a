"""``dlsolve check`` on symbolic problems: answers are forms in the problem's symbols (issue 16).

A form is judged by the kind's own step checker, so the property tests use the problem files'
derivations as the source of right answers: every form of a derivation equals its answer (each step is
checked when the problem is solved, and the problems' answers are checked against PyTorch autograd in
tests/test_symbolic_backprop.py). The seed 000 errata are derived in the tests: the count by hand at
m = 2, n = 1, the swapped derivatives with PyTorch float64 autograd.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import torch
from helpers import PROBLEMS, run_cli
from helpers.bad_specs import assert_one_clean_error

from solver import api
from solver.check import Report, check
from solver.check.answers import Given
from solver.check.compare import CORRECT, INCORRECT, Written

FC = PROBLEMS / "fc-layer-symbolic.yaml"
BACKPROP = PROBLEMS / "backprop-symbolic.yaml"
SYMBOLIC = [FC, BACKPROP, PROBLEMS / "identities.yaml"]
ERRATA = PROBLEMS / "answers" / "fc-layer-symbolic-seed-errata.yaml"


@functools.cache
def _solved(path: Path) -> tuple:
    problem = api.load(path)[0]
    return problem, api.solve(problem)


def _check(path: Path, answers: dict[str, str]) -> Report:
    problem, solution = _solved(path)
    return check(solution, [Given(name, Written(text, (text,))) for name, text in answers.items()], problem)


def _verdicts(report: Report) -> dict[str, tuple[str, str]]:
    return {j.given.name: (j.verdict.status, j.mistake) for j in report.judged}


# --- every form of every derivation is right; its negation is a sign error --------------------------


@pytest.mark.parametrize("path", SYMBOLIC, ids=lambda p: p.stem)
def test_every_form_of_a_derivation_is_correct(path: Path) -> None:
    problem, _ = _solved(path)
    for derivation in problem.spec.derivations:
        forms = [step.form for step in derivation.steps]
        answers = {derivation.name: " = ".join(forms)}
        report = _check(path, answers)
        assert report.all_correct, (derivation.name, report.judged[0].verdict)  # (each line against the answer)


@pytest.mark.parametrize("path", SYMBOLIC, ids=lambda p: p.stem)
def test_the_negated_answer_is_a_sign_error(path: Path) -> None:
    problem, solution = _solved(path)
    numbers = {a.name: a.value for a in solution.answers}
    tried = 0
    for derivation in problem.spec.derivations:
        if numbers[derivation.name] == 0:
            continue
        report = _check(path, {derivation.name: f"-({derivation.steps[-1].form})"})
        assert _verdicts(report)[derivation.name] == (INCORRECT, "sign error"), derivation.name
        tried += 1
    assert tried >= 5


def test_a_shape_is_read_in_its_usual_spellings() -> None:
    """∂h/∂x is m×n in the Jacobian layout; w (a vector) is a column, m×1 or m alone."""
    for text in ("m x n", "m×n", "(m, n)", "[m, n]", "m*n"):
        assert _check(FC, {"shape of dh[i]/dx[l]": text}).all_correct, text
    assert _check(FC, {"shape of w": "m"}).all_correct
    wrong = _check(FC, {"shape of dh[i]/dx[l]": "n x m", "shape of w": "1 x m"})
    assert _verdicts(wrong) == {"shape of dh[i]/dx[l]": (INCORRECT, "transposed shape: row versus column layout"),
                                "shape of w": (INCORRECT, "transposed shape: row versus column layout")}


# --- the named mistakes of a form, each on two problems -----------------------------------------------


@pytest.mark.parametrize("path, name, text, mistake", [
    (FC, "dL/ds", "y - sigmoid(s)", "sign error"),
    (BACKPROP, "dL/dy", "2*(y_true - y)", "sign error"),
    # n − 1 additions for each of m entries, written (m − 1)·n
    (FC, "additions", "(m - 1)*n + m", "m and n exchanged (rows versus columns)"),
    (FC, "dh[i]/dx[l]", "W[l, i]", "i and l exchanged (a transposed matrix)"),
    (BACKPROP, "dL/dW2[j,k]", "2*(y - y_true) * W1[j] * derivative(f, t[j]) * X[k]",
     "j and k exchanged (a transposed matrix)"),
    (FC, "dL/dw[k]", "(sigmoid(s) - y) * w[k]", "this is dL/dhp[k]: dL/dw[k] and dL/dhp[k] swapped"),
    (BACKPROP, "dL/dW1[k]", "2*(y - y_true) * W1[k]", "this is dL/dh[k]: dL/dW1[k] and dL/dh[k] swapped"),
    (BACKPROP, "W1_new[k]", "W1[k] + 2*gamma*(y - y_true) * h[k]", "gradient ascent instead of descent"),
    (BACKPROP, "W2_new[j,k]", "W2[j, k] + 2*gamma*(y - y_true) * W1[k] * derivative(f, t[k]) * X[j]",
     "gradient ascent instead of descent"),
    (BACKPROP, "W1_new[k]", "W1[k] - 2*(y - y_true) * h[k]", "learning rate not applied"),
    (BACKPROP, "dL/dX[j]", "2*(y - y_true) * W1[k] * derivative(f, t[k]) * W2[j, k]",
     "missing fan-in sum: one term of a sum only"),
    (BACKPROP, "dL/dX[j]", "2*(y - y_true) * W1[0] * derivative(f, t[0]) * W2[j, 0]",
     "missing fan-in sum: one term of a sum only"),
    (FC, "dL/dh[k]", "(sigmoid(s) - y) * step(h[k])", "w[k] left out"),
])
def test_a_named_mistake(path: Path, name: str, text: str, mistake: str) -> None:
    assert _verdicts(_check(path, {name: text}))[name] == (INCORRECT, mistake)


@pytest.mark.parametrize("path, name, text", [
    (FC, "dL/ds", "sigmoid(s) - 2*y"),
    (BACKPROP, "dL/dW2[j,k]", "2*(y - y_true) * X[j]"),
    (FC, "additions", "m*n + 1"),
])
def test_an_unexplained_wrong_form_is_only_incorrect(path: Path, name: str, text: str) -> None:
    assert _verdicts(_check(path, {name: text}))[name] == (INCORRECT, "")


def test_a_chain_names_its_first_wrong_line() -> None:
    report = _check(FC, {"dL/ds": "-(y*(1 - sigmoid(s)) - (1 - y)*sigmoid(s)) = y - sigmoid(s)"})
    verdict = report.judged[0].verdict
    assert verdict.status == INCORRECT
    assert verdict.detail == "line 2 of 2, y − σ(s), does not equal line 1, which is right"
    assert report.judged[0].mistake == "sign error"


# --- the seed errata (final exam, question 1) ---------------------------------------------------------


def test_the_additions_count_erratum_by_hand() -> None:
    """m = 2 entries of n = 1 product each: h_i = W_i1·x_1 + b_i takes one addition, so 2 = m·n in all;
    the printed (m − 1)·n + m gives 3 there."""
    m, n = 2, 1
    by_hand = sum((n - 1) + 1 for _ in range(m))
    assert by_hand == m * n == m * (n - 1) + m and (m - 1) * n + m == 3


def test_the_swapped_jacobians_erratum_with_torch() -> None:
    """∂L/∂w = (σ(s) − y)·h′ and ∂L/∂h′ = (σ(s) − y)·w (autograd); the printed forms swap them."""
    torch.manual_seed(3)
    w = torch.randn(4, dtype=torch.float64, requires_grad=True)
    hp = torch.randn(4, dtype=torch.float64, requires_grad=True)
    y = 1.0
    s = w @ hp
    loss = torch.nn.functional.binary_cross_entropy_with_logits(s, torch.tensor(y, dtype=torch.float64))
    loss.backward()
    factor = torch.sigmoid(s).item() - y
    assert torch.allclose(w.grad, factor * hp.detach()) and not torch.allclose(w.grad, factor * w.detach())
    assert torch.allclose(hp.grad, factor * w.detach()) and not torch.allclose(hp.grad, factor * hp.detach())


def test_the_seed_000_errata_are_found_with_their_steps() -> None:
    result = run_cli("check", FC, ERRATA, "-f", "json")
    assert result.exit_code == 5, result.output
    report = json.loads(result.stdout)
    verdicts = {a["name"]: (a["status"], a["mistake"], a["step"]) for a in report["answers"]}
    assert report["first_wrong"] == {"name": "additions", "step": verdicts["additions"][2]}
    assert verdicts["additions"][:2] == (INCORRECT, "m and n exchanged (rows versus columns)")
    assert verdicts["dL/dw[k]"][:2] == (INCORRECT, "this is dL/dhp[k]: dL/dw[k] and dL/dhp[k] swapped")
    assert verdicts["dL/dhp[k]"][:2] == (INCORRECT, "this is dL/dw[k]: dL/dhp[k] and dL/dw[k] swapped")
    right = {name for name, (status, _, _) in verdicts.items() if status == CORRECT}
    assert right == {"multiplications", "shape of w", "shape of dhp[i]/dh[k]", "shape of dL/dhp[k]", "dL/ds",
                     "dL/dW[k,l]"}
    assert report["score"] == 6 and report["total"] == 9


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_the_errata_report_in_every_format(fmt: str) -> None:
    result = run_cli("check", FC, ERRATA, "-f", fmt, "--reveal")
    assert result.exit_code == 5
    assert "m and n exchanged (rows versus columns)" in " ".join(result.stdout.split())  # text wraps at 80
    if fmt == "text":
        assert max(len(line) for line in result.stdout.splitlines()) <= 80
    if fmt == "latex":
        assert r"\partial L/\partial \text{hp}_{k}" in result.stdout  # names as mathematics
    else:
        assert "(sigmoid" not in result.stdout  # expected values printed as mathematics, not as typed


# --- where the answers come from, and bad input -----------------------------------------------------------


def test_a_symbolic_key_in_the_problem_file_and_a_class(tmp_path: Path) -> None:
    keyed = tmp_path / "fc.yaml"
    keyed.write_text(FC.read_text(encoding="utf-8") + "answers:\n  dL/ds: sigmoid(s) - y\n  additions: m*n\n",
                     encoding="utf-8")
    result = run_cli("check", keyed)
    assert result.exit_code == 0 and "Score: 2 of 2 points." in result.stdout, result.output
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ana.yaml").write_text("dL/ds: sigmoid(s) - y\n", encoding="utf-8")
    (folder / "ivo.yaml").write_text("dL/ds: y - sigmoid(s)\n", encoding="utf-8")
    scores = tmp_path / "scores.csv"
    assert run_cli("check", FC, "--answers-dir", folder, "-o", scores).exit_code == 5
    rows = scores.read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("ana,1,1,") and rows[2].startswith("ivo,0,1,")


@pytest.mark.parametrize("text, words", [
    ("dL/ds: 2x\n", "cannot read '2x' as a form"),
    ("dL/ds: sigmoid(q) - y\n", "'q'"),
    ("dL/dq: 1\n", "not a quantity of this problem"),
    ("shape of w: m x p\n", "cannot read 'm x p' as a shape"),
    ("dL/ds: {a: 1}\n", "unknown field"),
    ("dL/ds: [[1, 2]]\n", "expected a form as text"),
    ("dL/ds: σ(s) - y\n", "σ"),
])
def test_bad_symbolic_answers_get_one_message(tmp_path: Path, text: str, words: str) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(text, encoding="utf-8")
    out = tmp_path / "report.txt"
    result = run_cli("check", FC, answers, "-o", out)
    stderr = assert_one_clean_error(result, answers, out, 3)
    assert stderr.startswith(f"dlsolve: error: {answers}:1: "), stderr
    assert words in stderr, stderr


def test_the_library_check_takes_a_mapping_or_a_file() -> None:
    """solver.api.check(problem, answers): mlp-binary's s = wᵀh′ = 2 − 1 + 0 = 1 (by hand), and the
    symbolic ∂L/∂s = σ(s) − y written with the opposite sign."""
    mlp = api.load(PROBLEMS / "mlp-binary.yaml")[0]
    report = api.check(mlp, {"s": 1, "L": "ln(2)"})
    assert [(j.given.name, j.verdict.status) for j in report.judged] == [("s", CORRECT), ("L", INCORRECT)]
    assert api.check(_solved(FC)[0], {"dL/ds": "y - sigmoid(s)"}).judged[0].mistake == "sign error"
    assert api.check(api.load(FC)[0], ERRATA).first_wrong.quantity.name == "additions"
    with pytest.raises(api.SpecError, match="not a quantity of this problem"):
        api.check(mlp, {"q": 1})

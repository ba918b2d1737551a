"""``dlsolve check``: a student's answers judged value by value (issue 16, first part).

Expected values come from the solutions dlsolve computes (themselves checked against PyTorch and
finite differences elsewhere); what is tested here is the judging: another exact form of the right
value always passes (property test over the bank), decimals pass when they round the exact value at
the digits written, a transposed vector is reported as such, and the first wrong step is the earliest
wrong quantity whose inputs are right.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp
from helpers import PROBLEM_FILES, PROBLEMS, run_cli
from helpers.bad_specs import assert_one_clean_error

from solver import api
from solver.check import check
from solver.check.answers import Given, written
from solver.check.compare import CORRECT, DECIMALS, INCORRECT, SHAPE, compare
from solver.check.quantities import quantities
from solver.numbers import NumberError

MLP = PROBLEMS / "mlp-binary.yaml"  # h = Wx + b = (1, 1, −1), s = 1, L = ln(1 + e⁻¹), ∂L/∂w = −σ(−1)·(1, 1, 0)


def _answers(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "answers.yaml"
    file.write_text(text, encoding="utf-8")
    return file


def _other_form(value: sp.Expr) -> str:
    """The same number written another way, in the syntax answers files use (e^x, no sympy names): over a
    common denominator with σ written out (a large form as sympy prints it, not as dlsolve does)."""
    if value.count_ops() <= 25:  # (rewriting a larger form can take long)
        other = sp.together(sp.expand(value.rewrite(sp.exp)))
        value = other if other.count_ops() <= 80 else value
    text = sp.sstr(value, order="none")  # (sympy's default order sorts terms numerically: slow on large forms)
    return text.replace("**", "^").replace("E", "e").replace("log(", "ln(")


# every problem whose quantities are numbers (a symbolic problem's answers are general forms)
BANK = [path.stem for path in PROBLEM_FILES if "kind: symbolic" not in path.read_text(encoding="utf-8")]


@pytest.mark.parametrize("name", BANK)
def test_every_value_of_the_solution_passes_in_another_exact_form(name: str) -> None:
    solution = api.solve_file(PROBLEMS / f"{name}.yaml")[0]
    tried = 0
    for quantity in quantities(solution).values():
        value = quantity.value
        if not isinstance(value, (sp.Basic, int)) or (isinstance(value, sp.Basic) and value.free_symbols):
            continue
        if isinstance(value, sp.MatrixBase):
            if len(value) > 40 or any(sp.sympify(v).count_ops() > 30 for v in value):
                continue
            text = [[_other_form(value[i, j]) for j in range(value.cols)] for i in range(value.rows)]
        elif sp.sympify(value).count_ops() > 30:
            continue
        else:
            text = _other_form(sp.sympify(value))
        try:
            student = written(text)
        except NumberError:  # beyond what an answers file accepts (200 parts): a student writes decimals
            continue
        verdict = compare(student, value, quantity.name)
        assert verdict.status == CORRECT, (name, quantity.name, text, verdict)
        tried += 1
    assert tried >= 1


@pytest.mark.parametrize(("text", "status"), [
    ("0.27", DECIMALS),  # σ(−1) = 0.268941…: rounds to 0.27 at two decimals
    ("0.2689", DECIMALS),
    ("0.26894142", DECIMALS),
    ("0.26", INCORRECT),  # not a rounding of 0.2689 at two decimals
    ("0.2690", INCORRECT),  # four decimals claimed: 0.2689
    ("1/(1 + e)", CORRECT),
    ("e^-1/(1 + e^-1)", CORRECT),
    ("sigmoid(-1)", CORRECT),
])
def test_decimals_count_at_the_digits_written(text: str, status: str) -> None:
    expected = 1 / (1 + sp.E)
    assert compare(written(text), expected, "p").status == status


def test_a_transposed_vector_is_named() -> None:
    column = sp.Matrix([1, 2, 3])
    verdict = compare(written([[1, 2, 3]]), column, "∂L/∂h")
    assert verdict.status == SHAPE
    assert verdict.detail == "you wrote a 1×3 row, ∂L/∂h is 3×1 column: transposed?"
    assert compare(written([1, 2, 3]), sp.Matrix([[1, 2, 3]]), "g").status == CORRECT  # a flat list fits either


def test_a_tolerance_accepts_close_values() -> None:
    assert compare(written("0.25"), sp.Rational(1, 4) + sp.Rational(1, 1000), "x", tolerance=0.01).accepted
    assert not compare(written("0.25"), sp.Rational(1, 4) + sp.Rational(1, 10), "x", tolerance=0.01).accepted


def test_the_first_wrong_step_is_the_earliest_wrong_one_with_right_inputs() -> None:
    solution = api.solve_file(MLP)[0]
    given = [Given("h", written([1, 1, -1])), Given("hr", written([1, 1, 1])),  # ReLU(−1) taken as −1 → 1? wrong
             Given("s", written("2")), Given("L", written("ln(1 + e^-2)"))]
    report = check(solution, given)
    assert [j.verdict.status for j in report.judged] == [CORRECT, INCORRECT, INCORRECT, INCORRECT]
    assert report.first_wrong is not None and report.first_wrong.quantity.name == "hr"  # s and L follow from it
    assert report.score == 1 and report.total == 4


def test_cli_reports_and_exits_5_when_some_are_wrong(tmp_path: Path) -> None:
    answers = _answers(tmp_path, "answers:\n  h: [1, 1, -1]\n  s: 2\n  dL/dw: [-0.2689, -0.2689, 0]\n")
    result = run_cli("check", MLP, answers)
    assert result.exit_code == 5, result.stderr
    assert "✓ correct" in result.stdout and "✗ incorrect  ← first wrong step" in result.stdout
    assert "✓ correct to the decimals given" in result.stdout
    assert "Score: 2 of 3 points. First wrong step: 2.3 s." in result.stdout
    assert "expected" not in result.stdout  # only with --reveal
    assert "expected 1" in run_cli("check", MLP, answers, "--reveal").stdout


def test_cli_exits_0_when_all_are_right_and_reads_aliases(tmp_path: Path) -> None:
    answers = _answers(tmp_path, "h: [1, 1, -1]\nL: ln(1 + exp(-1))\ngrad_W: [[-2*sigmoid(-1), -4*sigmoid(-1)], "
                                 "[sigmoid(-1), 2*sigmoid(-1)], [0, 0]]\n")
    result = run_cli("check", MLP, answers)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Score: 3 of 3 points." in result.stdout


def test_json_has_one_verdict_per_answer(tmp_path: Path) -> None:
    answers = _answers(tmp_path, "answers:\n  h: {value: [1, 1, -1], points: 2}\n  s: 2\n")
    document = json.loads(run_cli("check", MLP, answers, "-f", "json", "--reveal").stdout)
    assert document["score"] == 2 and document["total"] == 3 and document["all_correct"] is False
    assert document["first_wrong"] == {"name": "s", "step": "2.3"}
    assert [(a["name"], a["status"], a["earned"]) for a in document["answers"]] == [("h", "correct", 2), ("s", "incorrect", 0)]
    assert document["answers"][1]["expected"]["exact"] == "Matrix([[1]])" or document["answers"][1]["expected"]["value"] in (1, [[1]])
    hidden = json.loads(run_cli("check", MLP, answers, "-f", "json").stdout)
    assert all("expected" not in a for a in hidden["answers"])


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_other_formats(tmp_path: Path, fmt: str) -> None:
    answers = _answers(tmp_path, "h: [1, 1, -1]\ns: 2\n")
    result = run_cli("check", MLP, answers, "-f", fmt, "--reveal")
    assert result.exit_code == 5
    assert "first wrong step" in result.stdout and "Score: 1 of 2 points" in result.stdout


@pytest.mark.parametrize(("text", "line", "words"), [
    ("answers:\n  h: [1, 1, -1]\n  q: 3\n", 3, "q: not a quantity of this problem; its quantities: h"),
    ("answers:\n  h: 2x\n", 2, "answers.h: cannot read '2x'"),
    ("answers:\n  h: {value: 1, weight: 2}\n", 2, "answers.h.weight: unknown field; allowed: value, points, tolerance"),
    ("answers:\n  h: {value: 1, points: -1}\n", 2, "expected a non-negative number of points"),
    ("answers: {h: 1}\nextra: 1\n", 2, "extra: unknown field; allowed: answers, tolerance"),
    ("- 1\n- 2\n", 1, "expected a mapping of quantity names to values"),
])
def test_bad_answers_files_get_one_message(tmp_path: Path, text: str, line: int, words: str) -> None:
    answers = _answers(tmp_path, text)
    out = tmp_path / "report.txt"
    result = run_cli("check", MLP, answers, "-o", out)
    stderr = assert_one_clean_error(result, answers, out, 3)
    assert stderr.startswith(f"dlsolve: error: {answers}:{line}: "), stderr
    assert words in stderr, stderr


def test_the_example_answers_files() -> None:
    """problems/answers/: one file all right (exit 0), one with an early mistake (exit 5, h′ named)."""
    examples = PROBLEMS / "answers"
    right = run_cli("check", MLP, examples / "mlp-binary-correct.yaml")
    assert right.exit_code == 0 and "Score: 9 of 9 points." in right.stdout
    early = run_cli("check", MLP, examples / "mlp-binary-early-mistake.yaml")
    assert early.exit_code == 5
    assert "Score: 1 of 4 points. With carried-forward credit: 3. First wrong step: 2.2 hr." in early.stdout


def test_a_sign_error_is_named(tmp_path: Path) -> None:
    """The right value with the opposite sign: h = (1, 1, −1) written (−1, −1, 1), s = 1 written −1."""
    answers = _answers(tmp_path, "answers:\n  h: [-1, -1, 1]\n  s: -1\n  L: 0\n")
    result = run_cli("check", MLP, answers)
    assert "h  ✗ incorrect: sign error" in result.stdout and "s  ✗ incorrect: sign error" in result.stdout
    assert "L  ✗ incorrect\n" in result.stdout  # L = 0 is not −L: no name


# Error carried forward on mlp-binary (x = (1, 2), W, b as given, w = (2, −1, 1), y = 1): with the
# student's h′ = (1, 1, −1) (ReLU(−1) taken as −1), by hand: s = wᵀh′ = 2 − 1 − 1 = 0, L = ln(1 + e⁰) =
# ln 2, ∂L/∂s = σ(0) − 1 = −1/2 and ∂L/∂w = ∂L/∂s·h′ᵀ = (−1/2, −1/2, 1/2).
CARRIED = "answers:\n  h: [1, 1, -1]\n  hr: [1, 1, -1]\n  s: 0\n  L: ln(2)\n  dL/dw: [[-1/2, -1/2, 1/2]]\n"


def test_values_following_a_wrong_one_are_judged_from_it(tmp_path: Path) -> None:
    result = run_cli("check", MLP, _answers(tmp_path, CARRIED), "-f", "json")
    assert result.exit_code == 5
    document = json.loads(result.stdout)
    rows = {a["name"]: a for a in document["answers"]}
    assert rows["hr"]["status"] == "incorrect" and rows["hr"]["carried_from"] == []
    for name in ("s", "L", "dL/dw"):
        assert rows[name]["status"] == "incorrect" and rows[name]["carried_from"] == ["hr"], rows[name]
        assert rows[name]["earned"] == 0 and rows[name]["earned_carried"] == 1
    assert document["score"] == 1 and document["score_carried"] == 4 and document["first_wrong"]["name"] == "hr"
    text = run_cli("check", MLP, _answers(tmp_path, CARRIED)).stdout
    assert "s      ✗ incorrect, consistent with your hr (error carried forward)" in text
    assert "With carried-forward credit: 4." in text


def test_a_second_mistake_is_not_carried(tmp_path: Path) -> None:
    """s = 5 follows from no h′: a new mistake; L = ln(1 + e^−5) then follows from the student's s."""
    answers = CARRIED.replace("s: 0", "s: 5").replace("L: ln(2)", "L: ln(1 + e^-5)")
    rows = {a["name"]: a for a in json.loads(run_cli("check", MLP, _answers(tmp_path, answers), "-f", "json").stdout)["answers"]}
    assert rows["s"]["carried_from"] == [] and rows["L"]["carried_from"] == ["hr", "s"]


def test_a_part_made_trivial_earns_no_carried_credit(tmp_path: Path) -> None:
    """h′ = 0 (every ReLU taken as off): s = wᵀ0 = 0 follows, but multiplying by 0 is no work."""
    answers = "answers:\n  hr: [0, 0, 0]\n  s: 0\n"
    rows = {a["name"]: a for a in json.loads(run_cli("check", MLP, _answers(tmp_path, answers), "-f", "json").stdout)["answers"]}
    assert rows["s"]["carried_from"] == ["hr"] and rows["s"]["credited"] is False and rows["s"]["earned_carried"] == 0


def test_carried_forward_on_a_second_problem(tmp_path: Path) -> None:
    """sigmoid-neuron (a = w0·x0, b = w1·x1, c = a + b with w = (2, −3, −3), x = (−1, −2)): a = −2 written
    as 2 (a sign error); then, by hand, c = 2 + 6 = 8 follows from it, while b = 6 does not depend on a."""
    problem = PROBLEMS / "sigmoid-neuron.yaml"
    names = [q.name for q in quantities(api.solve_file(problem)[0]).values()]
    assert names[:3] == ["a", "b", "c"], names
    answers = _answers(tmp_path, "a: 2\nb: 6\nc: 8\n")
    rows = {a["name"]: a for a in json.loads(run_cli("check", problem, answers, "-f", "json").stdout)["answers"]}
    assert rows["a"]["mistake"] == "sign error" and rows["b"]["status"] == "correct"
    assert rows["c"]["carried_from"] == ["a"] and rows["c"]["earned_carried"] == 1

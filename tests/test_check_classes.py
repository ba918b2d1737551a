"""``dlsolve check`` (issue 16): an instructor's key inside the problem file, a class's folder of answers
files as a CSV of scores, and the seed papers' printed mistakes (their errata) as acceptance tests.

Expected values: the seed errata are derived in the tests (and the gradients cross-checked with PyTorch
autograd in float64); step numbers are read from ``dlsolve run``'s own text, a route apart from the
checker's; scores are counted by hand from the answers files.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import pytest
import torch
from helpers import PROBLEMS, run_cli
from helpers.bad_specs import assert_one_clean_error

MLP = PROBLEMS / "mlp-binary.yaml"  # h = (1, 1, −1), h′ = (1, 1, 0), s = 1, L = ln(1 + e⁻¹)
ANSWERS = PROBLEMS / "answers"
MULTIHEAD = PROBLEMS / "multihead.yaml"
RELU_NET = PROBLEMS / "relu-net-step.yaml"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _keyed(tmp_path: Path, key: str, name: str = "keyed.yaml") -> Path:
    """mlp-binary.yaml with an ``answers:`` section appended."""
    return _write(tmp_path / name, MLP.read_text(encoding="utf-8") + key)


def _line_of(file: Path, text: str) -> int:
    """The last line that starts with ``text`` (after its indent): the key is at the end of the file."""
    lines = file.read_text(encoding="utf-8").splitlines()
    return max(n for n, line in enumerate(lines, 1) if line.strip().startswith(text))


def _verdicts(problem: Path, answers: Path, *extra: str) -> tuple[int, dict]:
    result = run_cli("check", problem, answers, "-f", "json", *extra)
    return result.exit_code, json.loads(result.stdout)


def _run_step(problem: Path, name: str) -> str:
    """The number ``dlsolve run`` prints before the step that derives ``name`` (the checker's steps must be these)."""
    text = run_cli("run", problem, "--no-color").stdout
    numbers = re.findall(rf"^\s+(\d+(?:\.\d+)+)\s+{re.escape(name)}(?:\s+\(given\))?\s*$", text, re.MULTILINE)
    assert len(numbers) == 1, numbers
    return numbers[0]


# --- 1. an instructor's key in the problem file ------------------------------------------------------


def test_key_in_the_problem_file_is_checked_without_an_answers_file(tmp_path: Path) -> None:
    right = _keyed(tmp_path, "answers:\n  h: [1, 1, -1]\n  hr: [1, 1, 0]\n  s: 1\n  L: ln(1 + e^-1)\n")
    result = run_cli("check", right)
    assert result.exit_code == 0, result.stderr
    assert "Score: 4 of 4 points." in result.stdout
    wrong = _keyed(tmp_path, "answers:\n  h: [1, 1, -1]\n  s: {value: 2, points: 3}\n", "wrong.yaml")
    result = run_cli("check", wrong, "-f", "json", "--reveal")
    assert result.exit_code == 5
    report = json.loads(result.stdout)
    assert (report["score"], report["total"]) == (1, 4)  # h right (1 point), s = 1 not 2 (3 points)
    assert report["first_wrong"]["name"] == "s"


def test_run_ignores_the_key(tmp_path: Path) -> None:
    keyed = _keyed(tmp_path, "answers:\n  h: [9, 9, 9]\n")
    plain = json.loads(run_cli("run", MLP, "-f", "json").stdout)
    result = run_cli("run", keyed, "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["answers"] == plain["answers"]


@pytest.mark.parametrize(("key", "field", "words"), [
    ("answers:\n  h: [1, 1, -1]\n  s: 2x\n", "answers.s", "write 2*x"),
    ("answers:\n  h: {value: [1, 1, -1], pts: 2}\n", "answers.h.pts", "unknown field; allowed: value, points"),
    ("answers:\n  h: {points: 2}\n", "answers.h", "missing field 'value'"),
    ("answers:\n  s: {value: 1, points: -1}\n", "answers.s.points", "non-negative number of points"),
    ("answers: [1, 2]\n", "answers", "expected a mapping of quantity names to values"),
    ("answers: {}\n", "answers", "expected a mapping of quantity names to values"),
])
@pytest.mark.parametrize("command", ["run", "check"])
def test_a_bad_key_is_one_clean_error_at_its_line(tmp_path: Path, key: str, field: str, words: str,
                                                  command: str) -> None:
    problem = _keyed(tmp_path, key)
    out = tmp_path / "out.txt"
    stderr = assert_one_clean_error(run_cli(command, problem, "-o", out), problem, out, 3)
    line = _line_of(problem, field.split(".")[1] + ":" if "." in field else "answers:")
    assert stderr.startswith(f"dlsolve: error: {problem}:{line}: {field}: "), stderr
    assert words in stderr and stderr.count("\n") == 1


def test_a_key_naming_no_quantity_is_reported_at_its_line_by_check(tmp_path: Path) -> None:
    problem = _keyed(tmp_path, "answers:\n  h: [1, 1, -1]\n  q: 3\n")
    assert run_cli("run", problem).exit_code == 0  # names are judged against the solution, by check
    out = tmp_path / "out.txt"
    stderr = assert_one_clean_error(run_cli("check", problem, "-o", out), problem, out, 3)
    assert stderr.startswith(f"dlsolve: error: {problem}:{_line_of(problem, 'q: 3')}: answers.q: not a quantity")


def test_no_answers_anywhere_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("check", MLP)
    assert result.exit_code == 2 and "no answers" in result.stderr and result.stdout == ""


def test_a_key_in_a_file_of_several_problems_is_read_with_its_path(tmp_path: Path) -> None:
    problem = _write(tmp_path / "two.yaml", "problems:\n  - kind: params\n    title: T\n"
                     "    given: {model: fc, sizes: [2, 3]}\n    answers: {total: 9x}\n")
    out = tmp_path / "out.txt"
    stderr = assert_one_clean_error(run_cli("run", problem, "-o", out), problem, out, 3)
    assert stderr.startswith(f"dlsolve: error: {problem}:5: problems[0].answers.total: ")


# --- 2. a class ----------------------------------------------------------------------------------------


def _class(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    for name, text in files.items():
        _write(folder / name, text)
    return folder


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_class_gives_one_row_per_student_in_the_solutions_order(tmp_path: Path) -> None:
    folder = _class(tmp_path, {
        "ann.yaml": (ANSWERS / "mlp-binary-correct.yaml").read_text(encoding="utf-8"),
        "bob.yaml": (ANSWERS / "mlp-binary-early-mistake.yaml").read_text(encoding="utf-8"),
        "notes.txt": "not an answers file",
    })
    result = run_cli("check", MLP, "--answers-dir", folder)
    assert result.exit_code == 5  # bob has wrong answers
    header = result.stdout.splitlines()[0].split(",")
    assert header[:5] == ["student", "score", "total", "first_wrong", "error"]
    rows = _rows(result.stdout)
    assert [r["student"] for r in rows] == ["ann", "bob"]
    # ann: 6 answers of 1 point and grad_W of 3; bob: h right, h′, s, L wrong (4 answers of 1 point)
    assert (rows[0]["score"], rows[0]["total"], rows[0]["first_wrong"]) == ("9", "9", "")
    assert (rows[1]["score"], rows[1]["total"]) == ("1", "4")
    hr_step = _run_step(MLP, "hr")
    assert rows[1]["first_wrong"] == f"{hr_step} hr"
    assert rows[1]["hr"] == rows[1]["s"] == "incorrect" and rows[1]["h"] == "correct" and rows[1]["∂L/∂W"] == ""
    assert rows[0]["∂L/∂b"] == "correct to the decimals given"
    steps = [tuple(int(p) for p in _run_step(MLP, name).split(".")) for name in header[5:]]
    assert steps == sorted(steps) and len(header) == 5 + 7  # ann answered 7 quantities, bob 4 of them


def test_an_unreadable_file_gets_an_error_row_and_exit_3(tmp_path: Path) -> None:
    folder = _class(tmp_path, {
        "ann.yaml": "h: [1, 1, -1]\n",
        "broken.yaml": "answers:\n  h: [1, 1\n",
        "stranger.yaml": "h: [1, 1, -1]\nq: 3\n",
    })
    out = tmp_path / "scores.csv"
    written = run_cli("check", MLP, "--answers-dir", folder, "-o", out)
    assert written.exit_code == 3 and written.stdout == "" and not out.exists()  # -o: only after a full success
    result = run_cli("check", MLP, "--answers-dir", folder)
    assert result.exit_code == 3
    rows = _rows(result.stdout)  # on the terminal, the whole CSV, the error rows in it
    assert [r["student"] for r in rows] == ["ann", "broken", "stranger"]
    assert rows[0]["score"] == "1" and rows[0]["error"] == ""
    assert rows[1]["score"] == "" and "broken.yaml:3: not valid YAML" in rows[1]["error"]
    assert f"stranger.yaml:{2}: q: not a quantity" in rows[2]["error"]
    assert result.stderr.count("dlsolve: error:") == 2


def test_a_class_all_right_exits_0(tmp_path: Path) -> None:
    folder = _class(tmp_path, {"ann.yaml": "h: [1, 1, -1]\n", "bob.yaml": "s: 1\nL: ln(1 + 1/e)\n"})
    result = run_cli("check", MLP, "--answers-dir", folder)
    assert result.exit_code == 0
    assert [r["score"] for r in _rows(result.stdout)] == ["1", "2"]


@pytest.mark.parametrize("extra", [("-f", "json"), ("--reveal",), ("ANSWERS",)])
def test_class_usage_errors(tmp_path: Path, extra: tuple[str, ...]) -> None:
    folder = _class(tmp_path, {"ann.yaml": "h: [1, 1, -1]\n"})
    arguments = [ANSWERS / "mlp-binary-correct.yaml"] if extra == ("ANSWERS",) else list(extra)
    out = tmp_path / "scores.csv"
    result = run_cli("check", MLP, *arguments, "--answers-dir", folder, "-o", out)
    assert_one_clean_error(result, MLP, out, 2)


def test_an_empty_class_and_a_bad_problem_write_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "scores.csv"
    assert "no answers files" in assert_one_clean_error(run_cli("check", MLP, "--answers-dir", empty, "-o", out),
                                                        MLP, out, 2)
    folder = _class(tmp_path, {"ann.yaml": "h: [1, 1, -1]\n"})
    bad = _keyed(tmp_path, "answers:\n  h: [1, 1, x]\n")
    assert_one_clean_error(run_cli("check", bad, "--answers-dir", folder, "-o", out), bad, out, 3)


# --- 3. the seed errata --------------------------------------------------------------------------------


def test_midterm_q3_loss_sign_is_the_one_wrong_value() -> None:
    """Seed 002, Q3: L = −ln p1[0] − ln(1 − p2) = −ln(1/4) − ln(1/2) = ln 8 = 3 ln 2 ≈ 2.0794 (torch below);
    the paper prints −2.079, every other value it prints is right."""
    p1 = torch.softmax(torch.tensor([3.0, 3.0, 3.0, 3.0], dtype=torch.float64), 0)
    p2 = torch.sigmoid(torch.tensor(0.0, dtype=torch.float64))
    loss = float(-torch.log(p1[0]) - torch.log(1 - p2))
    assert abs(loss - 3 * math.log(2)) < 1e-12 and abs(loss - -2.079) > 4
    code, report = _verdicts(MULTIHEAD, ANSWERS / "multihead-seed-erratum.yaml")
    assert code == 5
    wrong = [a for a in report["answers"] if a["status"] != "correct"]
    assert [(a["name"], a["status"]) for a in wrong] == [("L", "incorrect")]
    assert report["first_wrong"] == {"name": "L", "step": _run_step(MULTIHEAD, "L")}
    assert len(report["answers"]) == 12 and report["score"] == 11


@pytest.mark.parametrize(("value", "status"), [
    ("-ln(0.125)", "correct"),                        # the printed form before the last equality
    ("-(ln(0.25) + ln(0.5))", "correct"),             # and the one before it
    ("2.079", "correct to the decimals given"),       # the printed digits, with the right sign
    ("-2.079", "incorrect"),
])
def test_midterm_q3_printed_forms(tmp_path: Path, value: str, status: str) -> None:
    code, report = _verdicts(MULTIHEAD, _write(tmp_path / "a.yaml", f"L: {value}\n"))
    assert report["answers"][0]["status"] == status
    assert code == (0 if status != "incorrect" else 5)


def _sheet_gradients() -> dict[str, list[float]]:
    """Seed 004, Ex. 4, by autograd in float64: a = x·W1, h = ReLU(a), ŷ = h·W2, L = (ŷ − 0)²."""
    x = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    w1 = torch.tensor([[1.0, -1.0], [0.5, 0.0]], dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor([[0.5], [1.0]], dtype=torch.float64)
    a = x @ w1
    h = torch.relu(a)
    yhat = h @ w2
    for t in (a, h, yhat):
        t.retain_grad()
    (yhat**2).sum().backward()
    return {"dL/dyhat": yhat.grad.flatten().tolist(), "dL/dh": h.grad.flatten().tolist(),
            "dL/da": a.grad.flatten().tolist()}


def test_sheet_ex4_gradients_have_the_wrong_sign() -> None:
    """Seed 004, Ex. 4: the sheet's −2, (−1, −2), (−1, 0) are the true 2(ŷ − y) = 2, 2·W2ᵀ = (1, 2) and
    (1, 2)⊙[a > 0] = (1, 0) negated; the first wrong one is ∂L/∂ŷ (the others follow from it)."""
    printed = {"dL/dyhat": [-2.0], "dL/dh": [-1.0, -2.0], "dL/da": [-1.0, 0.0]}
    assert {k: [-v for v in vs] for k, vs in _sheet_gradients().items()} == {k: [v + 0.0 for v in vs]
                                                                            for k, vs in printed.items()}
    code, report = _verdicts(RELU_NET, ANSWERS / "relu-net-step-seed-erratum.yaml")
    assert code == 5
    status = {a["name"]: a["status"] for a in report["answers"]}
    assert status == {"a": "correct", "h": "correct", "dL/dyhat": "incorrect", "dL/dh": "incorrect",
                      "dL/da": "incorrect"}
    assert report["first_wrong"] == {"name": "∂L/∂yhat", "step": _run_step(RELU_NET, "∂L/∂yhat")}


def test_sheet_ex4_right_signs_pass(tmp_path: Path) -> None:
    right = _sheet_gradients()
    text = "".join(f"{name}: {[int(v) for v in values]}\n" for name, values in right.items())
    code, report = _verdicts(RELU_NET, _write(tmp_path / "a.yaml", text))
    assert code == 0 and report["all_correct"] and len(report["answers"]) == 3



@pytest.mark.parametrize(("problem", "answers", "name"), [
    (RELU_NET, "relu-net-step-seed-erratum.yaml", "dL/dh"),
    (RELU_NET, "relu-net-step-seed-erratum.yaml", "dL/da"),
    (RELU_NET, "relu-net-step-seed-erratum.yaml", "dL/dyhat"),  # a number against a 1×1 matrix
    (MULTIHEAD, "multihead-seed-erratum.yaml", "L"),  # a decimal: −2.079 for 3 ln 2 = 2.0794…
])
def test_seed_errata_are_named_sign_errors(problem: Path, answers: str, name: str) -> None:
    _, report = _verdicts(problem, ANSWERS / answers)
    assert next(a for a in report["answers"] if a["name"] == name)["mistake"] == "sign error"


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
@pytest.mark.parametrize(("problem", "answers", "step"), [
    (MULTIHEAD, "multihead-seed-erratum.yaml", "2.7"),
    (RELU_NET, "relu-net-step-seed-erratum.yaml", "3.3"),
])
def test_seed_errata_in_every_format(problem: Path, answers: str, step: str, fmt: str) -> None:
    """The step numbers here are those the tests above read from ``dlsolve run``."""
    result = run_cli("check", problem, ANSWERS / answers, "-f", fmt, "--reveal")
    assert result.exit_code == 5 and result.stderr == ""
    assert step in result.stdout and ("first wrong step" in result.stdout.lower() or fmt == "json")

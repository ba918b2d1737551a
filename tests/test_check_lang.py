"""``dlsolve check --lang``: the report's words in hr, sr and ru (issue 18, languages).

A translated report holds no English verdict word and keeps every number of the English report (the
score with a decimal comma); JSON keeps its English status values; the symbolic kind's step numbers do
not depend on the language; Moodle's cloze instructions are translated with their percentage.
Expected verdicts come from the English report on the same answers (tests/test_check*.py check those).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import PROBLEMS, run_cli

from solver.check.compare import STATUSES
from solver.export.cloze import instructions
from solver.export.numbers import Field
from solver.i18n import using

MLP = PROBLEMS / "mlp-binary.yaml"
ANSWERS = PROBLEMS / "answers"
TRANSLATED = ("hr", "sr", "ru")
# h written as a row (wrong shape), s with the opposite sign (a named mistake, 2.5 points: a decimal score),
# L = ln(1 + e⁻¹) = 0.31326… to 4 decimals, ∂L/∂w = −σ(−1)·(1, 1, 0) ≈ −0.2689·(1, 1, 0) as −0.25 (not −0.27, so
# not to the decimals written) within a tolerance of 0.05
MIXED = """answers:
  h: [[1, 1, -1]]
  hr: [1, 1, 0]
  s: {value: -1, points: 2.5}
  L: 0.3133
  dL/dw: {value: [-0.25, -0.25, 0], tolerance: 0.05}
"""
ENGLISH = re.compile(r"\b(correct|incorrect|wrong shape|you wrote|transposed|sign error|consistent with|carried"
                     r"|first wrong step|expected|score|points|check|step|quantity|verdict)\b", re.IGNORECASE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    file = tmp_path_factory.mktemp("check_lang") / "mixed.yaml"
    file.write_text(MIXED, encoding="utf-8")
    return file


def _report(answers: Path, code: str, *options: str) -> str:
    result = run_cli("check", MLP, answers, "--lang", code, *options)
    assert result.exit_code == 5, result.stderr  # some answers are wrong
    return result.stdout


def _words(report: str) -> str:
    """The report without the problem's own title (the problem file's English) and without TeX commands."""
    title = re.escape("Backpropagation through an affine layer, ReLU and the logistic loss")
    return re.sub(r"\\[a-zA-Z]+", " ", re.sub(title.replace(r"\ ", r"\s+"), " ", report))


def _numbers(report: str) -> list[str]:
    """Every number of a report, a decimal comma read as a point."""
    return sorted(number.replace(",", ".") for number in NUMBER.findall(report))


@pytest.mark.parametrize("answers", ["mixed", "mlp-binary-early-mistake"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_a_translated_report_has_no_english_verdict_and_keeps_the_numbers(
        answers: str, fmt: str, mixed: Path) -> None:
    file = mixed if answers == "mixed" else ANSWERS / f"{answers}.yaml"
    english = _report(file, "en", "-f", fmt, "--reveal")
    assert ENGLISH.search(_words(english)), "the pattern must find the English words it looks for"
    for code in TRANSLATED:
        report = _report(file, code, "-f", fmt, "--reveal")
        assert ENGLISH.search(_words(report)) is None, (code, ENGLISH.search(_words(report)), report)
        assert _numbers(report) == _numbers(english), (code, report)
        assert ("✓" in report, "✗" in report) == ("✓" in english, "✗" in english)


def test_a_decimal_score_takes_the_decimal_comma(mixed: Path) -> None:
    # 1 (hr) + 1 (L) + 1 (∂L/∂w) of 1 + 1 + 2.5 + 1 + 1 = 6.5 points
    assert "Score: 3 of 6.5 points." in _report(mixed, "en")
    assert "Bodovi: 3 od 6,5." in _report(mixed, "hr")
    assert "Баллы: 3 из 6,5." in _report(mixed, "ru")


def test_json_keeps_its_keys_and_english_statuses_in_every_language(mixed: Path) -> None:
    english = json.loads(_report(mixed, "en", "-f", "json"))
    statuses = [answer["status"] for answer in english["answers"]]
    assert statuses == ["wrong shape", "correct", "incorrect", "correct to the decimals given",
                        "correct within the tolerance"]
    for code in TRANSLATED:
        document = json.loads(_report(mixed, code, "-f", "json"))
        assert [a["status"] for a in document["answers"]] == statuses
        assert all(a["status"] in STATUSES for a in document["answers"])
        assert [sorted(a) for a in document["answers"]] == [sorted(a) for a in english["answers"]]
        assert {k: v for k, v in document.items() if k != "answers"} == \
               {k: v for k, v in english.items() if k != "answers"}
        mistakes = [a["mistake"] for a in document["answers"]]
        assert mistakes[2] and mistakes[2] != english["answers"][2]["mistake"]  # "sign error", translated


def test_the_class_csv_keeps_its_header_and_translates_its_verdicts(tmp_path: Path) -> None:
    for name in ("mlp-binary-correct", "mlp-binary-early-mistake"):
        (tmp_path / f"{name}.yaml").write_bytes((ANSWERS / f"{name}.yaml").read_bytes())
    english = run_cli("check", MLP, "--answers-dir", tmp_path).stdout.splitlines()
    croatian = run_cli("check", MLP, "--answers-dir", tmp_path, "--lang", "hr").stdout.splitlines()
    assert croatian[0] == english[0] == "student,score,total,first_wrong,error,h,hr,s,L,∂L/∂w,∂L/∂b,∂L/∂W"
    assert "correct" in english[1] and "točno na zadani broj decimala" in croatian[1]
    assert ENGLISH.search(_words("\n".join(",".join(row.split(",")[5:]) for row in croatian[1:]))) is None
    assert [row.split(",")[:4] for row in croatian] == [row.split(",")[:4] for row in english]


def test_a_symbolic_report_numbers_its_steps_in_every_language(tmp_path: Path) -> None:
    # the given shapes' group is step 2 of fc-layer-symbolic (its English report numbers "shape of w" 2); the
    # judge finds the group by its title, which is translated
    answers = tmp_path / "shape.yaml"
    answers.write_text("answers:\n  shape of w: m x 1\n", encoding="utf-8")
    result = run_cli("check", PROBLEMS / "fc-layer-symbolic.yaml", answers, "-f", "json", "--lang", "ru")
    assert [(a["quantity"], a["step"], a["status"]) for a in json.loads(result.stdout)["answers"]] == \
           [("shape of w", "2", "correct")]


@pytest.mark.parametrize("code", TRANSLATED)
def test_moodle_cloze_instructions_are_translated_with_their_percentage(code: str) -> None:
    decimal = Field("x", -0.26894, 0.00134, "-σ(-1)", False)
    integer = Field("k", 3.0, 0.0, "3", True)
    english = instructions([decimal, integer], 0.005)
    assert english == ("Give each number as a decimal (accepted within 0.5 %; integers exactly). "
                       "Entries of vectors and matrices are counted from 0.")
    with using(code):
        mixed, exact = instructions([decimal, integer], 0.005), instructions([integer], 0.005)
    assert "0,5 %" in mixed and "0" in exact
    for text in (mixed, exact):
        assert not re.search(r"\b(Give|number|decimal|accepted|exactly|Entries|counted)\b", text), text

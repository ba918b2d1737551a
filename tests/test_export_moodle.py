"""Moodle XML export (solver.export.moodle): the structure Moodle's XML import reads, cloze fields that
read back to the exact answers within their tolerance, HTML feedback with the TeX intact, escaping.

The expected numbers come from sympy's 30-digit evaluation of the exact answers (a different route
from the export's float conversion) or from a derivation written in the test."""

from __future__ import annotations

import base64
import html
import math
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from functools import cache

import pytest
import sympy
from helpers import PROBLEMS

from solver.api import load, render, solve
from solver.export import Item
from solver.export.cloze import read_fields
from solver.export.moodle import moodle_xml
from solver.render.values import is_approximate
from solver.trace import Solution

BANK = ["mlp-binary", "lstm", "xor", "multihead", "rnn", "sigmoid-neuron", "identities", "conv1d-backprop",
        "tied-embedding-params", "gan"]  # cloze with matrices, integer counts, shapes, symbolic forms, two graphs
CATEGORY = "Deep learning/Exam 2026"


@cache
def problem(name: str):  # type: ignore[no-untyped-def]
    return load(PROBLEMS / f"{name}.yaml")[0]


@cache
def solved(name: str) -> Solution:
    return solve(problem(name))


def single_answer() -> Solution:
    """mlp-binary asked only for its loss L = −ln σ(1) = ln(1 + e⁻¹): a numerical question."""
    return solve(replace(problem("mlp-binary"), ask=("L",)))


@cache
def items() -> tuple[tuple[str, Solution], ...]:
    """30 students: s01 gets the one-answer problem, the others cycle through the bank."""
    solutions = [single_answer()] + [solved(BANK[i % len(BANK)]) for i in range(29)]
    return tuple((f"s{i:02d}", solution) for i, solution in enumerate(solutions, 1))


@cache
def exported() -> ET.Element:
    return ET.fromstring(moodle_xml(items(), CATEGORY, images=False))


def questions() -> list[ET.Element]:
    return exported().findall("question")[1:]


def numeric_entries(value: object) -> list[object]:
    """The answer's numbers, found with sympy directly: a number, each entry of a numeric matrix."""
    if is_approximate(value):
        value = value.value  # type: ignore[attr-defined]
    if isinstance(value, (int, str)):
        return [value] if isinstance(value, int) else []
    if isinstance(value, sympy.MatrixBase):
        return list(value.T) if value.cols != 1 and value.rows != 1 else list(value)
    return [value] if getattr(value, "is_number", False) else []


def entries_in_order(value: object) -> list[object]:
    """Entries row by row, as the question lists them."""
    if is_approximate(value):
        value = value.value  # type: ignore[attr-defined]
    if isinstance(value, sympy.MatrixBase):
        return [value[i, j] for i in range(value.rows) for j in range(value.cols)] \
            if all(v.is_number for v in value) else []
    return numeric_entries(value)


def test_the_export_has_the_structure_moodle_imports() -> None:
    quiz = exported()
    assert quiz.tag == "quiz"
    category, *rest = quiz.findall("question")
    assert category.get("type") == "category"
    assert category.findtext("category/text") == "$course$/top/Deep learning/Exam 2026"
    assert len(rest) == 30
    for question, (key, solution) in zip(rest, items()):
        assert key in question.findtext("name/text", "")
        assert question.findtext("idnumber") == key
        assert [e.get("format") for e in question.iter() if e.tag in ("questiontext", "generalfeedback")] == \
            ["html", "html"]
        assert solution.title.split(" (")[0] in html.unescape(question.findtext("questiontext/text", ""))
        assert "Answers" in question.findtext("generalfeedback/text", "")
    kinds = [q.get("type") for q in rest]
    assert kinds[0] == "numerical"
    assert kinds[BANK.index("identities") + 1] == "essay"  # symbolic forms only: graded by hand
    assert kinds.count("cloze") == 30 - 1 - kinds.count("essay")


def test_a_numerical_question_has_one_full_mark_answer_with_its_tolerance() -> None:
    question = questions()[0]
    answers = question.findall("answer")
    assert len(answers) == 1 and answers[0].get("fraction") == "100"
    value, tolerance = float(answers[0].findtext("text", "")), float(answers[0].findtext("tolerance", ""))
    loss = math.log1p(math.exp(-1))  # L = −ln σ(1) = ln(1 + e⁻¹)
    assert abs(value - loss) < 1e-15
    assert tolerance == pytest.approx(1e-3 * loss, rel=1e-2)
    assert r"\ln{\left(" in answers[0].findtext("feedback/text", "")  # the exact form, as TeX


def test_cloze_fields_read_back_to_the_exact_answers_within_tolerance() -> None:
    for question, (key, solution) in zip(questions(), items()):
        if question.get("type") != "cloze":
            continue
        fields = read_fields(question.findtext("questiontext/text", ""))
        expected = [entry for answer in solution.answers for entry in entries_in_order(answer.value)]
        assert len(fields) == len(expected), key
        for field, exact in zip(fields, expected):
            assert len(field) == 1 and field[0].fraction == 1.0
            truth = float(sympy.N(exact, 30))
            typed, tolerance = field[0].value, field[0].tolerance
            assert abs(typed - truth) <= 1e-12 * max(1.0, abs(truth)), (key, exact)
            if float(truth).is_integer() and not isinstance(exact, sympy.Float):
                assert tolerance == 0  # integers exactly: a count off by a bias is wrong
            else:
                assert 0 < tolerance <= 1.005e-3 * abs(truth) + 1e-9  # 0.1 %, written to 3 digits
                assert abs(truth * 1.002 - truth) > tolerance  # an answer 0.2 % off is marked wrong


def test_every_vector_and_matrix_entry_is_a_labelled_field() -> None:
    text = questions()[0 + 1].findtext("questiontext/text", "")  # s02: mlp-binary, all answers
    assert r"\( \partial L/\partial W\,[1, 0] \) = {1:NUMERICAL:=0.2689414213699951:0.000269}" in text
    assert r"\( h\,[2] \) = {1:NUMERICAL:=-1:0}" in text


def markdown_math(solution: Solution) -> list[str]:
    """The display math of the Markdown rendering (``$$`` on lines of their own)."""
    return re.findall(r"^\$\$\n(.*?)\n\$\$$", render([replace(solution, drawings=())], "markdown"), re.M | re.S)


def test_the_feedback_keeps_the_tex_of_the_markdown_rendering_and_has_no_dollar() -> None:
    for question, (key, solution) in zip(questions(), items()):
        feedback = question.findtext("generalfeedback/text", "")
        statement = question.findtext("questiontext/text", "")
        assert "$" not in feedback and "$" not in statement, key
        shown = html.unescape(feedback + statement)
        for tex in markdown_math(solution):
            assert f"\\[ {tex} \\]" in shown, (key, tex[:60])
    feedback = questions()[1].findtext("generalfeedback/text", "")
    assert r"1 &amp; -1" in feedback  # a matrix's column separator, HTML-escaped inside \[ … \]
    assert "<p><strong>Answers</strong></p>" in feedback


def test_text_is_escaped_for_html_and_xml() -> None:
    hostile = "Prices <b>&</b> $5 ]]> {1:NUMERICAL:=9:0} a_b*c*"
    original = problem("mlp-binary")
    solution = solve(replace(original, title="T <i>&", statement=hostile))
    key = "s<&>\"'"
    xml = moodle_xml([(key, solution)], "A & B <c>", images=False)
    quiz = ET.fromstring(xml)
    question = quiz.findall("question")[1]
    assert quiz.findtext("question/category/text") == "$course$/top/A & B <c>"
    assert question.findtext("idnumber") == key and key in question.findtext("name/text", "")
    text = question.findtext("questiontext/text", "")
    assert "<b>" not in text and "&lt;b&gt;&amp;&lt;/b&gt;" in text
    assert "]]&gt;" in text and "&#36;5" in text and "$" not in text
    assert "a_b*c*" in text  # Markdown's specials stay literal prose
    assert len(read_fields(text)) == 20  # the statement's look-alike field is not a field
    assert "T &lt;i&gt;&amp;" in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphs_are_embedded_as_png_files_the_feedback_refers_to() -> None:
    question = ET.fromstring(moodle_xml([("s01", solved("gan"))], "c", images=True)).findall("question")[1]
    files = question.findall("generalfeedback/file")
    assert [f.get("name") for f in files] == ["graph-1.png", "graph-2.png"]  # gan: one graph per phase
    for file in files:
        assert file.get("encoding") == "base64" and file.get("path") == "/"
        assert base64.b64decode(file.text or "").startswith(b"\x89PNG\r\n\x1a\n")
        assert f'src="@@PLUGINFILE@@/{file.get("name")}"' in question.findtext("generalfeedback/text", "")


def test_an_item_may_be_a_variant_with_a_hash_or_an_item() -> None:
    @dataclass
    class Variant:
        key: str
        hash: str
        solution: Solution

    xml = moodle_xml([Variant("s07", "3fa2c1", solved("lstm")), Item("s08", solved("xor"), "00aa11"),
                      ("s09", problem("rnn"), solved("rnn"))], "c", images=False)
    names = [q.findtext("name/text") for q in ET.fromstring(xml).findall("question")[1:]]
    assert names == ["s07 · lstm [3fa2c1]", "s08 · xor [00aa11]", "s09 · rnn"]


def test_a_key_given_twice_or_an_unknown_item_is_refused() -> None:
    with pytest.raises(ValueError, match="'s01' occurs twice"):
        moodle_xml([("s01", solved("lstm")), ("s01", solved("xor"))], "c", images=False)
    with pytest.raises(TypeError, match="not an export item"):
        moodle_xml(["s01"], "c", images=False)

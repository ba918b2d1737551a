"""Every problem in problems/ is solved in every format; the JSON contract; LaTeX compiles."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from helpers import PROBLEM_FILES, requires_pdflatex, run_cli, slow_unless

FORMATS = ["text", "latex", "markdown", "json"]


@cache
def _answers_json(problem: Path) -> dict:
    """``dlsolve run PROBLEM --format json``, parsed (once per file, for the four formats)."""
    return json.loads(run_cli("run", problem, "--format", "json").stdout)


# The fast loop renders four files of different kinds, each in another format (gan: test_gan.py).
FAST_RENDERS = {("graph-add-mul", "text"), ("lstm", "latex"), ("rnn", "markdown"), ("conv-inversion", "json")}


@pytest.mark.parametrize(("problem", "fmt"), [
    pytest.param(problem, fmt, id=f"{problem.stem}-{fmt}", marks=slow_unless((problem.stem, fmt) in FAST_RENDERS))
    for problem in PROBLEM_FILES for fmt in FORMATS])
def test_every_problem_renders_in_every_format(problem: Path, fmt: str) -> None:
    result = run_cli("run", problem, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    data = _answers_json(problem)
    # stderr: nothing, or the one note that exact arithmetic was given up (gan's generator phase)
    noted = [f"dlsolve: note: {problem}: exact arithmetic abandoned ({'; '.join(data['exact_abandoned'])}); "
             "solved in floating point (--numeric skips the exact attempt)"] if data["exact_abandoned"] else []
    assert result.stderr.splitlines() == noted
    # the final answers appear in every format (digits grouped as each format groups them)
    for name, answer in data["answers"].items():
        if fmt == "text":
            assert f"│ {name} " in result.stdout, name  # a row of the Answers panel
            if isinstance(answer["value"], float) and answer["value"].is_integer():
                assert f"{int(answer['value']):,}".replace("-", "−") in result.stdout, name
        else:
            shown = answer["exact"] if fmt == "json" else answer["latex"]
            if shown is None:  # exact form omitted for size: the value carries the number
                assert answer["value"] is not None, name
                continue
            # Markdown puts each row of a matrix on a line of its own (a line break before every \\)
            stdout = result.stdout.replace("\n\\\\", "\\\\") if fmt == "markdown" else result.stdout
            if fmt != "json" and shown not in stdout:  # too wide for a line: broken over lines, or
                # (beyond that) shown by its decimal with the size of the exact form
                assert r"\begin{aligned}[t]" in stdout or "(exact form: " in stdout, (name, shown)
                continue
            assert shown in stdout, (name, shown)


def test_json_contract_shape() -> None:
    """The JSON contract (docs/architecture.md): id, kind, title, answers {exact, latex, value}, steps; nothing else."""
    data = json.loads(run_cli("run", "problems/lstm.yaml", "--format", "json").stdout)
    assert set(data) == {"id", "kind", "title", "answers", "steps", "exact_abandoned"}
    assert data["id"] == "lstm" and data["kind"] == "params"
    for answer in data["answers"].values():
        assert set(answer) == {"exact", "latex", "value"}
        assert isinstance(answer["value"], float)
        assert math.isclose(float(answer["exact"]), answer["value"])

    def check(steps: list[dict], prefix: str) -> None:
        for i, step in enumerate(steps, 1):
            assert set(step) == {"number", "kind", "detail", "title", "formula", "substituted", "result", "note",
                                 "substeps"}
            assert step["number"] == f"{prefix}{i}"
            assert step["kind"] in {"convention", "rule", "evaluate", "sum", "compare"}
            for key in ("formula", "substituted"):
                assert step[key] is None or set(step[key]) == {"text", "latex"}
            check(step["substeps"], f"{step['number']}.")

    check(data["steps"], "")


def test_several_problems_give_an_array_in_input_order() -> None:
    files = ["problems/lstm.yaml", "problems/fc-params.yaml"]
    data = json.loads(run_cli("run", *files, "--format", "json").stdout)
    assert [d["id"] for d in data] == ["lstm", "fc-params"]


def test_problems_list_in_one_file(tmp_path: Path) -> None:
    spec = tmp_path / "bank.yaml"
    spec.write_text(
        "problems:\n"
        "  - {kind: params, title: A, given: {model: fc, sizes: [3, 1]}}\n"
        "  - {kind: params, title: B, id: second, given: {model: rnn, hidden: 2, input: 1}}\n"
    )
    data = json.loads(run_cli("run", spec, "--format", "json").stdout)
    # 3·1 + 1 = 4; RNN textbook: 2·(1 + 2) + 2 = 8
    assert [(d["id"], d["answers"]["total"]["value"]) for d in data] == [("bank-1", 4.0), ("second", 8.0)]


def test_ask_keeps_only_the_asked_answers(tmp_path: Path) -> None:
    spec = tmp_path / "ask.yaml"
    spec.write_text("kind: params\ntitle: t\nask: [total]\ngiven: {model: fc, sizes: [2, 5, 10, 5, 2]}\n")
    data = json.loads(run_cli("run", spec, "--format", "json").stdout)
    assert list(data["answers"]) == ["total"]
    assert data["answers"]["total"]["exact"] == "142"


def test_output_file_and_format_from_suffix(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = run_cli("run", "problems/fc-params.yaml", "-o", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["answers"]["total"]["exact"] == "142"


@pytest.mark.slow
def test_text_is_readable_at_80_columns() -> None:
    text = run_cli("run", *PROBLEM_FILES).stdout
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "\x1b[" not in text  # no colour codes when not writing to a terminal


@pytest.mark.slow
def test_large_matrices_are_summarized_in_the_terminal(tmp_path: Path) -> None:
    """A 40×40 product: the terminal shows its corners (first and last rows and columns) and its size,
    the givens their corners in exact form."""
    n = 40
    spec = tmp_path / "big.json"
    spec.write_text(json.dumps({"kind": "graph", "title": "big", "wrt": [], "equations": ["L = sum(A @ B)"],
                                "given": {"A": [[f"1/{i + j + 1}" for j in range(n)] for i in range(n)],
                                          "B": [["1/3"] * n for _ in range(n)]}}))
    result = run_cli("run", spec, "--detail", "full")  # the product A·B is an inner step of its own there
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and len(lines) < 80
    text = result.stdout
    assert "[[1, 1/2, 1/3, …, 1/39, 1/40], [1/2, 1/3, 1/4, …, 1/40, 1/41], " in " ".join(text.split())
    assert "(40×40; every entry: --format json or latex)" in text
    # A·B[0][0] = Σ_j 1/(j+1) · 1/3 = H_40/3 = 1.42618 (6 digits); the last row: Σ_j 1/(40+j)/3 = 0.233145
    assert re.search(r"\[ ?1\.42618 +1\.42618 +⋯ +1\.42618 +1\.42618\]", text)
    assert re.search(r"\[0\.233145 +0\.233145 +⋯ +0\.233145 +0\.233145\]", text)


@pytest.mark.slow
@requires_pdflatex
def test_large_matrices_are_summarized_on_the_page(tmp_path: Path) -> None:
    """The same 40×40 product in LaTeX: corners with ⋯ ⋮ ⋱ and the size, no overfull line (it used
    to typeset all 1,600 entries of each matrix across the margin)."""
    n = 40
    spec = tmp_path / "big.json"
    spec.write_text(json.dumps({"kind": "graph", "title": "big", "wrt": [], "equations": ["L = sum(A @ B)"],
                                "given": {"A": [[f"1/{i + j + 1}" for j in range(n)] for i in range(n)],
                                          "B": [["1/3"] * n for _ in range(n)]}}))
    tex = tmp_path / "big.tex"
    assert run_cli("run", spec, "-o", tex).exit_code == 0
    source = tex.read_text()
    assert r"\ddots" in source and r"\right]_{40\times 40}" in source
    assert r"-{}-numeric" in source  # the option in the fallback note, not an en dash
    compiled = _compile(tex)
    assert compiled.returncode == 0, compiled.stdout[-2000:]
    assert "Overfull \\hbox" not in compiled.stdout


@pytest.mark.slow
def test_markdown_math_blocks_balance() -> None:
    markdown = run_cli("run", *PROBLEM_FILES, "--format", "markdown").stdout
    assert markdown.count("$$") % 2 == 0 and markdown.count("$$") > 0
    assert "- $h = 500$: hidden size" in markdown  # a given: short inline math in a list


def test_latex_fragment_has_no_preamble() -> None:
    fragment = run_cli("run", "problems/lstm.yaml", "--format", "latex", "--fragment").stdout
    assert "\\documentclass" not in fragment and "\\begin{document}" not in fragment
    assert "\\section*{Problem 1: Parameter count of a two-layer LSTM}" in fragment


def _compile(tex: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tex.parent, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.slow
@requires_pdflatex
def test_latex_of_all_problems_compiles(tmp_path: Path) -> None:
    tex = tmp_path / "solutions.tex"
    assert run_cli("run", *PROBLEM_FILES, "-o", tex).exit_code == 0
    compiled = _compile(tex)
    assert compiled.returncode == 0, compiled.stdout[-2000:]
    assert "Overfull \\hbox" not in compiled.stdout, "a formula runs into the margin"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "solutions.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
        compact = re.sub(r"\s", "", text)
        assert "total=3604000" in compact  # thin spaces between digit groups vanish in pdftotext
        assert "total=142" in compact


@requires_pdflatex
def test_latex_escapes_special_characters(tmp_path: Path) -> None:
    spec = tmp_path / "special.yaml"
    spec.write_text(
        "kind: params\n"
        "title: '100% of W_1 & b_1 #1 {x} $y ^z ~w \\\\ 2×3 → σ'\n"
        "statement: 'Costs 5$ & 10% — under_scores, #hash, {braces}, ~tilde'\n"
        "given: {model: fc, sizes: [2, 1]}\n"
    )
    tex = tmp_path / "special.tex"
    assert run_cli("run", spec, "-o", tex).exit_code == 0
    assert _compile(tex).returncode == 0

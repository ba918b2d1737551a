"""LaTeX documents: the solution sheet with its computational graphs (TikZ), the exam sheet, --pdf.

The solution document of the whole bank is compiled once (``--pdf``) and checked with pdfinfo and
pdftotext; the test in test_formats.py compiles the same document and checks for overfull boxes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import PROBLEM_FILES, PROBLEMS, requires_pdflatex, run_cli

requires_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
                                      reason="pdftotext/pdfinfo (poppler-utils) are not installed")


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _head(prose: str) -> str:
    """The leading plain words of a title or statement, without spaces (math typesets differently)."""
    return re.sub(r"\s", "", re.match(r"[A-Za-z ,.:-]*", prose).group())[:30]


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.fixture(scope="module")
def solved():
    """Every problem of the bank, solved once."""
    from solver.api import solve_file

    return [solution for path in PROBLEM_FILES for solution in solve_file(path)]


@pytest.fixture(scope="module")
def solutions_pdf(tmp_path_factory) -> Path:
    """``dlsolve run problems/*.yaml --pdf -o solutions.tex``, once for the module."""
    folder = tmp_path_factory.mktemp("solutions")
    result = run_cli("run", *PROBLEM_FILES, "--pdf", "-o", folder / "solutions.tex")
    assert result.exit_code == 0, result.stderr
    return folder / "solutions.pdf"


@requires_pdflatex
@requires_poppler
@pytest.mark.slow
def test_solution_pdf_has_every_problem_its_graphs_and_answers(solutions_pdf: Path, solved) -> None:
    assert sorted(p.name for p in solutions_pdf.parent.iterdir()) == ["solutions.pdf", "solutions.tex"]
    assert _pages(solutions_pdf) >= len(solved)
    text = _pdf_text(solutions_pdf)
    flat = re.sub(r"\s", "", text)
    for solution in solved:
        assert _head(solution.title) in flat, solution.title
    drawings = sum(len(solution.drawings) for solution in solved)
    both = text.count("Forward and backward pass:")  # a graph too large for values: one picture
    backward = sum(1 for s in solved for d in s.drawings if any(n.grad is not None for n in d.nodes))
    # at the default detail a graph is drawn once: its backward picture (values above gradients) if any
    assert text.count("Backward pass:") + both == backward
    assert text.count("Forward pass:") == drawings - backward
    from solver.api import render

    full = render(solved, "latex", "full")  # full detail draws the forward picture too
    assert full.count("Forward pass:") + full.count("Forward and backward pass:") == drawings
    answers = {s.id: json.loads(run_cli("run", f"problems/{s.id}.yaml", "-f", "json").stdout)["answers"]
               for s in solved if s.id in ("graph-add-mul", "lstm", "norm-wx")}
    assert f"f={answers['graph-add-mul']['f']['value']:g}".replace("-", "−") in flat  # f = −12
    assert "total=3604000" in flat
    assert f"{answers['norm-wx']['f']['value']:.6g}" in flat  # 29/250 ≈ 0.116


@pytest.mark.slow
@requires_pdflatex
@requires_poppler
def test_exam_sheet_has_statements_but_no_answers(tmp_path: Path, solved) -> None:
    tex = tmp_path / "exam.tex"
    result = run_cli("run", *PROBLEM_FILES, "--sheet", "exam", "--pdf", "-o", tex)
    assert result.exit_code == 0, result.stderr
    text = _pdf_text(tmp_path / "exam.pdf")
    flat = re.sub(r"\s", "", text)
    assert _pages(tmp_path / "exam.pdf") >= len(solved) // 2
    for solution in solved:
        assert _head(solution.title) in flat
        assert _head(solution.statement) in flat
    for absent in ("Answers", "Solution", "Computational graph", "Forward pass", "3604000", "Backward pass"):
        assert absent not in flat
    assert "Answer" in flat and "Given" in flat
    assert "tikzpicture" not in tex.read_text()


def test_sheet_exam_and_pdf_need_a_latex_document(tmp_path: Path) -> None:
    exam_markdown = run_cli("run", "problems/lstm.yaml", "--sheet", "exam", "-f", "markdown")
    assert exam_markdown.exit_code == 2 and "--sheet exam" in exam_markdown.stderr
    no_output = run_cli("run", "problems/lstm.yaml", "--pdf", "-f", "latex")
    assert no_output.exit_code == 2 and "-o FILE.tex" in no_output.stderr
    fragment = run_cli("run", "problems/lstm.yaml", "--pdf", "--fragment", "-o", tmp_path / "x.tex")
    assert fragment.exit_code == 2 and not list(tmp_path.iterdir())
    exam = run_cli("run", "problems/lstm.yaml", "--sheet", "exam", "-f", "latex").stdout
    assert "\\section*{Problem 1: Parameter count of a two-layer LSTM}" in exam and "3,604,000" not in exam


def test_pdf_without_a_latex_engine_is_a_clear_usage_error(tmp_path: Path, monkeypatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("run", "problems/graph-add-mul.yaml", "--pdf", "-o", out / "solutions.tex")
    assert result.exit_code == 2
    assert "neither is installed" in result.stderr and "Traceback" not in result.stderr
    assert not list(out.iterdir())  # no .tex without its PDF


def test_failed_compilation_names_the_first_error_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pdflatex").write_text('#!/bin/sh\nfor a; do f="$a"; done\n'
                                   'printf "This is pdfTeX\\n! Undefined control sequence.\\nl.7 \\\\oops\\n" '
                                   '> "${f%.tex}.log"\nexit 1\n')
    (fake / "pdflatex").chmod(0o755)
    monkeypatch.setenv("PATH", str(fake))
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("run", "problems/graph-add-mul.yaml", "--pdf", "-o", out / "solutions.tex")
    assert result.exit_code == 4
    assert "! Undefined control sequence." in result.stderr
    assert not list(out.iterdir())


@requires_pdflatex
@requires_poppler
def test_special_characters_compile_in_both_sheets(tmp_path: Path) -> None:
    spec = tmp_path / "special.yaml"
    spec.write_text(
        "kind: graph\n"
        "title: '100% of f_1 & g #1 {x} $y ^z ~w \\\\ done'\n"
        "statement: 'Costs 5$ & 10% — under_scores, #hash, {braces}, ~tilde, a^b, back\\\\slash'\n"
        "given: {x: 2, y: 3}\n"
        "equations: ['f = x * y + x']\n"
        "wrt: [x, y]\n"
    )
    for sheet in ("solution", "exam"):
        tex = tmp_path / f"{sheet}.tex"
        result = run_cli("run", spec, "--sheet", sheet, "--pdf", "-o", tex)
        assert result.exit_code == 0, result.stderr
        flat = re.sub(r"\s", "", _pdf_text(tex.with_suffix(".pdf")))
        assert "100%off_1&g#1{x}$y" in flat and "10%" in flat and "under_scores" in flat


@requires_pdflatex
def test_names_with_several_underscores_compile(tmp_path: Path) -> None:
    """x_g_3 and a__b were set as x_{g}_3 and a__b: "Double subscript", no PDF. Now one subscript each."""
    from solver.render.latex_notation import name_latex

    assert name_latex("x_g_3") == "x_{g,3}" and name_latex("a__b") == "a_{b}"
    spec = tmp_path / "names.yaml"
    spec.write_text("kind: graph\ntitle: T\ngiven: {x_g_3: 2, a__b: 3}\n"
                    "equations: ['h_t_prev = x_g_3 * a__b', 'L = h_t_prev^2']\nwrt: [x_g_3, a__b]\n")
    result = run_cli("run", spec, "--pdf", "-o", tmp_path / "names.tex")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "names.pdf").exists()


@pytest.mark.slow
def test_layout_is_deterministic_and_puts_no_two_nodes_together(solved) -> None:
    from solver.render import layout, tikz

    for solution in solved:
        for drawing in solution.drawings:
            first = layout.layout(drawing)
            assert first == layout.layout(drawing)
            assert len(set(first.values())) == len(first) == len(drawing.nodes)
            sizes = {n.id: tikz._content(n, drawing, True, tikz.detailed(drawing))[1:] for n in drawing.nodes}
            placed = layout.place(drawing, sizes.__getitem__).positions
            boxes = [(x, y, *sizes[v]) for v, (x, y) in placed.items()]
            for i, (x1, y1, w1, h1) in enumerate(boxes):
                for x2, y2, w2, h2 in boxes[i + 1:]:
                    apart = abs(x1 - x2) >= (w1 + w2) / 2 or abs(y1 - y2) >= (h1 + h2) / 2
                    assert apart, f"{solution.id}: two nodes overlap"
            for edge in drawing.edges:  # inputs on the left of what they feed
                assert first[edge.source][0] < first[edge.target][0]


def test_tikz_pictures_carry_values_gradients_and_fall_back_for_large_graphs() -> None:
    from solver.api import solve_file
    from solver.render import tikz

    by_id = {s.id: s for name in ("graph-add-mul", "gan") for s in solve_file(PROBLEMS / f"{name}.yaml")}
    small = by_id["graph-add-mul"].drawings[0]
    forward, backward = tikz.forward(small), tikz.backward(small)
    for picture in (forward, backward):
        assert picture.startswith("\\begin{tikzpicture}") and picture.endswith("\\end{tikzpicture}")
    assert "$(q,\\ +)$" in forward and "$-12$" in forward
    assert "\\color{red" not in forward and "\\color{red" in backward  # gradients only in the backward graph
    assert backward.count("\\node[grad]") == len(small.edges)  # every edge labelled with local × upstream
    assert "$-4$" in backward
    large = by_id["gan"].drawings[0]
    assert not tikz.detailed(large)
    assert "smallmatrix" not in tikz.forward(large)
    assert "omitted" in tikz.captions(large)[0]
    assert tikz.forward(large) == tikz.forward(large)

"""Per-student LaTeX documents (solver.export.sheets): a section per student headed by the key and
the variant hash, exam sheets without solutions, one document per student, and the parallel compile
that writes every PDF or none."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from helpers import PROBLEMS, requires_pdflatex

from solver.api import solve_file
from solver.export import Item
from solver.export.sheets import compile_pdfs, exam_book, exam_documents, solution_book, solution_documents
from solver.pdf import LatexError


@cache
def items() -> tuple[Item, ...]:
    return (Item("s01", solve_file(PROBLEMS / "mlp-binary.yaml")[0], "3fa2c1"),
            Item("s_02&", solve_file(PROBLEMS / "lstm.yaml")[0], "00bb11"),
            Item("s03", solve_file(PROBLEMS / "xor.yaml")[0]))


def marks(key: str, variant: str = "") -> str:
    return f"\\markright{{Student \\texttt{{{key}}}" + (f"\\quad variant \\texttt{{{variant}}}" if variant else "") + "}"


def test_an_exam_book_has_a_section_per_student_and_no_solution() -> None:
    tex = exam_book(items())
    assert tex.count("\\documentclass") == 1 and tex.count("\\begin{document}") == 1
    assert tex.rstrip().endswith("\\end{document}")
    assert tex.count("\\clearpage") == 2
    assert marks("s01", "3fa2c1") in tex and marks("s\\_02\\&", "00bb11") in tex and marks("s03") in tex
    assert tex.index(marks("s01", "3fa2c1")) < tex.index("Backpropagation through an affine layer")
    assert "\\subsection*{Solution}" not in tex and "\\subsection*{Answers}" not in tex
    assert tex.count("\\subsection*{Answer}") == 3  # the framed answer space
    assert "Final exam, question 1" not in tex  # a student's sheet does not say where a problem comes from
    assert "Final exam, question 1" in exam_book(items(), show_source=True)


def test_a_solution_book_has_every_students_solution_and_loads_tikz_for_their_graphs() -> None:
    tex = solution_book([items()[1], items()[0], items()[2]])
    assert tex.count("\\subsection*{Solution}") == 3 and tex.count("\\subsection*{Answers}") == 3
    assert "\\usepackage{tikz}" in tex  # for mlp-binary's graph, though the first student's lstm has none
    assert "\\usepackage{tikz}" not in solution_book(items()[1:2])
    assert tex.count("\\markright") == 3


def test_one_document_per_student_holds_that_student_only() -> None:
    for documents in (exam_documents(items()), solution_documents(items())):
        assert list(documents) == ["s01", "s_02&", "s03"]
        for key, tex in documents.items():
            assert tex.count("\\markright") == 1 and key.replace("_", "\\_").replace("&", "\\&") in tex


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one student"):
        exam_book([])
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        compile_pdfs([], jobs=0)
    with pytest.raises(ValueError, match="the key 'a' occurs twice"):
        compile_pdfs([("a", Path("x.tex")), ("a", Path("y.tex"))])


@requires_pdflatex
def test_documents_compile_in_parallel_each_headed_by_its_student(tmp_path: Path) -> None:
    sources = []
    for key, tex in exam_documents(items()[:2]).items():
        sources.append((key, tmp_path / f"exam-{key}.tex"))
        sources[-1][1].write_text(tex, encoding="utf-8")
    solutions = tmp_path / "solutions.tex"
    solutions.write_text(solution_book(items()[:1]), encoding="utf-8")
    written = compile_pdfs([*sources, ("book", solutions)], jobs=2)
    assert written == [path.with_suffix(".pdf") for _, path in [*sources, ("book", solutions)]]
    assert all(path.read_bytes().startswith(b"%PDF") for path in written)
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(written[0]), "-"], capture_output=True, text=True, check=True).stdout
        assert "Student s01 variant 3fa2c1" in " ".join(text.split())


@requires_pdflatex
def test_a_failing_document_stops_the_batch_names_the_student_and_writes_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.tex"
    good.write_text("\\documentclass{article}\\begin{document}fine\\end{document}\n", encoding="utf-8")
    bad = tmp_path / "bad.tex"
    bad.write_text("\\documentclass{article}\\begin{document}\\undefinedmacro\\end{document}\n", encoding="utf-8")
    with pytest.raises(LatexError, match=r"^student s17: .*Undefined control sequence"):
        compile_pdfs([("s16", good), ("s17", bad)], jobs=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tex", "good.tex"]

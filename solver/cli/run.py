"""``dlsolve run``: solve problem files and print (or write, or compile) the worked solutions."""

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from solver.cli.plumbing import (
    ColorOption,
    Detail,
    DetailOption,
    Format,
    FormatOption,
    LangOption,
    OutputOption,
    emit,
    handle_errors,
    resolved_format,
    solve_files,
)
from solver.errors import UnsolvableError, UsageError
from solver.i18n import tr


class Sheet(str, Enum):
    """LaTeX documents: the worked solutions, or the exam (statements, given data, answer space)."""

    solution = "solution"
    exam = "exam"


FragmentOption = Annotated[
    bool, typer.Option("--fragment", help="LaTeX: only the body, to \\input into your own document.")
]


def check_document_options(fmt: Format | None, output: Path | None, fragment: bool, sheet: Sheet, pdf: bool) -> None:
    """--sheet exam and --pdf need a LaTeX document (exit 2 before any solving otherwise)."""
    resolved = resolved_format(fmt, output)
    if sheet is Sheet.exam and resolved != "latex":
        # Translators: {format} is an output format such as markdown
        raise UsageError(tr("--sheet exam makes a LaTeX document: add --format latex (or -o FILE.tex), not {format}",
                            format=resolved))
    if pdf:
        if resolved != "latex" or output is None:
            raise UsageError(tr("--pdf compiles a LaTeX document: give -o FILE.tex (and --format latex if the suffix "
                                "is not .tex); the PDF is written next to it"))
        if fragment:
            raise UsageError(tr("--pdf needs a whole document: leave out --fragment"))
        if output.suffix.lower() == ".pdf":
            raise UsageError(f"-o {output}: " + tr("name the LaTeX file (FILE.tex); the PDF is written next to it"))


def run(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Problem files (YAML), or folders of them.", show_default=False,
                                                metavar="FILE...")],
    fmt: FormatOption = None,
    output: OutputOption = None,
    fragment: FragmentOption = False,
    color: ColorOption = None,
    numeric: Annotated[bool, typer.Option("--numeric", help="Floating point instead of exact arithmetic "
                                          "(for networks too large for exact forms).")] = False,
    timeout: Annotated[int, typer.Option("--timeout", min=0, help="Stop a solve that takes longer than this many "
                                         "seconds (0: no limit).")] = 120,
    sheet: Annotated[Sheet, typer.Option("--sheet", help="LaTeX: the solution sheet (steps, graphs, answers) or the "
                                         "exam sheet (statements, given data and answer space).")] = Sheet.solution,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also compile -o FILE.tex into FILE.pdf (latexmk, else pdflatex; "
                                      "exit 2 when neither is installed).")] = False,
    detail: DetailOption = Detail.standard,
    lang: LangOption = None,
    show_source: Annotated[bool, typer.Option("--show-source", help="Exam sheet: print where each problem comes "
                                              "from (its source: line); left out by default.")] = False,
) -> None:
    """Solve problem files and print the worked solutions.

    Examples:

      dlsolve run problems/lstm.yaml

      dlsolve run problems/fc-params.yaml --format json

      dlsolve run problems/mlp-binary.yaml --detail full

      dlsolve run problems/mlp-binary.yaml --lang ru      (Russian; also DLSOLVE_LANG=ru)

      dlsolve run problems/mlp-binary.yaml --detail brief --format latex -o model-solution.tex

      dlsolve run problems/ --format latex -o solutions.tex

      dlsolve run problems/*.yaml --pdf -o solutions.tex

      dlsolve run problems/*.yaml --sheet exam --pdf -o exam.tex
    """
    with handle_errors(ctx):
        check_document_options(fmt, output, fragment, sheet, pdf)
        # -f json: a verdict (no solution, and why) is a document too, among the others; the exit code stays 1
        verdicts: list[UnsolvableError] = []
        solutions = solve_files(files, numeric, timeout, verdicts if resolved_format(fmt, output) == "json" else None)
        emit(solutions, fmt, output, fragment, color, sheet.value, pdf, detail.value, show_source)
        if verdicts:
            raise verdicts[0] if len(verdicts) == 1 else UnsolvableError("\n".join(v.message for v in verdicts))

"""``dlsolve check``: a student's answers to a problem, judged value by value against the exact solution."""

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from solver.cli.plumbing import LangOption, OutputOption, handle_errors, write_atomically
from solver.errors import EXIT_BAD_SPEC, EXIT_INCORRECT, UsageError
from solver.i18n import ntr, tr

if TYPE_CHECKING:
    from solver.problem import Problem
    from solver.trace import Solution


class CheckFormat(str, Enum):
    """The report's formats."""

    text = "text"
    json = "json"
    markdown = "markdown"
    latex = "latex"


def check(
    ctx: typer.Context,
    problem: Annotated[Path, typer.Argument(help="The problem file (YAML).", show_default=False, dir_okay=False)],
    answers: Annotated[Path | None, typer.Argument(
        help="The answers file (YAML): quantity names → values. Without it, the problem file's own "
             "answers: section (an instructor's key) is checked.", show_default=False, dir_okay=False)] = None,
    answers_dir: Annotated[Path | None, typer.Option(
        "--answers-dir", help="A class: every *.yaml in this folder is one student's answers (the student is "
        "the file name without .yaml); writes a CSV of scores.", show_default=False, file_okay=False,
        exists=True)] = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="Report format.")] = CheckFormat.text,
    reveal: Annotated[bool, typer.Option("--reveal", help="Show the exact value of every wrong answer.")] = False,
    output: OutputOption = None,
    lang: LangOption = None,
) -> None:
    """Check a student's answers against the exact solution, step by step.

    Each value is judged correct, correct to the decimals given, or wrong (and why, when a slip explains it).

    The report gives the score and the first wrong step. Exit code 0 when every answer is right, 5 if not.

    With --answers-dir: a CSV of scores; exit code 3 if a file is unreadable (-o: nothing written), 5 if some are wrong.

    Examples:

      dlsolve check problems/mlp-binary.yaml my-answers.yaml

      dlsolve check problems/mlp-binary.yaml my-answers.yaml --reveal -f json

      dlsolve check problems/mlp-binary.yaml --answers-dir class/ -o scores.csv
    """
    with handle_errors(ctx):
        from solver.api import solve_loaded
        from solver.check.answers import read_answers
        from solver.check.classes import judge
        from solver.check.report import render_report
        from solver.spec import load_file

        if answers is not None and answers_dir is not None:
            raise UsageError(tr("give an answers file or --answers-dir, not both"))
        if answers_dir is not None and (fmt is not CheckFormat.text or reveal):
            raise UsageError(tr("--answers-dir writes a CSV of scores: --format and --reveal do not apply"))
        loaded = load_file(problem)
        if len(loaded) != 1:
            raise UsageError(f"{problem}: " + ntr("holds {n} problem; check one problem per file",
                                                     "holds {n} problems; check one problem per file", len(loaded)))
        if answers is None and answers_dir is None and not loaded[0].answers:
            raise UsageError(f"{problem}: " + tr("no answers: give an answers file, --answers-dir, or an answers: "
                                                 "section in the problem file"))
        given = None if answers is None else read_answers(answers, loaded[0].problem.kind == "symbolic")
        solution = solve_loaded(loaded[0])  # (after reading the answers: a bad answers file fails at once)
        if answers_dir is not None:
            _check_class(solution, answers_dir, output, loaded[0].problem)
            return
        if given is None:
            report = judge(solution, list(loaded[0].answers), str(problem), (*loaded[0].prefix, "answers"),
                           loaded[0].problem)
        else:
            report = judge(solution, given, str(answers), problem=loaded[0].problem)
        text = render_report([report], fmt.value, reveal)
        _write(text, output)
        if not report.all_correct:
            raise typer.Exit(EXIT_INCORRECT)


def _check_class(solution: "Solution", folder: Path, output: Path | None, problem: "Problem") -> None:
    """Judge every answers file in ``folder``; exit 3 when a file was unreadable (the CSV, its rows with
    the errors, on the terminal only: ``-o`` writes only after a full success), else write the CSV and
    exit 5 when some answer is wrong."""
    from solver.check.classes import class_csv, judge_class, student_files

    try:
        files = student_files(folder)
    except ValueError as error:
        raise UsageError(str(error)) from None
    rows = judge_class(solution, files, problem)
    failed = [row for row in rows if row.error]
    if not failed or output is None:
        _write(class_csv(solution, rows), output)
    for row in failed:
        typer.echo(f"dlsolve: error: {row.error}", err=True)
    if failed:
        raise typer.Exit(EXIT_BAD_SPEC)
    if any(row.report is not None and not row.report.all_correct for row in rows):
        raise typer.Exit(EXIT_INCORRECT)


def _write(text: str, output: Path | None) -> None:
    """The report on stdout, or written whole to ``output``."""
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomically(output, text)

"""``dlsolve check``: a student's answers to a problem, judged value by value against the exact solution."""

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from solver.cli.plumbing import OutputOption, handle_errors, write_atomically
from solver.errors import EXIT_INCORRECT, FieldError, SpecError, SpecIssue, UsageError


class CheckFormat(str, Enum):
    """The report's formats."""

    text = "text"
    json = "json"
    markdown = "markdown"
    latex = "latex"


def check(
    ctx: typer.Context,
    problem: Annotated[Path, typer.Argument(help="The problem file (YAML).", show_default=False, dir_okay=False)],
    answers: Annotated[Path, typer.Argument(help="The answers file (YAML): quantity names → values.",
                                            show_default=False, dir_okay=False)],
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="Report format.")] = CheckFormat.text,
    reveal: Annotated[bool, typer.Option("--reveal", help="Show the exact value of every wrong answer.")] = False,
    output: OutputOption = None,
) -> None:
    """Check a student's answers: each value correct, correct to the decimals given, or wrong (and why),
    the score, and the first wrong step. Exit code 0 when every answer is right, 5 when some are not.

    Examples:

      dlsolve check problems/mlp-binary.yaml my-answers.yaml

      dlsolve check problems/mlp-binary.yaml my-answers.yaml --reveal -f json
    """
    with handle_errors(ctx):
        from solver.api import solve_loaded
        from solver.check import check as judge
        from solver.check.answers import read_answers
        from solver.check.report import render_report
        from solver.spec import load_file

        loaded = load_file(problem)
        if len(loaded) != 1:
            raise UsageError(f"{problem}: holds {len(loaded)} problems; check one problem per file")
        solution = solve_loaded(loaded[0])
        given = read_answers(answers)
        try:
            report = judge(solution, given, loaded[0].problem)
        except FieldError as error:  # an answer names no quantity of the problem: point at its line
            line = next((g.line for g in given if ("answers", g.name) == tuple(error.path)), None)
            raise SpecError([SpecIssue(str(answers), line, error.path[1:], error.message)]) from None
        text = render_report([report], fmt.value, reveal)
        if output is None:
            typer.echo(text, nl=False)
        else:
            write_atomically(output, text)
        if not report.all_correct:
            raise typer.Exit(EXIT_INCORRECT)

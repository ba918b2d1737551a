"""``dlsolve list``: the problem bank as a table (file, id, kind, title; or file, kind, source)."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from solver.cli.plumbing import LangOption, handle_errors
from solver.errors import EXIT_BAD_SPEC, SpecError, UsageError
from solver.i18n import tr


def list_problems(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Folder of problem files.", file_okay=False)] = Path("problems"),
    source: Annotated[bool, typer.Option("--source", help="Show where each problem comes from (its "
                                         "source: field) instead of its id and title.")] = False,
    lang: LangOption = None,
) -> None:
    """List the problem bank: id, kind and title of every problem file.

    Examples:

      dlsolve list problems

      dlsolve list --source          (which exam or slides each problem comes from)
    """
    with handle_errors(ctx):
        from rich.console import Console
        from rich.table import Table

        from solver.spec import load_file

        if not folder.is_dir():
            raise UsageError(f"{folder}: " + tr("no such folder"))
        table = Table(box=None, header_style="bold", pad_edge=False)
        for column in (tr("file"), tr("kind"), tr("source")) if source else (tr("file"), "id", tr("kind"), tr("title")):
            table.add_column(column)
        invalid = 0
        for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
            try:
                for item in load_file(path):
                    problem = item.problem
                    table.add_row(*((path.name, problem.kind, problem.source or "—") if source else
                                    (path.name, problem.id, problem.kind, problem.title)))
            except SpecError as error:
                invalid += 1
                table.add_row(*((path.name, "[red]invalid[/red]", str(error.issues[0])) if source else
                                (path.name, "", "[red]invalid[/red]", str(error.issues[0]))))
        Console(highlight=False, width=None if sys.stdout.isatty() else 200).print(table)  # no wrapping in pipes
        if invalid:
            raise typer.Exit(EXIT_BAD_SPEC)

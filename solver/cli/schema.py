"""``dlsolve schema``: the JSON Schema of problem files, for editors that validate and complete YAML."""

from pathlib import Path
from typing import Annotated

import typer

from solver.cli.plumbing import handle_errors, write_atomically


def schema(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Argument(
        help="Only this kind's problems (default: every kind).", show_default=False)] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Write the schema to this file (default: standard output).",
        dir_okay=False, show_default=False)] = None,
) -> None:
    """Print the JSON Schema (draft 2020-12) of a problem file: every kind, or only KIND.

    Examples:

      dlsolve schema -o dlsolve.schema.json   (then start a problem file with
      # yaml-language-server: $schema=./dlsolve.schema.json)

      dlsolve schema rnn
    """
    with handle_errors(ctx):
        import json

        from solver.schema import problem_schema

        text = json.dumps(problem_schema(kind), indent=2, ensure_ascii=False) + "\n"
        if output is None:
            typer.echo(text, nl=False)
        else:
            write_atomically(output, text)

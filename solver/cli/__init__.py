"""The ``dlsolve`` command line: the typer app, its main options and the console-script entry point.

Each command lives in its own module (``run``, ``listing``, ``params``, ``graph``); what they
share (errors translated once at the edge, output formats, solving files, writing) is in
``solver.cli.plumbing``. The main options reach the commands as ``ctx.obj`` (a ``Settings``).

Only the standard library, typer and rich are imported at start-up; everything else is imported
inside the command that needs it, so ``--help`` and ``lstm-params`` start fast.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from solver import __version__
from solver.cli import check, graph, listing, params, run, schema, vary
from solver.cli.plumbing import EXIT_CODES, Settings
from solver.errors import EXIT_INTERRUPTED

__all__ = ["app", "main"]

app = typer.Typer(
    name="dlsolve",
    help="Solve deep-learning exam problems exactly, step by step.\n\n"
    "Examples:\n\n"
    "  dlsolve run problems/lstm.yaml\n\n"
    "  dlsolve run problems/*.yaml --pdf -o solutions.tex\n\n"
    "  dlsolve run problems/lstm.yaml --lang hr    (or DLSOLVE_LANG=hr)\n\n"
    "  dlsolve check problems/mlp-binary.yaml my-answers.yaml\n\n"
    "  dlsolve graph problems/graph-add-mul.yaml -o graph.png\n\n"
    "  dlsolve lstm-params --hidden 500 --input 300 --layers 2",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dlsolve {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show Python tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Solve deep-learning exam problems exactly, step by step."""
    ctx.obj = Settings(debug=debug)


# The commands, in the order ``dlsolve --help`` lists them.
app.command()(run.run)
app.command("check")(check.check)
app.command("list")(listing.list_problems)
app.command("lstm-params")(params.lstm_params)
app.command("gru-params")(params.gru_params)
app.command("rnn-params")(params.rnn_params)
app.command("fc-params")(params.fc_params)
app.command("conv-params")(params.conv_params)
app.command("graph")(graph.graph)
app.command("vary")(vary.vary)
app.command("schema")(schema.schema)


def main() -> None:
    """Console-script entry point."""
    try:
        with _only_the_named_command(sys.argv[1:]):
            app()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)


@contextmanager
def _only_the_named_command(args: list[str]) -> Iterator[None]:
    """While the app runs, only the command that ``args`` name is registered: typer builds the options of
    every registered command at each start, about 10 ms spent on the ten a run does not use. Anything
    else (no command, ``--help``, a misspelt name) runs with them all."""
    from typer.main import get_command_name

    every = app.registered_commands
    named = [info for info in every
             if args and args[0] == (info.name or get_command_name(info.callback.__name__))]  # type: ignore[union-attr]
    app.registered_commands = named or every
    try:
        yield
    finally:
        app.registered_commands = every

"""``dlsolve lstm-params`` as the least a typer + rich program does: parse the options and print the same
sheet (a rule, the worked steps, the answers in a panel) with rich, computing nothing: the sheet is read from
``--sheet``, a file holding dlsolve's own output, which ``ratios.py references`` checks this reproduces.

Only typer and rich: what is left of the 1.25× budget after it is what dlsolve may spend on everything else
(its modules, the counts, the trace, laying out the steps).
"""

import io
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

app = typer.Typer(add_completion=False)


@app.command("lstm-params")
def lstm_params(hidden: Annotated[int, typer.Option("--hidden", min=1)],
                input: Annotated[int, typer.Option("--input", min=1)],
                sheet: Annotated[Path, typer.Option("--sheet")],
                layers: Annotated[int, typer.Option("--layers", min=1)] = 1) -> None:
    """Print the sheet."""
    lines = sheet.read_text().splitlines()
    panel = next(i for i, line in enumerate(lines) if line.startswith("╭"))
    body = Text("\n".join(lines[1:panel]).rstrip())
    answers = Text("\n".join(line[2:-2].rstrip() for line in lines[panel + 1:-1]))
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, highlight=False, emoji=False)
    console.print(Group(Rule(Text(lines[0].split(" ─")[0]), align="left"), body, Text(),
                        Panel(answers, title=Text("Answers"), title_align="left", expand=False)))
    sys.stdout.write("\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n")


@app.command("other")
def other() -> None:
    """A second command, so that typer builds a command group as dlsolve's."""


if __name__ == "__main__":
    app()

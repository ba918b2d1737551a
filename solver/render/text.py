"""Terminal output with rich: readable at 80 columns, Unicode math, a final-answers block."""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from solver.render import values
from solver.render.steps import chain, numbered
from solver.trace import Solution, Step

INDENT = 4


def render(solutions: list[Solution], color: bool = False, width: int = 80) -> str:
    """The solutions as terminal text (with ANSI colours when ``color``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system="standard" if color else None,
                      highlight=False, emoji=False, legacy_windows=False)
    for i, solution in enumerate(solutions):
        if i:
            console.print()
        console.print(view(solution))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def view(solution: Solution) -> RenderableType:
    """One solution as a rich renderable."""
    parts: list[RenderableType] = [Rule(Text(f"{solution.id} · {solution.kind}", style="bold"), align="left")]
    parts.append(Text(solution.title, style="bold"))
    if solution.source:
        parts.append(Text(solution.source, style="dim"))
    if solution.statement:
        parts += [Text(), Text(solution.statement)]
    if solution.given:
        parts += [Text(), Text("Given", style="bold underline"), Padding(_given(solution), (0, 0, 0, 2))]
    parts += [Text(), Text("Solution", style="bold underline")]
    parts += list(_steps(solution.steps, ""))
    parts += [Text(), _answers(solution)]
    return Group(*parts)


def _given(solution: Solution) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_column(style="dim")
    for given in solution.given:
        table.add_row(given.name, values.text(given.value), given.description)
    return table


def _steps(steps: tuple[Step, ...], prefix: str, depth: int = 0):
    for number, step in numbered(steps, prefix):
        label = Text.assemble((f"{number}  ", "bold cyan"), (values.prose_text(step.title), "bold"))
        yield Padding(label, (0, 0, 0, 1 + INDENT * depth))
        body = INDENT * depth + len(number) + 3
        math = chain(step, values.text)
        if math:
            yield Padding(Text(math, style="green"), (0, 0, 0, body + 2))
        if step.note:
            yield Padding(Text(values.prose_text(step.note), style="italic dim"), (0, 0, 0, body))
        if step.substeps:
            yield from _steps(step.substeps, f"{number}.", depth + 1)


def _answers(solution: Solution) -> Panel:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_column(style="bold green")
    table.add_column(style="dim")
    for answer in solution.answers:
        shown = values.text(answer.value)
        approx = values.decimal(answer.value)
        table.add_row(answer.name, "=", f"{shown} ≈ {approx}" if approx else shown, answer.description)
    return Panel(table, title="Answers", title_align="left", expand=False, border_style="green")

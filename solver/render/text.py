"""Terminal output with rich: readable at 80 columns, Unicode math, a final-answers block."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from solver.render import prose, text_values
from solver.render.steps import numbered, parts, side_by_side
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
        console.print(view(solution, width))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def view(solution: Solution, width: int = 80) -> RenderableType:
    """One solution as a rich renderable."""
    body = Text()
    _block(body, solution.title, 0, width, "bold")
    if solution.source:
        _block(body, solution.source, 0, width, "dim")
    if solution.statement:
        body.append("\n")
        _block(body, solution.statement, 0, width)
    if solution.given:
        body.append("\nGiven\n", style="bold underline")
        _columns(body, [((prose.prose_text(g.name), "bold"), (text_values.compact(g.value), ""),
                         (prose.words(g.description, str), "dim")) for g in solution.given], 2)
    body.append("\nSolution\n", style="bold underline")
    _steps(body, solution.steps, "", 0, width)
    body.rstrip()
    header = Rule(Text(f"{solution.id} · {solution.kind}", style="bold"), align="left")
    return Group(header, body, Text(), _answers(solution))


def _block(out: Text, text: str, indent: int, width: int, style: str = "") -> None:
    """Append ``text`` wrapped to ``width`` with every line indented (multi-line text kept as is)."""
    import textwrap

    lines = text.splitlines() if "\n" in text else textwrap.wrap(text, max(20, width - indent), break_on_hyphens=False)
    for line in lines:
        out.append(" " * indent)
        out.append(line, style=style)
        out.append("\n")


def _steps(out: Text, steps: tuple[Step, ...], prefix: str, depth: int, width: int) -> None:
    for number, step in numbered(steps, prefix):
        indent = 1 + INDENT * depth
        out.append(" " * indent)
        out.append(f"{number}  ", style="bold cyan")
        out.append(prose.words(step.title, prose.prose_text) + "\n", style="bold")
        body = indent + len(number) + 2
        _math(out, step, body + 2, width)
        if step.note:
            _block(out, prose.words(step.note, prose.prose_text), body, width, "italic dim")
        if step.substeps:
            _steps(out, step.substeps, f"{number}.", depth + 1, width)


def _math(out: Text, step: Step, indent: int, width: int) -> None:
    """``formula = substituted = result ≈ decimal``: on one line, side by side, or one part per line."""
    pieces = parts(step, text_values.text)
    if not pieces:
        return
    has_decimal = step.result is not None and text_values.decimal(step.result) is not None
    separators = [" = "] * (len(pieces) - 1)
    if has_decimal:
        separators[-1] = " ≈ "
    if not any("\n" in piece for piece in pieces):
        _block(out, "".join(p + s for p, s in zip(pieces, [*separators, ""])), indent, width, "green")
        return
    lines = side_by_side(pieces, separators)
    if max(len(line) for line in lines) + indent > width:  # too wide: one part per line, aligned on "="
        lines = []
        for i, piece in enumerate(pieces):
            lead = "  " if i == 0 else separators[i - 1].strip() + " "
            lines += side_by_side([lead, piece], [])
    for line in lines:
        out.append(" " * indent + line + "\n", style="green")


def _columns(out: Text, rows: Sequence[tuple[tuple[str, str], ...]], indent: int = 0) -> None:
    """Append rows of (text, style) cells aligned in columns two spaces apart; cells may span lines."""
    split = [[cell.splitlines() or [""] for cell, _ in row] for row in rows]
    widths = [max(len(line) for row in split for line in row[i]) for i in range(len(rows[0]))]
    for row, cells in zip(rows, split):
        for k in range(max(len(lines) for lines in cells)):
            out.append(" " * indent)
            for i, ((_, style), lines) in enumerate(zip(row, cells)):
                line = lines[k] if k < len(lines) else ""
                last = i == len(row) - 1
                out.append(line if last else line.ljust(widths[i] + 2), style=style)
            out.append("\n")


PANEL_WIDTH = 76  # the answers panel inside 80 columns


def _block_width(block: str) -> int:
    return max((len(line) for line in block.splitlines()), default=0)


def _answers(solution: Solution) -> Panel:
    rows = []
    name_width = max((len(a.name) for a in solution.answers), default=0)
    room = PANEL_WIDTH - name_width - 5  # columns left for the value (and its decimal) in the panel
    for answer in solution.answers:
        shown = text_values.text(answer.value, room)
        approx = text_values.decimal(answer.value, room)
        if approx and _block_width(shown) + 3 + _block_width(approx) <= room:
            shown = "\n".join(side_by_side([shown, approx], [" ≈ "]))
        elif approx:
            shown = "\n".join(side_by_side([shown], []) + ["≈ " + line if i == 0 else "  " + line
                                                             for i, line in enumerate(approx.splitlines())])
        rows.append(((answer.name, "bold"), ("=", ""), (shown, "bold green"), (answer.description, "dim")))
    column = max((_block_width(row[2][0]) for row in rows), default=0)  # descriptions line up after the widest value
    rows = [row if column + 2 + len(row[3][0]) <= room else (*row[:3], ("", "dim")) for row in rows]
    table = Text()
    if not rows:
        table.append("No quantity is determined: see the steps.", style="yellow")
    else:
        _columns(table, rows)
    table.rstrip()
    return Panel(table, title="Answers", title_align="left", expand=False, border_style="green")

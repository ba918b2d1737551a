"""Terminal output with rich: readable at 80 columns, Unicode math, a final-answers block."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from solver.i18n import tr
from solver.render import prose, text_values
from solver.render.steps import numbered, parts
from solver.render.text_values import side_by_side
from solver.trace import Solution, Step

INDENT = 4
HANG = 4  # extra columns of a continuation line of a wrapped formula
OPERATORS = frozenset("=+−-≈·×⊙")  # a formula broken before one of these starts its next line with it


def render(solutions: list[Solution], color: bool = False, width: int = 80, **_: object) -> str:
    """The solutions as terminal text (with ANSI colours when ``color``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system="standard" if color else None,
                      highlight=False, emoji=False, legacy_windows=False,
                      force_jupyter=False)  # in a notebook, rich would display instead of writing
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
        body.append("\n" + tr("Given") + "\n", style="bold underline")
        _given(body, solution, width)
    body.append("\n" + tr("Solution") + "\n", style="bold underline")
    if not solution.steps:
        _block(body, tr("No working to show at this detail level: see the answers."), 1, width, "dim")
    _steps(body, solution.steps, "", 0, width)
    body.rstrip()
    header = Rule(Text(f"{solution.id} · {solution.kind}", style="bold"), align="left")
    return Group(header, body, Text(), _answers(solution, width))


def wrap_line(line: str, width: int, hang: int = HANG) -> list[str]:
    """``line`` broken at spaces into lines of at most ``width`` columns, each continuation line
    indented ``hang`` columns more than the line's own indentation and starting with the operator
    it was broken before (a word longer than a line is cut)."""
    if len(line) <= width:
        return [line]
    indent = len(line) - len(line.lstrip(" "))
    words = line.strip(" ").split(" ")
    lines: list[str] = []
    current = " " * indent
    lead = " " * min(indent + hang, max(0, width - 20))
    for word in words:
        joined = current + " " + word if current.strip() else current + word
        if len(joined) <= width or not current.strip():
            current = joined
        else:
            head, _, last = current.rpartition(" ")
            if last in OPERATORS and head.strip():  # break before the operator, not after it
                lines.append(head)
                current = lead + last + " " + word
            else:
                lines.append(current)
                current = lead + word
        while len(current) > width:  # a single word wider than the line
            lines.append(current[:width])
            current = lead + current[width:]
    lines.append(current)
    return [line.rstrip() for line in lines]


def _block(out: Text, text: str, indent: int, width: int, style: str = "") -> None:
    """Append ``text`` wrapped to ``width`` with every line indented (each line of multi-line text wrapped alone)."""
    room = max(20, width - indent)
    for line in [piece for paragraph in text.splitlines()
                 for piece in textwrap.wrap(paragraph, room, break_on_hyphens=False) or [""]]:
        out.append(" " * indent)
        out.append(line, style=style)
        out.append("\n")


def _steps(out: Text, steps: tuple[Step, ...], prefix: str, depth: int, width: int) -> None:
    for number, step in numbered(steps, prefix):
        indent = 1 + INDENT * depth
        body = indent + len(number) + 2
        title = textwrap.wrap(prose.words(step.title, prose.prose_text), max(20, width - body),
                              break_on_hyphens=False) or [""]
        out.append(" " * indent)
        out.append(f"{number}  ", style="bold cyan")
        out.append(title[0] + "\n", style="bold")
        for line in title[1:]:  # a long title continues under its first word
            out.append(" " * body + line + "\n", style="bold")
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
        chain = " " * indent + "".join(p + s for p, s in zip(pieces, [*separators, ""]))
        for line in wrap_line(chain, width):
            out.append(line + "\n", style="green")
        return
    lines = side_by_side(pieces, separators)
    stacked = any(isinstance(piece, text_values.Anchored) for piece in pieces)
    if stacked or max(len(line) for line in lines) + indent > width:  # one part per line, aligned on "="
        lines = []
        for i, piece in enumerate(pieces):
            lead = "  " if i == 0 else separators[i - 1].strip() + " "
            if isinstance(piece, text_values.Anchored):  # the "=" on the first line of a stacked sum
                lines += [(lead if k == piece.anchor else " " * len(lead)) + line
                          for k, line in enumerate(piece.split("\n"))]
            elif "\n" in piece:
                lines += side_by_side([lead, piece], [])
            else:  # a long one-line part wraps under itself
                lines += [line[indent:] for line in wrap_line(" " * indent + lead + piece, width, len(lead) + HANG)]
    for line in lines:
        out.append(" " * indent + line + "\n", style="green")


MIN_DESCRIPTION = 20  # columns a description needs beside its value, else it goes on a line of its own


def _given(out: Text, solution: Solution, width: int) -> None:
    """The given data: name, value (on one line, wrapped under itself when too long) and description."""
    indent = 2
    names = [prose.prose_text(g.name) for g in solution.given]
    room = max(20, width - indent - max(map(len, names)) - 2)
    rows = [((name, "bold"), ("\n".join(wrap_line(text_values.compact(g.value), room, 2)), ""),
             (prose.words(g.description, str), "dim")) for name, g in zip(names, solution.given)]
    _columns(out, rows, width, indent)


def _columns(out: Text, rows: Sequence[tuple[tuple[str, str], ...]], width: int, indent: int = 0) -> None:
    """Append rows of (text, style) cells aligned in columns two spaces apart; cells may span lines.

    The last column (a description) wraps within what is left of ``width``; a row whose other cells
    leave it too little room has it on lines of its own below, under the second column."""
    split = [[cell.splitlines() or [""] for cell, _ in row] for row in rows]
    widths = [max(len(line) for row in split for line in row[i]) for i in range(len(rows[0]))]
    if len(widths) > 1:  # the descriptions' column: after the widest value that leaves them room
        limit = width - indent - sum(w + 2 for w in widths[:-2]) - 2 - MIN_DESCRIPTION
        widths[-2] = max((w for row in split if (w := max(len(line) for line in row[-2])) <= limit), default=0)
    start = indent + sum(w + 2 for w in widths[:-1])
    under = indent + widths[0] + 2 if len(widths) > 1 else indent
    for row, cells in zip(rows, split):
        text, style = row[-1]
        below = len(cells) > 1 and max(len(line) for line in cells[-2]) > widths[-2]
        cells[-1] = [""] if below else [piece for line in cells[-1]
                                        for piece in textwrap.wrap(line, width - start) or [""]]
        for k in range(max(len(lines) for lines in cells)):
            segments = [(" " * indent, "")]
            for i, ((_, cell_style), lines) in enumerate(zip(row, cells)):
                line = lines[k] if k < len(lines) else ""
                last = i == len(row) - 1
                segments.append((line if last else line.ljust(widths[i] + 2), cell_style))
            while len(segments) > 1 and not segments[-1][0].strip():  # no trailing blanks: they widen a panel
                segments.pop()
            segments[-1] = (segments[-1][0].rstrip(), segments[-1][1])
            for segment, cell_style in segments:
                out.append(segment, style=cell_style)
            out.append("\n")
        if below and text.strip():
            for line in textwrap.wrap(text, max(20, width - under - 2)):
                out.append(" " * (under + 2) + line + "\n", style=style)


PANEL_WIDTH = 76  # columns inside the answers panel (its borders and padding take 4 more)


def _block_width(block: str) -> int:
    return max((len(line) for line in block.splitlines()), default=0)


def _answers(solution: Solution, width: int = 80) -> Panel:
    rows = []
    name_width = max((len(a.name) for a in solution.answers), default=0)
    inside = min(PANEL_WIDTH, width - 4)  # inside the panel's borders and padding
    room = inside - name_width - 5  # columns left for the value (and its decimal) in the panel
    for answer in solution.answers:
        shown = text_values.text(answer.value, room)
        approx = text_values.decimal(answer.value, room)
        if approx and _block_width(shown) + 3 + _block_width(approx) <= room:
            shown = "\n".join(side_by_side([shown, approx], [" ≈ "]))
        elif approx:
            shown = "\n".join(side_by_side([shown], []) + ["≈ " + line if i == 0 else "  " + line
                                                             for i, line in enumerate(approx.splitlines())])
        shown = "\n".join(piece for line in shown.splitlines() for piece in wrap_line(line, room, 2))
        rows.append(((answer.name, "bold"), ("=", ""), (shown, "bold green"), (answer.description, "dim")))
    column = max((_block_width(row[2][0]) for row in rows), default=0)  # descriptions line up after the widest value
    rows = [row if column + 2 + len(row[3][0]) <= room else (*row[:3], ("", "dim")) for row in rows]
    table = Text()
    if not rows:
        table.append(tr("No quantity is determined: see the steps."), style="yellow")
    else:
        _columns(table, rows, inside)
    table.rstrip()
    # (a Text title: a str would be read as markup, which loads rich's emoji table for nothing)
    return Panel(table, title=Text(tr("Answers")), title_align="left", expand=False, border_style="green")

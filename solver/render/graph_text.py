"""The terminal view of a computational graph: a layered list from the inputs to the loss.

Every node shows its operation, what it reads (←) and feeds (→), its value and its gradient; a
gradient is written as the sum of what each consumer passes back (local × upstream), so fan-in
sums are visible. Lines are wrapped to the width (80 columns by default).
"""

from __future__ import annotations

import io
import textwrap

from solver.i18n import tr
from solver.render import graph_labels as labels
from solver.trace import Drawing, DrawNode

INDENT = 2


def render(drawings: list[tuple[str, Drawing]], which: str = "both", color: bool = False, width: int = 80) -> str:
    """(name, drawing) pairs as terminal text (ANSI colours when ``color``), at most ``width`` columns."""
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system="standard" if color else None,
                      highlight=False, emoji=False, legacy_windows=False,
                      force_jupyter=False)  # in a notebook, rich would display instead of writing
    for i, (name, drawing) in enumerate(drawings):
        if i:
            console.print()
        for text, style in lines(drawing, which, name, width):
            console.print(Text(text, style=style), no_wrap=True, overflow="ignore", crop=False)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def lines(drawing: Drawing, which: str = "both", name: str = "", width: int = 80) -> list[tuple[str, str]]:
    """The view as (line, rich style) pairs, every line at most ``width`` columns."""
    heading = (f"{name}: " if name else "") + drawing.title
    out = _wrapped(heading, "", "", width, "bold")
    out += _wrapped(labels.legend(drawing, which, colours=False) + ".",
                    "", "", width, "dim")
    shown = [node for node in labels.shown_nodes(drawing) if node.kind != "constant"]
    depth = _depths(drawing)
    for layer in sorted({depth[node.id] for node in shown}):
        out.append(("", ""))
        heading = tr("inputs and parameters") if layer == 0 else tr("layer {number}", number=layer)
        out.append((heading, "bold underline"))
        for node in (n for n in shown if depth[n.id] == layer):
            out += _node(drawing, node, which, width)
    return out


def _node(drawing: Drawing, node: DrawNode, which: str, width: int) -> list[tuple[str, str]]:
    reads = [drawing.node(edge.source).label for edge in drawing.edges if edge.target == node.id]
    feeds = [drawing.node(edge.target).label for edge in labels.consumers(drawing, node.id)]
    head = labels.title(node) + (" ← " + ", ".join(reads) if reads else "")
    head += " → " + ", ".join(feeds) if feeds else ""
    if node.id == drawing.loss:
        head += "  (loss)"
    pad = " " * INDENT
    out = _wrapped(head, pad, pad + "    ", width, "bold")
    if which != "backward":
        value = "value " + labels.line(node.value, with_decimal=True)
        out += _wrapped(value, pad * 2, pad * 2 + "      ", width, "green")
    if which != "forward" and node.grad is not None:
        loss = labels.loss_name(drawing)
        passed = [(drawing.node(e.target).label, e.grad)
                  for e in labels.consumers(drawing, node.id) if e.grad is not None]
        shown = labels.line(node.grad, with_decimal=True)
        grad = f"∂{loss}/∂{node.label} " + (shown if shown.startswith("≈ ") else "= " + shown)
        if len(passed) > 1:
            grad += " = " + " + ".join(f"{labels.line(g)} from {target}" for target, g in passed)
        elif passed:
            grad += f" (from {passed[0][0]})"
        out += _wrapped(grad, pad * 2, pad * 2 + "      ", width, "red")
    return out


def _wrapped(text: str, first: str, rest: str, width: int, style: str) -> list[tuple[str, str]]:
    wrapped = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False,
                            break_long_words=True)
    return [(line, style) for line in wrapped]


def _depths(drawing: Drawing) -> dict[str, int]:
    """Each node's layer: 0 for nodes that read nothing, else one more than its deepest input."""
    depth: dict[str, int] = {}
    for node in drawing.nodes:  # topological order
        parents = [depth.get(edge.source, 0) for edge in drawing.edges if edge.target == node.id
                   and drawing.node(edge.source).kind != "constant"]
        depth[node.id] = 1 + max(parents) if parents else 0
    return depth

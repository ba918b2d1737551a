"""Markdown output with ``$$…$$`` math (GitHub and Jupyter render it)."""

from __future__ import annotations

import re

from solver.render.templates import environment
from solver.render.view import solution_view
from solver.trace import Solution

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#|$])")


def escape_markdown(prose: str) -> str:
    """Prose with Markdown's special characters escaped."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", prose)


def render(solutions: list[Solution], **_: object) -> str:
    """The solutions as one Markdown document."""
    template = environment(latex=False).get_template("solution.md.j2")
    return template.render(solutions=[{**solution_view(s, escape_markdown), "graphs": graphs(s)} for s in solutions])


def graphs(solution: Solution) -> list[dict[str, str]]:
    """The solution's computational graphs as Mermaid diagrams: forward (values) and backward (gradients)."""
    from solver.render import graph_labels
    from solver.render.mermaid import mermaid

    shown = []
    for drawing in solution.drawings:
        backward = graph_labels.has_gradients(drawing)
        shown.append({"title": escape_markdown(drawing.title),
                      "legend": escape_markdown(graph_labels.legend(drawing, "both" if backward else "forward")),
                      "forward": mermaid(drawing, "forward"),
                      "backward": mermaid(drawing, "backward") if backward else ""})
    return shown

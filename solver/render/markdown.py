"""Markdown output with ``$…$`` and ``$$…$$`` math that GitHub and Jupyter render: display math on
lines of its own, one line per row; matrices never inline or in a table."""

from __future__ import annotations

import re
from typing import Any

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
    return template.render(solutions=[markdown_view(s) for s in solutions])


def markdown_view(solution: Solution) -> dict[str, Any]:
    """The view of :func:`solution_view` made for GitHub's and Jupyter's renderers: display math
    broken into one line per row; matrices and multi-row values displayed, never inline."""
    view = solution_view(solution, escape_markdown)
    for row in view["given"]:
        row["display"] = _tall(row["value"])
        row["value"] = display_math(row["value"])
    for row in view["answers"]:
        row["display"] = _tall(row["value"]) or _tall(row["decimal"] or "")
        approximately = f" \\approx {row['decimal']}" if row["decimal"] else ""
        row["math"] = display_math(f"{row['name']} = {row['value']}{approximately}")
    view["steps"] = _display_steps(view["steps"])
    return {**view, "graphs": graphs(solution)}


def display_math(latex: str) -> str:
    """``latex`` with every row on a line of its own: a line break before each ``\\\\`` that does not
    end a line already, so that no line starts with a character Markdown reads as a list or quote."""
    return re.sub(r"[ \t]*(\\\\)(?![ \t]*\n)[ \t]*", "\n\\1", latex)


def _tall(latex: str) -> bool:
    """Whether ``latex`` has rows (a column, a matrix, aligned lines): too tall for inline math."""
    return "\\\\" in latex


def _display_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**step, "math": display_math(step["math"]), "substeps": _display_steps(step["substeps"])}
            for step in steps]


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

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
    return template.render(solutions=[solution_view(s, escape_markdown) for s in solutions])

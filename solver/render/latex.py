"""LaTeX output: a complete document from templates/solution.tex.j2 (``fragment`` for the body)."""

from __future__ import annotations

from solver.render import values
from solver.render.templates import environment
from solver.render.view import solution_view
from solver.trace import Solution


def render(solutions: list[Solution], fragment: bool = False, **_: object) -> str:
    """The solutions as a LaTeX document that compiles with pdflatex, or only its body."""
    template = environment(latex=True).get_template("solution.tex.j2")
    views = [solution_view(solution, values.escape_text, values.escape_notation) for solution in solutions]
    return template.render(solutions=views, fragment=fragment)

"""LaTeX output: a complete document from templates/solution.tex.j2 (``fragment`` for the body), or
the exam sheet from templates/exam.tex.j2 (statements, given data and answer space only)."""

from __future__ import annotations

from solver.i18n import language
from solver.render import prose, tikz
from solver.render.templates import environment
from solver.render.view import solution_view
from solver.trace import Solution

ANSWER_SPACE = (5.0, 1.2, 14.0)  # cm of answer space: base, per asked answer, at most


def render(solutions: list[Solution], fragment: bool = False, sheet: str = "solution", show_source: bool = False,
           detail: str = "standard", **_: object) -> str:
    """The solutions as a LaTeX document that compiles with pdflatex, or only its body;
    ``sheet="exam"``: the exam sheet instead (no steps, answers or graphs; sources only with ``show_source``).
    Below ``full`` detail a graph is one picture, its backward pass (which shows the values too)."""
    if sheet == "exam":
        return exam(solutions, fragment, show_source)
    template = environment(latex=True).get_template("solution.tex.j2")
    views = [{**solution_view(solution, prose.escape_text, prose.escape_notation),
              "graphs": tikz.figures(solution.drawings, both=detail == "full")} for solution in solutions]
    return template.render(solutions=views, fragment=fragment, graphs=any(view["graphs"] for view in views),
                           lang=language())


def exam(solutions: list[Solution], fragment: bool = False, show_source: bool = False) -> str:
    """The exam sheet: each problem's statement and given data, then a framed answer space; where a
    problem comes from (its source) only with ``show_source``: a student's sheet does not say."""
    template = environment(latex=True).get_template("exam.tex.j2")
    views = []
    for solution in solutions:
        view = solution_view(solution, prose.escape_text, prose.escape_notation)
        base, per_answer, most = ANSWER_SPACE
        views.append({key: view[key] for key in ("id", "title", "source", "statement", "given")}
                     | {"space": f"{min(most, base + per_answer * len(solution.answers)):.1f}cm"}
                     | ({} if show_source else {"source": ""}))
    return template.render(problems=views, fragment=fragment, lang=language())

"""The view model the LaTeX and Markdown templates fill in: strings only, computed nothing."""

from __future__ import annotations

import re
from typing import Any

from solver.render import values
from solver.render.steps import numbered, parts
from solver.trace import Solution, Step


def solution_view(solution: Solution, prose: Any, notation: Any = None) -> dict[str, Any]:
    """A solution as plain strings.

    ``prose`` escapes the user's text (title, statement) for the target format; ``notation``
    escapes the solver's own text (step titles, notes, descriptions), where ``C_out`` is notation.
    """
    notation = notation or prose
    return {
        "id": prose(solution.id),
        "kind": prose(solution.kind),
        "title": prose(solution.title),
        "source": prose(solution.source),
        "statement": prose(solution.statement),
        "given": [
            {"name": values.formula_latex(g.name), "value": _given_value(g.value, prose), "description": notation(g.description)}
            for g in solution.given
        ],
        "steps": _steps(solution.steps, "", notation),
        "answers": [
            {
                "name": values.formula_latex(a.name),
                "value": values.latex(a.value),
                "decimal": values.decimal_latex(a.value),
                "description": notation(a.description),
            }
            for a in solution.answers
        ],
    }


MAX_LINE = 90  # characters of typeset math that fit one line of the page


def _visible_length(latex: str) -> int:
    """Roughly how many characters ``latex`` typesets to: a command is one glyph, braces none."""
    return len(re.sub(r"[{}]", "", re.sub(r"\\[A-Za-z]+\s?", "x", latex)))


def _latex_chain(step: Step) -> str:
    """The step's equation chain as LaTeX; long chains break into aligned lines at the = signs."""
    pieces = parts(step, values.latex, values.decimal_latex)
    if not pieces:
        return ""
    has_decimal = step.result is not None and values.decimal_latex(step.result) is not None
    separators = ["="] * (len(pieces) - 1)
    if has_decimal:
        separators[-1] = r"\approx"
    if sum(_visible_length(p) for p in pieces) < MAX_LINE or len(pieces) == 1:
        return " ".join(p + (f" {s} " if s else "") for p, s in zip(pieces, [*separators, ""])).strip()
    lines = [f"&{pieces[0]}"] + [f"&{s} {p}" for s, p in zip(separators, pieces[1:])]
    return "\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}"


def _given_value(value: Any, prose: Any) -> str:
    return r"\text{%s}" % prose(value) if isinstance(value, str) else values.latex(value)


def _steps(steps: tuple[Step, ...], prefix: str, prose: Any) -> list[dict[str, Any]]:
    return [
        {
            "number": number,
            "kind": step.kind.value,
            "title": prose(step.title),
            "math": _latex_chain(step),
            "note": prose(step.note),
            "substeps": _steps(step.substeps, f"{number}.", prose),
        }
        for number, step in numbered(steps, prefix)
    ]

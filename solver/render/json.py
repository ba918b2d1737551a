"""JSON output: exactly the contract in docs/architecture.md, plus the documented ``steps`` structure.

One problem → one object; several → an array in input order. Each answer is
``{"exact", "latex", "value"}``. Each step is
``{"number", "kind", "detail", "title", "formula", "substituted", "result", "note", "substeps"}`` where
``formula``/``substituted`` are ``{"text", "latex"}`` or null and ``result`` is an answer-shaped
object or null.
"""

from __future__ import annotations

import json
from typing import Any

from solver.render import json_values, latex_values, prose, text_values
from solver.render.steps import numbered
from solver.trace import Solution, Step


def render(solutions: list[Solution], **_: object) -> str:
    """The solutions as JSON text (an object for one, an array for several)."""
    documents = [document(solution) for solution in solutions]
    payload: Any = documents[0] if len(documents) == 1 else documents
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def document(solution: Solution) -> dict[str, Any]:
    """One solution as the contract's JSON object."""
    return {
        "id": solution.id,
        "kind": solution.kind,
        "title": solution.title,
        "answers": {answer.name: exact_value(answer.value) for answer in solution.answers},
        "steps": steps(solution.steps, ""),
        "exact_abandoned": list(solution.exact_abandoned),
    }


def exact_value(value: Any) -> dict[str, Any]:
    """``{"exact": sympy-readable text, "latex": …, "value": float | nested list | null}``."""
    return {"exact": json_values.exact(value), "latex": latex_values.latex(value, fit=False),
            "value": json_values.number(value)}


def _formula(formula: Any) -> dict[str, str] | None:
    if formula is None:
        return None
    return {"text": text_values.text(formula), "latex": latex_values.latex(formula, fit=False)}


def steps(items: tuple[Step, ...], prefix: str) -> list[dict[str, Any]]:
    """Steps as JSON objects, numbered like the other formats (``"3.1"``)."""
    return [
        {
            "number": number,
            "kind": step.kind.value,
            "detail": step.detail.value,
            "title": prose.words(step.title, str),
            "formula": _formula(step.formula),
            "substituted": _formula(step.substituted),
            "result": None if step.result is None else exact_value(step.result),
            "note": prose.words(step.note, str),
            "substeps": steps(step.substeps, f"{number}."),
        }
        for number, step in numbered(items, prefix)
    ]

"""A solution in a notebook (Jupyter's rich display): an HTML fragment with MathML, the answers as LaTeX
math, the terminal text and the JSON contract object. :mod:`solver.api` registers :func:`display` with
:func:`solver.trace.set_display`, so a ``Solution`` shows itself without the trace importing a renderer."""

from __future__ import annotations

from typing import Any

from solver.trace import Solution


def display(solution: Solution, mime_types: tuple[str, ...]) -> dict[str, Any]:
    """The solution in each of ``mime_types`` (text/plain, text/html, text/latex, application/json) at the
    standard detail level, in the current language."""
    from solver.detail import at_detail
    from solver.render import renderer
    from solver.render.json import document

    shown = at_detail(solution, "standard")
    out: dict[str, Any] = {}
    for mime in mime_types:
        if mime == "text/plain":
            out[mime] = renderer("text")([shown])
        elif mime == "text/html":
            out[mime] = renderer("html")([shown], fragment=True)
        elif mime == "text/latex":
            latex = answers_latex(shown)
            if latex:
                out[mime] = latex
        elif mime == "application/json":
            out[mime] = document(shown)
    return out


def answers_latex(solution: Solution) -> str:
    """The answers as one ``align*`` environment (``name = value ≈ decimal``): math that both MathJax in a
    notebook and LaTeX (a notebook converted by nbconvert) typeset; "" when there is no answer."""
    from solver.render.latex_notation import name_latex
    from solver.render.latex_values import decimal_latex, latex

    lines = []
    for answer in solution.answers:
        decimal = decimal_latex(answer.value)
        approximately = rf" \approx {decimal}" if decimal else ""
        lines.append(f"{name_latex(answer.name)} &= {latex(answer.value)}{approximately}")
    if not lines:
        return ""
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"

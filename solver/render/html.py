"""One self-contained HTML5 page: math as MathML, computational graphs as inline SVG (Graphviz's dot
when it is installed, else the layered text view), a table of contents for several problems, print CSS.
No script, no style sheet, font or image is loaded from anywhere: the page works offline.

``fragment=True`` makes a ``<div class="dlsolve">`` instead of a page, its style scoped under that class so
it cannot restyle the page around it (a notebook's output cell: :mod:`solver.notebook`)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import escape
from typing import Any

from solver.i18n import language, tr
from solver.render.mathml_notation import math, mo, mrow, name_mathml
from solver.render.prose import prose_text, words
from solver.render.steps import numbered, parts
from solver.render.templates import environment
from solver.render.values import short_decimals
from solver.render.view import names_quantity, title_parts
from solver.trace import Phrase, Solution, Step

DOT_TIMEOUT = 20  # seconds dot may take for one drawing


def text(prose: str) -> str:
    """The user's text (title, statement) escaped for HTML."""
    return escape(prose)


def notation(prose: str) -> str:
    """The solver's prose (titles, notes) in standard notation, escaped for HTML."""
    return escape(prose_text(prose))


def prose_html(prose: Any) -> str:
    """A title, note or description: words escaped in standard notation, the values of a
    :class:`~solver.trace.Phrase` each as a ``<math>`` element."""
    from solver.render.mathml_values import mathml

    if not isinstance(prose, Phrase):
        return words(prose, notation)
    return "".join(notation(short_decimals(part)) if isinstance(part, str) else math(mathml(part))
                   for part in prose.parts)


def render(solutions: list[Solution], fragment: bool = False, **_: object) -> str:
    """The solutions as one HTML page, or (``fragment``) as one ``<div>`` to put inside another page."""
    views = [page_view(solution, i, fragment) for i, solution in enumerate(solutions, 1)]
    title = views[0]["title"] if len(views) == 1 else tr("dlsolve solutions")
    return environment(latex=False).get_template("solution.html.j2").render(
        solutions=views, title=title, fragment=fragment, lang=language())


def page_view(solution: Solution, index: int, fragment: bool = False) -> dict[str, Any]:
    """One solution as strings for the template: escaped prose and ``<math>`` elements (in a ``fragment``,
    ids carry the solution's id, so two outputs on one notebook page rarely share one)."""
    from solver.render.mathml_values import mathml

    anchor = f"problem-{index}-" + re.sub(r"[^A-Za-z0-9_-]+", "-", solution.id).strip("-")
    return {
        "anchor": anchor,
        "index": index,
        "id": text(solution.id),
        "kind": text(solution.kind),
        "title": text(solution.title),
        "source": text(solution.source),
        "statement": text(solution.statement),
        "given": [{"math": math(mrow(name_mathml(g.name), mo("="), mathml(g.value))),
                   "description": prose_html(g.description)} for g in solution.given],
        "steps": steps_view(solution.steps, ""),
        "answers": [{"math": math(answer_math(a.name, a.value)), "description": notation(a.description),
                     "name": text(a.name)} for a in solution.answers],
        "graphs": [graph_view(drawing, f"{anchor}-g{k}-" if fragment else f"p{index}g{k}-")
                   for k, drawing in enumerate(solution.drawings, 1)],
    }


def answer_math(name: str, value: Any) -> str:
    """``name = value ≈ decimal`` as MathML."""
    from solver.render.mathml_values import decimal_mathml, mathml

    decimal = decimal_mathml(value)
    return mrow(name_mathml(name), mo("="), mathml(value), *((mo("≈"), decimal) if decimal else ()))


def steps_view(steps: tuple[Step, ...], prefix: str) -> list[dict[str, Any]]:
    """The numbered steps: title, the equation chain as ``<math>`` pieces the browser may wrap between."""
    from solver.render.mathml_values import decimal_mathml, mathml

    shown = []
    for number, step in numbered(steps, prefix):
        pieces = parts(step, mathml, decimal_mathml)
        name = named(step)
        if name and pieces and not str(step.formula).startswith(name + " ="):
            pieces = [name_mathml(name), *pieces]
        relations = ["="] * len(pieces)
        if step.result is not None and decimal_mathml(step.result) is not None and len(pieces) > 1:
            relations[-1] = "≈"
        chain = [math(mrow(*((mo(relation),) if i else ()), piece))
                 for i, (relation, piece) in enumerate(zip(relations, pieces))]
        shown.append({"number": number, "title": "" if name and pieces else prose_html(step.title),
                      "tag": _tag(step) if name and pieces else "",
                      "chain": chain, "note": prose_html(step.note),
                      "substeps": steps_view(step.substeps, f"{number}.")})
    return shown


def named(step: Step) -> str:
    """The quantity a step computes when its title names it (``h1``, ``∂L/∂W1``), as the LaTeX sheet
    reads it; "" when the title is prose."""
    title, _ = title_parts(str(step.title))
    return title if names_quantity(step, title) else ""


def _tag(step: Step) -> str:
    _, role = title_parts(str(step.title))
    return f"({role})" if role else ""


def graph_view(drawing: Any, prefix: str) -> dict[str, str]:
    """A computational graph: inline SVG from dot (its ids after ``prefix``, unique on the page), else
    the layered text view in a ``<pre>``."""
    from solver.render import graph_labels, graph_text
    from solver.render.dot import dot

    which = "both" if graph_labels.has_gradients(drawing) else "forward"
    svg = re.sub(r'\sid="', f' id="{prefix}', svg_of(dot(drawing, which)))
    if svg:
        return {"title": text(drawing.title), "svg": svg, "text": ""}
    lines = graph_text.lines(drawing, which, "", 100)
    return {"title": text(drawing.title), "svg": "", "text": escape("\n".join(line for line, _ in lines))}


def svg_of(source: str) -> str:
    """Graphviz's SVG of DOT text without its XML prolog and doctype, or "" when dot is missing or fails."""
    program = shutil.which("dot")
    if program is None:
        return ""
    try:
        done = subprocess.run([program, "-Tsvg"], input=source.encode(), capture_output=True,
                              timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return ""
    if done.returncode != 0:
        return ""
    svg = done.stdout.decode()
    start = svg.find("<svg")
    svg = re.sub(r"<!--.*?-->", "", svg[start:], flags=re.S) if start >= 0 else ""
    return svg.replace('xlink:href="http', 'data-href="http')  # nothing to follow off the page

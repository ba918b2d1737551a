"""Moodle XML (Question bank → Import → Moodle XML format): one question per student's item in a
category. One number to type: a ``numerical`` question; several (a multi-part problem, a vector, a
matrix): a ``cloze`` question with one numerical field per number; none (shapes, symbolic forms): an
``essay`` graded by hand. The worked solution is the general feedback (HTML with MathJax TeX), the
computational graphs PNG images embedded in it when Graphviz's ``dot`` is installed."""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from solver.export import Item, as_items
from solver.export.cloze import field_text, instruction, instructions
from solver.export.html import to_html
from solver.export.numbers import Field, Tolerance, decimal_text, fields
from solver.i18n import tr
from solver.trace import Drawing, Solution

DOT_TIMEOUT = 60  # seconds Graphviz may take for one graph
PNG_DPI = 110
PENALTY = "0.3333333"  # Moodle's default penalty for each wrong try
_CLOZE_LIKE = re.compile(r"\{(?=[0-9]*:)")  # a brace Moodle's cloze reader would take for a field's start
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold


@dataclass(frozen=True)
class Image:
    """A picture embedded in a question's feedback: its file name and PNG bytes."""

    name: str
    data: bytes
    alt: str


def moodle_xml(items: Iterable[Any], category: str, tolerance: Tolerance | None = None, detail: str = "standard",
               images: bool | None = None) -> str:
    """The Moodle XML of one question per item in ``category`` (``Deep learning/Exam 1``; a path without
    ``$course$``/``$system$`` is put under ``$course$/top``). ``images``: embed the graphs as PNG (None:
    when Graphviz's ``dot`` is installed; True requires it). ``tolerance``: how far a typed number may be
    from the value (default: 0.1 % of it, integers exactly); ``detail``: the worked solution's detail level."""
    tolerance = tolerance or Tolerance()
    if images is None:
        images = shutil.which("dot") is not None
    elif images and shutil.which("dot") is None:
        raise RuntimeError("images=True needs Graphviz's dot program, which is not installed")
    path = category if category.startswith("$") else f"$course$/top/{category}"
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>",
           '  <question type="category">',
           f"    <category><text>{_escape(path)}</text></category>",
           '    <info format="html"><text></text></info>',
           "  </question>"]
    for item in as_items(items):
        out += question(item, tolerance, detail, images)
    return "\n".join([*out, "</quiz>"]) + "\n"


def question(item: Item, tolerance: Tolerance | None = None, detail: str = "standard",
             images: bool = False) -> list[str]:
    """The lines of one ``<question>``: its type chosen by how many numbers its answers hold."""
    solution, tolerance = item.solution, tolerance or Tolerance()
    numbers = [field for answer in solution.answers for field in fields(answer, tolerance)]
    pictures = [_image(drawing, i) for i, drawing in enumerate(solution.drawings, 1)] if images else []
    name = f"{item.key} · {solution.id}" + (f" [{item.hash}]" if item.hash else "")
    text = statement_html(solution)
    if len(numbers) == 1:
        label = f"\\( {_tex(numbers[0].label)} \\)"
        ask = f"<p>{instruction(label, numbers[0], tolerance.relative)}</p>"
        kind, text = "numerical", text + ask
    elif numbers:
        kind, text = "cloze", _CLOZE_LIKE.sub("&#123;", text) + cloze_html(numbers, tolerance)
    else:
        kind, text = "essay", text + "<p>" + tr("Write your answers with their working.") + "</p>"
    feedback = feedback_html(solution, detail) + "".join(
        f'<p><img class="img-fluid" src="@@PLUGINFILE@@/{picture.name}" alt="{html.escape(picture.alt)}"></p>'
        for picture in pictures)
    lines = [f'  <question type="{kind}">',
             f"    <name><text>{_escape(name)}</text></name>",
             f'    <questiontext format="html"><text>{_cdata(text)}</text></questiontext>',
             f'    <generalfeedback format="html"><text>{_cdata(feedback)}</text>',
             *(f'      <file name="{picture.name}" path="/" encoding="base64">'
               f'{base64.b64encode(picture.data).decode()}</file>' for picture in pictures),
             "    </generalfeedback>",
             "    <defaultgrade>1</defaultgrade>",
             f"    <penalty>{PENALTY}</penalty>",
             "    <hidden>0</hidden>",
             f"    <idnumber>{_escape(item.key)}</idnumber>"]
    if kind == "numerical":
        lines += _numerical(numbers[0])
    elif kind == "essay":
        lines += ["    <responseformat>editor</responseformat>", "    <responserequired>1</responserequired>",
                  "    <responsefieldlines>15</responsefieldlines>", "    <attachments>0</attachments>"]
    return [*lines, "  </question>"]


def statement_html(solution: Solution) -> str:
    """The question: the problem's title, statement and given data (no source: a student's sheet does
    not say where a problem comes from), from the Markdown renderer."""
    from solver.api import render

    bare = replace(solution, source="", steps=(), answers=(), drawings=())
    markdown = render([bare], "markdown").split(f"\n**{tr('Solution')}**\n", 1)[0]
    heading = tr("Problem {number}: {title}", number=1, title="")  # the heading's words before the title
    markdown = re.sub(r"\A\s*## " + re.escape(heading), "### ", markdown)
    return to_html(markdown)


def feedback_html(solution: Solution, detail: str = "standard") -> str:
    """The worked solution and its answers (exact, with decimals), from the Markdown renderer; the
    graphs, which Markdown draws with Mermaid (Moodle does not), are left to embedded images."""
    from solver.api import render

    markdown = render([replace(solution, drawings=())], "markdown", detail=detail)
    solution_heading = f"**{tr('Solution')}**\n"
    return to_html(solution_heading + markdown.split("\n" + solution_heading, 1)[1])


def cloze_html(numbers: list[Field], tolerance: Tolerance | None = None) -> str:
    """The list of numbers to type, each labelled with its name and followed by its cloze field."""
    tolerance = tolerance or Tolerance()
    rows = "".join(f"<li>\\( {_tex(field.label)} \\) = {field_text(field)}</li>\n" for field in numbers)
    return f"<p>{instructions(numbers, tolerance.relative)}</p>\n<ul>\n{rows}</ul>\n"


def _numerical(field: Field) -> list[str]:
    exact = ""
    if field.exact and not field.integer:
        # Translators: {value} is an exact value in TeX, such as \\( \\ln 2 \\)
        exact = "<p>" + tr("Exactly {value}.", value=f"\\( {_tex(field.exact)} \\)") + "</p>"
    return ['    <answer fraction="100" format="moodle_auto_format">',
            f"      <text>{field.text}</text>",
            f'      <feedback format="html"><text>{_cdata(exact)}</text></feedback>',
            f"      <tolerance>{decimal_text(field.tolerance)}</tolerance>",
            "    </answer>",
            "    <unitgradingtype>0</unitgradingtype>",
            "    <unitpenalty>0.1</unitpenalty>",
            "    <showunits>3</showunits>",
            "    <unitsleft>0</unitsleft>"]


def _image(drawing: Drawing, number: int) -> Image:
    """The drawing as a PNG through Graphviz: its backward picture when it has gradients (it shows
    the values too), else its forward one."""
    from solver.render import graph_labels
    from solver.render.dot import dot

    which = "backward" if graph_labels.has_gradients(drawing) else "forward"
    program = shutil.which("dot") or "dot"
    done = subprocess.run([program, "-Tpng", f"-Gdpi={PNG_DPI}"], input=dot(drawing, which).encode(),
                          capture_output=True, timeout=DOT_TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dot -Tpng failed: {done.stderr.decode(errors='replace').strip()}")
    return Image(f"graph-{number}.png", done.stdout, f"{drawing.title} ({which} pass)")


def _tex(tex: str) -> str:
    return html.escape(tex, quote=False)


def _escape(text: str) -> str:
    """Text for an XML element: entities for ``& < >``, characters XML cannot hold removed."""
    return html.escape(_NOT_XML.sub("", text), quote=False)


def _cdata(text: str) -> str:
    """Text in a CDATA section; a ``]]>`` inside is split across two sections."""
    return "<![CDATA[" + _NOT_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>") + "]]>"

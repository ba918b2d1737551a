"""The view model the LaTeX and Markdown templates fill in: strings only, computed nothing."""

from __future__ import annotations

import re
from typing import Any

from solver.i18n import mark, tr
from solver.render.latex_notation import latex_width, name_latex
from solver.render.latex_values import decimal_latex, latex
from solver.render.prose import words
from solver.render.steps import numbered, parts
from solver.trace import Solution, Step, StepKind


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
            {"name": name_latex(g.name), "value": _given_value(g.value, prose),
             "description": words(g.description, notation)}
            for g in solution.given
        ],
        "steps": _steps(solution.steps, "", notation),
        "answers": _answers(solution.answers, notation),
    }


ANSWER_WIDTH = 70  # characters of a row in the boxed answers before the description is left out


def _answers(answers: tuple[Any, ...], notation: Any) -> list[dict[str, Any]]:
    """The rows of the boxed answers. Descriptions line up after the widest value (one aligned
    column), so a description is kept only where that column leaves room for it."""
    rows = [{"name": name_latex(a.name), "value": latex(a.value),
             "decimal": decimal_latex(a.value), "description": notation(a.description)} for a in answers]
    column = max((sum(latex_width(row[key] or "") for key in ("name", "value", "decimal")) for row in rows),
                 default=0)
    for row, answer in zip(rows, answers):
        if column + len(answer.description) > ANSWER_WIDTH:
            row["description"] = ""
    return rows


MAX_LINE = 82  # characters of typeset math that fit one line of the page
INDENT = 4  # characters a nested list of steps indents by


def _latex_chain(step: Step, lhs: str = "", room: int = MAX_LINE) -> str:
    """The step's equation chain as LaTeX, after ``lhs = `` when given. A chain wider than ``room`` breaks
    into aligned lines at its = signs, each line holding as many pieces as fit; a piece too long for a
    line breaks again before its top-level + signs."""
    pieces = parts(step, latex, decimal_latex)
    if not pieces:
        return ""
    if lhs:
        pieces = [lhs, *pieces]
    has_decimal = step.result is not None and decimal_latex(step.result) is not None
    separators = ["="] * (len(pieces) - 1)
    if has_decimal:
        separators[-1] = r"\approx"
    if sum(latex_width(p) for p in pieces) < room:
        return "".join(p + (f" {s} " if s else "") for p, s in zip(pieces, [*separators, ""])).strip()
    rows: list[list[str]] = []
    for separator, piece in zip(["", *separators], pieces):
        head, *rest = _wrapped(piece)
        cell = f"{separator} {head}".strip()
        if rows and latex_width(" ".join(rows[-1] + [cell])) < room:
            rows[-1].append(cell)
        else:
            rows.append([cell])
        rows += [[r"\quad + " + segment] for segment in rest]
    first = rows[0]
    if lhs and len(first) > 1 and latex_width(lhs) < room // 3:  # ``lhs &= formula`` on the first line
        lines = [f"{first[0]} &" + " ".join(first[1:])]
    elif lhs and len(first) == 1 and len(rows) > 1 and latex_width(lhs) < room // 3:
        lines = [f"{first[0]} &" + " ".join(rows[1])]
        rows = rows[1:]
    else:
        lines = ["&" + " ".join(first)]
    lines += ["&" + " ".join(row) for row in rows[1:]]
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"  # one line per row (Markdown needs it)


def _wrapped(latex: str) -> list[str]:
    """``latex`` cut before top-level `` + `` signs into segments of at most MAX_LINE characters."""
    if latex_width(latex) < MAX_LINE:
        return [latex]
    terms, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        if latex.startswith(r"\left", i) or latex[i] == "{":
            depth += 1
        elif latex.startswith(r"\right", i) or latex[i] == "}":
            depth -= 1
        elif depth == 0 and latex.startswith(" + ", i):
            terms.append(latex[start:i])
            start = i + 3
            i += 2
        i += 1
    terms.append(latex[start:])
    segments = [terms[0]]
    for term in terms[1:]:
        if latex_width(segments[-1] + " + " + term) < MAX_LINE:
            segments[-1] += " + " + term
        else:
            segments.append(term)
    return segments


TALL = 4  # entries of a column vector shown as a transposed row in the given data


def _given_value(value: Any, prose: Any) -> str:
    """A given value as LaTeX; a column vector of TALL entries or more as a row, transposed."""
    if isinstance(value, str):
        return r"\text{%s}" % prose(value)
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) == 2 and shape[1] == 1 and shape[0] >= TALL and hasattr(value, "T"):
        return latex(value.T) + r"^{\top}"
    return latex(value)


def _steps(steps: tuple[Step, ...], prefix: str, prose: Any, depth: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "number": number,
            "kind": step.kind.value,
            "title": words(step.title, prose),
            "math": _latex_chain(step),
            "note": words(step.note, prose),
            "substeps": _steps(step.substeps, f"{number}.", prose, depth + 1),
        } | _run_in(step, words(step.note, prose), depth)
        for number, step in numbered(steps, prefix)
    ]


QUANTITY = re.compile(r"[^\s:]+")  # a title that names the quantity a step computes (h1, ∂L/∂W1, W1_new)
WORD = re.compile(r"[^\W\d_][^\W\d_A-Z]{3,}")  # ... unless it is a word (Total, Parameters, Итого, Težine)
ROLE = re.compile(r"(\S+)\s+\(([^()]+)\)")  # a quantity's name and its role (given, symbol; translated)
ROLES = (mark("given"), mark("symbol"))
NAMING_KINDS = {StepKind.FORWARD, StepKind.CHAIN, StepKind.UPDATE, StepKind.EVALUATE, StepKind.SUM}


def title_parts(title: str) -> tuple[str, str]:
    """A title split into the quantity and its role, ``("∂L/∂W1", "given")`` for ``∂L/∂W1  (given)`` (the
    role in the current language); ``(title, "")`` when it names no role."""
    role = ROLE.fullmatch(title)
    if role is not None and role.group(2) in {tr(word) for word in ROLES}:
        return role.group(1), role.group(2)
    return title, ""


def names_quantity(step: Step, name: str) -> bool:
    """Whether ``name`` (a step's title without its role) is the quantity the step computes (``h1``,
    ``∂L/∂W1``), not a word (``Total``, ``Итого``)."""
    word = name[:1].isupper() and WORD.fullmatch(name) is not None
    return step.kind in NAMING_KINDS and bool(QUANTITY.fullmatch(name)) and not word


def _run_in(step: Step, note: str, depth: int) -> dict[str, Any]:
    """How a LaTeX sheet sets a step on as few lines as read well. A step titled by the quantity it
    computes reads as an equation, ``h_1 = ReLU(W_1 x) = …`` (the title becomes its left side); the
    equation follows the label on the same line when it fits (``inline``), as does a short note."""
    name, role = title_parts(str(step.title))
    tag = rf"\qquad\text{{({role})}}" if role else ""
    named = names_quantity(step, name)
    says_itself = str(step.formula).startswith(name + " =")  # the formula already says what it defines
    room = MAX_LINE - INDENT * min(depth, 4) - len(tag) // 3  # lists nest four deep (solution.tex.j2)
    line = _latex_chain(step, name_latex(name) if named and not says_itself else "", room)
    if named and line:
        line += tag
    else:
        name = str(step.title)
    aligned = line.startswith(r"\begin{aligned}")  # broken over lines at its = signs
    used = (0 if named else len(name) + 2) + latex_width(line)
    inline = bool(line) and not aligned and used < room
    return {"line": line.replace(r"\begin{aligned}", r"\begin{aligned}[t]", 1) if named and aligned else line,
            "titled": not named or not (inline or aligned), "inline": inline or (named and aligned),
            "note_inline": inline and bool(note) and used + len(str(step.note)) + 4 < room}

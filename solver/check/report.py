"""A check's report in text, Markdown, LaTeX or JSON: one verdict per answer, the score and the first
wrong step. The exact values are shown only when ``reveal`` is set."""

from __future__ import annotations

import json
from typing import Any

from solver.check import Judged, Report
from solver.i18n import ntr, prose_number, tr

TEXT_WIDTH = 80  # the text report's columns (a verdict wraps under its own column)
MARKS = {"correct": "✓", "correct to the decimals given": "✓", "correct within the tolerance": "✓",
         "incorrect": "✗", "wrong shape": "✗"}


def render_report(reports: list[Report], fmt: str, reveal: bool = False) -> str:
    """The reports in ``fmt`` (text, markdown, latex or json)."""
    if fmt == "json":
        documents = [_document(report, reveal) for report in reports]
        return json.dumps(documents[0] if len(documents) == 1 else documents, ensure_ascii=False, indent=2) + "\n"
    make = {"text": _text, "markdown": _markdown, "latex": _latex}[fmt]
    return "\n".join(make(report, reveal) for report in reports)


def _points(value: float) -> str:
    return prose_number(f"{value:g}")


def _verdict_words(item: Judged) -> str:
    """The verdict's words (translated: the status stays English only in JSON), its detail and mistake."""
    detail = f": {item.verdict.detail}" if item.verdict.detail else ""
    mistake = f": {item.mistake}" if item.mistake else ""
    carried = ""
    names, count = ", ".join(item.carried), len(item.carried)
    if item.carried and item.credited:
        # Translators: {names} are the student's earlier wrong values, such as "h1" or "h1, a2"; {n} is how many
        carried = ", " + ntr("consistent with your {names} (error carried forward)",
                             "consistent with your {names} (error carried forward)", count, names=names)
    elif item.carried:
        carried = ", " + ntr("consistent with your {names} (no credit: your earlier values made it trivial)",
                             "consistent with your {names} (no credit: your earlier values made it trivial)", count,
                             names=names)
    return f"{MARKS[item.verdict.status]} {tr(item.verdict.status)}{detail}{mistake}{carried}"


def _summary(report: Report) -> str:
    first = report.first_wrong
    where = ""
    if first is not None:
        # Translators: {step} is a step number and a quantity, such as "2.2 hr", or a quantity alone
        where = " " + tr("First wrong step: {step}.", step=f"{first.quantity.step} {first.quantity.name}".strip())
    carried = ""
    if report.score_carried != report.score:
        carried = " " + tr("With carried-forward credit: {score}.", score=_points(report.score_carried))
    # Translators: {score} and {total} are numbers of points such as 2.5 and 4
    score = tr("Score: {score} of {total} points.", score=_points(report.score), total=_points(report.total))
    return f"{score}{carried}{where}"


def _shown(value: Any) -> str:
    """A value on one line (a 1×1 matrix as its number)."""
    import sympy as sp

    from solver.render.text_values import compact

    if isinstance(value, sp.MatrixBase) and value.shape == (1, 1):
        value = value[0, 0]
    return compact(value)


def _text(report: Report, reveal: bool) -> str:
    import textwrap

    solution = report.solution
    # Translators: the text report's heading; {problem} is the problem's id, such as mlp-binary
    heading = tr("check · {problem}: {title}", problem=solution.id, title=solution.title)
    lines = textwrap.wrap(heading, TEXT_WIDTH, subsequent_indent="  ")
    width = max((len(j.quantity.name) for j in report.judged), default=0)
    for item in report.judged:
        step = item.quantity.step or "—"
        lines += _hanging(f"  {step:>6}  {item.quantity.name:<{width}}  ", _verdict_words(item),
                          "  ← " + tr("first wrong step") if item is report.first_wrong else "")
        if reveal and not item.verdict.accepted:
            # Translators: {value} is the exact value, such as (1, 1, 0) or ln(ℯ^−1 + 1)
            lines += _hanging(f"  {'':>6}  {'':<{width}}  ", tr("expected {value}", value=_shown(item.expected)))
    lines += textwrap.wrap(_summary(report), TEXT_WIDTH)
    return "\n".join(lines) + "\n"


def _hanging(head: str, words: str, tail: str = "") -> list[str]:
    """``head`` then ``words`` wrapped within TEXT_WIDTH columns under their own first column (from column
    12 if the head leaves too little room), and ``tail`` after the last line if it fits, else below."""
    import textwrap

    indent = " " * (len(head) if TEXT_WIDTH - len(head) >= 30 else 12)
    lines = textwrap.wrap(words, TEXT_WIDTH, initial_indent=head, subsequent_indent=indent,
                          break_long_words=False, break_on_hyphens=False) or [head.rstrip()]
    if tail and len(lines[-1]) + len(tail) <= TEXT_WIDTH:
        lines[-1] += tail
    elif tail:
        lines.append(indent + tail.strip())
    return lines


def _markdown(report: Report, reveal: bool) -> str:
    heads = _heads(reveal)
    rows = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for item in report.judged:
        expected = f" {_shown(item.expected)} |" if reveal else ""
        first = " (" + tr("first wrong step") + ")" if item is report.first_wrong else ""
        rows.append(f"| {item.quantity.step or '—'} | {item.quantity.name} | {_verdict_words(item)}{first} |{expected}")
    return f"## {_title(report)}\n\n" + "\n".join(rows) + f"\n\n{_summary(report)}\n"


def _heads(reveal: bool) -> list[str]:
    """The table's column heads."""
    # Translators: column heads of a check's table: the step number, the quantity's name, the verdict
    heads = [tr("step"), tr("quantity"), tr("verdict")]
    # Translators: column head: the exact value of each answer
    return heads + [tr("expected")] if reveal else heads


def _title(report: Report) -> str:
    """The Markdown and LaTeX report's heading."""
    # Translators: {title} is the problem's title
    return tr("Check: {title}", title=report.solution.title)


def _latex(report: Report, reveal: bool) -> str:
    from solver.render.latex_notation import name_latex
    from solver.render.latex_values import latex
    from solver.render.prose import escape_text

    columns = r"llp{0.5\linewidth}l" if reveal else r"llp{0.6\linewidth}"  # (the verdict wraps)
    rows = []
    for item in report.judged:
        first = r" \emph{(" + escape_text(tr("first wrong step")) + ")}" if item is report.first_wrong else ""
        cells = [item.quantity.step or "--", f"${name_latex(item.quantity.name)}$",
                 escape_text(_verdict_words(item)) + first]
        if reveal:
            cells.append(f"${latex(item.expected)}$")
        rows.append(" & ".join(cells) + r" \\")
    head = " & ".join(escape_text(word) for word in _heads(reveal)) + r" \\ \hline"
    return (f"\\subsection*{{{escape_text(_title(report))}}}\n\\begin{{tabular}}{{{columns}}}\n{head}\n"
            + "\n".join(rows) + f"\n\\end{{tabular}}\n\n{escape_text(_summary(report))}\n")


def _document(report: Report, reveal: bool) -> dict[str, Any]:
    from solver.render.json import exact_value

    first = report.first_wrong
    return {
        "problem": report.solution.id,
        "title": report.solution.title,
        "score": report.score,
        "score_carried": report.score_carried,
        "total": report.total,
        "all_correct": report.all_correct,
        "first_wrong": None if first is None else {"name": first.quantity.name, "step": first.quantity.step},
        "answers": [
            {"name": item.given.name, "quantity": item.quantity.name, "step": item.quantity.step,
             "status": item.verdict.status, "detail": item.verdict.detail, "mistake": item.mistake or None,
             "carried_from": list(item.carried), "credited": item.credited, "points": item.given.points,
             "earned": item.earned, "earned_carried": item.earned_carried,
             **({"expected": exact_value(item.expected)} if reveal else {})}
            for item in report.judged
        ],
    }

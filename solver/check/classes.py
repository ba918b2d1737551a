"""A class's answers: one answers file per student in a folder, judged one by one, as a CSV of scores.

A student's file that cannot be read (or names a quantity the problem does not have) gets a row
with the error and the others are still judged. The columns after ``error`` are the quantities some
student answered, in the order the solution derives them, each cell the verdict on that student's value.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solver.check import Report, check
from solver.check.answers import Given, read_answers
from solver.check.quantities import quantities
from solver.errors import FieldError, SpecError, SpecIssue
from solver.i18n import tr
from solver.problem import Problem
from solver.trace import Solution

__all__ = ["Row", "class_csv", "judge", "judge_class", "student_files"]

HEADER = ("student", "score", "total", "first_wrong", "error")
MAX_STUDENTS = 2000


@dataclass(frozen=True)
class Row:
    """One student: the report on their answers, or the error that stopped reading them."""

    student: str
    report: Report | None = None
    error: str = ""


def judge(solution: Solution, given: list[Given], file: str, at: tuple[Any, ...] = (),
          problem: Problem | None = None) -> Report:
    """:func:`solver.check.check`, with an answer that names no quantity reported at its line in ``file``
    (its field ``NAME`` under ``at``: () in an answers file, ``answers`` in a problem file)."""
    try:
        return check(solution, given, problem)
    except FieldError as error:
        line = next((g.line for g in given if ("answers", g.name) == tuple(error.path)), None)
        raise SpecError([SpecIssue(file, line, (*at, *error.path[1:]), error.message)]) from None


def student_files(folder: Path) -> list[Path]:
    """The answers files of a class: every ``*.yaml`` in ``folder``, by name (ValueError when there are none
    or too many)."""
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    if not files:
        raise ValueError(f"{folder}: " + tr("no answers files (*.yaml) in this folder"))
    if len(files) > MAX_STUDENTS:
        raise ValueError(f"{folder}: " + tr("more than {count} answers files", count=MAX_STUDENTS))
    return files


def judge_class(solution: Solution, files: list[Path], problem: Problem | None = None) -> list[Row]:
    """One row per file (the student is the file's stem); an unreadable file's row holds its error."""
    rows = []
    for path in files:
        try:
            symbolic = problem is not None and problem.kind == "symbolic"
            rows.append(Row(path.stem, judge(solution, read_answers(path, symbolic), str(path), problem=problem)))
        except SpecError as error:
            rows.append(Row(path.stem, error=error.message.replace("\n", "; ")))
    return rows


def class_csv(solution: Solution, rows: list[Row]) -> str:
    """The CSV of scores: ``student,score,total,first_wrong,error`` and one column per quantity answered (the
    header is read by programs and stays English; the verdicts in the cells are in the current language)."""
    known = quantities(solution)
    answered = {j.quantity.name for row in rows if row.report for j in row.report.judged}
    columns = [q.name for q in known.values() if q.name in answered]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*HEADER, *columns])
    for row in rows:
        if row.report is None:
            writer.writerow([row.student, "", "", "", row.error, *([""] * len(columns))])
            continue
        cells = {j.quantity.name: tr(j.verdict.status) + (f" ({j.mistake})" if j.mistake else "")
                 for j in row.report.judged}
        first = row.report.first_wrong
        where = "" if first is None else f"{first.quantity.step} {first.quantity.name}".strip()
        writer.writerow([row.student, _points(row.report.score), _points(row.report.total), where, "",
                         *(cells.get(name, "") for name in columns)])
    return buffer.getvalue()


def _points(value: float) -> str:
    """``3`` for 3.0, ``2.5`` for 2.5."""
    return str(int(value)) if value == int(value) else repr(value)


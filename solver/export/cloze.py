"""Moodle's embedded-answers (cloze) syntax for numbers: writing ``{1:NUMERICAL:=value:tolerance}`` and
reading such fields back (what Moodle's importer parses, for tests and for checking an export)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from solver.export.numbers import Field, decimal_text

NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"  # Moodle's NUMBER_REGEX
FIELD = re.compile(r"\{([0-9]*):(NUMERICAL|NM):([^}]*)\}")
ANSWER = re.compile(rf"(=|%-?[0-9]+(?:\.[0-9]+)?%)?({NUMBER})(?::({NUMBER}))?(?:#(.*))?", re.DOTALL)


@dataclass(frozen=True)
class ClozeAnswer:
    """One answer of a numerical cloze field as Moodle reads it."""

    fraction: float  # 1.0 for ``=`` (full marks)
    value: float
    tolerance: float


def field_text(field: Field, weight: int = 1) -> str:
    """The cloze field for one number: full marks within its tolerance."""
    return f"{{{weight}:NUMERICAL:={field.text}:{decimal_text(field.tolerance)}}}"


def read_fields(text: str) -> list[list[ClozeAnswer]]:
    """The numerical cloze fields in a question text, in order, each as its answers (a ValueError on
    a field Moodle would not read)."""
    found = []
    for match in FIELD.finditer(text):
        answers = []
        for part in match.group(3).split("~"):
            answer = ANSWER.fullmatch(part)
            if answer is None:
                raise ValueError(f"a numerical cloze answer Moodle cannot read: {part!r} in {match.group(0)!r}")
            mark = answer.group(1) or "%0%"
            fraction = 1.0 if mark == "=" else float(mark.strip("%")) / 100
            answers.append(ClozeAnswer(fraction, float(answer.group(2).replace(",", ".")),
                                       float(answer.group(3) or 0)))
        found.append(answers)
    return found

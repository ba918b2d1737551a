"""Moodle's embedded-answers (cloze) syntax for numbers: writing ``{1:NUMERICAL:=value:tolerance}`` and
reading such fields back (what Moodle's importer parses, for tests and for checking an export), and the
sentence that tells a student how to type them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from solver.export.numbers import Field, decimal_text
from solver.i18n import prose_number, tr

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


def instructions(numbers: list[Field], relative: float) -> str:
    """How to type the numbers of a cloze question (in the current language): exactly when every one is an
    integer known exactly, else as a decimal within ``relative`` (a fraction: 0.01 is 1 %)."""
    exactly = [field.integer and field.tolerance == 0 for field in numbers]
    counted = tr("Entries of vectors and matrices are counted from 0.")
    if all(exactly):
        return tr("Give each number exactly.") + " " + counted
    percent = prose_number(f"{relative * 100:g}")
    if any(exactly):
        # Translators: {percent} is a number such as 1 or 0.5, followed by the percent sign
        give = tr("Give each number as a decimal (accepted within {percent} %; integers exactly).", percent=percent)
    else:
        give = tr("Give each number as a decimal (accepted within {percent} %).", percent=percent)
    return f"{give} {counted}"


def instruction(name: str, field: Field, relative: float) -> str:
    """How to type the one number of a numerical question, ``name`` its label (MathJax TeX, delimited)."""
    if field.integer and field.tolerance == 0:
        # Translators: {name} is the number's name in TeX, such as \\( \\partial L/\\partial w_{0} \\)
        return tr("Give {name} exactly.", name=name)
    # Translators: {name} is the number's name in TeX; {percent} is a number such as 1 or 0.5
    return tr("Give {name} as a decimal (accepted within {percent} %).", name=name,
              percent=prose_number(f"{relative * 100:g}"))


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

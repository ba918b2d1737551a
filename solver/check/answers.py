"""A student's answers file: the values given for a problem's quantities, read safely with their lines.

```yaml
tolerance: 0.001          # optional: accept any value this close (else exact, or the decimals written)
answers:                  # (or the names at the top level)
  h: [1, 0, 2]            # a flat list is a vector (either orientation); [[1, 0, 2]] is a 1×3 row
  p: 1/(1 + e)            # exact forms as in problem files: fractions, ln(2), sigmoid(1), e^-1 …
  dL/dW: {value: [[0.27, 0], [0, 0]], points: 2, tolerance: 0.01}
```

For a ``symbolic`` problem the values are forms, kept as text here and read with the problem's own
symbols by :mod:`solver.check.symbolic`: ``dL/dw[k]: (sigmoid(s) - y) * hp[k]``, a chain of lines
``(m - 1)*n + m = m*n``, a shape ``m x 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solver.check.compare import Written
from solver.errors import SpecError, show_value
from solver.i18n import mark, tr

MAX_ANSWERS = 500
OPTIONS = ("value", "points", "tolerance")


@dataclass(frozen=True)
class Given:
    """One answer as the student gave it: the name, the value read, its points, its tolerance, its line."""

    name: str
    written: Written
    points: float = 1.0
    tolerance: float | None = None
    line: int | None = None


def read_answers(path: Path | str, symbolic: bool = False) -> list[Given]:
    """The answers in a file (SpecError with file, line and field for anything unreadable); ``symbolic``:
    the values are forms, kept as text."""
    from solver.yamlfile import read_yaml

    document = read_yaml(Path(path))
    data = document.data
    if not isinstance(data, dict):
        raise SpecError([document.issue((), tr("expected a mapping of quantity names to values, got {value}",
                                               value=show_value(data)))])
    tolerance = None
    if "tolerance" in data and "answers" in data:
        tolerance = _tolerance(data["tolerance"], document, ("tolerance",))
    extra = set(data) - {"answers", "tolerance"} if "answers" in data else set()
    if extra:
        name = sorted(extra, key=str)[0]
        raise SpecError([document.issue((name,), tr("unknown field; allowed: {fields}", fields="answers, tolerance"))])
    prefix: tuple[Any, ...] = ("answers",) if "answers" in data else ()
    return answers_in(data.get("answers", data), document, prefix, tolerance, symbolic)


def answers_in(mapping: Any, document: Any, prefix: tuple[Any, ...], tolerance: float | None = None,
               symbolic: bool = False) -> list[Given]:
    """The answers of a mapping of names to values that sits at ``prefix`` in ``document`` (an answers
    file's, or a problem file's ``answers:`` section), SpecError with file, line and field on a defect;
    ``symbolic``: the values are forms, kept as text."""
    if not isinstance(mapping, dict) or not mapping:
        got = show_value(mapping)
        raise SpecError([document.issue(prefix, tr("expected a mapping of quantity names to values, got {value}",
                                                   value=got))])
    if len(mapping) > MAX_ANSWERS:
        raise SpecError([document.issue(prefix, tr("more than {count} answers", count=MAX_ANSWERS))])
    return [_given(str(name), value, tolerance, document, (*prefix, name), symbolic) for name, value in mapping.items()]


def _given(name: str, value: Any, tolerance: float | None, document: Any, path: tuple[Any, ...],
           symbolic: bool = False) -> Given:
    """One answer: a value, or ``{value, points, tolerance}``."""
    points = 1.0
    if isinstance(value, dict):
        unknown = [k for k in value if k not in OPTIONS]
        if unknown:
            raise SpecError([document.issue((*path, unknown[0]), tr("unknown field; allowed: {fields}",
                                                                    fields=", ".join(OPTIONS)))])
        if "value" not in value:
            raise SpecError([document.issue(path, tr("missing field '{name}'", name="value"))])
        if "points" in value:
            points = _number(value["points"], document, (*path, "points"),
                             mark("expected a non-negative number of points, got {value}"))
        if "tolerance" in value:
            tolerance = _tolerance(value["tolerance"], document, (*path, "tolerance"))
        path, value = (*path, "value"), value["value"]
    value_read = form_text(value, document, path) if symbolic else written(value, document, path)
    return Given(name, value_read, points, tolerance, document.line_of(path))


def form_text(value: Any, document: Any, path: tuple[Any, ...]) -> Written:
    """A symbolic answer as text (a number stands for itself; a list of two sizes is a shape)."""
    if isinstance(value, list) and value and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        value = " x ".join(str(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
        raise SpecError([document.issue(path, tr("expected a form as text, such as (sigmoid(s) - y) * w[k], a chain "
                                                 "a = b, or a shape m x 1; got {value}", value=show_value(value)))])
    return Written(str(value).strip(), (str(value).strip(),))


def written(value: Any, document: Any = None, path: tuple[Any, ...] = ()) -> Written:
    """A value as a student writes it: a number or exact form, or a list (a vector) or list of rows."""
    from solver.numbers import NumberError, parse_exact, parse_matrix

    try:
        if isinstance(value, list):
            matrix = parse_matrix(value)
            flat = value if all(not isinstance(v, list) for v in value) else [e for row in value for e in row]
            return Written(matrix, tuple(str(v) for v in flat), vector=all(not isinstance(v, list) for v in value))
        return Written(parse_exact(value), (str(value),))
    except NumberError as error:
        if document is None:
            raise
        raise SpecError([document.issue(path, str(error))]) from None


def _number(value: Any, document: Any, path: tuple[Any, ...], what: str) -> float:
    """A non-negative number (points, a tolerance); ``what``: the mark()ed message of a bad one."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if isinstance(value, bool) or not number >= 0 or number == float("inf"):
        raise SpecError([document.issue(path, tr(what, value=show_value(value)))])
    return number


def _tolerance(value: Any, document: Any, path: tuple[Any, ...]) -> float:
    return _number(value, document, path, mark("expected a non-negative number of the tolerance (an absolute "
                                                "difference), got {value}"))

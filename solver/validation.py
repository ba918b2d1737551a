"""Validation of a problem file's fields with pydantic: one SpecError issue per defect, each with its
field path and a message that says what was expected and what was found."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from solver.errors import FieldPath, SpecError, show_value
from solver.i18n import mark, tr


def validate(target: type, data: Any, issue: Any, direct: bool = True) -> Any:
    """Validate ``data`` into ``target``; raise SpecError with one issue per defect.

    Well-formed data is built directly (:mod:`solver.direct_validation`, the same result without
    importing pydantic); anything else, and every error message, is pydantic's. ``direct=False``: pydantic
    only (the tests compare the two)."""
    if direct:
        from solver.direct_validation import Defer, build

        try:
            return build(target, data)
        except Defer:
            pass
    import pydantic

    try:
        return pydantic.TypeAdapter(target).validate_python(data)
    except pydantic.ValidationError as error:
        raise SpecError([issue(_clean_loc(e["loc"]), _message(e, _allowed(target, _clean_loc(e["loc"]))))
                         for e in error.errors()]) from None


def _allowed(target: type, path: FieldPath) -> list[str]:
    """The fields of the dataclass that holds the field at ``path`` (for "unknown field; allowed: …")."""
    import dataclasses
    import typing

    current: Any = target
    for part in path[:-1]:
        if isinstance(part, int):
            continue
        hints = typing.get_type_hints(current, include_extras=True) if dataclasses.is_dataclass(current) else {}
        inner = dataclass_in(hints[part]) if part in hints else None
        if inner is None:
            break
        current = inner
    return [f.name for f in dataclasses.fields(current)] if dataclasses.is_dataclass(current) else []


def dataclass_in(annotation: Any) -> type | None:
    """The dataclass inside an annotation (``Network``, ``Network | None``, ``list[Layer]``), if one."""
    import dataclasses
    import typing

    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return annotation
    for arg in typing.get_args(annotation):
        found = dataclass_in(arg)
        if found is not None:
            return found
    return None


def _clean_loc(loc: tuple[Any, ...]) -> FieldPath:
    # pydantic inserts the member type of a union ("int", "list[int]") into the location
    return tuple(part for part in loc
                 if not (isinstance(part, str) and ("[" in part or part in ("int", "str", "bool"))))


BOUNDS = {
    "greater_than_equal": ("ge", mark("expected greater than or equal to {limit}, got {value}")),
    "greater_than": ("gt", mark("expected greater than {limit}, got {value}")),
    "less_than_equal": ("le", mark("expected less than or equal to {limit}, got {value}")),
    "less_than": ("lt", mark("expected less than {limit}, got {value}")),
}
"""pydantic's bound errors by type: the bound's key in the error's context and dlsolve's message."""


def _message(error: Any, allowed: list[str]) -> str:
    kind, text, found = error["type"], error["msg"], error.get("input")
    if kind == "missing":
        return tr("missing required field")
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        return unknown_field(error["loc"][-1], allowed)
    if kind == "value_error":
        return text.removeprefix("Value error, ")
    if kind in ("dataclass_type", "dataclass_args_type", "model_type"):
        return tr("expected a mapping, got {value}", value=show_value(found))
    if kind.startswith("int_") or kind == "int_type":
        return tr("expected an integer, got {value}", value=show_value(found))
    if kind.startswith("bool"):
        return tr("expected true or false, got {value}", value=show_value(found))
    if kind.startswith("list"):
        return tr("expected a list, got {value}", value=show_value(found))
    bound = BOUNDS.get(kind)
    if bound is not None and error.get("ctx"):  # a number's bound (hidden: 0)
        return tr(bound[1], limit=error["ctx"][bound[0]], value=show_value(found))
    if kind == "string_type":
        return tr("expected a valid string, got {value}", value=show_value(found))
    text = text.replace("Input should be ", "expected ")  # pydantic's own words pass through untranslated
    # Translators: {expected} is pydantic's English text such as "expected a valid string"
    return tr("{expected}, got {value}", expected=text, value=show_value(found))


def unknown_field(key: Any, allowed: Sequence[str], inner: Sequence[str] = ()) -> str:
    """The message for an unknown field: the fields allowed at its level; where the field is one of the
    ``given`` mapping's (``inner``), that it belongs there; else a near spelling (Whh → W_hh)."""
    listing = ", ".join(allowed)
    if key in inner:
        # Translators: {fields} lists the field names allowed under given
        return tr("unknown field at the top level: it belongs under given (given's fields: {fields})",
                  fields=", ".join(inner))
    spelled = {name.lower(): name for name in [*inner, *allowed]}  # allowed last: it wins a tie
    near = difflib.get_close_matches(str(key).lower(), spelled, n=1, cutoff=0.7)
    if near:
        name = spelled[near[0]]
        if name in inner and name not in allowed:
            return tr("unknown field (did you mean '{name}' under given?); allowed: {fields}", name=name,
                      fields=listing)
        return tr("unknown field (did you mean '{name}'?); allowed: {fields}", name=name, fields=listing)
    return tr("unknown field; allowed: {fields}", fields=listing)

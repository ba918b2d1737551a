"""Well-formed data built into the spec dataclasses without pydantic (pydantic stays the authority).

Importing pydantic and building a spec's validator costs about a quarter of a second per process, more
than most solves. Problem files are nearly always well formed, so :func:`build` first tries a direct
conversion that knows only the annotation forms the spec dataclasses use (dataclasses, ``list``,
``tuple``, ``dict``, ``X | None``, ``Literal``, ``Any``, plain ``int``/``str``/``bool`` and the
annotations of :mod:`solver.fields`) and accepts only input that pydantic accepts *unchanged* (exact
types, no coercion, no unknown or missing field). Anything else, and any value a field's validator
refuses, raises :class:`Defer`: the caller then validates with pydantic, which alone writes the error
messages. The tests hold the two to the same result on every file they load.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any

Converter = Callable[[Any], Any]


class Defer(Exception):
    """The input (or its annotation) is not one the direct conversion knows: validate with pydantic."""


def build(target: type, data: Any) -> Any:
    """``data`` converted into ``target`` exactly as pydantic would, or :class:`Defer`."""
    try:
        return converter(target)(data)
    except Defer:
        raise
    except Exception:  # a field's validator refused the value: pydantic says why
        raise Defer from None


_CONVERTERS: dict[Any, Converter] = {}
_NONE = type(None)


def converter(annotation: Any) -> Converter:
    """The conversion function of one annotation (made once per annotation)."""
    try:
        return _CONVERTERS[annotation]
    except KeyError:
        pass
    except TypeError:  # an unhashable annotation
        return _made(annotation)
    made = _CONVERTERS[annotation] = _made(annotation)
    return made


def _made(annotation: Any) -> Converter:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        convert = converter(args[0])
        for marker in args[1:]:
            convert = _marked(marker, convert)
        return convert
    if hasattr(annotation, "direct_conversion"):  # an annotation of solver.fields used as a type itself
        return _marked(annotation, _deferred)
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return _dataclass(annotation)
    if annotation is Any:
        return lambda value: value
    if annotation in (int, str, bool, _NONE):
        return _exactly(annotation)
    if annotation is list:
        return _list(lambda value: value)
    if annotation is dict:
        return _dict(lambda key: key, lambda value: value)
    if origin is list and len(args) == 1:
        return _list(converter(args[0]))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple(converter(args[0]))
    if origin is tuple and args and Ellipsis not in args:
        return _fixed_tuple([converter(arg) for arg in args])
    if origin is dict and len(args) == 2:
        return _dict(converter(args[0]), converter(args[1]))
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and _NONE in args:
        inner = converter(args[0] if args[1] is _NONE else args[1])
        return lambda value: None if value is None else inner(value)
    if origin is typing.Literal:
        return _literal(args)
    return _deferred


def _deferred(value: Any) -> Any:
    raise Defer


def _marked(marker: Any, inner: Converter) -> Converter:
    """``inner`` under one ``Annotated`` marker: the marker's own ``direct_conversion`` (solver.fields),
    an ``annotated_types``-style strictness flag, or unknown (defer)."""
    convert = getattr(marker, "direct_conversion", None)
    if convert is not None:
        return convert(inner)
    if type(marker).__name__ == "Strict" and getattr(marker, "strict", False) is True:
        return inner  # (the direct conversion is strict already)
    return _deferred


def _exactly(kind: type) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is not kind:  # (no coercion: pydantic's lax mode would turn "3" into 3)
            raise Defer
        return value

    return convert


def _list(item: Converter) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is not list:
            raise Defer
        return [item(entry) for entry in value]

    return convert


def _tuple(item: Converter) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) not in (list, tuple):
            raise Defer
        return tuple(item(entry) for entry in value)

    return convert


def _fixed_tuple(items: list[Converter]) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) not in (list, tuple) or len(value) != len(items):
            raise Defer
        return tuple(item(entry) for item, entry in zip(items, value))

    return convert


def _dict(key: Converter, item: Converter) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is not dict:
            raise Defer
        return {key(k): item(v) for k, v in value.items()}

    return convert


def _literal(choices: tuple[Any, ...]) -> Converter:
    def convert(value: Any) -> Any:
        if not any(type(value) is type(choice) and value == choice for choice in choices):
            raise Defer
        return value

    return convert


def _dataclass(cls: type) -> Converter:
    config = cls.__dict__.get("__pydantic_config__")
    known = all(f.init for f in dataclasses.fields(cls)) and config in (None, {"extra": "forbid"})
    if not known:
        return _deferred
    fields: dict[str, Converter] = {}
    required: set[str] = set()

    def convert(value: Any) -> Any:
        if not fields:  # the hints are read at first use (a field may name a class defined later)
            hints = typing.get_type_hints(cls, include_extras=True)
            for f in dataclasses.fields(cls):
                fields[f.name] = converter(hints[f.name])
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    required.add(f.name)
        if type(value) is not dict or not value.keys() <= fields.keys() or not required <= value.keys():
            raise Defer
        return cls(**{name: fields[name](entry) for name, entry in value.items()})

    return convert

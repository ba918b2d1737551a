"""Keyword settings of the functions called in equations, read one way for every op that has them:
``conv2d(x, w, stride=2)`` (settings of the op itself) and ``max_pool2d(X, kernel_size=2, stride=2)``
(settings that are also arguments, PyTorch's spelling, placed where the positional ones go).

A setting's value is a literal (a whole number, a text, True/False, a tuple of whole numbers), read
from the syntax tree, never evaluated.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from solver.i18n import mark, ntr, tr

T = TypeVar("T")

Accepted = type | tuple[type, ...]
"""The Python types one setting accepts (``int``, or ``(int, str, tuple)`` for conv's padding)."""

KINDS = {int: mark("a whole number"), str: mark("a text such as 'same'"), bool: mark("True or False"),
         tuple: mark("a tuple of whole numbers such as (1, 0)")}
"""How messages name each accepted type."""

NOT_A_SETTING = object()
"""What :func:`literal` gives for a value that is not a literal setting (a name, an expression)."""


class SettingError(ValueError):
    """A keyword setting is unknown, of the wrong type, given twice or missing; the message says which."""


def literal(value: ast.AST) -> Any:
    """A keyword's literal value: a constant, or a tuple (of tuples) of whole numbers; else NOT_A_SETTING."""
    if isinstance(value, ast.Constant):
        return value.value
    if isinstance(value, ast.Tuple):
        items = tuple(literal(item) for item in value.elts)
        if all(isinstance(item, tuple) or (isinstance(item, int) and not isinstance(item, bool)) for item in items):
            return items
    return NOT_A_SETTING


def read_settings(name: str, keywords: list[ast.keyword], allowed: Mapping[str, Accepted]) -> dict[str, Any]:
    """The settings written as keywords in a call of ``name``, each checked against the types ``allowed``."""
    settings: dict[str, Any] = {}
    for keyword in keywords:
        if keyword.arg is None:
            raise SettingError(tr("{name}(): write each setting by its name (no **)", name=name))
        if keyword.arg in settings:
            raise SettingError(tr("{name}(): {setting} is given twice", name=name, setting=keyword.arg))
        if keyword.arg not in allowed:
            listing = ", ".join(allowed) if allowed else tr("none")
            raise SettingError(tr("{name}() has no setting '{setting}' (settings: {settings})", name=name,
                                  setting=keyword.arg, settings=listing))
        accepted = allowed[keyword.arg]
        types = accepted if isinstance(accepted, tuple) else (accepted,)
        value = literal(keyword.value)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            kinds = [tr(KINDS[t]) for t in types]
            listing = kinds[0] if len(kinds) == 1 else tr("{names} or {last}", names=", ".join(kinds[:-1]),
                                                          last=kinds[-1])
            # Translators: {setting} is a keyword such as stride; {kinds} says which values it takes
            raise SettingError(tr("{name}(): {setting} must be {kinds}", name=name, setting=keyword.arg,
                                  kinds=listing))
        settings[keyword.arg] = value
    return settings


def place(name: str, args: list[T], settings: Mapping[str, T], signature: tuple[str, ...],
          defaults: Mapping[str, str], copy: Callable[[T], T]) -> list[T]:
    """The arguments of a call of ``name`` in the order of ``signature`` (the arguments' names), those given
    positionally (``args``) and by keyword (``settings``) together; a missing one named in ``defaults`` is a
    ``copy`` of the argument it names (a pool's stride: its kernel size, as in PyTorch)."""
    if len(args) > len(signature):
        raise SettingError(ntr("{name} takes at most {n} argument ({names}), got {count}",
                               "{name} takes at most {n} arguments ({names}), got {count}", len(signature),
                               name=name, names=", ".join(signature), count=len(args)))
    values = dict(zip(signature, args))
    for key, value in settings.items():
        if key in values:
            raise SettingError(tr("{name}(): {setting} is given twice: as argument {position} and by keyword",
                                  name=name, setting=key, position=signature.index(key) + 1))
        values[key] = value
    for key, source in defaults.items():
        if key not in values and source in values:
            values[key] = copy(values[source])
    missing = [key for key in signature if key not in values and key not in defaults]  # the rest follow them
    if missing:
        # Translators: {settings} is like "kernel_size and stride"; {call} shows the call, max_pool2d(X, kernel_size)
        raise SettingError(tr("{name}() needs {settings} ({call})", name=name, settings=" and ".join(missing),
                              call="%s(%s)" % (name, ", ".join(signature))))

    return [values[key] for key in signature]

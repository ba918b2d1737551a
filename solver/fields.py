"""Field types for the spec dataclasses of each kind, validated by pydantic when a file is loaded.

These annotations import nothing heavy: pydantic asks each one for its schema only when a spec
is validated, so the command-line shortcuts (``dlsolve lstm-params``) never load pydantic.
"""

from __future__ import annotations

from typing import Annotated, Any

from solver.errors import show_value

MAX_SIZE = 10**9  # layer sizes, channels, kernel sizes: far beyond any real network


class _StrictInt:
    """Annotation: an integer in ``[minimum, MAX_SIZE]``, no coercion (``true`` is not 1, ``"3"`` is not 3)."""

    def __init__(self, minimum: int):
        self.minimum = minimum

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.int_schema(strict=True, ge=self.minimum, le=MAX_SIZE)


class _StrictBool:
    """Annotation: ``true`` or ``false``, nothing else (no ``1``, no ``"yes"`` string)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.bool_schema(strict=True)


Count = Annotated[int, _StrictInt(1)]
"""A positive integer size (units, channels, layers)."""

NonNegative = Annotated[int, _StrictInt(0)]
"""A non-negative integer."""

Flag = Annotated[bool, _StrictBool()]
"""``true`` or ``false``, nothing else."""


def _int_or_list(minimum: int, words: str):
    def validate(value: Any) -> int | tuple[int, ...]:
        items = value if isinstance(value, list) else [value]
        if not items or len(items) > 3:
            raise ValueError(f"expected {words} or a list of 1 to 3 of them, got {show_value(value)}")
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int) or not minimum <= item <= MAX_SIZE:
                raise ValueError(f"expected {words} or a list of them, got {show_value(value)}")
        return tuple(items) if isinstance(value, list) else value

    return validate


class _Validated:
    """Annotation: validate with a plain function (its ValueError message reaches the user)."""

    def __init__(self, function: Any):
        self.function = function

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(self.function)


PerDim = Annotated[Any, _Validated(_int_or_list(1, "a positive integer"))]
"""A positive integer for every spatial dimension, or one per dimension (kernel, stride, dilation)."""


def _padding(value: Any) -> Any:
    if value in ("valid", "same"):
        return value
    try:
        return _int_or_list(0, "'valid', 'same', a non-negative integer")(value)
    except ValueError:
        raise ValueError(f"expected 'valid', 'same', a non-negative integer or a list of them, got {show_value(value)}") from None


Padding = Annotated[Any, _Validated(_padding)]
"""Zero padding per side: ``valid`` (0), ``same`` (keep the size, stride 1), an integer or one per dimension."""

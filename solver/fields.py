"""Field types for the spec dataclasses of each kind, validated by pydantic when a file is loaded.

These annotations import nothing heavy: pydantic asks each one for its schema only when a spec
is validated, so the command-line shortcuts (``dlsolve lstm-params``) never load pydantic.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated, Any

from solver.errors import show_value
from solver.i18n import mark, tr

MAX_SIZE = 10**9  # layer sizes, channels, kernel sizes: far beyond any real network


class _StrictInt:
    """Annotation: an integer in ``[minimum, maximum]`` (either may be None: no bound), no coercion
    (``true`` is not 1, ``"3"`` is not 3)."""

    def __init__(self, minimum: int | None, maximum: int | None = MAX_SIZE):
        self.minimum, self.maximum = minimum, maximum

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.int_schema(strict=True, ge=self.minimum, le=self.maximum)

    def direct_conversion(self, inner: Any) -> Any:
        """The same check without pydantic (solver.direct_validation)."""
        low, high = self.minimum, self.maximum

        def convert(value: Any) -> Any:
            if type(value) is not int or (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(value)
            return value

        return convert


class _Strict:
    """Annotation: a value of exactly this type (``str`` or ``bool``), no coercion (no ``1`` for true, no
    ``"yes"`` string, no number for a text)."""

    def __init__(self, kind: type):
        self.kind = kind

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return (core_schema.bool_schema if self.kind is bool else core_schema.str_schema)(strict=True)

    def direct_conversion(self, inner: Any) -> Any:
        """The same check without pydantic (solver.direct_validation)."""
        kind = self.kind

        def convert(value: Any) -> Any:
            if type(value) is not kind:
                raise ValueError(value)
            return value

        return convert


Count = Annotated[int, _StrictInt(1)]
"""A positive integer size (units, channels, layers)."""

Flag = Annotated[bool, _Strict(bool)]
"""``true`` or ``false``, nothing else."""

StrictInt = Annotated[int, _StrictInt(None, None)]
"""Any integer, no coercion."""

StrictStr = Annotated[str, _Strict(str)]
"""Text, no coercion."""


def _int_or_list(minimum: int, messages: tuple[str, str]) -> Any:
    """A validator of an integer (at least ``minimum``) or a list of 1 to 3; ``messages``: the marked
    complaints about the list's length and about an item, each with ``{value}``."""
    def validate(value: Any) -> int | tuple[int, ...]:
        items = value if isinstance(value, list) else [value]
        if not items or len(items) > 3:
            raise ValueError(tr(messages[0], value=show_value(value)))
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int) or not minimum <= item <= MAX_SIZE:
                raise ValueError(tr(messages[1], value=show_value(value)))
        return tuple(items) if isinstance(value, list) else value

    return validate


class Validated:
    """Annotation: validate with a plain function (its ValueError message reaches the user)."""

    def __init__(self, function: Any):
        self.function = function

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(self.function)

    def direct_conversion(self, inner: Any) -> Any:
        """The same function without pydantic (solver.direct_validation)."""
        return self.function


class Before(Validated):
    """Annotation: ``function`` turns the raw value into what the annotated type then validates."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_before_validator_function(self.function, handler(source))

    def direct_conversion(self, inner: Any) -> Any:
        """The same steps without pydantic (solver.direct_validation)."""
        function = self.function
        return lambda value: inner(function(value))


class After(Validated):
    """Annotation: ``function`` checks or rewrites the value the annotated type validated."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.function, handler(source))

    def direct_conversion(self, inner: Any) -> Any:
        """The same steps without pydantic (solver.direct_validation)."""
        function = self.function
        return lambda value: function(inner(value))


# Translators: {value} is what the file has, such as 0 or [1, 2, 3, 4]
PerDim = Annotated[Any, Validated(_int_or_list(1, (
    mark("expected a positive integer or a list of 1 to 3 of them, got {value}"),
    mark("expected a positive integer or a list of them, got {value}"))))]
"""A positive integer for every spatial dimension, or one per dimension (kernel, stride, dilation)."""


def _padding(value: Any) -> Any:
    if value in ("valid", "same"):
        return value
    try:
        return _int_or_list(0, (PADDING, PADDING))(value)
    except ValueError:
        raise ValueError(tr(PADDING, value=show_value(value))) from None


PADDING = mark("expected 'valid', 'same', a non-negative integer or a list of them, got {value}")
Padding = Annotated[Any, Validated(_padding)]
"""Zero padding per side: ``valid`` (0), ``same`` (keep the size, stride 1), an integer or one per dimension."""


PerDimNonNegative = Annotated[Any, Validated(_int_or_list(0, (
    mark("expected a non-negative integer or a list of 1 to 3 of them, got {value}"),
    mark("expected a non-negative integer or a list of them, got {value}"))))]
"""A non-negative integer for every spatial dimension, or one per dimension (pooling padding)."""


class Tagged:
    """Annotation: a mapping validated as one of several dataclasses, chosen by its ``tag`` field.

    Like pydantic's discriminated unions, but every error is located at the field itself
    (``layers[2].kernel``) rather than under the chosen member (``layers[2].conv.kernel``), and an
    unknown field is reported with the fields of the chosen member.
    """

    def __init__(self, tag: str, choices: dict[str, type]):
        self.tag, self.choices = tag, choices

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        members = {name: handler.generate_schema(cls) for name, cls in self.choices.items()}
        return core_schema.no_info_wrap_validator_function(
            self._validate, core_schema.tagged_union_schema(members, discriminator=self.tag)
        )

    def direct_conversion(self, inner: Any) -> Any:
        """The chosen member built without pydantic (solver.direct_validation); anything else defers."""
        from solver.direct_validation import Defer, converter

        tag, choices = self.tag, self.choices

        def convert(value: Any) -> Any:
            if type(value) is not dict or type(value.get(tag)) is not str or value[tag] not in choices:
                raise Defer
            return converter(choices[value[tag]])(value)

        return convert

    def _validate(self, value: Any, handler: Any) -> Any:
        from pydantic_core import PydanticCustomError, ValidationError

        tag = self.tag
        if not isinstance(value, dict):
            # Translators: {tag} is a field name such as 'type'
            raise PydanticCustomError("tagged", tr("expected a mapping with a '{tag}' field", tag=tag))
        names = list(self.choices)
        if tag not in value:
            missing: Any = {"type": "missing", "loc": (tag,), "input": value}
            raise ValidationError.from_exception_data(tag, [missing])
        if not isinstance(value[tag], str) or value[tag] not in self.choices:
            expected = ", ".join(map(repr, names[:-1])) + f" or {names[-1]!r}"
            error: Any = {"type": "literal_error", "loc": (tag,), "input": value[tag], "ctx": {"expected": expected}}
            raise ValidationError.from_exception_data(tag, [error])
        try:
            return handler(value)
        except ValidationError as error:
            allowed = ", ".join(f.name for f in fields(self.choices[value[tag]]))
            raise ValidationError.from_exception_data(
                error.title, [_untagged(e, allowed) for e in error.errors()]
            ) from None


def _untagged(error: Any, allowed: str) -> Any:
    """A member's error without the member's tag in its location; unknown fields name the allowed ones."""
    loc = error["loc"][1:]
    if error["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
        return {"type": "value_error", "loc": loc, "input": error["input"],
                "ctx": {"error": tr("unknown field; allowed: {fields}", fields=allowed)}}
    return {key: error[key] for key in ("type", "input", "ctx") if key in error} | {"loc": loc}

"""The fields of a symbolic problem: declared symbols, the sizes to check at, and the derivations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from solver.errors import show_value
from solver.fields import After, Before, Validated
from solver.i18n import tr
from solver.kinds.symbolic.reader import CALLS, SORTS, Symbol
from solver.numbers import plain_name

MAX_SYMBOLS = 30
MAX_DEFINITIONS = 20
MAX_DERIVATIONS = 20
MAX_STEPS = 30
MAX_CHECK_SIZE = 6  # index forms are expanded at concrete sizes: keep the sums small
RESERVED = {*CALLS, "e", "pi"}


def _sort(sort: Any) -> tuple[str, ...]:
    """``vector C`` as (``vector``, ``C``): a sort and the sizes it refers to."""
    words = sort.split() if isinstance(sort, str) else []
    arity = {"scalar": 0, "size": 0, "index": 1, "vector": 1, "matrix": 2, "function": 0}
    if not words or words[0] not in SORTS or len(words) != 1 + arity[words[0]]:
        raise ValueError(tr("expected 'scalar', 'size', 'index <size>', 'vector <size>', 'matrix <size> <size>' or "
                            "'function', got {value}", value=show_value(sort)))
    return tuple(words)


def _declarations(value: dict[str, tuple[str, ...]]) -> dict[str, Symbol]:
    """``{z: (vector, C), x: (scalar,)}`` (each sort already read) as Symbols, their names checked."""
    if len(value) > MAX_SYMBOLS:
        raise ValueError(tr("more than {count} symbols", count=MAX_SYMBOLS))
    for name in value:
        if not plain_name(name) or name in RESERVED or len(name) > 20:
            raise ValueError(tr("{name} is not a name a form can use (an ASCII identifier, not a function)",
                                name=show_value(name)))
    return {name: Symbol(name, words[0], words[1:]) for name, words in value.items()}


def undeclared_size(symbols: dict[str, Symbol]) -> tuple[str, str] | None:
    """The first (symbol, size) whose size is not declared as a size in ``symbols``, or None."""
    for symbol in symbols.values():
        for size in symbol.sizes:
            if not (size.isdigit() and 1 <= int(size) <= MAX_CHECK_SIZE) and (
                    size not in symbols or symbols[size].sort != "size"):
                return symbol.name, size
    return None


def _checks(value: Any) -> dict[str, tuple[int, ...]]:
    """``{C: [2, 3]}``: the sizes at which forms with indices are expanded and checked."""
    if not isinstance(value, dict):
        raise ValueError(tr("expected a mapping of sizes to lists of integers, got {value}", value=show_value(value)))
    out: dict[str, tuple[int, ...]] = {}
    for name, sizes in value.items():
        items = sizes if isinstance(sizes, list) else [sizes]
        if not items or any(isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= MAX_CHECK_SIZE
                            for s in items):
            raise ValueError(tr("{name}: expected integers from 1 to {most}, got {value}", name=name,
                                most=MAX_CHECK_SIZE, value=show_value(sizes)))
        out[str(name)] = tuple(items)
    return out


def _text(limit: int) -> Any:
    def validate(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(tr("expected text, got {value}", value=show_value(value)))
        if len(value) > limit:
            raise ValueError(tr("longer than {count} characters", count=limit))
        return value.strip()

    return validate


if TYPE_CHECKING:
    Declarations = dict[str, Symbol]
else:  # each sort validated at its own entry (given.x), then the names and Symbols
    Declarations = Annotated[dict[str, Annotated[tuple[str, ...], Validated(_sort)]], After(_declarations)]
Checks = Annotated[dict[str, tuple[int, ...]], Validated(_checks)]
DEFINED = re.compile(r"([A-Za-z][A-Za-z0-9_]*)(?:\[\s*([A-Za-z]\w*)\s*(?:,\s*([A-Za-z]\w*)\s*)?\])?")


def split_definition(key: str) -> tuple[str, tuple[str, ...]]:
    """``t[k]`` as (``t``, (``k``,)), ``y`` as (``y``, ()): a defined quantity's name and its indices."""
    match = DEFINED.fullmatch(key)
    assert match is not None  # (keys are validated by _definitions)
    return match.group(1), tuple(i for i in match.group(2, 3) if i)


def _definitions(value: Any) -> dict[str, str]:
    """``{"t[k]": "sum(X[j] * W[j, k], j)", "y": "…"}``: defined quantities, in order, each a form."""
    if not isinstance(value, dict) or not 1 <= len(value) <= MAX_DEFINITIONS:
        raise ValueError(tr("expected a mapping of 1 to {most} names to forms, got {value}", most=MAX_DEFINITIONS,
                            value=show_value(value)))
    out = {}
    for key, text in value.items():
        if not isinstance(key, str) or not DEFINED.fullmatch(key.strip()):
            raise ValueError(tr("{name} is not a name to define: write a name (y) or a name with indices (t[k], "
                                "A[i, j])", name=show_value(key)))
        name, _ = split_definition(key.strip())
        if name in RESERVED or len(name) > 20:
            raise ValueError(tr("{name} is not a name a form can use (an ASCII identifier, not a function)",
                                name=show_value(name)))
        number = isinstance(text, (int, float)) and not isinstance(text, bool)
        out[key.strip()] = _text(1000)(str(text) if number else text)
    return out


Definitions = Annotated[dict[str, str], Validated(_definitions)]
Text = Annotated[str, Validated(_text(1000))]
ANSWER_NAME = re.compile(r"[A-Za-z∂][A-Za-z0-9_∂/\[\](), =′]*")  # dCE/dz[k], additions, dh[i]/dW[k, l]


def _answer_name(value: Any) -> str:
    text = _text(40)(value)
    if not ANSWER_NAME.fullmatch(text):
        raise ValueError(tr("{name} is not an answer name (letters, digits, _ / [ ] ( ) = , ′ and ∂, starting with a "
                            "letter or ∂)", name=show_value(text)))
    return text


Name = Annotated[str, Validated(_answer_name)]


@dataclass(frozen=True)
class DerivationStep:
    """One form of a derivation and why it equals the form before it."""

    form: Text
    why: Annotated[str, Validated(_text(300))] = ""

    __pydantic_config__: ClassVar = {"extra": "forbid"}


def _steps(value: Any) -> Any:
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_STEPS:
        raise ValueError(tr("expected a list of 2 to {most} forms, got {value}", most=MAX_STEPS,
                            value=show_value(value)))
    return [{"form": item} if isinstance(item, str) else item for item in value]


def _derivations(value: Any) -> Any:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_DERIVATIONS:
        raise ValueError(tr("expected a list of 1 to {most} derivations, got {value}", most=MAX_DERIVATIONS,
                            value=show_value(value)))
    return value


@dataclass(frozen=True)
class Derivation:
    """A chain of forms, each equal to the one before: the first is the claim's left side, the last its
    right side (the answer, named ``name``)."""

    name: Name
    claim: Text  # the heading: what the derivation shows, in words
    steps: Annotated[list[DerivationStep], Before(_steps)]
    symbols: Declarations = field(default_factory=dict)
    shape: bool = False  # also answer the Jacobian's shape (the first form must be a derivative)

    __pydantic_config__: ClassVar = {"extra": "forbid"}


def _shapes(value: Any) -> list[str]:
    """``[w, W]``: declared vectors and matrices whose shapes are answers."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(tr("expected a list of declared vector or matrix names, got {value}", value=show_value(value)))
    return value


@dataclass(frozen=True)
class SymbolicSpec:
    """The fields of a symbolic problem."""

    given: Declarations
    derivations: Annotated[list[Derivation], Before(_derivations)]
    checks: Checks = field(default_factory=dict)
    define: Definitions = field(default_factory=dict)
    shapes: Annotated[list[str], Validated(_shapes)] = field(default_factory=list)

    __pydantic_config__: ClassVar = {"extra": "forbid"}

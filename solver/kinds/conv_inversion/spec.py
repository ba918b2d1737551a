"""The ``given`` of a conv-inversion problem: grids with '?' entries, a kernel template, a bias, and
the layer they describe (checked against the shapes)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from solver.errors import FieldError, show_value
from solver.fields import Count, Flag, Padding, Validated
from solver.kinds import given_only
from solver.numbers import UNKNOWN, NumberError, parse_exact

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,19}")
RESERVED = {"X", "Y"}
if TYPE_CHECKING:
    from solver.engine.conv import Conv

MAX_ENTRIES = 400  # unknowns and equations stay small enough to solve by hand (and in milliseconds)

Position = tuple[int, int]


def _grid(value: Any, what: str) -> list[list[Any]]:
    """A flat list (1D) or a list of equal rows (2D), entries kept raw."""
    if not isinstance(value, list) or not value:
        raise ValueError(f"expected {what} as a list of rows (or a flat list for 1D), got {show_value(value)}")
    if all(not isinstance(row, list) for row in value):
        return [list(value)]
    if not all(isinstance(row, list) and row for row in value):
        raise ValueError("mixes numbers and lists: write every row as a list, or a flat list for 1D")
    widths = {len(row) for row in value}
    if len(widths) > 1:
        bad = next(i for i, row in enumerate(value) if len(row) != len(value[0]))
        raise ValueError(f"ragged: row 0 has {len(value[0])} entries but row {bad} has {len(value[bad])}")
    if len(value) * len(value[0]) > MAX_ENTRIES:
        raise ValueError(f"more than {MAX_ENTRIES} entries: too large to invert step by step")
    return [list(row) for row in value]


def _entry(raw: Any, where: str, names: dict[str, Any] | None = None) -> Any:
    """A number, ``'?'`` (returned as None) or, where ``names`` is given, a kernel/bias name."""
    if raw == UNKNOWN:
        return None
    try:
        return parse_exact(raw, names)
    except NumberError as error:
        allowed = "a number, a name or '?'" if names is not None else "a number or '?'"
        raise ValueError(f"{where}: expected {allowed}; {error}") from None


@dataclass(frozen=True)
class Grid:
    """Entries (exact numbers, None for '?', or sympy expressions in the kernel's names) and their layout."""

    rows: tuple[tuple[Any, ...], ...]
    one_d: bool

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns); a 1D signal is one row."""
        return len(self.rows), len(self.rows[0])


def _values_or_unknown(value: Any) -> Grid:
    rows = _grid(value, "a matrix with '?' for unknown entries")
    parsed = [[_entry(raw, f"entry [{i}][{j}]") for j, raw in enumerate(row)] for i, row in enumerate(rows)]
    return Grid(tuple(map(tuple, parsed)), not isinstance(value[0], list))


def _bare_name(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and NAME.fullmatch(raw) and raw not in RESERVED else None


def _kernel(value: Any) -> Grid:
    """A kernel template: bare names (``e``) are unknowns, '?' is an unknown of its own, the rest numbers
    or expressions in those names (``2*f``)."""
    import sympy as sp

    rows = _grid(value, "a kernel (numbers, names such as e, or '?')")
    names = {raw: sp.Symbol(raw) for row in rows for raw in row if _bare_name(raw)}
    parsed = []
    for i, row in enumerate(rows):
        line = []
        for j, raw in enumerate(row):
            if isinstance(raw, str) and raw in RESERVED:
                raise ValueError(f"entry [{i}][{j}]: the names X and Y are taken by the input and output")
            line.append(names[raw] if _bare_name(raw) else _entry(raw, f"entry [{i}][{j}]", names))
        parsed.append(tuple(line))
    return Grid(tuple(parsed), not isinstance(value[0], list))


def _bias(raw: Any) -> Any:
    """A number, a name (an unknown) or '?' (an unknown called b)."""
    import sympy as sp

    if raw == UNKNOWN:
        return sp.Symbol("b")
    if _bare_name(raw):
        return sp.Symbol(raw)
    try:
        return parse_exact(raw)
    except NumberError as error:
        raise ValueError(f"expected a number, a name or '?'; {error}") from None


Known = Annotated[Grid, Validated(_values_or_unknown)]
"""A matrix (or flat list) whose unknown entries are written '?'."""
Kernel = Annotated[Grid, Validated(_kernel)]
"""A kernel template with named unknowns."""
Bias = Annotated[Any, Validated(_bias)]
"""A bias: a number or an unknown."""


@dataclass(frozen=True)
class Inversion:
    """The ``given`` of a conv-inversion problem."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    X: Known
    W: Kernel
    Y: Known
    b: Bias = 0
    stride: Count = 1
    padding: Padding = 0
    dilation: Count = 1
    flip: Flag = False


def spec_type(fields: Mapping[str, Any]) -> type:
    """The dataclass that validates this kind's one field, ``given``."""
    return given_only(Inversion)


def index(position: Position, one_d: bool) -> str:
    """How an entry is named: ``[1,0]``, or ``[0]`` for a 1D signal."""
    return f"[{position[1]}]" if one_d else f"[{position[0]},{position[1]}]"


def layer(given: Inversion) -> Conv:
    """The convolution the problem describes (FieldError for a padding that does not fit)."""
    from solver.engine.conv import Conv

    dims = 1 if given.X.one_d else 2
    padding = given.padding
    if isinstance(padding, tuple):
        if len(padding) != dims:
            raise FieldError(("padding",),
                             f"expected {dims} value{'s' * (dims > 1)} (one per axis), got {len(padding)}")
        padding = padding[0] if dims == 1 else padding
    try:
        return Conv(dims, 3, stride=given.stride, padding=padding, dilation=given.dilation, flip=given.flip)
    except ValueError as error:
        raise FieldError(("padding",), str(error)) from None


def check_shapes(given: Inversion, conv: Conv) -> Position:
    """The output shape, after checking that X, W and Y fit together (FieldError if not)."""
    if given.W.one_d != given.X.one_d or given.Y.one_d != given.X.one_d:
        raise FieldError(("W",) if given.W.one_d != given.X.one_d else ("Y",),
                         "X, W and Y must all be flat lists (1D) or all lists of rows (2D)")
    _, _, _, out = conv.geometry(given.X.shape, given.W.shape)
    if min(out) < 1:
        raise FieldError(("W",), f"the kernel {_shape(given.W.shape, given.W.one_d)} (dilation {given.dilation}) "
                         f"does not fit the padded input {_shape(given.X.shape, given.X.one_d)}")
    if tuple(out) != given.Y.shape:
        raise FieldError(("Y",), f"expected a {_shape(out, given.Y.one_d)} output for a "
                         f"{_shape(given.X.shape, given.X.one_d)} input and a {_shape(given.W.shape, given.W.one_d)} "
                         f"kernel (stride {given.stride}, padding {given.padding!r}, dilation {given.dilation}), "
                         f"got {_shape(given.Y.shape, given.Y.one_d)}")
    return out


def _shape(shape: Position, one_d: bool) -> str:
    return f"length {shape[1]}" if one_d else f"{shape[0]}×{shape[1]}"

"""The ``given`` of a conv-inversion problem: grids with '?' entries, a kernel template, a bias, and
the layer they describe (checked against the shapes)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from solver.errors import FieldError, show_value
from solver.fields import Count, Flag, Padding, Validated
from solver.i18n import ntr, tr
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
        # Translators: {what} is "a matrix with '?' for unknown entries" or "a kernel (numbers, names such as e,
        # or '?')"
        raise ValueError(tr("expected {what} as a list of rows (or a flat list for 1D), got {value}", what=what,
                            value=show_value(value)))
    if all(not isinstance(row, list) for row in value):
        return [list(value)]
    if not all(isinstance(row, list) and row for row in value):
        raise ValueError(tr("mixes numbers and lists: write every row as a list, or a flat list for 1D"))
    widths = {len(row) for row in value}
    if len(widths) > 1:
        bad = next(i for i, row in enumerate(value) if len(row) != len(value[0]))
        raise ValueError(tr("ragged: row 0 has {count} entries but row {row} has {other}", count=len(value[0]), row=bad,
                            other=len(value[bad])))
    if len(value) * len(value[0]) > MAX_ENTRIES:
        raise ValueError(tr("more than {count} entries: too large to invert step by step", count=MAX_ENTRIES))
    return [list(row) for row in value]


def _entry(raw: Any, where: str, names: dict[str, Any] | None = None) -> Any:
    """A number, ``'?'`` (returned as None) or, where ``names`` is given, a kernel/bias name."""
    if raw == UNKNOWN:
        return None
    try:
        return parse_exact(raw, names)
    except NumberError as error:
        # Translators: {where} is an entry such as "entry [0][1]"; {reason} another message
        message = (tr("{where}: expected a number, a name or '?'; {reason}", where=where, reason=error)
                   if names is not None
                   else tr("{where}: expected a number or '?'; {reason}", where=where, reason=error))
        raise ValueError(message) from None


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
    rows = _grid(value, tr("a matrix with '?' for unknown entries"))
    parsed = [[_entry(raw, _where(i, j)) for j, raw in enumerate(row)] for i, row in enumerate(rows)]
    return Grid(tuple(map(tuple, parsed)), not isinstance(value[0], list))


def _where(i: int, j: int) -> str:
    """An entry of a grid named in a message: ``entry [0][1]``."""
    # Translators: {index} is a position such as [0][1]
    return tr("entry {index}", index=f"[{i}][{j}]")


def _bare_name(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and NAME.fullmatch(raw) and raw not in RESERVED else None


def _kernel(value: Any) -> Grid:
    """A kernel template: bare names (``e``) are unknowns, '?' is an unknown of its own, the rest numbers
    or expressions in those names (``2*f``)."""
    import sympy as sp

    rows = _grid(value, tr("a kernel (numbers, names such as e, or '?')"))
    names = {raw: sp.Symbol(raw) for row in rows for raw in row if _bare_name(raw)}
    parsed = []
    for i, row in enumerate(rows):
        line = []
        for j, raw in enumerate(row):
            if isinstance(raw, str) and raw in RESERVED:
                raise ValueError(tr("{where}: the names X and Y are taken by the input and output", where=_where(i, j)))
            line.append(names[raw] if _bare_name(raw) else _entry(raw, _where(i, j), names))
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
        raise ValueError(tr("expected a number, a name or '?'; {reason}", reason=error)) from None


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
            raise FieldError(("padding",), ntr("expected {n} value (one per axis), got {count}",
                                               "expected {n} values (one per axis), got {count}", dims,
                                               count=len(padding)))
        padding = padding[0] if dims == 1 else padding
    try:
        return Conv(dims, 3, stride=given.stride, padding=padding, dilation=given.dilation, flip=given.flip)
    except ValueError as error:
        raise FieldError(("padding",), str(error)) from None


def check_shapes(given: Inversion, conv: Conv) -> Position:
    """The output shape, after checking that X, W and Y fit together (FieldError if not)."""
    if given.W.one_d != given.X.one_d or given.Y.one_d != given.X.one_d:
        raise FieldError(("W",) if given.W.one_d != given.X.one_d else ("Y",),
                         tr("X, W and Y must all be flat lists (1D) or all lists of rows (2D)"))
    _, _, _, out = conv.geometry(given.X.shape, given.W.shape)
    if min(out) < 1:
        # Translators: {kernel} and {input} are sizes such as 3×3 or "length 5"
        raise FieldError(("W",), tr("the kernel {kernel} (dilation {dilation}) does not fit the padded input {input}",
                                    kernel=_shape(given.W.shape, given.W.one_d), dilation=given.dilation,
                                    input=_shape(given.X.shape, given.X.one_d)))
    if tuple(out) != given.Y.shape:
        # Translators: {output}, {input}, {kernel} and {got} are sizes such as 3×3 or "length 5"
        raise FieldError(("Y",), tr("expected a {output} output for a {input} input and a {kernel} kernel (stride "
                                    "{stride}, padding {padding}, dilation {dilation}), got {got}",
                                    output=_shape(out, given.Y.one_d), input=_shape(given.X.shape, given.X.one_d),
                                    kernel=_shape(given.W.shape, given.W.one_d), stride=given.stride,
                                    padding=repr(given.padding), dilation=given.dilation,
                                    got=_shape(given.Y.shape, given.Y.one_d)))
    return out


def _shape(shape: Position, one_d: bool) -> str:
    return tr("length {count}", count=shape[1]) if one_d else f"{shape[0]}×{shape[1]}"

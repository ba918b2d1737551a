"""The fields of a ``kind: rnn`` problem: the network's weights and inputs, the loss, what to differentiate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from solver.errors import show_value
from solver.fields import Flag, Validated
from solver.i18n import tr
from solver.numbers import ExactMatrix, NumberError, parse_exact, parse_matrix, plain_name

FIELDS = ("given", "loss", "wrt", "factors")
GATES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
MAX_STEPS = 50


def _sequence(value: Any) -> list[Any]:
    """The inputs x_1 … x_T: a list of vectors, or a flat list of numbers (input size 1)."""
    import sympy as sp

    if not isinstance(value, list) or not value:
        raise ValueError(tr("expected the input sequence as a non-empty list (one vector per time step), got {value}",
                            value=show_value(value)))
    if len(value) > MAX_STEPS:
        raise ValueError(tr("at most {most} time steps, got {count}", most=MAX_STEPS, count=len(value)))
    steps = []
    for t, item in enumerate(value):
        try:
            steps.append(parse_matrix(item) if isinstance(item, list) else sp.Matrix([[parse_exact(item)]]))
        except NumberError as error:
            # Translators: {reason} is another message
            raise ValueError(tr("time step {step}: {reason}", step=t + 1, reason=error)) from None
        if steps[-1].cols != 1:
            # Translators: {shape} is a shape such as 2×3
            raise ValueError(tr("time step {step}: expected a vector (a flat list), got a {shape} matrix", step=t + 1,
                                shape=f"{steps[-1].rows}×{steps[-1].cols}"))
    sizes = {s.rows for s in steps}
    if len(sizes) > 1:
        bad = next(t for t, s in enumerate(steps) if s.rows != steps[0].rows)
        raise ValueError(tr("every x_t must have the same size: x_1 has {count} entries but {other} has {size}",
                            count=steps[0].rows, other=f"x_{bad + 1}", size=steps[bad].rows))
    return steps


def _targets(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(tr("expected a mapping of names to values, e.g. {{t: [1, 0]}}, got {value}",
                            value=show_value(value)))
    out = {}
    for name, raw in value.items():
        if not isinstance(name, str) or not plain_name(name) or _reserved(name):
            raise ValueError(tr("'{name}' cannot name a target (plain ASCII names only, not h1, x1, W_hh …)",
                                name=name))
        try:
            out[name] = parse_matrix(raw) if isinstance(raw, list) else parse_matrix([raw])
        except NumberError as error:
            raise ValueError(f"{name}: {error}") from None
    return out


def _reserved(name: str) -> bool:
    head = name.rstrip("0123456789")
    own = ("h", "x", "y", "a", "c", "i", "f", "g", "o", "r", "z", "n")
    return (head != name and head in own) or name.startswith(("W_", "b_"))


Sequence = Annotated[list, Validated(_sequence)]
"""The input sequence x_1 … x_T, each a column vector."""
Targets = Annotated[dict, Validated(_targets)]
"""Named values the loss may use."""


@dataclass(frozen=True)
class Network:
    """The ``given`` of an rnn problem: the cell, its weights and the input sequence."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    W_hh: ExactMatrix
    x: Sequence
    cell: Literal["rnn", "lstm", "gru"] = "rnn"
    activation: Literal["sigmoid", "tanh", "relu"] | None = None
    convention: Literal["column", "row"] = "column"
    W_xh: ExactMatrix | None = None
    b_h: ExactMatrix | None = None
    W_ih: ExactMatrix | None = None
    b_ih: ExactMatrix | None = None
    b_hh: ExactMatrix | None = None
    h0: ExactMatrix | None = None
    c0: ExactMatrix | None = None
    W_hy: ExactMatrix | None = None
    b_y: ExactMatrix | None = None
    targets: Targets | None = None


@dataclass(frozen=True)
class RnnSpec:
    """The fields of a ``kind: rnn`` problem."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    given: Network
    loss: str | None = None
    wrt: list[str] | None = None
    factors: Flag = False


def spec_type(fields: Mapping[str, Any]) -> type:
    """The dataclass that validates this kind's fields."""
    return RnnSpec

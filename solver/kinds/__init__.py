"""The registry of problem kinds and the contract every kind module keeps (:class:`Kind`).

Modules are imported only when a problem of that kind is loaded.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import make_dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, cast

from solver.errors import FieldError

if TYPE_CHECKING:
    from solver.problem import Problem
    from solver.trace import Solution

KINDS: dict[str, tuple[str, str]] = {
    "params": ("solver.kinds.params", "parameter counts of RNN/LSTM/GRU, fully connected and conv layers"),
    "graph": ("solver.kinds.graph", "computational graphs: forward pass, loss, backward pass, updates"),
    "rnn": ("solver.kinds.rnn", "recurrent networks: RNN, LSTM and GRU steps, backpropagation through time"),
    "gan": ("solver.kinds.gan", "one GAN training step: discriminator ascent, then generator descent"),
    "descent": ("solver.kinds.descent", "gradient descent on a function of one variable: a table of iterates"),
    "relu-pieces": ("solver.kinds.relu_pieces", "a function of x built from ReLU units: pieces, slopes, values"),
    "conv-inversion": ("solver.kinds.conv_inversion", "recover a conv kernel, bias and lost inputs from known outputs"),
    "symbolic": ("solver.kinds.symbolic", "derivations with symbolic sizes and indices, each step checked"),
}


class Kind(Protocol):
    """What a kind module provides (docs/architecture.md, "How to add a kind").

    ``FIELDS``: the top-level fields of its problems besides kind, title, id, statement, source and ask.
    ``ANSWERS``: how its answers are named (patterns such as ``d<loss>/d<var>``), for help and schemas.
    """

    FIELDS: tuple[str, ...]
    ANSWERS: tuple[str, ...]

    def spec_type(self, fields: Mapping[str, Any]) -> type:
        """The dataclass that validates the problem's ``FIELDS`` (it may depend on them, e.g. on a model name)."""

    def solve(self, problem: Problem, numeric: bool = False) -> Solution:
        """The worked solution; ``FieldError`` paths are relative to the problem (``("given", "W")``)."""


def kind_module(name: str) -> Kind:
    """The module that solves problems of kind ``name`` (KeyError if unknown)."""
    return cast(Kind, importlib.import_module(KINDS[name][0]))


@cache
def given_only(given: type) -> type:
    """The spec type of a kind whose only field is ``given``: a dataclass with that one field."""
    spec = make_dataclass(f"{given.__name__}Problem", [("given", given)], frozen=True)
    spec.__pydantic_config__ = {"extra": "forbid"}  # type: ignore[attr-defined]
    return spec


@contextmanager
def within_given() -> Iterator[None]:
    """A ``FieldError`` raised inside is about a field of ``given``: its path gets that prefix."""
    try:
        yield
    except FieldError as error:
        raise FieldError(("given", *error.path), error.message) from None

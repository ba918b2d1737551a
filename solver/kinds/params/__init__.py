"""Parameter counting: recurrent layers (RNN, LSTM, GRU), fully connected networks, conv layers and
small CNNs, step by step.

Integer arithmetic only (no sympy), so that ``dlsolve lstm-params`` starts as fast as typer; the
general forms are :mod:`solver.formula` trees and the substituted forms the same trees with numbers.
One module per model family: :mod:`.recurrent`, :mod:`.dense`, :mod:`.conv`, :mod:`.cnn`; the spec
dataclasses are in :mod:`.models`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from solver.kinds import given_only, within_given
from solver.kinds.params.models import (
    CELL_NAMES,
    CNN_LAYERS,
    CONVENTIONS,
    FORBID_EXTRA,
    GATE_NAMES,
    GATES,
    MODELS,
    CnnActivation,
    CnnBatchNorm,
    CnnConv,
    CnnDense,
    CnnDropout,
    CnnEmbedding,
    CnnFlatten,
    CnnNet,
    CnnPool,
    ConvLayer,
    DenseNet,
    RecurrentNet,
    given_type,
)
from solver.kinds.params.recurrent import solve_recurrent
from solver.problem import Problem
from solver.trace import Solution

__all__ = [
    "ANSWERS",
    "CELL_NAMES",
    "CNN_LAYERS",
    "CONVENTIONS",
    "FIELDS",
    "FORBID_EXTRA",
    "GATES",
    "GATE_NAMES",
    "MODELS",
    "CnnActivation",
    "CnnBatchNorm",
    "CnnConv",
    "CnnDense",
    "CnnDropout",
    "CnnEmbedding",
    "CnnFlatten",
    "CnnNet",
    "CnnPool",
    "ConvLayer",
    "DenseNet",
    "RecurrentNet",
    "given_type",
    "problem",
    "solve",
    "spec_type",
]


FIELDS = ("given",)
ANSWERS = (
    "total", "layer<l>", "weights", "biases", "<convention>_total", "<axis>_out", "shape<l>", "params<l>",
    "running_stats", "shared", "layerwise_total",
)


def spec_type(fields: Mapping[str, Any]) -> type:
    """The dataclass that validates ``given``: the model's, chosen by its ``model`` field."""
    with within_given():
        return given_only(given_type(fields.get("given")))


def problem(given: RecurrentNet | DenseNet | CnnNet | ConvLayer, id: str, title: str) -> Problem:
    """A params problem from a model built in code (as the command line does)."""
    model: type = type(given)
    return Problem(id=id, kind="params", title=title, spec=given_only(model)(given=given))


def solve(problem: Problem, numeric: bool = False) -> Solution:
    """Count the parameters of the network in ``problem.spec.given``, step by step (integers: always exact)."""
    with within_given():
        return _solve(problem)


def _solve(problem: Problem) -> Solution:
    given = problem.spec.given
    if isinstance(given, RecurrentNet):  # (the other families are imported when used: lstm-params starts fast)
        givens, steps, answers = solve_recurrent(given)
    elif isinstance(given, DenseNet):
        from solver.kinds.params.dense import solve_dense

        givens, steps, answers = solve_dense(given)
    elif isinstance(given, CnnNet):
        from solver.kinds.params.cnn import solve_cnn

        givens, steps, answers = solve_cnn(given)
    else:
        from solver.kinds.params.conv import solve_conv

        givens, steps, answers = solve_conv(given)
    return Solution(
        id=problem.id,
        kind=problem.kind,
        title=problem.title,
        statement=problem.statement,
        source=problem.source,
        given=tuple(givens),
        steps=tuple(steps),
        answers=tuple(answers),
    )

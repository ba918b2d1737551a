"""JSON Schemas for the fields pydantic validates with plain functions (it cannot describe those).

Keyed by the function's module and qualified name. Each hint accepts at least every value the function
accepts: the schema may let through what dlsolve rejects (dlsolve then says why, with file and line),
never the reverse. A function not listed here accepts anything as far as the schema can tell.
"""

from __future__ import annotations

import inspect
from typing import Any

NUMBER: dict[str, Any] = {"type": ["number", "string"]}
"""An exact number: an integer, a decimal, or text such as ``1/3``, ``ln(2)``."""

MATRIX: dict[str, Any] = {
    "type": "array", "minItems": 1,
    "items": {"anyOf": [NUMBER, {"type": "array", "minItems": 1, "items": NUMBER}]},
}
"""A matrix as a list of rows, or a flat list of numbers (a vector)."""


def _per_dim(minimum: int) -> dict[str, Any]:
    item = {"type": "integer", "minimum": minimum}
    return {"anyOf": [item, {"type": "array", "minItems": 1, "maxItems": 3, "items": item}]}


HINTS: dict[str, dict[str, Any]] = {
    "solver.numbers.parse_exact": NUMBER,
    "solver.numbers.parse_matrix": MATRIX,
    "solver.fields._padding": {"anyOf": [{"enum": ["valid", "same"]}, _per_dim(0)]},
    "solver.kinds.rnn_spec._sequence": {"type": "array", "minItems": 1, "maxItems": 50},
    "solver.kinds.rnn_spec._targets": {"type": "object"},
    "solver.kinds.params.models._probability": NUMBER,
    "solver.kinds.params.models._layer_name": {"type": "string", "minLength": 1, "maxLength": 40},
    "solver.kinds.descent.run._text": NUMBER,
    "solver.kinds.descent.run._variable": {"type": "string", "maxLength": 20},
    "solver.kinds.symbolic.spec._text.<locals>.validate": {"type": "string", "minLength": 1},
    "solver.kinds.descent.run._iterations.<locals>.validate": {"type": "integer", "minimum": 0},
    "solver.kinds.relu_pieces._numbers.<locals>.validate": {"type": "array", "minItems": 1, "items": NUMBER},
    "solver.kinds.gan._batch": {"type": "array", "minItems": 1},
    "solver.kinds.gan._learning_rate": NUMBER,
    "solver.kinds.gan._d_steps": {"type": "integer", "minimum": 1},
}


def before(function: Any, inner: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of what a before-validator ``function`` accepts, given its result's schema ``inner``
    (symbolic's steps: a form may be written as text alone; unknown functions: anything)."""
    name = f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', '')}"
    if name == "solver.kinds.symbolic.spec._steps" and isinstance(inner.get("items"), dict):
        return {**inner, "minItems": 2, "items": {"anyOf": [{"type": "string"}, inner["items"]]}}
    if name == "solver.kinds.symbolic.spec._derivations":
        return {**inner, "minItems": 1}
    return {}


def hint(function: Any) -> dict[str, Any]:
    """The JSON Schema of the values ``function`` may accept (``{}``: anything)."""
    name = f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', '')}"
    if name == "solver.fields._int_or_list.<locals>.validate":  # kernel, stride (≥ 1) or pooling padding (≥ 0)
        return _per_dim(inspect.getclosurevars(function).nonlocals["minimum"])
    return dict(HINTS.get(name, {}))

"""The fields of a ``kind: graph`` problem and reading them: givens, symbols, the gradients asked for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from solver.errors import FieldError
from solver.i18n import tr
from solver.numbers import plain_name

FIELDS = ("given", "symbols", "equations", "loss", "wrt", "layout", "update")
MAX_GIVEN_ENTRIES = 10_000  # numbers in all the givens (a 100×100 matrix): beyond any exam problem


@dataclass(frozen=True)
class Update:
    """One gradient-descent step on some parameters: ``p_new = p − lr·∂L/∂p``."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    lr: Any
    params: list[str] | None = None
    method: Literal["sgd"] = "sgd"
    data: list[Any] | None = None  # observations, each a mapping that replaces some given values
    mode: Literal["sequential", "batch"] = "sequential"


@dataclass(frozen=True)
class GraphSpec:
    """The fields of a ``kind: graph`` problem (values are parsed exactly when solving)."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    given: dict[str, Any]
    equations: list[str]
    symbols: list[str] | None = None
    loss: str | None = None
    wrt: list[str] | None = None
    layout: Literal["gradient", "jacobian"] = "gradient"
    update: Update | None = None


def spec_type(fields: Mapping[str, Any]) -> type:
    """The dataclass that validates this kind's fields."""
    return GraphSpec


def read_symbols(spec: GraphSpec) -> dict[str, Any]:
    import sympy as sp

    out = {}
    for i, name in enumerate(spec.symbols or []):
        if not plain_name(name) or name in ("e", "pi"):
            raise FieldError(("symbols", i), tr("a symbol must be a plain ASCII name such as a or w1, got {name}",
                                                name=repr(name)))
        out[name] = sp.Symbol(name, real=True)
    return out


def given_values(given: dict[str, Any], symbols: dict[str, Any], path: tuple, numeric: bool) -> dict[str, Any]:
    """Exact values of a mapping of names (numbers and expressions → 1×1, lists → matrices)."""
    import sympy as sp

    from solver.engine.ops import Matrix
    from solver.numbers import NumberError, parse_exact, parse_matrix

    values, entries = {}, 0
    for name, raw in given.items():
        if not isinstance(name, str) or not plain_name(name):
            raise FieldError(path + (name,), tr("a given's name must be a plain ASCII name such as W1 or x, got "
                                                "{name}", name=repr(name)))
        if name in symbols:
            raise FieldError(path + (name,), tr("'{name}' is also listed under symbols", name=name))
        entries += len(raw) if isinstance(raw, sp.MatrixBase) else _entry_count(raw)
        if entries > MAX_GIVEN_ENTRIES:
            raise FieldError(path + (name,), tr("the givens have more than {count} entries in all (a 100×100 matrix "
                                                "has 10,000): too large for a worked solution",
                                                count=format(MAX_GIVEN_ENTRIES, ",")))
        try:
            if isinstance(raw, sp.MatrixBase):  # already exact (a kind that builds a graph, such as rnn)
                value = raw
            else:
                value = parse_matrix(raw, symbols) if isinstance(raw, list) else Matrix([[parse_exact(raw, symbols)]])
        except NumberError as error:
            raise FieldError(path + (name,), str(error)) from None
        values[name] = as_numeric(value) if numeric else Matrix(value)
    return values


def one_element_lists(given: dict[str, Any]) -> set[str]:
    """The givens written as a list of one number (``[1/2]`` or ``[[1/2]]``): vectors of length 1, not scalars."""
    return {name for name, raw in given.items() if isinstance(raw, list) and len(raw) == 1
            and (not isinstance(raw[0], list) or len(raw[0]) == 1)}


def as_numeric(value: Any) -> Any:
    """A given's value as 17-digit floats (floating-point mode)."""
    import sympy as sp

    from solver.engine.ops import Matrix

    value = Matrix(value)  # entry by entry: applyfunc would hash every new Float
    return Matrix(value.rows, value.cols, [sp.Float(sp.N(v, 17), 17) for v in value])


def _entry_count(raw: Any) -> int:
    """How many numbers a given holds (a list of rows, a flat list or one number), before parsing it."""
    if not isinstance(raw, list):
        return 1
    return sum(len(row) if isinstance(row, list) else 1 for row in raw)


def wanted(spec: GraphSpec, graph: Any, loss: Any) -> list[str]:
    """The names whose gradients are reported: ``wrt``, or every differentiable given.

    A name whose value reaches a constant argument (an exponent, a slope, a class index, a bce
    target) on the way to the loss gets no gradient: dlsolve would miss that path, so it refuses.
    """
    from solver.engine.graph import relevant_nodes

    if spec.wrt is None:
        names = [n for n, node in graph.names.items() if node.kind in ("given", "symbol") and _differentiable(node)]
        reachable = relevant_nodes(graph, loss, [graph.names[n] for n in names])
        names = [n for n in names if graph.names[n] in reachable]
        return [n for n in names if _constant_use(graph, loss, graph.names[n]) is None]
    for i, name in enumerate(spec.wrt):
        if name not in graph.names:
            raise FieldError(("wrt", i), tr("unknown name '{name}'", name=name))
        node = graph.names[name]
        if node is loss:
            continue  # ∂L/∂L = 1
        if node.consumers and not _differentiable(node):  # (an unused name has gradient 0)
            raise FieldError(("wrt", i), tr("'{name}' is used only as a constant (a class index, a slope, an "
                                            "exponent or a target), so it has no gradient here", name=name))
        use = _constant_use(graph, loss, node)
        if use is not None:
            # Translators: {use} is like "argument 2 of leaky_relu(z, a)"
            raise FieldError(("wrt", i), tr("'{name}' reaches {use}, which dlsolve treats as a constant (not "
                                            "differentiated), so its gradient would be incomplete", name=name,
                                            use=use))
    return list(spec.wrt)


def _constant_use(graph: Any, loss: Any, node: Any) -> str | None:
    """Where ``node`` (or a value computed from it) is a constant argument on the way to the loss."""
    from solver.engine.graph import relevant_nodes

    downstream = relevant_nodes(graph, loss, [node]) | {node}
    for consumer in graph.nodes:
        if consumer.op is None or consumer not in downstream:
            continue
        for position in consumer.op.constant_args:
            if consumer.inputs[position] in downstream:
                # Translators: {position} counts a function's arguments (1, 2, …); {call} is the call, f(x, a)
                return tr("argument {position} of {call}", position=position + 1, call=consumer.label)

    return None


def _differentiable(node: Any) -> bool:
    return any(i not in consumer.op.constant_args for consumer in node.consumers
               for i, parent in enumerate(consumer.inputs) if parent is node)

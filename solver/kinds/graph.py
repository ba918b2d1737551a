"""Computational graphs: forward pass, loss, every backward step, finite-difference check, SGD.

A problem gives values (numbers, vectors, matrices, symbols) and equations in forward order.
The solver evaluates every node exactly, runs the backward loop of :mod:`solver.engine.graph`
(which records each chain-rule product and every fan-in sum), checks each reported gradient
against central finite differences in float64, and applies gradient-descent updates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, ClassVar, Literal

from solver.errors import FieldError, UnsolvableError
from solver.formula import Formula, Name, Op, Paren, equation, grad, op
from solver.numbers import plain_name
from solver.problem import Problem
from solver.trace import Answer, Given, Solution, Step, StepKind

FIELDS = ("given", "symbols", "equations", "loss", "wrt", "layout", "update")
FD_TOLERANCE = 1e-6
MAX_GIVEN_ENTRIES = 10_000  # numbers in all the givens (a 100×100 matrix): beyond any exam problem
PRINT_OPS = 60  # beyond this many tree nodes in an entry, a value is shown by its decimal


@dataclass(frozen=True)
class Arithmetic:
    """How a solve computes: exact (sympy) or floating point, and why it fell back, if it did."""

    numeric: bool = False
    why: str = ""


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


def spec_type() -> type:
    """The dataclass that validates this kind's top-level fields."""
    return GraphSpec


def solve(problem: Problem, numeric: bool = False, forward_only: bool = False, raw: dict | None = None) -> Solution:
    """Forward pass, backward pass, finite-difference check and updates, step by step.

    Exact unless ``numeric``; when exact forms explode (see engine.graph.MAX_EXACT_OPS) the problem
    is solved again in floating point and the trace says so. ``forward_only`` (for kinds that build
    a graph) skips the backward pass even when the last value is a scalar; ``raw``, if given, receives
    the unrounded ``values`` of every node and the ``grads`` (for kinds that compute on with them).
    """
    from solver.engine.exact import TooLarge

    try:
        return _solve(problem, numeric, "", forward_only, raw)
    except TooLarge as error:
        if numeric:
            raise
        if problem.given.symbols:
            raise UnsolvableError(f"exact arithmetic explodes ({error}), and floating point cannot take its "
                                  "place while the problem has symbols: give them values, or make the "
                                  "problem smaller") from None
        why = (f"Exact arithmetic was abandoned because {error}; the problem is solved in floating point "
               "(15 significant digits). Use --numeric to skip the exact attempt.")
        return _solve(problem, True, why, forward_only, raw)


def _solve(problem: Problem, numeric: bool, why: str, forward_only: bool = False, raw: dict | None = None) -> Solution:
    import sympy as sp

    spec: GraphSpec = problem.given
    if not spec.equations:
        raise FieldError(("equations",), "expected at least one equation")
    symbols = _symbols(spec)
    if numeric and symbols:
        raise FieldError(("symbols",), "floating-point mode (--numeric) needs numbers: this problem has symbols")
    arithmetic = Arithmetic(numeric, why)
    values = _given_values(spec.given, symbols, ("given",), False)
    givens = [Given(name, _plain(value)) for name, value in values.items()]  # as given, exact in every mode
    values = {name: _as_numeric(value) for name, value in values.items()} if numeric else values
    givens += [Given(name, sp.Symbol(name), "symbol") for name in symbols]
    if spec.update is not None and spec.update.data is not None and not spec.update.data:
        raise FieldError(("update", "data"), "expected a non-empty list of observations, got an empty list "
                                             "(leave data out to update with the given values)")
    observations = spec.update.data if spec.update is not None and spec.update.data else None
    if observations is None:
        first = _one_pass(spec, symbols, values, arithmetic, forward_only)
        if raw is not None:
            raw.update(grads=first.grads, values={name: node.value for name, node in first.graph.names.items()},
                       numeric=numeric)
        steps, answers = [_conventions(spec, first.graph, arithmetic), *first.steps], list(first.answers)
        if spec.update is not None:
            update_steps, new_values = _updates(spec, first, values)
            steps.append(Step(StepKind.GROUP, "Gradient-descent update", substeps=tuple(update_steps)))
            answers += [Answer(f"{name}_new", _present(value), "after one step") for name, value in new_values.items()]
        drawings = (first.drawing,)
    else:
        steps, answers, drawings = _observations(spec, symbols, values, observations, arithmetic)
    return Solution(problem.id, problem.kind, problem.title, problem.statement, problem.source,
                    tuple(givens), tuple(steps), tuple(answers), drawings=drawings)


@dataclass
class _Pass:
    """One forward and backward pass: its graph, steps, answers and the gradients asked for."""

    graph: Any
    steps: list[Step]
    answers: list[Answer]
    grads: dict[str, Any]
    loss_name: str | None
    drawing: Any = None


def _one_pass(spec: GraphSpec, symbols: dict[str, Any], values: dict[str, Any], arithmetic: Arithmetic,
              forward_only: bool = False) -> _Pass:
    from solver.engine import graph as engine
    from solver.engine.ops import Matrix

    try:
        graph = engine.build({**symbols, **values}, spec.equations, numeric=arithmetic.numeric)
    except engine.EquationError as error:
        raise FieldError(("equations", error.index), f"{spec.equations[error.index]!r}: {error}") from None
    steps = [Step(StepKind.GROUP, "Forward pass", substeps=tuple(_forward_steps(graph)), note=_kink_notes(graph))]
    answers = [Answer(name, _present(node.value), "") for name, node in graph.equations]
    last = graph.equations[-1][1]
    if spec.loss is None and spec.wrt is None and spec.update is None and (last.shape != (1, 1) or forward_only):
        return _Pass(graph, steps, answers, {}, None, _drawn(graph, [], None))  # a forward pass only

    loss_name = spec.loss or graph.equations[-1][0]
    if loss_name not in graph.names:
        raise FieldError(("loss",), f"unknown name '{loss_name}' (the loss must be an equation's variable)")
    loss = graph.names[loss_name]
    if loss.shape != (1, 1):
        raise FieldError(("loss",), f"the loss must be a scalar, but {loss_name} is {loss.shape[0]}×{loss.shape[1]}")
    wanted = _wanted(spec, graph, loss)
    records = engine.backward(graph, loss, [graph.names[name] for name in wanted])
    steps.append(_backward_group(records, loss, spec.layout, graph, wanted))
    gradients = {record.node: record.total for record in records}
    grads = {name: gradients.get(graph.names[name], Matrix.zeros(*graph.names[name].shape)) for name in wanted}
    if not symbols:
        steps.append(_finite_difference_check(graph, loss, wanted, grads))
    answers += [Answer(f"d{loss_name}/d{name}", _present(_layout(grads[name], spec.layout)), f"gradient of {loss_name}")
                for name in wanted]
    return _Pass(graph, steps, answers, grads, loss_name, _drawn(graph, records, loss))


def _drawn(graph: Any, records: list[Any], loss: Any) -> Any:
    from solver.engine.drawing import drawing

    return drawing(graph, records, "Computational graph", loss, _present)


def _observations(spec: GraphSpec, symbols: dict[str, Any], values: dict[str, Any],
                  observations: list[dict[str, Any]], arithmetic: Arithmetic) -> tuple[list[Step], list[Answer], tuple]:
    """Several observations: one after another (an update after each) or as a minibatch (one mean update)."""
    from solver.engine.ops import Matrix

    sequential = spec.update.mode == "sequential"
    current = dict(values)
    steps: list[Step] = []
    answers: list[Answer] = []
    batch_grads: list[dict[str, Any]] = []
    last: _Pass | None = None
    for i, raw in enumerate(observations, 1):
        path = ("update", "data", i - 1)
        if not isinstance(raw, dict) or not raw:
            raise FieldError(path, "expected a mapping of given names to values, e.g. {x: [1, 5], y: 1}")
        for name in raw:
            if name not in values:
                raise FieldError(path + (name,), f"'{name}' is not a given (an observation replaces given values)")
        observed = _given_values(raw, symbols, path, arithmetic.numeric)
        one = _one_pass(spec, symbols, {**current, **observed}, arithmetic)
        last = one
        if one.loss_name is None:
            raise FieldError(("update",), "an update needs a scalar loss")
        shown = ", ".join(f"{name} = {_inline(value)}" for name, value in observed.items())
        substeps = list(one.steps)
        if sequential:
            update_steps, new_values = _updates(spec, one, current)
            substeps += update_steps
            current.update(new_values)
        else:
            batch_grads.append(one.grads)
        loss_value = one.graph.names[one.loss_name].value
        answers.append(Answer(f"{one.loss_name}_{i}", _present(loss_value), f"loss on observation {i}"))
        steps.append(Step(StepKind.GROUP, f"Observation {i}: {shown}", substeps=tuple(substeps),
                          note="Parameters as updated after the previous observation." if sequential and i > 1 else ""))
    if not sequential:
        n = len(batch_grads)
        mean = {name: Matrix(sum((g[name] for g in batch_grads[1:]), batch_grads[0][name]) / n).applyfunc(_tidy)
                for name in batch_grads[0]}
        assert last is not None
        batch = _Pass(last.graph, [], [], mean, last.loss_name)
        mean_steps = [Step(StepKind.SUM, f"Minibatch mean of ∂{last.loss_name}/∂{name}", formula=f"(1/{n})·Σ_i ∂{last.loss_name}_i/∂{name}",
                           result=_present(_layout(value, spec.layout))) for name, value in mean.items()]
        update_steps, new_values = _updates(spec, batch, values)
        steps.append(Step(StepKind.GROUP, "Minibatch gradient and update", substeps=tuple(mean_steps + update_steps)))
        answers += [Answer(f"d{last.loss_name}/d{name}", _present(_layout(value, spec.layout)), "minibatch mean")
                    for name, value in mean.items()]
        current.update(new_values)
    names = spec.update.params if spec.update.params is not None else list(last.grads) if last else []
    answers += [Answer(f"{name}_new", _present(current[name]), f"after {len(observations)} observations"
                       if sequential else "after the minibatch step") for name in names if name in current]
    conventions = _conventions(spec, last.graph, arithmetic) if last else None
    drawings = (replace(last.drawing, title="Computational graph (last observation)"),) if last else ()
    return ([conventions] if conventions else []) + steps, answers, drawings


def _inline(value: Any) -> str:
    from solver.render.values import compact

    return compact(_plain(value))


# --- reading the spec -----------------------------------------------------------------------------


def _symbols(spec: GraphSpec) -> dict[str, Any]:
    import sympy as sp

    out = {}
    for i, name in enumerate(spec.symbols or []):
        if not plain_name(name) or name in ("e", "pi"):
            raise FieldError(("symbols", i), f"a symbol must be a plain ASCII name such as a or w1, got {name!r}")
        out[name] = sp.Symbol(name, real=True)
    return out


def _given_values(given: dict[str, Any], symbols: dict[str, Any], path: tuple, numeric: bool) -> dict[str, Any]:
    """Exact values of a mapping of names (numbers and expressions → 1×1, lists → matrices)."""
    import sympy as sp

    from solver.engine.ops import Matrix
    from solver.numbers import NumberError, parse_exact, parse_matrix

    values, entries = {}, 0
    for name, raw in given.items():
        if not isinstance(name, str) or not plain_name(name):
            raise FieldError(path + (name,), f"a given's name must be a plain ASCII name such as W1 or x, got {name!r}")
        if name in symbols:
            raise FieldError(path + (name,), f"'{name}' is also listed under symbols")
        entries += len(raw) if isinstance(raw, sp.MatrixBase) else _entry_count(raw)
        if entries > MAX_GIVEN_ENTRIES:
            raise FieldError(path + (name,), f"the givens have more than {MAX_GIVEN_ENTRIES:,} entries in all (a "
                                             "100×100 matrix has 10,000): too large for a worked solution")
        try:
            if isinstance(raw, sp.MatrixBase):  # already exact (a kind that builds a graph, such as rnn)
                value = raw
            else:
                value = parse_matrix(raw, symbols) if isinstance(raw, list) else Matrix([[parse_exact(raw, symbols)]])
        except NumberError as error:
            raise FieldError(path + (name,), str(error)) from None
        values[name] = _as_numeric(value) if numeric else Matrix(value)
    return values


def _as_numeric(value: Any) -> Any:
    """A given's value as 17-digit floats (floating-point mode)."""
    import sympy as sp

    from solver.engine.ops import Matrix

    return Matrix(value).applyfunc(lambda v: sp.Float(sp.N(v, 17), 17))


def _entry_count(raw: Any) -> int:
    """How many numbers a given holds (a list of rows, a flat list or one number), before parsing it."""
    if not isinstance(raw, list):
        return 1
    return sum(len(row) if isinstance(row, list) else 1 for row in raw)


def _wanted(spec: GraphSpec, graph: Any, loss: Any) -> list[str]:
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
            raise FieldError(("wrt", i), f"unknown name '{name}'")
        node = graph.names[name]
        if node is loss:
            continue  # ∂L/∂L = 1
        if node.consumers and not _differentiable(node):  # (an unused name has gradient 0)
            raise FieldError(("wrt", i), f"'{name}' is used only as a constant (a class index, a slope, an exponent "
                                         "or a target), so it has no gradient here")
        use = _constant_use(graph, loss, node)
        if use is not None:
            raise FieldError(("wrt", i), f"'{name}' reaches {use}, which dlsolve treats as a constant (not "
                                         "differentiated), so its gradient would be incomplete")
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
                return f"argument {position + 1} of {consumer.label}"
    return None


def _differentiable(node: Any) -> bool:
    return any(i not in consumer.op.constant_args for consumer in node.consumers
               for i, parent in enumerate(consumer.inputs) if parent is node)


# --- steps ----------------------------------------------------------------------------------------


def _conventions(spec: GraphSpec, graph: Any, arithmetic: Arithmetic) -> Step:
    lines = ["Vectors are columns; W·x is a matrix product; ⊙ multiplies entrywise."]
    if arithmetic.why:
        lines.append(arithmetic.why)
    elif arithmetic.numeric:
        lines.append("Floating-point arithmetic (--numeric): values are rounded, not exact.")
    if spec.layout == "jacobian":
        lines.append("Gradients of vectors are written as rows (Jacobian, numerator layout: ∂L/∂h ∈ ℝ^{1×n}).")
    else:
        lines.append("A gradient has the shape of its variable; δ is the upstream gradient ∂L/∂(node).")
    names = {type(node.op).__name__ for node in graph.nodes if node.op is not None}
    if "Relu" in names:
        lines.append("ReLU'(0) = 0 and LeakyReLU'(0) = slope, as in PyTorch.")
    if names & {"Log", "Bce", "Nll", "BceLogits", "CrossEntropy", "LogSoftmax"}:
        lines.append("log is the natural logarithm.")
    return Step(StepKind.CONVENTION, "Conventions", note=" ".join(lines))


def _forward_steps(graph: Any) -> list[Step]:
    steps = []
    for name, node in graph.equations:
        inner = [n for n in graph.nodes if n.equation == node.equation and n is not node and not n.is_leaf]
        substeps = tuple(_forward_step(n, _display(n), _display(n)) for n in inner)
        steps.append(_forward_step(node, name, f"{name} = {_display(node)}", substeps))
    return steps


def _forward_step(node: Any, title: str | Formula, formula: str | Formula, substeps: tuple = ()) -> Step:
    shown = _show(node.op.show([p.value for p in node.inputs]), node.value, *[p.value for p in node.inputs])
    trivial = all(p.kind == "constant" for p in node.inputs)  # nothing to substitute
    window = node.op.window_note([p.value for p in node.inputs], [str(p.label) for p in node.inputs]) \
        if hasattr(node.op, "window_note") else ""
    if hasattr(node.op, "size_rules"):  # a convolution: its output size is a step of its own
        rules = node.op.size_rules(node.inputs[0].shape, node.inputs[1].shape)
        substeps = tuple(Step(StepKind.EVALUATE, f"Output {what}", formula, numbers, result,
                              note="n input size, k kernel size, p zero padding, d dilation, s stride")
                         for what, formula, numbers, result in rules) + substeps
    return Step(StepKind.FORWARD, str(title), formula=formula, substituted=None if trivial else shown,
                result=_present(node.value), substeps=substeps, note=" ".join(filter(None, [window, _cost_note(node)])))


def _cost_note(node: Any) -> str:
    """Scalar operations of a matrix product (and of adding a bias to it), as exams ask."""
    from solver.engine import ops

    if isinstance(node.op, ops.MatMul):
        (m, n), (_, q) = node.inputs[0].shape, node.inputs[1].shape
        if (m, n, q) == (1, 1, 1):
            return ""
        return (f"{m}·{n}·{q} = {m * n * q} multiplications and {m}·({n} − 1)·{q} = {m * (n - 1) * q} additions "
                f"(each of the {m * q} entries is a sum of {n} products).")
    if isinstance(node.op, ops.Add) and isinstance(node.inputs[0].op, ops.MatMul) and node.shape != (1, 1):
        (m, n), (_, q) = node.inputs[0].inputs[0].shape, node.inputs[0].inputs[1].shape
        return (f"Adding the bias takes {m * q} more additions: {m}·({n} − 1)·{q} + {m * q} = {m * n * q} additions "
                f"and {m * n * q} multiplications for the whole affine map.")
    return ""


def _display(node: Any) -> Formula:
    """A node's formula as solution sheets write it (W·x for products, ⊙ entrywise)."""
    from solver.engine.graph import label_of

    return node.label if node.is_leaf else label_of(node.op, list(node.inputs))


def _kink_notes(graph: Any) -> str:
    notes = []
    for node in graph.nodes:
        if node.op is not None:
            text = node.op.kink([p.value for p in node.inputs])
            if text:
                notes.append(f"At {node.label}: {text}.")
    return " ".join(notes)


def _backward_group(records: list[Any], loss: Any, layout: str, graph: Any, wanted: list[str]) -> Step:
    scalar_graph = all(n.shape == (1, 1) for n in graph.nodes)
    L = loss.label
    substeps = [Step(StepKind.RULE, f"∂{L}/∂{L} = 1", note="The backward pass starts from the loss with gradient 1.")]
    for record in records[1:]:
        substeps.append(_gradient_step(record, L, layout, scalar_graph))
    reached = {record.node for record in records}
    for name in wanted:
        if graph.names[name] not in reached:
            substeps.append(Step(StepKind.RULE, f"∂{L}/∂{name} = 0",
                                 note=f"{L} does not depend on {name}: no path of the graph leads from {name} to {L}."))
    note = "Nodes in reverse topological order; each receives upstream gradient × local derivative from every consumer."
    if scalar_graph:
        note += " On a scalar graph every edge carries local × upstream."
    return Step(StepKind.GROUP, "Backward pass", note=note, substeps=tuple(substeps))


def _gradient_step(record: Any, L: Formula, layout: str, scalar_graph: bool) -> Step:
    import sympy as sp

    from solver.engine.graph import operand
    from solver.engine.ops import DELTA

    def scalar_products(rule: Formula) -> Formula:  # scalars: an entrywise product is an ordinary one
        if isinstance(rule, Op):
            return Op("·" if rule.symbol == "⊙" else rule.symbol, tuple(scalar_products(a) for a in rule.args))
        return Paren(scalar_products(rule.body)) if isinstance(rule, Paren) else rule

    node = record.node
    target = grad(L, node.label)
    parts = []
    for part in record.contributions:
        consumer, xs = part.consumer, [p.value for p in part.consumer.inputs]
        words = consumer.op.explain(part.position, [operand(p) for p in consumer.inputs], xs, consumer.value)
        rule = words.rule
        if part.grad.shape == (1, 1) and part.upstream.shape == (1, 1):
            rule = scalar_products(rule)
        rule = rule.replace(DELTA, grad(L, consumer.label))
        note = words.local
        if scalar_graph and consumer.op.role:
            note = f"{consumer.op.role}. Local derivative: {note}"
        title = f"through {consumer.label}" if len(record.contributions) > 1 else str(target)
        shown = consumer.op.shown(xs, consumer.value, part.upstream, part.position)
        parts.append(Step(StepKind.CHAIN, title, formula=rule, substituted=_show(shown, part.grad, part.upstream),
                          result=_present(_layout(part.grad, layout)), note=note))
    if len(parts) == 1:
        only = parts[0]
        return Step(StepKind.CHAIN, f"{target}  ({_role(node)})" if _role(node) else str(target), formula=only.formula,
                    substituted=only.substituted, result=only.result, note=only.note)
    grads = [_plain(_layout(p.grad, layout)) for p in record.contributions]
    shown = sp.MatAdd(*grads, evaluate=False) if isinstance(grads[0], sp.MatrixBase) else sp.Add(*grads, evaluate=False)
    shown = _show(shown, *grads)
    bare = node.label if isinstance(node.label, Name) else Paren(node.label)
    return Step(StepKind.SUM, f"{target}: {bare} feeds {len(parts)} consumers, so their contributions add up",
                formula=equation(target, op("+", *[p.formula for p in parts])),
                substituted=shown, result=_present(_layout(record.total, layout)), substeps=tuple(parts))


def _role(node: Any) -> str:
    return {"given": "given", "symbol": "symbol", "variable": ""}.get(node.kind, "")


def _finite_difference_check(graph: Any, loss: Any, wanted: list[str], grads: dict[str, Any]) -> Step:
    """Compare every reported gradient with central differences; a mismatch fails the run."""
    import numpy as np

    from solver.engine.differences import PRECISION, SAFETY, STEP, CentralDifferences

    differences = CentralDifferences(graph, loss)
    substeps, worst, failed, kinked = [], 0.0, False, bool(_kink_notes(graph))
    for name in wanted:
        found = differences.of(graph.names[name])
        numeric, allowance, crossed = found.numeric, found.allowance, found.crossed
        exact = _floats(grads[name])
        if not (np.all(np.isfinite(numeric)) and np.all(np.isfinite(exact))):
            substeps.append(Step(StepKind.CHECK, f"∂{loss.label}/∂{name}: not checked",
                                 note=f"{PRECISION} overflows at these values (an infinite or undefined result), "
                                      "so central differences cannot be computed here"))
            continue
        def compare(exact: Any) -> tuple[Any, Any, bool]:
            """Per entry: max(1, |gradient|), the relative difference, and whether all agree."""
            size = np.maximum(1.0, np.abs(exact))
            relative = np.where(crossed, 0.0, np.abs(numeric - exact) / size)
            return size, relative, bool(np.all(relative <= FD_TOLERANCE + allowance / size))

        size, relative, agrees = compare(exact)
        if not agrees:  # before calling it a bug: the exact gradient's digits guaranteed (evalf is slower)
            exact = np.array(grads[name].evalf(30).tolist(), dtype=float)
            size, relative, agrees = compare(exact)
        error = float(np.max(relative))
        worst = max(worst, error)
        failed = failed or not agrees
        status = "✓" if agrees else ("≠ (at a kink: the convention decides)" if kinked else "✗")
        notes = [f"largest difference {error:.1e} (h = {STEP:g}, relative to max(1, |gradient|))"]
        if float(np.max(allowance / size)) > FD_TOLERANCE / 10:
            notes.append(f"up to {float(np.max(allowance / size)):.1e} counts as rounding ({SAFETY}× the rounding "
                         f"measured at these values, which reach {found.scale:.3g})")
        skipped = int(crossed.sum())
        if skipped:  # at an exact kink this is expected; near one, a step of h moves an input across it
            notes.append(f"{skipped} of {crossed.size} entr{'y' if crossed.size == 1 else 'ies'} not compared: "
                         "a step of h moves an input of relu, leaky_relu or max across its kink")
        substeps.append(Step(StepKind.CHECK, f"∂{loss.label}/∂{name}: central differences agree {status}",
                             note="; ".join(notes)))
        if not agrees and not kinked:
            raise UnsolvableError(
                f"finite-difference check failed for ∂{loss.label}/∂{name}: difference {error:.2e} "
                f"(exact {exact.tolist()}, numeric {[float(v) for v in numeric.flat]}); this is a bug in dlsolve, "
                "please report it"
            )
    return Step(StepKind.CHECK, f"Finite-difference check: {'see the kink note' if failed else '✓'}",
                note=f"Every gradient compared with central differences in {PRECISION}; largest difference {worst:.1e}.",
                substeps=tuple(substeps))


def _floats(value: Any) -> Any:
    """An exact matrix in float64, fast (shared subexpressions evaluated once; see ``ops.to_float``)."""
    import numpy as np

    from solver.engine.exact import to_float

    cache: dict = {}
    return np.array([[to_float(value[i, j], cache) for j in range(value.cols)] for i in range(value.rows)])


def _updates(spec: GraphSpec, one: _Pass, current: dict[str, Any]) -> tuple[list[Step], dict[str, Any]]:
    """``p_new = p − η·∂L/∂p`` for every updated parameter."""
    import sympy as sp

    from solver.engine.exact import guard
    from solver.engine.ops import Matrix
    from solver.numbers import NumberError, parse_exact

    try:
        lr = parse_exact(spec.update.lr)
    except NumberError as error:
        raise FieldError(("update", "lr"), str(error)) from None
    grads, loss_name = one.grads, one.loss_name
    params = spec.update.params if spec.update.params is not None else [n for n in grads if n in current]
    steps, new_values = [], {}
    for i, name in enumerate(params):
        if name not in current:
            raise FieldError(("update", "params", i), f"'{name}' is not a given parameter")
        if name not in grads:
            raise FieldError(("update", "params", i), f"'{name}' has no gradient here: add it to wrt")
        old = current[name]
        new = Matrix(old - lr * grads[name]).applyfunc(_tidy)
        if not one.graph.numeric:
            guard(new, f"{name}_new")  # the next observation starts from it: it must stay small
        new_values[name] = new
        if old.shape == (1, 1):
            shown = sp.Add(_plain(old), sp.Mul(-lr, _plain(grads[name]), evaluate=False), evaluate=False)
        else:
            shown = sp.MatAdd(old, sp.MatMul(-lr, grads[name], evaluate=False), evaluate=False)
        steps.append(Step(StepKind.UPDATE, f"{name}_new", formula=f"{name} − η·∂{loss_name}/∂{name}",
                          substituted=_show(shown, old, grads[name]),
                          result=_present(new), note=f"learning rate η = {sp.sstr(lr)}"))
    return steps, new_values


# --- values ---------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A 1×1 matrix as its entry; anything else unchanged."""
    return value[0, 0] if hasattr(value, "shape") and tuple(value.shape) == (1, 1) else value


def _present(value: Any) -> Any:
    """A value for the trace: exact while small, else its decimal (DESIGN.md: exact forms can explode)."""
    return _presented(_plain(value))


@lru_cache(maxsize=4096)  # sympy values are immutable and hashable: each is sized and evaluated once
def _presented(value: Any) -> Any:
    import sympy as sp

    from solver.engine.exact import size_at_most, to_float
    from solver.trace import Approximate

    entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
    size = max((size_at_most(v, 10 * PRINT_OPS) for v in entries
                if not (v.is_Rational or v.is_Float or v.is_Symbol)), default=0)
    if size <= PRINT_OPS or not all(v.is_number for v in entries):
        return value
    cache: dict = {}
    if isinstance(value, sp.MatrixBase):
        approx = value.applyfunc(lambda v: sp.Float(to_float(v, cache), 15))
    else:
        approx = sp.Float(to_float(value, cache), 15)
    return Approximate(approx, size)


def _show(expression: Any, *values: Any) -> Any:
    """The substituted form, unless one of its values is too large to print."""
    from solver.trace import Approximate

    return None if any(isinstance(_present(v), Approximate) for v in values) else expression


def _tidy(value: Any) -> Any:
    from solver.engine.exact import tidy

    return tidy(value)


def _layout(grad: Any, layout: str) -> Any:
    """A gradient in the requested layout: Jacobian layout writes a column vector's gradient as a row."""
    if layout == "jacobian" and grad.shape[1] == 1 and grad.shape[0] > 1:
        return grad.T
    return grad

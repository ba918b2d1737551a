"""Computational graphs: forward pass, loss, every backward step, finite-difference check, SGD.

A problem gives values (numbers, vectors, matrices, symbols) and equations in forward order.
The solver evaluates every node exactly, runs the backward loop of :mod:`solver.engine.graph`
(which records each chain-rule product and every fan-in sum), checks each reported gradient
against central finite differences in float64, and applies gradient-descent updates.

Kinds that build a graph (rnn, gan) call :func:`solve_graph` and compose on its
:class:`GraphResult`: the forward steps carry :class:`~solver.trace.Forward` records, conventions
come by topic, and values and gradients come as data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from solver.engine.exact import guard_forward, plain, present
from solver.engine.wording import worded
from solver.errors import FieldError, UnsolvableError
from solver.formula import Number, Paren, Sum, grad
from solver.i18n import ntr, tr
from solver.kinds.graph_backward import backward_group, in_layout
from solver.kinds.graph_check import finite_difference_check
from solver.kinds.graph_forward import forward_steps, kink_notes
from solver.kinds.graph_spec import FIELDS, GraphSpec, as_numeric, given_values, read_symbols, spec_type, wanted
from solver.kinds.graph_updates import updates
from solver.kinds.graph_vectors import keep_vectors
from solver.notices import exact_abandoned
from solver.problem import Problem
from solver.trace import Answer, Detail, Drawing, Given, Solution, Step, StepKind

ANSWERS = ("<equation variable>", "d<loss>/d<given>", "<given>_new", "<loss>_<observation>")
__all__ = ["ANSWERS", "FIELDS", "Arithmetic", "Fixed", "GraphResult", "GraphSpec", "fixed_values", "solve",
           "solve_graph", "spec_type"]


@dataclass
class Fixed:
    """Values that replace the equations defining them (by the name the trace gives the value), and
    the names a solve has honoured so far."""

    values: dict[str, Any]  # name → exact value (a sympy Matrix of the node's shape)
    honoured: set[str] = field(default_factory=set)


_FIXED: ContextVar[Fixed | None] = ContextVar("dlsolve_fixed_values", default=None)


@contextmanager
def fixed_values(values: dict[str, Any]) -> Iterator[Fixed]:
    """Within this block, :func:`solve_graph` replaces the equation that defines each named value
    (``h1 = sigmoid(a1)``) by that value (``h1 = h1_yours``), so the later values, gradients and updates are
    computed from it; the yielded :class:`Fixed` tells which names some equation defined.

    Used by ``dlsolve check`` to recompute a solution from a student's own wrong values, for every kind
    that solves a graph (graph, rnn, gan). A context variable rather than a parameter: the kinds share
    one interface, ``solve(problem, numeric)``, that this concern of checking should not widen for every
    kind and the API; the kinds that build a graph honour it without a change, the others ignore it,
    and outside the block (and in other threads) nothing is fixed.
    """
    fixed = Fixed(dict(values))
    token = _FIXED.set(fixed)
    try:
        yield fixed
    finally:
        _FIXED.reset(token)


@dataclass(frozen=True)
class Arithmetic:
    """How a solve computes: exact (sympy) or floating point, and why it fell back, if it did."""

    numeric: bool = False
    why: str = ""


@dataclass(frozen=True)
class GraphResult:
    """A solved graph as data: what this kind's Solution shows, and what kinds that build a graph use."""

    givens: tuple[Given, ...]
    conventions: dict[str, str]  # one sentence per topic: vectors, arithmetic, gradients, relu, log
    forward: Step | None  # the forward pass: one substep per equation, each with a Forward record
    later: tuple[Step, ...]  # after the forward pass: backward pass, check, updates (or one group per observation)
    answers: tuple[Answer, ...]
    drawings: tuple[Drawing, ...]
    values: dict[str, Any] = field(default_factory=dict)  # every named node's value (the last pass)
    grads: dict[str, Any] = field(default_factory=dict)  # the loss's gradients by name (the last pass)
    numeric: bool = False

    def conventions_note(self) -> str:
        """The conventions in one paragraph."""
        return " ".join(self.conventions.values())

    def conventions_step(self) -> Step:
        """The conventions as this kind states them."""
        return Step(StepKind.CONVENTION, tr("Conventions"), note=self.conventions_note(), detail=Detail.STANDARD)

    def steps(self) -> tuple[Step, ...]:
        """Every step of the solution in order."""
        return (self.conventions_step(), *([self.forward] if self.forward else []), *self.later)


def solve(problem: Problem, numeric: bool = False) -> Solution:
    """Forward pass, backward pass, finite-difference check and updates, step by step."""
    result = solve_graph(problem.spec, numeric)
    return Solution(problem.id, problem.kind, problem.title, problem.statement, problem.source,
                    result.givens, result.steps(), result.answers, drawings=result.drawings)


def solve_graph(spec: GraphSpec, numeric: bool = False, forward_only: bool = False) -> GraphResult:
    """Solve a graph problem's fields: exact unless ``numeric``.

    When exact forms explode (see engine.graph.MAX_EXACT_OPS) the problem is solved again in floating
    point and the conventions say so. ``forward_only`` (for kinds that build a graph) skips the backward
    pass even when the last value is a scalar.
    """
    from solver.engine.exact import TooLarge

    spec = _with_fixed(spec)
    try:
        return _solve(spec, Arithmetic(numeric), forward_only)
    except TooLarge as error:
        if numeric:
            raise
        if spec.symbols:
            # Translators: {error} says what grew too large, e.g. "a value has more than 5000 operations"
            raise UnsolvableError(tr("exact arithmetic explodes ({error}), and floating point cannot take its "
                                     "place while the problem has symbols: give them values, or make the "
                                     "problem smaller", error=error)) from None
        exact_abandoned(str(error))
        why = tr("Exact arithmetic was abandoned because {error}; the problem is solved in floating point "
                 "(15 significant digits). Use --numeric to skip the exact attempt.", error=error)
        return _solve(spec, Arithmetic(True, why), forward_only)


def _with_fixed(spec: GraphSpec) -> GraphSpec:
    """``spec`` with the equations of the values fixed by :func:`fixed_values` replaced by those values
    (unchanged outside that block, and with observations: a fixed value would hold for every one)."""
    from solver.engine.assignments import split_left, version_names

    fixed = _FIXED.get()
    if fixed is None or not fixed.values or (spec.update is not None and spec.update.data):
        return spec
    shown, _ = version_names(spec.equations, set(spec.given))
    variables = [split_left(e.partition("=")[0])[0] if isinstance(e, str) and "=" in e else None
                 for e in spec.equations]  # (an equation without one is reported by the solve)
    taken = set(spec.given) | set(spec.symbols or ()) | {name for name in shown + variables if name}
    given, equations = dict(spec.given), list(spec.equations)
    for index, variable in enumerate(variables):
        label = shown[index] or variable
        if variable is None or label not in fixed.values:
            continue
        alias = f"{label}_yours"
        while alias in taken:
            alias += "_"
        taken.add(alias)
        given[alias] = fixed.values[label]
        equations[index] = f"{variable} = {alias}"
        fixed.honoured.add(label)
    return replace(spec, given=given, equations=equations)


def _solve(spec: GraphSpec, arithmetic: Arithmetic, forward_only: bool) -> GraphResult:
    import sympy as sp

    numeric = arithmetic.numeric
    if not spec.equations:
        raise FieldError(("equations",), tr("expected at least one equation"))
    symbols = read_symbols(spec)
    if numeric and symbols:
        raise FieldError(("symbols",), tr("floating-point mode (--numeric) needs numbers: this problem has symbols"))
    values = given_values(spec.given, symbols, ("given",), False)
    givens = [Given(name, plain(value)) for name, value in values.items()]  # as given, exact in every mode
    values = {name: as_numeric(value) for name, value in values.items()} if numeric else values
    givens += [Given(name, sp.Symbol(name), "symbol") for name in symbols]
    if spec.update is not None and spec.update.data is not None and not spec.update.data:
        raise FieldError(("update", "data"), tr("expected a non-empty list of observations, got an empty list "
                                                "(leave data out to update with the given values)"))
    if spec.update is not None and spec.update.data:
        givens = _per_observation(givens, spec.update.data)
        return _observations(spec, symbols, values, spec.update.data, arithmetic, tuple(givens))
    first = _one_pass(spec, symbols, values, arithmetic, forward_only)
    later, answers = list(first.steps[1:]), list(first.answers)
    if spec.update is not None:
        update_steps, new_values = updates(spec, first.grads, first.loss_name, numeric, values)
        later.append(Step(StepKind.GROUP, tr("Gradient-descent update"), substeps=tuple(update_steps)))
        answers += [Answer(f"{name}_new", present(value), tr("after one step")) for name, value in new_values.items()]
    solved = GraphResult(tuple(givens), _conventions(spec, first.graph, arithmetic), first.steps[0], tuple(later),
                         tuple(answers), (first.drawing,),
                         {name: node.value for name, node in first.graph.names.items()}, first.grads, numeric)
    return keep_vectors(solved, first.graph, spec.given, first.loss_name)


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
    answers = [Answer(name, present(node.value), "") for name, node in graph.equations]
    last = graph.equations[-1][1]
    if spec.loss is None and spec.wrt is None and spec.update is None and (last.shape != (1, 1) or forward_only):
        steps = [_forward_group(graph)]
        return _Pass(graph, steps, answers, {}, None, _drawn(graph, [], None))  # a forward pass only

    loss_name = spec.loss or graph.equations[-1][0]
    if loss_name not in graph.names:
        raise FieldError(("loss",), tr("unknown name '{name}' (the loss must be an equation's variable)",
                                       name=loss_name))
    loss = graph.names[loss_name]
    if loss.shape != (1, 1):
        # Translators: {shape} is a matrix shape such as 2×1
        raise FieldError(("loss",), tr("the loss must be a scalar, but {name} is {shape}", name=loss_name,
                                       shape="%d×%d" % loss.shape))
    names = wanted(spec, graph, loss)
    engine.name_inner(graph, engine.relevant_nodes(graph, loss, [graph.names[name] for name in names]))
    steps = [_forward_group(graph)]  # after naming: the forward pass declares the names the backward pass uses
    if not arithmetic.numeric:
        guard_forward([node for node in graph.nodes if node.op is not None])
    records = engine.backward(graph, loss, [graph.names[name] for name in names])
    steps.append(backward_group(records, loss, spec.layout, graph, names))
    gradients = {record.node: record.total for record in records}
    grads = {name: gradients.get(graph.names[name], Matrix.zeros(*graph.names[name].shape)) for name in names}
    if not symbols:
        steps.append(finite_difference_check(graph, loss, names, grads, kinked=bool(kink_notes(graph))))
    # Translators: {loss} is the name of the loss, such as L
    answers += [Answer(f"d{loss_name}/d{name}", present(in_layout(grads[name], spec.layout)),
                       tr("gradient of {loss}", loss=loss_name)) for name in names]
    return _Pass(graph, steps, answers, grads, loss_name, _drawn(graph, records, loss))


def _forward_group(graph: Any) -> Step:
    return Step(StepKind.GROUP, tr("Forward pass"), substeps=tuple(forward_steps(graph)), note=kink_notes(graph))


def _drawn(graph: Any, records: list[Any], loss: Any) -> Any:
    from solver.engine.drawing import drawing

    return drawing(graph, records, tr("Computational graph"), loss, present)


def _observations(spec: GraphSpec, symbols: dict[str, Any], values: dict[str, Any], observations: list[Any],
                  arithmetic: Arithmetic, givens: tuple[Given, ...]) -> GraphResult:
    """Several observations: one after another (an update after each) or as a minibatch (one mean update)."""
    from solver.engine.exact import tidy
    from solver.engine.ops import Matrix

    assert spec.update is not None
    sequential = spec.update.mode == "sequential"
    current = dict(values)
    steps: list[Step] = []
    answers: list[Answer] = []
    batch_grads: list[dict[str, Any]] = []
    last: _Pass | None = None
    for i, raw in enumerate(observations, 1):
        path = ("update", "data", i - 1)
        if not isinstance(raw, dict) or not raw:
            raise FieldError(path, tr("expected a mapping of given names to values, e.g. {x: [1, 5], y: 1}"))
        for name in raw:
            if name not in values:
                raise FieldError(path + (name,), tr("'{name}' is not a given (an observation replaces given values)",
                                                    name=name))
        observed = given_values(raw, symbols, path, arithmetic.numeric)
        one = _one_pass(spec, symbols, {**current, **observed}, arithmetic)
        last = one
        if one.loss_name is None:
            raise FieldError(("update",), tr("an update needs a scalar loss"))
        shown: list[Any] = []
        for k, (name, value) in enumerate(observed.items()):
            shown += [", " * (k > 0) + f"{name} = ", plain(value)]
        # Translators: {number} counts the observations (1, 2, …); {values} is like "x = (1, 5), y = 1"
        title = worded(tr("Observation {number}: {values}"), number=str(i), values=tuple(shown))
        substeps = list(one.steps)
        if sequential:
            update_steps, new_values = updates(spec, one.grads, one.loss_name, arithmetic.numeric, current)
            substeps += update_steps
            current.update(new_values)
        else:
            batch_grads.append(one.grads)
        loss_value = one.graph.names[one.loss_name].value
        answers.append(Answer(f"{one.loss_name}_{i}", present(loss_value), tr("loss on observation {number}",
                                                                              number=i)))
        steps.append(Step(StepKind.GROUP, title, substeps=tuple(substeps),
                          note=tr("Parameters as updated after the previous observation.")
                          if sequential and i > 1 else ""))
    assert last is not None
    if not sequential:
        n = len(batch_grads)
        mean = {name: Matrix(sum((g[name] for g in batch_grads[1:]), batch_grads[0][name]) / n).applyfunc(tidy)
                for name in batch_grads[0]}
        # Translators: {loss} is the loss (L), {name} a parameter (W1): the title reads "mean of ∂L/∂W1"
        mean_steps = [Step(StepKind.SUM, tr("Minibatch mean of ∂{loss}/∂{name}", loss=last.loss_name, name=name),
                           formula=Paren(Number(1) / n) * Sum("i", grad(f"{last.loss_name}_i", name)),
                           result=present(in_layout(value, spec.layout))) for name, value in mean.items()]
        update_steps, new_values = updates(spec, mean, last.loss_name, arithmetic.numeric, values)
        steps.append(Step(StepKind.GROUP, tr("Minibatch gradient and update"),
                          substeps=tuple(mean_steps + update_steps)))
        answers += [Answer(f"d{last.loss_name}/d{name}", present(in_layout(value, spec.layout)), tr("minibatch mean"))
                    for name, value in mean.items()]
        current.update(new_values)
    names = spec.update.params if spec.update.params is not None else list(last.grads)
    answers += [Answer(f"{name}_new", present(current[name]),
                       ntr("after {n} observation", "after {n} observations", len(observations))
                       if sequential else tr("after the minibatch step")) for name in names if name in current]
    drawings = (replace(last.drawing, title=tr("Computational graph (last observation)")),)
    solved = GraphResult(givens, _conventions(spec, last.graph, arithmetic), None, tuple(steps), tuple(answers),
                         drawings, {name: node.value for name, node in last.graph.names.items()}, last.grads,
                         arithmetic.numeric)
    return keep_vectors(solved, last.graph, spec.given, last.loss_name)


def _per_observation(givens: list[Given], observations: list[Any]) -> list[Given]:
    """The givens with those the observations replace shown as "per observation" (their values in turn),
    not by the placeholder the problem needs to declare them."""
    replaced = {name for raw in observations if isinstance(raw, dict) for name in raw}
    out = []
    for given in givens:
        if given.name not in replaced:
            out.append(given)
            continue
        shown: list[Any] = []
        for raw in observations:
            if isinstance(raw, dict) and given.name in raw:
                shown += [", " * bool(shown), _observed(raw[given.name])]
        # Translators: {values} lists a given's value in each observation, such as "1, 2, 3"
        out.append(Given(given.name, tr("per observation"), worded(tr("in turn: {values}"), values=tuple(shown))))
    return out


def _observed(raw: Any) -> Any:
    """An observed value as the problem gives it (a number, or a vector or matrix of numbers)."""
    try:
        return plain(given_values({"v": raw}, {}, (), False)["v"])
    except FieldError:
        return str(raw)


def _conventions(spec: GraphSpec, graph: Any, arithmetic: Arithmetic) -> dict[str, str]:
    """The conventions that decide this graph's values, one sentence per topic."""
    rows = _layout(graph) == "rows"
    scalar = all(node.shape == (1, 1) for node in graph.nodes)
    out = {} if scalar else {
        "vectors": tr("Vectors are rows (1×n); x·W is a matrix product; ⊙ multiplies entrywise.") if rows
        else tr("Vectors are columns (n×1); W·x is a matrix product; ⊙ multiplies entrywise.")}
    if graph.versions:
        out["assignments"] = _assignments_note(graph.versions)
    if arithmetic.why:
        out["arithmetic"] = arithmetic.why
    elif arithmetic.numeric:
        out["arithmetic"] = tr("Floating-point arithmetic (--numeric): values are rounded, not exact.")
    if spec.layout == "jacobian":
        out["gradients"] = tr("Gradients of vectors are written as rows (Jacobian, numerator layout: ∂L/∂h is 1×n "
                              "for an n×1 h).")
    elif scalar:
        out["gradients"] = tr("A gradient has the shape of its variable; δ is the upstream gradient ∂L/∂(node).")
    elif rows:
        out["gradients"] = tr("A gradient has the shape of its variable (a row for a row vector); δ is the upstream "
                              "gradient ∂L/∂(node).")
    else:
        out["gradients"] = tr("A gradient has the shape of its variable (a column for a column vector); δ is the "
                              "upstream gradient ∂L/∂(node).")
    names = {type(node.op).__name__ for node in graph.nodes if node.op is not None}
    if "Relu" in names:
        out["relu"] = tr("ReLU'(0) = 0 and LeakyReLU'(0) = slope, as in PyTorch.")
    if names & {"Log", "Bce", "Nll", "BceLogits", "CrossEntropy", "LogSoftmax"}:
        out["log"] = tr("log is the natural logarithm.")
    return out


def _assignments_note(versions: dict[str, list[str]]) -> str:
    """The names given to the values of names assigned more than once (c1, c2, then c)."""
    def listed(names: list[str]) -> str:
        # Translators: {names} lists the earlier values' names (c1, c2); {last} is the last one (c)
        return tr("{names} and, the last, {last}", names=", ".join(names[:-1]), last=names[-1])

    def assigned(name: str, labels: list[str]) -> str:
        if len(labels) == 2:
            return tr("{name} (assigned twice) has the values {values}", name=name, values=listed(labels))
        return ntr("{name} (assigned {n} time) has the values {values}",
                   "{name} (assigned {n} times) has the values {values}", len(labels), name=name,
                   values=listed(labels))

    # Translators: {values} is a list such as "c (assigned twice) has the values c1 and, the last, c"
    return tr("As in Python, each assignment makes a new value: {values}. A gradient with respect to one of "
              "these names is the gradient with respect to that value alone.",
              values="; ".join(assigned(name, labels) for name, labels in versions.items()))



def _layout(graph: Any) -> str:
    """How the graph's products hold vectors: "rows" when a row vector multiplies a matrix from the left
    (x·W), else "columns" (W·x, or no product that decides it)."""
    from solver.engine import ops

    votes = {"rows": 0, "columns": 0}
    for node in graph.nodes:
        if isinstance(node.op, ops.MatMul):
            (m, n), (p, q) = node.inputs[0].shape, node.inputs[1].shape
            if m == 1 and n > 1 and q > 1:
                votes["rows"] += 1
            elif q == 1 and p > 1 and m > 1:
                votes["columns"] += 1
    return "rows" if votes["rows"] > votes["columns"] else "columns"

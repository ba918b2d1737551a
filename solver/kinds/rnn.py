"""Recurrent networks: Elman RNN steps, LSTM and GRU cell steps, backpropagation through time.

The network is unrolled into the equations of a computational graph (one block per time step)
and solved by the graph kind, so the forward values, every chain-rule product, the per-step
contributions to a shared weight and their sum, the finite-difference check and the float
fallback are those of :mod:`solver.kinds.graph`. This module adds what is particular to
recurrent nets: the cell equations and their conventions (PyTorch's gate order and two bias
vectors for LSTM and GRU), steps grouped by time, sigmoids shown as σ(31/20·ln 2) where that
reads better than a power of 2, and the Jacobian products ∏ diag(act'(a_t))·W_hh that make
gradients vanish or explode.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from solver.engine.exact import present
from solver.engine.ops import sigmoid
from solver.errors import FieldError
from solver.formula import Formula, Name, call, equation, grad, op
from solver.i18n import ntr, tr
from solver.kinds.rnn_spec import FIELDS, GATES, Network, RnnSpec, spec_type
from solver.kinds.rnn_text import ACTIVATIONS, ROLES, factors_note, network_note
from solver.numbers import plain_name
from solver.problem import Problem
from solver.trace import Answer, Approximate, Detail, Forward, Given, Solution, Step, StepKind

if TYPE_CHECKING:
    from solver.kinds.graph import GraphResult

ANSWERS = ("a<t>", "h<t>", "c<t>", "<gate><t>", "y<t>", "<loss>", "d<loss>/d<weight>", "dh<T>/dh<k>")
__all__ = ["ANSWERS", "FIELDS", "Network", "RnnSpec", "solve", "spec_type"]

# --- the unrolled network -------------------------------------------------------------------------


@dataclass
class Unrolled:
    """The graph equations of the unrolled network, its values and how to report it."""

    values: dict[str, Any]
    equations: list[str]
    step_of: list[int]  # the time step of each equation (0: the loss)
    wrt: dict[str, list[str]]  # a name the user knows → the graph names it stands for (stacked gates)
    hidden: int


def _vector(value: Any, size: int, field: str, what: str) -> Any:
    if value.cols != 1 or value.rows != size:
        # Translators: {what} is "one bias per output" or so; {shape} a shape such as 2×3
        raise FieldError(("given", field), tr("expected {what} with {count} entries (a flat list), got {shape}",
                                              what=what, count=size, shape=f"{value.rows}×{value.cols}"))
    return value


def _shape(value: Any, rows: int, cols: int, field: str, why: str) -> None:
    if value.shape != (rows, cols):
        # Translators: {shape} and {got} are shapes such as 2×3; {why} says what the matrix maps
        raise FieldError(("given", field), tr("expected a {shape} matrix ({why}), got {got}", shape=f"{rows}×{cols}",
                                              why=why, got=f"{value.rows}×{value.cols}"))


def _forbid(net: Network, fields: tuple[str, ...], why: str) -> None:
    for field in fields:
        if getattr(net, field) is not None:
            # Translators: {what} is "an LSTM cell: its weights are …" or so
            raise FieldError(("given", field), tr("not used by {what}", what=why))


def _unroll(net: Network) -> Unrolled:
    """Check the shapes and write the equations of every time step."""
    import sympy as sp

    h = net.W_hh.cols
    n_x = net.x[0].rows
    row = net.convention == "row"
    values: dict[str, Any] = {}
    equations: list[str] = []
    step_of: list[int] = []
    if net.cell == "rnn":
        _forbid(net, ("W_ih", "b_ih", "b_hh", "c0"), tr("an Elman RNN (cell: rnn): its weights are W_hh, W_xh and b_h"))
        _shape(net.W_hh, h, h, "W_hh", tr("hidden × hidden: it maps h_{t−1} to the new state"))
        if net.W_xh is None:
            raise FieldError(("given", "W_xh"), tr("missing required field (the input weights)"))
        if row:
            _shape(net.W_xh, n_x, h, "W_xh",
                   tr("input × hidden in the row convention x_t·W_xh; x_t has {count} entries", count=n_x))
        else:
            _shape(net.W_xh, h, n_x, "W_xh", tr("hidden × input: W_xh·x_t with x_t of {count} entries", count=n_x))
        values.update(W_hh=net.W_hh, W_xh=net.W_xh)
        if net.b_h is not None:
            values["b_h"] = _orient(_vector(net.b_h, h, "b_h", tr("one bias per hidden unit")), row)
    else:
        # Translators: {cell} is LSTM or GRU
        _forbid(net, ("W_xh", "b_h"), tr("an {cell} cell: its weights are W_ih, W_hh, b_ih, b_hh (PyTorch layout)",
                                         cell=net.cell.upper()))
        if net.activation is not None:
            raise FieldError(("given", "activation"), tr("an {cell} cell has fixed activations (σ for the gates, tanh "
                                                         "for the candidate); remove this field",
                                                         cell=net.cell.upper()))
        if row:
            raise FieldError(("given", "convention"), tr("the row convention is for cell: rnn; LSTM and GRU cells "
                                                         "follow PyTorch's layout (column vectors)"))
        gates = GATES[net.cell]
        k = len(gates)
        if net.W_hh.rows != k * h:
            # Translators: {rows} is a formula such as 4·2 = 8; {gates} lists gates such as i, f, g, o
            raise FieldError(("given", "W_hh"), tr("expected {rows} rows ({gates} stacked, PyTorch layout; the hidden "
                                                   "size {size} is W_hh's column count), got {got}",
                                                   rows=f"{k}·{h} = {k * h}", gates=", ".join(gates), size=h,
                                                   got=net.W_hh.rows))
        if net.W_ih is None:
            raise FieldError(("given", "W_ih"), tr("missing required field (the input weights, PyTorch layout)"))
        _shape(net.W_ih, k * h, n_x, "W_ih", tr("{rows} × input, the gates {gates} stacked; x_t has {count} entries",
                                                rows=f"{k}·hidden", gates=", ".join(gates), count=n_x))
        for field, matrix in (("W_ih", net.W_ih), ("W_hh", net.W_hh)):
            for j, gate in enumerate(gates):
                values[f"W_{field[2]}{gate}"] = matrix[j * h:(j + 1) * h, :]
        for field in ("b_ih", "b_hh"):
            bias = getattr(net, field)
            if bias is not None:
                _vector(bias, k * h, field, tr("{count} biases ({gates} stacked)", count=f"{k}·{h} = {k * h}",
                                               gates=", ".join(gates)))
                for j, gate in enumerate(gates):
                    values[f"b_{field[2]}{gate}"] = bias[j * h:(j + 1) * h, :]
    values["h0"] = _orient(_vector(net.h0, h, "h0", tr("an initial state")) if net.h0 is not None
                           else sp.zeros(h, 1), row)
    if net.cell == "lstm":
        values["c0"] = _vector(net.c0, h, "c0", tr("an initial cell state")) if net.c0 is not None else sp.zeros(h, 1)
    elif net.c0 is not None:
        raise FieldError(("given", "c0"), tr("only an LSTM has a cell state"))
    n_out = None
    if net.W_hy is not None:
        n_out = net.W_hy.cols if row else net.W_hy.rows
        if (net.W_hy.rows if row else net.W_hy.cols) != h:
            # Translators: {size} is a formula such as hidden = 2; {shape} a shape such as 2×3
            raise FieldError(("given", "W_hy"), tr("expected hidden × output with {size}, got {shape}",
                                                   size=f"hidden = {h}", shape=f"{net.W_hy.rows}×{net.W_hy.cols}")
                             if row
                             else tr("expected output × hidden with {size}, got {shape}", size=f"hidden = {h}",
                                     shape=f"{net.W_hy.rows}×{net.W_hy.cols}"))
        values["W_hy"] = net.W_hy
        if net.b_y is not None:
            values["b_y"] = _orient(_vector(net.b_y, n_out, "b_y", tr("one bias per output")), row)
    elif net.b_y is not None:
        raise FieldError(("given", "b_y"), tr("an output bias needs the output weights W_hy"))
    for t, x in enumerate(net.x, 1):
        values[f"x{t}"] = _orient(x, row)
    for name, value in (net.targets or {}).items():
        values[name] = _orient(value, row) if value.cols == 1 else value  # a flat target is a state-like vector

    act = net.activation or "tanh"
    for t in range(1, len(net.x) + 1):
        block = _cell_equations(net, t, act)
        if n_out is not None:
            y = f"h{t} @ W_hy" if row else f"W_hy @ h{t}"
            block.append(f"y{t} = {y}" + (" + b_y" if "b_y" in values else ""))
        equations += block
        step_of += [t] * len(block)
    own: tuple[str, ...] = ("W_hh", "W_xh", "b_h", "W_hy", "b_y", "h0", "c0")
    wrt = {name: [name] for name in own if name in values}
    if net.cell != "rnn":
        gates = GATES[net.cell]
        wrt.update({field: [f"{field[0]}_{field[2]}{g}" for g in gates] for field in ("W_ih", "W_hh", "b_ih", "b_hh")
                    if f"{field[0]}_{field[2]}{gates[0]}" in values})
    return Unrolled(values, equations, step_of, wrt, h)


def _orient(vector: Any, row: bool) -> Any:
    return vector.T if row else vector


def _cell_equations(net: Network, t: int, act: str) -> list[str]:
    prev, x = f"h{t - 1}", f"x{t}"
    if net.cell == "rnn":
        terms = [f"{prev} @ W_hh", f"{x} @ W_xh"] if net.convention == "row" else [f"W_hh @ {prev}", f"W_xh @ {x}"]
        bias = " + b_h" if net.b_h is not None else ""
        return [f"a{t} = {' + '.join(terms)}{bias}", f"h{t} = {act}(a{t})"]

    def affine(gate: str, hidden: bool = True) -> str:
        parts = [f"W_i{gate} @ {x}"] + [f"b_i{gate}"] * (net.b_ih is not None)
        if hidden:
            parts += [f"W_h{gate} @ {prev}"] + [f"b_h{gate}"] * (net.b_hh is not None)
        return " + ".join(parts)

    if net.cell == "lstm":
        return [f"i{t} = sigmoid({affine('i')})", f"f{t} = sigmoid({affine('f')})", f"g{t} = tanh({affine('g')})",
                f"o{t} = sigmoid({affine('o')})", f"c{t} = f{t} * c{t - 1} + i{t} * g{t}", f"h{t} = o{t} * tanh(c{t})"]
    hidden_n = f"W_hn @ {prev}" + (" + b_hn" if net.b_hh is not None else "")
    return [f"r{t} = sigmoid({affine('r')})", f"z{t} = sigmoid({affine('z')})",
            f"n{t} = tanh({affine('n', hidden=False)} + r{t} * ({hidden_n}))",
            f"h{t} = (1 - z{t}) * n{t} + z{t} * {prev}"]


def _loss(spec: RnnSpec, names: set[str]) -> tuple[str, str] | None:
    """The loss equation and the name it defines."""
    if spec.loss is None:
        if spec.wrt is not None:
            raise FieldError(("wrt",), tr("gradients need a loss: add e.g. loss: \"L = 0.5 * norm2(y2 - t)\""))
        return None
    name, equals, _ = spec.loss.partition("=")
    name = name.strip()
    if not equals or not plain_name(name):
        raise FieldError(("loss",), tr("expected an equation such as \"L = 0.5 * norm2(y2 - t)\", got {value}",
                                       value=repr(spec.loss)))
    if name in names:
        raise FieldError(("loss",), tr("'{name}' already names a value of the network; call the loss e.g. L",
                                       name=name))
    return spec.loss, name


# --- solving and reporting ------------------------------------------------------------------------


def solve(problem: Problem, numeric: bool = False) -> Solution:
    """Unroll the network, solve its graph (forward, BPTT, checks) and report it step by step."""
    from solver.kinds import graph

    spec: RnnSpec = problem.spec
    net = spec.given
    unrolled = _unroll(net)
    names = set(unrolled.values) | {eq.split("=")[0].strip() for eq in unrolled.equations}
    loss = _loss(spec, names)
    equations = list(unrolled.equations)
    wrt = None
    if loss is not None:
        equations.append(loss[0])
        wrt = []
        for i, name in enumerate(spec.wrt if spec.wrt is not None else _default_wrt(unrolled)):
            if name not in unrolled.wrt:
                raise FieldError(("wrt", i), tr("unknown parameter '{name}'; this network has {names}", name=name,
                                                names=", ".join(unrolled.wrt)))
            wrt += unrolled.wrt[name]
    graph_spec = graph.GraphSpec(given=unrolled.values, equations=equations, loss=loss[1] if loss else None, wrt=wrt)
    try:
        solved = graph.solve_graph(graph_spec, numeric, forward_only=loss is None)
    except FieldError as error:
        if error.path[:1] == ("equations",) and loss is not None and error.path[1] == len(equations) - 1:
            raise FieldError(("loss",), error.message.split(": ", 1)[-1]) from None
        raise
    answers = _answers(solved, net, unrolled, loss[1] if loss else None, spec)
    steps = _steps(solved, net, unrolled, answers, loss is not None)
    if spec.factors:
        steps.append(_factors(net, answers))
    title = ntr("The network unrolled over {n} time step", "The network unrolled over {n} time steps", len(net.x))
    drawings = tuple(replace(d, title=title) for d in solved.drawings)
    return Solution(problem.id, problem.kind, problem.title, problem.statement, problem.source,
                    tuple(_givens(net, unrolled)), tuple(steps), tuple(_public(answers, unrolled)), drawings=drawings)


def _default_wrt(unrolled: Unrolled) -> list[str]:
    return [name for name in unrolled.wrt
            if name not in ("h0", "c0") and not (name == "W_xh" and "W_ih" in unrolled.wrt)]


def _answers(solved: GraphResult, net: Network, unrolled: Unrolled, loss: str | None,
             spec: RnnSpec) -> dict[str, Answer]:
    """The graph's answers, with stacked (PyTorch layout) gradients for LSTM/GRU and σ(·) forms."""
    answers = {a.name: a for a in solved.answers}
    if net.cell == "rnn" and (net.activation == "sigmoid"):
        for t in range(1, len(net.x) + 1):
            answers[f"h{t}"] = replace(answers[f"h{t}"], value=_sigmoid_form(answers[f"h{t}"].value,
                                                                            answers[f"a{t}"].value))
    if net.cell != "rnn":  # the sigmoid gates: σ(1) reads better than 1/(e^−1 + 1)
        gates = [g for g in GATES[net.cell] if g not in ("g", "n")]
        for t in range(1, len(net.x) + 1):
            for gate in gates:
                answer = answers[f"{gate}{t}"]
                answers[f"{gate}{t}"] = replace(answer, value=_sigmoid_of_exp(answer.value))
    if loss is not None and net.convention == "row":  # vectors given as flat lists: their gradients too
        for name in ("b_h", "b_y", "h0"):
            key = f"d{loss}/d{name}"
            if key in answers:
                answers[key] = replace(answers[key], value=_transposed(answers[key].value))
    if loss is not None and net.cell != "rnn":
        for name, parts in unrolled.wrt.items():
            if len(parts) > 1 and f"d{loss}/d{parts[0]}" in answers:
                pieces = [answers.pop(f"d{loss}/d{part}").value for part in parts]
                answers[f"d{loss}/d{name}"] = Answer(f"d{loss}/d{name}", _stack(pieces),
                                                     tr("gradient of {loss} ({gates} stacked)", loss=loss,
                                                        gates=", ".join(GATES[net.cell])))
    return answers


def _transposed(value: Any) -> Any:
    import sympy as sp

    if isinstance(value, Approximate):
        return Approximate(_transposed(value.value), value.size)
    return value.T if isinstance(value, sp.MatrixBase) else value


def _stack(pieces: list[Any]) -> Any:
    """The per-gate blocks stacked in PyTorch's layout (a block of one hidden unit may be a number)."""
    import sympy as sp

    def block(value: Any) -> Any:
        return sp.Matrix(value) if isinstance(value, sp.MatrixBase) else sp.Matrix([[value]])

    if any(isinstance(p, Approximate) for p in pieces):
        values = [block(p.value if isinstance(p, Approximate) else p.evalf(17)) for p in pieces]
        return Approximate(sp.ImmutableMatrix(sp.Matrix.vstack(*values)),
                           max(p.size if isinstance(p, Approximate) else 0 for p in pieces))
    return sp.ImmutableMatrix(sp.Matrix.vstack(*[block(p) for p in pieces]))


def _sigmoid_form(h: Any, a: Any) -> Any:
    """σ(a) for each entry whose value is not rational: σ(31/20·ln 2) reads better than 1/(1 + 2^(−31/20))."""
    import sympy as sp

    if isinstance(h, Approximate) or isinstance(a, Approximate):
        return h
    if not isinstance(h, sp.MatrixBase):  # one hidden unit: a number
        return h if h.is_Rational else sigmoid(a)
    return sp.Matrix(h.rows, h.cols, [v if v.is_Rational else sigmoid(u) for v, u in zip(h, a)])


def _sigmoid_of_exp(value: Any) -> Any:
    """Entries written 1/(1 + exp(−a)) shown as σ(a); anything else unchanged."""
    import sympy as sp

    def one(v: Any) -> Any:
        if v.is_Pow and v.exp == -1 and v.base.is_Add and len(v.base.args) == 2 and sp.S.One in v.base.args:
            other = next(arg for arg in v.base.args if arg != 1)
            if isinstance(other, sp.exp) or other == sp.E:  # sympy writes exp(1) as E
                return sigmoid(-sp.log(other))
        return v

    if isinstance(value, Approximate):
        return value
    return value.applyfunc(one) if isinstance(value, sp.MatrixBase) else one(value)


def _public(answers: dict[str, Answer], unrolled: Unrolled) -> list[Answer]:
    """The answers a user asks for: states, gates, outputs, the loss and gradients (not the givens),
    each said what it is."""
    out = []
    for name, answer in answers.items():
        if name in unrolled.values:
            continue
        head, step = name.rstrip("0123456789"), name[len(name.rstrip("0123456789")):]
        if not answer.description and head in ROLES and step:
            # Translators: {role} is what the quantity is, such as hidden state
            answer = replace(answer, description=tr("{role} at step {step}", role=tr(ROLES[head]), step=step))
        out.append(answer)
    return out


def _givens(net: Network, unrolled: Unrolled) -> list[Given]:
    out = []
    for field in ("W_hh", "W_xh", "b_h", "W_ih", "b_ih", "b_hh", "W_hy", "b_y", "h0", "c0"):
        value = getattr(net, field)
        if value is not None:
            out.append(Given(field, value))
        elif field in ("h0", "c0") and field in unrolled.values:
            out.append(Given(field, unrolled.values[field] if net.convention == "column" else unrolled.values[field].T,
                             tr("zero (default)")))
    for t, x in enumerate(net.x, 1):
        out.append(Given(f"x{t}", x, tr("input at step {step}", step=t)))
    for name, value in (net.targets or {}).items():
        out.append(Given(name, value, tr("target")))
    return out


def _gate(name: str, act: str, gate: str) -> tuple[str, Formula]:
    """``name_t = act(W_i·x_t + b_i + W_h·h_(t−1) + b_h)`` for one gate in PyTorch's layout."""
    x, h = Name("x_t"), Name("h_(t−1)")
    inner = Name(f"W_i{gate}") * x + Name(f"b_i{gate}") + Name(f"W_h{gate}") * h + Name(f"b_h{gate}")
    return f"{name}_t", call(act, inner)


def _cell_rules(net: Network) -> list[tuple[str, Formula]]:
    """The cell's equations at time t, as (the quantity defined, its general form)."""
    x, h, c = Name("x_t"), Name("h_(t−1)"), Name("c_(t−1)")
    if net.cell == "rnn":
        act = ACTIVATIONS[net.activation or "tanh"][0]
        row = net.convention == "row"
        pre = h * Name("W_hh") + x * Name("W_xh") if row else Name("W_hh") * h + Name("W_xh") * x
        rules = [("h_t", call(act, pre + Name("b_h") if net.b_h is not None else pre))]
        if net.W_hy is not None:
            out = Name("h_t") * Name("W_hy") if row else Name("W_hy") * Name("h_t")
            rules.append(("y_t", out + Name("b_y") if net.b_y is not None else out))
        return rules
    if net.cell == "lstm":
        return [_gate("i", "σ", "i"), _gate("f", "σ", "f"), _gate("g", "tanh", "g"), _gate("o", "σ", "o"),
                ("c_t", op("⊙", "f_t", c) + op("⊙", "i_t", "g_t")), ("h_t", op("⊙", "o_t", call("tanh", "c_t")))]
    new = call("tanh", Name("W_in") * x + Name("b_in") + op("⊙", "r_t", Name("W_hn") * h + Name("b_hn")))
    return [_gate("r", "σ", "r"), _gate("z", "σ", "z"), ("n_t", new),
            ("h_t", op("⊙", 1 - Name("z_t"), "n_t") + op("⊙", "z_t", h))]


def _conventions(net: Network, graph_note: str) -> Step:
    """The cell's equations, the layout of its weights and the conventions that decide values."""
    substeps = tuple(Step(StepKind.RULE, name, equation(name, rule)) for name, rule in _cell_rules(net))
    return Step(StepKind.CONVENTION, tr("The network"), note=network_note(net) + " " + graph_note, substeps=substeps)


def _steps(solved: GraphResult, net: Network, unrolled: Unrolled, answers: dict[str, Answer], loss: bool) -> list[Step]:
    """The graph's steps with the forward pass grouped by time step and the cell's conventions first.

    The graph's conventions apply except its vector layout (this kind states its own) and, without a
    loss, what gradients look like."""
    graph_note = " ".join(sentence for topic, sentence in solved.conventions.items()
                          if topic != "vectors" and (loss or topic != "gradients"))
    steps = [_conventions(net, graph_note)]
    if solved.forward is not None:
        steps += _by_time(solved.forward, net, unrolled, answers)
    return steps + list(solved.later)


def _by_time(forward: Step, net: Network, unrolled: Unrolled, answers: dict[str, Answer]) -> list[Step]:
    groups: dict[int, list[Step]] = {}
    for step in forward.substeps:
        assert isinstance(step.record, Forward)
        name, equation = step.record.name, step.record.equation
        t = unrolled.step_of[equation] if equation is not None and equation < len(unrolled.step_of) else 0
        sigmoid_valued = (net.cell == "rnn" and net.activation == "sigmoid" and name.startswith("h")) or \
            (net.cell != "rnn" and name[:1] in ("i", "f", "o", "r", "z"))
        if name in answers and sigmoid_valued:  # the σ(·) form chosen for the answer
            step = replace(step, result=answers[name].value)
        # one compact step per quantity: its products and sums (W·x, + b) only at --detail full
        step = replace(step, substeps=tuple(replace(sub, detail=Detail.FULL) for sub in step.substeps))
        groups.setdefault(t, []).append(step)
    out = []
    for t in range(1, len(net.x) + 1):
        out.append(Step(StepKind.GROUP, tr("Time step {step}", step=t), substeps=tuple(groups.get(t, [])),
                        note=forward.note if t == 1 else ""))
    if groups.get(0):
        out.append(Step(StepKind.GROUP, tr("Loss"), substeps=tuple(groups[0])))
    return out


def _factors(net: Network, answers: dict[str, Answer]) -> Step:
    """∂h_T/∂h_k = ∏ diag(act'(a_t))·W_hh: what BPTT multiplies by at every step back in time."""
    import sympy as sp


    if net.cell != "rnn":
        raise FieldError(("factors",), tr("the Jacobian products are shown for cell: rnn"))
    act = net.activation or "tanh"
    T = len(net.x)
    W = net.W_hh.T if net.convention == "row" else net.W_hh

    def exact(value: Any) -> Any:
        value = value.value if isinstance(value, Approximate) else value
        return value if isinstance(value, sp.MatrixBase) else sp.Matrix([[value]])

    def derivative(a: Any, h: Any) -> Any:
        if act == "sigmoid":
            return h * (1 - h)
        if act == "tanh":
            return 1 - h**2
        return sp.Integer(1) if a > 0 else sp.Integer(0)

    substeps, product, norms = [], sp.eye(W.rows), []
    for t in range(T, 0, -1):
        a, h = exact(answers[f"a{t}"].value), exact(answers[f"h{t}"].value)
        slopes = [sp.expand(derivative(u, v)) for u, v in zip(a, h)]
        jacobian = (sp.diag(*slopes) * W).applyfunc(sp.expand)
        product = (product * jacobian).applyfunc(sp.expand)
        weights = Name("W_hh").T if net.convention == "row" else Name("W_hh")
        slope = call("diag", call(f"{ACTIVATIONS[act][0]}'", f"a{t}"))
        substeps.append(Step(StepKind.EVALUATE, f"∂h{t}/∂h{t - 1}", slope * weights,
                             None, present(sp.ImmutableMatrix(jacobian))))
        if t < T:
            chained = grad(f"h{T}", f"h{t}") * grad(f"h{t}", f"h{t - 1}")
            substeps.append(Step(StepKind.EVALUATE, f"∂h{T}/∂h{t - 1}", chained,
                                 None, present(sp.ImmutableMatrix(product))))
        norms.append((t - 1, float(sp.sqrt(sum(v**2 for v in product)).evalf(15))))
        answers[f"dh{T}/dh{t - 1}"] = Answer(f"dh{T}/dh{t - 1}", present(sp.ImmutableMatrix(product)),
                                             tr("Jacobian of the last state"))
    return Step(StepKind.GROUP, tr("Jacobian products ∏ diag(act'(a_t))·W_hh"), note=factors_note(T, act, norms),
                substeps=tuple(substeps))

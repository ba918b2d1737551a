"""One GAN training step: the discriminator ascends V(D, G), then the generator descends its loss.

Goodfellow et al. (2014), Algorithm 1: on a minibatch of noise samples z_i and real samples x_i,
the discriminator takes ``d_steps`` gradient-ascent steps on
V = mean log D(x_i) + mean log(1 − D(G(z_i))), with the generator frozen; then the generator
takes one descent step on mean log(1 − D(G(z_i))) (``minimax``) or −mean log D(G(z_i))
(``non_saturating``) through the *updated*, frozen discriminator. Each phase is a computational
graph solved by :mod:`solver.kinds.graph` (exact values, every chain-rule step, the
finite-difference check, the float fallback when exact forms explode); this module writes the
networks' equations, applies the updates and explains the procedure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any, ClassVar, Literal

from solver.engine.exact import present, tidy
from solver.errors import FieldError, show_value
from solver.fields import Validated
from solver.formula import Formula, Name, call, equation, grad, op
from solver.i18n import ntr, tr
from solver.kinds import given_only, within_given
from solver.kinds.gan_text import bias_said, input_words, layer_said, phase_title, procedure_note, silent_note
from solver.numbers import Exact, ExactMatrix, NumberError, parse_exact, parse_matrix
from solver.problem import Problem
from solver.trace import Answer, Approximate, Detail, Forward, Given, Solution, Step, StepKind, Update

FIELDS = ("given",)
# xg_<i> = G(z_i), Dr_<i> = D(x_i), Df_<i> = D(G(z_i)): as the discriminator's step computes them (a suffix
# _<k> numbers the discriminator steps when there are several)
ANSWERS = ("V_D", "V_G", "dV_D/d<param>", "dV_G/d<param>", "xg_<i>", "Dr_<i>", "Df_<i>", "<param>_new")
SAMPLE_ANSWERS = {"xg_": "G(z_{i})", "Dr_": "D(x_{i})", "Df_": "D(G(z_{i}))"}
MAX_SAMPLES = 32
MAX_D_STEPS = 20  # each step is solved exactly and shown in full; a longer schedule is not an exam problem
NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,19}")  # no underscore: z_1, Dr_1, V_D, slope_W are the step's own
INTERNAL = re.compile(r"h[grf]\d+|xg|V")


@dataclass(frozen=True)
class Layer:
    """One fully connected layer: ``act(W·h + b)``; a bias that is not given is fixed at 0."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    weights: Any
    activation: Literal["relu", "leaky_relu", "sigmoid", "tanh", "identity"] = "identity"
    bias: ExactMatrix | None = None
    slope: Exact | None = None
    name: str | None = None


def _batch(value: Any) -> list[Any]:
    """A minibatch: a list of vectors (a flat list of numbers: one number per sample)."""
    import sympy as sp

    if not isinstance(value, list) or not value:
        raise ValueError(tr("expected a non-empty list of samples, got {value}", value=show_value(value)))
    if len(value) > MAX_SAMPLES:
        raise ValueError(tr("at most {most} samples, got {count}", most=MAX_SAMPLES, count=len(value)))
    samples = []
    for i, item in enumerate(value):
        try:
            sample = parse_matrix(item) if isinstance(item, list) else sp.Matrix([[parse_exact(item)]])
        except NumberError as error:
            # Translators: {reason} is another message
            raise ValueError(tr("sample {i}: {reason}", i=i + 1, reason=error)) from None
        if sample.cols != 1:
            raise ValueError(tr("sample {i}: expected a vector (a flat list), got {shape}", i=i + 1,
                                shape=f"{sample.rows}×{sample.cols}"))
        samples.append(sample)
    if len({s.rows for s in samples}) > 1:
        bad = next(i for i, s in enumerate(samples) if s.rows != samples[0].rows)
        raise ValueError(tr("every sample must have the same size: sample 1 has {count} entries, sample {i} has {size}",
                            count=samples[0].rows, i=bad + 1, size=samples[bad].rows))
    return samples


Batch = Annotated[list, Validated(_batch)]
"""A minibatch of column vectors."""


def _learning_rate(value: Any) -> Any:
    rate = parse_exact(value)
    if not (rate.is_number and rate.is_positive):
        raise ValueError(tr("expected a positive learning rate (the discriminator ascends and the generator descends "
                            "by themselves), got {value}", value=show_value(value)))
    return rate


def _d_steps(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_D_STEPS:
        raise ValueError(tr("expected a whole number of discriminator steps from 1 to {most}, got {value}",
                            most=MAX_D_STEPS, value=show_value(value)))
    return value


@dataclass(frozen=True)
class Gan:
    """The ``given`` of a gan problem."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    generator: list[Layer]
    discriminator: list[Layer]
    noise: Batch
    data: Batch
    lr: Annotated[Any, Validated(_learning_rate)] = 1
    order: Literal["discriminator_first", "generator_first"] = "discriminator_first"
    d_steps: Annotated[int, Validated(_d_steps)] = 1
    generator_loss: Literal["minimax", "non_saturating"] = "minimax"


def spec_type(fields: Mapping[str, Any]) -> type:
    """The dataclass that validates this kind's one field, ``given``."""
    return given_only(Gan)


# --- the two networks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """One layer's parameters by graph name, its activation, and how its weights were written."""

    weight: str
    bias: str | None
    activation: str
    slope: Any
    flat: bool  # weights given as a flat list (one output unit): answered as a flat list too


def _network(layers: list[Layer], role: str, size_in: int, values: dict[str, Any]) -> tuple[list[Params], int]:
    """Parse one network's layers into ``values`` (exact matrices) and check that the shapes chain."""
    import sympy as sp

    prefix = "g" if role == "generator" else "d"
    if not layers:
        raise FieldError((role,), tr("expected at least one layer"))
    params = []
    size = size_in
    for k, layer in enumerate(layers, 1):
        path = (role, k - 1)
        raw = layer.weights
        try:
            weights = parse_matrix(raw)
        except NumberError as error:
            raise FieldError(path + ("weights",), str(error)) from None
        flat = isinstance(raw, list) and not any(isinstance(row, list) for row in raw)
        if flat:
            weights = weights.T  # one output unit: w·h
        name = layer.name or f"W{prefix}{k}"
        if not NAME.fullmatch(name) or INTERNAL.fullmatch(name) or name in values:
            raise FieldError(path + ("name",), tr("expected a new name of letters and digits such as {example} (not "
                                                  "one of the step's own names hg1, hr1, hf1, xg), got {value}",
                                                  example=f"W{prefix}{k}", value=repr(name)))
        if weights.cols != size:
            # Translators: {what} is "the noise", "the data" or "layer 1's output"; {shape} a shape such as 2×3
            raise FieldError(path + ("weights",), ntr("expected {n} column ({what} has {n} entry), got {shape}",
                                                      "expected {n} columns ({what} has {n} entries), got {shape}",
                                                      size, what=input_words(role, k),
                                                      shape=f"{weights.rows}×{weights.cols}"))
        values[name] = weights
        bias = None
        if layer.bias is not None:
            if layer.bias.shape != (weights.rows, 1):
                raise FieldError(path + ("bias",), tr("expected {count} biases (a flat list), got {shape}",
                                                      count=weights.rows, shape=f"{layer.bias.rows}×{layer.bias.cols}"))
            bias = "b" + name[1:] if name[0] in "Ww" else name + "b"
            if bias in values:
                raise FieldError(path + ("name",), tr("this layer's bias would be called {name}, which already names "
                                                      "another parameter: choose another name", name=bias))
            values[bias] = layer.bias
        if layer.slope is not None and layer.activation != "leaky_relu":
            raise FieldError(path + ("slope",), tr("a slope is for activation: leaky_relu"))
        slope = layer.slope if layer.slope is not None else sp.Rational(1, 100)  # PyTorch's default
        params.append(Params(name, bias, layer.activation, slope, flat))
        size = weights.rows
    return params, size


def _layer_equations(params: list[Params], source: str, hidden: str, output: str, i: int,
                     logit: str | None = None) -> list[str]:
    """``h = act(W·x + b)`` for every layer of one network on one sample; with ``logit``, the last
    layer's input to its sigmoid gets that name (the objective uses it: see _phase_equations)."""
    equations, prev = [], source
    for k, p in enumerate(params, 1):
        name = output if k == len(params) else f"{hidden}{k}_{i}"
        affine = f"{p.weight} @ {prev}" + (f" + {p.bias}" if p.bias else "")
        if logit and k == len(params):
            equations += [f"{logit} = {affine}", f"{name} = sigmoid({logit})"]
            break
        if p.activation == "identity":
            expr = affine
        elif p.activation == "leaky_relu":
            expr = f"leaky_relu({affine}, slope_{p.weight})"
        else:
            expr = f"{p.activation}({affine})"
        equations.append(f"{name} = {expr}")
        prev = name
    return equations


def _phase_equations(gen: list[Params], disc: list[Params], m: int, phase: str,
                     loss: str) -> tuple[list[str], list[int]]:
    """Every sample's forward passes, then the objective written with the logits a = σ⁻¹(D):
    log D = −bce_logits(a, 1) and log(1 − D) = −bce_logits(a, 0) are the same values, computed
    without the cancellation in 1 − D when the discriminator is sure (D(G(z)) = σ(32)).
    Also the sample each equation belongs to (0 for the objective)."""
    equations: list[str] = []
    samples: list[int] = []
    for i in range(1, m + 1):
        equations += _layer_equations(gen, f"z_{i}", "hg", f"xg_{i}", i)
        if phase == "D":
            equations += _layer_equations(disc, f"x_{i}", "hr", f"Dr_{i}", i, logit=f"ar_{i}")
        equations += _layer_equations(disc, f"xg_{i}", "hf", f"Df_{i}", i, logit=f"af_{i}")
        samples += [i] * (len(equations) - len(samples))

    def total(name: str, label: int) -> str:
        return "(" + " + ".join(f"bce_logits({name}_{i}, {label})" for i in range(1, m + 1)) + f") / {m}"

    if phase == "D":
        equations.append(f"V_D = -{total('ar', 1)} - {total('af', 0)}")
    elif loss == "minimax":
        equations.append(f"V_G = -{total('af', 0)}")
    else:
        equations.append(f"V_G = {total('af', 1)}")
    return equations, samples + [0]


def _names(params: list[Params]) -> list[str]:
    return [name for p in params for name in (p.weight, p.bias) if name]


# --- the training step ----------------------------------------------------------------------------


def solve(problem: Problem, numeric: bool = False) -> Solution:
    """One GAN training step, each phase a graph: forward passes, objective, gradients, updates."""
    with within_given():
        return _solve(problem, problem.spec.given, numeric)


def _solve(problem: Problem, spec: Gan, numeric: bool) -> Solution:
    import sympy as sp

    m = len(spec.noise)
    if len(spec.data) != m:
        raise FieldError(("data",), tr("expected {m} real samples, one per noise sample, got {count}", m=m,
                                       count=len(spec.data)))
    values: dict[str, Any] = {}
    gen, g_out = _network(spec.generator, "generator", spec.noise[0].rows, values)
    if g_out != spec.data[0].rows:
        raise FieldError(("generator", len(gen) - 1, "weights"),
                         ntr("the generator outputs {n} entry but the real samples have {size}: the discriminator "
                             "reads both", "the generator outputs {n} entries but the real samples have {size}: the "
                             "discriminator reads both", g_out, size=spec.data[0].rows))
    disc, d_out = _network(spec.discriminator, "discriminator", spec.data[0].rows, values)
    if d_out != 1 or disc[-1].activation != "sigmoid":
        raise FieldError(("discriminator", len(disc) - 1),
                         # Translators: {activation} is an activation's name in the problem file (relu, tanh)
                         ntr("the discriminator must end in one probability: 1 unit with activation sigmoid, got {n} "
                             "unit with {activation}", "the discriminator must end in one probability: 1 unit with "
                             "activation sigmoid, got {n} units with {activation}", d_out,
                             activation=disc[-1].activation))
    for p in gen + disc:
        if p.activation == "leaky_relu":
            values[f"slope_{p.weight}"] = sp.Matrix([[p.slope]])
    for i, (z, x) in enumerate(zip(spec.noise, spec.data), 1):
        values[f"z_{i}"], values[f"x_{i}"] = z, x
    initial = dict(values)

    phases = ["D"] * spec.d_steps + ["G"] if spec.order == "discriminator_first" else ["G"] + ["D"] * spec.d_steps
    steps = [_procedure(spec, gen, disc, m)]
    answers: list[Answer] = []
    drawings = []
    d_done = 0
    seen: dict[str, Any] = {}  # forward values shown in an earlier phase: not repeated below --detail full
    for phase in phases:
        d_done += phase == "D"
        suffix = f"_{d_done}" if phase == "D" and spec.d_steps > 1 else ""
        group, phase_answers, new, drawing = _phase(phase, gen, disc, spec, values, numeric, suffix, seen)
        values.update(new)
        steps.append(group)
        answers += phase_answers
        drawings.append(drawing)
    for p in disc + gen:  # the parameters after the whole step, in the shape they were given
        for name in (p.weight, p.bias):
            if name:
                answers.append(Answer(f"{name}_new", _shaped(values[name], p.flat and name == p.weight),
                                      tr("after the training step")))
    return Solution(problem.id, problem.kind, problem.title, problem.statement, problem.source,
                    tuple(_givens(spec, gen, disc, initial)), tuple(steps), tuple(answers), drawings=tuple(drawings))


def _shaped(value: Any, flat: bool) -> Any:
    return present(value.T if flat and hasattr(value, "T") else value)


def _phase(phase: str, gen: list[Params], disc: list[Params], spec: Gan, values: dict[str, Any],
           numeric: bool, suffix: str, seen: dict[str, Any]) -> tuple[Step, list[Answer], dict[str, Any], Any]:
    """One phase: the graph of every sample, the objective, its gradients and the parameter update."""
    from solver.kinds import graph

    m = len(spec.noise)
    trained, frozen = (disc, gen) if phase == "D" else (gen, disc)
    loss = "V_D" if phase == "D" else "V_G"
    equations, samples = _phase_equations(gen, disc, m, phase, spec.generator_loss)
    used = {name for name in values if phase == "D" or not name.startswith("x_")}
    graph_spec = graph.GraphSpec(given={k: v for k, v in values.items() if k in used}, equations=equations,
                                 loss=loss, wrt=_names(trained))
    solved = graph.solve_graph(graph_spec, numeric)
    ascent = phase == "D"
    new, updates = {}, []
    for p in trained:
        for name in (p.weight, p.bias):
            if not name:
                continue
            gradient = solved.grads[name]
            value = values[name] + (spec.lr if ascent else -spec.lr) * gradient
            new[name] = value.applyfunc(tidy)
            flat = p.flat and name == p.weight
            updates.append(Step(StepKind.UPDATE, f"{name}_new",
                                op("+" if ascent else "−", name, Name("η") * grad(loss, name)),
                                None, _shaped(new[name], flat),
                                note=tr("gradient ascent: the discriminator maximises V") if ascent else
                                tr("gradient descent on the generator's loss"),
                                record=Update(name, spec.lr, gradient, values[name], new[name], ascent)))
    answers = [a for a in solved.answers if a.name == loss or a.name.startswith(f"d{loss}/d")
               or (phase == "D" and a.name.startswith(tuple(SAMPLE_ANSWERS)))]
    answers = [_described(_flat_gradient(a, trained, loss)) for a in answers]
    if suffix:
        answers = [replace(a, name=a.name + suffix) for a in answers]
    assert solved.forward is not None
    body = _by_sample(solved.forward, samples, m, seen, phase) + list(solved.later)
    body.append(Step(StepKind.GROUP, tr("Update"), substeps=tuple(updates)))
    quiet = _silent_samples(phase, trained, solved.values, m)
    # Translators: {trained} and {frozen} list parameters such as Wd1, bd1
    note = (tr("Trained: {trained}. Frozen: {frozen} (their values are constants in this phase).",
               trained=", ".join(_names(trained)), frozen=", ".join(_names(frozen)))
            + (" " + solved.conventions_note() if solved.numeric else "") + quiet)
    title, short = phase_title(ascent, suffix[1:], spec.generator_loss.replace("_", "-"))
    drawing = replace(solved.drawings[0], title=short)
    return Step(StepKind.GROUP, title, note=note, substeps=tuple(body)), answers, new, drawing


def _described(answer: Answer) -> Answer:
    """A sample's answer (xg_2, Dr_2, Df_2) with what it is: G(z_2), D(x_2), D(G(z_2))."""
    prefix, _, sample = answer.name.partition("_")
    said = SAMPLE_ANSWERS.get(prefix + "_")
    return replace(answer, description=said.format(i=sample)) if said and sample.isdigit() else answer


def _flat_gradient(answer: Answer, trained: list[Params], loss: str) -> Answer:
    for p in trained:
        if p.flat and answer.name == f"d{loss}/d{p.weight}":
            return replace(answer, value=_transposed(answer.value))
    return answer


def _transposed(value: Any) -> Any:
    import sympy as sp

    if isinstance(value, Approximate):
        return Approximate(_transposed(value.value), value.size)
    return value.T if isinstance(value, sp.MatrixBase) else value  # one entry: a number


def _by_sample(forward: Step, samples: list[int], m: int, seen: dict[str, Any], phase: str) -> list[Step]:
    """The forward pass grouped by sample (``samples``: the sample of each equation, 0 for the objective).

    A value an earlier phase showed already (the generator's samples, when the discriminator step did not
    change the generator) and, in the generator's phase, D(G(z)) (its loss reads the logit) are shown only
    at ``--detail full``; ``seen`` collects the values shown."""
    groups: dict[int, list[Step]] = {}
    repeated: dict[int, list[str]] = {}
    for sub in forward.substeps:  # one line per layer: its products and sums are not the point here
        assert isinstance(sub.record, Forward) and sub.record.equation is not None
        sample, name = samples[sub.record.equation], sub.record.name
        same = name in seen and _same(seen[name], sub.record.value)
        hidden = same or (phase == "G" and name.startswith("Df_"))
        if not hidden:
            groups.setdefault(sample, []).append(sub)
        else:  # shown at full only; the names it declares (z1 = …, used by this phase's steps) stay in view
            declared = [inner for inner in sub.substeps if inner.detail.rank <= Detail.STANDARD.rank]
            rest = tuple(inner for inner in sub.substeps if inner not in declared)
            groups.setdefault(sample, []).extend([replace(sub, substeps=rest, detail=Detail.FULL), *declared])
            if same:
                repeated.setdefault(sample, []).append(name)
        seen[name] = sub.record.value
    # Translators: {names} lists values such as xg_1, hg1_1
    out = [Step(StepKind.GROUP, tr("Sample {i}: forward passes", i=i), substeps=tuple(groups.get(i, [])),
                note=(tr("{names}: the same values as in the phase before (those parameters have not changed).",
                         names=", ".join(repeated[i])) if i in repeated else ""))
           for i in range(1, m + 1)]
    out.append(Step(StepKind.GROUP, tr("Minibatch objective"), substeps=tuple(groups.get(0, [])), note=forward.note))
    return out


def _same(a: Any, b: Any) -> bool:
    """Whether two forward values are the same (exactly, or a float phase's decimals of the same numbers)."""
    import sympy as sp

    a, b = (v.value if isinstance(v, Approximate) else v for v in (a, b))
    a, b = (v if isinstance(v, sp.MatrixBase) else sp.Matrix([[v]]) for v in (a, b))
    if a.shape != b.shape:
        return False
    try:
        return all(abs(float(x) - float(y)) <= 1e-12 * max(1.0, abs(float(x))) for x, y in zip(a, b))
    except (TypeError, ValueError):
        return False


def _silent_samples(phase: str, trained: list[Params], values: dict[str, Any], m: int) -> str:
    """Samples whose every layer input is 0 in the trained network: each weight gradient δ·hᵀ is 0."""
    notes = []
    for i in range(1, m + 1):
        passes = [("G(z)", f"z_{i}", "hg", f"xg_{i}")] if phase == "G" else \
            [("D(x)", f"x_{i}", "hr", None), ("D(G(z))", f"xg_{i}", "hf", None)]
        for what, source, hidden, _ in passes:
            inputs = [values[source]] + [values[f"{hidden}{k}_{i}"] for k in range(1, len(trained))]
            if all(all(v.is_zero for v in vector) for vector in inputs):
                # Translators: {what} is a pass such as G(z) or D(G(z))
                notes.append(tr("sample {i} through {what}", i=i, what=what))
    return silent_note(notes)


def _procedure(spec: Gan, gen: list[Params], disc: list[Params], m: int) -> Step:
    note = procedure_note(m, spec.lr, spec.generator_loss, spec.d_steps, spec.order == "discriminator_first")
    rules = [Step(StepKind.RULE, tr("Objective"), _objective()),
             Step(StepKind.RULE, tr("Generator"), _network_formula(gen, "z")),
             Step(StepKind.RULE, tr("Discriminator"), _network_formula(disc, "x"))]
    return Step(StepKind.CONVENTION, tr("How a GAN is trained"), note=note, substeps=tuple(rules))


def _network_formula(params: list[Params], source: str) -> Formula:
    """The network as one formula: ``σ(Wd2·ReLU(Wd1·x + bd1) + bd2)``."""
    formula: Formula = Name(source)
    for p in params:
        inner = Name(p.weight) * formula
        inner = inner + Name(p.bias) if p.bias else inner
        act = {"identity": "", "relu": "ReLU", "sigmoid": "σ", "tanh": "tanh",
               "leaky_relu": "LeakyReLU"}[p.activation]
        formula = call(act, inner) if act else inner
    return formula


def _objective() -> Formula:
    """``min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 − D(G(z)))]``."""
    value = op("apply", "min_G", op("apply", "max_D", call("V", "D", "G")))
    real = call("E_x", op("apply", "log", call("D", "x")), brackets="[]")
    fake = call("E_z", call("log", 1 - call("D", call("G", "z"))), brackets="[]")
    return equation(value, real + fake)


def _givens(spec: Gan, gen: list[Params], disc: list[Params], values: dict[str, Any]) -> list[Given]:
    out = []
    for role, params in (("generator", gen), ("discriminator", disc)):
        for k, p in enumerate(params, 1):
            said = layer_said(role, k, p.activation, p.slope)
            out.append(Given(p.weight, values[p.weight].T if p.flat else values[p.weight], said))
            if p.bias:
                out.append(Given(p.bias, values[p.bias], bias_said(role, k)))
    out += [Given(f"z_{i}", z, tr("noise")) for i, z in enumerate(spec.noise, 1)]
    out += [Given(f"x_{i}", x, tr("real sample")) for i, x in enumerate(spec.data, 1)]
    out.append(Given("η", spec.lr, tr("learning rate")))
    return out

"""Parameter counts of recurrent stacks (RNN, LSTM, GRU), layer by layer and gate by gate.

Conventions (docs/architecture.md): the textbook/Keras count has one bias vector per gate; PyTorch
stores two (``b_ih`` and ``b_hh``). Keras' GRU with ``reset_after=True`` (its default) also has two.
"""

from __future__ import annotations

from dataclasses import replace

from solver.formula import Formula, Name, Number, Sum, equation, op
from solver.i18n import grouped, mark, ntr, tr
from solver.kinds.params.common import WEIGHTS_PLUS_BIASES, Solved, names, scaled, substitute, total
from solver.kinds.params.models import CELL_NAMES, CONVENTIONS, GATE_NAMES, GATES, Convention, RecurrentNet
from solver.trace import Answer, Given, Step, StepKind

H, X = Name("h"), Name("x")


def bias_vectors(net: RecurrentNet) -> int:
    """Bias vectors per gate under the net's convention: 2 for PyTorch (and Keras' GRU), else 1."""
    if net.convention == "pytorch" or (net.convention == "keras" and net.model == "gru"):
        return 2
    return 1


def bias_formula(biases: int) -> Formula:
    """The biases of one gate: ``h``, or ``2h`` with two bias vectors."""
    return op("juxtapose", 2, H) if biases == 2 else H


def layer_formula(gates: int, biases: int) -> Formula:
    """The parameters of one layer in one direction: ``4·(h·(x + h) + h)`` for an LSTM."""
    return scaled(gates, H * (X + H) + bias_formula(biases))


def convention_note(net: RecurrentNet, biases: int) -> str:
    """Why the net's convention counts ``biases`` bias vectors per gate."""
    cell = CELL_NAMES[net.model]
    if net.convention == "keras":
        if net.model == "gru":
            return tr("Keras' GRU (reset_after=True, its default) keeps an input and a recurrent bias per gate, "
                      "as PyTorch does.")
        # Translators: {cell} is RNN, LSTM or GRU
        return tr("Keras' {cell} keeps one bias vector per gate, as the textbook formulas do.", cell=cell)
    if biases == 2:
        # Translators: {module} is a class such as torch.nn.LSTM
        return tr("{module} stores two bias vectors per gate, b_ih and b_hh (their sum acts as one bias).",
                  module=f"torch.nn.{cell}")
    return tr("Each gate computes W·x + U·h + b with one bias vector b, as in the textbook formulas (and Keras).")


def solve_recurrent(net: RecurrentNet) -> Solved:
    """Count the parameters of a recurrent stack, one layer at a time."""
    cell, gates, h = CELL_NAMES[net.model], GATES[net.model], net.hidden
    biases = bias_vectors(net)
    directions = 2 if net.bidirectional else 1
    gated = gates > 1
    givens = [
        Given("model", tr("{cell}, bidirectional", cell=cell) if net.bidirectional else cell),
        Given("h", h, tr("hidden size")),
        Given("x", net.input, tr("input size of layer 1")),
        Given("L", net.layers, tr("layers")),
        Given("convention", net.convention),
    ]
    steps = [
        Step(
            StepKind.CONVENTION,
            # Translators: {convention} is textbook, pytorch or keras (a value of the convention field)
            tr(CONVENTION_TITLES[gated, biases], convention=net.convention),
            note=convention_note(net, biases),
        ),
        Step(
            StepKind.RULE,
            # Translators: {cell} is RNN, LSTM or GRU; {names} lists the gates such as " (i, f, g, o)"
            ntr("One {cell} layer: {n} gate{names}", "One {cell} layer: {n} gates{names}", gates, cell=cell,
                names=GATE_NAMES[net.model]) if gated else tr("One {cell} layer: 1 transform", cell=cell),
            formula=layer_formula(gates, biases),
            note=tr(GATE_NOTES[gated, biases]),
        ),
    ]
    layer_totals, weights_total, biases_total = [], 0, 0
    for layer in range(1, net.layers + 1):
        x = net.input if layer == 1 else directions * h
        step, weights, bias_count = _layer(net, layer, x, biases)
        steps.append(step)
        layer_totals.append(step.result)
        weights_total += weights
        biases_total += bias_count
    grand_total = sum(layer_totals)
    if net.layers > 1:
        steps.append(
            Step(
                StepKind.SUM,
                ntr("Total over {n} layer", "Total over {n} layers", net.layers),
                total(names("layer{}", net.layers)),
                total(layer_totals),
                grand_total,
            )
        )
    steps.append(
        Step(
            StepKind.SUM,
            tr("Weights and biases"),
            WEIGHTS_PLUS_BIASES,
            total([weights_total, biases_total]),
            grand_total,
            note=tr("{biases} of the {total} parameters are biases.", biases=grouped(biases_total),
                    total=grouped(grand_total)),
        )
    )
    steps.append(_other_convention(net, biases, grand_total))
    # Translators: {cell} is RNN, LSTM or GRU; {convention} is textbook, pytorch or keras
    answers = [Answer("total", grand_total, tr("parameters of the {cell} ({convention} convention)", cell=cell,
                                               convention=net.convention))]
    answers += [Answer(f"layer{i}", t, tr("parameters of layer {layer}", layer=i))
                for i, t in enumerate(layer_totals, 1)]
    answers += [Answer("weights", weights_total, tr("all weights")), Answer("biases", biases_total, tr("all biases"))]
    answers += [Answer(f"{convention}_total", convention_total(net, convention), tr(CONVENTION_WORDS[convention]))
                for convention in CONVENTIONS]
    return givens, steps, answers


CONVENTION_WORDS = {
    "textbook": mark("textbook: one bias vector per gate"),
    "pytorch": mark("torch.nn: two bias vectors per gate"),
    "keras": mark("Keras: two bias vectors for a GRU, else one"),
}
CONVENTION_TITLES = {  # by (gated, bias vectors)
    (True, 1): mark("Convention: {convention} — one bias vector per gate"),
    (True, 2): mark("Convention: {convention} — two bias vectors per gate"),
    (False, 1): mark("Convention: {convention} — one bias vector per transform"),
    (False, 2): mark("Convention: {convention} — two bias vectors per transform"),
}
GATE_NOTES = {  # by (gated, bias vectors)
    (True, 1): mark("Each gate has an input matrix W (h×x), a recurrent matrix U (h×h) and one bias vector b (h)."),
    (True, 2): mark("Each gate has an input matrix W (h×x), a recurrent matrix U (h×h) and two bias vectors b_ih "
                    "and b_hh (h each)."),
    (False, 1): mark("Each transform has an input matrix W (h×x), a recurrent matrix U (h×h) and one bias vector "
                     "b (h)."),
    (False, 2): mark("Each transform has an input matrix W (h×x), a recurrent matrix U (h×h) and two bias vectors "
                     "b_ih and b_hh (h each)."),
}
UNIT_TITLES = {  # by gated: the titles of one gate's (or the one transform's) counts
    True: (mark("Input weights W of one gate"), mark("Recurrent weights U of one gate"), mark("Bias of one gate"),
           mark("Biases of one gate"), mark("One gate")),
    False: (mark("Input weights W of one transform"), mark("Recurrent weights U of one transform"),
            mark("Bias of one transform"), mark("Biases of one transform"), mark("One transform")),
}


def convention_total(net: RecurrentNet, convention: Convention) -> int:
    """The net's parameter count under ``convention`` (whatever convention the problem chose)."""
    biases = bias_vectors(replace(net, convention=convention))
    directions, gates, h = 2 if net.bidirectional else 1, GATES[net.model], net.hidden
    return sum(
        directions * gates * (h * (net.input if layer == 1 else directions * h) + h * h + biases * h)
        for layer in range(1, net.layers + 1)
    )


def _layer(net: RecurrentNet, layer: int, x: int, biases: int) -> tuple[Step, int, int]:
    """One layer reading ``x`` inputs, as a step with substeps; with its weight and bias counts."""
    gates, h = GATES[net.model], net.hidden
    directions = 2 if net.bidirectional else 1
    w_title, u_title, bias_title, biases_title, one_title = UNIT_TITLES[gates > 1]
    values = {"h": h, "x": x}
    w_in, w_rec, b = h * x, h * h, biases * h
    one_gate = w_in + w_rec + b
    one_direction = gates * one_gate
    layer_total = directions * one_direction
    substeps = []
    if layer > 1:
        input_size = op("juxtapose", 2, H) if directions == 2 else H
        substeps.append(
            Step(
                StepKind.EVALUATE,
                tr("Input size of layer {layer}", layer=layer),
                formula=equation(X, input_size),
                substituted=substitute(input_size, values) if directions == 2 else None,
                result=x,
                note=tr("Layer {layer} reads the hidden states of layer {previous} (both directions concatenated).",
                        layer=layer, previous=layer - 1) if directions == 2
                else tr("Layer {layer} reads the hidden states of layer {previous}.", layer=layer, previous=layer - 1),
            )
        )
    bias = bias_formula(biases)
    substeps += [
        Step(StepKind.EVALUATE, tr(w_title), H * X, substitute(H * X, values), w_in),
        Step(StepKind.EVALUATE, tr(u_title), H * H, substitute(H * H, values), w_rec),
        Step(
            StepKind.EVALUATE,
            tr(biases_title) if biases == 2 else tr(bias_title),
            bias,
            substitute(bias, values) if biases == 2 else None,
            b,
        ),
        Step(StepKind.SUM, tr(one_title), H * X + H * H + bias, total([w_in, w_rec, b]), one_gate),
    ]
    if gates > 1:
        substeps.append(
            # Translators: {names} lists the gates such as " (i, f, g, o)"
            Step(StepKind.EVALUATE, tr("All {count} gates{names}", count=gates, names=GATE_NAMES[net.model]), None,
                 Number(gates) * Number(one_gate), one_direction)
        )
    if directions == 2:
        substeps.append(
            Step(
                StepKind.EVALUATE,
                tr("Both directions"),
                None,
                Number(2) * Number(one_direction),
                layer_total,
                note=tr("A bidirectional layer has a forward and a backward copy with their own parameters."),
            )
        )
    formula = scaled(directions, layer_formula(gates, biases))
    step = Step(
        StepKind.EVALUATE,
        # Translators: {sizes} is "x = 300, h = 500"
        tr("Layer {layer} ({sizes})", layer=layer, sizes=f"x = {x}, h = {h}"),
        formula,
        substitute(formula, values),
        layer_total,
        substeps=tuple(substeps),
    )
    return step, directions * gates * (w_in + w_rec), directions * gates * b


def _other_convention(net: RecurrentNet, biases: int, count: int) -> Step:
    """The count under the other bias convention: graders accept either when it is stated."""
    other = "textbook" if biases == 2 else "pytorch"
    other_biases = 3 - biases
    directions = 2 if net.bidirectional else 1
    gates, h = GATES[net.model], net.hidden
    per_layer = [
        directions * gates * (h * (net.input if layer == 1 else directions * h) + h * h + other_biases * h)
        for layer in range(1, net.layers + 1)
    ]
    other_total = sum(per_layer)
    cell = CELL_NAMES[net.model]
    where = f"torch.nn.{cell}" if other == "pytorch" else tr("The textbook formulas and Keras")
    if net.model == "gru" and other == "pytorch":
        where = tr("{module} (and Keras' default GRU)", module=where)
    formula = scaled(directions, layer_formula(gates, other_biases))
    # Translators: {convention} is textbook or pytorch
    title = (tr("For comparison: the {convention} convention (two bias vectors per gate)", convention=other)
             if other_biases == 2
             else tr("For comparison: the {convention} convention (one bias vector per gate)", convention=other))
    numbers = {"who": where, "total": grouped(other_total), "difference": grouped(abs(other_total - count)),
               "convention": net.convention}
    # Translators: {who} is torch.nn.LSTM or "The textbook formulas and Keras"; {convention}: textbook, pytorch…
    note = (tr("{who} would count {total} parameters, {difference} more than the {convention} count.", **numbers)
            if other_total > count
            else tr("{who} would count {total} parameters, {difference} fewer than the {convention} count.",
                    **numbers))
    return Step(
        StepKind.COMPARE,
        title,
        formula if net.layers == 1 else Sum("l", formula.replace(X, Name("x_l"))),
        total(per_layer) if net.layers > 1 else None,
        other_total,
        note=note,
    )

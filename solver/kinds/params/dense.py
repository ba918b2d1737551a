"""Parameter counts of fully connected networks: an n_out×n_in matrix (and n_out biases) per layer."""

from __future__ import annotations

from itertools import pairwise

from solver.errors import FieldError
from solver.formula import Formula, Name, Sum
from solver.i18n import ntr, tr
from solver.kinds.params.common import WEIGHTS_PLUS_BIASES, Solved, substitute, total
from solver.kinds.params.models import DenseNet
from solver.trace import Answer, Given, Step, StepKind

N_IN, N_OUT = Name("n_in"), Name("n_out")


def linear_formula(bias: bool) -> Formula:
    """Parameters of one fully connected layer: ``n_out·n_in + n_out``, or ``n_out·n_in`` without bias."""
    weights = N_OUT * N_IN
    return weights + N_OUT if bias else weights


def linear_numbers(n_in: int, n_out: int, bias: bool) -> Formula:
    """:func:`linear_formula` with the numbers substituted."""
    return substitute(linear_formula(bias), {"n_in": n_in, "n_out": n_out})


def solve_dense(net: DenseNet) -> Solved:
    """Count the parameters of a fully connected network, one layer at a time."""
    sizes = net.sizes
    if len(sizes) < 2:
        raise FieldError(("sizes",), tr("expected at least 2 layer sizes (input and output), got {count}",
                                         count=len(sizes)))
    givens = [
        Given("sizes", " → ".join(str(s) for s in sizes), tr("layer sizes, input first")),
        Given("bias", tr("yes") if net.bias else tr("no")),
    ]
    rule = linear_formula(net.bias)
    steps = [
        Step(
            StepKind.RULE,
            tr("One fully connected layer"),
            rule,
            note=tr("The layer computes W·h + b with W of shape n_out×n_in and a bias b with n_out entries.")
            if net.bias else tr("The layer computes W·h + b with W of shape n_out×n_in (no bias)."),
        )
    ]
    weights, biases, totals = [], [], []
    for i, (n_in, n_out) in enumerate(pairwise(sizes), 1):
        w, b = n_out * n_in, n_out if net.bias else 0
        weights.append(w)
        biases.append(b)
        totals.append(w + b)
        steps.append(
            Step(
                StepKind.EVALUATE,
                # Translators: {layer} is a layer number; {n_in} → {n_out} are its input and output sizes
                tr("Layer {layer}: {n_in} → {n_out}", layer=i, n_in=n_in, n_out=n_out),
                rule,
                linear_numbers(n_in, n_out, net.bias),
                w + b,
                # Translators: {weights} is a matrix such as W_1 of shape {shape}; b_1, h_1 are notation
                note=tr("{weights} is {shape} and {bias} has {n_out} entries: {layer_formula}.",
                        weights=f"W_{i}", shape=f"{n_out}×{n_in}", bias=f"b_{i}", n_out=n_out,
                        layer_formula=f"h_{i} = f(W_{i}·h_{i - 1} + b_{i})") if net.bias
                else tr("{weights} is {shape}: {layer_formula}.", weights=f"W_{i}", shape=f"{n_out}×{n_in}",
                        layer_formula=f"h_{i} = f(W_{i}·h_{i - 1})"),
            )
        )
    steps.append(Step(StepKind.SUM, tr("All weights"), Sum("", N_OUT * N_IN), total(weights), sum(weights)))
    if net.bias:
        steps.append(Step(StepKind.SUM, tr("All biases"), Sum("", N_OUT), total(biases), sum(biases)))
    count = sum(totals)
    steps.append(
        Step(
            StepKind.SUM,
            tr("Total"),
            WEIGHTS_PLUS_BIASES,
            total([sum(weights), sum(biases)]),
            count,
            note=ntr("The input layer ({units} units) has no parameters; {n} layer does.",
                     "The input layer ({units} units) has no parameters; {n} layers do.", len(sizes) - 1,
                     units=sizes[0]),
        )
    )
    answers = [
        Answer("total", count, tr("parameters")),
        Answer("weights", sum(weights), tr("all weights")),
        Answer("biases", sum(biases), tr("all biases")),
    ]
    answers += [Answer(f"layer{i}", t, tr("parameters of layer {layer}", layer=i)) for i, t in enumerate(totals, 1)]
    return givens, steps, answers

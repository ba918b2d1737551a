"""Parameter counts of fully connected networks: an n_out×n_in matrix (and n_out biases) per layer."""

from __future__ import annotations

from itertools import pairwise

from solver.errors import FieldError
from solver.formula import Formula, Name, Sum
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
        raise FieldError(("sizes",), f"expected at least 2 layer sizes (input and output), got {len(sizes)}")
    givens = [
        Given("sizes", " → ".join(str(s) for s in sizes), "layer sizes, input first"),
        Given("bias", "yes" if net.bias else "no"),
    ]
    rule = linear_formula(net.bias)
    steps = [
        Step(
            StepKind.RULE,
            "One fully connected layer",
            rule,
            note="The layer computes W·h + b with W of shape n_out×n_in"
            + (" and a bias b with n_out entries." if net.bias else " (no bias)."),
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
                f"Layer {i}: {n_in} → {n_out}",
                rule,
                linear_numbers(n_in, n_out, net.bias),
                w + b,
                note=f"W_{i} is {n_out}×{n_in}"
                + (f" and b_{i} has {n_out} entries: h_{i} = f(W_{i}·h_{i - 1} + b_{i})." if net.bias
                   else f": h_{i} = f(W_{i}·h_{i - 1})."),
            )
        )
    steps.append(Step(StepKind.SUM, "All weights", Sum("", N_OUT * N_IN), total(weights), sum(weights)))
    if net.bias:
        steps.append(Step(StepKind.SUM, "All biases", Sum("", N_OUT), total(biases), sum(biases)))
    count = sum(totals)
    steps.append(
        Step(
            StepKind.SUM,
            "Total",
            WEIGHTS_PLUS_BIASES,
            total([sum(weights), sum(biases)]),
            count,
            note=f"The input layer ({sizes[0]} units) has no parameters; {len(sizes) - 1} layers do.",
        )
    )
    answers = [
        Answer("total", count, "parameters"),
        Answer("weights", sum(weights), "all weights"),
        Answer("biases", sum(biases), "all biases"),
    ]
    answers += [Answer(f"layer{i}", t, f"parameters of layer {i}") for i, t in enumerate(totals, 1)]
    return givens, steps, answers

"""Convolution layers: the parameter count, the output size per spatial dimension, and the checks
(groups, padding 'same') a layer and a CNN stack share."""

from __future__ import annotations

from math import prod
from typing import Any

from solver.errors import FieldError, FieldPath
from solver.formula import Floor, Formula, Name, Paren, equation, op
from solver.i18n import mark, ntr, tr
from solver.kinds.params.common import WEIGHTS_PLUS_BIASES, Solved, substitute, total
from solver.kinds.params.models import ConvLayer
from solver.trace import Answer, Given, Step, StepKind

DIM_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
DIM_WORDS = {"L": mark("length"), "D": mark("depth"), "H": mark("height"), "W": mark("width")}
"""The words for the spatial dimensions, marked (translate with ``tr``)."""
OUTPUT_WORDS = {"L": mark("output length"), "D": mark("output depth"), "H": mark("output height"),
                "W": mark("output width")}
# Translators: {name} is a symbol such as H_out
OUTPUT_TITLES = {"L": mark("Output length {name}"), "D": mark("Output depth {name}"),
                 "H": mark("Output height {name}"), "W": mark("Output width {name}")}
C_IN, C_OUT, GROUPS = Name("C_in"), Name("C_out"), Name("g")


_N, _P, _D, _K, _S = (Name(letter) for letter in "npdks")
OUTPUT_SIZE = Floor((_N + op("juxtapose", 2, _P) - _D * (_K - 1) - 1) / _S) + 1
"""The output size of a convolution or pooling layer along one dimension: ``⌊(n + 2p − d·(k − 1) − 1)/s⌋ + 1``."""
OUTPUT_SIZE_RULE = equation("n_out", OUTPUT_SIZE)
SAME_NOTE = mark("'same' pads d·(k − 1) zeros in total per dimension (PyTorch puts the odd one at the end), so "
                 "with stride 1 the output keeps the input size.")
"""The note on padding 'same' (marked: translate with ``tr``)."""


def per_dim(value: Any, dims: int, path: FieldPath) -> tuple[int, ...]:
    """One value per spatial dimension: a tuple as given (checked against ``dims``), an int repeated."""
    if isinstance(value, tuple):
        if len(value) != dims:
            raise FieldError(path, ntr("expected {n} value (one per dimension), got {count}",
                                       "expected {n} values (one per dimension), got {count}", dims,
                                       count=len(value)))
        return value
    return (value,) * dims


def check_groups(groups: int, channels: dict[str, int], path: FieldPath) -> None:
    """Grouped convolution: ``groups`` must divide the input and the output channels (as in PyTorch)."""
    for name, count in channels.items():
        if count % groups:
            # Translators: {groups} and {channels} are formulas such as "groups = 2", "in_channels = 3"
            raise FieldError(path, tr("{groups} must divide {channels}", groups=f"groups = {groups}",
                                      channels=f"{name} = {count}"))


def check_same(padding: Any, stride: tuple[int, ...], path: FieldPath) -> None:
    """Padding 'same' is defined for stride 1 only (as in PyTorch)."""
    if padding == "same" and any(s != 1 for s in stride):
        raise FieldError(path, tr("padding 'same' needs stride 1 (as in PyTorch)"))


def conv_weights(c_in: int, c_out: int, kernel: tuple[int, ...], groups: int) -> tuple[Formula, Formula, int]:
    """The weights of a convolution: general formula, the numbers substituted, the count."""
    k_names = [f"k_{n.lower()}" for n in DIM_NAMES[len(kernel)]] if len(kernel) > 1 else ["k"]
    per_group = Paren(C_IN / GROUPS) if groups > 1 else C_IN
    formula = op("·", C_OUT, per_group, *k_names)
    values = {"C_out": c_out, "C_in": c_in, "g": groups, **dict(zip(k_names, kernel))}
    return formula, substitute(formula, values), c_out * (c_in // groups) * prod(kernel)


def conv_dims(layer: ConvLayer) -> int:
    """The number of spatial dimensions: given, or the length of the per-dimension lists, else 2."""
    if layer.dims is not None:
        return layer.dims
    fields = ("kernel", "input_size", "stride", "padding", "dilation")
    lengths = {name: len(getattr(layer, name)) for name in fields if isinstance(getattr(layer, name), tuple)}
    for name, length in lengths.items():
        if not 1 <= length <= 3:
            raise FieldError((name,), tr("expected 1 to 3 values (one per spatial dimension), got {count}",
                                          count=length))
    return next(iter(lengths.values()), 2)


def solve_conv(layer: ConvLayer) -> Solved:
    """Count the parameters of one convolution layer (and its output size, given the input size)."""
    dims = conv_dims(layer)
    names = DIM_NAMES[dims]
    kernel = per_dim(layer.kernel, dims, ("kernel",))
    stride = per_dim(layer.stride, dims, ("stride",))
    dilation = per_dim(layer.dilation, dims, ("dilation",))
    padding = layer.padding if isinstance(layer.padding, str) else per_dim(layer.padding, dims, ("padding",))
    g = layer.groups
    check_groups(g, {"in_channels": layer.in_channels, "out_channels": layer.out_channels}, ("groups",))
    check_same(padding, stride, ("padding",))

    c_in, c_out = layer.in_channels, layer.out_channels
    kernel_text = "×".join(map(str, kernel))
    givens = [
        Given("C_in", c_in, tr("input channels")),
        Given("C_out", c_out, tr("output channels (filters)")),
        Given("kernel", kernel_text),
    ]
    if g > 1:
        givens.append(Given("groups", g))
    givens.append(Given("bias", tr("yes") if layer.bias else tr("no")))
    givens += settings(layer, dims)

    weight_formula, weight_numbers, weights = conv_weights(c_in, c_out, kernel, g)
    biases = c_out if layer.bias else 0
    steps = [
        Step(
            StepKind.RULE,
            # Translators: {dims} is 1, 2 or 3 (a 2D convolution layer)
            tr("A {dims}D convolution layer", dims=dims),
            weight_formula + C_OUT if layer.bias else weight_formula,
            note=filters_note(g > 1, kernel_text, layer.bias),
        ),
        Step(StepKind.EVALUATE, tr("Weights"), weight_formula, weight_numbers, weights),
        Step(StepKind.EVALUATE, tr("Biases"), C_OUT if layer.bias else None, None, biases,
             note="" if layer.bias else "bias: false"),
        Step(StepKind.SUM, tr("Total"), WEIGHTS_PLUS_BIASES, total([weights, biases]), weights + biases),
    ]
    answers = [
        Answer("total", weights + biases, tr("parameters")),
        Answer("weights", weights, tr("all weights")),
        Answer("biases", biases, tr("all biases")),
    ]
    if layer.input_size is not None:
        sizes = per_dim(layer.input_size, dims, ("input_size",))
        steps.append(output_size_rule(padding))
        for axis, name in enumerate(names):
            out, step = output_size(name, sizes[axis], kernel[axis], stride[axis], dilation[axis], padding, axis)
            steps.append(step)
            answers.append(Answer(f"{name}_out", out, tr(OUTPUT_WORDS[name])))
    return givens, steps, answers


def filters_note(grouped: bool, window: str, bias: bool) -> str:
    """What each filter of a convolution spans (``window`` such as ``3×3``), and its bias."""
    # Translators: {window} is a kernel size such as 3×3; C_out, C_in and g are symbols
    if grouped:
        return (tr("Each of the C_out filters spans C_in/g input channels and a {window} window, plus one bias per "
                   "filter.", window=window) if bias
                else tr("Each of the C_out filters spans C_in/g input channels and a {window} window; the layer has "
                        "no bias.", window=window))
    return (tr("Each of the C_out filters spans all C_in input channels and a {window} window, plus one bias per "
               "filter.", window=window) if bias
            else tr("Each of the C_out filters spans all C_in input channels and a {window} window; the layer has "
                    "no bias.", window=window))


def settings(layer: ConvLayer, dims: int) -> list[Given]:
    """The settings that enter the output-size formula (input size, stride, zero padding, dilation), a
    default marked as such."""
    def per_dimension(value: Any) -> str:
        values = per_dim(value, dims, ())
        return str(values[0]) if len(set(values)) == 1 else "×".join(map(str, values))

    givens = []
    if layer.input_size is not None:
        sizes = per_dim(layer.input_size, dims, ("input_size",))
        # Translators: {dimensions} are words such as "height × width"
        givens.append(Given("input", "×".join(map(str, sizes)),
                            tr("input size, {dimensions}",
                               dimensions=" × ".join(tr(DIM_WORDS[name]) for name in DIM_NAMES[dims]))))
    padding = layer.padding if isinstance(layer.padding, str) else per_dimension(layer.padding)
    for name, value, shown, words in (
            ("stride", layer.stride, per_dimension(layer.stride), "s"),
            ("padding", layer.padding, padding, tr("p, zeros on each side") if padding not in ("same", "valid")
             else tr("'same' keeps the size") if padding == "same" else tr("'valid': p = 0")),
            ("dilation", layer.dilation, per_dimension(layer.dilation), "d")):
        default = ConvLayer.__dataclass_fields__[name].default
        # Translators: {setting} is a symbol or a description such as "p, zeros on each side"
        givens.append(Given(name, shown, tr("{setting} (the default)", setting=words) if value == default else words))
    return givens


def output_size_rule(padding: Any) -> Step:
    """The rule step for the output size of a convolution with this ``padding``."""
    if padding == "same":
        return Step(
            StepKind.RULE,
            tr("Output size with padding 'same'"),
            equation("n_out", "n"),
            note=tr(SAME_NOTE),
        )
    return Step(
        StepKind.RULE,
        tr("Output size of a convolution (per dimension)"),
        OUTPUT_SIZE_RULE,
        note=tr("n input size, p zero padding per side, d dilation, k kernel size, s stride ('valid' means p = 0).")
        if padding == "valid" else tr("n input size, p zero padding per side, d dilation, k kernel size, s stride."),
    )


def output_size(
    name: str, n: int, k: int, s: int, d: int, padding: Any, axis: int, general: bool = True
) -> tuple[int, Step]:
    """The output size along one axis, as a step (``general``: with the general formula first)."""
    title = tr(OUTPUT_TITLES[name], name=f"{name}_out")
    if padding == "same":
        return n, Step(StepKind.EVALUATE, title, Name("n"), None, n)
    p = 0 if padding == "valid" else padding[axis]
    span = n + 2 * p - d * (k - 1) - 1
    if span < 0:
        raise FieldError(
            ("input_size",),
            # Translators: {dimension} is a word such as height; {kernel} a formula such as d·(k − 1) + 1 = 3
            tr("the {dimension} {n} with padding {p} is smaller than the dilated kernel {kernel}",
               dimension=tr(DIM_WORDS[name]), n=n, p=p, kernel=f"d·(k − 1) + 1 = {d * (k - 1) + 1}"),
        )
    out = span // s + 1
    numbers = substitute(OUTPUT_SIZE, {"n": n, "p": p, "d": d, "k": k, "s": s})
    return out, Step(
        StepKind.EVALUATE,
        title,
        OUTPUT_SIZE if general else None,
        equation(numbers, Floor(op("/", span, s)) + 1),
        out,
    )

"""A small CNN layer by layer: conv, pooling and fc layers in sequence, each with its output shape
and parameter count, channels first as in PyTorch."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any

from solver.errors import FieldError, FieldPath
from solver.formula import Formula, Name, Number, op
from solver.kinds.params.common import Solved, names, shape, total
from solver.kinds.params.conv import (
    C_OUT,
    DIM_NAMES,
    OUTPUT_SIZE_NOTE,
    OUTPUT_SIZE_RULE,
    SAME_NOTE,
    check_groups,
    check_same,
    conv_weights,
    output_size,
    per_dim,
)
from solver.kinds.params.dense import linear_formula, linear_numbers
from solver.kinds.params.models import CnnConv, CnnDense, CnnNet, CnnPool
from solver.trace import Answer, Given, Step, StepKind

LONG_TITLE = 60  # a layer heading longer than this gives its description in the note instead


@dataclass(frozen=True)
class SolvedLayer:
    """One solved layer of a CNN: its output shape, parameter count and steps."""

    shape: tuple[int, ...]  # (C, H, W, ...) or (features,) after an fc layer
    params: int
    steps: list[Step]
    note: str = ""


def shape_text(sizes: tuple[int, ...]) -> str:
    """A shape as a value: ``16×32×32``."""
    return "×".join(map(str, sizes))


def _setting(values: tuple[int, ...]) -> str:
    """A per-dimension setting for a layer's description: ``2``, or ``(2, 1)`` when they differ."""
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


def describe(layer: Any, dims: int, path: FieldPath) -> str:
    """A layer in a few words: ``conv 5×5, 16 filters, stride 1, padding 2``."""
    if isinstance(layer, CnnDense):
        return f"fc, {layer.out_features} output{'s' * (layer.out_features > 1)}" + ("" if layer.bias else ", no bias")
    kernel = per_dim(layer.kernel, dims, path + ("kernel",))
    default_stride = isinstance(layer, CnnPool) and layer.stride is None
    stride = kernel if default_stride else per_dim(layer.stride, dims, path + ("stride",))
    parts = [f"{layer.type} {shape_text(kernel)}" if dims > 1 else f"{layer.type}, kernel {kernel[0]}"]
    if isinstance(layer, CnnConv):
        parts.append(f"{layer.out_channels} filter{'s' * (layer.out_channels > 1)}")
    parts.append(f"stride {_setting(stride)}")
    padding = layer.padding
    if not isinstance(padding, str):
        padding = _setting(per_dim(padding, dims, path + ("padding",)))
    if isinstance(layer, CnnConv) or padding != "0":
        parts.append(f"padding {padding}")
    dilation = _setting(per_dim(layer.dilation, dims, path + ("dilation",)))
    if dilation != "1":
        parts.append(f"dilation {dilation}")
    if isinstance(layer, CnnConv) and layer.groups > 1:
        parts.append(f"groups {layer.groups}")
    if isinstance(layer, CnnConv) and not layer.bias:
        parts.append("no bias")
    return ", ".join(parts)


def solve_cnn(net: CnnNet) -> Solved:
    """Follow the input through every layer: output shapes, parameters per layer, the total."""
    dims = len(net.input_size) if isinstance(net.input_size, tuple) else 2
    axis_names = DIM_NAMES[dims]
    if not net.layers:
        raise FieldError(("layers",), "expected at least one layer, got an empty list")
    sizes = (net.in_channels, *per_dim(net.input_size, dims, ("input_size",)))
    axes = "×".join(("C", *axis_names))
    givens = [Given("input", f"{shape_text(sizes)} ({axes})")]
    descriptions = [describe(layer, dims, ("layers", i)) for i, layer in enumerate(net.layers)]
    givens += [Given(f"layer{i}", text) for i, text in enumerate(descriptions, 1)]
    steps = [
        Step(
            StepKind.CONVENTION,
            f"Shapes are written {axes}: channels first, as in PyTorch",
            note="An fc layer flattens its input in this order (torch.flatten) into one vector.",
        ),
        Step(
            StepKind.RULE,
            "Output size of a convolution or pooling layer (per dimension)",
            OUTPUT_SIZE_RULE,
            note=OUTPUT_SIZE_NOTE + ". The floor drops a last window that would not fit (PyTorch's "
            "default: ceil mode off). Pooling uses its own k and s, with d = 1 unless given.",
        ),
    ]
    answers, counts = [], []
    for i, layer in enumerate(net.layers, 1):
        path: FieldPath = ("layers", i - 1)
        if isinstance(layer, CnnDense):
            solved = _dense(layer, sizes, axis_names)
        elif len(sizes) == 1:
            message = f"a {layer.type} layer needs {axes} feature maps, but layer {i - 1} (fc) outputs a vector"
            raise FieldError(path + ("type",), message)
        elif isinstance(layer, CnnConv):
            solved = _conv(layer, sizes, axis_names, path)
        else:
            solved = _pool(layer, sizes, axis_names, path)
        counts.append(solved.params)
        substeps = solved.steps
        if i > 1:
            so_far = sum(counts)
            substeps.append(
                Step(StepKind.SUM, f"Parameters of layers 1–{i}", None, total([so_far - solved.params, solved.params]),
                     so_far)
            )
        title, note = f"Layer {i}: {descriptions[i - 1]}", solved.note
        if len(title) > LONG_TITLE:  # keep the heading on one line; the note wraps
            title, note = f"Layer {i}: {layer.type}", f"{descriptions[i - 1]}. {note}".strip()
        steps.append(
            Step(
                StepKind.GROUP, title, op("→", shape(sizes), shape(solved.shape)), note=note,
                substeps=tuple(substeps),
            )
        )
        sizes = solved.shape
        answers += [
            Answer(f"shape{i}", shape_text(sizes), f"output of layer {i} ({axes if len(sizes) > 1 else 'features'})"),
            Answer(f"params{i}", solved.params, f"parameters of layer {i}"),
        ]
    count = sum(counts)
    steps.append(
        Step(
            StepKind.SUM,
            f"Total over {len(counts)} layer{'s' * (len(counts) > 1)}",
            total(names("params{}", len(counts))),
            total(counts),
            count,
        )
    )
    return givens, steps, [Answer("total", count, "parameters of the network"), *answers]


def _output_shape(channels: str, axis_names: tuple[str, ...]) -> Formula:
    """The output shape's general form: ``C_out×H_out×W_out`` (or ``C×…`` when the channels stay)."""
    return shape([Name(channels), *(Name(f"{n}_out") for n in axis_names)])


def _spatial_steps(
    axis_names: tuple[str, ...], sizes: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
    dilation: tuple[int, ...], padding: Any, path: FieldPath,
) -> tuple[tuple[int, ...], list[Step]]:
    """The output size along every spatial axis of a ``sizes`` (C, …) input, one step each.

    The general formula is the rule step at the top; a window larger than the padded input is
    reported at the layer's ``kernel``.
    """
    outs, steps = [], []
    for axis, name in enumerate(axis_names):
        try:
            out, step = output_size(
                name, sizes[1 + axis], kernel[axis], stride[axis], dilation[axis], padding, axis, general=False
            )
        except FieldError as error:
            layer = int(path[-1]) + 1
            message = f"layer {layer} does not fit its {shape_text(sizes)} input: {error.message}"
            raise FieldError(path + ("kernel",), message) from None
        outs.append(out)
        steps.append(step)
    return tuple(outs), steps


def _conv(layer: CnnConv, sizes: tuple[int, ...], axis_names: tuple[str, ...], path: FieldPath) -> SolvedLayer:
    dims = len(axis_names)
    kernel = per_dim(layer.kernel, dims, path + ("kernel",))
    stride = per_dim(layer.stride, dims, path + ("stride",))
    dilation = per_dim(layer.dilation, dims, path + ("dilation",))
    padding = layer.padding if isinstance(layer.padding, str) else per_dim(layer.padding, dims, path + ("padding",))
    c_in, c_out, g = sizes[0], layer.out_channels, layer.groups
    check_groups(g, {"its input channels C_in": c_in, "out_channels": c_out}, path + ("groups",))
    check_same(padding, stride, path + ("padding",))
    spatial, steps = _spatial_steps(axis_names, sizes, kernel, stride, dilation, padding, path)
    out = (c_out, *spatial)
    weight_formula, weight_numbers, weights = conv_weights(c_in, c_out, kernel, g)
    biases = c_out if layer.bias else 0
    steps.append(Step(StepKind.EVALUATE, "Output shape", _output_shape("C_out", axis_names), None, shape_text(out)))
    steps.append(
        Step(
            StepKind.EVALUATE,
            "Parameters",
            weight_formula + C_OUT if layer.bias else weight_formula,
            weight_numbers + Number(c_out) if layer.bias else weight_numbers,
            weights + biases,
            note=f"{c_out} filter{'s' * (c_out > 1)} of {shape_text((c_in // g, *kernel))} weights"
            + (f" (each sees C_in/g = {c_in // g} of the {c_in} channels)" if g > 1 else "")
            + (f", plus {c_out} biases." if layer.bias else "; no bias."),
        )
    )
    note = SAME_NOTE + ", so with stride 1 the output keeps the input size." if padding == "same" else ""
    return SolvedLayer(out, weights + biases, steps, note)


def _pool(layer: CnnPool, sizes: tuple[int, ...], axis_names: tuple[str, ...], path: FieldPath) -> SolvedLayer:
    dims = len(axis_names)
    kernel = per_dim(layer.kernel, dims, path + ("kernel",))
    stride = kernel if layer.stride is None else per_dim(layer.stride, dims, path + ("stride",))
    padding = per_dim(layer.padding, dims, path + ("padding",))
    dilation = per_dim(layer.dilation, dims, path + ("dilation",))
    if layer.type == "avgpool" and any(d != 1 for d in dilation):
        raise FieldError(path + ("dilation",), "avgpool has no dilation (torch.nn.AvgPool has none); only maxpool does")
    for k, p in zip(kernel, padding):
        if 2 * p > k:
            message = f"padding {p} is more than half the kernel {k}: pooling pads at most ⌊k/2⌋ = {k // 2}"
            raise FieldError(path + ("padding",), message + " per side (as in PyTorch)")
    spatial, steps = _spatial_steps(axis_names, sizes, kernel, stride, dilation, padding, path)
    out = (sizes[0], *spatial)
    window = f"{shape_text(kernel)} window" if dims > 1 else f"window of {kernel[0]}"
    what = "takes the maximum of" if layer.type == "maxpool" else "averages"
    steps.append(
        Step(
            StepKind.EVALUATE, "Output shape", _output_shape("C", axis_names), None, shape_text(out),
            note=f"Pooling works on each channel separately: the {sizes[0]} channel{'s' * (sizes[0] > 1)} stay.",
        )
    )
    steps.append(
        Step(StepKind.EVALUATE, "Parameters", None, None, 0,
             note=f"Pooling has no parameters: it {what} each {window} (no weights, no biases).")
    )
    note = "The stride defaults to the kernel size, as in PyTorch." if layer.stride is None else ""
    return SolvedLayer(out, 0, steps, note)


def _dense(layer: CnnDense, sizes: tuple[int, ...], axis_names: tuple[str, ...]) -> SolvedLayer:
    steps = []
    n_in = prod(sizes)
    if len(sizes) > 1:
        steps.append(
            Step(
                StepKind.EVALUATE,
                "Flatten",
                op("·", "C", *axis_names),
                op("·", *sizes),
                n_in,
                note=f"The {shape_text(sizes)} feature maps become one vector of {n_in:,} values.",
            )
        )
    n_out = layer.out_features
    params = n_out * n_in + (n_out if layer.bias else 0)
    steps.append(Step(StepKind.EVALUATE, "Output shape", Name("n_out"), None, str(n_out)))
    steps.append(
        Step(
            StepKind.EVALUATE,
            "Parameters",
            linear_formula(layer.bias),
            linear_numbers(n_in, n_out, layer.bias),
            params,
            note=f"W is {n_out:,}×{n_in:,}" + (f" and b has {n_out:,} entries." if layer.bias else "; no bias."),
        )
    )
    return SolvedLayer((n_out,), params, steps)

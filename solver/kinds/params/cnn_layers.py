"""The weighted and pooling layers of a ``cnn`` stack: conv, pooling and fc, each with its output shape
(when the input size is known) and its parameter count, channels first as in PyTorch."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, Literal

from solver.errors import FieldError, FieldPath
from solver.formula import Formula, Name, Number, op
from solver.i18n import grouped, ntr, tr
from solver.kinds.params.common import shape
from solver.kinds.params.conv import (
    C_OUT,
    SAME_NOTE,
    check_groups,
    check_same,
    conv_weights,
    output_size,
    per_dim,
)
from solver.kinds.params.dense import linear_formula, linear_numbers
from solver.kinds.params.models import CnnConv, CnnDense, CnnPool
from solver.trace import Step, StepKind

Form = Literal["maps", "vector", "sequence", "tokens"]


@dataclass(frozen=True)
class Flow:
    """What flows from one layer to the next: C×H×W feature maps, a vector of features, an embedded
    sequence (L positions × E features) or the L token indices an embedding reads. A size is None
    when no input size was given and it cannot be known."""

    form: Form
    sizes: tuple[int | None, ...]

    @property
    def known(self) -> bool:
        """Whether every size is known."""
        return None not in self.sizes

    @property
    def ints(self) -> tuple[int, ...]:
        """The sizes, every one known."""
        if not self.known:
            raise ValueError("a size is unknown")
        return tuple(n for n in self.sizes if n is not None)

    @property
    def count(self) -> int | None:
        """The number of values (None when a size is unknown)."""
        return prod(self.ints) if self.known else None


@dataclass(frozen=True)
class Weight:
    """A weight that a later layer may share: the layer holding it, its name and its shape."""

    layer: int
    name: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class SolvedLayer:
    """One solved layer: what it outputs, its trainable parameters (a shared weight counted where it was
    first declared), its running statistics, its weight and the weight values it shares, and its steps."""

    flow: Flow
    params: int
    steps: list[Step]
    note: str = ""
    buffers: int = 0  # running statistics: not trainable
    weight: tuple[int, ...] | None = None  # the shape of its weight, for a layer that may be shared
    shared: int = 0  # weight values used here but counted at the layer they are shared from


def shape_text(sizes: tuple[int | None, ...]) -> str:
    """A shape as a value: ``16×32×32``."""
    return "×".join(map(str, sizes))


def _setting(values: tuple[int, ...]) -> str:
    """A per-dimension setting for a layer's description: ``2``, or ``(2, 1)`` when they differ."""
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


def describe_window(layer: CnnConv | CnnPool, dims: int, path: FieldPath) -> str:
    """A conv or pooling layer in a few words: ``conv 5×5, 16 filters, stride 1, padding 2``."""
    kernel = per_dim(layer.kernel, dims, path + ("kernel",))
    default_stride = isinstance(layer, CnnPool) and layer.stride is None
    stride = kernel if default_stride else per_dim(layer.stride, dims, path + ("stride",))
    # Translators: {type} is a layer type (conv, maxpool, avgpool: keep it), {size} a kernel size
    parts = [f"{layer.type} {shape_text(kernel)}" if dims > 1 else tr("{type}, kernel {size}", type=layer.type,
                                                                      size=kernel[0])]
    if isinstance(layer, CnnConv):
        parts.append(ntr("{n} filter", "{n} filters", layer.out_channels))
    parts.append(tr("stride {value}", value=_setting(stride)))
    padding = layer.padding
    if not isinstance(padding, str):
        padding = _setting(per_dim(padding, dims, path + ("padding",)))
    if isinstance(layer, CnnConv) or padding != "0":
        parts.append(tr("padding {value}", value=padding))
    dilation = _setting(per_dim(layer.dilation, dims, path + ("dilation",)))
    if dilation != "1":
        parts.append(tr("dilation {value}", value=dilation))
    if isinstance(layer, CnnConv) and layer.groups > 1:
        parts.append(tr("groups {value}", value=layer.groups))
    if isinstance(layer, CnnConv) and not layer.bias:
        parts.append(tr("no bias"))
    return ", ".join(parts)


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
            # Translators: {shape} is a shape such as 3×32×32; {reason} another message
            message = tr("layer {layer} does not fit its {shape} input: {reason}", layer=layer,
                         shape=shape_text(sizes), reason=error.message)
            raise FieldError(path + ("kernel",), message) from None
        outs.append(out)
        steps.append(step)
    return tuple(outs), steps


def shared_step(own: tuple[int, ...], shared: Weight, bias_formula: Formula | None, biases: int,
                path: FieldPath) -> Step:
    """The parameters of a layer whose weight is an earlier layer's: its own bias only."""
    if own != shared.shape:
        message = tr("this layer's weight is {shape} but layer {layer} ({name}) has a {other} weight: a shared "
                     "weight must have the same shape", shape=shape_text(own), layer=shared.layer, name=shared.name,
                     other=shape_text(shared.shape))
        raise FieldError(path + ("share",), message)
    size = "×".join(grouped(n) for n in own)
    return Step(
        StepKind.EVALUATE, tr("Parameters"), bias_formula, None, biases,
        # Translators: {size} is a shape such as 10×84, {layer} a layer number, {name} its name
        note=tr("The {size} weight ({count} values) is layer {layer}'s ({name}): one matrix used twice, counted "
                "once, at that layer (as PyTorch's model.parameters() yields a shared tensor once); this layer "
                "adds its own {biases} biases.", size=size, count=grouped(prod(own)), layer=shared.layer,
                name=shared.name, biases=grouped(biases)) if biases
        else tr("The {size} weight ({count} values) is layer {layer}'s ({name}): one matrix used twice, counted "
                "once, at that layer (as PyTorch's model.parameters() yields a shared tensor once); no bias.",
                size=size, count=grouped(prod(own)), layer=shared.layer, name=shared.name),
    )


def conv(layer: CnnConv, flow: Flow, axis_names: tuple[str, ...], path: FieldPath,
         shared: Weight | None) -> SolvedLayer:
    """A convolution: output sizes (when known) and C_out·(C_in/g)·∏k + C_out parameters."""
    dims = len(axis_names)
    kernel = per_dim(layer.kernel, dims, path + ("kernel",))
    stride = per_dim(layer.stride, dims, path + ("stride",))
    dilation = per_dim(layer.dilation, dims, path + ("dilation",))
    padding = layer.padding if isinstance(layer.padding, str) else per_dim(layer.padding, dims, path + ("padding",))
    c_in, c_out, g = flow.sizes[0], layer.out_channels, layer.groups
    assert c_in is not None  # feature maps always know their channels
    check_groups(g, {tr("its input channels C_in"): c_in, "out_channels": c_out}, path + ("groups",))
    check_same(padding, stride, path + ("padding",))
    steps: list[Step] = []
    out: tuple[int | None, ...] = (c_out, *(None,) * dims)
    if flow.known:
        spatial, steps = _spatial_steps(axis_names, flow.ints, kernel, stride, dilation, padding, path)
        out = (c_out, *spatial)
        steps.append(Step(StepKind.EVALUATE, tr("Output shape"), _output_shape("C_out", axis_names), None,
                          shape_text(out)))
    weight_formula, weight_numbers, weights = conv_weights(c_in, c_out, kernel, g)
    weight_shape = (c_out, c_in // g, *kernel)
    biases = c_out if layer.bias else 0
    if shared is not None:
        steps.append(shared_step(weight_shape, shared, C_OUT if layer.bias else None, biases, path))
        params = biases
    else:
        steps.append(
            Step(
                StepKind.EVALUATE,
                tr("Parameters"),
                weight_formula + C_OUT if layer.bias else weight_formula,
                weight_numbers + Number(c_out) if layer.bias else weight_numbers,
                weights + biases,
                note=filters_note(c_out, shape_text((c_in // g, *kernel)), g, c_in, layer.bias),
            )
        )
        params = weights + biases
    note = tr(SAME_NOTE) if padding == "same" else ""
    return SolvedLayer(Flow("maps", out), params, steps, note, weight=weight_shape,
                       shared=weights if shared else 0)


def filters_note(c_out: int, window: str, g: int, c_in: int, bias: bool) -> str:
    """The weights of a conv layer in words: ``16 filters of 3×5×5 weights, plus 16 biases.``"""
    # Translators: {window} is a shape such as 3×5×5
    filters = ntr("{n} filter of {window} weights", "{n} filters of {window} weights", c_out, window=window)
    if g > 1:
        # Translators: {filters} is "16 filters of 3×5×5 weights"; C_in/g is a formula
        filters = tr("{filters} (each sees C_in/g = {per_group} of the {channels} channels)", filters=filters,
                     per_group=c_in // g, channels=c_in)
    return (tr("{filters}, plus {count} biases.", filters=filters, count=c_out) if bias
            else tr("{filters}; no bias.", filters=filters))


def pool(layer: CnnPool, flow: Flow, axis_names: tuple[str, ...], path: FieldPath) -> SolvedLayer:
    """Max or average pooling: output sizes (when known), no parameters."""
    dims = len(axis_names)
    kernel = per_dim(layer.kernel, dims, path + ("kernel",))
    stride = kernel if layer.stride is None else per_dim(layer.stride, dims, path + ("stride",))
    padding = per_dim(layer.padding, dims, path + ("padding",))
    dilation = per_dim(layer.dilation, dims, path + ("dilation",))
    if layer.type == "avgpool" and any(d != 1 for d in dilation):
        raise FieldError(path + ("dilation",),
                         tr("avgpool has no dilation (torch.nn.AvgPool has none); only maxpool does"))
    for k, p in zip(kernel, padding):
        if 2 * p > k:
            message = tr("padding {padding} is more than half the kernel {kernel}: pooling pads at most {most} per "
                         "side (as in PyTorch)", padding=p, kernel=k, most=f"⌊k/2⌋ = {k // 2}")
            raise FieldError(path + ("padding",), message)
    channels = flow.sizes[0]
    steps: list[Step] = []
    out: tuple[int | None, ...] = (channels, *(None,) * dims)
    if flow.known:
        spatial, steps = _spatial_steps(axis_names, flow.ints, kernel, stride, dilation, padding, path)
        out = (channels, *spatial)
        steps.append(
            Step(
                StepKind.EVALUATE, tr("Output shape"), _output_shape("C", axis_names), None, shape_text(out),
                note=ntr("Pooling works on each channel separately: the {n} channel stay.",
                         "Pooling works on each channel separately: the {n} channels stay.", channels or 0),
            )
        )
    steps.append(Step(StepKind.EVALUATE, tr("Parameters"), None, None, 0, note=pool_note(layer.type, kernel)))
    note = tr("The stride defaults to the kernel size, as in PyTorch.") if layer.stride is None else ""
    return SolvedLayer(Flow("maps", out), 0, steps, note)


def pool_note(kind: str, kernel: tuple[int, ...]) -> str:
    """Why a pooling layer has no parameters: what it does to each window."""
    # Translators: {window} is a size such as 2×2 ({size}: 2 in one dimension)
    if kind == "maxpool":
        return (tr("Pooling has no parameters: it takes the maximum of each {window} window (no weights, no "
                   "biases).", window=shape_text(kernel)) if len(kernel) > 1
                else tr("Pooling has no parameters: it takes the maximum of each window of {size} (no weights, no "
                        "biases).", size=kernel[0]))
    return (tr("Pooling has no parameters: it averages each {window} window (no weights, no biases).",
               window=shape_text(kernel)) if len(kernel) > 1
            else tr("Pooling has no parameters: it averages each window of {size} (no weights, no biases).",
                    size=kernel[0]))


def _inputs(layer: CnnDense, flow: Flow, axis_names: tuple[str, ...], path: FieldPath) -> tuple[int, list[Step]]:
    """The inputs of an fc layer (its ``in_features`` checked against them), with the flatten step."""
    if flow.form == "sequence":
        n_in: int | None = flow.sizes[1]
        where = tr("each position's embedding")
    else:
        n_in = flow.count
        where = tr("its {shape} input", shape=shape_text(flow.sizes)) if flow.known else tr("its input")
    if layer.in_features is not None and n_in is not None and layer.in_features != n_in:
        # Translators: {where} is "its 16×5×5 input" or "each position's embedding"
        message = tr("{given}, but {where} has {count} features", given=f"in_features = {grouped(layer.in_features)}",
                     where=where, count=grouped(n_in))
        raise FieldError(path + ("in_features",), message)
    if layer.in_features is None and n_in is None:
        message = tr("this fc layer's input size is unknown without the network's input_size: "
                     "give the layer's in_features (or the network's input_size)")
        raise FieldError(path, message)
    steps = []
    if flow.form == "maps" and flow.known and n_in is not None:  # (a known flow has its count)
        steps.append(
            Step(
                StepKind.EVALUATE,
                tr("Flatten"),
                op("·", "C", *axis_names),
                op("·", *flow.ints),
                n_in,
                note=tr("The {shape} feature maps become one vector of {count} values.", shape=shape_text(flow.sizes),
                        count=grouped(n_in)),
            )
        )
    elif flow.form == "maps":
        steps.append(Step(StepKind.EVALUATE, tr("Inputs (given)"), Name("in_features"), None, layer.in_features,
                          note=tr("Without an input size C·H·W is unknown: the layer's in_features says it.")))
    count = layer.in_features if n_in is None else n_in
    assert count is not None  # refused above
    return count, steps


def dense(layer: CnnDense, flow: Flow, axis_names: tuple[str, ...], path: FieldPath,
          shared: Weight | None) -> SolvedLayer:
    """A fully connected layer: on feature maps after flattening them, on a sequence at every position."""
    n_in, steps = _inputs(layer, flow, axis_names, path)
    n_out = layer.out_features
    if flow.form == "sequence":
        out = Flow("sequence", (flow.sizes[0], n_out))
        if out.known:
            steps.append(Step(StepKind.EVALUATE, tr("Output shape"), shape([Name("L"), Name("n_out")]), None,
                              shape_text(out.sizes),
                              note=tr("torch.nn.Linear acts on the last axis: the same W at every position.")))
    else:
        out = Flow("vector", (n_out,))
        steps.append(Step(StepKind.EVALUATE, tr("Output shape"), Name("n_out"), None, str(n_out)))
    weights, biases = n_out * n_in, n_out if layer.bias else 0
    if shared is not None:
        steps.append(shared_step((n_out, n_in), shared, Name("n_out") if layer.bias else None, biases, path))
    else:
        steps.append(
            Step(
                StepKind.EVALUATE,
                tr("Parameters"),
                linear_formula(layer.bias),
                linear_numbers(n_in, n_out, layer.bias),
                weights + biases,
                # Translators: {shape} is a matrix shape such as 120×400
                note=tr("W is {shape} and b has {count} entries.", shape=f"{grouped(n_out)}×{grouped(n_in)}",
                        count=grouped(n_out))
                if layer.bias else tr("W is {shape}; no bias.", shape=f"{grouped(n_out)}×{grouped(n_in)}"),
            )
        )
    params = biases if shared else weights + biases
    return SolvedLayer(out, params, steps, weight=(n_out, n_in), shared=weights if shared else 0)


def axes_text(flow: Flow, axis_names: tuple[str, ...]) -> str:
    """How a flow's axes are named: ``C×H×W``, ``features``, ``L×E``."""
    if flow.form == "maps":
        return "×".join(("C", *axis_names))
    return tr("features") if flow.form == "vector" else {"sequence": "L×E", "tokens": "L"}[flow.form]


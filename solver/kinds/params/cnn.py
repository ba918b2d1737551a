"""A small network layer by layer (conv, pooling, fc, flatten, activations, dropout, batch norm,
embedding), each with its output shape (when the input size is given) and its parameter count,
channels first as in PyTorch; a shared weight counted once."""

from __future__ import annotations

from typing import Any

from solver.errors import FieldError, FieldPath
from solver.formula import Name, op
from solver.i18n import grouped, mark, ntr, tr
from solver.kinds.params.cnn_extra import activation, batchnorm, describe_extra, dropout, embedding, flatten
from solver.kinds.params.cnn_layers import (
    Flow,
    SolvedLayer,
    Weight,
    axes_text,
    conv,
    dense,
    describe_window,
    pool,
    shape_text,
)
from solver.kinds.params.common import Solved, shape, total
from solver.kinds.params.conv import DIM_NAMES, OUTPUT_SIZE_RULE, per_dim
from solver.kinds.params.models import (
    WEIGHTED,
    CnnActivation,
    CnnBatchNorm,
    CnnConv,
    CnnDense,
    CnnDropout,
    CnnEmbedding,
    CnnFlatten,
    CnnNet,
    CnnPool,
)
from solver.trace import Answer, Given, Step, StepKind

LONG_TITLE = 60  # a layer heading longer than this gives its description in the note instead
NO_SIZE_NOTE = mark(
    "The output sizes cannot be computed without an input size; the parameters can: a layer's count "
    "depends only on its input channels (an fc layer after feature maps needs its in_features)."
)


def describe(layer: Any, dims: int, path: FieldPath) -> str:
    """A layer in a few words: ``conv 5×5, 16 filters, stride 1, padding 2``, ``fc, 10 outputs``."""
    if isinstance(layer, CnnDense):
        # Translators: fc is the layer type (keep it)
        text = ntr("fc, {count} output", "fc, {count} outputs", layer.out_features, count=grouped(layer.out_features))
        if layer.in_features is not None:
            text = f"fc, {grouped(layer.in_features)} → {grouped(layer.out_features)}"
        text = text if layer.bias else tr("{layer}, no bias", layer=text)
    elif isinstance(layer, CnnConv | CnnPool):
        text = describe_window(layer, dims, path)
    else:
        return describe_extra(layer)
    share = getattr(layer, "share", None)
    # Translators: {layer} describes a layer (conv 5×5, 16 filters); {name} is another layer's name
    return tr("{layer}, weight shared with {name}", layer=text, name=share) if share else text


def _dims(net: CnnNet, layers: tuple[Any, ...]) -> int:
    """Spatial dimensions: the input size's, else ``dims``, else the first per-dimension list, else 2."""
    if net.input_size is not None:
        dims = len(net.input_size) if isinstance(net.input_size, tuple) else 2
        if net.dims is not None and net.dims != dims:
            raise FieldError(("dims",), ntr("{dims}, but input_size has {n} value",
                                            "{dims}, but input_size has {n} values", dims, dims=f"dims = {net.dims}"))
        return dims
    if net.dims is not None:
        return net.dims
    for layer in layers:
        if isinstance(layer, CnnConv | CnnPool):
            for value in (layer.kernel, layer.stride, layer.padding, layer.dilation):
                if isinstance(value, tuple):
                    return len(value)
    return 2


def _start(net: CnnNet, layers: tuple[Any, ...]) -> tuple[Flow, int, list[Given], list[Step]]:
    """What enters the first layer: feature maps, a vector or token indices; with givens and opening steps."""
    if isinstance(layers[0], CnnEmbedding):
        for field, value in (("in_channels", net.in_channels), ("in_features", net.in_features)):
            if value is not None:
                raise FieldError((field,), tr("the first layer is an embedding: its input is token indices "
                                              "(give their number as input_size), not {field}", field=field))
        if isinstance(net.input_size, tuple) and len(net.input_size) != 1:
            raise FieldError(("input_size",), tr("an embedding reads a sequence: input_size is its length L, "
                                                 "one integer, got {count} values", count=len(net.input_size)))
        length = net.input_size[0] if isinstance(net.input_size, tuple) else net.input_size
        given = Given("input", tr("{count} token indices", count=length) if length else tr("token indices"),
                      "" if length else tr("no sequence length: output sizes are not computed"))
        step = Step(StepKind.CONVENTION, tr("Shapes are written L×E: positions × features"),
                    note=tr("An fc layer acts on each position's E features (torch.nn.Linear on the last axis); "
                            "flatten makes one vector of L·E values."))
        return Flow("tokens", (length,)), 1, [given], [step]
    if net.in_features is not None:
        for field, value in (("in_channels", net.in_channels), ("input_size", net.input_size)):
            if value is not None:
                raise FieldError((field,), tr("in_features makes the input a vector: it has no {field}", field=field))
        features = Given("input", tr("{count} features", count=grouped(net.in_features)))
        return Flow("vector", (net.in_features,)), 1, [features], []
    if net.in_channels is None:
        message = tr("missing required field: in_channels (or in_features for a vector input)")
        raise FieldError(("in_channels",), message)
    dims = _dims(net, layers)
    axes = "×".join(("C", *DIM_NAMES[dims]))
    steps = [
        Step(
            StepKind.CONVENTION,
            # Translators: {axes} is a shape such as C×H×W
            tr("Shapes are written {axes}: channels first, as in PyTorch", axes=axes),
            note=tr("An fc layer flattens its input in this order (torch.flatten) into one vector."),
        )
    ]
    if net.input_size is None:
        flow = Flow("maps", (net.in_channels, *(None,) * dims))
        givens = [Given("input", ntr("{n} channel ({axes})", "{n} channels ({axes})", net.in_channels, axes=axes),
                        tr("no input size: output sizes are not computed"))]
        steps.append(Step(StepKind.CONVENTION, tr("No input size: parameters only"), note=tr(NO_SIZE_NOTE)))
        return flow, dims, givens, steps
    sizes = (net.in_channels, *per_dim(net.input_size, dims, ("input_size",)))
    if any(isinstance(layer, CnnConv | CnnPool) for layer in layers):
        steps.append(
            Step(
                StepKind.RULE,
                tr("Output size of a convolution or pooling layer (per dimension)"),
                OUTPUT_SIZE_RULE,
                note=tr("n input size, p zero padding per side, d dilation, k kernel size, s stride. The floor drops "
                        "a last window that would not fit (PyTorch's default: ceil mode off). Pooling uses its own "
                        "k and s, with d = 1 unless given."),
            )
        )
    return Flow("maps", sizes), dims, [Given("input", f"{shape_text(sizes)} ({axes})")], steps


def _shared(layer: Any, i: int, layers: tuple[Any, ...], weights: dict[str, Weight], path: FieldPath) -> Weight | None:
    """The earlier layer's weight this layer uses (``share``), checking the names."""
    name = getattr(layer, "name", None)
    if name is not None and name in weights:
        raise FieldError(path + ("name",), tr("layer {layer} is already called {name}", layer=weights[name].layer,
                                                 name=repr(name)))
    share = getattr(layer, "share", None)
    if share is None:
        return None
    if share in weights:
        return weights[share]
    later = [j for j, other in enumerate(layers, 1) if j >= i and getattr(other, "name", None) == share]
    if later:
        message = tr("layer {layer} is {name}: a layer may share the weight of an earlier layer only",
                     layer=later[0], name=repr(share))
    else:
        known = ", ".join(map(repr, weights)) or tr("none")
        message = tr("no earlier layer is called {name} (names so far: {names})", name=repr(share), names=known)
    raise FieldError(path + ("share",), message)


def _layer(layer: Any, flow: Flow, axis_names: tuple[str, ...], path: FieldPath, shared: Weight | None,
           previous: str) -> SolvedLayer:
    """Solve one layer on the flow it receives."""
    if isinstance(layer, CnnEmbedding) or flow.form == "tokens":
        if not isinstance(layer, CnnEmbedding):
            raise FieldError(path + ("type",), tr("only an embedding reads token indices"))
        return embedding(layer, flow, path, shared)
    if isinstance(layer, CnnDense):
        return dense(layer, flow, axis_names, path, shared)
    if isinstance(layer, CnnActivation):
        return activation(layer, flow)
    if isinstance(layer, CnnDropout):
        return dropout(layer, flow)
    if isinstance(layer, CnnFlatten):
        return flatten(flow, axis_names)
    if isinstance(layer, CnnBatchNorm):
        return batchnorm(layer, flow, path)
    if flow.form != "maps":
        axes = "×".join(("C", *axis_names))
        output = tr("a vector") if flow.form == "vector" else tr("L×E (positions × features)")
        # Translators: {type} is a layer type (conv, maxpool); {axes} a shape such as C×H×W; {output} "a vector"
        message = (tr("a {type} layer needs {axes} feature maps, but layer {layer} outputs {output}", type=layer.type,
                      axes=axes, layer=previous, output=output) if previous
                   else tr("a {type} layer needs {axes} feature maps, but the input is {output}", type=layer.type,
                           axes=axes, output=output))
        raise FieldError(path + ("type",), message)
    if isinstance(layer, CnnConv):
        return conv(layer, flow, axis_names, path, shared)
    return pool(layer, flow, axis_names, path)


def solve_cnn(net: CnnNet) -> Solved:
    """Follow the input through every layer: output shapes, parameters per layer, the total."""
    if net.layers is None:
        raise FieldError(("layers",), tr("missing required field: the list of layers"))
    if not net.layers:
        raise FieldError(("layers",), tr("expected at least one layer, got an empty list"))
    layers = net.layers
    flow, dims, givens, steps = _start(net, layers)
    axis_names = DIM_NAMES[dims]
    descriptions = [describe(layer, dims, ("layers", i)) for i, layer in enumerate(layers)]
    givens += [Given(f"layer{i}", text) for i, text in enumerate(descriptions, 1)]
    answers: list[Answer] = []
    counts, buffers, shared_total = [], [], 0
    weights: dict[str, Weight] = {}
    for i, layer in enumerate(layers, 1):
        path: FieldPath = ("layers", i - 1)
        shared = _shared(layer, i, layers, weights, path)
        previous = f"{i - 1} ({layers[i - 2].type})" if i > 1 else ""
        solved = _layer(layer, flow, axis_names, path, shared, previous)
        if isinstance(layer, WEIGHTED) and layer.name is not None:
            assert solved.weight is not None
            weights[layer.name] = shared or Weight(i, layer.name, solved.weight)
        counts.append(solved.params)
        buffers.append(solved.buffers)
        shared_total += solved.shared
        substeps = solved.steps
        if i > 1 and solved.params:
            so_far = sum(counts)
            substeps.append(
                Step(StepKind.SUM, tr("Parameters of layers 1–{layer}", layer=i), None,
                     total([so_far - solved.params, solved.params]),
                     so_far)
            )
        name = getattr(layer, "name", None)
        # Translators: {layer} is a layer number, {description} a layer in a few words
        title, note = tr("Layer {layer}: {description}", layer=i, description=descriptions[i - 1]) \
            + (f" ({name})" if name else ""), solved.note
        if len(title) > LONG_TITLE:  # keep the heading on one line; the note wraps
            title, note = tr("Layer {layer}: {description}", layer=i, description=layer.type), \
                f"{descriptions[i - 1]}. {note}".strip()
        arrow = op("→", shape(flow.ints), shape(solved.flow.ints)) if flow.known and solved.flow.known else None
        steps.append(Step(StepKind.GROUP, title, arrow, note=note, substeps=tuple(substeps)))
        flow = solved.flow
        if flow.known:
            axes = axes_text(flow, axis_names)
            answers.append(Answer(f"shape{i}", shape_text(flow.sizes),
                                  tr("output of layer {layer} ({axes})", layer=i, axes=axes)))
        what = tr("parameters of layer {layer}", layer=i)
        if shared:
            what = tr("parameters of layer {layer} (weight: layer {shared}'s)", layer=i, shared=shared.layer)
        answers.append(Answer(f"params{i}", solved.params, what))
    count = sum(counts)
    steps.append(_total(counts, bool(sum(buffers) or shared_total)))
    head = [Answer("total", count, tr("parameters of the network (trainable)") if sum(buffers)
                   else tr("parameters of the network"))]
    if sum(buffers):
        more = _running(buffers, count)
        steps += more
        head += [Answer("running_stats", sum(buffers), tr("running means and variances (not trainable)")),
                 Answer("keras_total", count + sum(buffers), tr("trainable and non-trainable, as Keras counts"))]
    if shared_total:
        steps.append(
            Step(
                StepKind.COMPARE,
                tr("For comparison: a shared weight counted at every layer using it"),
                op("+", "total", "shared"),
                total([count, shared_total]),
                count + shared_total,
                note=tr("Adding up each layer's weights would count the {shared} shared values twice; they are one "
                        "set of parameters (one gradient, one update), so the network has {count}. Summary tables "
                        "that add per-layer counts can show the larger number.", shared=grouped(shared_total),
                        count=grouped(count)),
            )
        )
        head += [Answer("shared", shared_total, tr("values of shared weights, counted once")),
                 Answer("layerwise_total", count + shared_total, tr("a shared weight counted at each use"))]
    return givens, steps, head + answers


def _running(buffers: list[int], count: int) -> list[Step]:
    """The running statistics of the batch norms (not trainable), and Keras' total with them."""
    layers = [i for i, b in enumerate(buffers, 1) if b]
    statistics = sum(buffers)
    return [
        Step(
            StepKind.SUM,
            tr("Running statistics (not trainable)"),
            None,
            total([buffers[i - 1] for i in layers]) if len(layers) > 1 else None,
            statistics,
            # Translators: {layers} is a list of layer numbers such as "2, 5"
            note=ntr("The running mean and variance of the batch norm (layer {layers}): not parameters in PyTorch's "
                     "count.", "The running mean and variance of the batch norms (layers {layers}): not parameters "
                     "in PyTorch's count.", len(layers), layers=", ".join(map(str, layers))),
        ),
        Step(
            StepKind.COMPARE,
            tr("For comparison: Keras' total (trainable + non-trainable)"),
            None,
            total([count, statistics]),
            count + statistics,
            note=tr("Keras' model.summary() counts the running statistics as non-trainable parameters."),
        ),
    ]


def _total(counts: list[int], trainable: bool) -> Step:
    """The sum over the layers that have parameters (the others named in the note)."""
    counted = [i for i, c in enumerate(counts, 1) if c] or [1]
    empty = [str(i) for i, c in enumerate(counts, 1) if not c]
    notes = []
    if empty:
        # Translators: {layers} is a list of layer numbers such as "2, 5"
        notes.append(ntr("Layer {layers} has no parameters.", "Layers {layers} have no parameters.", len(empty),
                         layers=", ".join(empty)))
    if trainable:
        notes.append(tr("Trainable parameters, each counted once: PyTorch's sum(p.numel() for p in "
                        "model.parameters())."))
    return Step(
        StepKind.SUM,
        ntr("Total over {n} layer", "Total over {n} layers", len(counts)),
        total([Name(f"params{i}") for i in counted]),
        total([counts[i - 1] for i in counted]) if len(counted) > 1 else None,
        sum(counts),
        note=" ".join(notes),
    )

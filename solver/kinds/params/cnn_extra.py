"""The layers of a ``cnn`` stack besides conv, pooling and fc: activations, dropout and flatten (no
parameters), batch norm (γ and β trainable, running statistics not) and an embedding table."""

from __future__ import annotations

from solver.errors import FieldError, FieldPath
from solver.formula import Name, Number, op
from solver.kinds.params.cnn_layers import Flow, SolvedLayer, Weight, shape_text, shared_step
from solver.kinds.params.common import shape
from solver.kinds.params.models import CnnActivation, CnnBatchNorm, CnnDropout, CnnEmbedding, CnnFlatten
from solver.trace import Step, StepKind

ACTIVATION_NAMES = {"relu": "ReLU", "leakyrelu": "LeakyReLU", "elu": "ELU", "gelu": "GELU", "sigmoid": "sigmoid",
                    "tanh": "tanh", "softmax": "softmax"}
RUNNING_NOTE = (
    "The running mean and variance (one each per channel) are updated by averaging while training, not by "
    "gradient descent: they are not trainable. PyTorch keeps them as buffers, outside model.parameters() "
    "(with a counter of batches seen); Keras lists them as non-trainable parameters."
)


def describe_extra(layer: CnnActivation | CnnDropout | CnnFlatten | CnnBatchNorm | CnnEmbedding) -> str:
    """A parameter-free, batch-norm or embedding layer in a few words."""
    if isinstance(layer, CnnActivation):
        return ACTIVATION_NAMES[layer.type]
    if isinstance(layer, CnnDropout):
        return f"dropout, p = {layer.p}"
    if isinstance(layer, CnnFlatten):
        return "flatten"
    if isinstance(layer, CnnBatchNorm):
        parts = ["batch norm"]
        if layer.num_features is not None:
            parts.append(f"{layer.num_features:,} features")
        if not layer.affine:
            parts.append("no γ, β")
        return ", ".join(parts)
    text = f"embedding, {layer.num_embeddings:,} tokens × {layer.embedding_dim:,}"
    return text + (f", weight shared with {layer.share}" if layer.share else "")


def activation(layer: CnnActivation, flow: Flow) -> SolvedLayer:
    """An activation: same shape, no parameters."""
    name = ACTIVATION_NAMES[layer.type]
    how = "along the features of each position" if layer.type == "softmax" else "to every entry on its own"
    note = f"{name} is a fixed function applied {how}: no parameters."
    return SolvedLayer(flow, 0, [Step(StepKind.EVALUATE, "Parameters", None, None, 0, note=note)])


def dropout(layer: CnnDropout, flow: Flow) -> SolvedLayer:
    """Dropout: same shape, no parameters."""
    note = (f"Dropout zeroes each entry with probability p = {layer.p} while training (and scales the rest by "
            "1/(1 − p)); at evaluation it is the identity. No parameters.")
    return SolvedLayer(flow, 0, [Step(StepKind.EVALUATE, "Parameters", None, None, 0, note=note)])


def flatten(flow: Flow, axis_names: tuple[str, ...]) -> SolvedLayer:
    """Flatten: one vector of every value, in PyTorch's order (torch.nn.Flatten); no parameters."""
    steps = []
    if flow.form == "vector":
        note = "The input is already a vector: flatten leaves it as it is."
    elif flow.known:
        names = ("C", *axis_names) if flow.form == "maps" else ("L", "E")
        steps.append(Step(StepKind.EVALUATE, "Output size", op("·", *names), op("·", *flow.ints), flow.count))
        note = f"The {shape_text(flow.sizes)} values become one vector, last axis fastest (torch.flatten)."
    else:
        note = "Without an input size the length of the vector cannot be computed."
    steps.append(Step(StepKind.EVALUATE, "Parameters", None, None, 0, note="Flatten only reorders: no parameters."))
    return SolvedLayer(Flow("vector", (flow.count,)), 0, steps, note)


def batchnorm(layer: CnnBatchNorm, flow: Flow, path: FieldPath) -> SolvedLayer:
    """Batch norm over the channels (maps) or features (a vector): 2·C trainable, 2·C running statistics."""
    if flow.form == "sequence":
        message = ("batch norm after an embedding is not supported: torch.nn.BatchNorm1d would normalize an "
                   "N×L×E tensor over its positions L, not its features")
        raise FieldError(path + ("type",), message)
    channels = flow.sizes[0]
    word = "channel" if flow.form == "maps" else "feature"
    if layer.num_features is not None and channels is not None and layer.num_features != channels:
        message = f"num_features = {layer.num_features:,}, but its input has {channels:,} {word}s"
        raise FieldError(path + ("num_features",), message)
    if channels is None and layer.num_features is None:
        message = ("this batch norm's input size is unknown without the network's input_size: "
                   "give its num_features (or the network's input_size)")
        raise FieldError(path, message)
    c = channels if channels is not None else layer.num_features
    assert c is not None
    two_c, numbers = op("juxtapose", 2, Name("C")), Number(2) * Number(c)
    params = 2 * c if layer.affine else 0
    steps = []
    if layer.affine:
        steps.append(Step(StepKind.EVALUATE, "Parameters (trainable)", two_c, numbers, params,
                          note=f"A scale γ and a shift β per {word}, learned by gradient descent."))
    else:
        steps.append(Step(StepKind.EVALUATE, "Parameters (trainable)", None, None, 0,
                          note="affine: false — no γ and β, so nothing is learned."))
    steps.append(Step(StepKind.EVALUATE, "Running statistics (not trainable)", two_c, numbers, 2 * c,
                      note=RUNNING_NOTE))
    return SolvedLayer(flow, params, steps, buffers=2 * c)


def embedding(layer: CnnEmbedding, flow: Flow, path: FieldPath, shared: Weight | None) -> SolvedLayer:
    """An embedding table: V·E parameters; L token indices become L×E."""
    if flow.form != "tokens":
        message = "an embedding reads token indices, so it must be the first layer"
        raise FieldError(path + ("type",), message)
    v, e = layer.num_embeddings, layer.embedding_dim
    out = Flow("sequence", (flow.sizes[0], e))
    steps = []
    if out.known:
        steps.append(Step(StepKind.EVALUATE, "Output shape", shape([Name("L"), Name("E")]), None,
                          shape_text(out.sizes), note="Each of the L tokens becomes its row of the table."))
    if shared is not None:
        steps.append(shared_step((v, e), shared, None, 0, path))
        return SolvedLayer(out, 0, steps, weight=(v, e), shared=v * e)
    steps.append(
        Step(StepKind.EVALUATE, "Parameters", Name("V") * Name("E"), Number(v) * Number(e), v * e,
             note=f"A table of V = {v:,} rows, one per token, each a vector of E = {e:,} numbers; no bias.")
    )
    return SolvedLayer(out, v * e, steps, weight=(v, e))

"""The layers of a ``cnn`` stack besides conv, pooling and fc: activations, dropout and flatten (no
parameters), batch norm (γ and β trainable, running statistics not) and an embedding table."""

from __future__ import annotations

from solver.errors import FieldError, FieldPath
from solver.formula import Name, Number, op
from solver.i18n import grouped, mark, tr
from solver.kinds.params.cnn_layers import Flow, SolvedLayer, Weight, shape_text, shared_step
from solver.kinds.params.common import shape
from solver.kinds.params.models import CnnActivation, CnnBatchNorm, CnnDropout, CnnEmbedding, CnnFlatten
from solver.trace import Step, StepKind

ACTIVATION_NAMES = {"relu": "ReLU", "leakyrelu": "LeakyReLU", "elu": "ELU", "gelu": "GELU", "sigmoid": "sigmoid",
                    "tanh": "tanh", "softmax": "softmax"}
RUNNING_NOTE = mark(
    "The running mean and variance (one each per channel) are updated by averaging while training, not by "
    "gradient descent: they are not trainable. PyTorch keeps them as buffers, outside model.parameters() "
    "(with a counter of batches seen); Keras lists them as non-trainable parameters."
)


def describe_extra(layer: CnnActivation | CnnDropout | CnnFlatten | CnnBatchNorm | CnnEmbedding) -> str:
    """A parameter-free, batch-norm or embedding layer in a few words."""
    if isinstance(layer, CnnActivation):
        return ACTIVATION_NAMES[layer.type]
    if isinstance(layer, CnnDropout):
        # Translators: {p} is a formula such as p = 0.5
        return tr("dropout, {p}", p=f"p = {layer.p}")
    if isinstance(layer, CnnFlatten):
        return tr("flatten")
    if isinstance(layer, CnnBatchNorm):
        parts = [tr("batch norm")]
        if layer.num_features is not None:
            parts.append(tr("{count} features", count=grouped(layer.num_features)))
        if not layer.affine:
            parts.append(tr("no γ, β"))
        return ", ".join(parts)
    text = tr("embedding, {tokens} tokens × {size}", tokens=grouped(layer.num_embeddings),
              size=grouped(layer.embedding_dim))
    # Translators: {layer} describes a layer (conv 5×5, 16 filters); {name} is another layer's name
    return tr("{layer}, weight shared with {name}", layer=text, name=layer.share) if layer.share else text


def activation(layer: CnnActivation, flow: Flow) -> SolvedLayer:
    """An activation: same shape, no parameters."""
    name = ACTIVATION_NAMES[layer.type]
    # Translators: {name} is an activation function such as ReLU
    note = (tr("{name} is a fixed function applied along the features of each position: no parameters.", name=name)
            if layer.type == "softmax"
            else tr("{name} is a fixed function applied to every entry on its own: no parameters.", name=name))
    return SolvedLayer(flow, 0, [Step(StepKind.EVALUATE, tr("Parameters"), None, None, 0, note=note)])


def dropout(layer: CnnDropout, flow: Flow) -> SolvedLayer:
    """Dropout: same shape, no parameters."""
    # Translators: {p} is a formula such as p = 0.5; 1/(1 − p) is a formula too
    note = tr("Dropout zeroes each entry with probability {p} while training (and scales the rest by 1/(1 − p)); at "
              "evaluation it is the identity. No parameters.", p=f"p = {layer.p}")
    return SolvedLayer(flow, 0, [Step(StepKind.EVALUATE, tr("Parameters"), None, None, 0, note=note)])


def flatten(flow: Flow, axis_names: tuple[str, ...]) -> SolvedLayer:
    """Flatten: one vector of every value, in PyTorch's order (torch.nn.Flatten); no parameters."""
    steps = []
    if flow.form == "vector":
        note = tr("The input is already a vector: flatten leaves it as it is.")
    elif flow.known:
        names = ("C", *axis_names) if flow.form == "maps" else ("L", "E")
        steps.append(Step(StepKind.EVALUATE, tr("Output size"), op("·", *names), op("·", *flow.ints), flow.count))
        note = tr("The {shape} values become one vector, last axis fastest (torch.flatten).",
                  shape=shape_text(flow.sizes))
    else:
        note = tr("Without an input size the length of the vector cannot be computed.")
    steps.append(Step(StepKind.EVALUATE, tr("Parameters"), None, None, 0,
                      note=tr("Flatten only reorders: no parameters.")))
    return SolvedLayer(Flow("vector", (flow.count,)), 0, steps, note)


def batchnorm(layer: CnnBatchNorm, flow: Flow, path: FieldPath) -> SolvedLayer:
    """Batch norm over the channels (maps) or features (a vector): 2·C trainable, 2·C running statistics."""
    if flow.form == "sequence":
        message = tr("batch norm after an embedding is not supported: torch.nn.BatchNorm1d would normalize an "
                     "N×L×E tensor over its positions L, not its features")
        raise FieldError(path + ("type",), message)
    channels = flow.sizes[0]
    maps = flow.form == "maps"
    if layer.num_features is not None and channels is not None and layer.num_features != channels:
        given = f"num_features = {grouped(layer.num_features)}"
        message = (tr("{given}, but its input has {count} channels", given=given, count=grouped(channels)) if maps
                   else tr("{given}, but its input has {count} features", given=given, count=grouped(channels)))
        raise FieldError(path + ("num_features",), message)
    if channels is None and layer.num_features is None:
        message = tr("this batch norm's input size is unknown without the network's input_size: "
                     "give its num_features (or the network's input_size)")
        raise FieldError(path, message)
    c = channels if channels is not None else layer.num_features
    assert c is not None
    two_c, numbers = op("juxtapose", 2, Name("C")), Number(2) * Number(c)
    params = 2 * c if layer.affine else 0
    steps = []
    if layer.affine:
        steps.append(Step(StepKind.EVALUATE, tr("Parameters (trainable)"), two_c, numbers, params,
                          note=tr("A scale γ and a shift β per channel, learned by gradient descent.") if maps
                          else tr("A scale γ and a shift β per feature, learned by gradient descent.")))
    else:
        steps.append(Step(StepKind.EVALUATE, tr("Parameters (trainable)"), None, None, 0,
                          note=tr("affine: false — no γ and β, so nothing is learned.")))
    steps.append(Step(StepKind.EVALUATE, tr("Running statistics (not trainable)"), two_c, numbers, 2 * c,
                      note=tr(RUNNING_NOTE)))
    return SolvedLayer(flow, params, steps, buffers=2 * c)


def embedding(layer: CnnEmbedding, flow: Flow, path: FieldPath, shared: Weight | None) -> SolvedLayer:
    """An embedding table: V·E parameters; L token indices become L×E."""
    if flow.form != "tokens":
        message = tr("an embedding reads token indices, so it must be the first layer")
        raise FieldError(path + ("type",), message)
    v, e = layer.num_embeddings, layer.embedding_dim
    out = Flow("sequence", (flow.sizes[0], e))
    steps = []
    if out.known:
        steps.append(Step(StepKind.EVALUATE, tr("Output shape"), shape([Name("L"), Name("E")]), None,
                          shape_text(out.sizes), note=tr("Each of the L tokens becomes its row of the table.")))
    if shared is not None:
        steps.append(shared_step((v, e), shared, None, 0, path))
        return SolvedLayer(out, 0, steps, weight=(v, e), shared=v * e)
    steps.append(
        Step(StepKind.EVALUATE, tr("Parameters"), Name("V") * Name("E"), Number(v) * Number(e), v * e,
             # Translators: {rows} and {size} are formulas such as V = 1,000 and E = 64
             note=tr("A table of {rows} rows, one per token, each a vector of {size} numbers; no bias.",
                     rows=f"V = {grouped(v)}", size=f"E = {grouped(e)}"))
    )
    return SolvedLayer(out, v * e, steps, weight=(v, e))

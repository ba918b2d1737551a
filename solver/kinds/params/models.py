"""The networks a ``params`` problem describes: one spec dataclass per model, chosen by ``model``.

Recurrent stacks (RNN, LSTM, GRU), fully connected networks, one convolution layer, and a small network
whose layers (conv, pooling, fc, flatten, activations, dropout, batch norm, embedding) are chosen by
their ``type``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from solver.errors import FieldError, show_value
from solver.fields import Count, Flag, Padding, PerDim, PerDimNonNegative, Tagged, Validated
from solver.i18n import tr

FORBID_EXTRA: dict[str, Any] = {"extra": "forbid"}

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
GATE_NAMES = {"rnn": "", "lstm": " (i, f, g, o)", "gru": " (r, z, n)"}
CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
Convention = Literal["textbook", "pytorch", "keras"]
CONVENTIONS: tuple[Convention, ...] = ("textbook", "pytorch", "keras")


@dataclass(frozen=True)
class RecurrentNet:
    """A stack of RNN, LSTM or GRU layers."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    model: Literal["rnn", "lstm", "gru"]
    hidden: Count
    input: Count
    layers: Count = 1
    bidirectional: Flag = False
    convention: Convention = "textbook"


@dataclass(frozen=True)
class DenseNet:
    """A fully connected network given by its layer sizes, input first."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    model: Literal["fc"]
    sizes: list[Count]
    bias: Flag = True


@dataclass(frozen=True)
class ConvLayer:
    """One convolution layer; with ``input_size`` the output size is derived too."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    model: Literal["conv"]
    in_channels: Count
    out_channels: Count
    kernel: PerDim
    dims: Literal[1, 2, 3] | None = None
    bias: Flag = True
    groups: Count = 1
    input_size: PerDim | None = None
    stride: PerDim = 1
    padding: Padding = 0
    dilation: PerDim = 1


def _probability(value: Any) -> str:
    """A probability as written (``0.5``, ``1/2``), checked to lie in [0, 1] (Fraction parses, never evaluates)."""
    from fractions import Fraction

    try:
        number = None if isinstance(value, bool) else Fraction(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, ZeroDivisionError):
        number = None
    if number is None or not 0 <= number <= 1:
        raise ValueError(tr("expected a probability from 0 to 1, got {value}", value=show_value(value)))
    return value.strip() if isinstance(value, str) else str(value)


def _layer_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise ValueError(tr("expected a layer name (text of 1 to 40 characters), got {value}",
                            value=show_value(value)))
    return value


Probability = Annotated[str, Validated(_probability)]
LayerName = Annotated[str, Validated(_layer_name)]


@dataclass(frozen=True)
class CnnConv:
    """A convolution layer of a ``cnn`` stack; its input channels are the previous layer's output channels."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    type: Literal["conv"]
    out_channels: Count
    kernel: PerDim
    stride: PerDim = 1
    padding: Padding = 0
    dilation: PerDim = 1
    groups: Count = 1
    bias: Flag = True
    name: LayerName | None = None
    share: LayerName | None = None  # the name of an earlier layer whose weight this layer uses


@dataclass(frozen=True)
class CnnPool:
    """A max- or average-pooling layer of a ``cnn`` stack; the stride defaults to the kernel (as in PyTorch)."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    type: Literal["maxpool", "avgpool"]
    kernel: PerDim
    stride: PerDim | None = None
    padding: PerDimNonNegative = 0
    dilation: PerDim = 1  # maxpool only: torch.nn.AvgPool has none


@dataclass(frozen=True)
class CnnDense:
    """A fully connected layer of a ``cnn`` stack: flatten the input (or act on each position), then W·x + b."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    type: Literal["fc"]
    out_features: Count
    bias: Flag = True
    in_features: Count | None = None  # checked against the input when known; needed when it is not
    name: LayerName | None = None
    share: LayerName | None = None


ACTIVATIONS = ("relu", "leakyrelu", "elu", "gelu", "sigmoid", "tanh", "softmax")


@dataclass(frozen=True)
class CnnActivation:
    """An activation function applied entry by entry (softmax: along the features): no parameters."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    type: Literal["relu", "leakyrelu", "elu", "gelu", "sigmoid", "tanh", "softmax"]


@dataclass(frozen=True)
class CnnFlatten:
    """Flatten feature maps (or an embedded sequence) into one vector, in PyTorch's order."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    type: Literal["flatten"]


@dataclass(frozen=True)
class CnnDropout:
    """Dropout: zeroes entries at random while training; no parameters."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    type: Literal["dropout"]
    p: Probability = "0.5"


@dataclass(frozen=True)
class CnnBatchNorm:
    """Batch normalization over the channels (or features): γ and β trainable, running mean and variance not."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    type: Literal["batchnorm"]
    num_features: Count | None = None  # checked against the input's channels; needed when they are unknown
    affine: Flag = True  # false: no γ and β (torch's affine=False)


@dataclass(frozen=True)
class CnnEmbedding:
    """An embedding table: the first layer, turning each of L token indices into a vector."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    type: Literal["embedding"]
    num_embeddings: Count
    embedding_dim: Count
    name: LayerName | None = None
    share: LayerName | None = None


CNN_LAYERS: dict[str, type] = {
    "conv": CnnConv, "maxpool": CnnPool, "avgpool": CnnPool, "fc": CnnDense, "flatten": CnnFlatten,
    **{name: CnnActivation for name in ACTIVATIONS}, "dropout": CnnDropout, "batchnorm": CnnBatchNorm,
    "embedding": CnnEmbedding,
}
WEIGHTED = (CnnConv, CnnDense, CnnEmbedding)
"""The layer types with a weight another layer may share (``name`` and ``share``)."""


@dataclass(frozen=True)
class CnnNet:
    """A small network applied in order to a C×H×W input (channels first), a vector, or token indices."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    model: Literal["cnn"]
    input_size: PerDim | None = None  # one per spatial dimension; an integer means a square 2D input
    in_channels: Count | None = None
    layers: tuple[Annotated[Any, Tagged("type", CNN_LAYERS)], ...] | None = None
    in_features: Count | None = None  # a vector input instead of feature maps
    dims: Literal[1, 2, 3] | None = None  # spatial dimensions when there is no input_size


MODELS: dict[str, type] = {
    "rnn": RecurrentNet, "lstm": RecurrentNet, "gru": RecurrentNet, "fc": DenseNet, "conv": ConvLayer, "cnn": CnnNet,
}


def given_type(raw: Any) -> type:
    """The spec dataclass for ``given``, chosen by its ``model`` field."""
    model = raw.get("model") if isinstance(raw, dict) else None
    if model is None:
        raise FieldError(("model",), tr("missing required field: one of {choices}", choices=", ".join(MODELS)))
    if not (isinstance(model, str) and model in MODELS):
        raise FieldError(("model",), tr("expected one of {choices}, got {value}", choices=", ".join(MODELS),
                                        value=show_value(model)))
    return MODELS[model]

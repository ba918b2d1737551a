"""The networks a ``params`` problem describes: one spec dataclass per model, chosen by ``model``.

Recurrent stacks (RNN, LSTM, GRU), fully connected networks, one convolution layer, and a small CNN
whose layers (conv, pooling, fc) are chosen by their ``type``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from solver.errors import FieldError, show_value
from solver.fields import Count, Flag, Padding, PerDim, PerDimNonNegative, Tagged

FORBID_EXTRA: dict[str, Any] = {"extra": "forbid"}

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
GATE_NAMES = {"rnn": "", "lstm": " (i, f, g, o)", "gru": " (r, z, n)"}
CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
CONVENTIONS = ("textbook", "pytorch", "keras")


@dataclass(frozen=True)
class RecurrentNet:
    """A stack of RNN, LSTM or GRU layers."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    model: Literal["rnn", "lstm", "gru"]
    hidden: Count
    input: Count
    layers: Count = 1
    bidirectional: Flag = False
    convention: Literal["textbook", "pytorch", "keras"] = "textbook"


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
    """A fully connected layer of a ``cnn`` stack: flatten the input, then W·x + b."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    type: Literal["fc"]
    out_features: Count
    bias: Flag = True


CNN_LAYERS: dict[str, type] = {"conv": CnnConv, "maxpool": CnnPool, "avgpool": CnnPool, "fc": CnnDense}


@dataclass(frozen=True)
class CnnNet:
    """A small CNN: conv, pooling and fc layers applied in order to a C×H×W input (channels first)."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    model: Literal["cnn"]
    input_size: PerDim  # one per spatial dimension; a single integer means a square 2D input
    in_channels: Count
    layers: tuple[Annotated[Any, Tagged("type", CNN_LAYERS)], ...]


MODELS: dict[str, type] = {
    "rnn": RecurrentNet, "lstm": RecurrentNet, "gru": RecurrentNet, "fc": DenseNet, "conv": ConvLayer, "cnn": CnnNet,
}


def given_type(raw: Any) -> type:
    """The spec dataclass for ``given``, chosen by its ``model`` field."""
    model = raw.get("model") if isinstance(raw, dict) else None
    if model is None:
        raise FieldError(("model",), f"missing required field: one of {', '.join(MODELS)}")
    if not (isinstance(model, str) and model in MODELS):
        raise FieldError(("model",), f"expected one of {', '.join(MODELS)}, got {show_value(model)}")
    return MODELS[model]

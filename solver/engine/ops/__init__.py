"""Every operation of the graph engine, each defined once: shape rule, exact forward, float forward
and backward (the math), and next to them how the trace writes the node and explains each input's
share of the gradient (the words).

``from solver.engine import ops; ops.MatMul`` and ``from solver.engine.ops import Matrix, Op`` keep
working: this package re-exports every op and the shared types. New ops (conv1d, conv2d) plug in by
subclassing :class:`Op`.
"""

from __future__ import annotations

from solver.engine.ops.activations import (
    Elementwise,
    Exp,
    LeakyRelu,
    Log,
    LogSoftmax,
    Max,
    Relu,
    Sigmoid,
    Softmax,
    Tanh,
    exact_sigmoid,
    sigmoid,
)
from solver.engine.ops.arithmetic import Add, Div, Mul, Neg, Pow, Sub
from solver.engine.ops.base import (
    DELTA,
    Explanation,
    Matrix,
    Op,
    Shape,
    ShapeError,
    broadcast_apply,
    broadcast_pair,
    broadcast_shape,
    entry,
    hadamard,
    is_scalar,
    ones,
    phrase,
    shape_text,
    show_hadamard,
    show_product,
    unbroadcast,
)
from solver.engine.ops.inverse import Inverse
from solver.engine.ops.linear import Dot, Index, MatMul, Mean, Norm2, Sum, Transpose
from solver.engine.ops.losses import Bce, BceLogits, CrossEntropy, Mse, Nll, SvmLoss
from solver.engine.ops.pooling import (
    AvgPool1d,
    AvgPool2d,
    GlobalAvgPool,
    GlobalMaxPool,
    MaxPool1d,
    MaxPool2d,
)
from solver.engine.ops.reshaping import Concat, Flatten, HConcat, Reshape

__all__ = [
    "DELTA", "FUNCTIONS", "Add", "AvgPool1d", "AvgPool2d", "Bce", "BceLogits", "Concat", "CrossEntropy", "Div",
    "Dot", "Elementwise", "Exp", "Explanation", "Flatten", "GlobalAvgPool", "GlobalMaxPool", "HConcat", "Index",
    "Inverse",
    "LeakyRelu", "Log", "LogSoftmax", "MatMul", "Matrix", "Max", "MaxPool1d", "MaxPool2d", "Mean", "Mse", "Mul",
    "Neg", "Nll", "Norm2", "Op", "Pow", "Relu", "Reshape", "Shape", "ShapeError", "Sigmoid", "Softmax", "Sub",
    "Sum", "SvmLoss", "Tanh", "Transpose", "broadcast_apply", "broadcast_pair", "broadcast_shape", "entry",
    "exact_sigmoid", "hadamard", "is_scalar", "ones", "phrase", "shape_text", "show_hadamard", "show_product",
    "sigmoid", "unbroadcast",
]

# Functions callable in equations, by name (``max`` is special: one argument reduces, two compare).
FUNCTIONS: dict[str, type[Op]] = {  # max and the convolutions are built by the graph (their arity varies)
    "relu": Relu,
    "leaky_relu": LeakyRelu,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "exp": Exp,
    "log": Log,
    "ln": Log,
    "softmax": Softmax,
    "log_softmax": LogSoftmax,
    "sum": Sum,
    "mean": Mean,
    "norm2": Norm2,
    "l2": Norm2,
    "dot": Dot,
    "inv": Inverse,
    "mse": Mse,
    "bce": Bce,
    "bce_logits": BceLogits,
    "nll": Nll,
    "cross_entropy": CrossEntropy,
    "svm_loss": SvmLoss,
    "flatten": Flatten,
    "reshape": Reshape,
    "concat": Concat,
    "hconcat": HConcat,
    "max_pool1d": MaxPool1d,
    "max_pool2d": MaxPool2d,
    "avg_pool1d": AvgPool1d,
    "avg_pool2d": AvgPool2d,
    "global_maxpool": GlobalMaxPool,
    "global_avgpool": GlobalAvgPool,
}

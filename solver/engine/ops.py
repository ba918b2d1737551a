"""Every operation of the graph engine, each defined once: shape rule, exact forward, float forward,
local derivative and backward rule.

``backward`` returns, for each input, a :class:`Local`: the contribution of this op to the
gradient of that input (upstream × local derivative), with the words and formulas the trace
shows. The backward loop in :mod:`solver.engine.graph` records them; ops never print.
New ops (conv1d, conv2d) plug in by subclassing :class:`Op` and registering in ``OPS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import sympy as sp

Matrix = sp.ImmutableMatrix
Shape = tuple[int, int]


class ShapeError(ValueError):
    """Operand shapes do not fit the operation; the message names them."""


@dataclass(frozen=True)
class Local:
    """One input's share of a backward step."""

    grad: Any  # the contribution to ∂L/∂input (a Matrix shaped like the input)
    local: str  # the local derivative, e.g. "∂k/∂x = Wᵀ" or "relu'(k) = 1 where k > 0, else 0"
    rule: str  # the product in general form, e.g. "Wᵀ·δ"
    shown: Any = None  # the product with numbers (an unevaluated sympy expression), if helpful


def shape_text(shape: Shape) -> str:
    """``2×3`` (``scalar`` for 1×1)."""
    return "scalar" if shape == (1, 1) else f"{shape[0]}×{shape[1]}"


def is_scalar(value: Any) -> bool:
    """Whether a value (Matrix or array) is 1×1."""
    return tuple(value.shape) == (1, 1)


def ones(shape: Shape) -> Matrix:
    """A matrix of ones."""
    return Matrix.ones(*shape)


def entry(value: Any) -> Any:
    """The single entry of a 1×1 matrix."""
    return value[0, 0]


def hadamard(a: Matrix, b: Matrix) -> Matrix:
    """Elementwise product, with broadcasting (a 1×1 operand, or a row/column against a matrix)."""
    a, b = _broadcast_pair(a, b)
    return Matrix(a.multiply_elementwise(b))


def unbroadcast(grad: Matrix, shape: Shape) -> Matrix:
    """Sum a gradient back over the rows/columns along which its operand was broadcast."""
    rows, cols = shape
    if grad.shape[0] != rows:  # broadcast down the rows: sum them
        grad = Matrix([[sum(grad.col(j)) for j in range(grad.shape[1])]])
    if grad.shape[1] != cols:  # broadcast across the columns: sum them
        grad = Matrix([[sum(grad.row(i))] for i in range(grad.shape[0])])
    return grad


def broadcast_shape(a: Shape, b: Shape, symbol: str) -> Shape:
    """The elementwise result shape: each dimension equal, or 1 on one side (as numpy broadcasts)."""
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise ShapeError(f"'{symbol}' needs equal shapes (or a scalar, row or column to repeat), "
                             f"got {shape_text(a)} and {shape_text(b)}")
        out.append(max(x, y))
    return tuple(out)


def show_product(a: Any, b: Any) -> Any:
    """``a·b`` unevaluated, for the trace (scalars as numbers, matrices as matrices)."""
    a = entry(a) if is_scalar(a) else a
    b = entry(b) if is_scalar(b) else b
    if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase):
        return sp.MatMul(a, b, evaluate=False)
    return sp.Mul(a, b, evaluate=False)


def show_hadamard(a: Any, b: Any) -> Any:
    """``a ⊙ b`` unevaluated (a plain product when either side is a scalar)."""
    if is_scalar(a) or is_scalar(b):
        return show_product(a, b)
    a, b = _broadcast_pair(a, b)
    return sp.HadamardProduct(a, b, evaluate=False)


class Op:
    """Base class; subclasses set ``name`` and implement the rules."""

    name: ClassVar[str]
    arity: ClassVar[int] = 1
    role: ClassVar[str] = ""  # a cs231n gate pattern, shown on scalar graphs ("add distributes")
    constant_args: ClassVar[tuple[int, ...]] = ()  # argument positions that must be constants (class, slope)
    transcendental: ClassVar[bool] = False  # exp or log inside: see engine.graph.MAX_TRANSCENDENTAL_INPUT
    exponential: ClassVar[bool] = False  # exp of its input inside: see engine.graph.MAX_EXPONENT_INPUT

    def label(self, args: list[str]) -> str:
        """How the node is written, e.g. ``relu(k)``."""
        return f"{self.name}({', '.join(args)})"

    def shape(self, shapes: list[Shape]) -> Shape:
        """The output shape (raise ShapeError when the inputs do not fit)."""
        return shapes[0]

    def forward(self, xs: list[Matrix]) -> Matrix:
        """The exact output."""
        raise NotImplementedError

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        """The float64 output."""
        raise NotImplementedError

    def show(self, xs: list[Any]) -> Any:
        """The output with the inputs' values substituted, unevaluated, for the forward trace."""
        return sp.Function(self.name)(*[entry(x) if is_scalar(x) else x for x in xs])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, names: list[str], needed: list[bool]) -> list[Local | None]:
        """The contribution to each needed input's gradient, given the upstream gradient ``up``."""
        raise NotImplementedError

    def kink(self, xs: list[Matrix]) -> str | None:
        """A sentence when an input sits exactly where the derivative is decided by convention."""
        return None

    def branch(self, xs: list[np.ndarray]) -> np.ndarray | None:
        """For an op with kinks: which smooth piece each output is on, from float64 inputs. A finite
        difference whose step changes a piece crosses a kink and says nothing about the derivative."""
        return None


# --- elementwise arithmetic ---------------------------------------------------------------------


class Add(Op):
    name, arity, role = "+", 2, "add distributes: each input receives the upstream gradient unchanged"

    def label(self, args):
        return f"{args[0]} + {args[1]}"

    def shape(self, shapes):
        return broadcast_shape(shapes[0], shapes[1], "+")

    def forward(self, xs):
        a, b = xs
        return _broadcast_apply(a, b, lambda u, v: u + v)

    def numeric(self, xs):
        return xs[0] + xs[1]

    def show(self, xs):
        if is_scalar(xs[0]) and is_scalar(xs[1]):
            return sp.Add(entry(xs[0]), entry(xs[1]), evaluate=False)
        a, b = _broadcast_pair(*xs)  # a repeated operand is shown repeated
        return sp.MatAdd(a, b, evaluate=False)

    def backward(self, xs, out, up, names, needed):
        return [
            Local(unbroadcast(up, x.shape), f"∂({names[0]} + {names[1]})/∂{n} = 1", "δ") if need else None
            for x, n, need in zip(xs, names, needed)
        ]


class Sub(Op):
    name, arity, role = "-", 2, "subtract: the first input receives the upstream gradient, the second its negative"

    def label(self, args):
        return f"{args[0]} - {args[1]}"

    def shape(self, shapes):
        return broadcast_shape(shapes[0], shapes[1], "-")

    def forward(self, xs):
        return _broadcast_apply(xs[0], xs[1], lambda u, v: u - v)

    def numeric(self, xs):
        return xs[0] - xs[1]

    def show(self, xs):
        if is_scalar(xs[0]) and is_scalar(xs[1]):
            return sp.Add(entry(xs[0]), sp.Mul(-1, entry(xs[1]), evaluate=False), evaluate=False)
        a, b = _broadcast_pair(*xs)
        return sp.MatAdd(a, sp.MatMul(-1, b, evaluate=False), evaluate=False)

    def backward(self, xs, out, up, names, needed):
        a, b = xs
        return [
            Local(unbroadcast(up, a.shape), f"∂({names[0]} − {names[1]})/∂{names[0]} = 1", "δ") if needed[0] else None,
            Local(unbroadcast(-up, b.shape), f"∂({names[0]} − {names[1]})/∂{names[1]} = −1", "−δ") if needed[1] else None,
        ]


class Mul(Op):
    name, arity, role = "*", 2, "mul swaps: each input receives the upstream gradient times the other input"

    def label(self, args):
        return f"{args[0]} * {args[1]}"

    def shape(self, shapes):
        return broadcast_shape(shapes[0], shapes[1], "*")

    def forward(self, xs):
        return hadamard(xs[0], xs[1])

    def numeric(self, xs):
        return xs[0] * xs[1]

    def show(self, xs):
        return show_hadamard(xs[0], xs[1])

    def backward(self, xs, out, up, names, needed):
        a, b = xs
        return [
            Local(unbroadcast(hadamard(up, b), a.shape), f"∂({names[0]}·{names[1]})/∂{names[0]} = {names[1]}",
                  f"δ ⊙ {names[1]}", show_hadamard(up, b)) if needed[0] else None,
            Local(unbroadcast(hadamard(up, a), b.shape), f"∂({names[0]}·{names[1]})/∂{names[1]} = {names[0]}",
                  f"δ ⊙ {names[0]}", show_hadamard(up, a)) if needed[1] else None,
        ]


class Div(Op):
    name, arity = "/", 2

    def label(self, args):
        return f"{args[0]} / {args[1]}"

    def shape(self, shapes):
        return broadcast_shape(shapes[0], shapes[1], "/")

    def forward(self, xs):
        a, b = xs
        if any(same_number(v, sp.Integer(0)) for v in b):
            raise ZeroDivisionError("division by zero")
        return _broadcast_apply(a, b, lambda u, v: u / v)

    def numeric(self, xs):
        return xs[0] / xs[1]

    def backward(self, xs, out, up, names, needed):
        a, b = xs
        inv = b.applyfunc(lambda v: 1 / v)
        da = unbroadcast(hadamard(up, inv), a.shape) if needed[0] else None
        db = unbroadcast(hadamard(up, _broadcast_apply(a, b, lambda u, v: -u / v**2)), b.shape) if needed[1] else None
        return [
            Local(da, f"∂({names[0]}/{names[1]})/∂{names[0]} = 1/{names[1]}", f"δ ⊙ (1/{names[1]})") if needed[0] else None,
            Local(db, f"∂({names[0]}/{names[1]})/∂{names[1]} = −{names[0]}/{names[1]}²",
                  f"δ ⊙ (−{names[0]}/{names[1]}²)") if needed[1] else None,
        ]

    def show(self, xs):
        a, b = (entry(x) if is_scalar(x) else x for x in xs)
        return sp.Mul(a, sp.Pow(b, -1, evaluate=False), evaluate=False)


class Neg(Op):
    name = "neg"

    def label(self, args):
        return f"-{args[0]}"

    def forward(self, xs):
        return -xs[0]

    def numeric(self, xs):
        return -xs[0]

    def show(self, xs):
        x = xs[0]
        return sp.Mul(-1, entry(x) if is_scalar(x) else x, evaluate=False)

    def backward(self, xs, out, up, names, needed):
        return [Local(-up, f"∂(−{names[0]})/∂{names[0]} = −1", "−δ")]


class Pow(Op):
    """``x ** k`` with a constant exponent k."""

    name, arity, constant_args = "**", 2, (1,)

    def label(self, args):
        return f"{args[0]}^{args[1]}"

    def shape(self, shapes):
        if shapes[1] != (1, 1):
            raise ShapeError(f"the exponent of '**' must be a scalar, got {shape_text(shapes[1])}")
        return shapes[0]

    def forward(self, xs):
        x, k = xs[0], entry(xs[1])
        return x.applyfunc(lambda v: v**k)

    def numeric(self, xs):
        return xs[0] ** xs[1]

    def show(self, xs):
        x, k = xs[0], entry(xs[1])
        return sp.Pow(entry(x) if is_scalar(x) else x, k, evaluate=False)

    def backward(self, xs, out, up, names, needed):
        x, k = xs[0], entry(xs[1])
        local = x.applyfunc(lambda v: k * v ** (k - 1))
        return [Local(hadamard(up, local), f"∂({names[0]}^{k})/∂{names[0]} = {k}·{names[0]}^{k - 1}",
                      f"δ ⊙ {k}·{names[0]}^{k - 1}", show_hadamard(up, local)), None]


# --- linear algebra -------------------------------------------------------------------------------


def transposed(name: str) -> str:
    """``W`` → ``Wᵀ``, ``wᵀ`` → ``w`` (transposing twice gives the original)."""
    return name[:-1] if name.endswith("ᵀ") else f"{name}ᵀ"


class MatMul(Op):
    name, arity = "@", 2

    def label(self, args):
        return f"{args[0]} @ {args[1]}"

    def shape(self, shapes):
        (m, n), (p, q) = shapes
        if n != p:
            raise ShapeError(f"'@' needs the columns of the left ({shape_text((m, n))}) to match the rows of the right "
                             f"({shape_text((p, q))})")
        return (m, q)

    def forward(self, xs):
        return Matrix(xs[0] * xs[1])

    def numeric(self, xs):
        return xs[0] @ xs[1]

    def show(self, xs):
        return sp.MatMul(xs[0], xs[1], evaluate=False)

    def backward(self, xs, out, up, names, needed):
        a, b = xs
        at, bt = transposed(names[0]), transposed(names[1])
        return [
            Local(Matrix(up * b.T), f"∂({names[0]}·{names[1]})/∂{names[0]}: δ·{bt} (outer product)",
                  f"δ·{bt}", sp.MatMul(up, b.T, evaluate=False)) if needed[0] else None,
            Local(Matrix(a.T * up), f"∂({names[0]}·{names[1]})/∂{names[1]} = {at} applied to δ",
                  f"{at}·δ", sp.MatMul(a.T, up, evaluate=False)) if needed[1] else None,
        ]


class Transpose(Op):
    name = "T"

    def label(self, args):
        return f"{args[0]}ᵀ"

    def shape(self, shapes):
        return (shapes[0][1], shapes[0][0])

    def forward(self, xs):
        return xs[0].T

    def numeric(self, xs):
        return xs[0].T

    def show(self, xs):
        return sp.Transpose(xs[0])

    def backward(self, xs, out, up, names, needed):
        return [Local(up.T, f"transpose: the gradient of {names[0]} is δᵀ", "δᵀ")]


class Index(Op):
    """``p[i]`` (a vector's entry) or ``W[i, j]``; the position is fixed when the graph is built."""

    name = "index"

    def __init__(self, row: int, col: int, text: str):
        self.row, self.col, self.text = row, col, text

    def label(self, args):
        return f"{args[0]}[{self.text}]"

    def shape(self, shapes):
        rows, cols = shapes[0]
        if not (0 <= self.row < rows and 0 <= self.col < cols):
            raise ShapeError(f"index [{self.text}] is outside a {shape_text(shapes[0])} value (indices start at 0)")
        return (1, 1)

    def forward(self, xs):
        return Matrix([[xs[0][self.row, self.col]]])

    def numeric(self, xs):
        return xs[0][self.row : self.row + 1, self.col : self.col + 1]

    def show(self, xs):
        return xs[0][self.row, self.col]

    def backward(self, xs, out, up, names, needed):
        grad = sp.zeros(*xs[0].shape)
        grad[self.row, self.col] = entry(up)
        return [Local(Matrix(grad), f"indexing routes δ to entry [{self.text}] of {names[0]}; the others get 0",
                      f"δ at [{self.text}]")]


# --- elementwise functions ------------------------------------------------------------------------


class Elementwise(Op):
    """A function applied to every entry; subclasses give f, f′ and their notation."""

    derivative_text: ClassVar[str] = ""

    def f(self, v: Any) -> Any:
        raise NotImplementedError

    def df(self, v: Any, out: Any) -> Any:
        raise NotImplementedError

    def forward(self, xs):
        return xs[0].applyfunc(self.f)

    def backward(self, xs, out, up, names, needed):
        x = xs[0]
        local = Matrix(x.shape[0], x.shape[1], [_tidy(self.df(v, o)) for v, o in zip(x, out)])
        what = f"{self.name}'({names[0]})"
        rule = f"δ ⊙ {what}" if not is_scalar(x) else f"δ·{what}"
        text = f"{what} = {self.derivative_text.format(x=names[0])}"
        if 1 in x.shape and len(x) > 1:  # the Jacobian of an entrywise function of a vector is diagonal
            n = len(x)
            text += (f". As a Jacobian, ∂{self.name}({names[0]})/∂{names[0]} = diag({what}) is {n}×{n}: "
                     f"its {n * n - n} off-diagonal entries are always 0")
        return [Local(hadamard(up, local), text, rule, show_hadamard(up, local))] + [None] * (len(xs) - 1)


class Relu(Elementwise):
    name, derivative_text = "relu", "1 where {x} > 0, else 0 (ReLU'(0) = 0, as PyTorch)"
    role = "relu routes: passes the gradient where the input is positive"

    def f(self, v):
        return sp.Max(0, v) if not v.is_number else (v if positive(v) else sp.Integer(0))

    def df(self, v, out):
        return sp.Heaviside(v, 0) if not v.is_number else sp.Integer(1 if positive(v) else 0)

    def numeric(self, xs):
        return np.maximum(xs[0], 0.0)

    def kink(self, xs):
        exact = "an input of relu is exactly 0: the convention ReLU'(0) = 0 decides its gradient" if any(same_number(v, sp.Integer(0)) for v in xs[0]) else None
        return _joined(exact, _rounded_kink("relu", "ReLU'(0) = 0", xs[0]))

    def branch(self, xs):
        return xs[0] > 0


class LeakyRelu(Elementwise):
    """``leaky_relu(x, a)``: x for x > 0, a·x otherwise; the slope a is a constant."""

    name, arity, constant_args = "leaky_relu", 2, (1,)

    def shape(self, shapes):
        if shapes[1] != (1, 1):
            raise ShapeError(f"the slope of leaky_relu must be a scalar, got {shape_text(shapes[1])}")
        return shapes[0]

    def forward(self, xs):
        a = entry(xs[1])
        return xs[0].applyfunc(lambda v: v if positive(v) else a * v)

    def numeric(self, xs):
        return np.where(xs[0] > 0, xs[0], xs[1] * xs[0])

    def backward(self, xs, out, up, names, needed):
        x, a = xs[0], entry(xs[1])
        local = x.applyfunc(lambda v: sp.Integer(1) if positive(v) else a)
        what = f"leaky_relu'({names[0]})"
        text = f"{what} = 1 where {names[0]} > 0, else {a} (the slope; also at 0, as PyTorch)"
        rule = f"δ ⊙ {what}" if not is_scalar(x) else f"δ·{what}"
        return [Local(hadamard(up, local), text, rule, show_hadamard(up, local)), None]

    def kink(self, xs):
        exact = "an input of leaky_relu is exactly 0: the convention LeakyReLU'(0) = slope decides its gradient" if any(same_number(v, sp.Integer(0)) for v in xs[0]) else None
        return _joined(exact, _rounded_kink("leaky_relu", "LeakyReLU'(0) = slope", xs[0]))

    def branch(self, xs):
        return xs[0] > 0


class Sigmoid(Elementwise):
    transcendental = exponential = True
    name, derivative_text = "sigmoid", "σ({x})·(1 − σ({x}))"

    def f(self, v):
        return _exact_sigmoid(v)

    def df(self, v, out):
        return out * (1 - out)

    def numeric(self, xs):
        return 1.0 / (1.0 + np.exp(-xs[0]))

    def show(self, xs):
        return sp.Function("sigma")(entry(xs[0]) if is_scalar(xs[0]) else xs[0])


class Tanh(Elementwise):
    transcendental = exponential = True
    name, derivative_text = "tanh", "1 − tanh²({x})"

    def f(self, v):
        return sp.tanh(v)

    def df(self, v, out):
        return 1 - out**2

    def numeric(self, xs):
        return np.tanh(xs[0])


class Exp(Elementwise):
    transcendental = exponential = True
    name, derivative_text = "exp", "exp({x})"

    def f(self, v):
        return sp.exp(v)

    def df(self, v, out):
        return out

    def numeric(self, xs):
        return np.exp(xs[0])


class Log(Elementwise):
    transcendental = True
    name, derivative_text = "log", "1/{x}"

    def f(self, v):
        if v.is_number and not v.is_positive:
            raise ValueError(f"log of {v} (not positive)")
        return sp.expand_log(sp.log(v), force=True)

    def df(self, v, out):
        return 1 / v

    def numeric(self, xs):
        return np.log(xs[0])

    def show(self, xs):
        return sp.Function("ln")(entry(xs[0]) if is_scalar(xs[0]) else xs[0])


# --- reductions and vector functions --------------------------------------------------------------


def _vector(shape: Shape, name: str) -> None:
    if 1 not in shape:
        raise ShapeError(f"{name} needs a vector, got a {shape_text(shape)} matrix")


class Sum(Op):
    name, role = "sum", "sum distributes: every entry receives the upstream gradient"

    def shape(self, shapes):
        return (1, 1)

    def forward(self, xs):
        return Matrix([[sum(xs[0])]])

    def numeric(self, xs):
        return np.array([[xs[0].sum()]])

    def backward(self, xs, out, up, names, needed):
        return [Local(Matrix(ones(xs[0].shape) * entry(up)), f"∂sum({names[0]})/∂{names[0]} = 1 for every entry", "δ·1")]


class Mean(Op):
    name = "mean"

    def shape(self, shapes):
        return (1, 1)

    def forward(self, xs):
        return Matrix([[sum(xs[0]) / len(xs[0])]])

    def numeric(self, xs):
        return np.array([[xs[0].mean()]])

    def backward(self, xs, out, up, names, needed):
        n = len(xs[0])
        return [Local(Matrix(ones(xs[0].shape) * entry(up) / n), f"∂mean({names[0]})/∂{names[0]} = 1/{n} for every entry",
                      f"δ/{n}")]


class Max(Op):
    """``max(a, b)`` elementwise, or ``max(x)`` over all entries; ties share the gradient evenly (as PyTorch)."""

    name, role = "max", "max routes: the gradient goes to the larger input"

    def __init__(self, arity: int = 1):
        self.arity = arity

    def shape(self, shapes):
        return broadcast_shape(shapes[0], shapes[1], "max") if self.arity == 2 else (1, 1)

    def forward(self, xs):
        if self.arity == 2:
            return _broadcast_apply(xs[0], xs[1], lambda u, v: sp.Max(u, v))
        return Matrix([[sp.Max(*xs[0])]])

    def numeric(self, xs):
        return np.maximum(xs[0], xs[1]) if self.arity == 2 else np.array([[xs[0].max()]])

    def backward(self, xs, out, up, names, needed):
        if self.arity == 1:
            x = xs[0]
            winners = [same_number(v, entry(out)) for v in x]
            share = entry(up) / sum(winners)
            grad = Matrix(x.shape[0], x.shape[1], [share if w else 0 for w in winners])
            return [Local(grad, f"max routes δ to the largest entr{'ies (shared evenly)' if sum(winners) > 1 else 'y'}",
                          "δ at the argmax")]
        a, b = xs
        pick_a = _broadcast_apply(a, b, lambda u, v: sp.Integer(1) if positive(u - v) else (sp.Rational(1, 2) if same_number(u, v) else 0))
        pick_b = _broadcast_apply(a, b, lambda u, v: sp.Integer(1) if positive(v - u) else (sp.Rational(1, 2) if same_number(u, v) else 0))
        return [
            Local(unbroadcast(hadamard(up, pick_a), a.shape), f"1 where {names[0]} > {names[1]} (½ at a tie)",
                  f"δ where {names[0]} wins") if needed[0] else None,
            Local(unbroadcast(hadamard(up, pick_b), b.shape), f"1 where {names[1]} > {names[0]} (½ at a tie)",
                  f"δ where {names[1]} wins") if needed[1] else None,
        ]

    def kink(self, xs):
        if self.arity == 2 and any(same_number(u, v) for u, v in zip(*(_broadcast_pair(*xs)))):
            return "the inputs of max are equal: the gradient is shared evenly (PyTorch's convention)"
        if self.arity == 1 and sum(same_number(v, max(xs[0])) for v in xs[0]) > 1:
            return "max has a tie: the gradient is shared evenly (PyTorch's convention)"
        return None

    def branch(self, xs):
        return np.sign(xs[0] - xs[1]) if self.arity == 2 else xs[0] == xs[0].max()


class Norm2(Op):
    """``norm2(x)`` = ‖x‖² = Σ x²; ``l2`` is the same op (weight decay)."""

    name = "norm2"

    def shape(self, shapes):
        return (1, 1)

    def forward(self, xs):
        return Matrix([[sum(v**2 for v in xs[0])]])

    def numeric(self, xs):
        return np.array([[np.sum(xs[0] ** 2)]])

    def backward(self, xs, out, up, names, needed):
        local = Matrix(2 * xs[0])
        return [Local(Matrix(local * entry(up)), f"∂‖{names[0]}‖²/∂{names[0]} = 2{names[0]}", f"δ·2{names[0]}",
                      show_product(up, local))]


class Dot(Op):
    name, arity = "dot", 2

    def shape(self, shapes):
        if shapes[0] != shapes[1]:
            raise ShapeError(f"dot needs equal shapes, got {shape_text(shapes[0])} and {shape_text(shapes[1])}")
        return (1, 1)

    def forward(self, xs):
        return Matrix([[sum(u * v for u, v in zip(xs[0], xs[1]))]])

    def numeric(self, xs):
        return np.array([[np.sum(xs[0] * xs[1])]])

    def backward(self, xs, out, up, names, needed):
        a, b = xs
        return [
            Local(Matrix(b * entry(up)), f"∂dot/∂{names[0]} = {names[1]}", f"δ·{names[1]}", show_product(up, b)) if needed[0] else None,
            Local(Matrix(a * entry(up)), f"∂dot/∂{names[1]} = {names[0]}", f"δ·{names[0]}", show_product(up, a)) if needed[1] else None,
        ]


class Softmax(Op):
    transcendental = exponential = True
    name = "softmax"

    def shape(self, shapes):
        _vector(shapes[0], "softmax")
        return shapes[0]

    def forward(self, xs):
        exps = [sp.exp(v) for v in xs[0]]
        total = sum(exps)
        return Matrix(xs[0].shape[0], xs[0].shape[1], [_tidy(e / total) for e in exps])

    def numeric(self, xs):
        e = np.exp(xs[0] - xs[0].max())
        return e / e.sum()

    def backward(self, xs, out, up, names, needed):
        p = [v for v in out]
        jacobian = Matrix(len(p), len(p), lambda i, j: (p[i] if i == j else 0) - p[i] * p[j])
        grad = Matrix(jacobian * Matrix(list(up)))
        grad = Matrix(out.shape[0], out.shape[1], [_tidy(v) for v in grad])
        return [Local(grad, f"J = diag(p) − p·pᵀ with p = softmax({names[0]}) (symmetric)", "J·δ",
                      sp.MatMul(jacobian, Matrix(list(up)), evaluate=False))]


class LogSoftmax(Op):
    transcendental = exponential = True
    name = "log_softmax"

    def shape(self, shapes):
        _vector(shapes[0], "log_softmax")
        return shapes[0]

    def forward(self, xs):
        lse = sp.log(sum(sp.exp(v) for v in xs[0]))
        return xs[0].applyfunc(lambda v: _tidy(v - lse))

    def numeric(self, xs):
        m = xs[0].max()
        return xs[0] - m - np.log(np.exp(xs[0] - m).sum())

    def backward(self, xs, out, up, names, needed):
        p = Softmax().forward(xs)
        total = sum(up)
        grad = Matrix(up.shape[0], up.shape[1], [_tidy(u - q * total) for u, q in zip(up, p)])
        return [Local(grad, f"∂log_softmax/∂{names[0]}: δ − softmax({names[0]})·Σδ", "δ − p·Σδ")]


# --- losses ---------------------------------------------------------------------------------------


class Mse(Op):
    name, arity = "mse", 2

    def shape(self, shapes):
        broadcast_shape(shapes[0], shapes[1], "mse")
        return (1, 1)

    def forward(self, xs):
        d = _broadcast_pair(*xs)
        return Matrix([[sum((u - v) ** 2 for u, v in zip(*d)) / len(d[0])]])

    def numeric(self, xs):
        return np.array([[np.mean((xs[0] - xs[1]) ** 2)]])

    def backward(self, xs, out, up, names, needed):
        a, b = xs
        n = max(len(a), len(b))
        diff = _broadcast_apply(a, b, lambda u, v: 2 * (u - v) / n)
        return [
            Local(unbroadcast(hadamard(up, diff), a.shape), f"∂mse/∂{names[0]} = 2({names[0]} − {names[1]})/{n}",
                  f"δ·2({names[0]} − {names[1]})/{n}") if needed[0] else None,
            Local(unbroadcast(hadamard(up, -diff), b.shape), f"∂mse/∂{names[1]} = −2({names[0]} − {names[1]})/{n}",
                  f"−δ·2({names[0]} − {names[1]})/{n}") if needed[1] else None,
        ]


class Bce(Op):
    transcendental = True
    """``bce(p, y)``: mean over entries of −[y ln p + (1 − y) ln(1 − p)] (p probabilities)."""

    name, arity, constant_args = "bce", 2, (1,)  # the targets y are data, not differentiated

    def shape(self, shapes):
        if shapes[0] != shapes[1] and shapes[1] != (1, 1):
            raise ShapeError(f"bce needs p and y of equal shapes, got {shape_text(shapes[0])} and {shape_text(shapes[1])}")
        return (1, 1)

    def forward(self, xs):
        p, y = _broadcast_pair(*xs)
        for v in p:
            if v.is_number and not (positive(v) and positive(1 - v)):
                raise ValueError(f"bce needs probabilities strictly between 0 and 1, got {v}")
        terms = [-(t * sp.log(q) + (1 - t) * sp.log(1 - q)) for q, t in zip(p, y)]
        return Matrix([[_tidy(sum(terms) / len(terms))]])

    def numeric(self, xs):
        p, y = xs
        return np.array([[np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))]])

    def backward(self, xs, out, up, names, needed):
        p, y = _broadcast_pair(*xs)
        n = len(p)
        local = Matrix(xs[0].shape[0], xs[0].shape[1], [_tidy((q - t) / (q * (1 - q)) / n) for q, t in zip(p, y)])
        scale = f"/{n}" if n > 1 else ""
        return [Local(hadamard(up, local), f"∂bce/∂{names[0]} = (p − y)/(p(1 − p)){scale}",
                      f"δ·(p − y)/(p(1 − p)){scale}", show_hadamard(up, local)), None]


class BceLogits(Op):
    transcendental = exponential = True
    """``bce_logits(s, y)`` = bce(σ(s), y), computed from the logits."""

    name, arity, constant_args = "bce_logits", 2, (1,)

    def shape(self, shapes):
        return Bce().shape(shapes)

    def forward(self, xs):
        s, y = _broadcast_pair(*xs)
        # −ln σ(v) = ln(1 + e^(−v)) and −ln(1 − σ(v)) = ln(1 + e^v): no fraction inside the logarithm
        terms = [t * sp.log(1 + sp.exp(-v)) + (1 - t) * sp.log(1 + sp.exp(v)) for v, t in zip(s, y)]
        return Matrix([[_tidy(sum(terms) / len(terms))]])

    def numeric(self, xs):
        s, y = xs
        return np.array([[np.mean(np.maximum(s, 0) - s * y + np.log1p(np.exp(-np.abs(s))))]])

    def backward(self, xs, out, up, names, needed):
        s, y = _broadcast_pair(*xs)
        n = len(s)
        local = Matrix(xs[0].shape[0], xs[0].shape[1], [_tidy((_exact_sigmoid(v) - t) / n) for v, t in zip(s, y)])
        scale = f"/{n}" if n > 1 else ""
        return [Local(hadamard(up, local), f"∂bce_logits/∂{names[0]} = σ({names[0]}) − y{scale}",
                      f"δ·(σ({names[0]}) − y){scale}", show_hadamard(up, local)), None]


class Nll(Op):
    """``nll(p, c)`` = −ln p[c] for a probability vector p and a class index c."""

    name, arity, constant_args = "nll", 2, (1,)

    def shape(self, shapes):
        _vector(shapes[0], "nll")
        if shapes[1] != (1, 1):
            raise ShapeError(f"the class of nll must be one index, got {shape_text(shapes[1])}")
        return (1, 1)

    def forward(self, xs):
        p, c = xs[0], _class_index(xs[1], len(xs[0]))
        return Matrix([[_tidy(-sp.log(p[c]))]])

    def numeric(self, xs):
        return np.array([[-np.log(xs[0].reshape(-1)[int(round(float(xs[1][0, 0])))])]])

    def backward(self, xs, out, up, names, needed):
        p, c = xs[0], _class_index(xs[1], len(xs[0]))
        grad = sp.zeros(*p.shape)
        flat = list(p)
        row, col = (c, 0) if p.shape[1] == 1 else (0, c)
        grad[row, col] = _tidy(-entry(up) / flat[c])
        return [Local(Matrix(grad), f"∂(−ln p[{c}])/∂p = −1/p[{c}] at entry {c}, 0 elsewhere", f"−δ/p[{c}] at [{c}]"), None]


class CrossEntropy(Op):
    transcendental = exponential = True
    """``cross_entropy(s, c)`` = −log_softmax(s)[c], from logits s and a class index c."""

    name, arity, constant_args = "cross_entropy", 2, (1,)

    def shape(self, shapes):
        return Nll().shape(shapes)

    def forward(self, xs):
        c = _class_index(xs[1], len(xs[0]))
        return Matrix([[_tidy(-LogSoftmax().forward([xs[0]])[c])]])

    def numeric(self, xs):
        return np.array([[-LogSoftmax().numeric([xs[0]]).reshape(-1)[int(round(float(xs[1][0, 0])))]]])

    def backward(self, xs, out, up, names, needed):
        s, c = xs[0], _class_index(xs[1], len(xs[0]))
        p = Softmax().forward([s])
        onehot = Matrix(s.shape[0], s.shape[1], [1 if i == c else 0 for i in range(len(s))])
        local = Matrix(p - onehot)
        return [Local(hadamard(up, local), f"∂cross_entropy/∂{names[0]} = softmax({names[0]}) − onehot({c})",
                      "δ·(p − onehot(y))", show_product(up, local)), None]


# --- helpers --------------------------------------------------------------------------------------


def _broadcast_pair(a: Matrix, b: Matrix) -> tuple[Matrix, Matrix]:
    """Both operands repeated to the common shape."""
    if a.shape == b.shape:
        return a, b
    rows, cols = broadcast_shape(a.shape, b.shape, "broadcast")

    def grow(m: Matrix) -> Matrix:
        return Matrix(rows, cols, lambda i, j: m[i if m.shape[0] > 1 else 0, j if m.shape[1] > 1 else 0])

    return grow(a), grow(b)


def _broadcast_apply(a: Matrix, b: Matrix, f: Any) -> Matrix:
    a, b = _broadcast_pair(a, b)
    return Matrix(a.shape[0], a.shape[1], [f(u, v) for u, v in zip(a, b)])


class sigmoid(sp.Function):  # noqa: N801 - named as it prints, sigmoid(31*log(2)/20), which dlsolve reads back
    """σ(x) left unevaluated, for showing a value: σ(31/20·ln 2) reads better than 1/(1 + 2^(−31/20))."""

    def _eval_evalf(self, prec: int) -> Any:
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)

    def _latex(self, printer: Any, exp: Any = None) -> str:
        shown = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return shown if exp is None else r"%s^{%s}" % (shown, exp)


def _exact_sigmoid(v: Any) -> Any:
    """σ(v) = 1/(1 + e^(−v)), tidied so that σ(ln 2) = 2/3 and σ(0) = 1/2."""
    return _tidy(1 / (1 + sp.exp(-v)))


TIDY_LIMIT = 120  # tree nodes: beyond this, _tidy leaves a value as it is


def _tidy(value: Any) -> Any:
    """The shortest of a few bounded rewrites (never ``simplify``, which can hang): the value itself,
    its terms over a common denominator, and that fraction cancelled. Polynomials expand, logarithms
    of products split, and a denominator is kept positive, so that σ(ln 2) = 2/3,
    −ln(1 − e/(1 + e)) = ln(1 + e) and e³/(−e³ − 1) = −e³/(1 + e³)."""
    if value.is_Rational or value.is_Symbol or size_at_most(value, TIDY_LIMIT) > TIDY_LIMIT:
        return value  # rewriting large forms costs more than it saves (they are shown by their decimal)
    if not value.is_number and value.is_polynomial():
        return sp.expand(value)
    candidates = [value]
    if (value.has(sp.exp, sp.log) or value.is_Add or value.is_Mul) and _nesting(value) <= TIDY_NESTING:
        combined = sp.together(value, deep=True)
        candidates.append(combined)
        if _cancel_is_safe(combined):
            candidates.append(sp.cancel(combined))
    candidates = [sp.expand_log(c, force=True) if c.has(sp.log) else c for c in candidates]
    best = min(candidates, key=lambda c: size_at_most(c, 4 * TIDY_LIMIT))
    numerator, denominator = sp.fraction(best)
    if denominator != 1 and denominator.could_extract_minus_sign():
        best = (-numerator) / (-denominator)
    return best


TIDY_NESTING = 2  # exp and log inside exp and log: deeper, together() can run for minutes


def _nesting(value: Any) -> int:
    """How deeply exp and log nest in ``value`` (σ(σ(1)) is 2). sympy's automatic evaluation compares
    the arguments of nested exponentials at ever higher precision: together() on a GAN's σ(D(G(z)))
    form of 109 operations took 12 s."""
    inner = max((_nesting(arg) for arg in value.args), default=0)
    return inner + 1 if isinstance(value, (sp.exp, sp.log)) or (value.is_Pow and value.base is sp.E) else inner


def _cancel_is_safe(value: Any) -> bool:
    """Whether ``cancel`` will finish quickly: it treats every exp, log and root as a polynomial
    variable, so exp(2349/1600) would mean degree 2349, and several logarithms multiply out."""
    generators = value.atoms(sp.exp, sp.log, sp.Pow) | (value.atoms(sp.NumberSymbol) if value.has(sp.pi) else set())
    if len(generators) > 2 or sp.count_ops(value) > 80:
        return False
    for power in value.atoms(sp.exp, sp.Pow):
        exponent = power.args[0] if isinstance(power, sp.exp) else power.exp
        if not exponent.is_Rational:  # exp(π/4), exp(ln 2 · 3/7): the gcd can run for minutes
            return False
        if exponent.q > 12 or abs(exponent.p) > 60:
            return False
    return True


ROUNDED_ZERO = 1e-12  # a floating-point input this close to a kink may be an exact 0 that rounding moved


def _rounded_kink(name: str, convention: str, values: Matrix) -> str | None:
    """In floating point, a sentence when an input lies within rounding of a kink: 1/3 + 2/3 − 1 is
    1.1e-16, not 0, so the float solve can take the other side of a kink than the exact one."""
    near = [v for v in values if v.is_Float and abs(v) < ROUNDED_ZERO]
    if not near:
        return None
    return (f"an input of {name} is {float(near[0]):.1e}, which may be a 0 moved by floating-point rounding: "
            f"if it is exactly 0, the convention {convention} gives another gradient (solve exactly to know)")


def _joined(*sentences: str | None) -> str | None:
    return "; ".join(s for s in sentences if s) or None


def same_number(u: Any, v: Any) -> bool:
    """Whether two numbers are equal, a float counting as equal to the exact number of the same value
    (sympy's ``Float(0.0) == 0`` is False, which would hide a ReLU kink or a tie in ``--numeric`` mode)."""
    return bool(u == v) or (bool(u.is_Float or v.is_Float) and (u - v).is_zero is True)


def positive(value: Any) -> bool:
    """Whether a number is > 0. sympy's own comparison evaluates an expression at growing precision,
    which is slow on large exact forms; float64 decides whenever the value is clearly not 0."""
    if value.is_Rational:
        return bool(value > 0)
    approx = to_float(value)
    if abs(approx) > 1e-9:  # clearly away from 0: float64 decides correctly
        return approx > 0
    return bool(value > 0) if size_at_most(value, 200) <= 200 else approx > 0


def size_at_most(value: Any, limit: int) -> int:
    """The number of nodes in an expression's tree, counting stops just past ``limit`` (so it is cheap)."""
    count = 0
    for _ in sp.preorder_traversal(value):
        count += 1
        if count > limit:
            break
    return count


_FLOAT_FUNCTIONS = {sp.exp: math.exp, sp.log: math.log, sp.tanh: math.tanh, sp.sqrt: math.sqrt}


def to_float(value: Any, cache: dict | None = None) -> float:
    """A float64 value of an exact expression, each shared subexpression evaluated once.

    ``evalf`` re-evaluates shared subtrees and tracks precision; nested sigmoids and softmaxes share
    a lot, so this is far faster on the large exact forms that are shown by their decimal.
    """
    cache = {} if cache is None else cache
    if value in cache:
        return cache[value]
    try:
        result = _to_float(value, cache)
    except (OverflowError, ValueError, ZeroDivisionError):  # beyond float64 on the way: let mpmath do it
        result = float(value.evalf(17))
    cache[value] = result
    return result


def _to_float(value: Any, cache: dict) -> float:
    if value.is_Number:
        result = float(value)
    elif value is sp.E:
        result = math.e
    elif value is sp.pi:
        result = math.pi
    elif isinstance(value, sp.Add):
        result = math.fsum(to_float(term, cache) for term in value.args)
    elif isinstance(value, sp.Mul):
        result = math.prod(to_float(factor, cache) for factor in value.args)
    elif isinstance(value, sp.Pow):
        result = to_float(value.base, cache) ** to_float(value.exp, cache)
    elif type(value) in _FLOAT_FUNCTIONS:
        result = _FLOAT_FUNCTIONS[type(value)](to_float(value.args[0], cache))
    else:
        result = float(value.evalf(17))
    return result


def _class_index(value: Matrix, size: int) -> int:
    c = entry(value)
    if c.is_Float and float(c).is_integer():  # floating-point mode: 1.0 is class 1
        c = sp.Integer(int(c))
    if not (c.is_Integer and 0 <= c < size):
        raise ValueError(f"a class index must be an integer from 0 to {size - 1}, got {c}")
    return int(c)


FUNCTIONS: dict[str, Any] = {
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
    "mse": Mse,
    "bce": Bce,
    "bce_logits": BceLogits,
    "nll": Nll,
    "cross_entropy": CrossEntropy,
}
"""Functions callable in equations (``max`` is special: one argument reduces, two compare)."""

ARITY = {name: cls.arity for name, cls in FUNCTIONS.items()}

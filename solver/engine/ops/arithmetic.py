"""Elementwise arithmetic: ``+``, ``-``, ``*`` (entrywise), ``/``, unary minus and ``**`` with a
constant exponent, each with numpy-style broadcasting of a scalar, row or column."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver.engine.exact import same_number
from solver.engine.ops.base import (
    DELTA,
    A,
    B,
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
    said,
    shape_text,
    show_hadamard,
    unbroadcast,
)
from solver.formula import Formula, Number, Paren, equation, grad, op
from solver.i18n import mark, tr


def number(value: Any) -> Formula:
    """A sympy number as written in a formula (``2``, ``1/2``, ``-1``)."""
    return Number(int(value)) if value.is_Integer and value >= 0 else Number(sp.sstr(value))


class Add(Op):
    """``a + b``."""

    batched = True
    name, arity, role = "+", 2, mark("add distributes: each input receives the upstream gradient unchanged")

    def label(self, args: list[Formula]) -> Formula:
        return args[0] + args[1]

    def shape(self, shapes: list[Shape]) -> Shape:
        return broadcast_shape(shapes[0], shapes[1], "+")

    def forward(self, xs: list[Matrix]) -> Matrix:
        return broadcast_apply(xs[0], xs[1], lambda u, v: u + v)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return xs[0] + xs[1]

    def show(self, xs: list[Matrix]) -> Any:
        if is_scalar(xs[0]) and is_scalar(xs[1]):
            return sp.Add(entry(xs[0]), entry(xs[1]), evaluate=False)
        a, b = broadcast_pair(xs[0], xs[1])  # a repeated operand is shown repeated
        return sp.MatAdd(a, b, evaluate=False)

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [unbroadcast(up, x.shape) if need else None for x, need in zip(xs, needed)]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        return Explanation(said(equation(grad(A + B, (A, B)[position]), 1)), DELTA)


class Sub(Op):
    """``a - b``."""

    batched = True
    name, arity, role = "-", 2, mark("subtract: the first input receives the upstream gradient, the second its "
                                     "negative")

    def label(self, args: list[Formula]) -> Formula:
        return args[0] - args[1]

    def shape(self, shapes: list[Shape]) -> Shape:
        return broadcast_shape(shapes[0], shapes[1], "-")

    def forward(self, xs: list[Matrix]) -> Matrix:
        return broadcast_apply(xs[0], xs[1], lambda u, v: u - v)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return xs[0] - xs[1]

    def show(self, xs: list[Matrix]) -> Any:
        if is_scalar(xs[0]) and is_scalar(xs[1]):
            return sp.Add(entry(xs[0]), sp.Mul(-1, entry(xs[1]), evaluate=False), evaluate=False)
        a, b = broadcast_pair(xs[0], xs[1])
        return sp.MatAdd(a, sp.MatMul(-1, b, evaluate=False), evaluate=False)

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        a, b = xs
        return [unbroadcast(up, a.shape) if needed[0] else None, unbroadcast(-up, b.shape) if needed[1] else None]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        if position == 0:
            return Explanation(said(equation(grad(A - B, A), 1)), DELTA)
        return Explanation(said(equation(grad(A - B, B), -Number(1))), -DELTA)


class Mul(Op):
    """``a * b``, entrywise (``a·b`` when one side is a scalar)."""

    batched = True
    name, arity, role = "*", 2, mark("mul swaps: each input receives the upstream gradient times the other input")

    def label(self, args: list[Formula]) -> Formula:
        return op("⊙", args[0], args[1])

    def shape(self, shapes: list[Shape]) -> Shape:
        return broadcast_shape(shapes[0], shapes[1], "*")

    def forward(self, xs: list[Matrix]) -> Matrix:
        return hadamard(xs[0], xs[1])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return xs[0] * xs[1]

    def show(self, xs: list[Matrix]) -> Any:
        return show_hadamard(xs[0], xs[1])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        a, b = xs
        return [unbroadcast(hadamard(up, b), a.shape) if needed[0] else None,
                unbroadcast(hadamard(up, a), b.shape) if needed[1] else None]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return show_hadamard(up, xs[1 - position])

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        other = args[1 - position]
        return Explanation(said(equation(grad(op("⊙", A, B), (A, B)[position]), (B, A)[position])),
                           op("⊙", DELTA, other))


class Div(Op):
    """``a / b``."""

    batched = True
    name, arity = "/", 2

    def label(self, args: list[Formula]) -> Formula:
        return op("divide", args[0], args[1])

    def shape(self, shapes: list[Shape]) -> Shape:
        return broadcast_shape(shapes[0], shapes[1], "/")

    def forward(self, xs: list[Matrix]) -> Matrix:
        a, b = xs
        if any(same_number(v, sp.Integer(0)) for v in b):
            raise ZeroDivisionError(tr("division by zero"))
        return broadcast_apply(a, b, lambda u, v: u / v)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return xs[0] / xs[1]

    def show(self, xs: list[Matrix]) -> Any:
        a, b = (entry(x) if is_scalar(x) else x for x in xs)
        return sp.Mul(a, sp.Pow(b, -1, evaluate=False), evaluate=False)

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        a, b = xs
        inv = b.applyfunc(lambda v: 1 / v)
        return [unbroadcast(hadamard(up, inv), a.shape) if needed[0] else None,
                unbroadcast(hadamard(up, broadcast_apply(a, b, lambda u, v: -u / v**2)), b.shape)
                if needed[1] else None]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        a, b = args
        if position == 0:
            return Explanation(said(equation(grad(A / B, A), 1 / B)), op("⊙", DELTA, Paren(1 / b)))
        return Explanation(said(equation(grad(A / B, B), -A / op("²", B))), op("⊙", DELTA, Paren(-a / op("²", b))))


class Neg(Op):
    """``-a``."""

    batched = True
    name = "neg"

    def label(self, args: list[Formula]) -> Formula:
        return -args[0]

    def forward(self, xs: list[Matrix]) -> Matrix:
        return -xs[0]

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return -xs[0]

    def show(self, xs: list[Matrix]) -> Any:
        x = xs[0]
        return sp.Mul(-1, entry(x) if is_scalar(x) else x, evaluate=False)

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [-up]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        return Explanation(said(equation(grad(-A, A), -Number(1))), -DELTA)


class Pow(Op):
    """``x ** k`` with a constant exponent k."""

    batched = True
    name, arity, constant_args = "**", 2, (1,)

    def label(self, args: list[Formula]) -> Formula:
        return args[0] ** args[1]

    def shape(self, shapes: list[Shape]) -> Shape:
        if shapes[1] != (1, 1):
            raise ShapeError(tr("the exponent of '**' must be a scalar, got {shape}", shape=shape_text(shapes[1])))

        return shapes[0]

    def forward(self, xs: list[Matrix]) -> Matrix:
        k = entry(xs[1])
        return xs[0].applyfunc(lambda v: v**k)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return xs[0] ** xs[1]

    def show(self, xs: list[Matrix]) -> Any:
        x, k = xs[0], entry(xs[1])
        return sp.Pow(entry(x) if is_scalar(x) else x, k, evaluate=False)

    def local(self, xs: list[Matrix]) -> Matrix:
        """k·x^(k − 1), entrywise."""
        k = entry(xs[1])
        return xs[0].applyfunc(lambda v: k * v ** (k - 1))

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [hadamard(up, self.local(xs)), None]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return show_hadamard(up, self.local(xs))

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        x, k = args[0], entry(xs[1])

        def power(base: Formula) -> Formula:  # base^(k − 1), written base when k − 1 = 1
            return base if k - 1 == 1 else base ** number(k - 1)

        return Explanation(said(equation(grad(A ** number(k), A), number(k) * power(A))),
                           op("⊙", DELTA, number(k) * power(x)))

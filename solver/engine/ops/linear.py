"""Linear algebra and reductions: the matrix product, transpose, indexing, sum, mean, dot product and
squared norm."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver.engine.ops.base import (
    DELTA,
    A,
    B,
    Explanation,
    Matrix,
    Op,
    Shape,
    ShapeError,
    entry,
    ones,
    phrase,
    said,
    shape_text,
    show_product,
)
from solver.engine.wording import worded
from solver.formula import ATOM, Call, Formula, Name, Number, Paren, call, equation, grad, op, precedence
from solver.formula import Op as FormulaOp
from solver.i18n import mark, tr

PRODUCT = equation(Name("C"), Name("A") * Name("B"))  # the product a matrix-product rule is stated for


class MatMul(Op):
    """``A @ B``, written ``A·B``."""

    name, arity = "@", 2
    batched = True  # (numpy's @ multiplies a stack of matrices slice by slice)

    def label(self, args: list[Formula]) -> Formula:
        return args[0] * args[1]

    def shape(self, shapes: list[Shape]) -> Shape:
        (m, n), (p, q) = shapes
        if n != p:
            raise ShapeError(tr("'@' needs the columns of the left ({left}) to match the rows of the right ({right})",
                                left=shape_text((m, n)), right=shape_text((p, q))))
        return (m, q)

    def forward(self, xs: list[Matrix]) -> Matrix:
        return Matrix(xs[0] * xs[1])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return xs[0] @ xs[1]

    def show(self, xs: list[Matrix]) -> Any:
        return sp.MatMul(xs[0], xs[1], evaluate=False)

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        a, b = xs
        return [Matrix(up * b.T) if needed[0] else None, Matrix(a.T * up) if needed[1] else None]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        a, b = xs
        return sp.MatMul(up, b.T, evaluate=False) if position == 0 else sp.MatMul(a.T, up, evaluate=False)

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        a, b = args
        if position == 0:
            # Translators: {product} is C = A·B; {rule} a formula such as ∂L/∂A = ∂L/∂C·Bᵀ
            return Explanation(worded(tr("for {product}: {rule} (an outer product for vectors)"), product=PRODUCT,
                                      rule=equation(grad("L", "A"), grad("L", "C") * Name("B").T)), DELTA * b.T)
        return Explanation(worded(tr("for {product}: {rule}"), product=PRODUCT,
                                  rule=equation(grad("L", "B"), Name("A").T * grad("L", "C"))), a.T * DELTA)


class Transpose(Op):
    """``x.T``, written ``xᵀ``."""

    name = "T"

    def label(self, args: list[Formula]) -> Formula:
        return FormulaOp("ᵀ", (args[0],))

    def shape(self, shapes: list[Shape]) -> Shape:
        return (shapes[0][1], shapes[0][0])

    def forward(self, xs: list[Matrix]) -> Matrix:
        return xs[0].T

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return xs[0].T

    def show(self, xs: list[Matrix]) -> Any:
        return sp.Transpose(xs[0])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [up.T]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        back = equation(grad("L", "A"), Paren(grad("L", Name("A").T)).T)
        return Explanation(worded(tr("a transpose passes the gradient back transposed: {rule}"), rule=back),
                           FormulaOp("ᵀ", (DELTA,)))


class Index(Op):
    """``p[i]`` (a vector's entry) or ``W[i, j]``; the position is fixed when the graph is built."""

    name = "index"

    def __init__(self, row: int, col: int, text: str):
        self.row, self.col, self.text = row, col, text

    def label(self, args: list[Formula]) -> Formula:
        if isinstance(args[0], Name):  # an entry of a named value is a name of its own: p[0]
            return Name(f"{args[0].text}[{self.text}]")
        target = args[0] if precedence(args[0]) == ATOM else Paren(args[0])
        return op("juxtapose", target, Name(f"[{self.text}]"))

    def shape(self, shapes: list[Shape]) -> Shape:
        rows, cols = shapes[0]
        if not (0 <= self.row < rows and 0 <= self.col < cols):
            raise ShapeError(tr("index [{index}] is outside a {shape} value (indices start at 0)", index=self.text,
                                shape=shape_text(shapes[0])))
        return (1, 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        return Matrix([[xs[0][self.row, self.col]]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return xs[0][self.row : self.row + 1, self.col : self.col + 1]

    def show(self, xs: list[Matrix]) -> Any:
        return xs[0][self.row, self.col]

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        grad = sp.zeros(*xs[0].shape)
        grad[self.row, self.col] = entry(up)
        return [Matrix(grad)]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        # Translators: {index} is like 0 or 1, 2; {name} the indexed value
        return Explanation(worded(tr("indexing routes δ to entry [{index}] of {name}; the others get 0"),
                                  index=self.text, name=args[0]), phrase(DELTA, tr("at [{index}]", index=self.text)))


class Sum(Op):
    """``sum(x)``: the sum of all entries."""

    name, role = "sum", mark("sum distributes: every entry receives the upstream gradient")

    def shape(self, shapes: list[Shape]) -> Shape:
        return (1, 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        return Matrix([[sum(xs[0])]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.array([[xs[0].sum()]])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [Matrix(ones(xs[0].shape) * entry(up))]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        # Translators: {rule} is a derivative such as ∂Σa/∂a_i = 1
        return Explanation(worded(tr("{rule} for every entry"), rule=equation(grad(call("Σ", A), Name("a_i")), 1)),
                           DELTA * Number(1))


class Mean(Op):
    """``mean(x)``: the mean of all entries."""

    name = "mean"

    def shape(self, shapes: list[Shape]) -> Shape:
        return (1, 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        return Matrix([[sum(xs[0]) / len(xs[0])]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.array([[xs[0].mean()]])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [Matrix(ones(xs[0].shape) * entry(up) / len(xs[0]))]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        n = len(xs[0])
        local = equation(grad(call("mean", A), Name("a_i")), Number(1) / Number(n))
        return Explanation(worded(tr("{rule} for every entry"), rule=local),
                           DELTA / Number(n))


class Norm2(Op):
    """``norm2(x)`` = ‖x‖² = Σ x²; ``l2`` is the same op (weight decay)."""

    name = "norm2"

    def shape(self, shapes: list[Shape]) -> Shape:
        return (1, 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        return Matrix([[sum(v**2 for v in xs[0])]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.array([[np.sum(xs[0] ** 2)]])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [Matrix(Matrix(2 * xs[0]) * entry(up))]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return show_product(up, Matrix(2 * xs[0]))

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        x = args[0]
        norm = op("²", Call("", (A,), "‖‖"))
        return Explanation(said(equation(grad(norm, A), op("juxtapose", 2, A))), DELTA * op("juxtapose", 2, x))


class Dot(Op):
    """``dot(a, b)``: the sum of the entrywise products."""

    name, arity = "dot", 2

    def shape(self, shapes: list[Shape]) -> Shape:
        if shapes[0] != shapes[1]:
            raise ShapeError(tr("dot needs equal shapes, got {left} and {right}", left=shape_text(shapes[0]),
                                right=shape_text(shapes[1])))

        return (1, 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        return Matrix([[sum(u * v for u, v in zip(xs[0], xs[1]))]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.array([[np.sum(xs[0] * xs[1])]])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        a, b = xs
        return [Matrix(b * entry(up)) if needed[0] else None, Matrix(a * entry(up)) if needed[1] else None]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return show_product(up, xs[1 - position])

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        other = args[1 - position]
        return Explanation(said(equation(grad(call("dot", A, B), (A, B)[position]), (B, A)[position])), DELTA * other)

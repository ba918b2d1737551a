"""The matrix inverse ``inv(A)`` of a square matrix: exact with sympy, float64 with numpy; a singular
matrix is refused with its determinant. Its backward rule, from d(A⁻¹) = −A⁻¹·dA·A⁻¹:
∂L/∂A = −A⁻ᵀ·(∂L/∂Y)·A⁻ᵀ for Y = A⁻¹."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver.engine.exact import TooLarge, tidy
from solver.engine.ops.base import DELTA, Explanation, Matrix, Op, Shape, ShapeError, shape_text
from solver.engine.wording import worded
from solver.formula import Formula, Name, call, equation, grad
from solver.i18n import mark, tr

MAX_EXACT_SIZE = 12  # an exact inverse of a larger matrix is computed in floating point (its fractions explode)
MAX_SYMBOLIC_SIZE = 3  # with symbols (or ln 2, √2) inside: the entries are quotients of determinants of this size
SINGULAR = mark("the matrix is singular (determinant 0), so it has no inverse")


def exact_inverse(a: Matrix) -> Matrix:
    """The inverse of a square matrix of exact numbers or symbols; ValueError when it is singular."""
    n = a.shape[0]
    if all(v.is_Rational for v in a):  # fractions: elimination over the rationals, fast up to MAX_EXACT_SIZE
        return rational_inverse(a)
    if n > MAX_SYMBOLIC_SIZE:
        raise TooLarge("inv", 0, tr("an exact inverse of a {shape} matrix with symbols or irrational entries, beyond "
                                    "{limit}", shape="%d×%d" % (n, n),
                                    limit="%d×%d" % (MAX_SYMBOLIC_SIZE, MAX_SYMBOLIC_SIZE)))
    determinant = tidy(a.det(method="berkowitz"))
    if determinant.is_zero:
        raise ValueError(tr(SINGULAR) if n > 1 else tr("0 has no inverse"))
    adjugate = a.adjugate(method="berkowitz")
    return Matrix(n, n, [tidy(v / determinant) for v in adjugate])


def rational_inverse(a: Matrix) -> Matrix:
    """The inverse of a matrix of fractions, by sympy's elimination over the rationals (DomainMatrix)."""
    from sympy.polys.domains import QQ
    from sympy.polys.matrices import DomainMatrix

    n = a.shape[0]
    if n > MAX_EXACT_SIZE:
        raise TooLarge("inv", 0, tr("an exact inverse of a {shape} matrix, beyond {limit}", shape="%d×%d" % (n, n),
                                    limit="%d×%d" % (MAX_EXACT_SIZE, MAX_EXACT_SIZE)))
    matrix = DomainMatrix.from_Matrix(a).convert_to(QQ)
    if matrix.det() == 0:
        raise ValueError(tr(SINGULAR) if n > 1 else tr("0 has no inverse"))
    return Matrix(matrix.inv().to_Matrix())


def float_inverse(a: Matrix) -> Matrix:
    """The inverse of a matrix of floats (floating-point mode); ValueError when it is singular in float64."""
    values = np.array(a.tolist(), dtype=float)
    if np.linalg.matrix_rank(values) < values.shape[0]:
        raise ValueError(tr("the matrix is singular (in float64: its rank is below its size), so it has no inverse"))
    return Matrix(sp.Matrix(np.linalg.inv(values)).applyfunc(lambda v: sp.Float(v, 17)))


def gauss_jordan_inverse(a: np.ndarray, kind: Any) -> np.ndarray:
    """A⁻¹ by Gauss–Jordan elimination with partial pivoting in the precision ``kind`` (numpy's
    linear algebra computes in float64 only); LinAlgError when a pivot is 0."""
    n = a.shape[0]
    work = np.concatenate([a.astype(kind), np.eye(n, dtype=kind)], axis=1)
    for col in range(n):
        pivot = col + int(np.argmax(np.abs(work[col:, col])))
        if work[pivot, col] == 0:
            raise np.linalg.LinAlgError("singular matrix")
        work[[col, pivot]] = work[[pivot, col]]
        work[col] /= work[col, col]
        for row in range(n):
            if row != col:
                work[row] -= work[row, col] * work[col]
    return work[:, n:]


class Inverse(Op):
    """``inv(A)``: the inverse A⁻¹ of a square matrix."""

    name = "inv"

    def shape(self, shapes: list[Shape]) -> Shape:
        rows, cols = shapes[0]
        if rows != cols:
            raise ShapeError(tr("inv needs a square matrix, got {shape}", shape=shape_text(shapes[0])))
        return shapes[0]

    def forward(self, xs: list[Matrix]) -> Matrix:
        a = xs[0]
        if all(v.is_number for v in a) and any(v.is_Float for v in a):
            return float_inverse(a)
        return exact_inverse(a)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        # solve(A, I) keeps the extended precision of the finite-difference check (inv is float64 only)
        a = xs[0]
        kind = np.result_type(a, float)
        try:
            return np.linalg.inv(a) if kind == np.float64 else gauss_jordan_inverse(a, kind)
        except np.linalg.LinAlgError:
            return np.full(a.shape, np.nan, dtype=kind)

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        inverse_t = out.T
        product = -(inverse_t * up * inverse_t)
        return [Matrix(product.shape[0], product.shape[1], [tidy(v) for v in product])]

    def show(self, xs: list[Matrix]) -> Any:
        return sp.Inverse(xs[0]) if xs[0].shape != (1, 1) else super().show(xs)

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return sp.MatMul(Matrix(-out.T), up, out.T, evaluate=False)

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        a, y = Name("A"), Name("Y")
        inverse_t = call("inv", a).T
        # Translators: {product} is Y = inv(A); {rule} the gradient ∂L/∂A = …
        local = worded(tr("for {product}: {rule}, from d(inv(A)) = −inv(A)·dA·inv(A)"),
                       product=equation(y, call("inv", a)),
                       rule=equation(grad("L", "A"), -(inverse_t * grad("L", "Y") * inverse_t)))

        return Explanation(local, -(call("inv", args[0]).T * DELTA * call("inv", args[0]).T))


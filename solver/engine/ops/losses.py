"""Losses: mean squared error, binary cross-entropy (from probabilities or from logits), negative
log-likelihood, cross-entropy from logits and the multiclass SVM hinge loss, with a class index."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver.engine.exact import positive, same_number, tidy
from solver.engine.ops.activations import LogSoftmax, Softmax, exact_sigmoid, shift
from solver.engine.ops.base import (
    DELTA,
    Explanation,
    Matrix,
    Op,
    Shape,
    ShapeError,
    bare,
    broadcast_apply,
    broadcast_pair,
    broadcast_shape,
    entry,
    hadamard,
    require_vector,
    said,
    shape_text,
    show_hadamard,
    show_product,
    unbroadcast,
)
from solver.engine.wording import worded
from solver.formula import Formula, Name, Number, Paren, call, equation, grad, op
from solver.i18n import mark, tr

P, Y = Name("p"), Name("y")


def class_index(value: Matrix, size: int) -> int:
    """The class a 1×1 value names, checked to be an integer from 0 to ``size`` − 1."""
    c = entry(value)
    if c.is_Float and float(c).is_integer():  # floating-point mode: 1.0 is class 1
        c = sp.Integer(int(c))
    if not (c.is_Integer and 0 <= c < size):
        raise ValueError(tr("a class index must be an integer from 0 to {last}, got {value}", last=size - 1, value=c))
    return int(c)


def _per_entry(rule: Formula, n: int) -> Formula:
    """A mean's rule: divided by the number of entries (when there are several)."""
    return rule / Number(n) if n > 1 else rule


class Mse(Op):
    """``mse(a, b)``: the mean of the squared differences."""

    name, arity = "mse", 2

    def shape(self, shapes: list[Shape]) -> Shape:
        broadcast_shape(shapes[0], shapes[1], "mse")
        return (1, 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        a, b = broadcast_pair(xs[0], xs[1])
        return Matrix([[sum((u - v) ** 2 for u, v in zip(a, b)) / len(a)]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.array([[np.mean((xs[0] - xs[1]) ** 2)]])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        a, b = xs
        n = max(len(a), len(b))
        diff = broadcast_apply(a, b, lambda u, v: 2 * (u - v) / n)
        return [unbroadcast(hadamard(up, diff), a.shape) if needed[0] else None,
                unbroadcast(hadamard(up, -diff), b.shape) if needed[1] else None]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        a, b = args
        n = max(len(xs[0]), len(xs[1]))
        twice = op("juxtapose", 2, Paren(a - b))
        mse = Name("MSE")
        if position == 0:
            return Explanation(said(equation(grad(mse, a), twice / Number(n))), DELTA * twice / Number(n))
        return Explanation(said(equation(grad(mse, b), -twice / Number(n))), -DELTA * twice / Number(n))


class Bce(Op):
    """``bce(p, y)``: mean over entries of −[y ln p + (1 − y) ln(1 − p)] (p probabilities)."""

    transcendental = True
    name, arity, constant_args = "bce", 2, (1,)  # the targets y are data, not differentiated

    def shape(self, shapes: list[Shape]) -> Shape:
        if shapes[0] != shapes[1] and shapes[1] != (1, 1):
            raise ShapeError(tr("bce needs p and y of equal shapes, got {left} and {right}",
                                left=shape_text(shapes[0]), right=shape_text(shapes[1])))
        return (1, 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        p, y = broadcast_pair(xs[0], xs[1])
        for v in p:
            if v.is_number and not (positive(v) and positive(1 - v)):
                raise ValueError(tr("bce needs probabilities strictly between 0 and 1, got {value}", value=v))
        terms = [-(t * sp.log(q) + (1 - t) * sp.log(1 - q)) for q, t in zip(p, y)]
        return Matrix([[tidy(sum(terms) / len(terms))]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        p, y = xs
        return np.array([[np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))]])

    def local(self, xs: list[Matrix]) -> Matrix:
        """(p − y)/(p(1 − p))/n, entrywise."""
        p, y = broadcast_pair(xs[0], xs[1])
        n = len(p)
        return Matrix(xs[0].shape[0], xs[0].shape[1], [tidy((q - t) / (q * (1 - q)) / n) for q, t in zip(p, y)])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [hadamard(up, self.local(xs)), None]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return show_hadamard(up, self.local(xs))

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        n = len(broadcast_pair(xs[0], xs[1])[0])
        p, y = args
        local = Paren(p - y) / Paren(op("juxtapose", p, Paren(1 - p)))
        rule = DELTA * local
        note = equation(grad(Name("BCE"), p), _per_entry(local, n))
        return Explanation(said(note), _per_entry(rule, n))


class BceLogits(Op):
    """``bce_logits(s, y)`` = bce(σ(s), y), computed from the logits."""

    transcendental = exponential = True
    name, arity, constant_args = "bce_logits", 2, (1,)

    def shape(self, shapes: list[Shape]) -> Shape:
        return Bce().shape(shapes)

    def forward(self, xs: list[Matrix]) -> Matrix:
        s, y = broadcast_pair(xs[0], xs[1])
        # −ln σ(v) = ln(1 + e^(−v)) and −ln(1 − σ(v)) = ln(1 + e^v): no fraction inside the logarithm
        terms = [t * sp.log(1 + sp.exp(-v)) + (1 - t) * sp.log(1 + sp.exp(v)) for v, t in zip(s, y)]
        return Matrix([[tidy(sum(terms) / len(terms))]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        s, y = xs
        return np.array([[np.mean(np.maximum(s, 0) - s * y + np.log1p(np.exp(-np.abs(s))))]])

    def local(self, xs: list[Matrix]) -> Matrix:
        """(σ(s) − y)/n, entrywise."""
        s, y = broadcast_pair(xs[0], xs[1])
        n = len(s)
        return Matrix(xs[0].shape[0], xs[0].shape[1], [tidy((exact_sigmoid(v) - t) / n) for v, t in zip(s, y)])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [hadamard(up, self.local(xs)), None]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return show_hadamard(up, self.local(xs))

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        n = len(broadcast_pair(xs[0], xs[1])[0])
        scale = f"/{n}" if n > 1 else ""
        local = call("σ", args[0]) - args[1]
        return Explanation(said(equation(grad(Name("BCE"), args[0]), _per_entry(local, n) if scale else local)),
                           _per_entry(DELTA * Paren(local), n))


class Nll(Op):
    """``nll(p, c)`` = −ln p[c] for a probability vector p and a class index c."""

    name, arity, constant_args = "nll", 2, (1,)

    def shape(self, shapes: list[Shape]) -> Shape:
        require_vector(shapes[0], "nll")
        if shapes[1] != (1, 1):
            raise ShapeError(tr("the class of nll must be one index, got {shape}", shape=shape_text(shapes[1])))
        return (1, 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        p, c = xs[0], class_index(xs[1], len(xs[0]))
        if p[c].is_number and p[c].is_zero:
            raise ValueError(tr("the cross-entropy is infinite: the probability of the target class, p[{index}], is 0 "
                                "and −ln 0 = ∞", index=c))
        if p[c].is_number and not p[c].is_positive:
            raise ValueError(tr("nll needs a positive probability p[{index}], got {value}", index=c, value=p[c]))
        return Matrix([[tidy(-sp.log(p[c]))]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.array([[-np.log(xs[0].reshape(-1)[round(float(xs[1][0, 0]))])]])

    def local(self, xs: list[Matrix]) -> Matrix:
        """−1/p[c] at entry c, 0 elsewhere."""
        p, c = xs[0], class_index(xs[1], len(xs[0]))
        grad = sp.zeros(*p.shape)
        row, col = (c, 0) if p.shape[1] == 1 else (0, c)
        grad[row, col] = tidy(-1 / list(p)[c])
        return Matrix(grad)

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [Matrix(self.local(xs) * entry(up)), None]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return show_product(up, self.local(xs))

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        c = class_index(xs[1], len(xs[0]))
        pc = Name(f"p[{c}]")
        local = equation(grad(-call("ln", pc), Name("p")), -Number(1) / pc)
        p = bare(args[0])
        p_c = call(str(p), Number(c), brackets="[]") if isinstance(p, Name) else pc
        # Translators: {rule} is a derivative; {index} the target class (0, 1, …)
        return Explanation(worded(tr("{rule} at entry {index}, 0 elsewhere"), rule=local, index=str(c)),
                           -DELTA * call("onehot", Number(c)) / p_c)


class CrossEntropy(Op):
    """``cross_entropy(s, c)`` = −log_softmax(s)[c], from logits s and a class index c."""

    transcendental = True  # exact with the maximum subtracted (see activations.shift)
    name, arity, constant_args = "cross_entropy", 2, (1,)

    def shape(self, shapes: list[Shape]) -> Shape:
        return Nll().shape(shapes)

    def forward(self, xs: list[Matrix]) -> Matrix:
        s, c = xs[0], class_index(xs[1], len(xs[0]))
        shift(s)  # the spread is within exact arithmetic's reach
        return Matrix([[tidy(sp.log(sum(sp.exp(v - s[c]) for v in s)))]])  # −ln softmax(s)[c] = ln Σ e^(s_j − s_c)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.array([[-LogSoftmax().numeric([xs[0]]).reshape(-1)[round(float(xs[1][0, 0]))]]])

    def local(self, xs: list[Matrix]) -> Matrix:
        """softmax(s) − onehot(c)."""
        s, c = xs[0], class_index(xs[1], len(xs[0]))
        onehot = Matrix(s.shape[0], s.shape[1], [1 if i == c else 0 for i in range(len(s))])
        return Matrix(Softmax().forward([s]) - onehot)

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [hadamard(up, self.local(xs)), None]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return show_product(up, self.local(xs))

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        c = class_index(xs[1], len(xs[0]))
        local = call("softmax", args[0]) - call("onehot", Number(c))
        return Explanation(said(equation(grad(Name("CE"), args[0]), local)),
                           DELTA * Paren(P - call("onehot", Y)))


HINGE_RULE = mark("a margin of exactly 0 counts as inactive (max(0, m)' = 0 at m = 0, as PyTorch's "
                  "MultiMarginLoss); the subgradient 1 there is the alternative")


class SvmLoss(Op):
    """``svm_loss(s, c)`` = Σ_{j≠c} max(0, s_j − s_c + 1): the multiclass SVM (hinge) loss of cs231n."""

    name, arity, constant_args = "svm_loss", 2, (1,)

    def shape(self, shapes: list[Shape]) -> Shape:
        require_vector(shapes[0], "svm_loss")
        if shapes[1] != (1, 1):
            raise ShapeError(tr("the class of svm_loss must be one index, got {shape}", shape=shape_text(shapes[1])))
        return (1, 1)

    def margins(self, xs: list[Matrix]) -> tuple[list[Any], int]:
        """The margins s_j − s_c + 1 of every class (the correct class's own is left out of the sum) and c."""
        s, c = list(xs[0]), class_index(xs[1], len(xs[0]))
        if not all(v.is_number for v in s):
            raise ValueError(tr("svm_loss compares scores: they must be numbers, not symbols"))
        return [v - s[c] + 1 for v in s], c

    def active(self, xs: list[Matrix]) -> Matrix:
        """The local derivative: 1 where a margin j ≠ c is > 0, minus their count at c, 0 elsewhere."""
        margins, c = self.margins(xs)
        on = [int(j != c and positive(m)) for j, m in enumerate(margins)]
        on[c] = -sum(on)
        return Matrix(xs[0].shape[0], xs[0].shape[1], on)

    def forward(self, xs: list[Matrix]) -> Matrix:
        margins, c = self.margins(xs)
        return Matrix([[sum((m for j, m in enumerate(margins) if j != c and positive(m)), sp.Integer(0))]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        s = xs[0].reshape(-1)
        c = round(float(xs[1].reshape(-1)[0]))
        margins = np.maximum(0, s - s[c] + 1)
        return np.array([[margins.sum() - margins[c]]])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [hadamard(up, self.active(xs)), None]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return show_product(up, self.active(xs))

    def show(self, xs: list[Matrix]) -> Any:
        """The sum of the hinges with numbers: max(0, s_j − s_c + 1) for every j ≠ c, unevaluated."""
        if not isinstance(xs[0], sp.MatrixBase):
            return super().show(xs)
        s, c = list(xs[0]), class_index(xs[1], len(xs[0]))
        hinges = [sp.Function("max")(0, sp.Add(v, -s[c], 1, evaluate=False)) for j, v in enumerate(s) if j != c]
        return sp.Add(*hinges, evaluate=False) if len(hinges) > 1 else hinges[0]

    def branch(self, xs: list[np.ndarray]) -> np.ndarray | None:
        s = xs[0].reshape(-1)
        return np.sign(s - s[round(float(xs[1].reshape(-1)[0]))] + 1)

    def kink(self, xs: list[Matrix]) -> str | None:
        margins, c = self.margins(xs)
        if any(j != c and same_number(m, sp.Integer(0)) for j, m in enumerate(margins)):
            # Translators: {rule} is the sentence "a margin of exactly 0 counts as inactive …"
            return tr("a margin s_j − s_c + 1 of svm_loss is exactly 0: {rule}", rule=tr(HINGE_RULE))
        return None

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        _, c = self.margins(xs)
        # Translators: {margins} is m_j = s_j − s_c + 1; {index} the target class; {rule} "a margin of exactly 0 …"
        local = worded(tr("with margins {margins} (c = {index}): 1 at each j ≠ c with m_j > 0, minus their count n at "
                          "c, 0 elsewhere; {rule}"), margins=equation(Name("m_j"), Name("s_j") - Name("s_c") + 1),
                       index=str(c), rule=tr(HINGE_RULE))

        onehot = Name("n") * call("onehot", Number(c))
        return Explanation(local, DELTA * Paren(Name("[m > 0]") - onehot))

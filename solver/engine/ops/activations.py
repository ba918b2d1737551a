"""Activation functions: entrywise ones (relu, leaky_relu, sigmoid, tanh, exp, log), max (entrywise or
over all entries), softmax and log_softmax; with the kink conventions of relu, leaky_relu and max."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import sympy as sp

from solver.engine.exact import positive, reduce_hyperbolic, same_number, tidy
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
    is_scalar,
    phrase,
    require_vector,
    said,
    shape_text,
    show_hadamard,
    unbroadcast,
)
from solver.engine.wording import linked, worded
from solver.formula import Call, Formula, Name, Number, call, equation, op
from solver.i18n import mark, ntr, prose_number, tr

ROUNDED_ZERO = 1e-12  # a floating-point input this close to a kink may be an exact 0 that rounding moved


class sigmoid(sp.Function):  # lowercase as it prints, sigmoid(31*log(2)/20), which dlsolve reads back
    """σ(x) left unevaluated, for showing a value: σ(31/20·ln 2) reads better than 1/(1 + 2^(−31/20))."""

    def _eval_evalf(self, prec: int) -> Any:
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)


def exact_sigmoid(v: Any) -> Any:
    """σ(v) = 1/(1 + e^(−v)), tidied so that σ(ln 2) = 2/3 and σ(0) = 1/2."""
    return tidy(1 / (1 + sp.exp(-v)))


def rounded_kink(name: str, convention: str, values: Matrix) -> str | None:
    """In floating point, a sentence when an input lies within rounding of a kink: 1/3 + 2/3 − 1 is
    1.1e-16, not 0, so the float solve can take the other side of a kink than the exact one."""
    near = [v for v in values if v.is_Float and abs(v) < ROUNDED_ZERO]
    if not near:
        return None
    # Translators: {name} is an op (relu); {value} a decimal such as 1.1e-16; {convention} like ReLU'(0) = 0
    return tr("an input of {name} is {value}, which may be a 0 moved by floating-point rounding: if it is exactly 0, "
              "the convention {convention} gives another gradient (solve exactly to know)", name=name,
              value=prose_number(f"{float(near[0]):.1e}"), convention=convention)


def joined(*sentences: str | None) -> str | None:
    """The sentences that are there, joined by semicolons (None if none is)."""
    return "; ".join(s for s in sentences if s) or None


def _times_derivative(x: Matrix, what: Formula) -> Formula:
    """``δ ⊙ f'(x)``, or ``δ·f'(x)`` for a scalar x."""
    return op("·" if is_scalar(x) else "⊙", DELTA, what)


class Elementwise(Op):
    """A function applied to every entry; subclasses give f, f′ and their notation."""

    derivative_text: ClassVar[str] = ""
    batched = True
    written: ClassVar[str] = ""  # the function's name in formulas when it differs from the op's (σ)

    def derivative_form(self, x: Formula) -> Formula | None:
        """f′(x) as a formula (None: said in words, ``derivative_text``)."""
        return None

    def f(self, v: Any) -> Any:
        """The function at one exact entry."""
        raise NotImplementedError

    def df(self, v: Any, out: Any) -> Any:
        """Its derivative at one entry ``v`` whose output is ``out``."""
        raise NotImplementedError

    def forward(self, xs: list[Matrix]) -> Matrix:
        return xs[0].applyfunc(self.f)

    def derivative(self, xs: list[Matrix], out: Matrix) -> Matrix:
        """f′ at every entry of the first input."""
        x = xs[0]
        return Matrix(x.shape[0], x.shape[1], [tidy(self.df(v, o)) for v, o in zip(x, out)])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [hadamard(up, self.derivative(xs, out)), *[None] * (len(xs) - 1)]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return show_hadamard(up, self.derivative(xs, out))

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        x, what = xs[0], Call(f"{self.written or self.name}'", (bare(args[0]),))
        # the note states the rule for any input a, so a sheet states it once however often it is used
        a = Name("a")
        rule, form = Call(f"{self.written or self.name}'", (a,)), self.derivative_form(a)
        # Translators: {rule} is relu'(a)
        local = linked(equation(rule, form)) if form is not None else worded(
            tr("{rule} = 1 where a > 0, else 0 (ReLU'(0) = 0, as PyTorch)"), rule=rule)
        if 1 in x.shape and len(x) > 1:  # the Jacobian of an entrywise function of a vector is diagonal
            # Translators: {rule} is a derivative such as σ'(a); {n}×{n} is the Jacobian's shape
            jacobian = ntr("for a vector a of {n} entry, the Jacobian diag({rule}) is {n}×{n}, zero off the diagonal",
                           "for a vector a of {n} entries, the Jacobian diag({rule}) is {n}×{n}, zero off the "
                           "diagonal", len(x), rule="{rule}")  # {rule} kept for worded, which puts the formula in
            local = linked(local, "; ", worded(jacobian, rule=rule))
        return Explanation(local, _times_derivative(x, what))


class Relu(Elementwise):
    """``relu(x)`` = max(0, x), with ReLU'(0) = 0."""

    name, derivative_text = "relu", "1 where {x} > 0, else 0 (ReLU'(0) = 0, as PyTorch)"
    role = mark("relu routes: passes the gradient where the input is positive")

    def f(self, v: Any) -> Any:
        return sp.Max(0, v) if not v.is_number else (v if positive(v) else sp.Integer(0))

    def df(self, v: Any, out: Any) -> Any:
        return sp.Heaviside(v, 0) if not v.is_number else sp.Integer(1 if positive(v) else 0)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.maximum(xs[0], 0.0)

    def kink(self, xs: list[Matrix]) -> str | None:
        exact = tr("an input of relu is exactly 0: the convention ReLU'(0) = 0 decides its gradient") \
            if any(same_number(v, sp.Integer(0)) for v in xs[0]) else None
        return joined(exact, rounded_kink("relu", "ReLU'(0) = 0", xs[0]))

    def branch(self, xs: list[np.ndarray]) -> np.ndarray | None:
        return xs[0] > 0


class LeakyRelu(Elementwise):
    """``leaky_relu(x, a)``: x for x > 0, a·x otherwise; the slope a is a constant."""

    name, arity, constant_args = "leaky_relu", 2, (1,)

    def shape(self, shapes: list[Shape]) -> Shape:
        if shapes[1] != (1, 1):
            raise ShapeError(tr("the slope of leaky_relu must be a scalar, got {shape}", shape=shape_text(shapes[1])))
        return shapes[0]

    def forward(self, xs: list[Matrix]) -> Matrix:
        a = entry(xs[1])
        return xs[0].applyfunc(lambda v: v if positive(v) else a * v)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.where(xs[0] > 0, xs[0], xs[1] * xs[0])

    def derivative(self, xs: list[Matrix], out: Matrix) -> Matrix:
        a = entry(xs[1])
        return xs[0].applyfunc(lambda v: sp.Integer(1) if positive(v) else a)

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        what = Call("leaky_relu'", (bare(args[0]),))
        # Translators: {rule} is leaky_relu'(a); {slope} a number
        return Explanation(worded(tr("{rule} = 1 where a > 0, else {slope} (the slope; also at 0, as PyTorch)"),
                                  rule=Call("leaky_relu'", (Name("a"),)), slope=str(entry(xs[1]))),
                           _times_derivative(xs[0], what))

    def kink(self, xs: list[Matrix]) -> str | None:
        exact = tr("an input of leaky_relu is exactly 0: the convention LeakyReLU'(0) = slope decides its gradient") \
            if any(same_number(v, sp.Integer(0)) for v in xs[0]) else None
        return joined(exact, rounded_kink("leaky_relu", "LeakyReLU'(0) = slope", xs[0]))

    def branch(self, xs: list[np.ndarray]) -> np.ndarray | None:
        return xs[0] > 0


class Sigmoid(Elementwise):
    """``sigmoid(x)`` = 1/(1 + e^(−x))."""

    transcendental = exponential = True
    name, derivative_text, written = "sigmoid", "σ({x})·(1 − σ({x}))", "σ"

    def derivative_form(self, x: Formula) -> Formula | None:
        return call("σ", x) * (1 - call("σ", x))

    def f(self, v: Any) -> Any:
        return exact_sigmoid(v)

    def df(self, v: Any, out: Any) -> Any:
        return out * (1 - out)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-xs[0]))

    def show(self, xs: list[Matrix]) -> Any:
        return sp.Function("sigma")(entry(xs[0]) if is_scalar(xs[0]) else xs[0])


class Tanh(Elementwise):
    """``tanh(x)``."""

    transcendental = exponential = True
    name, derivative_text = "tanh", "1 − tanh²({x})"

    def derivative_form(self, x: Formula) -> Formula | None:
        return 1 - op("²", call("tanh", x))

    def f(self, v: Any) -> Any:
        return reduce_hyperbolic(sp.tanh(v))  # tanh(ln 2) = 3/5, as σ(ln 2) = 2/3

    def df(self, v: Any, out: Any) -> Any:
        return 1 - out**2

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.tanh(xs[0])


class Exp(Elementwise):
    """``exp(x)``."""

    transcendental = exponential = True
    name, derivative_text = "exp", "exp({x})"

    def derivative_form(self, x: Formula) -> Formula | None:
        return call("exp", x)

    def f(self, v: Any) -> Any:
        return sp.exp(v)

    def df(self, v: Any, out: Any) -> Any:
        return out

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.exp(xs[0])


LOG_ZERO = mark("ln 0 = −∞, so a cross-entropy that takes the log of this zero probability is infinite (−ln 0 = ∞); "
                "nll(p, c) reads only the probability of the target class")


class Log(Elementwise):
    """``log(x)`` (also ``ln``), the natural logarithm of a positive x."""

    transcendental = True
    name, derivative_text, written = "log", "1/{x}", "ln"

    def derivative_form(self, x: Formula) -> Formula | None:
        return Number(1) / x

    def forward(self, xs: list[Matrix]) -> Matrix:
        x = xs[0]
        for k, v in enumerate(x):
            if v.is_number and not v.is_positive:
                rows, cols = x.shape
                index = "" if rows == cols == 1 else f"{k}" if 1 in (rows, cols) else f"{k // cols}, {k % cols}"
                # Translators: {index} is an entry's index such as 2 or 0, 1
                at = " " + tr("at entry [{index}]", index=index) if index else ""
                raise ValueError(tr("log of {value} (not positive){where}", value=v, where=at)
                                 + (": " + tr(LOG_ZERO) if v.is_zero else ""))
        return x.applyfunc(self.f)

    def f(self, v: Any) -> Any:
        return sp.expand_log(sp.log(v), force=True)

    def df(self, v: Any, out: Any) -> Any:
        return 1 / v

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.log(xs[0])

    def show(self, xs: list[Matrix]) -> Any:
        return sp.Function("ln")(entry(xs[0]) if is_scalar(xs[0]) else xs[0])


class Max(Op):
    """``max(a, b)`` elementwise, or ``max(x)`` over all entries; ties share the gradient evenly (as PyTorch)."""

    name, role = "max", mark("max routes: the gradient goes to the larger input")

    def __init__(self, arity: int = 1):
        self.arity = arity

    def shape(self, shapes: list[Shape]) -> Shape:
        return broadcast_shape(shapes[0], shapes[1], "max") if self.arity == 2 else (1, 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        if self.arity == 2:
            return broadcast_apply(xs[0], xs[1], lambda u, v: sp.Max(u, v))
        return Matrix([[sp.Max(*xs[0])]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.maximum(xs[0], xs[1]) if self.arity == 2 else np.array([[xs[0].max()]])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        if self.arity == 1:
            x = xs[0]
            winners = [same_number(v, entry(out)) for v in x]
            share = entry(up) / sum(winners)
            return [Matrix(x.shape[0], x.shape[1], [share if w else 0 for w in winners])]
        a, b = xs

        def pick(u: Any, v: Any) -> Any:  # 1 where u wins, ½ at a tie
            return sp.Integer(1) if positive(u - v) else (sp.Rational(1, 2) if same_number(u, v) else 0)

        return [unbroadcast(hadamard(up, broadcast_apply(a, b, pick)), a.shape) if needed[0] else None,
                unbroadcast(hadamard(up, broadcast_apply(b, a, pick)), b.shape) if needed[1] else None]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        if self.arity == 1:
            ties = sum(same_number(v, entry(out)) for v in xs[0]) > 1
            return Explanation(said(tr("max routes δ to the largest entries (shared evenly)") if ties
                                    else tr("max routes δ to the largest entry")), phrase(DELTA, tr("at the argmax")))
        mine, other = args[position], args[1 - position]
        # Translators: {mine} and {other} are the two inputs of max(a, b)
        return Explanation(worded(tr("1 where {mine} > {other} (½ at a tie)"), mine=mine, other=other),
                           phrase(DELTA, tr("where {mine} wins", mine=mine)))

    def kink(self, xs: list[Matrix]) -> str | None:
        if self.arity == 2 and any(same_number(u, v) for u, v in zip(*(broadcast_pair(xs[0], xs[1])))):
            return tr("the inputs of max are equal: the gradient is shared evenly (PyTorch's convention)")
        if self.arity == 1 and sum(same_number(v, max(xs[0])) for v in xs[0]) > 1:
            return tr("max has a tie: the gradient is shared evenly (PyTorch's convention)")
        return None

    def branch(self, xs: list[np.ndarray]) -> np.ndarray | None:
        return np.sign(xs[0] - xs[1]) if self.arity == 2 else xs[0] == xs[0].max()


SHOWN_SHIFT = 10  # a softmax whose largest logit is at least this shows the maximum subtracted


def shift(s: Matrix) -> Any:
    """The largest entry of a vector of numbers (0 when an entry is symbolic): softmax(s) = softmax(s − max s),
    and with the maximum subtracted no exponential exceeds 1, so logits of 1000 stay exact. Raises TooLarge
    when the entries spread further than exact arithmetic can follow (see engine.exact.MAX_EXPONENT_INPUT)."""
    from solver.engine.exact import MAX_EXPONENT_INPUT, TooLarge, to_float

    if not all(v.is_number for v in s):
        return sp.Integer(0)
    top = s[0]
    for v in s:
        top = v if positive(v - top) else top
    spread = max(abs(to_float(top - v)) for v in s)
    if spread > MAX_EXPONENT_INPUT and not any(v.has(sp.Float) for v in s):  # floats: the shift keeps them finite
        raise TooLarge("softmax", 0, tr("the logits of a softmax spread over {spread}, beyond {limit}",
                                        spread=prose_number(f"{spread:.4g}"), limit=MAX_EXPONENT_INPUT))
    return top


class Softmax(Op):
    """``softmax(s)`` of a vector, computed exactly with the maximum subtracted (shift invariance)."""

    transcendental = True
    name = "softmax"

    def shape(self, shapes: list[Shape]) -> Shape:
        require_vector(shapes[0], "softmax")
        return shapes[0]

    def forward(self, xs: list[Matrix]) -> Matrix:
        top = shift(xs[0])
        exps = [sp.exp(v - top) for v in xs[0]]
        total = sum(exps)
        return Matrix(xs[0].shape[0], xs[0].shape[1], [tidy(e / total) for e in exps])

    def show(self, xs: list[Matrix]) -> Any:
        top = shift(xs[0])
        if top.is_number and top >= SHOWN_SHIFT:  # the stable form: softmax(s − max s)
            shifted = sp.MatAdd(xs[0], sp.MatMul(-top, Matrix.ones(*xs[0].shape), evaluate=False), evaluate=False)
            return sp.Function(self.name)(shifted)
        return super().show(xs)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        e = np.exp(xs[0] - xs[0].max())
        return e / e.sum()

    @staticmethod
    def jacobian(out: Matrix) -> Matrix:
        """diag(p) − p·pᵀ for p = softmax(s)."""
        p = list(out)
        return Matrix(len(p), len(p), lambda i, j: (p[i] if i == j else 0) - p[i] * p[j])

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        grad = Matrix(self.jacobian(out) * Matrix(list(up)))
        return [Matrix(out.shape[0], out.shape[1], [tidy(v) for v in grad])]

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        return sp.MatMul(self.jacobian(out), Matrix(list(up)), evaluate=False)

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        p = Name("p")
        # Translators: {jacobian} and {probabilities} are formulas (J = diag(p) − p·pᵀ, p = softmax(s))
        return Explanation(worded(tr("{jacobian} with {probabilities} (symmetric)"),
                                  jacobian=equation(Name("J"), call("diag", p) - p * p.T),
                                  probabilities=equation(p, call("softmax", args[0]))), Name("J") * DELTA)


class LogSoftmax(Op):
    """``log_softmax(s)`` of a vector: s − ln Σ e^s (exactly, with the maximum subtracted)."""

    transcendental = True
    name = "log_softmax"

    def shape(self, shapes: list[Shape]) -> Shape:
        require_vector(shapes[0], "log_softmax")
        return shapes[0]

    def forward(self, xs: list[Matrix]) -> Matrix:
        top = shift(xs[0])
        lse = sp.log(sum(sp.exp(v - top) for v in xs[0]))
        return xs[0].applyfunc(lambda v: tidy(v - top - lse))

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        m = xs[0].max()
        return xs[0] - m - np.log(np.exp(xs[0] - m).sum())

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        p = Softmax().forward(xs)
        total = sum(up)
        return [Matrix(up.shape[0], up.shape[1], [tidy(u - q * total) for u, q in zip(up, p)])]

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        p = equation(Name("p"), call("softmax", args[0]))
        return Explanation(worded(tr("log_softmax passes back δ − p·Σδ with {probabilities}"), probabilities=p),

                           DELTA - Name("p") * op("juxtapose", "Σ", DELTA))

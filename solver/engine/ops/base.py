"""The op interface and what every op shares: the Matrix and Shape types, shape and broadcasting
rules, and the unevaluated products the trace shows.

An op's math (shape, exact and float forward, backward) and its words (how a node is written, the
local derivative in words, the chain-rule product in general form) are separate methods: the
backward loop calls only the math; the trace asks :meth:`Op.explain` for the words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

import numpy as np
import sympy as sp

from solver.formula import Call, Formula, Name
from solver.formula import Op as FormulaOp
from solver.i18n import tr
from solver.trace import Phrase, Words

Matrix: TypeAlias = sp.ImmutableMatrix
Shape: TypeAlias = tuple[int, int]

DELTA = Name("δ")  # the upstream gradient ∂L/∂(node) in a rule's general form; the trace replaces it


class ShapeError(ValueError):
    """Operand shapes do not fit the operation; the message names them."""


@dataclass(frozen=True)
class Explanation:
    """The words for one input's share of a backward step."""

    local: Words  # the local derivative: prose, or a Phrase whose formulas printers typeset (∂(a + b)/∂b = 1)
    rule: Formula  # the product in general form with the upstream gradient as DELTA, e.g. Wᵀ·δ


def said(*parts: object) -> Phrase:
    """A note from words and formulas in reading order (printers typeset the formulas)."""
    return Phrase(tuple(parts))


A, B = Name("a"), Name("b")  # the operands of a rule named in general form: ∂(a + b)/∂b = 1


def bare(formula: Formula) -> Formula:
    """An operand without the brackets it wears inside products (a function's argument needs none)."""
    from solver.formula import Paren

    return formula.body if isinstance(formula, Paren) else formula


def phrase(formula: Formula, words: str) -> Formula:
    """``formula`` followed by words, for a rule said partly in words (``δ at the argmax``); the leading
    space marks the name as words, which printers set as text."""
    return FormulaOp("juxtapose", (formula, Name(f" {words}")))


def shape_text(shape: Shape) -> str:
    """``2×3`` (``scalar`` for 1×1)."""
    return tr("scalar") if shape == (1, 1) else f"{shape[0]}×{shape[1]}"


def is_scalar(value: Any) -> bool:
    """Whether a value (Matrix or array) is 1×1."""
    return tuple(value.shape) == (1, 1)


def ones(shape: Shape) -> Matrix:
    """A matrix of ones."""
    return Matrix.ones(*shape)


def entry(value: Any) -> Any:
    """The single entry of a 1×1 matrix."""
    return value[0, 0]


def broadcast_shape(a: Shape, b: Shape, symbol: str) -> Shape:
    """The elementwise result shape: each dimension equal, or 1 on one side (as numpy broadcasts)."""
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            # Translators: {symbol} is an operator such as + or *; {left}, {right} shapes such as 2×1 or "scalar"
            raise ShapeError(tr("'{symbol}' needs equal shapes (or a scalar, row or column to repeat), got {left} "
                                "and {right}", symbol=symbol, left=shape_text(a), right=shape_text(b)))
    return (max(a[0], b[0]), max(a[1], b[1]))


def broadcast_pair(a: Matrix, b: Matrix) -> tuple[Matrix, Matrix]:
    """Both operands repeated to the common shape."""
    if a.shape == b.shape:
        return a, b
    rows, cols = broadcast_shape(a.shape, b.shape, "broadcast")

    def grow(m: Matrix) -> Matrix:
        return Matrix(rows, cols, lambda i, j: m[i if m.shape[0] > 1 else 0, j if m.shape[1] > 1 else 0])

    return grow(a), grow(b)


def broadcast_apply(a: Matrix, b: Matrix, f: Callable[[Any, Any], Any]) -> Matrix:
    """``f`` on every pair of entries, the operands broadcast to a common shape."""
    a, b = broadcast_pair(a, b)
    return Matrix(a.shape[0], a.shape[1], [f(u, v) for u, v in zip(a, b)])


def hadamard(a: Matrix, b: Matrix) -> Matrix:
    """Elementwise product, with broadcasting (a 1×1 operand, or a row/column against a matrix)."""
    a, b = broadcast_pair(a, b)
    return Matrix(a.multiply_elementwise(b))


def unbroadcast(grad: Matrix, shape: Shape) -> Matrix:
    """Sum a gradient back over the rows/columns along which its operand was broadcast."""
    rows, cols = shape
    if grad.shape[0] != rows:  # broadcast down the rows: sum them
        grad = Matrix([[sum(grad.col(j)) for j in range(grad.shape[1])]])
    if grad.shape[1] != cols:  # broadcast across the columns: sum them
        grad = Matrix([[sum(grad.row(i))] for i in range(grad.shape[0])])
    return grad


def require_vector(shape: Shape, name: str) -> None:
    """Raise ShapeError unless ``shape`` is a row or a column."""
    if 1 not in shape:
        raise ShapeError(tr("{name} needs a vector, got a {shape} matrix", name=name, shape=shape_text(shape)))



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
    a, b = broadcast_pair(a, b)
    return sp.HadamardProduct(a, b, evaluate=False)


class Op:
    """Base class; subclasses set ``name`` and implement the rules."""

    name: str
    arity: int = 1
    role: ClassVar[str] = ""  # a cs231n gate pattern, shown on scalar graphs ("add distributes")
    constant_args: ClassVar[tuple[int, ...]] = ()  # argument positions that must be constants (class, slope)
    transcendental: ClassVar[bool] = False  # exp or log inside: see engine.exact.MAX_TRANSCENDENTAL_INPUT
    exponential: ClassVar[bool] = False  # exp of its input inside: see engine.exact.MAX_EXPONENT_INPUT
    keywords: ClassVar[dict[str, type | tuple[type, ...]]] = {}  # settings it takes by keyword, and their types
    signature: ClassVar[tuple[str, ...]] = ()  # its arguments' names when settings may also be given positionally
    keyword_defaults: ClassVar[dict[str, str]] = {}  # a setting left out takes the value of the one named
    batched: ClassVar[bool] = False  # numeric and branch also take inputs with a leading batch axis (floats.py)

    # --- math ---------------------------------------------------------------------------------

    def shape(self, shapes: list[Shape]) -> Shape:
        """The output shape (raise ShapeError when the inputs do not fit)."""
        return shapes[0]

    def forward(self, xs: list[Matrix]) -> Matrix:
        """The exact output."""
        raise NotImplementedError

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        """The float64 output."""
        raise NotImplementedError

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        """The contribution to each needed input's gradient (None for the others), given the upstream
        gradient ``up`` of the output ``out``."""
        raise NotImplementedError

    def branch(self, xs: list[np.ndarray]) -> np.ndarray | None:
        """For an op with kinks: which smooth piece each output is on, from float64 inputs. A finite
        difference whose step changes a piece crosses a kink and says nothing about the derivative."""
        return None

    # --- how the trace shows it ----------------------------------------------------------------

    def label(self, args: list[Formula]) -> Formula:
        """How the node is written, e.g. ``relu(k)``."""
        return Call(self.name, tuple(args))

    def show(self, xs: list[Matrix]) -> Any:
        """The output with the inputs' values substituted, unevaluated, for the forward trace."""
        return sp.Function(self.name)(*[entry(x) if is_scalar(x) else x for x in xs])

    def shown(self, xs: list[Matrix], out: Matrix, up: Matrix, position: int) -> Any:
        """The contribution to input ``position`` as an unevaluated product with numbers, or None."""
        return None

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        """The words for input ``position``'s contribution; ``args`` are the inputs as written."""
        raise NotImplementedError

    def kink(self, xs: list[Matrix]) -> str | None:
        """A sentence when an input sits exactly where the derivative is decided by convention."""
        return None

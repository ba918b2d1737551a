"""Pooling: ``max_pool1d``/``max_pool2d``, ``avg_pool1d``/``avg_pool2d`` with a kernel size and a stride
(no padding, windows that do not fit dropped, as PyTorch's defaults), and the global pools
``global_maxpool``/``global_avgpool`` over every entry.

One channel: a 1D pool reads a row or a column vector and keeps its orientation, a 2D pool reads a
matrix. A max pool's tie gives the whole gradient to the first largest entry of the window in reading
order (row by row), as PyTorch's max_pool and adaptive_max_pool do; ``max(x)`` shares it evenly instead.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import sympy as sp

from solver.engine.exact import positive, same_number
from solver.engine.ops.base import (
    DELTA,
    Explanation,
    Matrix,
    Op,
    Shape,
    ShapeError,
    entry,
    require_vector,
    said,
    shape_text,
)
from solver.engine.ops.linear import Mean
from solver.engine.wording import worded
from solver.formula import Formula, Name, Number, call, equation, grad
from solver.i18n import mark, tr

Cell = tuple[int, int]
Window = list[Cell]

TIE_RULE = mark("the whole gradient goes to the first largest entry in reading order (row by row), as PyTorch's "
                "max pooling does; the alternative shares it evenly among the tied entries, as max(x) does here")
KERNEL_SIZE, STRIDE = mark("kernel size"), mark("stride")


def whole_setting(value: Any, what: str, name: str) -> int:
    """A kernel size or stride given as a 1×1 value: a whole number of at least 1 (a float 2.0 counts)."""
    v = entry(value)
    number = float(v) if isinstance(v, (np.floating, float)) or getattr(v, "is_Float", False) else v
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if isinstance(number, (sp.Integer, int)) and not isinstance(number, bool) and int(number) >= 1:
        return int(number)
    # Translators: {setting} is "kernel size" or "stride"; {name} an op such as max_pool2d
    raise ValueError(tr("the {setting} of {name} must be a whole number of at least 1, got {value}", setting=tr(what),
                        name=name, value=v))


def first_largest(values: list[Any]) -> int:
    """The index of the first largest of exact numbers (PyTorch's max_pool at a tie)."""
    if not all(v.is_number for v in values):
        raise ValueError(tr("a max pool compares numbers: its input must not hold symbols"))
    best = 0
    for i, v in enumerate(values):
        if positive(v - values[best]):
            best = i
    return best


class Pool(Op):
    """``max_pool2d(x, k, s)`` and the like: k×k windows (length k in 1D) moved by s, no padding."""

    dims: ClassVar[int] = 2
    largest: ClassVar[bool] = True  # max pool; else average pool
    arity, constant_args = 3, (1, 2)
    keywords: ClassVar[dict[str, type | tuple[type, ...]]] = {"kernel_size": int, "stride": int}
    signature = ("input", "kernel_size", "stride")  # PyTorch's names: max_pool2d(X, kernel_size=2, stride=2)
    keyword_defaults: ClassVar[dict[str, str]] = {"stride": "kernel_size"}  # PyTorch's default stride

    def settings(self, xs: list[Any]) -> tuple[int, int]:
        """(kernel size, stride) from the constant arguments."""
        return whole_setting(xs[1], KERNEL_SIZE, self.name), whole_setting(xs[2], STRIDE, self.name)

    def shape(self, shapes: list[Shape]) -> Shape:
        if self.dims == 1:
            require_vector(shapes[0], self.name)
        for position, what in ((1, KERNEL_SIZE), (2, STRIDE)):
            if shapes[position] != (1, 1):
                raise ShapeError(tr("the {setting} of {name} must be one number, got {shape}", setting=tr(what),
                                    name=self.name, shape=shape_text(shapes[position])))
        return shapes[0]  # the output size needs the kernel's value: windows() checks that it fits

    def geometry(self, shape: Shape, xs: list[Any]) -> tuple[Shape, Shape, Shape, int]:
        """(input, window, output) as rows × columns, a 1D signal as one row, and the stride; ValueError
        when the window does not fit."""
        k, s = self.settings(xs)
        rows, cols = (1, shape[0]) if self.dims == 1 and shape[1] == 1 else shape
        kernel = (1, k) if self.dims == 1 else (k, k)
        if kernel[0] > rows or kernel[1] > cols:
            size = tr("length {k}", k=k) if self.dims == 1 else f"{k}×{k}"
            signal = tr("length {k}", k=rows * cols) if self.dims == 1 else shape_text((rows, cols))
            # Translators: {size} and {signal} are like "length 3" or 2×2
            raise ValueError(tr("the window of {size} does not fit the input of {signal} (no padding)", size=size,
                                signal=signal))
        return (rows, cols), kernel, ((rows - kernel[0]) // s + 1, (cols - kernel[1]) // s + 1), s

    def windows(self, shape: Shape, xs: list[Any]) -> tuple[Shape, list[Window]]:
        """The output shape and every window's input cells, in reading order of the output."""
        _, kernel, out, s = self.geometry(shape, xs)
        cells = [[(oi * s + i, oj * s + j) for i in range(kernel[0]) for j in range(kernel[1])]
                 for oi in range(out[0]) for oj in range(out[1])]
        if self.dims == 1 and shape[1] == 1:  # a column keeps its orientation
            return (out[1], 1), [[(j, 0) for _, j in window] for window in cells]
        return out, cells

    def size_words(self, shape: Shape, xs: list[Any]) -> str:
        """The output size along each axis, ⌊(n − k)/s⌋ + 1 with numbers."""
        size, kernel, out, s = self.geometry(shape, xs)
        axes = [(tr("length"), 1)] if self.dims == 1 else [(tr("rows"), 0), (tr("columns"), 1)]
        return ", ".join(f"{axis} ⌊({size[a]} − {kernel[a]})/{s}⌋ + 1 = {out[a]}" for axis, a in axes)

    # --- math ---------------------------------------------------------------------------------

    def forward(self, xs: list[Matrix]) -> Matrix:
        x = xs[0]
        out, windows = self.windows(tuple(x.shape), xs)
        values = []
        for window in windows:
            entries = [x[c] for c in window]
            values.append(entries[first_largest(entries)] if self.largest else sum(entries) / len(entries))
        return Matrix(out[0], out[1], values)

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        x = xs[0]
        out, windows = self.windows(x.shape, xs)
        kind = np.result_type(x, float)  # float64, or the extended precision of the finite-difference check
        pick = np.max if self.largest else np.mean
        return np.array([pick(np.array([x[c] for c in window], dtype=kind)) for window in windows],
                        dtype=kind).reshape(out)

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        x = xs[0]
        _, windows = self.windows(tuple(x.shape), xs)
        grad = sp.zeros(*x.shape)
        for delta, window in zip(up, windows):
            if self.largest:
                winner = window[first_largest([x[c] for c in window])]
                grad[winner] += delta
            else:
                for c in window:
                    grad[c] += delta / len(window)
        return [Matrix(grad), None, None]

    def branch(self, xs: list[np.ndarray]) -> np.ndarray | None:
        if not self.largest:
            return None
        _, windows = self.windows(xs[0].shape, xs)
        return np.array([int(np.argmax([xs[0][c] for c in window])) for window in windows])  # numpy: the first

    # --- how the trace shows it ----------------------------------------------------------------

    def show(self, xs: list[Matrix]) -> Any:
        """Nothing: the input is written just before, and the windows in the note."""
        return None

    def window_note(self, xs: list[Any], names: list[str]) -> str:
        """The windows, the output size, and (max pool) the convention at a tie."""
        k, s = self.settings(xs)
        size = tr("windows of length {k}", k=k) if self.dims == 1 else tr("{k}×{k} windows", k=k)
        sizes = self.size_words(tuple(xs[0].shape), xs)
        # Translators: {windows} is like "2×2 windows" (capitalized then); {sizes} like "rows ⌊(4 − 2)/2⌋ + 1 = 2"
        if self.largest:
            note = tr("{windows} moved by {stride}, no padding (PyTorch's defaults); each output entry is the largest "
                      "entry of its window. Output {sizes}.", windows=size.capitalize(), stride=s, sizes=sizes)
            return note + " " + tr("At a tie in a window {rule}.", rule=tr(TIE_RULE))
        return tr("{windows} moved by {stride}, no padding (PyTorch's defaults); each output entry is the mean of its "
                  "window. Output {sizes}.", windows=size.capitalize(), stride=s, sizes=sizes)

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        _, windows = self.windows(tuple(xs[0].shape), xs)
        area = len(windows[0])
        overlap = "; " + tr("overlapping windows add their shares") if self.settings(xs)[1] < self.settings(xs)[0] \
            else ""
        if self.largest:
            return Explanation(said(tr("each window passes its δ to its largest entry (the first in reading order at "
                                       "a tie), 0 to the others (max unpooling)") + overlap),
                               call(f"max_unpool{self.dims}d", DELTA, Name("argmax")))
        return Explanation(said(tr("each entry of a window gets 1/{area} of the window's δ (spread)", area=area)
                                + overlap),
                           call("spread", DELTA) / Number(area))

    def kink(self, xs: list[Matrix]) -> str | None:
        if not self.largest:
            return None
        x = xs[0]
        _, windows = self.windows(tuple(x.shape), xs)
        for window in windows:
            entries = [x[c] for c in window]
            top = entries[first_largest(entries)]
            if sum(same_number(v, top) for v in entries) > 1:
                return tr("a window of {name} holds a tie: {rule}", name=self.name, rule=tr(TIE_RULE))
        return None


class MaxPool1d(Pool):
    """``max_pool1d(x, k, s)``: the largest entry of each window of length k, moved by s."""

    name, dims, largest = "max_pool1d", 1, True


class MaxPool2d(Pool):
    """``max_pool2d(x, k, s)``: the largest entry of each k×k window, moved by s."""

    name, dims, largest = "max_pool2d", 2, True


class AvgPool1d(Pool):
    """``avg_pool1d(x, k, s)``: the mean of each window of length k, moved by s."""

    name, dims, largest = "avg_pool1d", 1, False


class AvgPool2d(Pool):
    """``avg_pool2d(x, k, s)``: the mean of each k×k window, moved by s."""

    name, dims, largest = "avg_pool2d", 2, False


class GlobalMaxPool(Op):
    """``global_maxpool(x)``: the largest entry; a tie gives the gradient to the first (PyTorch's
    adaptive_max_pool), where ``max(x)`` shares it evenly."""

    name = "global_maxpool"

    def shape(self, shapes: list[Shape]) -> Shape:
        return (1, 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        values = list(xs[0])
        return Matrix([[values[first_largest(values)]]])

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.array([[xs[0].max()]], dtype=np.result_type(xs[0], float))

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        x = xs[0]
        grad = sp.zeros(*x.shape)
        grad[first_largest(list(x))] = entry(up)  # sympy indexes a matrix's entries in reading order
        return [Matrix(grad)]

    def branch(self, xs: list[np.ndarray]) -> np.ndarray | None:
        return np.array([int(np.argmax(xs[0]))])

    def show(self, xs: list[Matrix]) -> Any:
        """Nothing: the input is written just before."""
        return None

    def window_note(self, xs: list[Any], names: list[str]) -> str:
        """The convention at a tie."""
        return tr("The largest of all entries. At a tie {rule}.", rule=tr(TIE_RULE))

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        return Explanation(said(tr("the largest entry gets δ (the first in reading order at a tie), the others 0")),
                           DELTA * call("onehot", Name("argmax")))

    def kink(self, xs: list[Matrix]) -> str | None:
        values = list(xs[0])
        top = values[first_largest(values)]
        if sum(same_number(v, top) for v in values) > 1:
            return tr("global_maxpool has a tie: {rule}", rule=tr(TIE_RULE))
        return None


class GlobalAvgPool(Mean):
    """``global_avgpool(x)``: the mean of all entries (``mean(x)`` under the name CNNs use)."""

    name = "global_avgpool"

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        n = len(xs[0])
        local = equation(grad(call("global_avgpool", Name("a")), Name("a_i")), Number(1) / Number(n))
        return Explanation(worded(tr("{rule} for every entry"), rule=local), DELTA / Number(n))


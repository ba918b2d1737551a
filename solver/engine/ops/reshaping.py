"""Ops that move entries without changing them: ``flatten``, ``reshape`` and the concatenations
``concat`` (one above the other) and ``hconcat`` (side by side).

Entries are read row by row (row-major, as torch.flatten, torch.reshape and numpy do); the
alternative, column by column (vec, as matrix calculus and MATLAB order entries), is named in the trace.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver.engine.ops.base import (
    DELTA,
    Explanation,
    Matrix,
    Op,
    Shape,
    ShapeError,
    entry,
    said,
    shape_text,
)
from solver.formula import Formula, Name, Number, Paren, call, op
from solver.i18n import mark, tr

ORDER = mark("entries in reading order, row by row (row-major, as torch.flatten and numpy); reading column by column "
             "(vec, column-major) is the alternative, which orders them differently")
ROWS, COLUMNS = mark("number of rows"), mark("number of columns")


def whole_size(value: Any, what: str) -> int:
    """A size given as a 1×1 value: a whole number of at least 1 (a float 2.0 counts)."""
    v = entry(value)
    try:
        number = float(v)
    except (TypeError, ValueError):
        number = float("nan")
    if number.is_integer() and number >= 1:
        return int(number)
    # Translators: {size} is "number of rows" or "number of columns"
    raise ValueError(tr("the {size} must be a whole number of at least 1, got {value}", size=tr(what), value=v))


class Flatten(Op):
    """``flatten(x)``: the entries of x as one column vector, row by row."""

    name = "flatten"

    def shape(self, shapes: list[Shape]) -> Shape:
        return (shapes[0][0] * shapes[0][1], 1)

    def forward(self, xs: list[Matrix]) -> Matrix:
        return Matrix(len(xs[0]), 1, list(xs[0]))  # sympy lists a matrix's entries row by row

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return xs[0].reshape(-1, 1)  # numpy's order is row-major (C) too

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [Matrix(*xs[0].shape, list(up))]

    def show(self, xs: list[Matrix]) -> Any:
        return None  # the matrix is written just before, and its column just after

    def window_note(self, xs: list[Any], names: list[str]) -> str:
        """The order of the entries."""
        # Translators: {order} is the sentence "entries in reading order, row by row …"
        return tr("The column holds the {order}.", order=tr(ORDER))

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        rows, cols = xs[0].shape
        return Explanation(said(tr("flatten only moves entries: each entry of δ goes back to where it came from "
                                   "(row by row)")), call("reshape", DELTA, Number(rows), Number(cols)))


class Reshape(Op):
    """``reshape(x, r, c)``: the entries of x, row by row, refilled into r rows of c."""

    name, arity, constant_args = "reshape", 3, (1, 2)

    def shape(self, shapes: list[Shape]) -> Shape:
        for position, what in ((1, ROWS), (2, COLUMNS)):
            if shapes[position] != (1, 1):
                raise ShapeError(tr("the {size} of reshape must be one number, got {shape}", size=tr(what),
                                    shape=shape_text(shapes[position])))
        return shapes[0]  # the new shape needs the sizes' values: target() checks them

    def target(self, xs: list[Any]) -> Shape:
        """The new shape, checked to hold every entry."""
        rows, cols = whole_size(xs[1], ROWS), whole_size(xs[2], COLUMNS)
        count = xs[0].shape[0] * xs[0].shape[1]
        if rows * cols != count:
            raise ValueError(tr("{shape} holds {entries} entries, but the input {input} has {count}",
                                shape="%d×%d" % (rows, cols), entries=rows * cols, input=shape_text(tuple(xs[0].shape)),
                                count=count))
        return rows, cols

    def forward(self, xs: list[Matrix]) -> Matrix:
        return Matrix(*self.target(xs), list(xs[0]))

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return xs[0].reshape(self.target(xs))

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        return [Matrix(*xs[0].shape, list(up)), None, None]

    def show(self, xs: list[Matrix]) -> Any:
        return None

    def window_note(self, xs: list[Any], names: list[str]) -> str:
        """The order of the entries."""
        return tr("Reshaping keeps the {order}.", order=tr(ORDER))

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        rows, cols = xs[0].shape
        return Explanation(said(tr("reshape only moves entries: δ is reshaped back, row by row")),
                           call("reshape", DELTA, Number(rows), Number(cols)))


class Concat(Op):
    """``concat(a, b)``: a above b (torch.cat along dim 0); two columns make one longer column."""

    name, arity = "concat", 2
    axis = 0

    def shape(self, shapes: list[Shape]) -> Shape:
        a, b = shapes
        other = 1 - self.axis
        if a[other] != b[other]:
            shapes_ = {"name": self.name, "left": shape_text(a), "right": shape_text(b)}
            raise ShapeError(tr("{name} puts a above b and needs equal numbers of columns, got {left} and {right}",
                                **shapes_) if self.axis == 0 else
                             tr("{name} puts a beside b and needs equal numbers of rows, got {left} and {right}",
                                **shapes_))
        return (a[0] + b[0], a[1]) if self.axis == 0 else (a[0], a[1] + b[1])

    def forward(self, xs: list[Matrix]) -> Matrix:
        return Matrix(sp.Matrix.vstack(*xs) if self.axis == 0 else sp.Matrix.hstack(*xs))

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(xs, axis=self.axis)

    def parts(self, up: Matrix, xs: list[Matrix]) -> list[Matrix]:
        """The upstream gradient cut into the pieces that fit the inputs."""
        cut = xs[0].shape[self.axis]
        if self.axis == 0:
            return [Matrix(up[:cut, :]), Matrix(up[cut:, :])]
        return [Matrix(up[:, :cut]), Matrix(up[:, cut:])]

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        pieces = self.parts(up, xs)
        return [piece if wanted else None for piece, wanted in zip(pieces, needed)]

    def show(self, xs: list[Matrix]) -> Any:
        return None

    def window_note(self, xs: list[Any], names: list[str]) -> str:
        """Which input goes where."""
        if self.axis == 0:
            return tr("{first} above {second} (torch.cat along dim {dim}).", first=names[0], second=names[1], dim=0)
        return tr("{first} to the left of {second} (torch.cat along dim {dim}).", first=names[0], second=names[1],
                  dim=self.axis)

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        first = xs[0].shape[self.axis]
        total = first + xs[1].shape[self.axis]
        span = (0, first) if position == 0 else (first, total)
        cut = f"[{span[0]}:{span[1]}, :]" if self.axis == 0 else f"[:, {span[0]}:{span[1]}]"
        rule = op("juxtapose", Paren(DELTA), Name(cut))
        one, first, last = span[1] - span[0] == 1, span[0], span[1] - 1
        if self.axis == 0:
            words = tr("each input gets its own rows of δ (row {index})", index=first) if one else \
                tr("each input gets its own rows of δ (rows {first} to {last})", first=first, last=last)
        else:
            words = tr("each input gets its own columns of δ (column {index})", index=first) if one else \
                tr("each input gets its own columns of δ (columns {first} to {last})", first=first, last=last)
        return Explanation(said(words), rule)



class HConcat(Concat):
    """``hconcat(a, b)``: a to the left of b (torch.cat along dim 1)."""

    name = "hconcat"
    axis = 1

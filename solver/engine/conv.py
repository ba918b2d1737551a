"""Convolution layers as graph ops: ``conv1d`` and ``conv2d`` (one channel), cross-correlation as in
PyTorch/TensorFlow unless ``flip=True`` (a true convolution), with stride, padding and dilation.

The arithmetic is written once over lists of rows and works for exact sympy numbers and floats
alike, so the exact forward, the float forward (finite-difference check) and the backward rules
share one definition of which input entry meets which kernel entry.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver.engine.ops import Local, Matrix, Op, ShapeError, entry, is_scalar, shape_text

Rows = list[list[Any]]


class Conv(Op):
    """``conv1d(x, w[, b], stride=1, padding=0, dilation=1, flip=False)``; ``conv2d`` likewise on matrices."""

    keywords = {"stride": int, "padding": (int, str), "dilation": int, "flip": bool}

    def __init__(self, dims: int, arity: int = 2, stride: int = 1, padding: Any = 0, dilation: int = 1,
                 flip: bool = False):
        self.dims, self.arity = dims, arity
        self.name = f"conv{dims}d"
        if stride < 1 or dilation < 1:
            raise ValueError("stride and dilation must be at least 1")
        if padding not in ("same", "valid") and not (isinstance(padding, int) and padding >= 0):
            raise ValueError(f"padding must be 'same', 'valid' or a non-negative integer, got {padding!r}")
        if padding == "same" and stride != 1:
            raise ValueError("padding 'same' needs stride 1 (as in PyTorch)")
        self.stride, self.padding, self.dilation, self.flip = stride, padding, dilation, flip

    # --- geometry --------------------------------------------------------------------------------

    def _as_rows(self, shape: tuple[int, int]) -> tuple[int, int]:
        """A 1D signal is one row, whether it was given as a column or a row."""
        return (1, shape[0] * shape[1]) if self.dims == 1 else shape

    def _pads(self, kernel: tuple[int, int]) -> list[tuple[int, int]]:
        """(before, after) zero padding along rows and columns."""
        pads = []
        for axis, k in enumerate(kernel):
            if self.dims == 1 and axis == 0:
                pads.append((0, 0))
            elif self.padding == "same":
                total = self.dilation * (k - 1)
                pads.append((total // 2, total - total // 2))  # PyTorch puts the odd zero at the end
            else:
                p = 0 if self.padding == "valid" else self.padding
                pads.append((p, p))
        return pads

    def out_size(self, n: int, k: int, before: int, after: int) -> int:
        """⌊(n + p_before + p_after − d(k − 1) − 1)/s⌋ + 1."""
        return (n + before + after - self.dilation * (k - 1) - 1) // self.stride + 1

    def geometry(self, x_shape: tuple[int, int], w_shape: tuple[int, int]) -> tuple:
        xs, ws = self._as_rows(x_shape), self._as_rows(w_shape)
        pads = self._pads(ws)
        out = tuple(self.out_size(n, k, *p) for n, k, p in zip(xs, ws, pads))
        return xs, ws, pads, out

    def label(self, args):
        extra = [f"stride={self.stride}"] * (self.stride != 1) + [f"padding={self.padding!r}"] * (self.padding != 0) \
            + [f"dilation={self.dilation}"] * (self.dilation != 1) + ["flip=True"] * self.flip
        return f"{self.name}({', '.join([*args, *extra])})"

    def shape(self, shapes):
        x, w = shapes[0], shapes[1]
        if self.dims == 1 and (1 not in x or 1 not in w):
            raise ShapeError(f"conv1d needs a vector input and a vector kernel, got {shape_text(x)} and {shape_text(w)}")
        if self.arity == 3 and shapes[2] != (1, 1):
            raise ShapeError(f"the bias of {self.name} must be a scalar, got {shape_text(shapes[2])}")
        _, _, _, out = self.geometry(x, w)
        if min(out) < 1:
            raise ShapeError(f"the kernel {shape_text(w)} (dilation {self.dilation}) does not fit the padded input "
                             f"{shape_text(x)}")
        return self._shape_back(out, x)

    def _shape_back(self, out: tuple[int, int], x_shape: tuple[int, int]) -> tuple[int, int]:
        if self.dims == 1:  # the output keeps the input's orientation
            return (out[1], 1) if x_shape[1] == 1 else (1, out[1])
        return out

    # --- arithmetic, once for exact and float values ----------------------------------------------

    def _taps(self, x_shape, w_shape, with_padding: bool = False):
        """Every (output position, kernel position, input position) triple; padding zeros only if asked."""
        xs, ws, pads, out = self.geometry(x_shape, w_shape)
        for oi in range(out[0]):
            for oj in range(out[1]):
                for ki in range(ws[0]):
                    for kj in range(ws[1]):
                        ii = oi * self.stride + ki * self.dilation - pads[0][0]
                        jj = oj * self.stride + kj * self.dilation - pads[1][0]
                        inside = 0 <= ii < xs[0] and 0 <= jj < xs[1]  # outside: a padding zero
                        if inside or with_padding:
                            kernel = (ws[0] - 1 - ki, ws[1] - 1 - kj) if self.flip else (ki, kj)
                            yield (oi, oj), kernel, (ii, jj) if inside else None

    def _rows(self, value: Any) -> Rows:
        rows, cols = self._as_rows(tuple(value.shape))
        flat = [value[i, j] for i in range(value.shape[0]) for j in range(value.shape[1])]
        return [flat[r * cols:(r + 1) * cols] for r in range(rows)]

    def _correlate(self, x: Any, w: Any, zero: Any) -> Rows:
        _, _, _, out = self.geometry(tuple(x.shape), tuple(w.shape))
        xr, wr = self._rows(x), self._rows(w)
        result = [[zero] * out[1] for _ in range(out[0])]
        for (oi, oj), (ki, kj), (ii, jj) in self._taps(tuple(x.shape), tuple(w.shape)):
            result[oi][oj] = result[oi][oj] + wr[ki][kj] * xr[ii][jj]
        return result

    def _back(self, rows: Rows, like: tuple[int, int]) -> Any:
        flat = [v for row in rows for v in row]
        return Matrix(like[0], like[1], flat)

    def forward(self, xs):
        x, w = xs[0], xs[1]
        out = self._correlate(x, w, sp.Integer(0))
        if self.arity == 3:
            out = [[v + entry(xs[2]) for v in row] for row in out]
        return self._back(out, self.shape([tuple(x.shape), tuple(w.shape)] + [(1, 1)] * (self.arity - 2)))

    def numeric(self, xs):
        x, w = np.asarray(xs[0], dtype=float), np.asarray(xs[1], dtype=float)
        out = np.array(self._correlate(x, w, 0.0), dtype=float)
        if self.arity == 3:
            out = out + float(xs[2][0, 0])
        return out.reshape(self._shape_back(out.shape, x.shape))

    def show(self, xs):
        args = [entry(v) if is_scalar(v) else v for v in xs]
        return sp.Function(self.name)(*args)

    def size_rules(self, x_shape: tuple[int, int], w_shape: tuple[int, int]) -> list[tuple[str, str, str, int]]:
        """(what, general formula, numbers, result) for the output size along each axis."""
        xs, ws, pads, out = self.geometry(x_shape, w_shape)
        axes = ["length"] if self.dims == 1 else ["rows", "columns"]
        rules = []
        for axis, name in zip(range(2 - self.dims, 2), axes):
            (before, after), n, k = pads[axis], xs[axis], ws[axis]
            numbers = (f"⌊({n} + {before} + {after} − {self.dilation}·({k} − 1) − 1)/{self.stride}⌋ + 1 = "
                       f"⌊{n + before + after - self.dilation * (k - 1) - 1}/{self.stride}⌋ + 1")
            rules.append((name, "⌊(n + p_before + p_after − d·(k − 1) − 1)/s⌋ + 1", numbers, out[axis]))
        return rules

    def window_note(self, xs: list[Any], names: list[str]) -> str:
        """Each output entry as its sum of products, for small outputs (so it can be followed by hand)."""
        x, w = xs[0], xs[1]
        _, _, _, out = self.geometry(tuple(x.shape), tuple(w.shape))
        if out[0] * out[1] > 16:
            return ""
        xr, wr = self._rows(x), self._rows(w)
        terms: dict[tuple[int, int], list[str]] = {}
        for o, (ki, kj), position in self._taps(tuple(x.shape), tuple(w.shape), with_padding=True):
            value = "0" if position is None else _num(xr[position[0]][position[1]])
            terms.setdefault(o, []).append(f"{_num(wr[ki][kj])}·{value}")
        parts = []
        for oi in range(out[0]):
            for oj in range(out[1]):
                index = f"{oj}" if self.dims == 1 else f"{oi},{oj}"
                products = " + ".join(terms.get((oi, oj), ["0"]))
                bias = f" + {_num(entry(xs[2]))}" if self.arity == 3 else ""
                parts.append(f"[{index}] = {products}{bias}")
        kind = "true convolution (kernel flipped)" if self.flip else "cross-correlation, as PyTorch"
        pads = self._pads(self._as_rows(tuple(w.shape)))
        pad_text = ", ".join(f"{a}+{b}" for a, b in pads[2 - self.dims:])
        return f"{kind}; zero padding {pad_text}, stride {self.stride}, dilation {self.dilation}: " + "; ".join(parts)

    def backward(self, xs, out, up, names, needed):
        x, w = xs[0], xs[1]
        xr, wr, dr = self._rows(x), self._rows(w), self._rows(up)
        grad_x = [[sp.Integer(0)] * len(xr[0]) for _ in xr]
        grad_w = [[sp.Integer(0)] * len(wr[0]) for _ in wr]
        for (oi, oj), (ki, kj), (ii, jj) in self._taps(tuple(x.shape), tuple(w.shape)):
            grad_w[ki][kj] += dr[oi][oj] * xr[ii][jj]
            grad_x[ii][jj] += dr[oi][oj] * wr[ki][kj]
        locals_: list[Local | None] = [
            Local(self._back(grad_x, tuple(x.shape)),
                  f"∂L/∂{names[0]}: every input entry collects δ times the kernel entries it met — the full "
                  f"correlation of δ with the flipped kernel (a transposed convolution)", "conv_transpose(δ, w)")
            if needed[0] else None,
            Local(self._back(grad_w, tuple(w.shape)),
                  f"∂L/∂{names[1]}: each kernel entry collects δ times the input entries it met — the correlation "
                  f"of the (padded) input with δ", "correlate(x, δ)") if needed[1] else None,
        ]
        if self.arity == 3:
            locals_.append(Local(Matrix([[sum(up)]]), f"∂L/∂{names[2]}: the bias is added to every output entry, "
                                 "so it collects the sum of δ", "Σ δ") if needed[2] else None)
        return locals_


def _num(value: Any) -> str:
    text = sp.sstr(value)
    return f"({text})" if text.startswith("-") or "/" in text else text


def make(dims: int, nargs: int, keywords: dict[str, Any]) -> Conv:
    """A conv op for ``conv1d``/``conv2d`` with 2 or 3 positional arguments and keyword settings."""
    if nargs not in (2, 3):
        raise ValueError(f"conv{dims}d takes an input, a kernel and optionally a bias, got {nargs} arguments")
    return Conv(dims, nargs, **keywords)

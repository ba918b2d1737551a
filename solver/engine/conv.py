"""Convolution layers as graph ops: ``conv1d`` and ``conv2d`` with input and output channels,
cross-correlation as in PyTorch/TensorFlow unless ``flip=True`` (a true convolution), with stride,
padding (symmetric, per axis or per side) and dilation.

Values stay 2-D matrices; channels are stacked. conv1d: row c of x is input channel c, row o·C + c
of the kernel is the filter from input channel c to output channel o (torch's weight (K, C, k)
reshaped to (K·C, k)), row o of the output is output channel o. conv2d: channel blocks are stacked
vertically: x is (C·H)×W, the kernel (K·C·kh)×kw (block o·C + c), the output (K·H_out)×W_out. The
bias is a K×1 column (a scalar when K = 1).

The arithmetic is written once over lists of rows and works for exact sympy numbers and floats
alike, so the exact forward, the float forward (finite-difference check) and the backward rules
share one definition of which input entry meets which kernel entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import sympy as sp

from solver.engine.ops import DELTA, Explanation, Matrix, Op, Shape, ShapeError, phrase, shape_text
from solver.formula import Call, Floor, Formula, Name, Number, call, equation, op
from solver.i18n import mark, ntr, tr

Rows = list[list[Any]]
Pads = list[tuple[int, int]]
Position = tuple[int, int]
Geometry = tuple[Shape, Shape, Pads, Shape]

OUTPUT_SIZE = Floor((Name("n") + Name("p_before") + Name("p_after") - Name("d") * (Name("k") - 1) - 1) / Name("s")) + 1
"""The output size along one axis: ``⌊(n + p_before + p_after − d·(k − 1) − 1)/s⌋ + 1``."""


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _sides(dims: int, padding: Any) -> Pads | None:
    """Explicit (before, after) padding along rows and columns, or None for 'same' (it needs the kernel)."""
    if padding == "valid":
        return [(0, 0), (0, 0)]
    if _whole(padding):
        return [(0, 0) if dims == 1 else (padding, padding), (padding, padding)]
    if isinstance(padding, tuple) and len(padding) == 2:
        if dims == 1 and all(map(_whole, padding)):  # (left, right)
            return [(0, 0), padding]
        if dims == 2 and all(map(_whole, padding)):  # (rows, columns), the same on both sides
            return [(padding[0], padding[0]), (padding[1], padding[1])]
        if dims == 2 and all(isinstance(p, tuple) and len(p) == 2 and all(map(_whole, p)) for p in padding):
            return [tuple(padding[0]), tuple(padding[1])]  # ((top, bottom), (left, right))
    forms = tr("(left, right)") if dims == 1 else tr("(rows, columns) or ((top, bottom), (left, right))")
    # Translators: {forms} shows the tuples padding may be, such as (left, right)
    raise ValueError(tr("padding must be 'same', 'valid' or a non-negative integer, or {forms}, got {value}",
                        forms=forms, value=repr(padding)))


SIZE_TITLES = {
    (1, False): (mark("Output length"),),
    (2, False): (mark("Output rows"), mark("Output columns")),
    (1, True): (mark("Output length of each channel"),),
    (2, True): (mark("Output rows of each channel"), mark("Output columns of each channel")),
}
"""The titles of the output-size steps, by the number of dimensions and whether there are several filters."""


class Conv(Op):
    """``conv1d(x, w[, b], stride=1, padding=0, dilation=1, flip=False, in_channels=1, out_channels=1)``;
    ``conv2d`` likewise on matrices."""

    keywords: ClassVar[dict[str, type | tuple[type, ...]]] = {
        "stride": int, "padding": (int, str, tuple), "dilation": int, "flip": bool,
        "in_channels": int, "out_channels": int}
    """The keyword settings of ``conv1d``/``conv2d`` and the Python types each accepts."""
    batched = True  # (numeric takes stacked inputs: see _correlate_arrays)

    def __init__(self, dims: int, arity: int = 2, stride: int = 1, padding: Any = 0, dilation: int = 1,
                 flip: bool = False, in_channels: int = 1, out_channels: int = 1):
        self.dims, self.arity = dims, arity
        self.name = f"conv{dims}d"
        if stride < 1 or dilation < 1:
            raise ValueError(tr("stride and dilation must be at least 1"))
        if in_channels < 1 or out_channels < 1:
            raise ValueError(tr("in_channels and out_channels must be at least 1"))
        self.sides = None if padding == "same" else _sides(dims, padding)
        if padding == "same" and stride != 1:
            raise ValueError(tr("padding 'same' needs stride 1 (as in PyTorch)"))
        self.stride, self.padding, self.dilation, self.flip = stride, padding, dilation, flip
        self.in_channels, self.out_channels = in_channels, out_channels

    @property
    def filters(self) -> int:
        """Number of kh×kw (or length-k) filters in the kernel: one per (output, input) channel pair."""
        return self.in_channels * self.out_channels

    # --- geometry --------------------------------------------------------------------------------

    def _spatial(self, shape: Shape, blocks: int) -> Shape:
        """The rows × columns of one of ``blocks`` stacked channels; a 1D signal is one row."""
        if self.dims == 1:
            return 1, shape[0] * shape[1] // blocks
        return shape[0] // blocks, shape[1]

    def as_rows(self, shape: Shape) -> Shape:
        """The rows × columns of a one-channel value: a 1D signal is one row, whether it was given as a
        column or a row."""
        return self._spatial(shape, 1)

    def pads(self, kernel: Shape) -> Pads:
        """(before, after) zero padding along rows and columns for a kernel of ``kernel`` rows × columns
        (one filter, as :meth:`as_rows` gives it): the explicit padding, or what 'same' needs."""
        if self.sides is not None:
            return list(self.sides)
        pads: Pads = []
        for axis, k in enumerate(kernel):
            total = 0 if self.dims == 1 and axis == 0 else self.dilation * (k - 1)
            pads.append((total // 2, total - total // 2))  # 'same': PyTorch puts the odd zero at the end
        return pads

    def out_size(self, n: int, k: int, before: int, after: int) -> int:
        """⌊(n + p_before + p_after − d(k − 1) − 1)/s⌋ + 1."""
        return (n + before + after - self.dilation * (k - 1) - 1) // self.stride + 1

    def geometry(self, x_shape: Shape, w_shape: Shape) -> Geometry:
        """(input, kernel) spatial shapes of one channel/filter as rows × columns, the pads, the output shape."""
        xs, ws = self._spatial(x_shape, self.in_channels), self._spatial(w_shape, self.filters)
        pads = self.pads(ws)
        out = (self.out_size(xs[0], ws[0], *pads[0]), self.out_size(xs[1], ws[1], *pads[1]))
        return xs, ws, pads, out

    def label(self, args: list[Formula]) -> Formula:
        extra = [f"stride={self.stride}"] * (self.stride != 1) + [f"padding={self.padding!r}"] * (self.padding != 0) \
            + [f"dilation={self.dilation}"] * (self.dilation != 1) + ["flip=True"] * self.flip \
            + [f"in_channels={self.in_channels}"] * (self.in_channels != 1) \
            + [f"out_channels={self.out_channels}"] * (self.out_channels != 1)
        return Call(self.name, (*args, *map(Name, extra)))

    def shape(self, shapes: list[Shape]) -> Shape:
        x, w = shapes[0], shapes[1]
        self._check_layout(x, w)
        if self.arity == 3:
            if self.out_channels == 1 and shapes[2] != (1, 1):
                raise ShapeError(tr("the bias of {name} must be a scalar, got {shape}", name=self.name,
                                    shape=shape_text(shapes[2])))
            if shapes[2] != (self.out_channels, 1):
                raise ShapeError(tr("the bias of {name} with out_channels={K} must be a {K}×1 column (one entry per "
                                    "output channel), got {shape}", name=self.name, K=self.out_channels,
                                    shape=shape_text(shapes[2])))
        xs, ws, pads, out = self.geometry(x, w)
        if min(out) < 1:
            pad_text = ", ".join(f"{a}+{b}" for a, b in pads[2 - self.dims:])
            if self.filters == 1:
                raise ShapeError(tr("the kernel {kernel} (dilation {dilation}) does not fit the padded input {input} "
                                    "(zero padding {padding})", kernel=shape_text(w), dilation=self.dilation,
                                    input=shape_text(x), padding=pad_text))
            if self.dims == 1:
                raise ShapeError(tr("each filter of length {k} (dilation {dilation}) does not fit an input channel of "
                                    "length {n} padded by {padding}", k=ws[1], dilation=self.dilation, n=xs[1],
                                    padding=pad_text))
            raise ShapeError(tr("each {kernel} filter (dilation {dilation}) does not fit a {input} input channel "
                                "padded by {padding}", kernel="%d×%d" % (ws[0], ws[1]), dilation=self.dilation,
                                input="%d×%d" % (xs[0], xs[1]), padding=pad_text))
        return self._shape_back(out, x)

    def _check_layout(self, x: Shape, w: Shape) -> None:
        """Raise ShapeError unless x and w hold whole channels and filters in the stacked layout."""
        C, K = self.in_channels, self.out_channels
        channels = f"in_channels={C}" if K == 1 else tr("{names} and {last}", names="in_channels=%d" % C,
                                                         last="out_channels=%d" % K)
        if self.dims == 1:
            if C == 1 and 1 not in x:
                raise ShapeError(tr("conv1d needs a vector input, got {shape}", shape=shape_text(x)))
            if C > 1 and x[0] != C:
                raise ShapeError(tr("conv1d with in_channels={C} needs a {C}×L input (row c = input channel c), got "
                                    "{shape}", C=C, shape=shape_text(x)))
            if self.filters == 1 and 1 not in w:
                raise ShapeError(tr("conv1d needs a vector kernel, got {shape}", shape=shape_text(w)))
            if self.filters > 1 and w[0] != self.filters:
                # Translators: {channels} is like "in_channels=2 and out_channels=3"; {filters} a number
                raise ShapeError(tr("conv1d with {channels} needs a {filters}×k kernel (row o·{C} + c = the filter "
                                    "from input channel c to output channel o), got {shape}", channels=channels,
                                    filters=self.filters, C=C, shape=shape_text(w)))
            return
        if x[0] % C:
            raise ShapeError(tr("conv2d with in_channels={C} needs an input with a multiple of {C} rows, got {shape}",
                                C=C, shape=shape_text(x)))
        if w[0] % self.filters:
            raise ShapeError(tr("conv2d with {channels} needs a kernel with a multiple of {filters} rows (block "
                                "o·{C} + c = the filter from input channel c to output channel o), got {shape}",
                                channels=channels, filters=self.filters, C=C, shape=shape_text(w)))

    def _shape_back(self, out: Shape, x_shape: Shape) -> Shape:
        """The stacked output shape; a one-channel 1D output keeps the input's orientation."""
        if self.dims == 2:
            return self.out_channels * out[0], out[1]
        if self.filters == 1:
            return (out[1], 1) if x_shape[1] == 1 else (1, out[1])
        return self.out_channels, out[1]

    # --- arithmetic, once for exact and float values ----------------------------------------------

    def taps(self, x_shape: Shape, w_shape: Shape) -> Iterator[tuple[Position, Position, Position]]:
        """Every (output position, kernel position, input position) triple within one channel and filter
        where a kernel entry meets an input entry (positions are [row, column]; a 1D signal is row 0)."""
        for out, kernel, at in self.padded_taps(x_shape, w_shape, with_padding=False):
            if at is not None:
                yield out, kernel, at

    def padded_taps(self, x_shape: Shape, w_shape: Shape, with_padding: bool = True
                    ) -> Iterator[tuple[Position, Position, Position | None]]:
        """Like :meth:`taps`, and (``with_padding``) the kernel entries that meet a padding zero, whose
        input position is None."""
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

    def blocks(self, value: Any, count: int) -> list[Rows]:
        """A stacked value split into ``count`` channels (or filters), each as a list of rows."""
        rows, cols = self._spatial(tuple(value.shape), count)
        flat = [value[i, j] for i in range(value.shape[0]) for j in range(value.shape[1])]
        size = rows * cols
        return [[flat[b * size + r * cols:b * size + (r + 1) * cols] for r in range(rows)] for b in range(count)]

    def _rows(self, value: Any) -> Rows:
        """A one-channel value as a list of rows."""
        return self.blocks(value, 1)[0]

    def _correlate(self, x: Any, w: Any, zero: Any) -> list[Rows]:
        """The output channels, each Σ over input channels of the correlation with its filter."""
        x_shape, w_shape = tuple(x.shape), tuple(w.shape)
        _, _, _, out = self.geometry(x_shape, w_shape)
        xb, wb = self.blocks(x, self.in_channels), self.blocks(w, self.filters)
        taps = list(self.taps(x_shape, w_shape))
        result = [[[zero] * out[1] for _ in range(out[0])] for _ in range(self.out_channels)]
        for o, rows in enumerate(result):
            for c, xr in enumerate(xb):
                wr = wb[o * self.in_channels + c]
                for (oi, oj), (ki, kj), (ii, jj) in taps:
                    rows[oi][oj] = rows[oi][oj] + wr[ki][kj] * xr[ii][jj]
        return result

    def _correlate_arrays(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """:meth:`_correlate` of float arrays, one array operation per kernel entry and channel pair
        instead of one per tap (the finite-difference check runs it thousands of times). Every output
        entry adds its products in the same order as :meth:`_correlate`, so the floats are the same.
        ``x`` and ``w`` may carry leading batch axes (stacked copies, :attr:`batched`): each slice is
        computed by the same operations as alone."""
        xs, ws, pads, out = self.geometry(tuple(x.shape[-2:]), tuple(w.shape[-2:]))
        x_lead, w_lead = x.shape[:-2], w.shape[:-2]
        padded = np.pad(x.reshape(*x_lead, self.in_channels, *xs), ((0, 0),) * (len(x_lead) + 1) + tuple(pads))
        kernels = w.reshape(*w_lead, self.filters, *ws)
        s, d = self.stride, self.dilation
        result = np.zeros((*np.broadcast_shapes(x_lead, w_lead), self.out_channels, *out), dtype=x.dtype)
        for o in range(self.out_channels):
            for c in range(self.in_channels):
                kernel = kernels[..., o * self.in_channels + c, :, :]
                for ki in range(ws[0]):
                    for kj in range(ws[1]):
                        weight = kernel[..., ws[0] - 1 - ki, ws[1] - 1 - kj] if self.flip else kernel[..., ki, kj]
                        window = padded[..., c, ki * d:ki * d + s * (out[0] - 1) + 1:s,
                                        kj * d:kj * d + s * (out[1] - 1) + 1:s]
                        result[..., o, :, :] += np.asarray(weight)[..., None, None] * window
        return result

    def bias_values(self, b: Any) -> list[Any]:
        """The bias of each output channel."""
        return [b[o, 0] for o in range(self.out_channels)]

    def _back(self, blocks: list[Rows], like: Shape) -> Any:
        flat = [v for rows in blocks for row in rows for v in row]
        return Matrix(like[0], like[1], flat)

    def forward(self, xs: list[Matrix]) -> Matrix:
        x, w = xs[0], xs[1]
        out = self._correlate(x, w, sp.Integer(0))
        if self.arity == 3:
            out = [[[v + b for v in row] for row in rows] for rows, b in zip(out, self.bias_values(xs[2]))]
        return self._back(out, self.shape([tuple(x.shape), tuple(w.shape)]
                                          + [(self.out_channels, 1)] * (self.arity - 2)))

    def numeric(self, xs: list[np.ndarray]) -> np.ndarray:
        kind = np.result_type(*xs, float)  # float64, or the extended precision of the finite-difference check
        x, w = np.asarray(xs[0], dtype=kind), np.asarray(xs[1], dtype=kind)
        out = self._correlate_arrays(x, w)  # (batch ×) channels × rows × columns
        if self.arity == 3:
            bias = np.asarray(xs[2], dtype=kind)
            out = out + bias.reshape(*bias.shape[:-2], -1, 1, 1)
        return out.reshape(*out.shape[:-3], *self._shape_back(out.shape[-2:], x.shape[-2:]))

    def show(self, xs: list[Matrix]) -> Any:
        """Nothing: the input and kernel are in the Given, and an output entry is written out on its own."""
        return None

    def size_rules(self, x_shape: Shape, w_shape: Shape) -> list[tuple[str, Formula, Formula, int]]:
        """(title, general formula, numbers, result) for the output size along each axis (of one channel)."""
        xs, ws, pads, out = self.geometry(x_shape, w_shape)
        titles = SIZE_TITLES[(self.dims, self.filters > 1)]
        axes = [tr(title) for title in titles]
        rules = []
        for axis, name in zip(range(2 - self.dims, 2), axes):
            (before, after), n, k = pads[axis], xs[axis], ws[axis]
            numbers: Formula = OUTPUT_SIZE
            for symbol, value in (("n", n), ("p_before", before), ("p_after", after), ("d", self.dilation),
                                  ("k", k), ("s", self.stride)):
                numbers = numbers.replace(Name(symbol), Number(value))
            inside = n + before + after - self.dilation * (k - 1) - 1
            numbers = equation(numbers, Floor(Number(inside) / self.stride) + 1)
            rules.append((name, OUTPUT_SIZE, numbers, out[axis]))
        return rules

    def window_note(self, xs: list[Any], names: list[str]) -> str:
        """The channel layout and the kind of window sum (the sums themselves: :meth:`entry_steps`)."""
        from solver.engine.conv_sums import padding_words

        x_shape, w_shape = tuple(xs[0].shape), tuple(xs[1].shape)
        _, _, pads, _ = self.geometry(x_shape, w_shape)
        layout = self._layout_note(x_shape, w_shape, names)
        kind = tr("a true convolution (the kernel flipped)") if self.flip else tr("a cross-correlation, as in PyTorch")
        # Translators: {kind} is "a cross-correlation, as in PyTorch" or "a true convolution (…)"; the first letter
        # is then capitalized. {padding} is like "no zero padding"
        windows = tr("{kind}: {padding}, stride {stride}, dilation {dilation}.", kind=kind,
                     padding=padding_words(self, pads), stride=self.stride, dilation=self.dilation)
        return f"{layout} {windows[0].upper()}{windows[1:]}" if layout else windows[0].upper() + windows[1:]

    def entry_steps(self, xs: list[Any], names: list[Formula], output: Formula) -> list[Any]:
        """Output entries as sums of products with the problem's names, as steps: one at ``standard``
        detail, the others at ``full`` (optional hook of the forward pass)."""
        from solver.engine.conv_sums import forward_entries

        return forward_entries(self, xs, names, output)

    def gradient_entry_steps(self, position: int, names: list[Formula], xs: list[Any], up: Any, target: Formula,
                             upstream: Formula) -> list[Any]:
        """Entries of input ``position``'s gradient ``target`` as sums of products with the upstream gradient
        ``upstream``, as steps: one at ``standard`` detail, the others at ``full`` (optional hook of the
        backward pass)."""
        from solver.engine.conv_sums import gradient_entries

        return gradient_entries(self, position, names, xs, up, target, upstream)

    def _layout_note(self, x_shape: Shape, w_shape: Shape, names: list[str]) -> str:
        """How channels and filters are stacked in the matrices (empty for one channel and one filter)."""
        if self.filters == 1:
            return ""
        C, K = self.in_channels, self.out_channels
        xs, ws, _, out = self.geometry(x_shape, w_shape)
        x, w = names[0], names[1]
        bias = " " + tr("plus b[o]") if self.arity == 3 else ""
        if self.dims == 1:
            # Translators: {x} and {w} are names (input, kernel); {C}, {K} counts of channels; {bias} adds " plus b[o]"
            return tr("Channels are rows: row c of {x} is input channel c ({C} in all), row o·{C} + c of {w} the "
                      "filter from input channel c to output channel o, row o of the output is output channel o "
                      "({K} in all): the sum over c of row c of {x} correlated with row o·{C} + c of {w}{bias}.",
                      x=x, w=w, C=C, K=K, bias=bias)
        inputs = ntr("{n} input channel of {rows} rows", "{n} input channels of {rows} rows", C, rows=xs[0])
        outputs = ntr("{n} channel of {rows} rows", "{n} channels of {rows} rows", K, rows=out[0])
        # Translators: {inputs} is like "2 input channels of 3 rows", {outputs} like "2 channels of 2 rows"
        return tr("Channels are stacked vertically: {x} holds {inputs}, {w} {filters} filters of {rows} rows (block "
                  "o·{C} + c from input channel c to output channel o), the output {outputs}; output channel o is the "
                  "sum over c of input channel c correlated with filter o·{C} + c{bias}.", x=x, w=w, inputs=inputs,
                  filters=self.filters, rows=ws[0], C=C, outputs=outputs, bias=bias)

    def backward(self, xs: list[Matrix], out: Matrix, up: Matrix, needed: list[bool]) -> list[Matrix | None]:
        x, w = xs[0], xs[1]
        C, K = self.in_channels, self.out_channels
        xb, wb, db = self.blocks(x, C), self.blocks(w, self.filters), self.blocks(up, K)
        grad_x = [[[sp.Integer(0)] * len(rows[0]) for _ in rows] for rows in xb]
        grad_w = [[[sp.Integer(0)] * len(rows[0]) for _ in rows] for rows in wb]
        for (oi, oj), (ki, kj), (ii, jj) in self.taps(tuple(x.shape), tuple(w.shape)):
            for o, dr in enumerate(db):
                for c, xr in enumerate(xb):
                    f = o * C + c
                    grad_w[f][ki][kj] += dr[oi][oj] * xr[ii][jj]
                    grad_x[c][ii][jj] += dr[oi][oj] * wb[f][ki][kj]
        grads: list[Matrix | None] = [self._back(grad_x, tuple(x.shape)) if needed[0] else None,
                                      self._back(grad_w, tuple(w.shape)) if needed[1] else None]
        if self.arity == 3:
            sums = Matrix([[sum((v for row in rows for v in row), sp.Integer(0))] for rows in db])
            grads.append(sums if needed[2] else None)
        return grads

    def explain(self, position: int, args: list[Formula], xs: list[Matrix], out: Matrix) -> Explanation:
        C, K = self.in_channels, self.out_channels
        x, w = args[0], args[1]
        strided = "; " + ntr("with stride {stride} the upstream gradient is spread out first ({n} zero between its "
                             "entries)", "with stride {stride} the upstream gradient is spread out first ({n} zeros "
                             "between its entries)", self.stride - 1, stride=self.stride) if self.stride > 1 else ""
        dilated = "; " + tr("the kernel dilated by {dilation}", dilation=self.dilation) if self.dilation > 1 else ""
        if position == 0:
            # Translators: {x} is the convolution's input, {w} its kernel; the first letter is then capitalized
            words = (tr("the full cross-correlation of the upstream gradient (zero-padded by the kernel size − 1 on "
                        "each side) with {w} flipped, i.e. the full true convolution of the upstream gradient with "
                        "{w} (a transposed convolution): every entry of {x} collects the upstream gradient times the "
                        "kernel entries it met", x=x, w=w)
                     + (" " + tr("(of every output channel)") if K > 1 else "")
                     + (" " + tr("(the padding's rows and columns then dropped)")
                        if self.padding not in (0, "valid") else "")
                     + strided + dilated)
            return Explanation(words[0].upper() + words[1:], call("corr_full", DELTA, call("flip", w))
                               if not self.flip else call("corr_full", DELTA, w))
        if position == 1:
            words = (tr("the cross-correlation of the input {x} (zero-padded as in the forward pass) with the "
                        "upstream gradient: each kernel entry collects the upstream gradient times the input entries "
                        "it met", x=x)
                     + (" " + tr("(filter o·{C} + c: input channel c with output channel o)", C=C)
                        if self.filters > 1 else "")
                     + strided + dilated + ("; " + tr("flipped back for a true convolution") if self.flip else ""))
            rule = call("corr", x, DELTA)
            return Explanation(words[0].upper() + words[1:], call("flip", rule) if self.flip else rule)
        return Explanation(
            tr("b[o] is added to every entry of output channel o, so it collects the sum of that channel's upstream "
               "gradient") if K > 1 else tr("The bias is added to every output entry, so it collects the sum of the "
                                            "upstream gradient"),
            phrase(op("juxtapose", "Σ ", DELTA), tr("per output channel")) if K > 1 else op("juxtapose", "Σ ", DELTA))


def make(dims: int, nargs: int, keywords: dict[str, Any]) -> Conv:
    """A conv op for ``conv1d``/``conv2d`` with 2 or 3 positional arguments and keyword settings."""
    if nargs not in (2, 3):
        raise ValueError(tr("{name} takes an input, a kernel and optionally a bias, got {count} arguments",
                            name="conv%dd" % dims, count=nargs))

    return Conv(dims, nargs, **keywords)

"""Convolution entries worked out by hand, with the problem's names: one output entry of the forward pass
(``Z[0, 1] = Σ X[i, j + 1]·K[i, j] + b = 1·0 + 0·(−1) + 1·(1/2) + (−1)·2 + (−1/2) = −4``) and one entry
of each gradient, as formula trees so that every printer typesets them. The entry with the most products
is shown at ``standard`` detail, every other one at ``full`` (small layers only).

Indices follow the stacked layout of :mod:`solver.engine.conv`: channel blocks on top of each other, so
``X[3 + i, j]`` is row i of input channel 1 of a 3-row input; a one-channel 1D signal has one index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from solver.formula import Call, Formula, Name, Number, Op, Paren, Sum, equation, op
from solver.i18n import tr
from solver.trace import Detail, Step, StepKind

Conv = Any  # a solver.engine.conv.Conv (not imported: conv imports this module)

MAX_ENTRIES = 16  # at --detail full, every entry of a value up to this size is written out
MAX_PRODUCTS = 144  # and at most this many products in all (16 entries of a 3×3 kernel)

Affine = tuple[str, int, int]  # an index coef·var + const: ("i", 1, 2) is i + 2


@dataclass(frozen=True)
class Entry:
    """One entry worked out: its name, the sum in general form, the numbers, the value."""

    name: Formula
    general: Formula
    numbers: Formula | None
    value: Any
    products: int


def index(var: str, coef: int, const: int) -> Formula:
    """The index ``coef·var + const`` as written: ``i``, ``j + 1``, ``2m − 1``, ``1 − i``, ``3``."""
    if coef == 0:
        return Number(const) if const >= 0 else op("neg", const)
    size = abs(coef)
    term = Name(var) if size == 1 else op("juxtapose", size, var)
    if coef < 0:
        if const > 0:
            return op("−", const, term)
        return op("neg", term) if const == 0 else op("−", op("neg", term), -const)
    return term + const if const > 0 else term - (-const) if const < 0 else term


def at(label: Formula, indices: list[Formula]) -> Formula:
    """An entry of the value written ``label``: ``X[i, j + 1]``, ``∂L/∂Z[0, 1]``."""
    return Call(label.text if isinstance(label, Name) else str(label), tuple(indices), "[]")


def number(value: Any) -> Formula | None:
    """A number as a formula, negative numbers and fractions bracketed (``(−1/2)``); None for a value
    that is not a plain number (an exact form such as ℯ/(1 + ℯ) is not written out entrywise)."""
    value = sp.Integer(value) if isinstance(value, int) else value
    if value.is_Integer:
        whole = int(value)
        return Number(whole) if whole >= 0 else Paren(op("neg", -whole))
    if value.is_Rational:
        fraction = Number(f"{abs(value.p)}/{value.q}")
        return Paren(op("neg", fraction) if value < 0 else fraction)
    if value.is_Float:
        text = f"{abs(float(value)):.6g}"
        return Number(text) if value >= 0 else Paren(op("neg", Number(text)))
    return None


def products(pairs: list[tuple[Any, Any]]) -> Formula | None:
    """``a₁·b₁ + a₂·b₂ + …`` with numbers (``0`` for no pair); None if a value is not a plain number."""
    terms = []
    for a, b in pairs:
        left, right = number(a), number(b)
        if left is None or right is None:
            return None
        terms.append(op("·", left, right))
    return op("+", *terms) if terms else Number(0)


def grouped(groups: list[Formula | None], bias: Any = None) -> Formula | None:
    """Sums of products added up, each bracketed when there are several; a bias added last."""
    if any(g is None for g in groups):
        return None
    parts: list[Formula] = [Paren(g) if len(groups) > 1 and isinstance(g, Op) else g for g in groups if g]
    if bias is not None:
        shown = number(bias)
        if shown is None:
            return None
        parts.append(shown)
    return op("+", *parts)


def plain_numbers(*values: Any) -> bool:
    """Whether every entry of the values is a plain number (an integer, a fraction or a float): only
    then is an entry written out as a sum of products (an exact form such as σ(2) stays in the map)."""
    return all(isinstance(v, (int, float)) or getattr(v, "is_Rational", False) or getattr(v, "is_Float", False)
               for value in values for v in (value if hasattr(value, "shape") else [value]))


def value_sum(pairs: list[tuple[Any, Any]]) -> Any:
    """The exact (or float) sum of the products."""
    return sum((a * b for a, b in pairs), sp.Integer(0))


def steps(entries: list[Entry], note: str) -> list[Step]:
    """The entry with the most products at ``standard`` detail, the others at ``full`` (few entries only)."""
    if not entries:
        return []
    best = max(range(len(entries)), key=lambda k: (entries[k].products, -k))
    small = len(entries) <= MAX_ENTRIES and sum(e.products for e in entries) <= MAX_PRODUCTS
    out = []
    for k, entry in enumerate(entries):
        if k != best and not small:
            continue
        out.append(Step(StepKind.EVALUATE, str(entry.name), formula=equation(entry.name, entry.general),
                        substituted=entry.numbers, result=entry.value, note=note if k == best else "",
                        detail=Detail.STANDARD if k == best else Detail.FULL))
    return out


# --- the stacked layout: which index of which matrix ---------------------------------------------------


def x_index(conv: Conv, channel: int, rows: int, row: Affine, col: Affine) -> list[Formula]:
    """The indices of an input entry (of ``channel``, whose blocks have ``rows`` rows)."""
    if conv.dims == 1:
        return [index(*col)] if conv.in_channels == 1 else [Number(channel), index(*col)]
    return [index(row[0], row[1], row[2] + channel * rows), index(*col)]


def w_index(conv: Conv, f: int, rows: int, row: Affine, col: Affine) -> list[Formula]:
    """The indices of a kernel entry of filter ``f`` (filters of ``rows`` rows)."""
    if conv.dims == 1:
        return [index(*col)] if conv.filters == 1 else [Number(f), index(*col)]
    return [index(row[0], row[1], row[2] + f * rows), index(*col)]


def out_index(conv: Conv, o: int, rows: int, row: Affine, col: Affine) -> list[Formula]:
    """The indices of an output entry (or of its upstream gradient) of output channel ``o``."""
    if conv.dims == 1:
        return [index(*col)] if conv.out_channels == 1 else [Number(o), index(*col)]
    return [index(row[0], row[1], row[2] + o * rows), index(*col)]


def flat(conv: Conv, value: Any, block: int, count: int, row: int, col: int) -> Any:
    """Entry [row, col] of block ``block`` of a stacked value split into ``count`` blocks."""
    return conv.blocks(value, count)[block][row][col]


def padding_words(conv: Conv, pads: list[tuple[int, int]]) -> str:
    """The zero padding in words: ``no zero padding``, ``zero padding 1 on each side``."""
    used = pads[2 - conv.dims:]
    if all(p == (0, 0) for p in used):
        return tr("no zero padding")
    if len({p for pair in used for p in pair}) == 1:
        return tr("zero padding {size} on each side", size=used[0][0])
    axes = [tr("left"), tr("right")] if conv.dims == 1 else [tr("top"), tr("bottom"), tr("left"), tr("right")]
    # Translators: {sides} is like "top 1, bottom 1, left 0, right 2"
    return tr("zero padding {sides}", sides=", ".join(f"{a} {p}" for a, p in zip(axes, [p for pair in used
                                                                                          for p in pair])))


def _kernel_axes(conv: Conv, ws: tuple[int, int]) -> tuple[Affine, Affine]:
    """The kernel's row and column index over the loop variables i, j (reversed for a true convolution)."""
    if conv.flip:
        return ("i", -1, ws[0] - 1), ("j", -1, ws[1] - 1)
    return ("i", 1, 0), ("j", 1, 0)


def _fixed(position: int) -> Affine:
    return ("", 0, position)


def forward_entries(conv: Conv, xs: list[Any], names: list[Formula], output: Formula) -> list[Step]:
    """Output entries as sums of products: the one with the most products, every one at ``full``."""
    from solver.engine.exact import present

    x, w = xs[0], xs[1]
    if not plain_numbers(*xs):
        return []
    x_shape, w_shape = tuple(x.shape), tuple(w.shape)
    xs_, ws, pads, out = conv.geometry(x_shape, w_shape)
    (top, _), (left, _) = pads
    s, d, C = conv.stride, conv.dilation, conv.in_channels
    xb, wb = conv.blocks(x, C), conv.blocks(w, conv.filters)
    windows: dict[tuple[int, int], list[tuple[Any, Any]]] = {}
    for position, kernel, inside in conv.padded_taps(x_shape, w_shape):
        windows.setdefault(position, []).append((kernel, inside))
    biases = conv.bias_values(xs[2]) if conv.arity == 3 else []
    k_row, k_col = _kernel_axes(conv, ws)
    entries = []
    for o in range(conv.out_channels):
        bias: list[Formula] = []
        if biases:
            bias = [names[2] if conv.out_channels == 1 else at(names[2], [Number(o)])]
        for m in range(out[0]):
            for n in range(out[1]):
                sums: list[Formula] = []
                groups, value, count = [], sp.Integer(0), 0
                for c in range(C):
                    f = o * C + c
                    x_at = at(names[0], x_index(conv, c, xs_[0], ("i", d, s * m - top), ("j", d, s * n - left)))
                    sums.append(Sum("", x_at * at(names[1], w_index(conv, f, ws[0], k_row, k_col))))
                    pairs = [(0 if inside is None else xb[c][inside[0]][inside[1]], wb[f][kernel[0]][kernel[1]])
                             for kernel, inside in windows[(m, n)]]
                    count += sum(inside is not None for _, inside in windows[(m, n)])
                    groups.append(products(pairs))
                    value += value_sum(pairs)
                general = op("+", *sums, *bias)
                name = at(output, out_index(conv, o, out[0], _fixed(m), _fixed(n)))
                numbers = grouped(groups, biases[o] if biases else None)
                entries.append(Entry(name, general, numbers, present(value + (biases[o] if biases else 0)), count))
    # Translators: {outside} is empty or like "; X is 0 outside its entries (zero padding 1 on each side)"
    note = tr("Here j runs over the kernel entries{outside}.", outside=_outside(conv, pads, names[0])) \
        if conv.dims == 1 else tr("Here i, j run over the kernel's rows and columns{outside}.",
                                  outside=_outside(conv, pads, names[0]))
    return steps(entries, note)


def _outside(conv: Conv, pads: list[tuple[int, int]], name: Formula) -> str:
    """``; X is 0 outside its entries (zero padding)`` when there is padding."""
    if all(p == (0, 0) for p in pads[2 - conv.dims:]):
        return ""
    # Translators: {name} is a matrix such as X; {padding} is like "zero padding 1 on each side"
    return "; " + tr("{name} is 0 outside its entries ({padding})", name=name, padding=padding_words(conv, pads))


def gradient_entries(conv: Conv, position: int, names: list[Formula], xs: list[Any], up: Any, target: Formula,
                     upstream: Formula) -> list[Step]:
    """Entries of the input's (0) or the kernel's (1) gradient as sums of products."""
    from solver.engine.exact import present

    if position not in (0, 1) or not plain_numbers(xs[0], xs[1], up):
        return []
    x, w = xs[0], xs[1]
    x_shape, w_shape = tuple(x.shape), tuple(w.shape)
    xs_, ws, pads, out = conv.geometry(x_shape, w_shape)
    (top, _), (left, _) = pads
    s, d, C, K = conv.stride, conv.dilation, conv.in_channels, conv.out_channels
    xb, wb, db = conv.blocks(x, C), conv.blocks(w, conv.filters), conv.blocks(up, K)
    taps = list(conv.padded_taps(x_shape, w_shape))
    by_kernel: dict[Any, list[Any]] = {}  # the taps of each kernel entry, and of each input entry, in tap order
    by_input: dict[Any, list[Any]] = {}
    for tap in taps:
        by_kernel.setdefault(tap[1], []).append(tap)
        by_input.setdefault(tap[2], []).append(tap)
    entries = []
    if position == 1:  # ∂L/∂K[p, q] = Σ over output positions m, n of X[s·m + d·p − pad, …]·δ[m, n]
        for f in range(conv.filters):
            o, c = divmod(f, C)
            for p in range(ws[0]):
                for q in range(ws[1]):
                    loop = by_kernel.get((p, q), [])
                    ki, kj = (ws[0] - 1 - p, ws[1] - 1 - q) if conv.flip else (p, q)
                    x_at = at(names[0], x_index(conv, c, xs_[0], ("m", s, d * ki - top), ("n", s, d * kj - left)))
                    up_at = at(upstream, out_index(conv, o, out[0], ("m", 1, 0), ("n", 1, 0)))
                    general: Formula = Sum("", x_at * up_at)
                    pairs = [(0 if inside is None else xb[c][inside[0]][inside[1]], db[o][m][n])
                             for (m, n), _, inside in loop]
                    name = at(target, w_index(conv, f, ws[0], _fixed(p), _fixed(q)))
                    entries.append(Entry(name, general, products(pairs), present(value_sum(pairs)),
                                         sum(inside is not None for _, _, inside in loop)))
        outside = _outside(conv, pads, names[0])
        note = tr("Here n runs over the output positions{outside}.", outside=outside) if conv.dims == 1 \
            else tr("Here m, n run over the output positions{outside}.", outside=outside)
        return steps(entries, note)
    for c in range(C):  # ∂L/∂X[a, b] = Σ over kernel entries i, j of δ[a + pad − d·i, …]·K[i, j] (stride 1)
        for a in range(xs_[0]):
            for b in range(xs_[1]):
                sums: list[Formula] = []
                groups, value, count = [], sp.Integer(0), 0
                for o in range(K):
                    f = o * C + c
                    met = sorted((kernel, (m, n)) for (m, n), kernel, _ in by_input.get((a, b), []))
                    k_at = at(names[1], w_index(conv, f, ws[0], ("i", 1, 0), ("j", 1, 0)))
                    if s == 1:
                        flip = d * (ws[0] - 1), d * (ws[1] - 1)
                        rows = ("i", d, a + top - flip[0]) if conv.flip else ("i", -d, a + top)
                        cols = ("j", d, b + left - flip[1]) if conv.flip else ("j", -d, b + left)
                        sums.append(Sum("", at(upstream, out_index(conv, o, out[0], rows, cols)) * k_at))
                    else:  # with a stride only some kernel entries meet X[a, b]: each product written out
                        sums.extend(at(upstream, out_index(conv, o, out[0], _fixed(m), _fixed(n)))
                                    * at(names[1], w_index(conv, f, ws[0], _fixed(kernel[0]), _fixed(kernel[1])))
                                    for kernel, (m, n) in met)
                    pairs = [(db[o][m][n], wb[f][kernel[0]][kernel[1]]) for kernel, (m, n) in met]
                    groups.append(products(pairs))
                    value += value_sum(pairs)
                    count += len(pairs)
                name = at(target, x_index(conv, c, xs_[0], _fixed(a), _fixed(b)))
                general = op("+", *sums) if sums else Number(0)
                entries.append(Entry(name, general, grouped(groups), present(value), count))
    block = " " + tr("(within output channel o's rows)") if K > 1 and conv.dims == 2 else ""
    # Translators: {upstream} is the upstream gradient such as ∂L/∂Y; {block} is empty or " (within …)"
    if s != 1:
        note = tr("Every kernel entry that met this entry, times the upstream gradient.")
    elif conv.dims == 1:
        note = tr("Here j runs over the kernel entries that met this entry: those for which the index lies inside "
                  "{upstream}{block}.", upstream=upstream, block=block)
    else:
        note = tr("Here i, j run over the kernel entries that met this entry: those for which the index lies inside "
                  "{upstream}{block}.", upstream=upstream, block=block)
    return steps(entries, note)


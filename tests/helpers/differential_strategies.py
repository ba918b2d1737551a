"""Hypothesis strategies for the differential tests (``tests/test_differential.py``): random valid problems
of every numeric kind, written as the dicts that go into a problem file.

* ``mlp_specs`` — ``kind: graph`` multilayer perceptrons (column or row convention, 1–3 layers,
  relu / leaky_relu / sigmoid / tanh / identity, a classification or regression head, an optional
  L2 penalty, optional SGD updates with observations), built with ``graph_specs.SpecBuilder``
  (whose ``graph_specs`` draws arbitrary small graphs and is used alongside);
* ``conv_specs`` — ``kind: graph`` convolutional networks: conv1d/conv2d with 1–2 input and output
  channels, stride, dilation, every padding form (number, 'same', 'valid', per axis, per side), flip,
  an optional bias, an activation, optionally a second conv or a dense layer, a loss;
* ``rnn_specs`` — ``kind: rnn``: Elman cells (tanh / sigmoid / relu, column and row conventions),
  LSTM and GRU cells, with an optional output layer, targets and always a loss;
* GAN problems come from ``gan_specs.gan_givens``.

Every number is an exact rational (mostly k/4), so dlsolve's exact answers and torch's float64 ones
must agree to rel 1e-9 wherever no kink is touched; the tests reject the draws in which a ReLU /
LeakyReLU / max argument lies within 1e-9 of its kink without being exactly on it.
"""

from __future__ import annotations

import contextlib
from fractions import Fraction

from hypothesis import strategies as st

from . import graph_torch
from .graph_specs import SpecBuilder

KINK = 1e-9  # closer than this to a kink, but not on it: float64 and exact arithmetic may disagree

quarters = st.integers(-4, 4).map(lambda k: str(Fraction(k, 4)))  # -1 … 1 in steps of 1/4


# --- kink distances of the graph oracle, entry by entry ------------------------------------------------


@contextlib.contextmanager
def kink_entries():
    """While active, ``graph_torch.evaluate(spec, diagnostics)`` also records under ``"kink_entries"``
    the distance of EVERY relu / leaky_relu / max argument entry from its kink (the oracle itself keeps
    only the smallest, which cannot tell an exact 0 — a convention, compared — from a near miss)."""
    original = graph_torch._Evaluator.note

    def note(self, key, distance):
        original(self, key, distance)
        if key == "kink" and self.diagnostics is not None and distance.numel():
            self.diagnostics.setdefault("kink_entries", []).extend(distance.detach().abs().reshape(-1).tolist())

    graph_torch._Evaluator.note = note
    try:
        yield
    finally:
        graph_torch._Evaluator.note = original


def near_kink(distances) -> bool:
    """Some distance lies in (0, KINK): the draw is float-sensitive and is skipped."""
    return any(0 < d < KINK for d in distances)


# --- graph: multilayer perceptrons ---------------------------------------------------------------------


ACTIVATIONS = ["relu", "leaky_relu", "sigmoid", "tanh", "identity"]


@st.composite
def mlp_specs(draw) -> dict:
    b = SpecBuilder(draw)
    row = draw(st.integers(0, 3)) == 0  # x @ W (rows) or W @ x (columns)
    n = draw(st.integers(1, 3))
    h = b.tensor_given("x", (1, n) if row else (n, 1))
    depth = draw(st.integers(1, 3))
    for layer in range(depth):
        last = layer == depth - 1
        m = draw(st.integers(2, 3)) if last and draw(st.booleans()) else draw(st.integers(1, 3))
        shape = (1, m) if row else (m, 1)
        w = b.tensor_given("W", (n, m) if row else (m, n))
        expression = f"{h.name} @ {w.name}" if row else f"{w.name} @ {h.name}"
        if draw(st.booleans()):
            expression += f" + {b.tensor_given('b', shape).name}"
        h = b.equation(expression, shape)
        activation = "identity" if last and draw(st.booleans()) else draw(st.sampled_from(ACTIVATIONS))
        if activation == "leaky_relu":
            h = b.equation(f"leaky_relu({h.name}, {draw(st.sampled_from(['0.1', '1/5', '0.01']))})", shape)
        elif activation != "identity":
            h = b.equation(f"{activation}({h.name})", shape, "prob" if activation == "sigmoid" else "")
        n = m
    heads = ["mse", "half_norm", "bce_logits", "bce_sigmoid"] + ["cross_entropy", "nll_softmax"] * (n > 1)
    if h.tag == "prob":
        heads.append("bce")
    head = draw(st.sampled_from(heads))
    shape = h.shape
    if head == "mse":
        loss = f"mse({h.name}, {b.tensor_given('y', shape).name})"
    elif head == "half_norm":
        loss = f"0.5 * norm2({h.name} - {b.tensor_given('y', shape).name})"
    elif head == "bce_logits":
        loss = f"bce_logits({h.name}, {b.tensor_given('y', shape, binary=True, constant=True).name})"
    elif head == "bce_sigmoid":
        loss = f"bce(sigmoid({h.name}), {b.tensor_given('y', shape, binary=True, constant=True).name})"
    elif head == "bce":
        loss = f"bce({h.name}, {b.tensor_given('y', shape, binary=True, constant=True).name})"
    elif head == "cross_entropy":
        loss = f"cross_entropy({h.name}, {b.label(n)})"
    else:
        loss = f"nll(softmax({h.name}), {b.label(n)})"
    if b.matrices and draw(st.integers(0, 3)) == 0:
        loss += f" + {b.tensor_given('lam', (1, 1)).name} * norm2({draw(st.sampled_from(b.matrices))})"
    b.equation(loss, (1, 1), name="L")
    spec: dict = {"kind": "graph", "title": "Random MLP (differential test)", "given": b.given,
                  "equations": b.equations, "loss": "L"}
    parameters = [name for name in b.floats if name[0] in "Wbl"]
    spec["wrt"] = parameters + (["x1"] if draw(st.booleans()) else [])
    if draw(st.integers(0, 4)) == 0:
        spec["layout"] = "jacobian"
    if draw(st.booleans()):
        update: dict = {"lr": draw(st.sampled_from([1, "1/2", "0.1", "1/4"]))}
        update["params"] = draw(st.lists(st.sampled_from(parameters), min_size=1, max_size=3, unique=True))
        if draw(st.booleans()):
            data_names = [name for name in b.given if name[0] in "xyc" and name[1:].isdigit()]
            update["data"] = [{name: b.redraw(name) for name in data_names} for _ in range(draw(st.integers(1, 3)))]
            mode = draw(st.sampled_from([None, "sequential", "batch"]))
            if mode:
                update["mode"] = mode
        spec["update"] = update
    return spec


# --- graph: convolutional networks ---------------------------------------------------------------------


def _sides(padding, dims: int, dilation: int, kernel: list[int]) -> list[tuple[int, int]]:
    """(before, after) zeros per axis (rows first) for every padding form of the format."""
    if padding == "same":
        return [(d // 2, d - d // 2) for d in (dilation * (k - 1) for k in kernel)]
    if padding == "valid":
        return [(0, 0)] * dims
    if isinstance(padding, int):
        return [(padding, padding)] * dims
    if dims == 1:
        return [padding]
    return [p if isinstance(p, tuple) else (p, p) for p in padding]


def _out(n: int, k: int, sides: tuple[int, int], stride: int, dilation: int) -> int:
    return (n + sum(sides) - dilation * (k - 1) - 1) // stride + 1


@st.composite
def conv_specs(draw) -> dict:
    b = SpecBuilder(draw)
    dims = draw(st.sampled_from([1, 2]))
    C, K = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    stride, dilation = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = [draw(st.integers(1, 3)) for _ in range(dims)]
    side = st.integers(0, 2)
    forms = ["valid", side] + ["same"] * (stride == 1) + [st.tuples(side, side)]
    if dims == 2:
        forms.append(st.tuples(st.tuples(side, side), st.tuples(side, side)))
    padding = draw(st.sampled_from(forms))
    padding = padding if isinstance(padding, str) else draw(padding)
    sides = _sides(padding, dims, dilation, kernel)
    top = 5 if dims == 1 else 4
    least = 2 if dims == 1 else 1  # a 1D signal of one entry would be a number
    size = [draw(st.integers(max(least, dilation * (k - 1) + 1 - sum(s)), max(top, dilation * (k - 1) + 1)))
            for k, s in zip(kernel, sides)]
    out = [_out(n, k, s, stride, dilation) for n, k, s in zip(size, kernel, sides)]
    column = False
    if dims == 1:
        if C == 1 and draw(st.booleans()):
            column = True
            x = b.tensor_given("x", (size[0], 1))
        else:
            x = b.tensor_given("x", (C, size[0]))
        w = b.tensor_given("w", (kernel[0], 1) if C * K == 1 and draw(st.booleans()) else (K * C, kernel[0]))
        shape = (out[0], 1) if column and K == 1 else (K, out[0])
    else:
        x = b.tensor_given("x", (C * size[0], size[1]))
        w = b.tensor_given("w", (K * C * kernel[0], kernel[1]))
        shape = (K * out[0], out[1])
    arguments = [x.name, w.name]
    if draw(st.booleans()):
        arguments.append(b.tensor_given("b", (K, 1)).name)
    options = [f"stride={stride}", f"padding={padding!r}", f"dilation={dilation}"]
    if draw(st.booleans()):
        options.append(f"flip={draw(st.booleans())}")
    if C > 1 or draw(st.integers(0, 3)) == 0:
        options.append(f"in_channels={C}")
    if K > 1 or draw(st.integers(0, 3)) == 0:
        options.append(f"out_channels={K}")
    h = b.equation(f"conv{dims}d({', '.join(arguments + options)})", shape)
    activation = draw(st.sampled_from(ACTIVATIONS))
    if activation == "leaky_relu":
        h = b.equation(f"leaky_relu({h.name}, 0.1)", shape)
    elif activation != "identity":
        h = b.equation(f"{activation}({h.name})", shape)
    # an optional second layer: another (1-channel-in or K-channel-in) conv, or a dense layer on a vector
    second = draw(st.sampled_from(["none", "none", "conv", "dense"]))
    length = out[-1] if dims == 1 else None
    if second == "conv" and dims == 1 and length >= 1:
        K2, k2 = draw(st.integers(1, 2)), draw(st.integers(1, min(2, length)))
        w2 = b.tensor_given("w", (K2 * K, k2))
        shape2 = (length - k2 + 1, 1) if h.shape[1] == 1 and K2 == 1 else (K2, length - k2 + 1)
        h = b.equation(f"conv1d({h.name}, {w2.name}, in_channels={K}, out_channels={K2})", shape2)
    elif second == "conv" and dims == 2:
        k2 = [draw(st.integers(1, min(2, n))) for n in out]
        w2 = b.tensor_given("w", (K * k2[0], k2[1]))
        h = b.equation(f"conv2d({h.name}, {w2.name}, in_channels={K}, padding='same')", (out[0], out[1]))
    elif second == "dense" and h.is_vector:
        m = draw(st.integers(1, 3))
        if h.shape[1] == 1:
            v = b.tensor_given("V", (m, h.shape[0]))
            h = b.equation(f"{v.name} @ {h.name}", (m, 1))
        else:
            v = b.tensor_given("V", (h.shape[1], m))
            h = b.equation(f"{h.name} @ {v.name}", (1, m))
    losses = ["sum", "mean", "half_norm", "mse", "dot", "max"]
    if h.is_vector and h.size > 1:
        losses += ["cross_entropy", "cross_entropy"]
    if h.shape == (1, 1):
        losses.append("self")
    loss_kind = draw(st.sampled_from(losses))
    if loss_kind in ("sum", "mean", "max"):
        loss = f"{loss_kind}({h.name})"
    elif loss_kind == "half_norm":
        loss = f"norm2({h.name}) / 2"
    elif loss_kind == "mse":
        loss = f"mse({h.name}, {b.tensor_given('y', h.shape).name})"
    elif loss_kind == "dot":
        loss = f"dot({h.name}, {b.tensor_given('u', h.shape).name})"
    elif loss_kind == "cross_entropy":
        loss = f"cross_entropy({h.name}, {b.label(h.size)})"
    else:
        loss = h.name
    b.equation(loss, (1, 1), name="L")
    spec: dict = {"kind": "graph", "title": "Random convolution (differential test)", "given": b.given,
                  "equations": b.equations, "wrt": list(b.floats)}
    intermediates = [v.name for v in b.variables if v.name != "L"]
    if draw(st.integers(0, 3)) == 0:
        spec["wrt"].append(draw(st.sampled_from(intermediates)))
    if draw(st.integers(0, 2)) == 0:
        spec["update"] = {"lr": draw(st.sampled_from([1, "1/2", "0.1"])),
                          "params": [name for name in b.floats if name[0] in "wbV"]}
    return spec


# --- rnn: Elman, LSTM, GRU ----------------------------------------------------------------------------


def _matrix(draw, rows: int, cols: int) -> list[list[str]]:
    return [[draw(quarters) for _ in range(cols)] for _ in range(rows)]


def _vector(draw, n: int) -> list[str]:
    return [draw(quarters) for _ in range(n)]


@st.composite
def rnn_specs(draw) -> dict:
    cell = draw(st.sampled_from(["rnn", "rnn", "lstm", "gru"]))
    gated = cell != "rnn"
    hidden, inputs = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    steps = draw(st.integers(1, 2 if gated else 3))
    given: dict = {"cell": cell} if gated or draw(st.booleans()) else {}
    row = False
    if gated:
        gates = 4 if cell == "lstm" else 3
        given["W_ih"] = _matrix(draw, gates * hidden, inputs)
        given["W_hh"] = _matrix(draw, gates * hidden, hidden)
        for name in ("b_ih", "b_hh"):
            if draw(st.booleans()):
                given[name] = _vector(draw, gates * hidden)
        if cell == "lstm" and draw(st.booleans()):
            given["c0"] = _vector(draw, hidden)
    else:
        activation = draw(st.sampled_from(["tanh", "sigmoid", "relu"]))
        if activation != "tanh" or draw(st.booleans()):
            given["activation"] = activation
        row = draw(st.booleans())
        if row or draw(st.booleans()):
            given["convention"] = "row" if row else "column"
        given["W_hh"] = _matrix(draw, hidden, hidden)
        given["W_xh"] = _matrix(draw, inputs, hidden) if row else _matrix(draw, hidden, inputs)
        if draw(st.booleans()):
            given["b_h"] = _vector(draw, hidden)
    if draw(st.booleans()):
        given["h0"] = _vector(draw, hidden)
    if inputs == 1 and draw(st.booleans()):
        given["x"] = [draw(quarters) for _ in range(steps)]
    else:
        given["x"] = [_vector(draw, inputs) for _ in range(steps)]
    T = steps
    losses = [f"L = sum(h{T})", f"L = 0.5 * norm2(h{T})", f"L = mean(h{T})"]
    if T > 1:
        losses.append(f"L = sum(h1) + 2 * sum(h{T})")
    if cell == "lstm":
        losses.append(f"L = sum(c{T}) + sum(h{T})")
    targets: dict = {}
    if draw(st.booleans()):
        out = draw(st.integers(1, 2))
        given["W_hy"] = _matrix(draw, hidden, out) if row else _matrix(draw, out, hidden)
        if draw(st.booleans()):
            given["b_y"] = _vector(draw, out)

        def target(entries: list) -> object:  # y_T's orientation: a column, a row (row convention), a number
            if out == 1:
                return entries[0]
            return [entries] if row else entries

        targets["t"] = target(_vector(draw, out))
        losses = [f"L = 0.5 * norm2(y{T} - t)", f"L = mse(y{T}, t)"]
        if T > 1:
            losses.append(f"L = mse(y1, t) + mse(y{T}, t)")
        targets["p"] = target([draw(st.sampled_from([0, 1])) for _ in range(out)])
        losses.append(f"L = bce(sigmoid(y{T}), p)")
        losses.append(f"L = bce_logits(y{T}, p)")
        if out > 1:
            targets["c"] = draw(st.integers(0, out - 1))
            losses.append(f"L = cross_entropy(y{T}, c)")
    loss = draw(st.sampled_from(losses))
    used = {name: value for name, value in targets.items() if f", {name})" in loss or f"- {name})" in loss}
    if used:
        given["targets"] = used
    spec: dict = {"given": given, "loss": loss}
    if draw(st.booleans()):
        names = (["W_ih", "W_hh"] if gated else ["W_hh", "W_xh"])
        names += [n for n in ("b_ih", "b_hh", "b_h", "W_hy", "b_y") if n in given] + ["h0"]
        names += ["c0"] * (cell == "lstm")
        spec["wrt"] = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    if not gated and draw(st.integers(0, 3)) == 0:
        spec["factors"] = True
    return spec

"""conv1d/conv2d graph ops against torch.nn.functional (float64 autograd) on many random layers."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from helpers import examples, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

torch.set_default_dtype(torch.float64)

numbers = st.fractions(min_value=-3, max_value=3, max_denominator=4)


@st.composite
def layers(draw):
    """A random single-channel conv layer that fits its input (dims, sizes, settings, values)."""
    dims = draw(st.sampled_from([1, 2]))
    stride, dilation = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    padding = draw(st.sampled_from(["same", "valid", 0, 1, 2])) if stride == 1 else draw(st.sampled_from(["valid", 0, 1]))
    kernel = [1 if dims == 1 and axis == 0 else draw(st.integers(1, 3)) for axis in range(2)]
    pad = 0 if padding in ("same", "valid") else padding
    size = [1 if dims == 1 and axis == 0 else draw(st.integers(max(1, dilation * (k - 1) + 1 - 2 * pad), 5))
            for axis, k in enumerate(kernel)]
    x = [[draw(numbers) for _ in range(size[1])] for _ in range(size[0])]
    w = [[draw(numbers) for _ in range(kernel[1])] for _ in range(kernel[0])]
    return dims, stride, dilation, padding, draw(st.booleans()), draw(numbers), x, w


def text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


@pytest.mark.slow
@settings(max_examples=examples(60))
@given(layers())
def test_conv_matches_torch(tmp_path_factory, layer) -> None:
    dims, stride, dilation, padding, flip, bias, x, w = layer
    torch_x = torch.tensor([[float(v) for v in row] for row in x], requires_grad=True)
    torch_w = torch.tensor([[float(v) for v in row] for row in w], requires_grad=True)
    torch_b = torch.tensor([float(bias)], requires_grad=True)
    kernel = torch_w.flip([0, 1]) if flip else torch_w  # a true convolution is correlation with the flipped kernel
    if dims == 1:
        out = F.conv1d(torch_x.reshape(1, 1, -1), kernel.reshape(1, 1, -1), torch_b, stride, padding, dilation)
    else:
        out = F.conv2d(torch_x[None, None], kernel[None, None], torch_b, stride, padding, dilation)
    loss = (out**2).sum() / 2  # an arbitrary scalar loss, so every output entry gets a different δ
    loss.backward()

    given_x = [text(v) for v in x[0]] if dims == 1 else [[text(v) for v in row] for row in x]
    given_w = [text(v) for v in w[0]] if dims == 1 else [[text(v) for v in row] for row in w]
    settings_text = f"stride={stride}, padding={padding!r}, dilation={dilation}, flip={flip}"
    spec = tmp_path_factory.mktemp("conv") / "conv.yaml"
    spec.write_text(json.dumps({  # JSON is YAML
        "kind": "graph", "title": "conv", "given": {"x": given_x, "w": given_w, "b": text(bias)},
        "equations": [f"y = conv{dims}d(x, w, b, {settings_text})", "L = norm2(y) / 2"], "wrt": ["x", "w", "b"],
    }))
    result = run_cli("run", spec, "--format", "json")
    assert result.exit_code == 0, result.stderr
    answers = {k: v["value"] for k, v in json.loads(result.stdout)["answers"].items()}

    def flat(value):  # JSON values: a float (1×1), a flat list (column) or rows
        if not isinstance(value, list):
            return [value]
        return [v for row in value for v in row] if isinstance(value[0], list) else value

    assert flat(answers["y"]) == pytest.approx(out.detach().reshape(-1).tolist(), rel=1e-9, abs=1e-12)
    assert flat(answers["dL/dx"]) == pytest.approx(torch_x.grad.reshape(-1).tolist(), rel=1e-9, abs=1e-12)
    assert flat(answers["dL/dw"]) == pytest.approx(torch_w.grad.reshape(-1).tolist(), rel=1e-9, abs=1e-12)
    assert answers["dL/db"] == pytest.approx(torch_b.grad.item(), rel=1e-9, abs=1e-12)


@st.composite
def channel_layers(draw):
    """A random conv layer with 1–3 input and output channels and any padding form that fits its input."""
    dims, C, K = draw(st.sampled_from([1, 2])), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, dilation = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = [draw(st.integers(1, 3)) for _ in range(dims)]
    side = st.integers(0, 2)
    forms = ["valid", side] + ["same"] * (stride == 1)
    forms += [st.tuples(side, side)] + [st.tuples(st.tuples(side, side), st.tuples(side, side))] * (dims == 2)
    padding = draw(st.sampled_from(forms))
    padding = padding if isinstance(padding, str) else draw(padding)
    if padding == "same":
        sides = [(d // 2, d - d // 2) for d in (dilation * (k - 1) for k in kernel)]
    elif padding == "valid":
        sides = [(0, 0)] * dims
    elif isinstance(padding, int):
        sides = [(padding, padding)] * dims
    elif dims == 1:
        sides = [padding]
    else:
        sides = [p if isinstance(p, tuple) else (p, p) for p in padding]
    size = [draw(st.integers(max(1, dilation * (k - 1) + 1 - sum(s)), 5)) for k, s in zip(kernel, sides)]
    x = [[[draw(numbers) for _ in range(size[-1])] for _ in range(size[0] if dims == 2 else 1)] for _ in range(C)]
    w = [[[[draw(numbers) for _ in range(kernel[-1])] for _ in range(kernel[0] if dims == 2 else 1)]
          for _ in range(C)] for _ in range(K)]
    bias = draw(st.none() | st.lists(numbers, min_size=K, max_size=K))
    return dims, C, K, stride, dilation, padding, sides, draw(st.booleans()), draw(st.booleans()), bias, x, w


@pytest.mark.slow
@settings(max_examples=examples(60))
@given(channel_layers())
def test_conv_channels_and_padding_match_torch(tmp_path_factory, layer) -> None:
    dims, C, K, stride, dilation, padding, sides, flip, column, bias, x, w = layer
    # torch's layouts: x (1, C, [H,] L), w (K, C, [kh,] k); the spec stacks them into matrices
    torch_x = torch.tensor([[[float(v) for v in row] for row in channel] for channel in x])
    torch_x = (torch_x if dims == 2 else torch_x[:, 0]).requires_grad_()
    torch_w = torch.tensor([[[[float(v) for v in row] for row in f] for f in filters] for filters in w])
    torch_w = (torch_w if dims == 2 else torch_w[:, :, 0]).requires_grad_()
    torch_b = torch.tensor([float(v) for v in bias], requires_grad=True) if bias else None
    kernel = torch_w.flip(list(range(2, 2 + dims))) if flip else torch_w
    padded = F.pad(torch_x[None], tuple(p for pair in reversed(sides) for p in pair))  # F.pad: last axis first
    conv = F.conv1d if dims == 1 else F.conv2d
    out = conv(padded, kernel, torch_b, stride, 0, dilation)
    (out**2).sum().div(2).backward()  # every output entry gets a different δ

    rows_x = [row for channel in x for row in channel]
    rows_w = [row for filters in w for f in filters for row in f]
    if dims == 1 and C == 1 and column:  # a one-channel signal may be a column: the output stays a column
        given_x = [text(v) for v in rows_x[0]]
    else:
        given_x = [[text(v) for v in row] for row in rows_x]
    given_w = [text(v) for v in rows_w[0]] if dims == 1 and C * K == 1 else [[text(v) for v in r] for r in rows_w]
    given = {"x": given_x, "w": given_w}
    if bias:
        given["b"] = text(bias[0]) if K == 1 else [text(v) for v in bias]
    settings_text = f"stride={stride}, padding={padding!r}, dilation={dilation}, flip={flip}, " \
        f"in_channels={C}, out_channels={K}"
    spec = tmp_path_factory.mktemp("conv") / "conv.yaml"
    spec.write_text(json.dumps({
        "kind": "graph", "title": "conv", "given": given,
        "equations": [f"y = conv{dims}d(x, w{', b' * bool(bias)}, {settings_text})", "L = norm2(y) / 2"],
        "wrt": list(given),
    }))
    result = run_cli("run", spec, "--format", "json")
    assert result.exit_code == 0, result.stderr
    answers = {k: v["value"] for k, v in json.loads(result.stdout)["answers"].items()}
    expected = {"y": out, "dL/dx": torch_x.grad, "dL/dw": torch_w.grad} | ({"dL/db": torch_b.grad} if bias else {})
    for name, tensor in expected.items():
        assert flat(answers[name]) == pytest.approx(tensor.detach().reshape(-1).tolist(), rel=1e-9, abs=1e-12), name
    if dims == 1 and C * K == 1 and out.numel() > 1 and len(rows_x[0]) > 1:  # a row gives [[…]], a column a flat list
        assert isinstance(answers["y"][0], list) != column


def flat(value):
    """A JSON value (a float for 1×1, a flat list for a column, rows otherwise) as one flat list."""
    if not isinstance(value, list):
        return [value]
    return [v for row in value for v in row] if isinstance(value[0], list) else value


def test_two_channel_conv2d_problem() -> None:
    data = json.loads(run_cli("run", "problems/conv2d-channels.yaml", "-f", "json").stdout)["answers"]
    # Z[o=0; 0,0] = (1·1 + 1·1) + (1·1 + (−1)·2) + 1/2 = 3/2; Z[o=1; 1,1] = (1·1 + 1·1) + (−1/2 + 1/2) − 1/2 = 3/2
    assert data["Z"]["value"] == [[1.5, 2.5], [-1.5, 0.5], [-1.0, -1.0], [0.5, 1.5]]
    assert data["L"]["exact"] == "9/4" and data["dL/db"]["exact"] == "Matrix([9, 6])"
    text_out = " ".join(run_cli("run", "problems/conv2d-channels.yaml").stdout.split())
    assert "Channels are stacked vertically" in text_out
    # one output entry written out in the stacked layout: input channel 1 is rows 3–5 of X, filter K(0,1) rows 2–3
    assert "Z[0, 0] = Σ X[i, j]·K[i, j] + Σ X[i + 3, j]·K[i + 2, j] + b[0]" in text_out


def test_midterm_q5_conv1d_backprop() -> None:
    # s1 = conv1d((1, 1, −1, 1), (1, 0, 1), same) = (1, 0, 2, −1); h1 = (1, 0, 2, 0); s2 = 2 − 2 = 0;
    # p = 1/2, L = ln 2; dL/ds2 = 1/2; dL/dw2 = h1/2; dL/ds1 = (w2/2) ⊙ relu'(s1) = (1, 0, −1/2, 0)
    # with ReLU'(0) = 0 at s1[1]; dL/dw1[j] = Σ_i dL/ds1[i]·x_pad[i + j] = (−1/2, 3/2, 1/2); dL/db1 = 1/2.
    data = json.loads(run_cli("run", "problems/conv1d-backprop.yaml", "-f", "json").stdout)["answers"]
    assert data["L"]["exact"] == "log(2)"
    assert data["dL/dw1"]["exact"] == "Matrix([-1/2, 3/2, 1/2])" and data["dL/db1"]["exact"] == "1/2"
    assert data["dL/dw2"]["exact"] == "Matrix([1/2, 0, 1, 0])"
    text = " ".join(run_cli("run", "problems/conv1d-backprop.yaml").stdout.split())
    assert "ReLU'(0) = 0 decides its gradient" in text and "cross-correlation, as in PyTorch" in text


@pytest.mark.parametrize("equation, message", [
    ("y = conv1d(x, w, stride=0)", "stride and dilation must be at least 1"),
    ("y = conv1d(x, w, padding='full')", "padding must be 'same', 'valid' or a non-negative integer"),
    ("y = conv1d(x, w, stride=2, padding='same')", "padding 'same' needs stride 1"),
    ("y = conv1d(x, w, groups=2)", "has no setting 'groups'"),
    ("y = conv2d(x, w)", "does not fit"),
])
def test_conv_errors(tmp_path: Path, equation: str, message: str) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(f"kind: graph\ntitle: bad\ngiven: {{x: [1, 2], w: [1, 2, 3]}}\nequations: [\"{equation}\"]\n")
    result = run_cli("run", spec)
    assert result.exit_code == 3 and message in result.stderr, result.stderr


@pytest.mark.parametrize("given, equation, message", [
    ("{x: [[1, 2, 0, 1], [0, 1, 1, 2], [2, 1, 0, 0], [1, 1, 1, 1]], w: [[1, 0], [0, 1]]}",
     "y = conv2d(x, w, in_channels=3)", "conv2d with in_channels=3 needs an input with a multiple of 3 rows, got 4×4"),
    ("{x: [[1, 2, 0], [0, 1, 1]], w: [[1, 0], [0, 1], [1, 1], [0, 0]]}",
     "y = conv2d(x, w, in_channels=2, out_channels=3)",
     "conv2d with in_channels=2 and out_channels=3 needs a kernel with a multiple of 6 rows"),
    ("{x: [[1, 2, 0], [0, 1, 1], [1, 1, 1]], w: [[1, 0], [0, 1]]}",
     "y = conv1d(x, w, in_channels=2)",
     "conv1d with in_channels=2 needs a 2×L input (row c = input channel c), got 3×3"),
    ("{x: [[1, 2, 0], [0, 1, 1]], w: [[1, 0], [0, 1], [1, 1]]}",
     "y = conv1d(x, w, in_channels=2, out_channels=2)", "needs a 4×k kernel"),
    ("{x: [[1, 2], [0, 1], [1, 1], [2, 0]], w: [[1, 0], [0, 1], [1, 1], [0, 0]], b: 1}",
     "y = conv2d(x, w, b, in_channels=2, out_channels=2)",
     "the bias of conv2d with out_channels=2 must be a 2×1 column (one entry per output channel), got scalar"),
    ("{x: [[1, 2], [0, 1]], w: [[1, 0], [0, 1]]}", "y = conv2d(x, w, padding=(1, 2, 3))",
     "padding must be 'same', 'valid' or a non-negative integer, or (rows, columns) or ((top, bottom), (left, right)), "
     "got (1, 2, 3)"),
    ("{x: [1, 2, 3], w: [1, 1]}", "y = conv1d(x, w, padding=((1, 0), (0, 1)))",
     "or (left, right), got ((1, 0), (0, 1))"),
    ("{x: [1, 2, 3], w: [1, 1]}", "y = conv1d(x, w, padding=(1, -1))",
     "padding must be a whole number, a text such as 'same' or a tuple of whole numbers such as (1, 0)"),
    ("{x: [1, 2, 3], w: [1, 1]}", "y = conv1d(x, w, stride=True)", "stride must be a whole number"),
    ("{x: [1, 2, 3], w: [1, 1]}", "y = conv1d(x, w, out_channels=0)",
     "in_channels and out_channels must be at least 1"),
    ("{x: [[1, 2], [0, 1], [1, 1], [2, 0]], w: [[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1], [1, 1, 1], [0, 0, 0]]}",
     "y = conv2d(x, w, in_channels=2, padding=((0, 0), (1, 0)))",
     "each 3×3 filter (dilation 1) does not fit a 2×2 input channel padded by 0+0, 1+0"),
    ("{x: [[1, 2], [0, 1]], w: [[1, 0, 1], [0, 1, 1], [1, 1, 0]]}", "y = conv2d(x, w, padding=(0, 1))",
     "the kernel 3×3 (dilation 1) does not fit the padded input 2×2 (zero padding 0+0, 1+1)"),
])
def test_conv_channel_and_padding_errors(tmp_path: Path, given: str, equation: str, message: str) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(f"kind: graph\ntitle: bad\ngiven: {given}\nequations: [\"{equation}\"]\n")
    result = run_cli("run", spec)
    assert result.exit_code == 3 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout

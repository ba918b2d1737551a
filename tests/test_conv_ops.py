"""conv1d/conv2d graph ops against torch.nn.functional (float64 autograd) on many random layers."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli

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


@settings(max_examples=60, deadline=None)
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


def test_midterm_q5_conv1d_backprop() -> None:
    # s1 = conv1d((1, 1, −1, 1), (1, 0, 1), same) = (1, 0, 2, −1); h1 = (1, 0, 2, 0); s2 = 2 − 2 = 0;
    # p = 1/2, L = ln 2; dL/ds2 = 1/2; dL/dw2 = h1/2; dL/ds1 = (w2/2) ⊙ relu'(s1) = (1, 0, −1/2, 0)
    # with ReLU'(0) = 0 at s1[1]; dL/dw1[j] = Σ_i dL/ds1[i]·x_pad[i + j] = (−1/2, 3/2, 1/2); dL/db1 = 1/2.
    data = json.loads(run_cli("run", "problems/conv1d-backprop.yaml", "-f", "json").stdout)["answers"]
    assert data["L"]["exact"] == "log(2)"
    assert data["dL/dw1"]["exact"] == "Matrix([-1/2, 3/2, 1/2])" and data["dL/db1"]["exact"] == "1/2"
    assert data["dL/dw2"]["exact"] == "Matrix([1/2, 0, 1, 0])"
    text = " ".join(run_cli("run", "problems/conv1d-backprop.yaml").stdout.split())
    assert "ReLU'(0) = 0 decides its gradient" in text and "cross-correlation, as PyTorch" in text


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

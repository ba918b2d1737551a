"""kind: rnn — Elman RNN, LSTM and GRU forward passes and BPTT gradients against PyTorch float64.

Sources of the expected values:
- random cells (hypothesis): the oracle ``rnn_torch.evaluate`` — the Elman recurrence written with
  torch ops (cross-checked against ``torch.nn.RNNCell`` for tanh/relu, column convention),
  ``torch.nn.LSTMCell`` / ``torch.nn.GRUCell`` loaded with the same weights (gates recomputed by
  hand from the cell's weights), the loss evaluated by the graph oracle's whitelisted parser, and
  every gradient by torch autograd;
- the final exam Q5 (problems/rnn.yaml): derived by hand in the comments, then checked with torch.

All values are small fractions k/4 given as exact text, so the solver's exact sympy answers must
equal torch's float64 results to rel 1e-9 / abs 1e-12.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
import torch
import yaml
from helpers import PROBLEMS, examples, run_cli, slow_unless
from helpers.graph_torch import assert_close
from helpers.rnn_torch import evaluate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch.set_default_dtype(torch.float64)

EXIT_BAD_SPEC = 3
RNN_FILES = ["rnn.yaml", "rnn-bptt.yaml", "lstm-step.yaml", "gru-step.yaml"]
SETTINGS = dict(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- helpers ------------------------------------------------------------------------------------------


def solve(spec: dict, tmp: Path, *options: str) -> dict[str, dict]:
    """Write the spec (JSON is YAML) and return dlsolve's JSON answers."""
    file = tmp / "rnn.yaml"
    file.write_text(json.dumps({"kind": "rnn", "title": "rnn test", **spec}))
    result = run_cli("run", file, "--format", "json", *options)
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}\nspec: {json.dumps(spec)}"
    return json.loads(result.stdout)["answers"]


def check(spec: dict, tmp: Path, *options: str) -> dict[str, dict]:
    """Every oracle answer matches dlsolve's value, and dlsolve answers no other gradients."""
    expected = evaluate(spec)
    answers = solve(spec, tmp, *options)
    values = {name: a["value"] for name, a in answers.items()}
    try:
        assert_close(expected, values)
    except AssertionError as error:
        raise AssertionError(f"{error}\nspec: {json.dumps(spec)}") from None
    loss = spec.get("loss")
    if loss is not None:
        name = loss.split("=")[0].strip()
        theirs = {k for k in answers if k.startswith(f"d{name}/d")}
        ours = {k for k in expected if k.startswith(f"d{name}/d")}
        assert theirs == ours, f"gradients {sorted(theirs)}, expected {sorted(ours)}\nspec: {json.dumps(spec)}"
    return answers


quarters = st.integers(-4, 4).map(lambda k: Fraction(k, 4))  # -1 … 1 in steps of 1/4


def text(value: Fraction) -> str:
    return str(value)  # "3/4", "-1", "0": read exactly by dlsolve


def matrix(draw, rows: int, cols: int) -> list[list[str]]:
    return [[text(draw(quarters)) for _ in range(cols)] for _ in range(rows)]


def vector(draw, n: int) -> list[str]:
    return [text(draw(quarters)) for _ in range(n)]


def sequence(draw, steps: int, inputs: int) -> list:
    """x: one vector per step; with input size 1, sometimes the flat list of scalar inputs."""
    if inputs == 1 and draw(st.booleans()):
        return [text(draw(quarters)) for _ in range(steps)]
    return [vector(draw, inputs) for _ in range(steps)]


# --- 1. Elman forward pass --------------------------------------------------------------------------


@st.composite
def elman(draw, activations=("tanh", "sigmoid", "relu"), max_steps=3, max_hidden=3):
    hidden, inputs, steps = draw(st.integers(1, max_hidden)), draw(st.integers(1, 3)), draw(st.integers(1, max_steps))
    activation = draw(st.sampled_from(activations))
    convention = draw(st.sampled_from(["column", "row"]))
    row = convention == "row"
    given_ = {"cell": "rnn"} if draw(st.booleans()) else {}
    if activation != "tanh" or draw(st.booleans()):
        given_["activation"] = activation
    if row or draw(st.booleans()):
        given_["convention"] = convention
    given_["W_hh"] = matrix(draw, hidden, hidden)
    given_["W_xh"] = matrix(draw, inputs, hidden) if row else matrix(draw, hidden, inputs)
    if draw(st.booleans()):
        given_["b_h"] = vector(draw, hidden)
    if draw(st.booleans()):
        given_["h0"] = vector(draw, hidden)
    if draw(st.booleans()):
        out = draw(st.integers(1, 2))
        given_["W_hy"] = matrix(draw, hidden, out) if row else matrix(draw, out, hidden)
        if draw(st.booleans()):
            given_["b_y"] = vector(draw, out)
    given_["x"] = sequence(draw, steps, inputs)
    return {"given": given_}


@pytest.mark.slow
@settings(max_examples=examples(25), **SETTINGS)
@given(elman())
def test_elman_forward_matches_torch(tmp_path_factory, spec) -> None:
    answers = check(spec, tmp_path_factory.mktemp("elman"))
    steps = len(spec["given"]["x"])
    names = {f"{v}{t}" for t in range(1, steps + 1) for v in ("a", "h", "y" if "W_hy" in spec["given"] else "h")}
    assert names <= set(answers)


def test_row_convention_values_are_rows(tmp_path: Path) -> None:
    # h_t = tanh(h_{t-1} W_hh + x_t W_xh): with W_hh = 0, h1 = tanh([1, 2]·[[1, 0], [0, 1]]) = [tanh 1, tanh 2],
    # a 1×2 row, written [[…]] in JSON; y1 = h1 W_hy = tanh 1 + tanh 2 (1×1 → a number).
    spec = {"given": {"convention": "row", "W_hh": [[0, 0], [0, 0]], "W_xh": [[1, 0], [0, 1]],
                      "W_hy": [[1], [1]], "x": [[1, 2]]}}
    answers = check(spec, tmp_path)
    assert_close({"h1": [[math.tanh(1), math.tanh(2)]]}, {"h1": answers["h1"]["value"]})
    assert answers["a1"]["value"] == [[1.0, 2.0]]
    assert answers["y1"]["value"] == pytest.approx(math.tanh(1) + math.tanh(2), rel=1e-12)


def test_relu_sigmoid_exact_forms(tmp_path: Path) -> None:
    # relu, column: a1 = W_xh x1 = [1, -1] → h1 = [1, 0]; a2 = W_hh h1 + W_xh x2 = [1/2, 0] + [-1/2, 1/2] = [0, 1/2]
    # → h2 = [0, 1/2] (relu(0) = 0).
    spec = {"given": {"activation": "relu", "W_hh": [["1/2", 0], [0, 1]], "W_xh": [[1], [-1]],
                      "x": [1, "-1/2"]}}
    answers = check(spec, tmp_path)
    assert answers["h1"]["exact"] == "Matrix([1, 0])"
    assert answers["h2"]["exact"] == "Matrix([0, 1/2])"
    # sigmoid of ±ln 3: σ(ln 3) = 3/4, σ(−ln 3) = 1/4 exactly
    spec = {"given": {"activation": "sigmoid", "W_hh": [[0, 0], [0, 0]], "W_xh": [[1], [-1]], "x": ["ln(3)"]}}
    answers = check(spec, tmp_path)
    assert answers["h1"]["exact"] == "Matrix([3/4, 1/4])"


# --- 2. BPTT ------------------------------------------------------------------------------------------


@st.composite
def bptt(draw):
    hidden, inputs, steps = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(2, 3))
    activation = draw(st.sampled_from(["tanh", "sigmoid"]))
    row = draw(st.booleans())
    given_ = {"activation": activation, "convention": "row" if row else "column",
              "W_hh": matrix(draw, hidden, hidden),
              "W_xh": matrix(draw, inputs, hidden) if row else matrix(draw, hidden, inputs),
              "b_h": vector(draw, hidden), "h0": vector(draw, hidden), "x": sequence(draw, steps, inputs)}
    wrt = ["W_hh", "W_xh", "b_h", "h0"]
    if draw(st.booleans()):
        out = draw(st.integers(1, 2))
        given_["W_hy"] = matrix(draw, hidden, out) if row else matrix(draw, out, hidden)
        given_["b_y"] = vector(draw, out)
        target = vector(draw, out)
        # a target in the orientation of y_T: a column (flat list), or one row in the row convention
        given_["targets"] = {"t": [target] if row and out > 1 else target}
        loss = f"L = 0.5 * norm2(y{steps} - t)"
        wrt += ["W_hy", "b_y"]
    else:
        loss = f"L = sum(h{steps})"
    spec = {"given": given_, "loss": loss, "wrt": draw(st.permutations(wrt))}
    if draw(st.booleans()):
        spec["factors"] = True  # the Jacobians dh_T/dh_k, checked against torch.autograd.functional.jacobian
    return spec


@pytest.mark.slow
@settings(max_examples=examples(10), **SETTINGS)
@given(bptt())
def test_bptt_gradients_match_autograd(tmp_path_factory, spec) -> None:
    answers = check(spec, tmp_path_factory.mktemp("bptt"))
    for name in spec["wrt"]:
        assert f"dL/d{name}" in answers


def test_bptt_hand_derivation_scalar(tmp_path: Path) -> None:
    # Scalar linear-ish check, tanh, W_hh = w = 1/2, W_xh = u = 1, h0 = 0, x = [1, 0], L = sum(h2) = h2:
    # a1 = 1, h1 = tanh 1; a2 = w h1 = tanh(1)/2, h2 = tanh(tanh(1)/2).
    # dL/da2 = 1 − h2²; dL/dw = dL/da2·h1 + dL/da2·w·(1 − h1²)·h0 = (1 − h2²) tanh 1  (h0 = 0);
    # dL/du = dL/da2·x2 + dL/da2·w·(1 − h1²)·x1 = (1 − h2²)·(1/2)(1 − tanh²1);
    # dL/dh0 = dL/da2·w·(1 − h1²)·w = (1 − h2²)(1 − tanh²1)/4.
    h1 = math.tanh(1)
    h2 = math.tanh(h1 / 2)
    spec = {"given": {"W_hh": [["1/2"]], "W_xh": [[1]], "x": [1, 0]}, "loss": "L = sum(h2)",
            "wrt": ["W_hh", "W_xh", "h0"]}
    answers = check(spec, tmp_path)
    assert math.isclose(answers["dL/dW_hh"]["value"], (1 - h2**2) * h1, rel_tol=1e-12)
    assert math.isclose(answers["dL/dW_xh"]["value"], (1 - h2**2) * (1 - h1**2) / 2, rel_tol=1e-12)
    assert math.isclose(answers["dL/dh0"]["value"], (1 - h2**2) * (1 - h1**2) / 4, rel_tol=1e-12)


def test_relu_bptt_at_the_kinks(tmp_path: Path) -> None:
    # ReLU'(0) = 0 (PyTorch's): h0 = [0, 1], x = [0, 1], W_hh = I, W_xh = [1, −1]ᵀ:
    # a1 = h0 = [0, 1] → h1 = [0, 1] (first unit at the kink); a2 = h1 + [1, −1] = [1, 0] → h2 = [1, 0]
    # (second unit at the kink). L = sum(h2): δ2 = [1, relu'(0)] = [1, 0], dL/dh1 = W_hhᵀ δ2 = [1, 0],
    # δ1 = [1·relu'(0), 0·1] = [0, 0]; so dL/dW_hh = δ2 h1ᵀ = [[0, 1], [0, 0]], dL/dW_xh = δ2·x2 = [1, 0],
    # dL/dh0 = 0 — the same as torch autograd.
    spec = {"given": {"activation": "relu", "W_hh": [[1, 0], [0, 1]], "W_xh": [[1], [-1]], "h0": [0, 1], "x": [0, 1]},
            "loss": "L = sum(h2)", "wrt": ["W_hh", "W_xh", "h0"]}
    answers = check(spec, tmp_path)
    assert answers["dL/dW_hh"]["exact"] == "Matrix([[0, 1], [0, 0]])"
    assert answers["dL/dW_xh"]["exact"] == "Matrix([1, 0])"
    assert answers["dL/dh0"]["exact"] == "Matrix([0, 0])"


@pytest.mark.slow
def test_default_wrt_is_every_given_parameter(tmp_path: Path) -> None:
    # rnn: W_hh, W_xh, b_h (given), W_hy, b_y (given); never h0 unless listed (here h0 is given, not listed).
    spec = {"given": {"W_hh": [[0, "1/2"], ["1/4", 0]], "W_xh": [[1], [-1]], "b_h": [0, "1/4"], "h0": ["1/2", 0],
                      "W_hy": [[1, 1]], "b_y": ["-1/2"], "x": [1, "1/2"]}, "loss": "L = sum(y2)"}
    answers = check(spec, tmp_path)
    assert {k for k in answers if k.startswith("dL/d")} == {"dL/dW_hh", "dL/dW_xh", "dL/db_h", "dL/dW_hy", "dL/db_y"}
    # without b_h and b_y given, their gradients are not answered
    spec = {"given": {"W_hh": [["1/2"]], "W_xh": [[1]], "W_hy": [[2]], "x": [1, 1]}, "loss": "L = sum(y2)"}
    answers = check(spec, tmp_path)
    assert {k for k in answers if k.startswith("dL/d")} == {"dL/dW_hh", "dL/dW_xh", "dL/dW_hy"}


def test_loss_over_several_steps_and_mse(tmp_path: Path) -> None:
    spec = {"given": {"activation": "sigmoid", "W_hh": [["1/2", 0], [0, "-1/2"]], "W_xh": [[1, 0], [0, 1]],
                      "W_hy": [[1, -1]], "x": [[1, 0], [0, 1], ["1/2", "1/2"]], "targets": {"t": 1, "u": [0, 1]}},
            "loss": "L = mse(y1, t) + mse(y3, t) + 0.5 * norm2(h2 - u)"}
    check(spec, tmp_path)


@pytest.mark.slow
def test_factors_are_the_jacobians(tmp_path: Path) -> None:
    # factors: true answers ∂h_T/∂h_k = ∏_{t=T…k+1} diag(act'(a_t))·W_hh under the names dh3/dh2, dh3/dh1,
    # dh3/dh0 (the names are dlsolve's: the spec does not fix them). With W_hh diagonal every factor is
    # diagonal: dh3/dh2 = diag(1 − h3²)·W_hh, e.g. its [0, 0] = (1 − h3[0]²)/2.
    spec = {"given": {"W_hh": [["1/2", 0], [0, "1/4"]], "W_xh": [[1], [-1]], "x": [1, 0, "1/2"]},
            "loss": "L = sum(h3)", "wrt": ["W_hh", "h0"], "factors": True}
    answers = check(spec, tmp_path)
    h3 = answers["h3"]["value"]
    assert math.isclose(answers["dh3/dh2"]["value"][0][0], (1 - h3[0] ** 2) / 2, rel_tol=1e-12)
    assert answers["dh3/dh2"]["value"][0][1] == answers["dh3/dh0"]["value"][1][0] == 0
    # row convention: entry [j, i] = ∂h1[j]/∂h0[i] = (1 − h1[j]²)·W_hh[i, j] (the Jacobian, W_hh transposed)
    spec = {"given": {"convention": "row", "W_hh": [[1, 2], [0, 1]], "W_xh": [[0, 0]], "h0": ["1/4", "1/2"], "x": [1]},
            "loss": "L = sum(h1)", "factors": True}
    answers = check(spec, tmp_path)
    h1 = answers["h1"]["value"][0]
    assert_close({"dh1/dh0": [[1 - h1[0] ** 2, 0.0], [2 * (1 - h1[1] ** 2), 1 - h1[1] ** 2]]},
                 {"dh1/dh0": answers["dh1/dh0"]["value"]})


# --- 3. LSTM and GRU --------------------------------------------------------------------------------


@st.composite
def gated(draw, cell: str):
    gates = 4 if cell == "lstm" else 3
    hidden, inputs, steps = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    given_ = {"cell": cell, "W_ih": matrix(draw, gates * hidden, inputs), "W_hh": matrix(draw, gates * hidden, hidden)}
    for name in ("b_ih", "b_hh"):
        if draw(st.booleans()):
            given_[name] = vector(draw, gates * hidden)
    if draw(st.booleans()):
        given_["h0"] = vector(draw, hidden)
    if cell == "lstm" and draw(st.booleans()):
        given_["c0"] = vector(draw, hidden)
    given_["x"] = sequence(draw, steps, inputs)
    spec = {"given": given_}
    losses = [f"L = sum(h{steps})", f"L = 0.5 * norm2(h{steps})"]
    if cell == "lstm":
        losses.append(f"L = sum(c{steps}) + sum(h1)")
    if draw(st.booleans()):
        given_["W_hy"] = matrix(draw, 1, hidden)
        if draw(st.booleans()):
            given_["b_y"] = vector(draw, 1)
        given_["targets"] = {"t": text(draw(quarters))}
        losses.append(f"L = 0.5 * norm2(y{steps} - t)")
    spec["loss"] = draw(st.sampled_from(losses))
    if draw(st.booleans()):
        extra = ["h0"] + (["c0"] if cell == "lstm" else [])
        names = ["W_ih", "W_hh"] + [n for n in ("b_ih", "b_hh", "W_hy", "b_y") if n in given_] + extra
        spec["wrt"] = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    return spec


@pytest.mark.slow
@settings(max_examples=examples(8), **SETTINGS)
@given(gated("lstm"))
def test_lstm_matches_torch_lstmcell(tmp_path_factory, spec) -> None:
    answers = check(spec, tmp_path_factory.mktemp("lstm"))
    for t in range(1, len(spec["given"]["x"]) + 1):
        assert {f"{v}{t}" for v in "ifgoch"} <= set(answers)


@pytest.mark.slow
@settings(max_examples=examples(8), **SETTINGS)
@given(gated("gru"))
def test_gru_matches_torch_grucell(tmp_path_factory, spec) -> None:
    answers = check(spec, tmp_path_factory.mktemp("gru"))
    for t in range(1, len(spec["given"]["x"]) + 1):
        assert {f"{v}{t}" for v in "rznh"} <= set(answers)


def test_lstm_hand_step(tmp_path: Path) -> None:
    # hidden 1, input 1, all weights 0 except the g row of W_ih (= 1) and biases b_ih = [0, 0, 0, 0]:
    # pre-activations i = f = o = 0 → σ(0) = 1/2, g = tanh(x1) = tanh(1); c1 = f·c0 + i·g = tanh(1)/2,
    # h1 = o·tanh(c1) = tanh(tanh(1)/2)/2. Default wrt: W_ih, W_hh (no bias given → not differentiated).
    spec = {"given": {"cell": "lstm", "W_ih": [[0], [0], [1], [0]], "W_hh": [[0], [0], [0], [0]], "x": [1]},
            "loss": "L = sum(h1)"}
    answers = check(spec, tmp_path)
    assert answers["i1"]["exact"] == answers["f1"]["exact"] == answers["o1"]["exact"] == "1/2"
    assert math.isclose(answers["c1"]["value"], math.tanh(1) / 2, rel_tol=1e-12)
    assert math.isclose(answers["h1"]["value"], math.tanh(math.tanh(1) / 2) / 2, rel_tol=1e-12)
    assert {k for k in answers if k.startswith("dL/d")} == {"dL/dW_ih", "dL/dW_hh"}


def test_gru_hand_step(tmp_path: Path) -> None:
    # hidden 1, input 1, W_ih = [0, 0, 1] (r, z, n rows), W_hh = 0, h0 = 1/2, x1 = 1:
    # r = z = σ(0) = 1/2, n = tanh(1 + r·(0 + 0)) = tanh 1, h1 = (1 − z)·n + z·h0 = tanh(1)/2 + 1/4.
    spec = {"given": {"cell": "gru", "W_ih": [[0], [0], [1]], "W_hh": [[0], [0], [0]], "h0": ["1/2"], "x": [1]},
            "loss": "L = sum(h1)", "wrt": ["W_ih", "W_hh", "h0"]}
    answers = check(spec, tmp_path)
    assert answers["r1"]["exact"] == answers["z1"]["exact"] == "1/2"
    assert math.isclose(answers["h1"]["value"], math.tanh(1) / 2 + 1 / 4, rel_tol=1e-12)
    # dh1/dh0 = z = 1/2: nothing else depends on h0 (W_hh = 0)
    assert math.isclose(answers["dL/dh0"]["value"], 0.5, rel_tol=1e-12)


@pytest.mark.slow
def test_lstm_three_steps_two_hidden(tmp_path: Path) -> None:
    # Exact forms explode here (dlsolve abandons them and solves in floating point, after ~10 s of
    # exact work): --numeric checks the same answers in floating point within the time budget.
    w = lambda *r: [list(map(str, row)) for row in r]  # noqa: E731
    spec = {"given": {"cell": "lstm",
                      "W_ih": w(["1/2", 0], [0, "1/4"], [1, -1], ["-1/2", "1/2"],
                                [0, 1], ["1/4", 0], ["1/2", "1/2"], [-1, 0]),
                      "W_hh": w([0, "1/2"], ["1/4", 0], ["1/2", "-1/2"], [0, 0],
                                [1, 0], [0, "-1/4"], [0, 1], ["1/2", 0]),
                      "b_ih": ["1/4", 0, 0, "-1/4", 0, "1/2", 0, 0], "b_hh": [0, 0, "1/2", 0, 0, 0, "-1/4", 0],
                      "h0": ["1/2", 0], "c0": [0, "-1/2"], "x": [[1, 0], [0, 1], ["1/2", "-1/2"]]},
            "loss": "L = sum(h3) + 0.5 * norm2(c3)", "wrt": ["W_ih", "W_hh", "b_ih", "b_hh", "h0", "c0"]}
    check(spec, tmp_path, "--numeric")


# --- 4. the problem files -----------------------------------------------------------------------------


def problem(name: str) -> Path:
    path = PROBLEMS / name
    assert path.exists(), f"problems/{name} is missing"
    return path


def test_final_exam_q5_by_hand() -> None:
    # W_hh = diag(2 ln√2, 2 ln√2) = diag(ln 2, ln 2), W_xh = [[1, 1], [−1, 0]], b_h = 0, h0 = 0, σ:
    # a1 = W_xh x1 = [[1, 1], [−1, 0]]·[ln 2, ln 2] = [2 ln 2, −ln 2];
    # h1 = [σ(2 ln 2), σ(−ln 2)] = [1/(1 + 1/4), 1/(1 + 2)] = [4/5, 1/3] exactly;
    # x2 = [0, 1.5 ln√2] = [0, (3/4) ln 2]: a2 = W_hh h1 + W_xh x2 = [(4/5) ln 2 + (3/4) ln 2, (1/3) ln 2]
    #    = [31/20 ln 2, ln 2 / 3]; h2 = [σ(31/20 ln 2), σ(ln 2 / 3)] = [1/(1 + 2^(−31/20)), 1/(1 + 2^(−1/3))].
    ln2 = math.log(2)
    answers = json.loads(run_cli("run", problem("rnn.yaml"), "--format", "json").stdout)["answers"]
    assert answers["h1"]["exact"] == "Matrix([4/5, 1/3])"
    assert_close({"a1": [2 * ln2, -ln2], "h1": [0.8, 1 / 3], "a2": [31 / 20 * ln2, ln2 / 3],
                  "h2": [1 / (1 + 2 ** (-31 / 20)), 1 / (1 + 2 ** (-1 / 3))]},
                 {k: a["value"] for k, a in answers.items()})
    # and torch: σ(W_hh h1 + W_xh x2) with float64 tensors
    W_hh = torch.diag(torch.tensor([ln2, ln2]))
    W_xh = torch.tensor([[1.0, 1.0], [-1.0, 0.0]])
    h1 = torch.sigmoid(W_xh @ torch.tensor([ln2, ln2]))
    h2 = torch.sigmoid(W_hh @ h1 + W_xh @ torch.tensor([0.0, 0.75 * ln2]))
    assert h1.tolist() == pytest.approx([0.8, 1 / 3], rel=1e-12)
    assert h2.tolist() == pytest.approx([0.745429, 0.557507], abs=1e-6)
    assert_close({"h2": h2.tolist()}, {k: a["value"] for k, a in answers.items()})


@pytest.mark.parametrize("name", [pytest.param(name, marks=slow_unless(name in ("rnn.yaml", "gru-step.yaml"))) for name in RNN_FILES])
def test_problem_file_matches_torch(name: str) -> None:
    path = problem(name)
    spec = yaml.safe_load(path.read_text())
    assert spec["kind"] == "rnn"
    result = run_cli("run", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    answers = json.loads(result.stdout)["answers"]
    expected = evaluate(spec)
    assert_close(expected, {k: a["value"] for k, a in answers.items()})


# json: test_problem_file_matches_torch; the fast loop: the text of rnn.yaml and lstm-step.yaml
@pytest.mark.parametrize("fmt", [pytest.param(fmt, marks=slow_unless(fmt == "text")) for fmt in ["text", "latex", "markdown"]])
@pytest.mark.parametrize("name", [pytest.param(name, marks=slow_unless(name in ("rnn.yaml", "lstm-step.yaml"))) for name in RNN_FILES])
def test_every_format_runs(name: str, fmt: str) -> None:
    result = run_cli("run", problem(name), "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
    assert "Traceback" not in result.stdout + result.stderr
    if name == "rnn.yaml" and fmt == "text":
        assert "4/5" in result.stdout and "1/3" in result.stdout


# --- 6. bad specs -------------------------------------------------------------------------------------

MARK = "# <-"
RNN = """\
kind: rnn
title: T
given:
  W_hh: [[1, 0], [0, 1]]
  W_xh: [[1], [2]]
  x: [1, 2]
"""


def rnn(**fields: str) -> str:
    """The valid two-unit Elman problem above with fields replaced (a value may carry the mark)."""
    lines = RNN.splitlines()
    for name, value in fields.items():
        new = f"  {name}: {value}"
        for i, line in enumerate(lines):
            if line.startswith(f"  {name}:"):
                lines[i] = new
                break
        else:
            lines.append(new)
    return "\n".join(lines) + "\n"


GATED = """\
kind: rnn
title: T
given:
  cell: {cell}
  W_ih: {W_ih}
  W_hh: {W_hh}
  x: [1, 2]
"""

BAD = [
    pytest.param(rnn(W_hh=f"[[1, 0, 0], [0, 1, 0]]  {MARK}"), "given.W_hh", id="W_hh-not-square"),
    pytest.param(rnn(W_xh=f"[[1], [2], [3]]  {MARK}"), "given.W_xh", id="W_xh-rows-not-hidden"),
    pytest.param(rnn(W_xh=f"[[1, 2]]  {MARK}", x="[[1, 2], [3, 4]]"), "given.W_xh", id="W_xh-one-row"),
    pytest.param(rnn(h0=f"[1, 2, 3]  {MARK}"), "given.h0", id="h0-wrong-length"),
    pytest.param(rnn(b_h=f"[1]  {MARK}"), "given.b_h", id="b_h-wrong-length"),
    pytest.param(rnn(W_xh="[[1, 0], [0, 1]]", x=f"[[1, 2], [1]]  {MARK}"), "given.x", id="x-ragged"),
    pytest.param(rnn(x=f"[]  {MARK}"), "given.x", id="x-empty"),
    pytest.param(rnn(activation=f"softplus  {MARK}"), "given.activation", id="unknown-activation"),
    pytest.param(rnn(cell=f"transformer  {MARK}"), "given.cell", id="unknown-cell"),
    pytest.param(rnn(convention=f"diagonal  {MARK}"), "given.convention", id="unknown-convention"),
    pytest.param(rnn(W_hy=f"[[1, 2, 3]]  {MARK}"), "given.W_hy", id="W_hy-cols-not-hidden"),
    pytest.param(rnn(W_hh=f"[[1, 0], [0, \"1/0\"]]  {MARK}"), "given.W_hh", id="bad-number"),
    pytest.param(GATED.format(cell="lstm", W_ih=f"[[1], [1], [1]]  {MARK}", W_hh="[[1], [1], [1], [1]]"),
                 "given.W_ih", id="lstm-W_ih-rows"),
    pytest.param(GATED.format(cell="lstm", W_ih="[[1], [1], [1], [1]]", W_hh=f"[[1], [1], [1]]  {MARK}"),
                 "given.W_hh", id="lstm-W_hh-rows"),
    pytest.param(GATED.format(cell="gru", W_ih=f"[[1], [1], [1], [1]]  {MARK}", W_hh="[[1], [1], [1]]"),
                 "given.W_ih", id="gru-W_ih-rows"),
    pytest.param(GATED.format(cell="lstm", W_ih="[[1], [1], [1], [1]]", W_hh="[[1], [1], [1], [1]]")
                 + f"  b_ih: [1, 2]  {MARK}\n", "given.b_ih", id="lstm-b_ih-length"),
    pytest.param(GATED.format(cell="lstm", W_ih="[[1], [1], [1], [1]]", W_hh="[[1], [1], [1], [1]]")
                 + f"  convention: row  {MARK}\n", "given.convention", id="row-with-lstm"),
    pytest.param(rnn() + f"loss: \"L = sum(h5)\"  {MARK}\n", "loss", id="loss-unknown-name"),
    pytest.param(rnn() + f"loss: \"L = sum(c1)\"  {MARK}\n", "loss", id="loss-c-of-rnn"),
    pytest.param(rnn() + f"loss: \"L = h2\"\nwrt: [W_hh, c0]  {MARK}\n", "wrt", id="wrt-unknown"),
]


@pytest.mark.parametrize("content, field", BAD)
def test_bad_spec_one_clean_message(content: str, field: str, tmp_path: Path) -> None:
    file = tmp_path / "problem.yaml"
    file.write_text(content)
    line = next(i for i, text_ in enumerate(content.splitlines(), 1) if MARK in text_)
    result = run_cli("run", file)
    assert result.exit_code == EXIT_BAD_SPEC, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, f"one line: {result.stderr!r}"
    prefix = f"dlsolve: error: {file}:{line}: {field}"
    assert result.stderr.startswith(prefix), f"expected {prefix!r}…, got {result.stderr!r}"
    rest = result.stderr[len(prefix):]
    assert rest.startswith(":") or rest.startswith("["), f"the field is {field!r}: {result.stderr!r}"

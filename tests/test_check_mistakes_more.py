"""Two more named mistakes of ``dlsolve check``: a 0- versus 1-based index (solver/check/mistakes_index.py)
and a convolution with a flipped kernel, forward and backward (solver/check/mistakes_conv.py).

Every wrong value has its source in the test: a short derivation written beside it, or PyTorch float64
(``torch.nn.functional.conv1d``/``conv2d`` on the flipped kernel, the student's backward formulas written
out with torch, and torch autograd for the upstream gradients). The rules themselves never produce an
expected value here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from helpers import PROBLEMS, judge_texts, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import api
from solver.check.answers import read_answers
from solver.check.mistakes import diagnose
from solver.check.quantities import quantities
from solver.trace import Approximate, Solution

torch = pytest.importorskip("torch")
F = torch.nn.functional

INDEX = "0- versus 1-based index: this is the value of "
FORWARD = "convolution with a flipped kernel: deep-learning conv is cross-correlation"
INPUT = "convolution with a flipped kernel: kernel not flipped in the input gradient"
KERNEL = "convolution with a flipped kernel: kernel gradient flipped"


@cache
def _solve(name: str) -> Solution:
    return api.solve_file(PROBLEMS / f"{name}.yaml")[0]


def _text(value: Any) -> str:
    """A value in the syntax answers files use (exact rationals; torch values are whole or halves here)."""
    if isinstance(value, torch.Tensor):
        value = sp.Matrix(value.tolist()) if value.dim() == 2 else sp.Matrix(value.reshape(-1).tolist())
        value = value.applyfunc(lambda v: sp.nsimplify(sp.Float(v, 15), rational=True))
    if isinstance(value, sp.MatrixBase):
        return "[" + ", ".join("[" + ", ".join(_text(v) for v in row) + "]" for row in value.tolist()) + "]"
    return str(value).replace("**", "^").replace("E", "e").replace("log(", "ln(").replace("exp(", "e^(")


def _judge(tmp_path: Path, solution: Solution, answers: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each answer's (status, mistake), through the library's check on an answers file."""
    return judge_texts(tmp_path, solution, {name: value if isinstance(value, str) else _text(value)
                                            for name, value in answers.items()})


def _one(tmp_path: Path, problem: str | Solution, name: str, value: Any) -> tuple[str, str]:
    solution = _solve(problem) if isinstance(problem, str) else problem
    return _judge(tmp_path, solution, {name: value})[name]


def _mistake(tmp_path: Path, problem: str | Solution, name: str, wrong: Any) -> str:
    status, mistake = _one(tmp_path, problem, name, wrong)
    assert status != "correct", (name, wrong)
    return mistake


def _tensor(rows: Any) -> Any:
    return torch.tensor(rows, dtype=torch.float64)


# --- 0- versus 1-based index ------------------------------------------------------------------------------


@pytest.mark.parametrize(("problem", "name", "wrong", "shifted"), [
    # rnn: h0 = 0 (the default initial state); a2 = W_hh·h1 + W_xh·x2 with W_hh = ln 2·I, h1 = (4/5, 1/3),
    # x2 = (0, 3/4·ln 2), W_xh = [[1, 1], [−1, 0]]: (4/5·ln 2 + 3/4·ln 2, 1/3·ln 2) = (31/20·ln 2, ln 2/3)
    ("rnn", "h1", "[0, 0]", "h0"),
    ("rnn", "a1", "[31/20*ln(2), ln(2)/3]", "a2"),
    # gan: z_1 = −1/2, relu(Wg1·z_1) = relu(−1/2, 1/2) = (0, 1/2), xg_1 = relu(Wg2·(0, 1/2)) = (1, 1/2)
    ("gan", "xg_2", "[1, 1/2]", "xg_1"),
    # gan: x_2 = (1, 1), Wd1·x_2 = (0, 1), leaky_relu = (0, 1), wd2·(0, 1) = −1, Dr_2 = σ(−1) = 1/(1 + e)
    ("gan", "Dr_1", "1/(1 + e)", "Dr_2"),
    # gradient descent from x_0 = 2: x_1 = 2 − 0.13·f′(2) = 2 − 0.13·12 = 11/25
    ("gradient-descent", "x_1", "2", "x_0"),
    ("gradient-descent", "x_2", "11/25", "x_1"),
    # conv-inversion: the given X's row 2 is (3, −1, 1, 2), so X[2,2] = 1 (X[3,3] = −2); Y[0,0] = 7, Y[2,2] = −2
    ("conv-inversion", "X[3,3]", "1", "X[2,2]"),
    ("conv-inversion", "Y[1,1]", "7", "Y[0,0]"),
    ("conv-inversion", "Y[1,1]", "-2", "Y[2,2]"),
    # lstm-step: c0 = 0 and h0 = 0 (the given initial states); c1 = f1⊙c0 + i1⊙g1 is not 0
    ("lstm-step", "c1", "[0, 0]", "c0"),
    ("lstm-step", "h1", "[0, 0]", "h0"),
])
def test_a_shifted_index_is_named(tmp_path: Path, problem: str, name: str, wrong: str, shifted: str) -> None:
    assert _mistake(tmp_path, problem, name, wrong) == INDEX + shifted


def test_a_shifted_gradient_index_is_named(tmp_path: Path) -> None:
    """gan: ∂V_D/∂ar_1 = 1/6 (V_D holds ln σ(ar_1)/3, whose derivative is (1 − σ(ar_1))/3 with ar_1 = 0),
    given for ∂V_D/∂ar_2 (a gradient's name shifts by its node's index)."""
    assert _mistake(tmp_path, "gan", "dV_D/dar_2", "1/6") == INDEX + "∂V_D/∂ar_1"


@pytest.mark.parametrize(("problem", "name", "wrong"), [
    # X[3,0] shifted by one on both indices is X[2,−1] or X[4,1]: neither exists, so no name; X[2,0] = 3 shifts
    # one index only (not how a student counting from 1 reads X[3,0])
    ("conv-inversion", "X[3,0]", "3"),
    ("conv-inversion", "X[3,3]", "-1"),  # −2 + 1: a plain slip
    ("conv-inversion", "X[3,3]", "2"),  # X[2,3] (one index shifted)
    ("rnn", "h1", "[4/5, 4/3]"),  # h1 = (4/5, 1/3), +1 on one entry
    ("gan", "xg_2", "[3/2, 1]"),  # xg_2 = (1/2, 1), +1 on the first entry
    ("gradient-descent", "x_1", "36/25"),  # 11/25 + 1
])
def test_an_unshifted_wrong_value_is_not_named_an_index_slip(tmp_path: Path, problem: str, name: str, wrong: str) -> None:
    assert INDEX not in _mistake(tmp_path, problem, name, wrong)


def test_an_index_slip_through_the_cli(tmp_path: Path) -> None:
    """conv-inversion: X[3,3] written as X[2,2] = 1 (the given X's row 2, column 2); text, JSON, Markdown, LaTeX."""
    file = tmp_path / "answers.yaml"
    file.write_text('answers:\n  "X[3,3]": 1\n  "X[3,0]": 1\n', encoding="utf-8")
    problem = PROBLEMS / "conv-inversion.yaml"
    result = run_cli("check", problem, file)
    assert result.exit_code == 5
    assert "✗ incorrect: 0- versus 1-based index: this is the value of X[2,2]" in " ".join(result.stdout.split()), \
        result.stdout  # the text report wraps at 80 columns
    data = json.loads(run_cli("check", problem, file, "-f", "json").stdout)
    assert {a["name"]: (a["status"], a["mistake"]) for a in data["answers"]} == {
        "X[3,3]": ("incorrect", INDEX + "X[2,2]"), "X[3,0]": ("correct", None)}
    assert INDEX + "X[2,2]" in run_cli("check", problem, file, "-f", "markdown").stdout
    assert "0- versus 1-based index" in run_cli("check", problem, file, "-f", "latex").stdout


# --- convolution with a flipped kernel: the forward value -------------------------------------------------

CONV2D_BACKPROP = {"X": [[1, 0, 2, -1], [0, 1, -1, 2], [2, -2, 1, 0], [1, 1, 0, -1]], "K": [[1, -1], [0.5, 2]], "b": -0.5}
CNN_POOL_SVM = {"X": [[1, 2, 0, -1], [0, 1, 3, 1], [2, -1, 1, 0], [1, 0, 2, 1]], "K": [[1, -1], [2, 1]], "b": -1.0}
CHANNELS_X = [[[1, 0, 2], [-1, 1, 0], [2, 1, -1]], [[0, 1, 1], [2, -1, 0], [1, 0, 1]]]  # (C=2, 3, 3)
CHANNELS_K = [[[[1, 0], [0, 1]], [[0, 1], [-1, 0]]], [[[1, -1], [1, 0]], [[0.5, 0], [0, 0.5]]]]  # (K=2, C=2, 2, 2)


def _conv2d(spec: dict[str, Any], flip: bool) -> Any:
    """torch's conv2d (a cross-correlation) of the problem's X and K (flipped: K rotated by 180°), plus b."""
    X, K = _tensor(spec["X"])[None, None], _tensor(spec["K"])[None, None]
    return F.conv2d(X, K.flip(-1, -2) if flip else K)[0, 0] + spec["b"]


@pytest.mark.parametrize(("problem", "spec"), [("conv2d-backprop", CONV2D_BACKPROP), ("cnn-pool-svm", CNN_POOL_SVM)])
def test_a_forward_convolution_with_a_flipped_kernel(tmp_path: Path, problem: str, spec: dict[str, Any]) -> None:
    right, flipped = _conv2d(spec, flip=False), _conv2d(spec, flip=True)
    assert _one(tmp_path, problem, "Z", right) == ("correct", "")
    assert _mistake(tmp_path, problem, "Z", flipped) == FORWARD


def test_a_forward_convolution_with_flipped_kernels_over_channels(tmp_path: Path) -> None:
    """conv2d-channels: every filter K[o, c] rotated by 180°; Z's channel blocks stacked vertically."""
    X, K, b = _tensor(CHANNELS_X)[None], _tensor(CHANNELS_K), torch.tensor([0.5, -0.5], dtype=torch.float64)
    right, flipped = F.conv2d(X, K, b)[0], F.conv2d(X, K.flip(-1, -2), b)[0]
    assert _one(tmp_path, "conv2d-channels", "Z", right.reshape(4, 2)) == ("correct", "")
    assert _mistake(tmp_path, "conv2d-channels", "Z", flipped.reshape(4, 2)) == FORWARD


def test_a_symmetric_kernel_never_names_the_flip(tmp_path: Path) -> None:
    """conv1d-backprop's w1 = (1, 0, 1) is its own flip: torch's conv1d with it flipped gives the right s1,
    which is accepted; a wrong s1 (+1 on one entry) is not called a flip. On conv2d-backprop with the
    180°-symmetric K = [[1, 2], [2, 1]], likewise."""
    x, w = _tensor([[1, 1, -1, 1]])[None], _tensor([[1, 0, 1]])[None]
    flipped = F.conv1d(x, w.flip(-1), padding="same")[0, 0]
    assert _one(tmp_path, "conv1d-backprop", "s1", flipped.reshape(4, 1)) == ("correct", "")
    assert _mistake(tmp_path, "conv1d-backprop", "s1", "[2, 0, 2, -1]") != FORWARD
    text = (PROBLEMS / "conv2d-backprop.yaml").read_text(encoding="utf-8").replace("K: [[1, -1], [0.5, 2]]", "K: [[1, 2], [2, 1]]")
    (tmp_path / "symmetric.yaml").write_text(text, encoding="utf-8")
    solution = api.solve_file(tmp_path / "symmetric.yaml")[0]
    spec = {**CONV2D_BACKPROP, "K": [[1, 2], [2, 1]]}
    assert _one(tmp_path, solution, "Z", _conv2d(spec, flip=True)) == ("correct", "")
    plus_one = _conv2d(spec, flip=False)
    plus_one[0, 0] += 1
    assert _mistake(tmp_path, solution, "Z", plus_one) == ""


def test_a_true_convolution_computed_as_a_cross_correlation(tmp_path: Path) -> None:
    """conv2d-backprop with flip=True (a true convolution, torch's conv2d with K rotated by 180°): the
    student's cross-correlation (torch's conv2d with K itself) is the reverse slip, named as such."""
    text = (PROBLEMS / "conv2d-backprop.yaml").read_text(encoding="utf-8").replace("conv2d(X, K, b)", "conv2d(X, K, b, flip=True)")
    (tmp_path / "true.yaml").write_text(text, encoding="utf-8")
    solution = api.solve_file(tmp_path / "true.yaml")[0]
    assert _one(tmp_path, solution, "Z", _conv2d(CONV2D_BACKPROP, flip=True)) == ("correct", "")
    assert _mistake(tmp_path, solution, "Z", _conv2d(CONV2D_BACKPROP, flip=False)) == \
        "cross-correlation where this conv flips the kernel (flip=True)"


# --- convolution with a flipped kernel: the gradients -----------------------------------------------------


def _backprop_2d(spec: dict[str, Any], head: str) -> tuple[Any, Any, Any, Any]:
    """(X, K, ∂L/∂Z, autograd's ∂L/∂X and ∂L/∂K) for a one-channel conv2d problem, by torch autograd.
    ``head``: conv2d-backprop's relu → sum → (s − t)², or cnn-pool-svm's relu → 2×2 max pool (stride 1) →
    flatten → W·h + b2 → multiclass hinge loss."""
    X = _tensor(spec["X"]).requires_grad_()
    K = _tensor(spec["K"]).requires_grad_()
    Z = F.conv2d(X[None, None], K[None, None])[0, 0] + spec["b"]
    Z.retain_grad()
    A = torch.relu(Z)
    if head == "sum":
        loss = (A.sum() - 2) ** 2
    else:
        h = F.max_pool2d(A[None, None], 2, 1).reshape(-1)
        W = _tensor([[1, 0, -1, 2], [0, 1, 1, -1], [-1, 1, 0, 1]])
        s = W @ h + _tensor([[0, 1, -1]])[0]
        margins = torch.clamp(s - s[1] + 1, min=0)
        loss = margins.sum() - margins[1]  # Σ_{j ≠ y} max(0, s_j − s_y + 1), y = 1
    loss.backward()
    return X.detach(), K.detach(), Z.grad, (X.grad, K.grad)


@pytest.mark.parametrize(("problem", "spec", "head"), [("conv2d-backprop", CONV2D_BACKPROP, "sum"),
                                                       ("cnn-pool-svm", CNN_POOL_SVM, "svm")])
def test_the_input_gradient_without_the_flip(tmp_path: Path, problem: str, spec: dict[str, Any], head: str) -> None:
    """∂L/∂X = corr_full(∂L/∂Z, flip(K)); the student's corr_full(∂L/∂Z, K): torch's conv2d of ∂L/∂Z zero-padded
    by k − 1 on each side with K itself."""
    _, K, delta, (grad_X, _) = _backprop_2d(spec, head)
    full = F.pad(delta[None, None], (1, 1, 1, 1))
    assert torch.equal(F.conv2d(full, K.flip(-1, -2)[None, None])[0, 0], grad_X)  # the right rule, autograd's value
    student = F.conv2d(full, K[None, None])[0, 0]
    assert _one(tmp_path, problem, "dL/dX", grad_X) == ("correct", "")
    assert _mistake(tmp_path, problem, "dL/dX", student) == INPUT


@pytest.mark.parametrize(("problem", "spec", "head"), [("conv2d-backprop", CONV2D_BACKPROP, "sum"),
                                                       ("cnn-pool-svm", CNN_POOL_SVM, "svm")])
def test_the_kernel_gradient_flipped(tmp_path: Path, problem: str, spec: dict[str, Any], head: str) -> None:
    """∂L/∂K = corr(X, ∂L/∂Z) (torch's conv2d of X with ∂L/∂Z as the kernel); the student flips it."""
    X, _, delta, (_, grad_K) = _backprop_2d(spec, head)
    right = F.conv2d(X[None, None], delta[None, None])[0, 0]
    assert torch.equal(right, grad_K)
    assert _mistake(tmp_path, problem, "dL/dK", right.flip(-1, -2)) == KERNEL


def test_the_kernel_gradient_flipped_in_one_dimension(tmp_path: Path) -> None:
    """conv1d-backprop (padding 'same'): ∂L/∂w1 = corr(pad(x), ∂L/∂s1), by torch autograd; reversed it is the
    slip, although w1 itself is symmetric."""
    x, w1 = _tensor([[1, 1, -1, 1]])[None], _tensor([[1, 0, 1]])[None].requires_grad_()
    s1 = F.conv1d(x, w1, padding="same")[0, 0]
    p = torch.sigmoid(_tensor([[2, 1, -1, 1]])[0] @ torch.relu(s1))
    (-torch.log(1 - p)).backward()  # bce with y = 0
    grad = w1.grad[0, 0]
    assert _one(tmp_path, "conv1d-backprop", "dL/dw1", grad.reshape(3, 1)) == ("correct", "")
    assert _mistake(tmp_path, "conv1d-backprop", "dL/dw1", grad.flip(0).reshape(3, 1)) == KERNEL


def test_the_input_gradient_over_channels(tmp_path: Path) -> None:
    """conv2d-channels: ∂L/∂X[c] = Σ_o corr_full(∂L/∂Z[o], flip(K[o, c])); the student leaves K unflipped:
    torch's conv2d of the padded ∂L/∂Z with the weight K transposed to (C, K, 2, 2)."""
    X = _tensor(CHANNELS_X)[None].requires_grad_()
    K, b = _tensor(CHANNELS_K), torch.tensor([0.5, -0.5], dtype=torch.float64)
    Z = F.conv2d(X, K, b)
    Z.retain_grad()
    ((torch.relu(Z).sum() - 5) ** 2).backward()
    full = F.pad(Z.grad, (1, 1, 1, 1))
    assert torch.equal(F.conv2d(full, K.flip(-1, -2).transpose(0, 1))[0], X.grad[0])
    student = F.conv2d(full, K.transpose(0, 1))[0]
    assert _mistake(tmp_path, "conv2d-channels", "dL/dX", student.reshape(6, 3)) == INPUT


def test_a_flipped_kernel_through_the_cli(tmp_path: Path) -> None:
    """problems/answers/conv2d-backprop-flipped-kernel.yaml: Z and ∂L/∂X with the kernel flipped, named in
    every format; its values are the torch ones of the tests above."""
    file = PROBLEMS / "answers" / "conv2d-backprop-flipped-kernel.yaml"
    _, K, delta, _ = _backprop_2d(CONV2D_BACKPROP, "sum")
    student = F.conv2d(F.pad(delta[None, None], (1, 1, 1, 1)), K[None, None])[0, 0]
    written = {g.name: g.written.value for g in read_answers(file)}
    assert [float(v) for v in written["Z"]] == _conv2d(CONV2D_BACKPROP, flip=True).reshape(-1).tolist()
    assert [float(v) for v in written["dL/dX"]] == student.reshape(-1).tolist()
    problem = PROBLEMS / "conv2d-backprop.yaml"
    result = run_cli("check", problem, file)
    assert result.exit_code == 5 and f"✗ incorrect: {FORWARD}" in " ".join(result.stdout.split()), result.stdout
    data = json.loads(run_cli("check", problem, file, "-f", "json").stdout)
    assert {a["name"]: a["mistake"] for a in data["answers"]} == {"Z": FORWARD, "dL/dX": INPUT}
    for fmt in ("markdown", "latex"):
        assert "kernel not flipped in the input gradient" in run_cli("check", problem, file, "-f", fmt).stdout


# --- properties -------------------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(-3, 3), min_size=4, max_size=4))
def test_random_kernels_on_conv2d_backprop(tmp_path: Path, entries: list[int]) -> None:
    """conv2d-backprop with a random integer 2×2 kernel: torch's Z is accepted; torch's Z with the kernel
    flipped is accepted when the kernel is its own flip, else never correct and named (unless it is also
    −Z or Zᵀ, which the sign and transpose rules name first); likewise the input gradient."""
    K = [entries[:2], entries[2:]]
    text = (PROBLEMS / "conv2d-backprop.yaml").read_text(encoding="utf-8").replace("K: [[1, -1], [0.5, 2]]", f"K: {K}")
    (tmp_path / "random.yaml").write_text(text, encoding="utf-8")
    solution = api.solve_file(tmp_path / "random.yaml")[0]
    spec = {**CONV2D_BACKPROP, "K": K}
    right, flipped = _conv2d(spec, flip=False), _conv2d(spec, flip=True)
    symmetric = _tensor(K).flip(-1, -2).equal(_tensor(K))
    assert _one(tmp_path, solution, "Z", right) == ("correct", "")
    status, mistake = _one(tmp_path, solution, "Z", flipped)
    if symmetric:
        assert (status, mistake) == ("correct", "")
    else:
        assert status != "correct"
        if not (flipped.equal(-right) or flipped.equal(right.T)):
            assert mistake == FORWARD
    _, _, delta, (grad_X, _) = _backprop_2d(spec, "sum")
    student = F.conv2d(F.pad(delta[None, None], (1, 1, 1, 1)), _tensor(K)[None, None])[0, 0]
    status, mistake = _one(tmp_path, solution, "dL/dX", student)
    if student.equal(grad_X):
        assert status == "correct"
    else:
        assert status != "correct"
        if not (student.equal(-grad_X) or student.equal(grad_X.T)):
            assert mistake == INPUT


@pytest.mark.parametrize("problem", ["rnn", "gan", "conv-inversion", "lstm-step", "conv2d-backprop",
                                     "conv2d-channels", "cnn-pool-svm", "conv1d-backprop"])
def test_right_values_get_no_name(problem: str) -> None:
    """Every quantity's own value: no rule (these two included) names it."""
    solution = _solve(problem)
    for quantity in quantities(solution).values():
        if not getattr(quantity.value, "free_symbols", None) and not isinstance(quantity.value, Approximate):
            assert diagnose(quantity.value, quantity, solution) == "", (problem, quantity.name)

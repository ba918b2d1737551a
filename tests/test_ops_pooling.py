"""Pooling, flatten/reshape/concat and the multiclass SVM loss as graph ops, against PyTorch float64
autograd on many inputs (ties included: their conventions are PyTorch's), their bad inputs, and the
problems that use them (problems/tictactoe.yaml, problems/cnn-pool-svm.yaml)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
import yaml
from helpers import PROBLEMS, examples, run_cli
from helpers.bad_specs import case, check_bad_spec
from hypothesis import given, settings
from hypothesis import strategies as st

torch.set_default_dtype(torch.float64)

# small integers make ties and margins of exactly 0 frequent; quarters make everything else
numbers = st.integers(-2, 2).map(Fraction) | st.fractions(min_value=-3, max_value=3, max_denominator=4)


def text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def solve(tmp_path: Path, given: dict, equations: list[str], wrt: list[str], fmt: str = "json") -> dict:
    """Run a graph problem through the CLI; its JSON answers' float values by name."""
    spec = tmp_path / "problem.yaml"
    spec.write_text(json.dumps({"kind": "graph", "title": "ops", "given": given, "equations": equations,
                                "wrt": wrt}))  # JSON is YAML
    result = run_cli("run", spec, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    return {k: v["value"] for k, v in json.loads(result.stdout)["answers"].items()}


def flat(value) -> list[float]:
    """A JSON value (a float, a flat list for a column, or rows) as a flat list in reading order."""
    if not isinstance(value, list):
        return [value]
    return [v for row in value for v in row] if isinstance(value[0], list) else value


def close(value, tensor: torch.Tensor) -> None:
    assert flat(value) == pytest.approx(tensor.detach().reshape(-1).tolist(), rel=1e-9, abs=1e-12)


def rows_of(matrix: list[list[Fraction]]) -> list[list[str]]:
    return [[text(v) for v in row] for row in matrix]


# --- pooling -------------------------------------------------------------------------------------


@st.composite
def pools(draw):
    """A random pool that fits its input: dims, max or avg, kernel, stride, orientation, values."""
    dims, largest = draw(st.sampled_from([1, 2])), draw(st.booleans())
    k, s = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rows = 1 if dims == 1 else draw(st.integers(k, 5))
    cols = draw(st.integers(k, 6))
    x = [[draw(numbers) for _ in range(cols)] for _ in range(rows)]
    return dims, largest, k, s, draw(st.booleans()), x


@pytest.mark.slow
@settings(max_examples=examples(60), deadline=None)
@given(pools())
def test_pools_match_torch(tmp_path_factory, pool) -> None:
    dims, largest, k, s, column, x = pool
    torch_x = torch.tensor([[float(v) for v in row] for row in x], requires_grad=True)
    f = (F.max_pool1d if largest else F.avg_pool1d) if dims == 1 else (F.max_pool2d if largest else F.avg_pool2d)
    out = f(torch_x[None] if dims == 1 else torch_x[None, None], k, s)
    loss = (out**2).sum() / 2 + out.sum()  # every output entry gets its own δ = out + 1
    loss.backward()
    name = f"{'max' if largest else 'avg'}_pool{dims}d"
    given_x = [text(v) for v in x[0]] if dims == 1 and column else rows_of(x)  # a flat list is a column
    answers = solve(tmp_path_factory.mktemp("pool"), {"x": given_x}, [f"P = {name}(x, {k}, {s})",
                                                                      "L = norm2(P) / 2 + sum(P)"], ["x"])
    close(answers["P"], out)
    close(answers["dL/dx"], torch_x.grad)


def test_max_pool_tie_goes_to_the_first_largest_entry(tmp_path: Path) -> None:
    # torch's max_pool2d routes a window's gradient to its first maximal entry (row by row); max(x) of dlsolve
    # and torch.amax share it evenly: both conventions, side by side on one tied window
    x = torch.tensor([[1.0, 3.0], [3.0, 0.0]], requires_grad=True)
    F.max_pool2d(x[None, None], 2, 2).sum().backward()
    assert x.grad.tolist() == [[0, 1], [0, 0]]
    shared = torch.tensor([[1.0, 3.0], [3.0, 0.0]], requires_grad=True)
    torch.amax(shared).backward()
    assert shared.grad.tolist() == [[0, 0.5], [0.5, 0]]

    spec = tmp_path / "tie.yaml"
    spec.write_text(json.dumps({"kind": "graph", "title": "tie", "given": {"x": [[1, 3], [3, 0]]},
                                "equations": ["a = max_pool2d(x, 2, 2)", "b = global_maxpool(x)", "c = max(x)",
                                              "L = a + 2 * b + 4 * c"], "wrt": ["x"]}))
    result = run_cli("run", spec, "--format", "json")
    assert result.exit_code == 0, result.stderr
    gradient = json.loads(result.stdout)["answers"]["dL/dx"]["value"]
    assert gradient == [[0, 1 + 2 + 2], [0 + 2, 0]]  # a, b: first largest; c: 4 shared evenly (2 and 2)
    shown = " ".join(run_cli("run", spec, "--no-color").stdout.split())  # the text wraps at 80 columns
    assert "first largest entry in reading order" in shown and "shares it evenly" in shown


@settings(max_examples=examples(30), deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_global_pools_match_torch(tmp_path_factory, rows, cols, data) -> None:
    x = [[data.draw(numbers) for _ in range(cols)] for _ in range(rows)]
    torch_x = torch.tensor([[float(v) for v in row] for row in x], requires_grad=True)
    top = F.adaptive_max_pool2d(torch_x[None, None], 1).reshape(())  # the first maximal entry at a tie
    mean = F.adaptive_avg_pool2d(torch_x[None, None], 1).reshape(())
    loss = 3 * top + top**2 + mean**2
    loss.backward()
    answers = solve(tmp_path_factory.mktemp("global"), {"x": rows_of(x)},
                    ["m = global_maxpool(x)", "a = global_avgpool(x)", "L = 3 * m + m ** 2 + a ** 2"], ["x"])
    close(answers["m"], top)
    close(answers["a"], mean)
    close(answers["dL/dx"], torch_x.grad)


# --- flatten, reshape, concatenation --------------------------------------------------------------


@st.composite
def rearrangements(draw):
    """A matrix A, a column b and a matrix D with a reshape of [flatten(A); b] that D fits beside."""
    r, c, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    total = r * c + m
    rows = draw(st.sampled_from([d for d in range(1, total + 1) if total % d == 0]))
    k = draw(st.integers(1, 2))

    def matrix(n, p):
        return [[draw(numbers) for _ in range(p)] for _ in range(n)]

    return matrix(r, c), matrix(m, 1), matrix(rows, k), rows, total // rows


@settings(max_examples=examples(40), deadline=None)
@given(rearrangements())
def test_flatten_reshape_concat_match_torch(tmp_path_factory, case_) -> None:
    a, b, d, rows, cols = case_
    ta, tb, td = (torch.tensor([[float(v) for v in row] for row in m], requires_grad=True) for m in (a, b, d))
    f = torch.flatten(ta).reshape(-1, 1)  # a column, row by row
    g = torch.cat([f, tb], dim=0)
    r = torch.reshape(g, (rows, cols))
    h = torch.cat([r, td], dim=1)
    weights = torch.arange(1.0, h.numel() + 1).reshape(h.shape)  # a different δ for every entry
    loss = (h * h * weights).sum() / 2
    loss.backward()
    given_ = {"A": rows_of(a), "b": [text(row[0]) for row in b], "D": rows_of(d), "V": weights.tolist()}
    answers = solve(tmp_path_factory.mktemp("rearrange"), given_,
                    ["f = flatten(A)", "g = concat(f, b)", f"r = reshape(g, {rows}, {cols})", "h = hconcat(r, D)",
                     "L = sum(h * h * V) / 2"], ["A", "b", "D"])
    for name, tensor in (("f", f), ("g", g), ("r", r), ("h", h)):
        close(answers[name], tensor)
    for name, tensor in (("A", ta), ("b", tb), ("D", td)):
        close(answers[f"dL/d{name}"], tensor.grad)


def test_flatten_states_its_order(tmp_path: Path) -> None:
    spec = tmp_path / "flat.yaml"
    spec.write_text(json.dumps({"kind": "graph", "title": "flat", "given": {"A": [[1, 2], [3, 4]]},
                                "equations": ["f = flatten(A)", "L = f[1]"], "wrt": ["A"]}))
    result = run_cli("run", spec, "--no-color")
    assert result.exit_code == 0, result.stderr
    shown = " ".join(result.stdout.split())  # the text wraps at 80 columns
    assert "row by row (row-major" in shown and "column by column" in shown
    answers = json.loads(run_cli("run", spec, "-f", "json").stdout)["answers"]
    assert answers["f"]["value"] == [1, 2, 3, 4]  # row-major, where column-major would read 1, 3, 2, 4
    assert answers["dL/dA"]["value"] == [[0, 1], [0, 0]]


# --- the multiclass SVM loss ----------------------------------------------------------------------


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(2, 5).flatmap(lambda n: st.tuples(st.lists(numbers, min_size=n, max_size=n),
                                                     st.integers(0, n - 1), st.booleans())))
def test_svm_loss_matches_torch(tmp_path_factory, drawn) -> None:
    scores, c, row = drawn
    n = len(scores)
    s = torch.tensor([[float(v) for v in scores]], requires_grad=True)
    # MultiMarginLoss(margin=1)(x, y) = Σ_{j≠y} max(0, 1 − x[y] + x[j]) / C with C = x.size(1) classes (its
    # documentation): the cs231n loss, summed over j ≠ y, is C times it. (u**2)/2 + 2u gives δ = u + 2.
    torch_loss = torch.nn.MultiMarginLoss(margin=1)(s, torch.tensor([c])) * n
    (torch_loss**2 / 2 + 2 * torch_loss).backward()
    given_s = [[text(v) for v in scores]] if row else [text(v) for v in scores]
    answers = solve(tmp_path_factory.mktemp("svm"), {"s": given_s},
                    [f"u = svm_loss(s, {c})", "L = u ** 2 / 2 + 2 * u"], ["s"])
    close(answers["u"], torch_loss)
    close(answers["dL/ds"], s.grad)


def test_svm_loss_of_the_cs231n_example_and_its_tie_convention(tmp_path: Path) -> None:
    # cs231n's example: scores cat 3.2, car 5.1, frog −1.7 for a cat (class 0):
    # max(0, 5.1 − 3.2 + 1) + max(0, −1.7 − 3.2 + 1) = 2.9 + 0 = 2.9; gradient (−1, 1, 0)
    answers = solve(tmp_path, {"s": ["3.2", "5.1", "-1.7"]}, ["L = svm_loss(s, 0)"], ["s"])
    assert answers["L"] == pytest.approx(2.9, abs=1e-12)
    assert answers["dL/ds"] == [-1, 1, 0]
    # a margin of exactly 0 (s_1 − s_0 + 1 = 0): inactive, as torch's MultiMarginLoss (its gradient there is 0)
    s = torch.tensor([[1.0, 0.0, 1.0]], requires_grad=True)
    torch.nn.MultiMarginLoss(margin=1)(s, torch.tensor([0])).backward()
    assert (s.grad * 3).tolist() == [[-1, 0, 1]]
    spec = tmp_path / "kink.yaml"
    spec.write_text(json.dumps({"kind": "graph", "title": "kink", "given": {"s": [1, 0, 1]},
                                "equations": ["L = svm_loss(s, 0)"], "wrt": ["s"]}))
    result = run_cli("run", spec, "--no-color")
    assert result.exit_code == 0, result.stderr
    shown = " ".join(result.stdout.split())
    assert "exactly 0" in shown and "subgradient 1 there is the alternative" in shown
    assert json.loads(run_cli("run", spec, "-f", "json").stdout)["answers"]["dL/ds"]["value"] == [-1, 0, 1]


# --- the problems ---------------------------------------------------------------------------------


def tictactoe(spec: dict) -> dict[str, torch.Tensor]:
    """The tic-tac-toe classifier of a spec in torch float64: every value and ∂L/∂s, ∂L/∂z."""
    g = {k: torch.tensor(v, dtype=torch.float64) for k, v in spec["given"].items()}
    conv = F.conv2d(g["I"][None, None], g["K"][None, None], g["b1"].reshape(1), stride=3)[0, 0]
    c = torch.flatten(conv).reshape(-1, 1)
    z = (g["W"] @ c + g["b2"].reshape(-1, 1)).detach().requires_grad_()
    top = F.adaptive_max_pool1d(z.reshape(1, 1, -1), 1).reshape(())  # the first maximal score at a tie
    s = top.detach().requires_grad_()
    p = torch.sigmoid(s)
    loss = F.binary_cross_entropy(p, g["y"])
    loss.backward()
    top.backward(s.grad)  # ∂L/∂z = ∂L/∂s routed by the global max pool
    return {"C": conv, "z": z, "s": top, "p": p, "L": loss, "dL/ds": s.grad, "dL/dz": z.grad}


def board(cells: str) -> list[list[int]]:
    """A 9×9 image of a board written as 9 cells row by row ('X', 'O' or '.') in the file's glyphs."""
    glyphs = {"X": [[1, 0, 1], [0, 1, 0], [1, 0, 1]], "O": [[1, 1, 1], [1, 0, 1], [1, 1, 1]], ".": [[0] * 3] * 3}
    return [[glyphs[cells[3 * (r // 3) + col // 3]][r % 3][col % 3] for col in range(9)] for r in range(9)]


@pytest.mark.parametrize("cells, won", [("XO.OX.O.X", True),  # the problem file's board: the diagonal
                                        ("XXXOO.O..", True),  # one row
                                        ("XOXOXOOXO", False),  # a draw
                                        ("XXXOOOX..", True),  # X's row besides O's row (not a legal end)
                                        ("XXXXOOXOO", True)])  # two lines of X: a tie at the global max
def test_tictactoe_matches_torch(tmp_path: Path, cells: str, won: bool) -> None:
    spec = yaml.safe_load((PROBLEMS / "tictactoe.yaml").read_text())
    assert board("XO.OX.O.X") == spec["given"]["I"]  # the file's image is the board its statement names
    spec["given"]["I"] = board(cells)
    spec["given"]["y"] = int(won)
    file = tmp_path / "board.yaml"
    file.write_text(json.dumps(spec))
    result = run_cli("run", file, "-f", "json")
    assert result.exit_code == 0, result.stderr
    answers = {k: v["value"] for k, v in json.loads(result.stdout)["answers"].items()}
    expected = tictactoe(spec)
    for name, tensor in expected.items():
        close(answers[name], tensor)
    assert (answers["p"] > 0.5) == won  # the model classifies the board right
    assert answers["dL/ds"] == pytest.approx(answers["p"] - int(won))  # ∂BCE/∂s = σ(s) − y, the exam's derivation


def test_cnn_pool_svm_problem_matches_torch() -> None:
    spec = yaml.safe_load((PROBLEMS / "cnn-pool-svm.yaml").read_text())
    g = {k: torch.tensor(v, dtype=torch.float64) for k, v in spec["given"].items()}
    X, K, W, b2 = (g[k].requires_grad_() for k in ("X", "K", "W", "b2"))
    z = F.conv2d(X[None, None], K[None, None], g["b1"].reshape(1))
    pooled = F.max_pool2d(torch.relu(z), 2, 1)
    s = W @ torch.flatten(pooled) + b2
    loss = torch.nn.MultiMarginLoss(margin=1)(s[None], g["y"].long().reshape(1)) * s.numel()  # see above: × C
    loss.backward()
    result = run_cli("run", PROBLEMS / "cnn-pool-svm.yaml", "-f", "json")
    assert result.exit_code == 0, result.stderr
    answers = {k: v["value"] for k, v in json.loads(result.stdout)["answers"].items()}
    close(answers["P"], pooled)
    close(answers["s"], s)
    close(answers["L"], loss)
    for name, tensor in (("W", W), ("b2", b2), ("K", K), ("X", X)):
        close(answers[f"dL/d{name}"], tensor.grad)


# --- bad inputs -----------------------------------------------------------------------------------

HEAD = "kind: graph\ntitle: T\ngiven:\n  x: [[1, 2, 3], [4, 5, 6]]\n  v: [1, 2, 3]\n  k: [2, 2]\n  n: 2\nequations:\n"
BAD = [
    case(HEAD + "  - L = sum(max_pool2d(x, 3, 1))  # <-\n", "equations[0]", "max_pool2d(x, 3, 1)",
         "the window of 3×3 does not fit the input of 2×3 (no padding)", id="pool-kernel-too-large"),
    case(HEAD + "  - L = sum(avg_pool1d(v, 4, 1))  # <-\n", "equations[0]", "window of length 4",
         "input of length 3", id="pool1d-kernel-too-large"),
    case(HEAD + "  - L = sum(max_pool1d(x, 2, 1))  # <-\n", "equations[0]", "max_pool1d needs a vector",
         "2×3 matrix", id="pool1d-on-a-matrix"),
    case(HEAD + "  - L = sum(max_pool2d(x, 2, 0))  # <-\n", "equations[0]",
         "the stride of max_pool2d must be a whole number of at least 1, got 0", id="pool-stride-zero"),
    case(HEAD + "  - L = sum(avg_pool2d(x, 1.5, 1))  # <-\n", "equations[0]",
         "the kernel size of avg_pool2d must be a whole number of at least 1, got 3/2", id="pool-kernel-fraction"),
    case(HEAD + "  - L = sum(max_pool2d(x, k, 1))  # <-\n", "equations[0]",
         "the kernel size of max_pool2d must be one number, got 2×1", id="pool-kernel-vector"),
    case(HEAD + "  - L = sum(max_pool2d(x))  # <-\n", "equations[0]", "max_pool2d() needs kernel_size",
         id="pool-no-kernel"),  # the stride defaults to the kernel size, as in PyTorch (test_pool_keywords.py)
    case(HEAD + "  - L = sum(reshape(x, 4, 2))  # <-\n", "equations[0]",
         "4×2 holds 8 entries, but the input 2×3 has 6", id="reshape-count"),
    case(HEAD + "  - L = sum(concat(x, v))  # <-\n", "equations[0]",
         "concat puts a above b and needs equal numbers of columns, got 2×3 and 3×1", id="concat-columns"),
    case(HEAD + "  - L = sum(hconcat(x, v))  # <-\n", "equations[0]",
         "hconcat puts a beside b and needs equal numbers of rows, got 2×3 and 3×1", id="hconcat-rows"),
    case(HEAD + "  - L = svm_loss(v, 3)  # <-\n", "equations[0]",
         "a class index must be an integer from 0 to 2, got 3", id="svm-class-out-of-range"),
    case(HEAD + "  - L = svm_loss(x, 0)  # <-\n", "equations[0]", "svm_loss needs a vector", "2×3 matrix",
         id="svm-on-a-matrix"),
    case(HEAD + "  - L = sum(max_pool2d(x, n, 1))\nwrt: [n]  # <-\n", "wrt[0]", "'n' is used only as a constant",
         id="pool-kernel-has-no-gradient"),
]


@pytest.mark.parametrize("bad", BAD)
def test_bad_op_arguments(bad, tmp_path: Path) -> None:
    check_bad_spec(bad, tmp_path)

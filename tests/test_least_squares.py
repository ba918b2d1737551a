"""The matrix inverse ``inv(A)`` as a graph op (against PyTorch float64 autograd), the slides' least-squares
XOR (problems/xor-least-squares.yaml), MSE against cross-entropy (problems/mse-vs-ce.yaml), and the
refusals: a non-square or singular matrix, a cross-entropy that takes the log of a zero probability."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import torch
import torch.nn.functional as F
from helpers import PROBLEMS, examples, run_cli
from helpers.bad_specs import case, check_bad_spec
from hypothesis import given, settings
from hypothesis import strategies as st

from solver import api

torch.set_default_dtype(torch.float64)


def answers_of(spec: Path | dict, tmp_path: Path | None = None, *options: str) -> dict:
    """Solve a problem file (or a spec written into ``tmp_path``) through the CLI: its JSON answers by name."""
    if isinstance(spec, dict):
        assert tmp_path is not None
        file = tmp_path / "problem.yaml"
        file.write_text(json.dumps(spec))  # JSON is YAML
        spec = file
    result = run_cli("run", spec, "-f", "json", *options)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["answers"]


def close(value, tensor: torch.Tensor) -> None:
    """A JSON value (a number, a flat list for a column, or rows) equals the tensor's entries in float64."""
    flat = value if isinstance(value, list) else [value]
    flat = [v for row in flat for v in row] if flat and isinstance(flat[0], list) else flat
    assert flat == pytest.approx(tensor.detach().reshape(-1).tolist(), rel=1e-9, abs=1e-12)


# --- inv(A) against torch.linalg.inv and autograd -------------------------------------------------


@st.composite
def dominant_matrices(draw) -> list[list[int]]:
    """A strictly diagonally dominant integer matrix (so invertible and well conditioned), 1×1 to 4×4."""
    n = draw(st.integers(1, 4))
    rows = [[draw(st.integers(-3, 3)) for _ in range(n)] for _ in range(n)]
    for i, row in enumerate(rows):
        others = sum(abs(v) for j, v in enumerate(row) if j != i)
        row[i] = draw(st.sampled_from([-1, 1])) * (others + draw(st.integers(1, 3)))
    return rows


@settings(max_examples=examples(40), deadline=None)
@given(dominant_matrices(), st.data())
def test_inverse_and_its_gradient_match_torch(tmp_path_factory, a, data) -> None:
    n = len(a)
    v = [[data.draw(st.integers(-2, 2)) for _ in range(n)] for _ in range(n)]
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    inverse = torch.linalg.inv(ta)
    loss = (inverse * torch.tensor(v, dtype=torch.float64)).sum() + (inverse**2).sum() / 2  # δ = V + A⁻¹
    loss.backward()
    spec = {"kind": "graph", "title": "inv", "given": {"A": a, "V": v},
            "equations": ["B = inv(A)", "L = sum(B * V) + norm2(B) / 2"], "wrt": ["A"]}
    answers = answers_of(spec, tmp_path_factory.mktemp("inv"))  # the run-time finite-difference check passes too
    close(answers["B"]["value"], inverse)
    close(answers["L"]["value"], loss)
    close(answers["dL/dA"]["value"], ta.grad)
    # exact: B·A = I in rationals (the exact inverse checked by a product, not by another inverse)
    b = sp.Matrix(sp.sympify(answers["B"]["exact"]))  # dlsolve's own output, not a problem file
    assert b * sp.Matrix(a) == sp.eye(n)


def test_inverse_in_floating_point_matches_torch(tmp_path: Path) -> None:
    a = [[4, 1, 0], [1, 3, -1], [0, -1, 2]]
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    (torch.linalg.inv(ta) @ torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    spec = {"kind": "graph", "title": "inv", "given": {"A": a, "b": [1, 2, 3]},
            "equations": ["x = inv(A) @ b", "L = sum(x)"], "wrt": ["A"]}
    answers = answers_of(spec, tmp_path, "--numeric")
    close(answers["dL/dA"]["value"], ta.grad)


def test_least_squares_gradient_through_the_data_matches_torch(tmp_path: Path) -> None:
    # the closed form differentiated with respect to the data X: inv, transposes and products chained
    x = [[1, 0, 1], [0, 2, 1], [1, 1, 1], [3, 1, 1]]
    y = [1, 2, 0, 1]
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(y, dtype=torch.float64).reshape(-1, 1)
    w = torch.linalg.inv(tx.T @ tx) @ tx.T @ ty
    loss = ((tx @ w - ty) ** 2).sum() / 4
    loss.backward()
    spec = {"kind": "graph", "title": "ls", "given": {"X": x, "y": y},
            "equations": ["w = inv(X.T @ X) @ X.T @ y", "J = sum((X @ w - y) ** 2) / 4"], "wrt": ["X"]}
    answers = answers_of(spec, tmp_path)
    close(answers["w"]["value"], w)
    close(answers["J"]["value"], loss)
    close(answers["dJ/dX"]["value"], tx.grad)


def test_inverse_states_its_rule(tmp_path: Path) -> None:
    spec = tmp_path / "rule.yaml"
    spec.write_text(json.dumps({"kind": "graph", "title": "rule", "given": {"A": [[2, 1], [1, 1]]},
                                "equations": ["L = sum(inv(A))"], "wrt": ["A"]}))
    result = run_cli("run", spec, "--no-color")
    assert result.exit_code == 0, result.stderr
    shown = " ".join(result.stdout.split())
    assert "∂L/∂A = −(inv(A)ᵀ·∂L/∂Y·inv(A)ᵀ)" in shown and "d(inv(A)) = −inv(A)·dA·inv(A)" in shown
    # A⁻¹ = [[1, −1], [−1, 2]], so ∂sum(A⁻¹)/∂A = −A⁻ᵀ·1·A⁻ᵀ = −[0, 1]ᵀ[0, 1] (A⁻ᵀ·1 = (0, 1) as a column)
    assert answers_of(spec)["dL/dA"]["value"] == [[0, 0], [0, -1]]


# --- problems/xor-least-squares.yaml --------------------------------------------------------------

XOR = PROBLEMS / "xor-least-squares.yaml"


def test_xor_least_squares_answers() -> None:
    x = [[Fraction(v) for v in row] for row in [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]]
    y = [Fraction(v) for v in [0, 1, 1, 0]]
    # the normal equations by hand: XᵀX w = Xᵀy; (0, 0, 1/2) solves them and XᵀX is invertible (det 4)
    gram = [[sum(r[i] * r[j] for r in x) for j in range(3)] for i in range(3)]
    xty = [sum(r[i] * t for r, t in zip(x, y)) for i in range(3)]
    w = [Fraction(0), Fraction(0), Fraction(1, 2)]
    assert [sum(g * v for g, v in zip(row, w)) for row in gram] == xty
    det = (gram[0][0] * (gram[1][1] * gram[2][2] - gram[1][2] * gram[2][1])
           - gram[0][1] * (gram[1][0] * gram[2][2] - gram[1][2] * gram[2][0])
           + gram[0][2] * (gram[1][0] * gram[2][1] - gram[1][1] * gram[2][0]))
    assert det == 4
    f = [sum(a * b for a, b in zip(row, w)) for row in x]
    loss = sum((p - t) ** 2 for p, t in zip(f, y)) / 4
    # and numpy's least squares by another route (SVD)
    fitted = np.linalg.lstsq(np.array(x, dtype=float), np.array(y, dtype=float), rcond=None)[0]
    assert fitted == pytest.approx([float(v) for v in w], abs=1e-12)

    answers = answers_of(XOR)
    assert answers["w"]["exact"] == "Matrix([0, 0, 1/2])"  # a column
    assert answers["f"]["value"] == [float(v) for v in f] == [0.5] * 4  # every input gets 1/2: XOR is not solved
    assert answers["J"]["exact"] == str(loss) == "1/4"
    assert answers["dJ/dw"]["value"] == [0, 0, 0]  # the normal equations: the gradient vanishes at w*
    assert answers["G"]["value"] == [[float(v) for v in row] for row in gram]
    inverse = answers["G_inv"]["value"]
    assert np.array(inverse) @ np.array(gram, dtype=float) == pytest.approx(np.eye(3), abs=1e-12)


def test_xor_least_squares_says_the_conclusion() -> None:
    (problem,) = api.load(XOR)
    shown = " ".join(api.render([api.solve(problem)], "text").split())
    assert "a linear model cannot solve the XOR problem" in shown
    assert "w = inv(XᵀX)·Xᵀy" in shown


# --- problems/mse-vs-ce.yaml ----------------------------------------------------------------------

MSE_CE = PROBLEMS / "mse-vs-ce.yaml"


def test_mse_versus_cross_entropy_answers() -> None:
    target = [Fraction(0), Fraction(0), Fraction(1)]
    p1 = [Fraction(4, 5), Fraction(0), Fraction(1, 5)]
    p2 = [Fraction(2, 5), Fraction(2, 5), Fraction(1, 5)]
    mse1 = sum((p - t) ** 2 for p, t in zip(p1, target))
    mse2 = sum((p - t) ** 2 for p, t in zip(p2, target))
    assert (mse1, mse2) == (Fraction(32, 25), Fraction(24, 25))  # the slides' 1.28 and 0.96
    # torch: the cross-entropy of a probability vector is nll_loss of its log; a zero on class 1 is
    # −∞ in the log, but nll_loss reads only the target's entry
    ce1 = F.nll_loss(torch.log(torch.tensor([[0.8, 0.0, 0.2]])), torch.tensor([2]))
    ce2 = F.nll_loss(torch.log(torch.tensor([[0.4, 0.4, 0.2]])), torch.tensor([2]))
    assert ce1.item() == pytest.approx(math.log(5), rel=1e-12) and ce2.item() == pytest.approx(math.log(5), rel=1e-12)

    answers = answers_of(MSE_CE)
    assert answers["MSE1"]["exact"] == str(mse1) and answers["MSE2"]["exact"] == str(mse2)
    for name in ("CE1", "CE2", "CE2_sum"):
        assert answers[name]["exact"] == "log(5)"
        assert answers[name]["value"] == pytest.approx(math.log(5), rel=1e-12)
    # ∂CE1/∂P1 = −1/P1[2] at the target, 0 elsewhere: the zero on class 1 gets no gradient (torch agrees)
    tp = torch.tensor([0.8, 0.0, 0.2], requires_grad=True)
    (-torch.log(tp[2])).backward()
    close(answers["dCE1/dP1"]["value"], tp.grad)


def test_mse_versus_cross_entropy_explains_the_zero() -> None:
    (problem,) = api.load(MSE_CE)
    shown = " ".join(api.render([api.solve(problem)], "text").split())
    assert "reads only the target class's probability" in shown
    assert "would make the cross-entropy infinite" in shown


def test_the_cross_entropy_of_a_zero_target_probability_is_infinite_in_torch() -> None:
    # the oracle of the refusals below: torch's cross-entropy there is +∞ (not a number dlsolve could print)
    p = torch.tensor([[0.8, 0.0, 0.2]])
    assert F.nll_loss(torch.log(p), torch.tensor([1])).item() == math.inf
    assert -(torch.tensor([0.0, 1.0, 0.0]) * torch.log(p[0])).sum().item() == math.inf


# --- bad inputs -----------------------------------------------------------------------------------

HEAD = ("kind: graph\ntitle: T\ngiven:\n  X: [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]\n  S: [[1, 2], [2, 4]]\n"
        "  Y: [0, 1, 0]\n  P1: [0.8, 0, 0.2]\n  x: 0\nequations:\n")
BAD = [
    case(HEAD + "  - L = sum(inv(X))  # <-\n", "equations[0]", "inv needs a square matrix, got 4×3", "(X: 4×3)",
         id="inverse-not-square"),
    case(HEAD + "  - L = sum(inv(S))  # <-\n", "equations[0]", "inv(S): the matrix is singular (determinant 0)",
         "no inverse", id="inverse-singular"),
    case(HEAD + "  - Z = hconcat(X, X)\n  - L = sum(inv(Z.T @ Z))  # <-\n", "equations[1]",
         "inv(Zᵀ·Z): the matrix is singular (determinant 0)", id="inverse-singular-gram"),
    case(HEAD + "  - L = inv(x)  # <-\n", "equations[0]", "inv(x): 0 has no inverse", id="inverse-of-zero"),
    case(HEAD + "  - L = sum(inv(S, S))  # <-\n", "equations[0]", "inv takes 1 argument, got 2",
         id="inverse-two-arguments"),
    case(HEAD + "  - L = sum(inv())  # <-\n", "equations[0]", "inv takes 1 argument, got 0", id="inverse-no-argument"),
    case(HEAD + "  - L = nll(P1, 1)  # <-\n", "equations[0]", "nll(P1, 1): the cross-entropy is infinite",
         "p[1], is 0", "−ln 0 = ∞", id="nll-of-a-zero-probability"),
    case(HEAD + "  - L = nll(P1 - 1/5, 2)  # <-\n", "equations[0]", "the cross-entropy is infinite", "p[2], is 0",
         id="nll-of-a-computed-zero"),
    case(HEAD + "  - L = nll(P1 - 1, 0)  # <-\n", "equations[0]", "nll needs a positive probability p[0], got -1/5",
         id="nll-of-a-negative-probability"),
    case(HEAD + "  - L = -sum(Y * log(P1))  # <-\n", "equations[0]", "log(P1): log of 0 (not positive) at entry [1]",
         "cross-entropy", "is infinite (−ln 0 = ∞)", id="cross-entropy-sum-of-a-zero-probability"),
    case(HEAD + "  - L = sum(log(S - 1))  # <-\n", "equations[0]", "log of 0 (not positive) at entry [0, 0]",
         id="log-of-a-matrix-entry"),
]


@pytest.mark.parametrize("bad", BAD)
def test_bad_inputs(bad, tmp_path: Path) -> None:
    check_bad_spec(bad, tmp_path)


def test_singular_in_floating_point_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "singular.yaml"
    spec.write_text("kind: graph\ntitle: T\ngiven:\n  S: [[1, 2], [2, 4]]\nequations:\n  - L = sum(inv(S))\n")
    result = run_cli("run", spec, "--numeric")
    assert result.exit_code == 3 and result.stdout == ""
    assert "inv(S): the matrix is singular" in result.stderr and "Traceback" not in result.stderr


def test_nll_zero_in_floating_point_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "zero.yaml"
    spec.write_text("kind: graph\ntitle: T\ngiven:\n  p: [0.8, 0, 0.2]\nequations:\n  - L = nll(p, 1)\n")
    result = run_cli("run", spec, "--numeric", "-f", "json")
    assert result.exit_code == 3 and result.stdout == ""
    assert "the cross-entropy is infinite" in result.stderr
    assert "zoo" not in result.stderr and "nan" not in result.stderr.lower()


def test_inverse_beyond_exact_reach_is_solved_in_floating_point(tmp_path: Path) -> None:
    n = 13  # beyond the exact inverse's 12×12: the trace says so and numpy's inverse agrees
    a = [[2 * n if i == j else (i + 2 * j) % 3 - 1 for j in range(n)] for i in range(n)]
    spec = tmp_path / "big.yaml"
    spec.write_text(json.dumps({"kind": "graph", "title": "big", "given": {"A": a},
                                "equations": ["L = sum(inv(A))"], "wrt": ["A"]}))
    result = run_cli("run", spec, "--no-color")
    assert result.exit_code == 0, result.stderr
    assert "floating point" in " ".join(result.stdout.split())
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    torch.linalg.inv(ta).sum().backward()
    answers = answers_of(spec)
    close(answers["L"]["value"], torch.linalg.inv(ta).sum())
    close(answers["dL/dA"]["value"], ta.grad)


def test_inverse_with_a_symbol(tmp_path: Path) -> None:
    spec = {"kind": "graph", "title": "sym", "given": {"A": [["a", 1], [1, 3]]}, "symbols": ["a"],
            "equations": ["B = inv(A)", "L = sum(B)"], "wrt": ["A"]}
    answers = answers_of(spec, tmp_path)
    a = sp.Symbol("a")
    b = sp.Matrix(sp.sympify(answers["B"]["exact"], locals={"a": a}))  # dlsolve's own output
    assert sp.simplify(b * sp.Matrix([[a, 1], [1, 3]])) == sp.eye(2)
    # ∂sum(A⁻¹)/∂A by sympy's own differentiation of the closed form, entry by entry
    entries = sp.symbols("p q r s")
    closed = sum(sp.Matrix(2, 2, entries).inv())
    expected = [[sp.diff(closed, e).subs(dict(zip(entries, (a, 1, 1, 3)))) for e in entries[k:k + 2]] for k in (0, 2)]
    got = sp.Matrix(sp.sympify(answers["dL/dA"]["exact"], locals={"a": a}))
    assert sp.simplify(got - sp.Matrix(expected)) == sp.zeros(2, 2)

"""The ``graph`` kind checked against PyTorch autograd (``graph_torch.evaluate``) as an independent oracle.

Nothing here comes from ``solver/``: ``graph_torch`` parses the equations with its own ``ast``
whitelist and evaluates them with float64 tensors. dlsolve's answers are exact (sympy); their
``value`` floats must agree with the oracle to ``rel 1e-9`` (float64 round-off of the oracle is
far below that for the bounded specs generated here).

The oracle's own tests (hand-derived numbers, finite differences, safety) check it on its own.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import threading
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest
import torch
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import PROBLEMS, ROOT, run_cli
from graph_torch import GraphSpecError, Unsupported, answers_from_dlsolve, assert_close, evaluate, parse_number

EXAMPLES = int(os.environ.get("DLSOLVE_ORACLE_EXAMPLES", "150"))

REL, ABS = 1e-9, 1e-12  # exact (sympy, evaluated to 30 digits) vs float64 autograd
KINK_MARGIN = 1e-6  # relu/leaky_relu/max arguments at least this far from their kink (no exact ties)
BCE_MARGIN = 1e-4  # bce probabilities at least this far from 0 and 1 (ln(1 − p) keeps ≥ 12 digits)
MAGNITUDE = 1e4  # every value and gradient below this (no cancellation of huge terms)
# DESIGN.md: "every solve must finish in seconds"; a slower solve fails the test (typical: 0.1 s)
SOLVE_SECONDS = float(os.environ.get("DLSOLVE_SOLVE_SECONDS", "10"))


# --- the midterm two-head model (seed 002, Q3) ---------------------------------------------------------

TWO_HEAD = {
    "kind": "graph",
    "title": "Two-head classifier",
    "given": {
        "x": [1, 2, 3],
        "W": [[1, 1, 0], [0, 0, 1]],
        "b": [0, 0],
        "W1": [[1, 0], [1, 0], [0, 1], [1, 0]],
        "b1": [0, 0, 0, 0],
        "W2": [[1, -1]],
        "b2": 0,
        "y1": 0,
        "y2": 0,
    },
    "equations": [
        "k = W @ x + b",
        "h = relu(k)",
        "s1 = W1 @ h + b1",
        "s2 = W2 @ h + b2",
        "p1 = softmax(s1)",
        "p2 = sigmoid(s2)",
        "L = nll(p1, y1) + bce(p2, y2)",
    ],
    "loss": "L",
    "wrt": ["W", "b", "h"],
}


def test_two_head_midterm_by_hand() -> None:
    """Derivation (by hand, checked independently of the seed's printed solution):

    k = W x + b = (1+2, 3) = (3, 3); h = relu(k) = (3, 3) (both > 0, so relu' = 1).
    s1 = W1 h = (3, 3, 3, 3) → p1 = softmax(s1) = (1/4, 1/4, 1/4, 1/4); s2 = 3 − 3 = 0 → p2 = 1/2.
    L = −ln p1[0] − ln(1 − p2) = ln 4 + ln 2 = ln 8 ≈ 2.0794 (positive: the seed's −2.079 is wrong).
    dL/ds1 = p1 − e_0 = (−3/4, 1/4, 1/4, 1/4); W1ᵀ dL/ds1 = (−3/4 + 1/4 + 1/4, 1/4) = (−1/4, 1/4).
    dL/ds2 = p2 − y2 = 1/2;                    W2ᵀ dL/ds2 = (1/2, −1/2).
    dL/dh = (1/4, −1/4) = dL/dk = dL/db;  dL/dW = dL/dk xᵀ = [[1/4, 1/2, 3/4], [−1/4, −1/2, −3/4]].
    """
    answers = evaluate(TWO_HEAD)
    expected = {
        "k": [3.0, 3.0],
        "h": [3.0, 3.0],
        "s1": [3.0, 3.0, 3.0, 3.0],
        "s2": 0.0,
        "p1": [0.25, 0.25, 0.25, 0.25],
        "p2": 0.5,
        "L": math.log(8),
        "dL/dW": [[0.25, 0.5, 0.75], [-0.25, -0.5, -0.75]],
        "dL/db": [0.25, -0.25],
        "dL/dh": [0.25, -0.25],
    }
    assert set(answers) == set(expected)
    assert_close(expected, answers, rel=1e-15, abs=1e-15)


def test_two_head_update_by_hand() -> None:
    """One SGD step on W1 with lr = 1/2: dL/dW1 = dL/ds1 hᵀ = (−3/4, 1/4, 1/4, 1/4)ᵀ (3, 3), so
    W1_new = W1 − ½·dL/dW1 = [[1 + 9/8, 9/8], [1 − 3/8, −3/8], [−3/8, 1 − 3/8], [1 − 3/8, −3/8]]."""
    spec = {**TWO_HEAD, "wrt": ["W1"], "update": {"lr": "1/2", "params": ["W1"]}}
    answers = evaluate(spec)
    assert_close([[-2.25, -2.25], [0.75, 0.75], [0.75, 0.75], [0.75, 0.75]], answers["dL/dW1"], rel=1e-15)
    assert_close([[2.125, 1.125], [0.625, -0.375], [-0.375, 0.625], [0.625, -0.375]], answers["W1_new"], rel=1e-15)


def test_cs231n_add_multiply_by_hand() -> None:
    """f = (x + y) z at x = −2, y = 5, z = −4: q = 3, f = −12; df/dx = df/dy = z = −4, df/dz = q = 3,
    df/dq = z = −4 (an intermediate variable)."""
    spec = {"kind": "graph", "given": {"x": -2, "y": 5, "z": -4}, "equations": ["q = x + y", "f = q * z"],
            "wrt": ["x", "y", "z", "q"]}
    assert evaluate(spec) == {"q": 3.0, "f": -12.0, "df/dx": -4.0, "df/dy": -4.0, "df/dz": 3.0, "df/dq": -4.0}


def test_sigmoid_neuron_by_hand() -> None:
    """cs231n's neuron f = σ(w0 x0 + w1 x1 + w2) with w = (2, −3, −3), x = (−1, −2): the sum is
    −2 + 6 − 3 = 1, f = σ(1) ≈ 0.7311; df/dsum = σ(1)(1 − σ(1)) ≈ 0.1966 (not the slides' rounded
    0.2), so df/dw = 0.1966·(x0, x1) and df/dx = 0.1966·(w0, w1)."""
    spec = {"kind": "graph", "given": {"w": [2, -3], "x": [-1, -2], "w2": -3},
            "equations": ["s = w.T @ x + w2", "f = sigmoid(s)"], "wrt": ["w", "x", "w2"]}
    answers = evaluate(spec)
    sig = 1 / (1 + math.exp(-1))
    d = sig * (1 - sig)
    assert_close({"s": 1.0, "f": sig, "df/dw": [-d, -2 * d], "df/dx": [2 * d, -3 * d], "df/dw2": d}, answers)


def test_relu_and_leaky_relu_at_exactly_zero_follow_torch() -> None:
    """relu'(0) = 0 and leaky_relu'(0) = a (slope a for x ≤ 0), PyTorch's conventions: with
    z = (0, 2, −1), f = sum(relu(z)) has df/dz = (0, 1, 0) and g = sum(leaky_relu(z, 1/10)) has
    dg/dz = (1/10, 1, 1/10)."""
    relu = evaluate({"given": {"z": [0, 2, -1]}, "equations": ["f = sum(relu(z))"], "wrt": ["z"]})
    assert relu == {"f": 2.0, "df/dz": [0.0, 1.0, 0.0]}
    leaky = evaluate({"given": {"z": [0, 2, -1], "a": "1/10"}, "equations": ["g = sum(leaky_relu(z, a))"],
                      "wrt": ["z", "a"]})
    # g = 0 + 2 − 1/10; dg/da = sum of x over x ≤ 0 = 0 + (−1) = −1
    assert_close({"g": 1.9, "dg/dz": [0.1, 1.0, 0.1], "dg/da": -1.0}, leaky, rel=1e-15)
    ours = torch.tensor([0.0, 2.0, -1.0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.leaky_relu(ours, 0.1).sum().backward()
    assert_close(ours.grad.tolist(), leaky["dg/dz"], rel=1e-15)


def test_max_ties_split_the_gradient_evenly() -> None:
    """torch.maximum and x.max() share the gradient of a tie evenly: max(a, b) with a = b = 1 gives
    1/2 each; max(v) with v = (3, 1, 3) gives (1/2, 0, 1/2)."""
    pair = evaluate({"given": {"a": 1, "b": 1}, "equations": ["m = max(a, b)"], "wrt": ["a", "b"]})
    assert pair == {"m": 1.0, "dm/da": 0.5, "dm/db": 0.5}
    reduction = evaluate({"given": {"v": [3, 1, 3]}, "equations": ["m = max(v)"], "wrt": ["v"]})
    assert reduction == {"m": 3.0, "dm/dv": [0.5, 0.0, 0.5]}


def test_losses_and_reductions_by_hand() -> None:
    """Small cases worked by hand:
    mse((1, 3), (0, 1)) = (1 + 4)/2 = 5/2, d/dyhat = (yhat − y) = (1, 2);
    norm2 = l2 = 1 + 9 = 10; dot((1, 3), (0, 1)) = 3; sum = 4; mean = 2;
    bce(1/4, 1) = ln 4, d/dp = −1/p = −4; bce_logits(0, 1) = ln 2, d/ds = σ(0) − 1 = −1/2;
    cross_entropy((0, 0), 1) = ln 2, d/ds = softmax − e_1 = (1/2, −1/2); log_softmax((0, 0))[1] = −ln 2.
    """
    spec = {
        "given": {"u": [1, 3], "t": [0, 1], "p": "1/4", "one": 1, "s": [0, 0], "c": 1, "z": 0},
        "equations": [
            "m = mse(u, t)", "n = norm2(u)", "l = l2(u)", "d = dot(u, t)", "S = sum(u)", "M = mean(u)",
            "B = bce(p, one)", "G = bce_logits(z, one)", "C = cross_entropy(s, c)", "Q = log_softmax(s)[c]",
            "J = m + B + G + C",
        ],
        "wrt": ["u", "p", "z", "s"],
    }
    answers = evaluate(spec)
    ln2 = math.log(2)
    expected = {"m": 2.5, "n": 10.0, "l": 10.0, "d": 3.0, "S": 4.0, "M": 2.0, "B": math.log(4), "G": ln2, "C": ln2,
                "Q": -ln2, "J": 2.5 + 4 * ln2, "dJ/du": [1.0, 2.0], "dJ/dp": -4.0, "dJ/dz": -0.5, "dJ/ds": [0.5, -0.5]}
    assert_close(expected, answers, rel=1e-14)
    assert set(answers) == set(expected)


def test_layouts_transposes_indexing_and_broadcasting() -> None:
    """Row vectors and matrices come back as lists of rows, columns as flat lists, 1×1 as floats.
    r = xᵀ = [[1, 2]]; M = x xᵀ = [[1, 2], [2, 4]]; M[1, 0] = 2; x[1] = 2; 2·x + 1 = (3, 5) (the
    literals broadcast); f = sum(M) + x[1] = 9 + 2 = 11, df/dx = 2·sum(x)·(1, 1) + e_1 = (6, 7)."""
    spec = {"given": {"x": [1, 2]},
            "equations": ["r = x.T", "M = x @ x.T", "e10 = M[1, 0]", "x1 = x[1]", "a = 2 * x + 1", "f = sum(M) + x[1]"],
            "wrt": ["x", "M"]}
    answers = evaluate(spec)
    assert answers == {"r": [[1.0, 2.0]], "M": [[1.0, 2.0], [2.0, 4.0]], "e10": 2.0, "x1": 2.0, "a": [3.0, 5.0],
                       "f": 11.0, "df/dx": [6.0, 7.0], "df/dM": [[1.0, 1.0], [1.0, 1.0]]}


def test_default_loss_unused_variable_and_gradient_of_intermediate() -> None:
    """Without ``loss`` the last equation is the loss; a variable the loss does not use has gradient
    0; an explicit loss before a later equation ignores that equation (df/dg = 0 below)."""
    answers = evaluate({"given": {"a": 2, "b": 7}, "equations": ["q = a * a", "f = 3 * q"], "wrt": ["a", "b", "q"]})
    assert answers == {"q": 4.0, "f": 12.0, "df/da": 12.0, "df/db": 0.0, "df/dq": 3.0}
    answers = evaluate({"given": {"a": 2}, "equations": ["f = a ** 3", "g = f * a"], "loss": "f", "wrt": ["a", "g"]})
    assert answers == {"f": 8.0, "g": 16.0, "df/da": 12.0, "df/dg": 0.0}


def test_ln_pi_and_e_in_equations() -> None:
    """``ln`` is ``log``; ``pi`` and ``e`` are constants: f = ln(e·x) + pi at x = 1 is 1 + π, df/dx = 1/x = 1."""
    answers = evaluate({"given": {"x": 1}, "equations": ["f = ln(e * x) + pi"], "wrt": ["x"]})
    assert_close({"f": 1 + math.pi, "df/dx": 1.0}, answers, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-3/4", -0.75),
        ("0.2", 0.2),
        (0.2, 0.2),
        (7, 7.0),
        ("1e-3", 0.001),
        ("ln(2)", math.log(2)),
        ("e^-1", math.exp(-1)),
        ("exp(-1)", math.exp(-1)),
        ("sqrt(2)", math.sqrt(2)),
        ("pi", math.pi),
        ("2*ln(sqrt(2))", math.log(2)),
        ("sigmoid(ln(2))", 2 / 3),
        ("tanh(0)", 0.0),
        ("2^10", 1024.0),
        ("1/3", 1 / 3),
    ],
)
def test_given_numbers(text, value) -> None:
    assert math.isclose(parse_number(text), value, rel_tol=1e-15)


def test_decimal_givens_are_read_exactly() -> None:
    """0.1 + 0.2 is exactly 3/10 in dlsolve; the oracle rounds each given once, so 3·(1/10) compares
    within one ulp of 0.3 (and never as the binary 0.30000000000000004 drift of repeated sums)."""
    assert parse_number("0.1") == float(Fraction(1, 10))
    answers = evaluate({"given": {"a": "0.1", "b": 0.2}, "equations": ["c = a + b"], "wrt": []})
    assert math.isclose(answers["c"], 0.3, rel_tol=1e-15)


@pytest.mark.parametrize(
    "equation",
    [
        "f = __import__('os').system('true')",
        "f = x.__class__",
        "f = (lambda: x)()",
        "f = x if x else x",
        "f = [x][0]",
        "f = x < 1",
        "f = x ^ 2",
        "f = open('x')",
        "f = x[0:1]",
        "f, g = x, x",
        "f = x; g = x",
        "f = relu(x=x)",
        "f = sum(x, x)",
        "f = 'x'",
        "f = True",
        "f = 0x10 * x",
    ],
)
def test_equations_outside_the_whitelist_are_refused(equation: str) -> None:
    with pytest.raises(GraphSpecError):
        evaluate({"given": {"x": [1, 2]}, "equations": [equation]})


@pytest.mark.parametrize(
    "equation",
    [
        "f = W + v",  # 2×2 + 3×1 do not broadcast
        "f = x + v",  # 2×1 + 3×1
        "f = x @ x",  # 2×1 @ 2×1 does not chain
        "f = x ** x",  # exponent must be 1×1
        "f = W[2, 0]",  # out of range
        "f = W[0]",  # single index into a matrix
        "f = nll(softmax(x), 2)",  # class out of range
        "f = nll(softmax(x), 1/2)",  # class not an integer
        "f = x / 0",
        "f = leaky_relu(x, x)",  # slope must be 1×1
    ],
)
def test_shape_and_index_errors_are_refused(equation: str) -> None:
    with pytest.raises(GraphSpecError):
        evaluate({"given": {"x": [1, 2], "v": [1, 2, 3], "W": [[1, 2], [3, 4]]}, "equations": [equation]})


def test_rows_and_columns_broadcast_like_torch() -> None:
    """Beyond the 1×1 rule: a row is added to every row of a matrix and a column to every column
    (problems/xor.yaml). f = sum(X + r) + sum(X * c) with X = [[1, 2], [3, 4]], r = [[10, 20]],
    c = (1, -1): X + r = [[11, 22], [13, 24]] (sum 70), X ⊙ c = [[1, 2], [−3, −4]] (sum −4), f = 66;
    df/dr = (2, 2) (each entry repeated over 2 rows), df/dc = (1 + 2, 3 + 4) = (3, 7),
    df/dX = 1 + c repeated: [[2, 2], [0, 0]]."""
    answers = evaluate({"given": {"X": [[1, 2], [3, 4]], "r": [[10, 20]], "c": [1, -1]},
                        "equations": ["f = sum(X + r) + sum(X * c)"], "wrt": ["X", "r", "c"]})
    assert answers == {"f": 66.0, "df/dX": [[2.0, 2.0], [0.0, 0.0]], "df/dr": [[2.0, 2.0]], "df/dc": [3.0, 7.0]}


def test_defaults_forward_only_default_wrt_update_params_and_jacobian_layout() -> None:
    """The format's defaults as dlsolve reads them (see graph_torch.evaluate), worked by hand.

    s = wᵀx + b = 2 − 1 + 1/2 = 3/2; z = s·v = (3/2, −3/2); u = leaky_relu(z, 1/2) = (3/2, −3/4);
    L = cross_entropy(u, 0) = ln(1 + e^(u1 − u0)) = ln(1 + e^(−9/4)).
    dL/du = softmax(u) − e_0 = (−q, q) with q = σ(−9/4); dL/dz = (−q, q/2) (slope 1/2 for z ≤ 0);
    dL/ds = dL/dz · v = −3q/2 = dL/db; dL/dw = x·dL/ds = (−3q/2, −3q/2); dL/dx = w·dL/ds = (−3q, 3q/2);
    dL/dv = s·dL/dz = (−3q/2, 3q/4).
    * no wrt: every given the loss depends on, except a (only a slope) and c (only a class index);
    * layout jacobian: the gradient of a column is written as a row; a 1×1 stays a number;
    * update without params: every given among the gradients, p_new = p − lr·dL/dp (shape of p).
    """
    spec = {"given": {"w": [2, -1], "x": [1, 1], "b": "1/2", "a": "1/2", "c": 0, "v": [1, -1]},
            "equations": ["s = w.T @ x + b", "z = s * v", "u = leaky_relu(z, a)", "L = cross_entropy(u, c)"],
            "layout": "jacobian", "update": {"lr": "1/2"}}
    q = 1 / (1 + math.exp(9 / 4))
    expected = {
        "s": 1.5, "z": [1.5, -1.5], "u": [1.5, -0.75], "L": math.log(1 + math.exp(-9 / 4)),
        "dL/dw": [[-1.5 * q, -1.5 * q]], "dL/dx": [[-3 * q, 1.5 * q]], "dL/db": -1.5 * q, "dL/dv": [[-1.5 * q, 0.75 * q]],
        "w_new": [2 + 0.75 * q, -1 + 0.75 * q], "x_new": [1 + 1.5 * q, 1 - 0.75 * q], "b_new": 0.5 + 0.75 * q,
        "v_new": [1 + 0.75 * q, -1 - 0.375 * q],
    }
    answers = evaluate(spec)
    assert set(answers) == set(expected)
    assert_close(expected, answers, rel=1e-14)


def test_sequential_sgd_by_hand() -> None:
    """Seed 004, exercise 2 (as problems/sequential-sgd.yaml assumes it): p = σ(w x + b), log loss,
    lr 1, w = b = 0, observations (x, y) = (5, 0) then (1, 1).
    Step 1: s = 0, p = 1/2, L_1 = ln 2; dL/ds = p − y = 1/2, so w = 0 − 5/2, b = 0 − 1/2.
    Step 2: s = −5/2 − 1/2 = −3, L_2 = −ln σ(−3) = ln(1 + e³); dL/ds = σ(−3) − 1 = −σ(3), so
    w_new = −5/2 + σ(3), b_new = −1/2 + σ(3). Answers: L_k and p_new only."""
    spec = {"given": {"x": 0, "y": 0, "w": 0, "b": 0}, "equations": ["s = w * x + b", "p = sigmoid(s)", "L = bce(p, y)"],
            "wrt": ["w", "b"], "update": {"lr": 1, "data": [{"x": 5, "y": 0}, {"x": 1, "y": 1}]}}
    sig3 = 1 / (1 + math.exp(-3))
    expected = {"L_1": math.log(2), "L_2": math.log(1 + math.exp(3)), "w_new": -2.5 + sig3, "b_new": -0.5 + sig3}
    answers = evaluate(spec)
    assert set(answers) == set(expected)
    assert_close(expected, answers, rel=1e-14)


def test_batch_update_by_hand() -> None:
    """mode: batch evaluates every observation at the starting values and steps on the mean gradient.
    f = (w x − y)², w = 1, observations (x, y) = (1, 0) and (2, 1): f_1 = 1, f_2 = 1;
    df/dw = 2(w x − y)x = 2 and 4, mean 3; w_new = 1 − (1/2)·3 = −1/2."""
    spec = {"given": {"x": 0, "y": 0, "w": 1}, "equations": ["f = (w * x - y) ** 2"], "wrt": ["w"],
            "update": {"lr": "1/2", "mode": "batch", "data": [{"x": 1, "y": 0}, {"x": 2, "y": 1}]}}
    assert evaluate(spec) == {"f_1": 1.0, "f_2": 1.0, "df/dw": 3.0, "w_new": -0.5}


def test_forward_only_problem() -> None:
    """No loss, wrt or update and a non-scalar last variable: the forward values only. The XOR net
    of the slides: H = relu(X W1 + b1) with b1 = (0, −1) added to each row, y = H w2 = (0, 1, 1, 0)."""
    spec = {"given": {"X": [[0, 0], [0, 1], [1, 0], [1, 1]], "W1": [[1, 1], [1, 1]], "b1": [[0, -1]], "w2": [1, -2],
                      "b2": 0},
            "equations": ["H = relu(X @ W1 + b1)", "y = H @ w2 + b2"]}
    assert evaluate(spec) == {"H": [[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 1.0]], "y": [0.0, 1.0, 1.0, 0.0]}


def test_symbolic_specs_are_not_evaluated() -> None:
    with pytest.raises(Unsupported):
        evaluate({"given": {"x": 1}, "symbols": ["a"], "equations": ["f = a * x"], "wrt": ["x"]})


def test_assert_close_reports_layout_mismatches() -> None:
    assert_close({"a": 1.0, "b": [1.0, 2.0]}, {"a": 1.0 + 1e-12, "b": [1.0, 2.0], "extra": 3.0})
    with pytest.raises(AssertionError, match="got a number"):
        assert_close({"b": [1.0, 2.0]}, {"b": 1.0})
    with pytest.raises(AssertionError, match=r"b: expected a column of 2 \(flat list\) .* got 2×1 rows"):
        assert_close({"b": [1.0, 2.0]}, {"b": [[1.0], [2.0]]})  # a column must be a flat list
    with pytest.raises(AssertionError, match=r"expected 1×3 rows .* got a column of 3"):
        assert_close([[1.0, 2.0, 3.0]], [1.0, 2.0, 3.0])  # a row (jacobian layout) is not a column
    with pytest.raises(AssertionError, match="missing answers"):
        assert_close({"a": 1.0}, {"b": 1.0})
    with pytest.raises(AssertionError, match="oracle"):
        assert_close({"a": 1.0}, {"a": 1.0 + 1e-8})
    with pytest.raises(AssertionError, match="expected a number"):
        assert_close({"a": 1.0}, {"a": None})  # a symbolic answer where a number was due
    assert answers_from_dlsolve([{"answers": {"L": {"exact": "log(8)", "latex": "", "value": 2.0}}}]) == {"L": 2.0}


# --- random valid specs --------------------------------------------------------------------------------

FANCY_SCALARS = ["ln(2)", "e^-1", "sqrt(2)", "exp(-1)", "pi/4", "2*ln(sqrt(2))", "sigmoid(ln(2))", "1/3", "-2/3"]


@dataclass
class Var:
    name: str
    shape: tuple[int, int]
    tag: str = ""  # "prob": entries in (0, 1) (sigmoid); "dist": a softmax output

    @property
    def is_vector(self) -> bool:
        return (self.shape[0] == 1) != (self.shape[1] == 1)

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]


class SpecBuilder:
    """Builds a random valid graph spec step by step, tracking every shape so that it always fits."""

    def __init__(self, draw):
        self.draw = draw
        self.given: dict[str, object] = {}
        self.floats: list[str] = []  # float givens (every one goes into wrt)
        self.matrices: list[str] = []  # weight matrices (regularizer candidates)
        self.equations: list[str] = []
        self.variables: list[Var] = []
        self.counts: Counter[str] = Counter()
        self.classes: dict[str, int] = {}  # class-index givens: how many classes

    def fresh(self, prefix: str) -> str:
        self.counts[prefix] += 1
        return f"{prefix}{self.counts[prefix]}"

    def number(self, nonzero: bool = False, fancy: bool = False) -> object:
        draw = self.draw
        if fancy and draw(st.integers(0, 5)) == 0:
            return draw(st.sampled_from(FANCY_SCALARS))
        numerator = draw(st.integers(-4, 4).filter(lambda n: n != 0) if nonzero else st.integers(-4, 4))
        value = Fraction(numerator, draw(st.sampled_from([1, 1, 2, 3, 4, 5])))
        style = draw(st.sampled_from(["fraction", "fraction", "native", "decimal"]))
        if value.denominator == 1 and style != "fraction":
            return int(value)  # a YAML integer
        if style == "decimal" and value.denominator in (2, 4, 5):
            return float(value) if draw(st.booleans()) else str(float(value))  # 0.75 or "0.75": exact 3/4
        return str(value)  # "-3/4"

    def tensor_given(self, prefix: str, shape: tuple[int, int], nonzero: bool = False, binary: bool = False,
                     fancy: bool = False, constant: bool = False) -> Var:
        """A fresh given; ``constant`` ones (leaky_relu slopes, 0/1 bce targets) stay out of ``wrt``:
        dlsolve treats a slope (as torch's float ``negative_slope``) and a bce label as constants and
        refuses a gradient w.r.t. them."""
        rows, cols = shape
        if binary:
            entries = [[self.draw(st.integers(0, 1)) for _ in range(cols)] for _ in range(rows)]
        else:
            entries = [[self.number(nonzero, fancy and shape == (1, 1)) for _ in range(cols)] for _ in range(rows)]
        value: object = entries[0][0] if shape == (1, 1) else [r[0] for r in entries] if cols == 1 else entries
        name = self.fresh(prefix)
        self.given[name] = value
        if constant:
            return Var(name, shape)
        self.floats.append(name)
        if rows > 1 and cols > 1:
            self.matrices.append(name)
        return Var(name, shape)

    def label(self, classes: int) -> str:
        name = self.fresh("c")
        self.given[name] = self.draw(st.integers(0, classes - 1))
        self.classes[name] = classes
        return name

    def redraw(self, name: str) -> object:
        """A new value for a given, of the same shape and kind (an observation in update.data)."""
        old = self.given[name]
        if name in self.classes:
            return self.draw(st.integers(0, self.classes[name] - 1))
        binary = name.startswith("y") and all(v in (0, 1) for v in _flat(old))

        def entry() -> object:
            return self.draw(st.integers(0, 1)) if binary else self.number()

        if not isinstance(old, list):
            return entry()
        if isinstance(old[0], list):
            return [[entry() for _ in row] for row in old]
        return [entry() for _ in old]

    def equation(self, expression: str, shape: tuple[int, int], tag: str = "", name: str | None = None) -> Var:
        var = Var(name or self.fresh("z"), shape, tag)
        self.equations.append(f"{var.name} = {expression}")
        self.variables.append(var)
        return var

    # one forward step from ``cur``: returns the new variable, or None if the step does not apply

    def step(self, cur: Var) -> Var | None:
        draw = self.draw
        kind = draw(st.sampled_from(["linear", "linear", "activation", "activation", "elementwise", "power",
                                     "transpose", "combine", "softmax", "index", "outer", "scale", "repeat"]))
        rows, cols = cur.shape
        if kind == "linear":
            m = draw(st.integers(1, 4))
            bias = draw(st.booleans())
            if cols == 1 or rows > 1:  # W @ cur (a column, or a matrix whose rows W mixes)
                w = self.tensor_given("W", (m, rows))
                shape = (m, cols)
                expression = f"{w.name} @ {cur.name}"
            else:  # a row vector: cur @ W
                w = self.tensor_given("W", (cols, m))
                shape = (1, m)
                expression = f"{cur.name} @ {w.name}"
            if bias:
                expression += f" + {self.tensor_given('b', shape).name}"
            return self.equation(expression, shape)
        if kind == "activation":
            act = draw(st.sampled_from(["relu", "leaky_relu", "sigmoid", "tanh", "exp", "logsig", "log1p2"]))
            if act == "leaky_relu":
                slope = self.tensor_given("a", (1, 1), constant=True).name if draw(st.booleans()) else draw(st.sampled_from(["0.1", "0.01", "1/5"]))
                return self.equation(f"leaky_relu({cur.name}, {slope})", cur.shape)
            if act == "logsig":
                return self.equation(f"log(sigmoid({cur.name}))", cur.shape)
            if act == "log1p2":
                return self.equation(f"log({cur.name} ** 2 + 1)", cur.shape)
            return self.equation(f"{act}({cur.name})", cur.shape, "prob" if act == "sigmoid" else "")
        if kind == "elementwise":
            op = draw(st.sampled_from(["*", "+", "-", "/", "max"]))
            shape = draw(st.sampled_from([cur.shape, (1, 1)]))
            if draw(st.integers(0, 3)) == 0:
                other = draw(st.sampled_from(["2", "0.5", "(1/3)", "3"]))  # a literal (broadcast)
            else:
                other = self.tensor_given("g", shape, nonzero=op == "/", fancy=True).name
            if op == "max":
                return self.equation(f"max({cur.name}, {other})", cur.shape)
            if op == "/" or draw(st.booleans()):
                return self.equation(f"{cur.name} {op} {other}", cur.shape)
            return self.equation(f"{other} {op} {cur.name}", cur.shape)
        if kind == "power":
            return self.equation(draw(st.sampled_from([f"{cur.name} ** 2", f"{cur.name} ** 3", f"0.5 * {cur.name} ** 2"])),
                                 cur.shape)
        if kind == "transpose":
            return self.equation(f"{cur.name}.T", (cols, rows))
        if kind == "combine":
            same = [v for v in self.variables[:-1] + [Var(n, self._given_shape(n)) for n in self.floats]
                    if v.shape == cur.shape and v.name != cur.name]
            if not same:
                return None
            other = draw(st.sampled_from(same))
            op = draw(st.sampled_from(["+", "-", "*"]))
            return self.equation(f"{cur.name} {op} {other.name}", cur.shape)
        if kind == "softmax" and cur.is_vector:
            return self.equation(f"softmax({cur.name})", cur.shape, "dist")
        if kind == "index" and cur.size > 1:
            if cur.is_vector:
                return self.equation(f"{cur.name}[{draw(st.integers(0, cur.size - 1))}]", (1, 1))
            return self.equation(f"{cur.name}[{draw(st.integers(0, rows - 1))}, {draw(st.integers(0, cols - 1))}]", (1, 1))
        if kind == "outer" and cols == 1:
            u = self.tensor_given("u", (draw(st.integers(1, 3)), 1))
            return self.equation(f"{cur.name} @ {u.name}.T", (rows, u.shape[0]))
        if kind == "repeat" and rows > 1 and cols > 1:  # a row added to every row, or a column to every column
            shape = draw(st.sampled_from([(1, cols), (rows, 1)]))
            op = draw(st.sampled_from(["+", "*", "-"]))
            return self.equation(f"{cur.name} {op} {self.tensor_given('r', shape).name}", cur.shape)
        if kind == "scale":
            s = self.tensor_given("s", (1, 1), fancy=True)
            return self.equation(f"{s.name} * {cur.name}", cur.shape)
        return None

    def _given_shape(self, name: str) -> tuple[int, int]:
        value = self.given[name]
        if not isinstance(value, list):
            return (1, 1)
        return (len(value), len(value[0])) if isinstance(value[0], list) else (len(value), 1)

    def loss_term(self, cur: Var) -> str:
        """A scalar built from ``cur`` by one of the losses or reductions."""
        draw = self.draw
        n = cur.size
        if cur.tag == "dist" and draw(st.booleans()):
            return f"nll({cur.name}, {self.label(n)})"
        if cur.tag == "prob" and draw(st.booleans()):
            return f"bce({cur.name}, {self.tensor_given('y', cur.shape, binary=True, constant=True).name})"
        options = ["mse", "bce_sigmoid", "bce_logits", "norm2", "l2", "sum", "mean", "max", "dot"]
        if cur.is_vector:
            options += ["nll_softmax", "cross_entropy", "log_softmax"]
        if cur.shape != (1, 1) and not cur.is_vector:
            options += ["entry"]
        if cur.shape == (1, 1):
            options += ["self", "square"]
        choice = draw(st.sampled_from(options))
        if choice == "mse":
            return f"mse({cur.name}, {self.tensor_given('y', cur.shape).name})"
        if choice == "bce_sigmoid":
            return f"bce(sigmoid({cur.name}), {self.tensor_given('y', cur.shape, binary=True, constant=True).name})"
        if choice == "bce_logits":
            return f"bce_logits({cur.name}, {self.tensor_given('y', cur.shape, binary=True, constant=True).name})"
        if choice in ("norm2", "l2", "sum", "mean", "max"):
            return f"{choice}({cur.name})"
        if choice == "dot":
            return f"dot({cur.name}, {self.tensor_given('u', cur.shape).name})"
        if choice == "nll_softmax":
            return f"nll(softmax({cur.name}), {self.label(n)})"
        if choice == "cross_entropy":
            return f"cross_entropy({cur.name}, {self.label(n)})"
        if choice == "log_softmax":
            # a literal index: dlsolve reads p[i] with a whole number i only (not a given's name)
            return f"-log_softmax({cur.name})[{draw(st.integers(0, n - 1))}]"
        if choice == "entry":
            return f"{cur.name}[{draw(st.integers(0, cur.shape[0] - 1))}, {draw(st.integers(0, cur.shape[1] - 1))}]"
        if choice == "square":
            return f"{cur.name} ** 2"
        return cur.name


@st.composite
def graph_specs(draw) -> dict:
    """A random valid ``kind: graph`` spec: 2–6 equations, sizes 1–4, exact rational givens."""
    b = SpecBuilder(draw)
    n = draw(st.integers(1, 4))
    cur = b.tensor_given("x", (n, 1)) if draw(st.integers(0, 5)) else b.tensor_given("x", (1, n))
    steps = draw(st.integers(1, 4))
    while len(b.equations) < steps:
        new = b.step(cur)
        if new is not None:
            cur = new
    loss = b.loss_term(cur)
    # a second head / extra term: a loss of an earlier vector, or an L2 penalty on a weight matrix
    extra = draw(st.sampled_from(["", "", "head", "penalty"]))
    earlier = [v for v in b.variables[:-1] if v.shape != (1, 1)]
    if extra == "head" and earlier:
        loss += " + " + b.loss_term(draw(st.sampled_from(earlier)))
    elif extra == "penalty" and b.matrices:
        lam = b.tensor_given("lam", (1, 1))
        loss += f" + {lam.name} * norm2({draw(st.sampled_from(b.matrices))})"
    loss_name = draw(st.sampled_from(["L", "L", "f", "J"]))
    b.equation(loss, (1, 1), name=loss_name)
    spec: dict = {"kind": "graph", "title": "Random graph (oracle test)", "given": b.given, "equations": b.equations}
    if len(b.equations) < 6 and draw(st.integers(0, 4)) == 0:  # an equation after the loss: needs `loss:`
        b.equation(f"2 * {loss_name}", (1, 1), name="after")
        spec["loss"] = loss_name
    elif draw(st.booleans()):
        spec["loss"] = loss_name
    intermediates = [v.name for v in b.variables if v.name not in ("after", loss_name)]
    if draw(st.integers(0, 5)) == 0:
        pass  # no wrt: every given the loss depends on (all of b.floats here)
    else:
        asked = draw(st.lists(st.sampled_from(intermediates), unique=True, max_size=2)) if intermediates else []
        spec["wrt"] = list(b.floats) + asked
    if draw(st.integers(0, 5)) == 0:
        spec["layout"] = "jacobian"
    if draw(st.integers(0, 3)) == 0:
        spec["update"] = {"lr": draw(st.sampled_from([1, "1/2", "0.1", 2, "1/10"]))}
        if draw(st.integers(0, 3)):  # else: every given among the gradients
            spec["update"]["params"] = draw(st.lists(st.sampled_from(b.floats), min_size=1, max_size=3, unique=True))
        replaced = [name for name in b.given if name[0] in "xyc" and name[1:].isdigit()]
        params = [name for name in b.floats if name not in replaced]  # a parameter is not also data
        if params and draw(st.integers(0, 3)) == 0:  # observations replacing the input (and the targets, labels)
            spec["update"]["params"] = draw(st.lists(st.sampled_from(params), min_size=1, max_size=3, unique=True))
            spec["update"]["data"] = [{name: b.redraw(name) for name in replaced} for _ in range(draw(st.integers(1, 3)))]
            mode = draw(st.sampled_from([None, "sequential", "batch"]))
            if mode:
                spec["update"]["mode"] = mode
    return spec


def _flat(value) -> list[float]:
    if isinstance(value, list):
        return [x for v in value for x in _flat(v)]
    return [value]


def checked(spec: dict, kink_margin: float = KINK_MARGIN) -> dict:
    """``evaluate(spec)`` for a generated spec, rejecting (``assume``) the ones where a float64
    comparison is not meaningful: arguments at a kink, bce next to 0 or 1, huge values."""
    diagnostics: dict[str, list[float]] = {}
    answers = evaluate(spec, diagnostics)
    assume(min(diagnostics.get("kink", [1.0])) > kink_margin)
    assume(min(diagnostics.get("bce_margin", [1.0])) > BCE_MARGIN)
    values = [x for v in answers.values() for x in _flat(v)]
    assume(all(math.isfinite(x) and abs(x) < MAGNITUDE for x in values))
    return answers


def _spec_shapes_ok(spec: dict) -> None:
    assert 2 <= len(spec["equations"]) <= 6, spec["equations"]
    assert yaml.safe_load(yaml.safe_dump(spec, sort_keys=False)) == spec


@settings(max_examples=max(50, EXAMPLES // 2), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph_specs())
def test_generated_specs_are_valid_and_autograd_matches_finite_differences(spec: dict) -> None:
    """Checks the generator and the oracle without dlsolve: every generated spec evaluates (shapes
    fit); autograd's gradients w.r.t. the givens agree with central differences (h = 1e-7); an
    update is p − lr·gradient; update.data replays as single steps (sequential) or as the mean of
    the observations' gradients (batch)."""
    _spec_shapes_ok(spec)
    answers = checked(spec, kink_margin=1e-3)  # a step of 1e-7 must not cross a kink
    loss = spec.get("loss") or spec["equations"][-1].split("=")[0].strip()
    update = spec.get("update") or {}
    if update.get("data") is not None:
        _check_data_replay(spec, answers, loss)
        spec = {**spec, "update": None}  # finite differences on the plain problem below
        answers = checked(spec, kink_margin=1e-3)
    for name in [n for n in spec["given"] if f"d{loss}/d{n}" in answers]:
        raw = spec["given"][name]
        flat_grad = _flat(answers[f"d{loss}/d{name}"])
        for index in range(len(flat_grad)):
            step = 1e-7
            estimate = (_perturbed_loss(spec, name, index, step, loss) - _perturbed_loss(spec, name, index, -step, loss)) / (2 * step)
            assert math.isclose(estimate, flat_grad[index], rel_tol=1e-4, abs_tol=1e-5), (name, index, raw)
    if spec.get("update"):
        lr = parse_number(spec["update"]["lr"])
        for name in [k[: -len("_new")] for k in answers if k.endswith("_new")]:
            here = evaluate({**spec, "wrt": [name], "layout": "gradient"})
            new = [p - lr * g for p, g in zip(_flat(_given_floats(spec["given"][name])), _flat(here[f"d{loss}/d{name}"]))]
            assert_close(new, _flat(answers[f"{name}_new"]), rel=1e-12, abs=1e-12)


def _check_data_replay(spec: dict, answers: dict, loss: str) -> None:
    """update.data against plain single-step evaluations: sequential = one update per observation
    from the previous values; batch = every observation at the start values, the mean gradient."""
    update = spec["update"]
    lr = parse_number(update["lr"])
    params = [k[: -len("_new")] for k in answers if k.endswith("_new")]
    values = dict(spec["given"])
    gradients: dict[str, list[float]] = {}
    for k, observation in enumerate(update["data"], start=1):
        base = values if update.get("mode", "sequential") == "sequential" else spec["given"]
        one = evaluate({**spec, "given": {**base, **observation}, "wrt": params, "layout": "gradient",
                        "update": {"lr": update["lr"], "params": params}})
        assert_close(one[loss], answers[f"{loss}_{k}"], rel=1e-12, abs=1e-12)
        if update.get("mode", "sequential") == "sequential":
            values = {**values, **{name: _as_given(one[f"{name}_new"], spec["given"][name]) for name in params}}
        else:
            for name in params:
                flat = _flat(one[f"d{loss}/d{name}"])
                gradients[name] = [a + b for a, b in zip(gradients.get(name, [0.0] * len(flat)), flat)]
    for name in params:
        if update.get("mode", "sequential") == "sequential":
            expected = _flat(_given_floats(values[name]))
        else:
            start = _flat(_given_floats(spec["given"][name]))
            expected = [p - lr * g / len(update["data"]) for p, g in zip(start, gradients[name])]
        assert_close(expected, _flat(answers[f"{name}_new"]), rel=1e-12, abs=1e-12)


def _as_given(value, like) -> object:
    """A float answer back in the given's own layout, each entry as exact decimal text (repr)."""
    flat = iter(_flat(value))
    if isinstance(like, list) and isinstance(like[0], list):
        return [[repr(next(flat)) for _ in row] for row in like]
    if isinstance(like, list):
        return [repr(next(flat)) for _ in like]
    return repr(next(flat))


def _given_floats(raw) -> object:
    if isinstance(raw, list):
        return [_given_floats(v) for v in raw]
    return parse_number(raw)


def _perturbed_loss(spec: dict, name: str, index: int, delta: float, loss: str) -> float:
    """The loss with entry ``index`` (row-major) of given ``name`` moved by ``delta``."""
    raw = spec["given"][name]
    values = _given_floats(raw)
    flat = _flat(values)
    flat[index] += delta
    if isinstance(raw, list) and isinstance(raw[0], list):
        cols = len(raw[0])
        moved: object = [[repr(flat[r * cols + c]) for c in range(cols)] for r in range(len(raw))]
    elif isinstance(raw, list):
        moved = [repr(v) for v in flat]
    else:
        moved = repr(flat[0])
    answers = evaluate({**spec, "given": {**spec["given"], name: moved}, "wrt": [], "update": None})
    return answers[loss]


# --- dlsolve against the oracle ---------------------------------------------------------------------------




class SolveTimeout(BaseException):
    """Raised in the middle of a solve that runs too long (a BaseException: the CLI's error handler
    must not turn it into an exit code)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Interrupt the block after ``seconds``: a watchdog thread sends SIGUSR1 to the main thread,
    whose handler raises SolveTimeout. (Not SIGALRM: ``dlsolve run`` keeps its own ``--timeout``
    alarm, which would replace ours.) Without SIGUSR1 or off the main thread: no limit."""
    if not hasattr(signal, "pthread_kill") or threading.current_thread() is not threading.main_thread():
        yield
        return
    active = True

    def expire(signum, frame):
        if active:
            raise SolveTimeout(f"dlsolve did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGUSR1, expire)
    watchdog = threading.Timer(seconds, signal.pthread_kill, (threading.main_thread().ident, signal.SIGUSR1))
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    finally:
        active = False
        watchdog.cancel()
        watchdog.join()
        signal.signal(signal.SIGUSR1, previous)


def dlsolve_answers(path: Path) -> object:
    """``dlsolve run PATH --format json`` in-process, parsed; exit code 0 and at most SOLVE_SECONDS."""
    try:
        with time_limit(SOLVE_SECONDS):
            result = run_cli("run", path, "--format", "json")
    except SolveTimeout as error:
        # the interrupted solve may leave half-computed entries in sympy's caches: drop them so
        # that the tests after this failure are not affected
        from sympy.core.cache import clear_cache

        clear_cache()
        pytest.fail(f"{error} on {path.name}:\n{path.read_text(encoding='utf-8')}")
    assert result.exit_code == 0, f"dlsolve run {path.name} exited {result.exit_code}: {result.stderr}"
    return json.loads(result.stdout)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec=graph_specs())
def test_dlsolve_matches_torch_on_random_graphs(tmp_path: Path, spec: dict) -> None:
    """Every answer dlsolve gives (exact, reported as ``value``) equals torch float64 autograd to
    rel 1e-9: each equation variable, each ``d<loss>/d<name>``, each ``<name>_new`` (with
    ``update.data``: each ``<loss>_k`` and ``<name>_new``, plus the mean gradients in batch mode);
    no more, no fewer, and within SOLVE_SECONDS."""
    ours = checked(spec)
    path = tmp_path / "random_graph.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    theirs = answers_from_dlsolve(dlsolve_answers(path))
    assert set(theirs) == set(ours), f"answer names differ: dlsolve {sorted(theirs)}, oracle {sorted(ours)}"
    assert_close(ours, theirs, rel=REL, abs=ABS)


def _graph_problems() -> list[tuple[Path, int, dict]]:
    """(file, position in the file, spec) of every numeric ``kind: graph`` problem in problems/."""
    found = []
    for path in sorted(PROBLEMS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = data["problems"] if isinstance(data, dict) and isinstance(data.get("problems"), list) else [data]
        for position, entry in enumerate(entries):
            if isinstance(entry, dict) and entry.get("kind") == "graph":
                found.append((path, position, entry))
    return found


def test_every_graph_problem_in_the_bank_matches_torch() -> None:
    problems = _graph_problems()
    if not problems:
        assert not (PROBLEMS / "multihead.yaml").exists(), "problems/multihead.yaml exists but holds no kind: graph problem"
        pytest.skip("no kind: graph problem in problems/ yet")
    checked_count = 0
    skipped = []
    for path, position, spec in problems:
        try:
            ours = evaluate(spec)
        except Unsupported as reason:
            skipped.append(f"{path.name}#{position}: {reason}")
            continue
        if spec.get("ask"):
            ours = {name: value for name, value in ours.items() if name in spec["ask"]}
        document = dlsolve_answers(path)
        documents = document if isinstance(document, list) else [document]
        theirs = answers_from_dlsolve(documents[position])
        assert set(theirs) == set(ours), f"{path.name}#{position}: dlsolve {sorted(theirs)}, oracle {sorted(ours)}"
        try:
            assert_close(ours, theirs, rel=REL, abs=ABS)
        except AssertionError as error:
            raise AssertionError(f"{path.name}#{position}: {error}") from None
        checked_count += 1
    assert checked_count, f"every graph problem was symbolic or unsupported: {skipped}"


def test_dlsolve_relu_at_exactly_zero_follows_torch(tmp_path: Path) -> None:
    """relu'(0) = 0 (torch) through dlsolve: z = W x = (0, 2) exactly, f = sum(relu(z))."""
    spec = {"kind": "graph", "title": "relu at 0", "given": {"x": [1, 1], "W": [[1, -1], [1, 1]]},
            "equations": ["z = W @ x", "f = sum(relu(z))"], "wrt": ["W", "x", "z"]}
    ours = evaluate(spec)
    assert ours["df/dz"] == [0.0, 1.0] and ours["df/dW"] == [[0.0, 0.0], [1.0, 1.0]]
    path = tmp_path / "relu0.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    assert_close(ours, answers_from_dlsolve(dlsolve_answers(path)), rel=REL, abs=ABS)


def test_dlsolve_two_head_midterm(tmp_path: Path) -> None:
    """The hand-derived midterm numbers (see test_two_head_midterm_by_hand) through dlsolve."""
    path = tmp_path / "multihead.yaml"
    path.write_text(yaml.safe_dump(TWO_HEAD, sort_keys=False), encoding="utf-8")
    theirs = answers_from_dlsolve(dlsolve_answers(path))
    assert math.isclose(theirs["L"], math.log(8), rel_tol=REL)
    assert_close([[0.25, 0.5, 0.75], [-0.25, -0.5, -0.75]], theirs["dL/dW"], rel=REL, abs=ABS)
    assert_close(evaluate(TWO_HEAD), theirs, rel=REL, abs=ABS)

"""Issue 14, the convolution sheets and the finite-difference check (findings 4, 11, 15 in part, and the
conv-inversion prose): what a professor hands out.

Sources of the expected values: the problems' own numbers (problems/*.yaml), recomputed here with numpy
(an output entry is the sum over its window of X·K, plus b); the gradient maps of random small problems
from PyTorch float64 autograd (torch.nn.functional.conv2d / conv1d); the entry sums from numpy on the same
numbers.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import api
from solver.detail import at_detail
from solver.formula import Call, Formula, Name, Number, Op, Paren, Sum
from solver.trace import Check, Phrase, Solution, Step, StepKind

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"


def solved(name: str) -> Solution:
    """The problem file ``name`` solved (exact)."""
    (solution,) = api.solve_file(PROBLEMS / name)
    return solution


def walk(steps: tuple[Step, ...]) -> list[Step]:
    """Every step, depth first."""
    out: list[Step] = []
    for step in steps:
        out.append(step)
        out += walk(step.substeps)
    return out


def words(text: Any) -> str:
    """A title or note as plain text (a Phrase's parts joined)."""
    return "".join(map(str, text.parts)) if isinstance(text, Phrase) else str(text)


def value_of(formula: Formula) -> Fraction:
    """A formula of numbers evaluated exactly: + − · / neg, brackets, integers and fractions ``p/q``."""
    if isinstance(formula, Number):
        return Fraction(formula.value) if isinstance(formula.value, int) else Fraction(str(formula.value))
    if isinstance(formula, Paren):
        return value_of(formula.body)
    assert isinstance(formula, Op), f"not a formula of numbers: {formula}"
    args = [value_of(a) for a in formula.args]
    operations = {"+": lambda a, b: a + b, "−": lambda a, b: a - b, "·": lambda a, b: a * b,
                  "/": lambda a, b: a / b}
    return -args[0] if formula.symbol == "neg" else operations[formula.symbol](*args)


def terms(formula: Formula) -> list[Formula]:
    """The terms of a sum, left to right (brackets around a group of products opened)."""
    if isinstance(formula, Paren):
        return terms(formula.body)
    if isinstance(formula, Op) and formula.symbol == "+":
        return terms(formula.args[0]) + terms(formula.args[1])
    return [formula]


def factors(product: Formula) -> tuple[Fraction, Fraction]:
    """The two numbers of one product ``a·b``."""
    assert isinstance(product, Op) and product.symbol == "·", product
    return value_of(product.args[0]), value_of(product.args[1])


def entry_of(step: Step) -> tuple[str, tuple[int, ...]]:
    """The quantity and indices a worked entry names: ``Z[0, 1]`` → ("Z", (0, 1)), read from its formula."""
    left = step.formula.args[0]
    assert isinstance(left, Call) and left.brackets == "[]"
    return left.function, tuple(int(i.value) for i in left.args if isinstance(i, Number))


def entry_steps(solution: Solution, parent_title: str) -> list[Step]:
    """The worked entries (substeps holding a sum written out) under the step titled ``parent_title``."""
    parents = [s for s in walk(solution.steps) if words(s.title).split("  ")[0] == parent_title]
    assert parents, f"no step {parent_title}"
    return [s for p in parents for s in p.substeps if isinstance(s.formula, Op) and s.formula.symbol == "="
            and isinstance(s.formula.args[0], Call)]


# --- finding 4: no ✓ for nothing checked -------------------------------------------------------------


def test_a_gradient_with_no_entry_compared_is_not_checked_and_has_no_check_mark() -> None:
    # conv1d-backprop: s1[1] is exactly 0 (1·1 + 1·0 + (−1)·1), and every entry of w1 and b1 moves it, so a
    # step of h crosses relu's kink for all 3 entries of w1 and the 1 of b1: nothing of them is compared.
    solution = solved("conv1d-backprop.yaml")
    check = next(s for s in solution.steps if s.kind is StepKind.CHECK and s.substeps)
    by_name = {s.record.wrt: s for s in check.substeps if isinstance(s.record, Check)}
    for name, entries in (("w1", 3), ("b1", 1)):
        step = by_name[name]
        assert "✓" not in words(step.title) and "not checked" in words(step.title)
        assert step.record.agrees is None and step.record.compared == 0 and step.record.skipped == entries
        assert f"{entries} of {entries}" in words(step.note) and "kink" in words(step.note)
    assert by_name["w2"].record.agrees is True and "✓" in words(by_name["w2"].title)
    assert by_name["w2"].record.compared == 4
    assert "✓" not in words(check.title) and "not checked" in words(check.title)
    assert "4 entries not compared" in words(check.note)  # 3 of w1 and 1 of b1, and why
    text = api.render([solution])
    assert not [line for line in text.splitlines() if "∂L/∂w1" in line and "✓" in line]


# --- finding 11: convolution backward worked out with the problem's names ---------------------------


def conv2d_backprop_numbers() -> tuple[np.ndarray, np.ndarray, Fraction, Fraction]:
    """X, K, b and t as conv2d-backprop.yaml gives them."""
    X = np.array([[1, 0, 2, -1], [0, 1, -1, 2], [2, -2, 1, 0], [1, 1, 0, -1]], dtype=object)
    K = np.array([[Fraction(1), Fraction(-1)], [Fraction(1, 2), Fraction(2)]], dtype=object)
    return X, K, Fraction(-1, 2), Fraction(2)


def reference(X: np.ndarray, K: np.ndarray, b: Fraction, t: Fraction) -> dict[str, np.ndarray]:
    """Z, ∂L/∂Z, ∂L/∂K, ∂L/∂X of L = (Σ relu(X ⋆ K + b) − t)² by numpy, exactly (object arrays)."""
    kh, kw = K.shape
    out = (X.shape[0] - kh + 1, X.shape[1] - kw + 1)
    Z = np.array([[sum(X[m + i, n + j] * K[i, j] for i in range(kh) for j in range(kw)) + b
                   for n in range(out[1])] for m in range(out[0])], dtype=object)
    s = sum(v for v in Z.flat if v > 0)
    dZ = np.array([[2 * (s - t) if v > 0 else 0 for v in row] for row in Z], dtype=object)
    dK = np.array([[sum(X[m + p, n + q] * dZ[m, n] for m in range(out[0]) for n in range(out[1]))
                    for q in range(kw)] for p in range(kh)], dtype=object)
    dX = np.zeros(X.shape, dtype=object)
    for m in range(out[0]):
        for n in range(out[1]):
            dX[m:m + kh, n:n + kw] += dZ[m, n] * K
    return {"Z": Z, "dZ": dZ, "dK": dK, "dX": dX}


def test_conv2d_backward_rules_use_the_problems_names() -> None:
    solution = at_detail(solved("conv2d-backprop.yaml"), "standard")
    steps = {words(s.title).split("  ")[0]: s for s in walk(solution.steps)}
    assert set(steps["∂L/∂K"].formula.names()) == {"X", "L", "Z"}  # corr(X, ∂L/∂Z), not correlate(x, …)
    assert set(steps["∂L/∂X"].formula.names()) == {"K", "L", "Z"}  # the full correlation with K flipped
    assert "cross-correlation of the input X" in words(steps["∂L/∂K"].note)


def test_conv2d_one_entry_of_each_map_is_worked_out_with_the_problems_numbers() -> None:
    X, K, b, t = conv2d_backprop_numbers()
    expected = reference(X, K, b, t)
    full = solved("conv2d-backprop.yaml")
    standard = at_detail(full, "standard")
    for title, name, size in (("Z", "Z", 9), ("∂L/∂K", "∂L/∂K", 4), ("∂L/∂X", "∂L/∂X", 16)):
        shown = entry_steps(standard, title)
        assert len(shown) == 1, title  # one entry at standard detail …
        assert len(entry_steps(full, title)) == size  # … every entry at --detail full
        assert entry_steps(at_detail(full, "brief"), title) == []
        for step in entry_steps(full, title):
            quantity, (i, j) = entry_of(step)
            assert quantity == name
            assert value_of(step.substituted) == step.result  # the numbers add up to the printed value
            if name == "Z":  # the products are X[m + i, n + j]·K[i, j] over the window, then b
                window = [(Fraction(X[i + p, j + q]), K[p, q]) for p in range(2) for q in range(2)]
                *products, bias = terms(step.substituted)
                assert [factors(p) for p in products] == window and value_of(bias) == b
                assert step.result == expected["Z"][i, j]
            elif name == "∂L/∂K":  # X[m + p, n + q]·∂L/∂Z[m, n] over the output positions
                pairs = [(Fraction(X[m + i, n + j]), expected["dZ"][m, n]) for m in range(3) for n in range(3)]
                assert [factors(p) for p in terms(step.substituted)] == pairs
                assert step.result == expected["dK"][i, j]
            else:  # ∂L/∂Z[i − p, j − q]·K[p, q] over the kernel entries that met X[i, j]
                pairs = [(expected["dZ"][i - p, j - q], K[p, q]) for p in range(2) for q in range(2)
                         if 0 <= i - p < 3 and 0 <= j - q < 3]
                assert [factors(p) for p in terms(step.substituted)] == pairs
                assert step.result == expected["dX"][i, j]
    (interior,) = entry_steps(standard, "∂L/∂X")
    assert entry_of(interior)[1] == (1, 1)  # the first entry that every kernel entry meets: 4 products
    general = interior.formula.args[1]  # Σ ∂L/∂Z[1 − i, 1 − j]·K[i, j]: the full convolution with K
    assert isinstance(general, Sum) and set(general.names()) == {"i", "j"}


def test_conv2d_sums_are_typeset_as_mathematics_in_latex() -> None:
    latex = api.render([solved("conv2d-backprop.yaml")], "latex")
    assert re.search(r"Z\[0, 0\] = \\sum\s*X\[i, j\]\s*\\cdot\s*K\[i, j\] \+ b", latex)
    assert re.search(r"\\partial L/\\partial X\[1, 1\] = \\sum", latex)
    assert not re.search(r"\d\)?\$\\cdot\$\(?-?\d", latex)  # no number·number in prose (base: "(-1)$\cdot$0")


small = st.integers(-3, 3)


@st.composite
def conv_problems(draw: Any) -> dict[str, Any]:
    """A small conv layer → ReLU → sum → (s − t)² with integer (or half) inputs, 1D or 2D, maybe padded."""
    dims = draw(st.sampled_from([1, 2]))
    rows = 1 if dims == 1 else draw(st.integers(2, 4))
    cols = draw(st.integers(3, 5))
    kh, kw = (1 if dims == 1 else 2), draw(st.integers(1, 3))
    X = [[draw(small) for _ in range(cols)] for _ in range(rows)]
    K = [[Fraction(draw(st.integers(-4, 4)), 2) for _ in range(kw)] for _ in range(kh)]
    return {"dims": dims, "X": X, "K": K, "b": Fraction(draw(st.integers(-2, 2)), 2),
            "t": draw(small), "padding": draw(st.sampled_from([0, 1]))}


def as_yaml(matrix: list[list[Any]], dims: int) -> str:
    rows = [[f"{v.numerator}/{v.denominator}" if isinstance(v, Fraction) else str(v) for v in row]
            for row in matrix]
    if dims == 1:
        return "[" + ", ".join(rows[0]) + "]"
    return "[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=conv_problems())
def test_worked_entries_and_maps_match_torch_on_random_small_layers(problem: dict[str, Any], tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    dims, padding = problem["dims"], problem["padding"]
    spec = tmp_path / "conv.yaml"
    spec.write_text(
        "kind: graph\ntitle: t\n"
        f"given:\n  X: {as_yaml(problem['X'], dims)}\n  K: {as_yaml(problem['K'], dims)}\n"
        f"  b: {problem['b'].numerator}/{problem['b'].denominator}\n  t: {problem['t']}\n"
        f"equations:\n  - Z = conv{dims}d(X, K, b, padding={padding})\n  - A = relu(Z)\n  - s = sum(A)\n"
        "  - L = (s - t) ** 2\nwrt: [K, b, X]\n", encoding="utf-8")
    (solution,) = api.solve_file(spec)
    X = torch.tensor([[float(v) for v in row] for row in problem["X"]], dtype=torch.float64, requires_grad=True)
    K = torch.tensor([[float(v) for v in row] for row in problem["K"]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([float(problem["b"])], dtype=torch.float64, requires_grad=True)
    conv = torch.nn.functional.conv1d if dims == 1 else torch.nn.functional.conv2d
    shape = (lambda m: m.reshape(1, 1, -1)) if dims == 1 else (lambda m: m.reshape(1, 1, *m.shape))
    Z = conv(shape(X), shape(K), b, padding=padding)
    L = (torch.relu(Z).sum() - problem["t"]) ** 2
    L.backward()
    for name, tensor in (("dL/dK", K), ("dL/dX", X), ("dL/db", b)):
        exact = solution.answer(name).value
        got = np.array(exact.tolist() if hasattr(exact, "tolist") else [[exact]], dtype=float)
        np.testing.assert_allclose(got.reshape(-1), tensor.grad.numpy().reshape(-1), rtol=1e-12, atol=1e-12)
    Z_ = conv(shape(X.detach()), shape(K.detach()), b.detach(), padding=padding).reshape(-1)
    up = (2 * (torch.relu(Z_).sum() - problem["t"]) * (Z_ > 0)).numpy()
    Xn = np.pad(np.array(problem["X"], dtype=object), ((0, 0) if dims == 1 else (padding, padding),
                                                       (padding, padding)), constant_values=0)
    Kn = np.array(problem["K"], dtype=object)
    kh, kw = Kn.shape
    out_cols = Xn.shape[1] - kw + 1
    worked = 0
    for step in walk(solution.steps):
        if not (isinstance(step.formula, Op) and step.formula.symbol == "=" and isinstance(step.formula.args[0], Call)):
            continue
        quantity, index = entry_of(step)
        assert value_of(step.substituted) == step.result
        if quantity == "Z":  # numpy's window sum over the zero-padded input
            m, n = (0, index[0]) if dims == 1 else index
            window = sum(Xn[m + i, n + j] * Kn[i, j] for i in range(kh) for j in range(kw)) + problem["b"]
            assert step.result == window
            assert float(step.result) == pytest.approx(float(Z_[m * out_cols + n]), abs=1e-12)
        elif quantity in ("∂L/∂K", "∂L/∂X"):  # the entry of the torch gradient map
            grad = (K if quantity == "∂L/∂K" else X).grad.numpy()
            at = (0, index[0]) if dims == 1 else index
            assert float(step.result) == pytest.approx(grad[at], abs=1e-12)
            if quantity == "∂L/∂K":  # and numpy's sum of padded X times the upstream gradient
                p, q = at
                rows_out = Xn.shape[0] - kh + 1
                total = sum(Fraction(Xn[m + p, n + q]) * Fraction(float(up[m * out_cols + n]))
                            for m in range(rows_out) for n in range(out_cols))
                assert float(step.result) == pytest.approx(float(total), abs=1e-9)
        worked += 1
    assert worked >= 3  # Z, ∂L/∂K and ∂L/∂X each have an entry written out


# --- finding 15 (part): the conv params Given --------------------------------------------------------


def test_conv_params_given_lists_every_setting_of_the_formulas(tmp_path: Path) -> None:
    # problems/conv-params.yaml: stride 2, padding 2, input 32×32; dilation not given (PyTorch's default 1)
    givens = {g.name: g for g in solved("conv-params.yaml").given}
    assert str(givens["stride"].value) == "2" and "default" not in words(givens["stride"].description)
    assert str(givens["padding"].value) == "2" and "default" not in words(givens["padding"].description)
    assert str(givens["input"].value) == "32×32"
    assert str(givens["dilation"].value) == "1" and "default" in words(givens["dilation"].description)
    spec = tmp_path / "p.yaml"
    spec.write_text("kind: params\ntitle: t\ngiven: {model: conv, in_channels: 1, out_channels: 2, kernel: 3}\n",
                    encoding="utf-8")
    (plain,) = api.solve_file(spec)
    names = {g.name: g for g in plain.given}
    assert "input" not in names  # no input size given: none listed
    for name, shown in (("stride", "1"), ("padding", "0"), ("dilation", "1")):
        assert str(names[name].value) == shown and "default" in words(names[name].description)


# --- leftover: conv-inversion prose ------------------------------------------------------------------


def test_conv_inversion_titles_and_notes_carry_formulas_not_printed_strings() -> None:
    solution = solved("conv-inversion.yaml")
    steps = walk(solution.steps)
    assert isinstance(steps[0].formula, Formula)  # Y[i, j] = b + Σ W[k, l]·X[i·s + k·d − p, …], a tree
    assert {"b", "s", "d", "p"} <= set(steps[0].formula.names())

    def formulas(text: Any) -> list[Formula]:
        return [p for p in text.parts if isinstance(p, Formula)] if isinstance(text, Phrase) else []

    assert formulas(steps[0].note)  # stride s = 1, zero padding p = 0, dilation d = 1 as equations
    equation_titles = [s for s in steps if re.match(r"Y\[\d,\d\] = ", words(s.title))]
    assert equation_titles and all(formulas(s.title) for s in equation_titles)
    rounds = [s for s in steps if words(s.title).startswith("Round")]
    assert words(rounds[0].title) == "Round 1: solve Y[1,0], Y[1,2], Y[2,1]" and formulas(rounds[0].title)
    assert formulas(rounds[1].note)  # "Substituting e = 1, f = 2, b = −1 …": the assignments as formulas
    assert all(not isinstance(s.result, str) for s in steps)  # a re-check's result is the value, not "6 ✓"
    assert all(not isinstance(s.formula, str) for s in steps)
    assert isinstance(Name("x"), Formula)

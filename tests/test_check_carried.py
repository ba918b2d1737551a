"""Error carried forward beyond ``kind: graph``: rnn (and its GRU cell), gan and descent (issue 16).

Every expected value a student writes here is computed in the test from the student's own wrong value:
in PyTorch float64 (written to 6 or 8 decimals, as a student would), or by hand in a comment. What is
tested is that dlsolve recomputes the later values from that wrong value (``carried_from``), that a
value following from nothing the student wrote is a new mistake, and that a wrong value of all zeros
earns no carried-forward credit (the work after it is trivial).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import torch
from helpers import PROBLEMS, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import api
from solver.kinds.graph import fixed_values

torch.set_default_dtype(torch.float64)
T = torch.tensor
LN2 = math.log(2)


def _rows(problem: Path, tmp_path: Path, text: str) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """The check's exit code, its rows by name and the whole JSON document."""
    answers = tmp_path / "answers.yaml"
    answers.write_text(text, encoding="utf-8")
    result = run_cli("check", problem, answers, "-f", "json")
    document = json.loads(result.stdout)
    return result.exit_code, {a["name"]: a for a in document["answers"]}, document


def _decimals(values: torch.Tensor, places: int = 6) -> str:
    """A vector as a student writes it: a flat list of decimals."""
    return "[" + ", ".join(f"{v:.{places}f}" for v in values.flatten().tolist()) + "]"


def _carried(row: dict[str, Any], source: list[str], credited: bool = True) -> None:
    assert row["status"] == "incorrect" and row["carried_from"] == source, row
    assert row["credited"] is credited and row["earned"] == 0 and row["earned_carried"] == (1 if credited else 0), row


# --- rnn: problems/rnn.yaml -----------------------------------------------------------------------------
# W_hh = diag(ln 2, ln 2) (2 ln √2 = ln 2), W_xh = [[1, 1], [−1, 0]], b_h = 0, x2 = (0, 0.75 ln 2);
# the right h1 = σ(a1) = σ((2 ln 2, −ln 2)) = (4/5, 1/3).
RNN = PROBLEMS / "rnn.yaml"


def _rnn_step(h1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """a2 = W_hh·h1 + W_xh·x2 and h2 = σ(a2), in float64."""
    w_hh, w_xh, x2 = T([[LN2, 0], [0, LN2]]), T([[1.0, 1], [-1, 0]]), T([0, 0.75 * LN2])
    a2 = w_hh @ h1 + w_xh @ x2
    return a2, torch.sigmoid(a2)


def test_rnn_later_states_follow_from_a_wrong_h1(tmp_path: Path) -> None:
    """h1 written (1/2, 1/3) (σ(2 ln 2) taken as 1/2): by hand a2 = ln 2·(1/2, 1/3) + (0.75 ln 2, 0) =
    (5/4 ln 2, 1/3 ln 2), and h2 = σ(a2); torch gives the decimals the student writes."""
    a2, h2 = _rnn_step(T([0.5, 1 / 3]))
    assert torch.allclose(a2, T([1.25 * LN2, LN2 / 3]))  # the derivation above
    code, rows, document = _rows(RNN, tmp_path, f"a1: [2*ln(2), -ln(2)]\nh1: [1/2, 1/3]\n"
                                                f"a2: [5/4*ln(2), ln(2)/3]\nh2: {_decimals(h2)}\n")
    assert code == 5 and rows["a1"]["status"] == "correct"
    assert rows["h1"]["status"] == "incorrect" and rows["h1"]["carried_from"] == []
    _carried(rows["a2"], ["h1"])
    _carried(rows["h2"], ["h1"])
    assert document["first_wrong"]["name"] == "h1" and document["score"] == 1 and document["score_carried"] == 3


def test_rnn_a_second_mistake_is_not_carried(tmp_path: Path) -> None:
    """a2 = (1, 1) follows from no h1; h2 = σ(1)·(1, 1) then follows from the student's a2."""
    h2 = torch.sigmoid(T([1.0, 1.0]))
    _, rows, _ = _rows(RNN, tmp_path, f"h1: [1/2, 1/3]\na2: [1, 1]\nh2: {_decimals(h2)}\n")
    assert rows["a2"]["carried_from"] == [] and rows["a2"]["status"] == "incorrect"
    _carried(rows["h2"], ["h1", "a2"])


def test_rnn_an_all_zero_state_makes_the_next_step_trivial(tmp_path: Path) -> None:
    """h1 = 0: a2 = W_xh·x2 = (0.75 ln 2, 0) follows, but W_hh·0 needs no multiplying: no credit."""
    a2, _ = _rnn_step(T([0.0, 0.0]))
    assert torch.allclose(a2, T([0.75 * LN2, 0]))
    _, rows, document = _rows(RNN, tmp_path, "h1: [0, 0]\na2: [3/4*ln(2), 0]\n")
    _carried(rows["a2"], ["h1"], credited=False)
    assert document["score_carried"] == 0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(-4, 4), min_size=2, max_size=2), st.integers(1, 5))
def test_rnn_any_wrong_h1_is_carried(tmp_path: Path, numerators: list[int], denominator: int) -> None:
    """Any wrong h1 = (p/q, r/q): a2 and h2 recomputed by torch from it are consistent with it."""
    h1 = T(numerators, dtype=torch.float64) / denominator
    if torch.allclose(h1, T([0.8, 1 / 3])) or not h1.any():
        return  # right, or all zeros (no credit: the test above)
    a2, h2 = _rnn_step(h1)
    text = (f"h1: [{numerators[0]}/{denominator}, {numerators[1]}/{denominator}]\n"
            f"a2: {_decimals(a2, 8)}\nh2: {_decimals(h2, 8)}\n")
    _, rows, _ = _rows(RNN, tmp_path, text)
    _carried(rows["a2"], ["h1"])
    _carried(rows["h2"], ["h1"])


# --- GRU: problems/gru-step.yaml ---------------------------------------------------------------------
GRU = PROBLEMS / "gru-step.yaml"
W_IH = T([[1.0, 0], [0, 1], [-1, 0], [0, 1], [1, 1], [0.5, -1]])
W_HH = T([[1.0, 0], [0, 1], [0, -1], [1, 0], [1, 1], [-1, 0]])
B_HH = T([0.0, 0, 0, 0, 0.5, 0])


def _gru(x: torch.Tensor, h: torch.Tensor, z: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """One GRU step as torch.nn.GRUCell computes it (rows r, z, n; b_ih = 0), optionally with z put in."""
    gi, gh = W_IH @ x, W_HH @ h + B_HH
    r = torch.sigmoid(gi[0:2] + gh[0:2])
    z = torch.sigmoid(gi[2:4] + gh[2:4]) if z is None else z
    n = torch.tanh(gi[4:6] + r * gh[4:6])
    return {"r": r, "z": z, "n": n, "h": (1 - z) * n + z * h}


def test_the_gru_formula_is_torchs() -> None:
    """The test's own GRU step agrees with torch.nn.GRUCell (so the values below are torch's)."""
    cell = torch.nn.GRUCell(2, 2)
    with torch.no_grad():
        cell.weight_ih.copy_(W_IH), cell.weight_hh.copy_(W_HH), cell.bias_ih.zero_(), cell.bias_hh.copy_(B_HH)
    x, h = T([[0.0, 1.0]]), T([[0.3, -0.7]])
    assert torch.allclose(cell(x, h)[0], _gru(x[0], h[0])["h"])


def test_gru_a_wrong_update_gate_is_carried_through_the_next_step(tmp_path: Path) -> None:
    """z1 written (1/2, 1/2) (the right one is (σ(−1), 1/2)): h1 = (1 − z1)·n1 + z1·h0 and the whole
    second step follow from it."""
    x1, x2, h0 = T([1.0, 0]), T([0.0, 1]), T([0.0, 0])
    right = _gru(x1, h0)
    assert torch.allclose(right["z"], T([1 / (1 + math.e), 0.5]))
    first = _gru(x1, h0, z=T([0.5, 0.5]))
    second = _gru(x2, first["h"])
    text = (f"r1: {_decimals(right['r'])}\nz1: [0.5, 0.5]\nn1: {_decimals(right['n'])}\nh1: {_decimals(first['h'])}\n"
            + "".join(f"{k}2: {_decimals(second[k])}\n" for k in "rznh"))
    code, rows, document = _rows(GRU, tmp_path, text)
    assert code == 5 and rows["r1"]["status"] == rows["n1"]["status"] == "correct to the decimals given"
    assert rows["z1"]["status"] == "incorrect" and rows["z1"]["carried_from"] == []
    for name in ("h1", "r2", "z2", "n2", "h2"):
        _carried(rows[name], ["z1"])
    assert document["first_wrong"]["name"] == "z1"


# --- gan: problems/gan.yaml ----------------------------------------------------------------------------
# Generator z → relu(Wg2·relu(Wg1·z)); discriminator x → σ(wd2·leaky_relu(Wd1·x, 0.2)); noise −0.5, 0.5, 0;
# real samples (0, 0), (1, 1), (2, 2); V_D = mean log D(x_i) + mean log(1 − D(G(z_i))).
GAN = PROBLEMS / "gan.yaml"


def _gan(xg_1: torch.Tensor) -> dict[str, Any]:
    """The discriminator phase in float64 with the student's first generated sample, and V_D's gradients
    (autograd) with respect to Wd1 and wd2."""
    wg1, wg2 = T([[1.0], [-1]]), T([[1.0, 2], [2, 1]])
    wd1 = T([[1.0, -1], [0.5, 0.5]], requires_grad=True)
    wd2 = T([1.0, -1], requires_grad=True)
    fakes = [xg_1] + [torch.relu(wg2 @ torch.relu(wg1 @ T([z]))) for z in (0.5, 0.0)]

    def d(x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(wd2 @ torch.nn.functional.leaky_relu(wd1 @ x, 0.2))

    real = [d(T([v, v])) for v in (0.0, 1.0, 2.0)]
    fake = [d(x) for x in fakes]
    v_d = sum(torch.log(r) for r in real) / 3 + sum(torch.log(1 - f) for f in fake) / 3
    v_d.backward()
    return {"Df_1": fake[0].detach(), "xg_2": fakes[1], "V_D": v_d.detach(), "dWd1": wd1.grad, "dwd2": wd2.grad}


def test_gan_later_values_follow_from_a_wrong_generated_sample(tmp_path: Path) -> None:
    """xg_1 written (1, 1) (the right one is relu(Wg2·(0, 1/2)) = (1, 1/2)): by hand Df_1 = σ(wd2·(0, 1))
    = σ(−1); V_D and its gradients (torch autograd) follow from it; xg_2 does not depend on it."""
    right = _gan(T([1.0, 0.5]))
    mine = _gan(T([1.0, 1.0]))
    assert math.isclose(float(mine["Df_1"]), 1 / (1 + math.e))
    assert not math.isclose(float(mine["V_D"]), float(right["V_D"]))
    text = (f"xg_1: [1, 1]\nDf_1: 1/(1 + e)\nxg_2: {_decimals(mine['xg_2'])}\nV_D: {float(mine['V_D']):.8f}\n"
            f"dV_D/dWd1: [{_decimals(mine['dWd1'][0], 8)}, {_decimals(mine['dWd1'][1], 8)}]\n"
            f"dV_D/dwd2: {_decimals(mine['dwd2'], 8)}\n")
    code, rows, document = _rows(GAN, tmp_path, text)
    assert code == 5 and rows["xg_2"]["status"] == "correct"  # (1/2, 1): its decimals are exact
    assert rows["xg_1"]["status"] == "incorrect" and rows["xg_1"]["carried_from"] == []
    for name in ("Df_1", "V_D", "dV_D/dWd1", "dV_D/dwd2"):
        _carried(rows[name], ["xg_1"])
    assert document["first_wrong"]["name"] == "xg_1"


# --- descent: problems/gradient-descent.yaml ------------------------------------------------------------
# f(x) = x⁴ − x³ − 2x² + 3, f'(x) = 4x³ − 3x² − 4x, η = 0.13, x_0 = 2: x_1 = 2 − 0.13·12 = 0.44.
DESCENT = PROBLEMS / "gradient-descent.yaml"


def _descend(x: float, steps: int) -> list[float]:
    """The iterates after x in float64 (torch autograd's f'), as the slides' PyTorch loop computes them."""
    out = []
    value = T(x, requires_grad=True)
    for _ in range(steps):
        y = value**4 - value**3 - 2 * value**2 + 3
        y.backward()
        with torch.no_grad():
            value = (value - 0.13 * value.grad).detach().requires_grad_(True)
        out.append(float(value.detach()))
    return out


def test_descent_iterates_follow_from_a_wrong_one(tmp_path: Path) -> None:
    """x_1 written 0.5: by hand x_2 = 0.5 − 0.13·f'(0.5) = 0.5 − 0.13·(−2.25) = 0.7925; x_3, x_4 by torch."""
    later = _descend(0.5, 3)
    assert math.isclose(later[0], 0.7925)
    text = f"x_1: 0.5\nx_2: 0.7925\nx_3: {later[1]:.6f}\nx_4: {later[2]:.6f}\n"
    code, rows, document = _rows(DESCENT, tmp_path, text)
    assert code == 5 and rows["x_1"]["carried_from"] == [] and rows["x_1"]["status"] == "incorrect"
    for name in ("x_2", "x_3", "x_4"):
        _carried(rows[name], ["x_1"])
    assert document["first_wrong"] == {"name": "x_1", "step": "3"}
    assert [rows[f"x_{k}"]["step"] for k in range(1, 5)] == ["3", "4", "6", "7"]  # step 5: the switch to floats


def test_descent_a_second_mistake_starts_again(tmp_path: Path) -> None:
    """x_3 = 1 follows from no x_2; x_4 = 1 − 0.13·f'(1) = 1 − 0.13·(−3) = 1.39 follows from it."""
    text = "x_1: 0.5\nx_2: 0.7925\nx_3: 1\nx_4: 1.39\n"
    _, rows, _ = _rows(DESCENT, tmp_path, text)
    assert rows["x_3"]["carried_from"] == [] and rows["x_3"]["status"] == "incorrect"
    _carried(rows["x_4"], ["x_1", "x_3"])


def test_descent_iterates_are_named_by_their_steps() -> None:
    """x_1 … x_5 are the update steps 3, 4, 6, 7, 8 (each from the one before); x_100 only an answer."""
    from solver.check.quantities import quantities

    found = quantities(api.solve_file(DESCENT)[0])
    assert [(q.name, q.step, q.uses) for q in found.values()][:6] == [
        ("x_1", "3", ("x_0",)), ("x_2", "4", ("x_1",)), ("x_3", "6", ("x_2",)), ("x_4", "7", ("x_3",)),
        ("x_5", "8", ("x_4",)), ("x_100", "", ())]
    assert "x_new" not in found


# --- the mechanism: graph.fixed_values -------------------------------------------------------------------


def test_fixed_values_only_inside_the_block() -> None:
    """A solve inside the block takes the fixed value; outside it (and for a name no equation defines)
    the solution is the one without the block."""
    problem = api.load(RNN)[0]
    before = api.render([api.solve(problem)], "json")
    with fixed_values({"nothing": None}) as fixed:
        assert api.render([api.solve(problem)], "json") == before and fixed.honoured == set()
    import sympy as sp

    with fixed_values({"h1": sp.Matrix([0, 0])}) as fixed:
        inside = {a.name: a.value for a in api.solve(problem).answers}
    assert fixed.honoured == {"h1"} and inside["h1"] == sp.Matrix([0, 0])
    assert inside["a2"] == sp.Matrix([sp.Rational(3, 2) * sp.log(sp.sqrt(2)), 0]).applyfunc(sp.expand_log)
    assert api.render([api.solve(problem)], "json") == before


# --- the example answers file, and a class whose file cannot be read ------------------------------------


def test_the_rnn_example_answers_file() -> None:
    example = PROBLEMS / "answers" / "rnn-early-mistake.yaml"
    result = run_cli("check", RNN, example)
    assert result.exit_code == 5, result.stdout + result.stderr
    assert "Score: 1 of 4 points. With carried-forward credit: 3. First wrong step: 2.2 h1." in result.stdout
    assert "consistent with your h1 (error carried forward)" in result.stdout


def test_a_class_with_an_unreadable_file_writes_no_csv(tmp_path: Path) -> None:
    """Exit 3 (a file could not be read): -o writes nothing; the errors go to stderr."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.yaml").write_text("h1: [1/2, 1/3]\n", encoding="utf-8")
    (folder / "bob.yaml").write_text("h1: [1, 2\n", encoding="utf-8")
    out = tmp_path / "scores.csv"
    result = run_cli("check", RNN, "--answers-dir", folder, "-o", out)
    assert result.exit_code == 3 and not out.exists() and result.stdout == ""
    assert result.stderr.count("dlsolve: error:") == 1 and "bob.yaml" in result.stderr
    (folder / "bob.yaml").write_text("h1: [4/5, 1/3]\n", encoding="utf-8")
    assert run_cli("check", RNN, "--answers-dir", folder, "-o", out).exit_code == 5 and out.exists()


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_carried_forward_in_every_format(tmp_path: Path, fmt: str) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("h1: [1/2, 1/3]\na2: [5/4*ln(2), ln(2)/3]\n", encoding="utf-8")
    result = run_cli("check", RNN, answers, "-f", fmt)
    assert result.exit_code == 5 and "carried" in result.stdout.lower(), result.stdout

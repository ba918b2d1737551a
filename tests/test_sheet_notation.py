"""Issue 14, notation: how formulas, names and values print on a solution sheet.

Each test names the finding of issue 14 it covers. Values come from the problems' own givens (stated
beside each assertion) or from closed forms (tanh(ln k) = (k² − 1)/(k² + 1), since tanh x = (e^2x − 1)/(e^2x + 1)).
"""

from __future__ import annotations

import json
import re
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from solver import api
from solver.cli import app

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, ["run", *args, "--no-color"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def _json(problem: str, *args: str) -> dict[str, Any]:
    return json.loads(_run(str(PROBLEMS / problem), "-f", "json", "--detail", "full", *args))


def _steps(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for step in steps:
        out[step["number"]] = step
        out.update(_steps(step["substeps"]))
    return out


def _graph(tmp_path: Path, given: dict[str, Any], equations: list[str], wrt: list[str]) -> Path:
    spec = {"kind": "graph", "title": "t", "given": given, "equations": equations, "wrt": wrt}
    path = tmp_path / "p.yaml"
    path.write_text(json.dumps(spec))  # YAML reads JSON
    return path


# --- finding 2: substituted numbers in the formula's order ------------------------------------------

def test_substitution_keeps_the_formulas_order() -> None:
    """Finding 2: ``s = c + w2`` with c = −2 + 6 = 4 and w2 = −3 (sigmoid-neuron's givens) substitutes as
    4 + (−3), ``nll(p1, y1) + bce(p2, y2)`` puts nll's value (2 ln 2) first, and w − η·∂L/∂w starts with w."""
    neuron = _steps(_json("sigmoid-neuron.yaml")["steps"])["2.4"]
    assert neuron["formula"]["text"].startswith("s = c + w2")
    assert neuron["substituted"]["text"] == "4 − 3"
    multihead = _steps(_json("multihead.yaml")["steps"])["2.7"]
    substituted = multihead["substituted"]["text"]  # the losses with their arguments' values, nll's first
    assert "NLL" in substituted and substituted.index("NLL") < substituted.index("BCE")
    sgd = _steps(_json("sequential-sgd.yaml")["steps"])["2.4"]
    assert sgd["formula"]["text"] == "w − η·∂L/∂w"
    assert sgd["substituted"]["text"].startswith("0 − ")  # w = 0 before the first update


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-50, 50).filter(bool), min_size=2, max_size=4))
def test_unevaluated_sums_print_in_argument_order(terms: list[int]) -> None:
    """Finding 2: an unevaluated sum prints its terms in the order it was built, in text and LaTeX."""
    from solver.render.latex_values import latex
    from solver.render.text_values import text

    total = sp.Add(*[sp.Integer(t) for t in terms], evaluate=False)
    shown = [int(n) for n in re.findall(r"\d+", text(total))]
    assert shown == [abs(t) for t in terms]
    assert [int(n) for n in re.findall(r"\d+", latex(total))] == [abs(t) for t in terms]
    assert text(sp.Integer(sum(terms))) == str(sum(terms)).replace("-", "−")  # results stay as they are


# --- finding 6: one quantity, one form; Euler's number ℯ ---------------------------------------------

def test_one_quantity_prints_one_way() -> None:
    """Finding 6: σ(1) = 1/(1 + ℯ^−1) = ℯ/(1 + ℯ) prints as σ(1) wherever it appears (lstm-step's i1 and
    relu-net-logloss's p and ∂L/∂ŷ); Euler's number is never exp(1) nor a plain e."""
    lstm = _run(str(PROBLEMS / "lstm-step.yaml"), "--detail", "full")
    block = lstm[lstm.index("2.5.2"):lstm.index("2.6 ")]
    assert "σ(1)" in block
    assert "ℯ" not in block  # i1 = σ(1) and σ(1/2), not 1/(ℯ^−1 + 1)
    steps = _steps(_json("relu-net-logloss.yaml")["steps"])
    shown = [s["result"]["latex"] for s in steps.values() if s["result"]] + \
            [s["substituted"]["text"] for s in steps.values() if s["substituted"]]
    euler_aside = [t.replace(r"\mathrm{e}", "ℯ") for t in shown]
    assert not any("exp(" in t or re.search(r"(?<![\w\\])e(?![\w])", t) for t in euler_aside)
    assert any(r"\mathrm{e}" in t for t in shown)
    answers = _json("relu-net-logloss.yaml")["answers"]
    assert "exp" not in json.dumps({k: v["latex"] for k, v in answers.items()})


def test_a_variable_named_e_and_eulers_number_differ() -> None:
    """Finding 6: sigmoid-neuron has a node named e = exp(n); its name prints e, Euler's number ℯ
    (LaTeX: e for the variable, \\mathrm{e} for Euler's number)."""
    steps = _steps(_json("sigmoid-neuron.yaml")["steps"])
    assert steps["2.6"]["formula"]["text"].startswith("e = exp(n)")
    assert steps["2.6"]["result"]["latex"] == r"\mathrm{e}^{-1}"
    assert "ℯ^−1" in _run(str(PROBLEMS / "sigmoid-neuron.yaml"))
    assert steps["2.7"]["formula"]["latex"].startswith("d = e + 1")


# --- finding 13: tanh of a logarithm -----------------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(st.fractions(min_value=Fraction(1, 50), max_value=50).filter(lambda k: k != 1))
def test_tanh_of_log_reduces(k: Fraction) -> None:
    """Finding 13: tanh(ln k) = (k² − 1)/(k² + 1) exactly, for rational k > 0."""
    from solver.engine.exact import tidy

    q = sp.Rational(k.numerator, k.denominator)
    assert tidy(sp.tanh(sp.log(q))) == (q**2 - 1) / (q**2 + 1)
    assert tidy(2 * sp.tanh(2 * sp.log(q))) == 2 * (q**4 - 1) / (q**4 + 1)


def test_tanh_of_log_reduces_on_the_sheet(tmp_path: Path) -> None:
    """Finding 13: h = tanh(ln 3) prints 4/5 (text and LaTeX), h·h prints 16/25."""
    path = _graph(tmp_path, {"x": 3}, ["u = log(x)", "h = tanh(u)", "L = h * h"], ["x"])
    (solution,) = api.solve_file(path)
    out = api.render([solution], "text")
    assert "= 4/5" in out and "16/25" in out and "tanh(ln" not in out.split("Answers")[-1]
    assert r"\frac{4}{5}" in api.render([solution], "latex")


# --- finding 8: floats -------------------------------------------------------------------------------

def test_floats_print_six_significant_digits() -> None:
    """Finding 8: in --numeric mode, no number on the sheet has more than 8 significant digits, whole
    weights print as integers (gan's wd2 = [1, −1]), and JSON keeps full precision."""
    out = _run(str(PROBLEMS / "gan.yaml"), "--numeric", "--detail", "full")
    assert not re.search(r"\d\.\d{8,}", out), re.search(r".{30}\d\.\d{8,}.{10}", out)
    assert not re.search(r"(?<![\d.])1\.0(?![\d])", out)
    values = [v["value"] for v in _json("gan.yaml", "--numeric")["answers"].values()]
    flat = [x for v in values for x in (v if isinstance(v, list) else [v]) for x in (x if isinstance(x, list) else [x])]
    assert any(isinstance(x, float) and len(repr(x).lstrip("-0.")) > 8 for x in flat)


@given(st.floats(-50, -0.01, allow_nan=False), st.integers(2, 9))
@settings(max_examples=30, deadline=None)
def test_a_negative_decimal_factor_is_bracketed(negative: float, factor: int) -> None:
    """A product with a negative float after its first factor reads 2·(−0.5): it printed 2·−0.5 in text
    and 2 −0.5 in LaTeX (read as a difference). Rounded decimals are symbols, so both printers must see it."""
    from solver.render.latex_values import latex
    from solver.render.text_values import text

    for product in (sp.Mul(factor, sp.Float(negative), evaluate=False),
                    sp.Mul(sp.Float(factor + 0.5), sp.Float(negative), evaluate=False)):
        shown_text, shown_latex = text(product), latex(product)
        assert re.search(r"·\(−[\d.]+\)$", shown_text), shown_text
        assert re.search(r"\\cdot \\left\(-[\d.]+\\right\)$", shown_latex), shown_latex


# --- finding 9: code names in mathematics ------------------------------------------------------------

def test_standard_names_in_text_and_latex() -> None:
    """Finding 9: bce-l2 shows ‖W1‖² (not norm2), BCE(σ(s), y) (not bce_logits), λ (not lam), in text and
    LaTeX; the answers' keys in JSON stay as written."""
    text = _run(str(PROBLEMS / "bce-l2.yaml"), "--detail", "full")
    latex = _run(str(PROBLEMS / "bce-l2.yaml"), "-f", "latex", "--detail", "full")
    for shown in (text, latex):
        assert "norm2(" not in shown and "bce_logits(" not in shown and "norm₂" not in shown
        assert not re.search(r"(?<![\w\\])lam(?![\w])", shown)
    assert "‖W1‖²" in text and "λ" in text and "BCE(σ(s), y)" in text
    assert r"\|W_{1}\|^{2}" in latex and r"\lambda" in latex and r"\operatorname{BCE}" in latex
    base = json.loads(Path("/work/wt/base_bank/bank.json").read_text()) if Path("/work/wt/base_bank/bank.json").exists() \
        else None
    keys = list(_json("bce-l2.yaml")["answers"])
    if base is not None:
        assert keys == list(next(d for d in base if d["id"] == "bce-l2")["answers"])


def test_function_names_with_underscores_are_one_upright_name(tmp_path: Path) -> None:
    """Finding 9: leaky_relu prints as one upright name in LaTeX, never leaky_{relu}."""
    path = _graph(tmp_path, {"x": -2, "a": "1/5"}, ["h = leaky_relu(x, a)", "L = h * h"], ["x"])
    latex = api.render(api.solve_file(path), "latex", detail="full")
    assert "leaky_{" not in latex and "_{relu}" not in latex
    assert r"\operatorname{LeakyReLU}" in latex


# --- finding 7: no "see JSON" --------------------------------------------------------------------------

def test_latex_prints_long_exact_forms() -> None:
    """Finding 7: rnn-bptt's LaTeX never says "see JSON"; long exact forms are broken over lines."""
    latex = _run(str(PROBLEMS / "rnn-bptt.yaml"), "-f", "latex", "--detail", "full")
    assert "see JSON" not in latex
    assert latex.count(r"\begin{aligned}[t]") >= 10


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex")
def test_latex_with_broken_forms_compiles(tmp_path: Path) -> None:
    """Finding 7: the sheet with the broken exact forms compiles with plain pdflatex."""
    out = tmp_path / "rnn.tex"
    _run(str(PROBLEMS / "rnn-bptt.yaml"), "-o", str(out), "--pdf")
    assert (tmp_path / "rnn.pdf").stat().st_size > 0


# --- Phrases with formulas ---------------------------------------------------------------------------

def test_a_formula_in_a_phrase_is_typeset_as_math() -> None:
    """A Phrase part that is a Formula is LaTeX math on a LaTeX sheet (and standard notation in text)."""
    from solver.formula import Name, call
    from solver.render.prose import escape_notation, prose_text, words
    from solver.trace import Phrase

    phrase = Phrase(("Local derivative: ", call("norm2", Name("W1")) + Name("lam"), "."))
    assert words(phrase, escape_notation) == r"Local derivative: $\|W_{1}\|^{2} + \lambda$."
    assert words(phrase, prose_text) == "Local derivative: ‖W1‖² + λ."

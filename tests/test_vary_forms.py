"""The vary section's placeholder forms (tanh(q), sigmoid(q), exp(q), ln(q)) and the scoped constraints
(``answers:``, ``floating_point:`` as a list of answer names), issue 17.

The matcher is fed values built here from drawn rationals (hypothesis): a rational q with denominator within
the bound passes, one beyond it fails, and nested forms, unevaluated σ(ln 2) and floats never pass.
"""

from __future__ import annotations

import pytest
import sympy as sp
from helpers import run_cli
from helpers.bad_specs import EXIT_BAD_SPEC, assert_one_clean_error, case, check_bad_spec
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.engine.ops.activations import sigmoid
from solver.spec import load_file
from solver.vary import variants
from solver.vary.checks import is_simple

BOUND = 12


def fractions(low: int, high: int) -> st.SearchStrategy[sp.Rational]:
    """A rational p/q in lowest terms with low ≤ q ≤ high (and p ≠ 0)."""
    return st.tuples(st.integers(-60, 60).filter(bool), st.integers(low, high)).map(
        lambda pq: sp.Rational(*pq)).filter(lambda r: low <= r.q <= high)


inside, outside = fractions(1, BOUND), fractions(BOUND + 1, 60)
FORMS = {  # the placeholder form → how the engine or sympy writes f(r)
    "tanh": lambda r: sp.tanh(r),
    "exp": lambda r: sp.exp(r),
    "sigmoid": lambda r: 1 / (1 + sp.exp(-r)),
    "ln": lambda r: sp.log(abs(r)),
}


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(FORMS)), r=inside, c=inside, c0=inside)
def test_a_rational_combination_of_a_form_of_a_rational_passes(name, r, c, c0):
    value = c0 + c * FORMS[name](r)
    assert is_simple(value, BOUND, (name,)), value
    assert is_simple(sp.Matrix([value, c0]), BOUND, ("tanh", name))


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(["tanh", "exp", "sigmoid"]), r=outside)
def test_a_form_of_a_rational_beyond_the_bound_fails(name, r):
    value = FORMS[name](r)
    assert not is_simple(value, BOUND, (name,)), value
    assert is_simple(value, r.q, (name,)), value  # the bound is what rejected it


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(FORMS)), r=inside)
def test_nested_forms_logs_inside_and_floats_fail(name, r):
    assert not is_simple(sp.tanh(sp.tanh(r)), BOUND, (name, "tanh"))
    assert not is_simple(sp.tanh(r) * sp.exp(r), BOUND, ("tanh", "exp"))  # a product of two forms
    assert not is_simple(sp.tanh(r + sp.log(2)), BOUND, ("tanh", "ln"))
    assert not is_simple(sigmoid(sp.log(2)), BOUND, ("sigmoid", "ln"))  # σ(ln 2) left unevaluated
    if abs(r) != 1:  # ln(1) and ln(1.0) are sympy's exact 0
        assert not is_simple(FORMS[name](sp.Float(float(r))), BOUND, (name,))
        assert not is_simple(FORMS[name](r), BOUND, ())  # undeclared
    assert not is_simple(sp.Float(float(r)), BOUND, (name,))


def test_the_engine_sigmoid_and_the_other_ways_sympy_writes_it():
    """σ(x) = 1/(1 + e^(−x)) = e^x/(1 + e^x): each spelling of σ(1/2), σ(1), σ(−1) below passes."""
    half = sp.Rational(1, 2)
    for value in (sigmoid(half), 1 / (1 + sp.exp(-half)), sp.E / (1 + sp.E), 1 / (1 + sp.E),
                  sp.E / (15 * (1 + sp.E)) + sp.Rational(2, 15), 3 / (3 + 3 * sp.exp(2))):
        assert is_simple(value, 15, ("sigmoid",)), value
    for value in (1 / (1 + 2 * sp.E), sp.log(1 + sp.E), sp.E / (1 + sp.exp(2))):
        assert not is_simple(value, 15, ("sigmoid",)), value


def test_constant_forms_keep_working():
    assert is_simple(3 * sp.log(2) / 4 + sp.Rational(1, 2), 4, (sp.log(2),))
    assert not is_simple(sp.log(3), 4, (sp.log(2),))


TANH = """\
kind: graph
title: T
given: {x: 1/2, w: 1}
equations: [h = tanh(w * x), L = h * h]
vary:
  given: {x: {choose: [1/2, 1/3]}}
  constraints: {denominator: 10, forms: [tanh(q)], answers: [h]}
  tries: 5
"""


def test_answers_scopes_the_forms_to_the_answers_named(tmp_path):
    """h = tanh(x) is of the form; L = tanh²(x) is not, and is out of scope: both variants are made.
    Without the scope no draw passes (L is a product of two forms)."""
    spec = tmp_path / "p.yaml"
    spec.write_text(TANH, encoding="utf-8")
    [loaded] = load_file(spec)
    made = variants(loaded, 2, seed=1)
    assert sorted(str(v.problem.spec.given["x"]) for v in made) == ["1/2", "1/3"]
    for variant in made:
        h = next(a.value for a in variant.solution.answers if a.name == "h")
        assert h.func == sp.tanh and h.args[0] in (sp.Rational(1, 2), sp.Rational(1, 3))
    spec.write_text(TANH.replace(", answers: [h]", ""), encoding="utf-8")
    result = run_cli("vary", spec, "-n", 1, "-o", tmp_path / "out")
    assert result.exit_code == 1 and "denominator/forms 5" in result.stderr




def test_unknown_answer_names_stop_vary_with_file_line_and_field(tmp_path):
    for field, text in (("answers", "answers: [h, hh]"), ("floating_point", "floating_point: [hh]")):
        spec = tmp_path / f"{field}.yaml"
        spec.write_text(TANH.replace("answers: [h]", text), encoding="utf-8")
        out = tmp_path / f"out-{field}"
        result = run_cli("vary", spec, "-n", 1, "-o", out)
        assert_one_clean_error(result, spec, out, EXIT_BAD_SPEC)
        index = 1 if field == "answers" else 0
        assert f"{spec}:7: vary.constraints.{field}[{index}]: unknown answer 'hh'" in result.stderr
        assert "this problem answers: h, L" in result.stderr


HEAD = "kind: graph\ntitle: T\ngiven: {x: 1, w: 2}\nequations: [L = tanh(w * x)]\nvary:\n  given:\n" \
       "    x: {integers: [1, 2]}\n"
BAD = [
    case(HEAD + "  constraints:\n    denominator: 2\n    forms: [tanh(2*q)]  # <-\n", "vary.constraints.forms[0]",
         "expected a form f(q)", id="form-not-f-of-q"),
    case(HEAD + "  constraints:\n    denominator: 2\n    forms: [q]  # <-\n", "vary.constraints.forms[0]",
         "expected a form f(q)", id="form-bare-q"),
    case(HEAD + "  constraints:\n    denominator: 2\n    forms: [tanh(p)]  # <-\n", "vary.constraints.forms[0]",
         "unknown name 'p'", id="form-unknown-name"),
    case(HEAD + "  constraints:\n    denominator: 2\n    answers: []  # <-\n", "vary.constraints.answers",
         "at least one answer name", id="answers-empty"),
    case(HEAD + "  constraints:\n    denominator: 2\n    answers: [L, L]  # <-\n", "vary.constraints.answers",
         "listed twice", id="answers-twice"),
    case(HEAD + "  constraints:\n    answers: [L]  # <-\n", "vary.constraints.answers", "give denominator too",
         id="answers-without-denominator"),
    case(HEAD + "  constraints:\n    denominator: 2\n    answers: L  # <-\n", "vary.constraints.answers",
         "list", id="answers-not-a-list"),
    case(HEAD + "  constraints:\n    floating_point: []  # <-\n", "vary.constraints.floating_point",
         "at least one answer name", id="floating-empty"),
    case(HEAD + "  constraints:\n    floating_point: [L, L]  # <-\n", "vary.constraints.floating_point",
         "listed twice", id="floating-twice"),
    case(HEAD + "  constraints:\n    floating_point: maybe  # <-\n", "vary.constraints.floating_point",
         "true or false, or a list of answer names", id="floating-not-bool-or-list"),
    case(HEAD + "  constraints:\n    floating_point: [L, 3]  # <-\n", "vary.constraints.floating_point",
         "true or false, or a list of answer names", id="floating-list-of-numbers"),
]


@pytest.mark.parametrize("bad", BAD)
def test_a_bad_scoped_or_placeholder_constraint_gives_one_clean_error(bad, tmp_path):
    check_bad_spec(bad, tmp_path)


def test_tanh_of_a_logarithm_is_rational(tmp_path):
    """tanh(ln 2) = (4 − 1)/(4 + 1) = 3/5 and d tanh/dx = 1 − tanh² = 16/25: checked against torch (float64)."""
    import torch

    from solver.api import solve_file

    spec = tmp_path / "t.yaml"
    spec.write_text("kind: graph\ntitle: T\ngiven: {x: ln(2)}\nequations: [L = tanh(x)]\n", encoding="utf-8")
    [solution] = solve_file(spec)
    answers = {a.name: a.value for a in solution.answers}
    assert answers["L"] == sp.Rational(3, 5) and answers["dL/dx"] == sp.Rational(16, 25)
    x = torch.tensor(float(sp.log(2)), dtype=torch.float64, requires_grad=True)
    value = torch.tanh(x)
    value.backward()
    assert value.item() == pytest.approx(3 / 5, abs=1e-15)
    assert float(x.grad) == pytest.approx(16 / 25, abs=1e-15)

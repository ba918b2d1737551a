"""Issue 14, the backward pass as a solution sheet: shapes in the Jacobian layout (finding 1), pass-through
steps collapsed below ``full`` (finding 10), nodes named by their symbol, the collapses a course teaches
(σ + BCE → p − y, softmax + NLL → p − onehot(y), a stable softmax, simplified products; finding 12) and
notes whose mathematics is formulas (finding 9).

Oracles: sympy's own arithmetic for exact values (σ(s) − y, ln Σ e^(s_j − s_c) computed without any
shift), PyTorch float64 autograd for gradients.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import sympy as sp
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from solver import api
from solver.detail import at_detail
from solver.formula import Formula
from solver.kinds.graph import GraphSpec, solve_graph
from solver.trace import Approximate, Phrase, Step, StepKind

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"


def steps_of(steps: tuple[Step, ...]) -> list[Step]:
    """Every step, substeps included, in order."""
    out: list[Step] = []
    for step in steps:
        out.append(step)
        out += steps_of(step.substeps)
    return out


def solution(name: str, detail: str = "full", layout: str | None = None) -> Any:
    """A bank problem solved at ``detail`` (in ``layout`` if given)."""
    (problem,) = api.load(PROBLEMS / f"{name}.yaml")
    if layout is not None:
        problem = replace(problem, spec=replace(problem.spec, layout=layout))
    return at_detail(api.solve(problem), detail)


def chains(sol: Any) -> list[Step]:
    """The CHAIN steps of a solution."""
    return [s for s in steps_of(sol.steps) if s.kind is StepKind.CHAIN]


def shape(value: Any) -> tuple[int, int]:
    """A value's shape, a scalar as 1×1."""
    value = value.doit() if hasattr(value, "doit") else value
    return tuple(value.shape) if hasattr(value, "shape") else (1, 1)


# --- finding 1: every equation holds in the Jacobian layout ------------------------------------------


def test_jacobian_layout_writes_column_gradients_as_rows_in_formula_numbers_and_result() -> None:
    """mlp-binary 3.4: ∂L/∂hr of s = wᵀ·hr is a row; its substituted product evaluates to that row."""
    sol = solution("mlp-binary")
    (step,) = [s for s in chains(sol) if getattr(s.record, "node", None) == "hr"]
    assert shape(step.result) == (1, 3)
    assert shape(step.substituted) == (1, 3)  # base: a column (w·δ) shown equal to a row
    assert sp.Matrix(step.substituted.doit()) == sp.Matrix(step.result)
    assert str(step.formula) == "∂L/∂s·wᵀ"  # (w·δ)ᵀ: the upstream scalar first, w transposed


def test_the_same_step_in_the_gradient_layout_stays_a_column() -> None:
    """With layout: gradient the same gradient is a column and its product w·∂L/∂s."""
    sol = solution("mlp-binary", layout="gradient")
    (step,) = [s for s in chains(sol) if getattr(s.record, "node", None) == "hr"]
    assert shape(step.result) == shape(step.substituted) == (3, 1)


# --- finding 10: pass-through steps collapse below full --------------------------------------------


def test_pass_through_steps_are_kept_for_full_detail_only() -> None:
    """gan.yaml: the steps through the sums of per-sample losses (local derivative 1: the step's formula is
    the upstream gradient alone, e.g. ∂V_D/∂z17 = ∂V_D/∂z18) are not on the default sheet; full keeps
    them, and every step of the default sheet is in the full one."""
    from solver.formula import Grad

    full_steps = steps_of(solution("gan", "full").steps)
    full = [str(s.title) for s in full_steps]
    standard = [str(s.title) for s in steps_of(solution("gan", "standard").steps)]
    passing = [str(s.title) for s in full_steps if s.kind is StepKind.CHAIN and isinstance(s.formula, Grad)]
    assert len(passing) >= 6  # at least the three real and three fake samples' loss terms of each phase
    assert not set(passing) & set(standard)
    assert set(standard) <= set(full) and len(standard) < len(full)


def test_the_step_after_a_collapse_reads_the_last_gradient_shown_and_says_so() -> None:
    """mlp-binary: ∂L/∂W = (∂L/∂h)ᵀ·xᵀ once ∂L/∂(W·x) = ∂L/∂h is collapsed, with a note saying the sum
    passes the gradient through."""
    sol = solution("mlp-binary", "standard")
    titles = [str(s.title) for s in steps_of(sol.steps)]
    assert "∂L/∂(W·x)" not in titles
    (step,) = [s for s in chains(sol) if str(s.title).startswith("∂L/∂W ")]
    assert "∂L/∂h" in str(step.formula) and "∂L/∂(W·x)" not in str(step.formula)
    assert isinstance(step.note, Phrase)
    assert "passes the gradient through" in "".join(p for p in step.note.parts if isinstance(p, str))


def test_a_fan_in_is_one_step_whose_numbers_are_the_contributions_products() -> None:
    """multihead: h feeds two heads. Below full the sum is one step, formula → each contribution as its
    product with numbers → result; full adds a step per consumer. The written sum evaluates to the result."""
    import sympy as sp

    for level in ("brief", "standard"):
        (step,) = [s for s in steps_of(solution("multihead", level).steps) if s.kind is StepKind.SUM]
        assert not step.substeps
        terms = step.substituted.args
        assert len(terms) == len(step.record.consumers) == 2
        assert any(isinstance(t, (sp.MatMul, sp.Mul)) for t in terms)  # a product, not only its value
        assert sp.simplify(sp.Matrix(step.substituted.doit()) - sp.Matrix(step.result)) == sp.zeros(2, 1)
        assert bool(step.note) is (level == "standard")  # standard states the rules the contributions use
    full = [s for s in steps_of(solution("multihead", "full").steps) if s.kind is StepKind.SUM]
    assert full and all(len(s.substeps) >= 2 for s in full)


# --- names -----------------------------------------------------------------------------------------


def test_steps_name_a_node_by_its_symbol() -> None:
    """An inner node given a short name (z1 for W·x) is called z1 in every backward step."""
    from solver.engine import graph as engine
    from solver.formula import Name
    from solver.kinds.graph_backward import backward_group

    spec = GraphSpec(given={"x": [1, 2], "W": [[1, -1], [2, 0]], "b": [1, 1]},
                     equations=["h = relu(W @ x + b)", "L = sum(h)"], wrt=["W"])
    from solver.kinds.graph_spec import given_values

    values = given_values(spec.given, {}, ("given",), False)
    g = engine.build(values, spec.equations)
    (inner,) = [n for n in g.nodes if str(n.label) == "W·x"]
    (outer,) = [n for n in g.nodes if str(n.label) == "W·x + b"]
    inner.name, outer.name = Name("z1"), Name("z2")
    loss = g.names["L"]
    records = engine.backward(g, loss, [g.names["W"]])
    group = backward_group(records, loss, "gradient", g, ["W"])
    titles = [str(s.title) for s in steps_of((group,))]
    formulas = [str(s.formula) for s in steps_of((group,)) if s.formula is not None]
    assert "∂L/∂z2" in titles and "∂L/∂z1" in titles
    assert not [t for t in titles + formulas if "W·x" in t]


# --- finding 12: the collapses a course teaches ----------------------------------------------------

small = st.fractions(min_value=-4, max_value=4, max_denominator=4)


@settings(max_examples=25)
@given(s=small, y=st.sampled_from([0, 1]))
@example(s=-3, y=1)
def test_sigmoid_then_bce_collapses_to_p_minus_y(s: Any, y: int) -> None:
    """∂L/∂s of L = bce(σ(s), y) is exactly σ(s) − y, and the sheet shows the product of the two local
    derivatives collapsing to p − y; PyTorch float64 agrees."""
    value = sp.Rational(s.numerator, s.denominator)
    result = solve_graph(GraphSpec(given={"s": str(value), "y": y},
                                   equations=["p = sigmoid(s)", "L = bce(p, y)"], wrt=["s"]))
    exact = 1 / (1 + sp.exp(-value)) - y
    assert sp.simplify(result.grads["s"][0, 0] - exact) == 0
    t = torch.tensor(float(value), dtype=torch.float64, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(torch.sigmoid(t), torch.tensor(float(y), dtype=torch.float64)).backward()
    assert t.grad is not None and abs(float(t.grad) - float(exact)) < 1e-12
    (step,) = [c for c in steps_of(result.later) if c.kind is StepKind.CHAIN and getattr(c.record, "node", None) == "s"]
    assert str(step.formula).endswith("= p − y")
    assert sp.simplify(sp.sympify(step.substituted).doit() - step.result) == 0


@settings(max_examples=20)
@given(s=st.lists(st.integers(-3, 3), min_size=2, max_size=4), data=st.data())
def test_softmax_then_nll_collapses_to_p_minus_onehot(s: list[int], data: Any) -> None:
    """∂L/∂s of L = nll(softmax(s), c) is p − onehot(c), shown as such; PyTorch float64 agrees."""
    c = data.draw(st.integers(0, len(s) - 1))
    result = solve_graph(GraphSpec(given={"s": s, "c": c}, equations=["p = softmax(s)", "L = nll(p, c)"], wrt=["s"]))
    exps = [sp.exp(v) for v in s]
    exact = [e / sum(exps) - (1 if i == c else 0) for i, e in enumerate(exps)]
    got = list(result.grads["s"])
    assert all(sp.simplify(a - b) == 0 for a, b in zip(got, exact))
    t = torch.tensor([float(v) for v in s], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(t[None], torch.tensor([c])).backward()
    assert t.grad is not None
    assert max(abs(float(a) - float(b)) for a, b in zip(t.grad, exact)) < 1e-12
    (step,) = [x for x in steps_of(result.later) if x.kind is StepKind.CHAIN and getattr(x.record, "node", None) == "s"]
    assert str(step.formula).endswith("p − onehot(c)")


@settings(max_examples=25)
@given(s=st.lists(st.integers(-4, 4), min_size=2, max_size=4), offset=st.integers(0, 1500), data=st.data())
@example(s=[0, 1, 2], offset=1000, data=None)
def test_stable_softmax_is_exact_and_equals_the_unshifted_one(s: list[int], offset: int, data: Any) -> None:
    """cross_entropy(s + k, c) is computed exactly for logits of 1000 and more (shift invariance): it equals
    ln Σ e^(s_j − s_c) of the unshifted logits; the example of the issue gives ln(1 + e + e²)."""
    c = 0 if data is None else data.draw(st.integers(0, len(s) - 1))
    logits = [v + offset for v in s]
    result = solve_graph(GraphSpec(given={"s": logits, "c": c}, equations=["L = cross_entropy(s, c)"], wrt=["s"]))
    assert not result.numeric
    loss = result.values["L"][0, 0]
    assert not isinstance(loss, sp.Float) and not loss.has(sp.Float)
    unshifted = sp.log(sum(sp.exp(v) for v in s)) - s[c]
    assert abs(sp.N(loss - unshifted, 40)) < sp.Float(10) ** -30
    if s == [0, 1, 2] and c == 0:
        assert sp.simplify(loss - sp.log(1 + sp.E + sp.E**2)) == 0


def test_a_large_logit_softmax_shows_the_maximum_subtracted() -> None:
    """p = softmax(s) with s = (1000, 1001, 1002): the forward value is exact, shown as softmax(s − 1002)."""
    result = solve_graph(GraphSpec(given={"s": [1000, 1001, 1002], "c": 0},
                                   equations=["p = softmax(s)", "L = nll(p, c)"], wrt=["s"]))
    assert sp.simplify(result.values["L"][0, 0] - sp.log(1 + sp.E + sp.E**2)) == 0
    (step,) = [x for x in steps_of((result.forward,) if result.forward else ()) if getattr(x.record, "name", None) == "p"]
    shown = step.substituted
    assert shown.args and isinstance(shown.args[0], sp.MatAdd)  # softmax(s − max s)
    assert sp.Matrix(shown.args[0].doit()) == sp.Matrix([-2, -1, 0])


def test_sequential_sgd_local_derivative_product_is_simplified() -> None:
    """sequential-sgd 3.2.3: ∂L/∂s on the second observation is −e³/(1 + e³), not (−e³ − 1)·e³/(1 + e³)²."""
    sol = solution("sequential-sgd")
    steps = [s for s in chains(sol) if getattr(s.record, "node", None) == "s"]
    last = steps[-1].result
    assert sp.simplify(last + sp.exp(3) / (1 + sp.exp(3))) == 0
    assert sp.count_ops(last) <= sp.count_ops(-sp.exp(3) / (1 + sp.exp(3)))


# --- finding 9: notes are formulas, not ASCII expressions ------------------------------------------


def test_backward_notes_carry_mathematics_as_formulas() -> None:
    """bce-l2 and mlp-binary: every chain step's note is a Phrase whose mathematics is formula trees; its
    words contain no derivative and no code name of a whole sub-expression."""
    for name in ("bce-l2", "mlp-binary", "multihead"):
        for step in chains(solution(name)):
            note = step.note
            assert isinstance(note, Phrase), (name, step.title, note)
            assert any(isinstance(p, Formula) for p in note.parts), (name, step.title)
            words = "".join(p for p in note.parts if isinstance(p, str))
            assert "∂" not in words and "bce_logits(" not in words and "norm2(" not in words, (name, words)


def test_answers_stay_exact() -> None:
    """The collapses change how steps read, not values: relu-net-logloss ∂L/∂W2 is exact, no Approximate."""
    sol = solution("relu-net-logloss")
    assert not isinstance(sol.answer("dL/dW2").value, Approximate)

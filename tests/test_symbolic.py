"""The symbolic kind: the seed identities (001) and the fully connected layer in index notation (000 Q1).

Each answer is checked by a route independent of the derivation dlsolve checks: PyTorch float64
autograd at random points for the loss derivatives and identities, torch's Jacobian of h = Wx + b for
the index derivatives, and an explicit loop that counts the operations. Plus: a wrong step is refused
(exit 1, naming the step), every format renders, and bad specs get one clean message (exit 3).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
import sympy as sp
import torch
from helpers import ROOT, run_cli
from helpers.bad_specs import case, check_bad_spec
from hypothesis import given, settings
from hypothesis import strategies as st

from solver import api

torch.set_default_dtype(torch.float64)
IDENTITIES = ROOT / "problems" / "identities.yaml"
FC = ROOT / "problems" / "fc-layer-symbolic.yaml"


@pytest.fixture(scope="module")
def identities():
    return api.solve_file(IDENTITIES)[0]


@pytest.fixture(scope="module")
def fc():
    return api.solve_file(FC)[0]


def _value(expr, **values):
    """The float value of a sympy answer: scalars (by name) replaced, sums expanded, then entries z[i]."""
    scalars = {s: values[str(s)] for s in expr.free_symbols
               if isinstance(s, sp.Symbol) and not isinstance(values.get(str(s)), (list, type(None)))}
    expr = expr.subs(scalars).doit()
    entries = {}
    for atom in expr.atoms(sp.Indexed):
        entry = values[str(atom.base)]
        for index in atom.indices:
            entry = entry[int(index)]
        entries[atom] = entry
    return float(expr.subs(entries))


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_cross_entropy_after_softmax_matches_autograd(identities, classes):
    answer = identities.answer("dCE/dz[k]").value
    draw = random.Random(classes)
    z = torch.tensor([draw.uniform(-3, 3) for _ in range(classes)], requires_grad=True)
    for y in range(classes):
        z.grad = None
        torch.nn.functional.cross_entropy(z[None], torch.tensor([y])).backward()
        for k in range(classes):
            ours = _value(answer.subs({sp.Symbol("C", integer=True, positive=True): classes}),
                          z=z.detach().tolist(), y=y, k=k)
            assert math.isclose(ours, z.grad[k].item(), rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_sigmoid_losses_match_autograd(identities, seed):
    draw = random.Random(seed)
    z0, y0 = draw.uniform(-4, 4), draw.choice([0.0, 1.0, draw.random()])
    z = torch.tensor(z0, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(torch.sigmoid(z), torch.tensor(y0)).backward()
    assert math.isclose(_value(identities.answer("dBCE/dz").value, z=z0, y=y0), z.grad.item(), rel_tol=1e-9,
                        abs_tol=1e-12)
    z = torch.tensor(z0, requires_grad=True)
    ((y0 - torch.sigmoid(z)) ** 2).backward()
    assert math.isclose(_value(identities.answer("dMSE/dz").value, z=z0, y=y0), z.grad.item(), rel_tol=1e-9,
                        abs_tol=1e-12)


@given(st.floats(-20, 20))
@settings(max_examples=30, deadline=None)
def test_tanh_identity_matches_torch(x):
    answer = api.solve_file(IDENTITIES)[0].answer("tanh(x)").value if not hasattr(
        test_tanh_identity_matches_torch, "cached") else test_tanh_identity_matches_torch.cached
    test_tanh_identity_matches_torch.cached = answer
    assert math.isclose(_value(answer, x=x), math.tanh(x), rel_tol=1e-9, abs_tol=1e-12)


def test_two_class_softmax_is_a_sigmoid(identities):
    for seed in range(5):
        draw = random.Random(seed)
        z = [draw.uniform(-5, 5), draw.uniform(-5, 5)]
        expected = torch.softmax(torch.tensor(z), 0)[1].item()
        assert math.isclose(_value(identities.answer("softmax(z)[1]").value, z=z), expected, rel_tol=1e-9)
        at_zero = torch.softmax(torch.tensor([0.0, z[1]]), 0)[1].item()
        assert math.isclose(_value(identities.answer("P(y=1)").value, z1=z[1]), at_zero, rel_tol=1e-9)


def _counts(m: int, n: int) -> tuple[int, int]:
    """Multiplications and additions of h = Wx + b by the definition, counted in a loop."""
    multiplications = additions = 0
    for _i in range(m):
        for j in range(n):
            multiplications += 1
            additions += j > 0  # the first product starts the sum
        additions += 1  # + b_i
    return multiplications, additions


@pytest.mark.parametrize(("m", "n"), [(1, 1), (2, 3), (3, 2), (4, 7)])
def test_operation_counts_match_a_loop(fc, m, n):
    sizes = {sp.Symbol("m", integer=True, positive=True): m, sp.Symbol("n", integer=True, positive=True): n}
    counted = _counts(m, n)
    assert (fc.answer("multiplications").value.subs(sizes), fc.answer("additions").value.subs(sizes)) == counted


def test_index_derivatives_match_torch_jacobian(fc):
    m, n = 2, 3
    draw = random.Random(0)
    W = torch.tensor([[draw.uniform(-2, 2) for _ in range(n)] for _ in range(m)])
    x = torch.tensor([draw.uniform(-2, 2) for _ in range(n)])
    b = torch.tensor([draw.uniform(-2, 2) for _ in range(m)])
    by_W, by_x, by_b = torch.autograd.functional.jacobian(lambda W, x, b: W @ x + b, (W, x, b))
    i_, k_, l_ = (sp.Symbol(s, integer=True, nonnegative=True) for s in "ikl")
    values = {"W": W.tolist(), "x": x.tolist()}
    for i in range(m):
        for l in range(n):  # noqa: E741 (the seed's index name)
            ours = fc.answer("dh[i]/dx[l]").value.subs({i_: i, l_: l})
            assert math.isclose(_value(ours, **values), by_x[i, l].item(), rel_tol=1e-12)
            for k in range(m):
                ours = fc.answer("dh[i]/dW[k,l]").value.subs({i_: i, k_: k, l_: l})
                assert math.isclose(_value(ours, **values), by_W[i, k, l].item(), abs_tol=1e-12)
        for k in range(m):
            assert float(fc.answer("dh[i]/db[k]").value.subs({i_: i, k_: k})) == by_b[i, k].item()


@pytest.mark.parametrize("path", [IDENTITIES, FC])
@pytest.mark.parametrize("fmt", ["text", "latex", "markdown", "json"])
def test_every_format_renders(path, fmt):
    result = run_cli("run", path, "-f", fmt, "--no-color")
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        answers = json.loads(result.stdout)["answers"]
        assert all(a["exact"] and a["latex"] and a["value"] is None for a in answers.values())
    if fmt == "text":
        assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_json_answers_are_exact_sympy_text(identities):
    assert json.loads(run_cli("run", IDENTITIES, "-f", "json").stdout)["answers"]["dCE/dz[k]"]["exact"] == \
        "exp(z[k])/Sum(exp(z[j]), (j, 0, C - 1)) - KroneckerDelta(k, y)"


WRONG_STEP = """\
kind: symbolic
title: T
given: {z: scalar, y: scalar}
derivations:
  - name: d
    claim: BCE with a sign error
    steps:
      - "diff(-(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z))), z)"
      - "y - sigmoid(z)"
"""


def test_a_wrong_step_is_refused_naming_it(tmp_path: Path):
    file = tmp_path / "wrong.yaml"
    file.write_text(WRONG_STEP)
    result = run_cli("run", file)
    assert result.exit_code == 1
    assert "derivation 'd': step 2 does not equal step 1" in result.stderr
    assert "Traceback" not in result.stderr


@given(st.integers(-5, 5).filter(bool), st.integers(-5, 5))
@settings(max_examples=15, deadline=None)
def test_the_check_accepts_true_steps_and_refuses_false_ones(tmp_path_factory, a, c):
    """(x + a)² = x² + 2ax + a² is accepted; adding c·x to the right side (c ≠ 0) is refused."""
    spec = {"kind": "symbolic", "title": "T", "given": {"x": "scalar"},
            "derivations": [{"name": "s", "claim": "t", "steps": [f"(x + {a})^2", f"x^2 + {2 * a}*x + {a * a} + {c}*x"]}]}
    from solver.errors import DlsolveError

    file = tmp_path_factory.mktemp("check") / "step.yaml"
    file.write_text(json.dumps(spec))  # JSON is YAML
    try:
        api.solve_file(file)
        accepted = True
    except DlsolveError:
        accepted = False
    assert accepted == (c == 0)


HEAD = "kind: symbolic\ntitle: T\n"
STEPS = "    steps:\n      - \"x\"\n      - \"x\"\n"
BAD = [
    case(HEAD + "given:\n  x: tensor  # <-\nderivations:\n  - name: d\n    claim: t\n" + STEPS,
         "given.x", "expected 'scalar', 'size'", "got 'tensor'", id="symbolic-unknown-sort"),
    case(HEAD + "given:\n  z: vector C  # <-\n  x: scalar\nderivations:\n  - name: d\n    claim: t\n" + STEPS,
         "given.z", "'C' is not declared as a size", id="symbolic-undeclared-size"),
    case(HEAD + "given:\n  x: scalar\nderivations:\n  - name: d\n    claim: t\n    steps:\n      - \"x\"\n"
         "      - \"x + q\"  # <-\n", "derivations[0].steps[1].form", "unknown name 'q'", id="symbolic-unknown-name"),
    case(HEAD + "given:\n  x: scalar\nderivations:\n  - name: d\n    claim: t\n    steps:\n      - \"x\"\n"
         "      - \"__import__('os')\"  # <-\n", "derivations[0].steps[1].form", "not a known function",
         id="symbolic-no-python"),
    case(HEAD + "given:\n  x: scalar\nderivations:\n  - name: d\n    claim: t\n    steps:\n      - \"x\"\n"
         "      - \"sum(x, x)\"  # <-\n", "derivations[0].steps[1].form", "must be a declared index",
         id="symbolic-sum-over-scalar"),
    case(HEAD + "given:\n  x: scalar\nderivations:\n  - name: d\n    claim: t\n    steps:\n      - \"x\"\n"
         "      - \"2 x\"  # <-\n", "derivations[0].steps[1].form", "write products with '*'", id="symbolic-no-star"),
    case(HEAD + "given:\n  x: scalar\n  C: size\nchecks: {C: [9]}  # <-\nderivations:\n  - name: d\n    claim: t\n"
         + STEPS, "checks", "expected integers from 1 to 6", "got [9]", id="symbolic-check-too-large"),
    case(HEAD + "given:\n  x: scalar\nchecks: {x: [2]}  # <-\nderivations:\n  - name: d\n    claim: t\n" + STEPS,
         "checks.x", "'x' is not a symbol declared as a size", id="symbolic-check-not-size"),
    case(HEAD + "given:\n  x: scalar\nderivations:\n  - name: d\n    claim: t\n    steps:  # <-\n      - \"x\"\n",
         "derivations[0].steps", "expected a list of 2 to 30 forms", id="symbolic-one-step"),
    case(HEAD + "given:\n  x: scalar\nderivations:\n  - name: d\n    claim: t\n    proof: 1  # <-\n" + STEPS,
         "derivations[0].proof", "unknown field", id="symbolic-unknown-field"),
    case(HEAD + "given:\n  x: scalar\nderivations:\n  - name: d\n    claim: t\n    steps:\n      - \"x\"\n"
         "      - \"diff(x, 2)\"  # <-\n", "derivations[0].steps[1].form", "with respect to a scalar or one entry",
         id="symbolic-diff-by-number"),
    case(HEAD + "given:\n  z: vector 2\nderivations:\n  - name: d\n    claim: t\n    steps:\n      - \"z[0]\"\n"
         "      - \"z\"  # <-\n", "derivations[0].steps[1].form", "'z' is a vector: write one entry",
         id="symbolic-bare-vector"),
]


@pytest.mark.parametrize("bad", BAD)
def test_bad_symbolic_specs(bad, tmp_path):
    check_bad_spec(bad, tmp_path)

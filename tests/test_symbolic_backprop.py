"""Symbolic backpropagation through y = f(X·W2)·W1 (seed 004, exercises 2 and 5): defined quantities
(``define``), a declared activation ``f: function`` with ``derivative(f, u)``, ``relu`` and ``step``.

Each answer is an expression in the defined names (h[k], t[k], y) and f′; it is checked against PyTorch
float64 autograd at random points with f = tanh and f = softplus (f′ substituted), by evaluating the
definitions numerically: a route independent of the sympy chain dlsolve checks. Plus: a wrong step
involving f′ is refused, the answers print in the course's notation, and bad definitions get one
clean message.
"""

from __future__ import annotations

import json
import random

import pytest
import sympy as sp
import torch
from helpers import ROOT, run_cli
from helpers.bad_specs import case, check_bad_spec

from solver import api

torch.set_default_dtype(torch.float64)
BACKPROP = ROOT / "problems" / "backprop-symbolic.yaml"
ACTIVATIONS = {  # f and f′, in torch
    "tanh": (torch.tanh, lambda t: 1 - torch.tanh(t) ** 2),
    "softplus": (torch.nn.functional.softplus, torch.sigmoid),
}


@pytest.fixture(scope="module")
def backprop():
    return api.solve_file(BACKPROP)[0]


def _numeric(expr, values: dict, f, f_prime, indices: dict) -> float:
    """A sympy answer evaluated: indices fixed, sums written out, entries and f′ replaced by numbers."""
    sizes = {sp.Symbol(k, integer=True, positive=True): values[k] for k in ("n", "m")}
    expr = expr.subs({**sizes, **{sp.Symbol(k, integer=True, nonnegative=True): v for k, v in indices.items()}})
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda s: sp.Add(*(
        s.function.xreplace({s.limits[0][0]: sp.Integer(i)}) for i in range(int(s.limits[0][1]), int(s.limits[0][2]) + 1))))
    point = {}
    for atom in expr.atoms(sp.Indexed):
        entry = values[str(atom.base)]
        for index in atom.indices:
            entry = entry[int(index)]
        point[atom] = float(entry)
    bases = {atom.base.label for atom in point}
    for atom in expr.free_symbols - set(point) - bases:
        point[atom] = float(values[str(atom)])
    expr = expr.xreplace(point)
    expr = expr.replace(lambda e: isinstance(e, sp.Function) and e.func.__name__ == "f'",
                        lambda e: sp.Float(float(f_prime(torch.tensor(float(e.args[0]))))))
    return float(expr)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("seed", range(3))
def test_gradients_match_autograd(backprop, activation, seed):
    f, f_prime = ACTIVATIONS[activation]
    draw = random.Random(seed)
    n, m = 2, 2  # the 2-2-1 network of exercise 2
    X = torch.tensor([draw.uniform(-2, 2) for _ in range(n)], requires_grad=True)
    W2 = torch.tensor([[draw.uniform(-2, 2) for _ in range(m)] for _ in range(n)], requires_grad=True)
    W1 = torch.tensor([draw.uniform(-2, 2) for _ in range(m)], requires_grad=True)
    y_true, gamma = draw.uniform(-1, 1), 0.1
    t = X @ W2
    h = f(t)
    y = h @ W1
    loss = (y - y_true) ** 2
    loss.backward()
    # the defined quantities, taken from the torch forward pass; symbols the derivations declare alone
    # (h in dL/dh, t in dL/dt) stand for these same values
    values = {"X": X.detach(), "W2": W2.detach(), "W1": W1.detach(), "t": t.detach(), "h": h.detach(),
              "y": y.item(), "y_true": y_true, "gamma": gamma, "n": n, "m": m}
    h_grad = 2 * (y.item() - y_true) * W1.detach()
    t_grad = h_grad * f_prime(t.detach())
    for j in range(n):
        for k in range(m):
            at = {"j": j, "k": k}
            assert _numeric(backprop.answer("dL/dW2[j,k]").value, values, f, f_prime, at) == \
                pytest.approx(W2.grad[j, k].item(), rel=1e-12, abs=1e-12)
            new = W2[j, k].item() - gamma * W2.grad[j, k].item()
            assert _numeric(backprop.answer("W2_new[j,k]").value, values, f, f_prime, at) == \
                pytest.approx(new, rel=1e-12, abs=1e-12)
    for k in range(m):
        at = {"k": k}
        assert _numeric(backprop.answer("dL/dW1[k]").value, values, f, f_prime, at) == \
            pytest.approx(W1.grad[k].item(), rel=1e-12, abs=1e-12)
        assert _numeric(backprop.answer("dL/dh[k]").value, values, f, f_prime, at) == pytest.approx(h_grad[k].item())
        assert _numeric(backprop.answer("dL/dt[k]").value, values, f, f_prime, at) == pytest.approx(t_grad[k].item())
    for j in range(n):
        assert _numeric(backprop.answer("dL/dX[j]").value, values, f, f_prime, {"j": j}) == \
            pytest.approx(X.grad[j].item(), rel=1e-12, abs=1e-12)
    assert _numeric(backprop.answer("dL/dy").value, values, f, f_prime, {}) == pytest.approx(2 * (y.item() - y_true))


def test_relu_derivative_is_the_step(backprop):
    u = sp.Symbol("u", real=True)
    answer = backprop.answer("ReLU′(u)").value
    for point in (-2.5, -0.25, 0.25, 3.0):  # torch: the gradient of relu at u
        x = torch.tensor(point, requires_grad=True)
        torch.relu(x).backward()
        assert float(answer.subs(u, point)) == x.grad.item()


def test_answers_read_in_the_course_notation():
    result = run_cli("run", BACKPROP, "--no-color")
    assert result.exit_code == 0, result.stderr
    answers = result.stdout[result.stdout.index("Answers"):]
    assert "dL/dW1[k]           =  2·h[k]·(y − y_true)" in answers  # in the defined names, 2 factored out
    assert "ReLU′(u)            =  [u > 0]" in answers  # the Iverson bracket, not Heaviside
    assert "Σ_k (f'(t[k])·W1[k]·W2[j, k])" in answers  # a sum, not Sum(…, (k, 0, m − 1))
    assert "Heaviside" not in result.stdout and "Subs" not in result.stdout and "Derivative" not in result.stdout
    steps = result.stdout[:result.stdout.index("Answers")]
    assert "t[k] = Σ_j X[j]·W2[j, k]" in steps  # the notation step lists the definitions
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


@pytest.mark.parametrize("fmt", ["latex", "markdown", "json"])
def test_every_format_renders(fmt):
    result = run_cli("run", BACKPROP, "-f", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        answers = json.loads(result.stdout)["answers"]
        assert answers["ReLU′(u)"]["exact"] == "Heaviside(u)"
        assert answers["ReLU′(u)"]["latex"] == r"\left[u > 0\right]"
    if fmt == "latex":
        assert r"\theta" not in result.stdout and "Heaviside" not in result.stdout


WRONG_F_PRIME = """\
kind: symbolic
title: T
given: {x: scalar, w: scalar, f: function}
define:
  y: f(w * x)
derivations:
  - name: d
    claim: the chain rule without the inner derivative
    steps:
      - "diff(y, w)"
      - "derivative(f, w * x)"
"""


def test_a_step_missing_the_inner_derivative_is_refused(tmp_path):
    file = tmp_path / "wrong.yaml"
    file.write_text(WRONG_F_PRIME)
    result = run_cli("run", file)
    assert result.exit_code == 1
    assert "derivation 'd': step 2 does not equal step 1" in result.stderr
    file.write_text(WRONG_F_PRIME.replace('"derivative(f, w * x)"', '"derivative(f, w * x) * x"'))
    assert run_cli("run", file).exit_code == 0  # the true chain rule is accepted


SHADOWED = """\
kind: symbolic
title: T
given: {x: scalar, w: scalar, i: index 3, z: vector 3}
define:
  u[i]: w * z[i]
  s: sum(u[i] * x, i)
derivations:
  - name: ds/du[i]
    claim: s with u standing for itself
    symbols: {u: vector 3}
    steps:
      - "diff(s, u[i])"
      - "x"
  - name: ds/dw
    claim: s written out
    steps:
      - "diff(s, w)"
      - "sum(z[i] * x, i)"
"""


def test_a_symbol_of_a_derivation_stands_for_itself(tmp_path):
    file = tmp_path / "shadow.yaml"
    file.write_text(SHADOWED)
    solution = api.solve_file(file)[0]
    assert solution.answer("ds/du[i]").value == sp.Symbol("x", real=True)
    file.write_text(SHADOWED.replace('      - "x"\n', '      - "w"\n'))  # with u free, ∂s/∂u_i is x, not w
    assert run_cli("run", file).exit_code == 1


HEAD = "kind: symbolic\ntitle: T\ngiven:\n  x: scalar\n  f: function\n  k: index 2\n  z: vector 2\n"
TAIL = "derivations:\n  - name: d\n    claim: t\n    steps:\n      - \"x\"\n      - \"x\"\n"
BAD = [
    case(HEAD + "define:\n  a: x + q  # <-\n" + TAIL, "define.a", "unknown name 'q'", id="define-unknown-name"),
    case(HEAD + "define:\n  x: 2  # <-\n" + TAIL, "define.x", "'x' is declared in given", id="define-given-name"),
    case(HEAD + "define:\n  a[j]: z[j]  # <-\n" + TAIL, "define.a[j]", "'j' is not declared as an index",
         id="define-undeclared-index"),
    case(HEAD + "define:  # <-\n  a b: 1\n" + TAIL, "define", "'a b' is not a name to define", id="define-bad-name"),
    case(HEAD + "define:\n  a: f  # <-\n" + TAIL, "define.a", "'f' is a function: write f(...)", id="define-bare-function"),
    case(HEAD + "define:\n  a: f(x, x)  # <-\n" + TAIL, "define.a", "f() takes exactly 1 argument",
         id="function-two-arguments"),
    case(HEAD + "define:\n  a: derivative(z, x)  # <-\n" + TAIL, "define.a",
         "first argument of derivative() must be a declared function", id="derivative-of-a-vector"),
    case(HEAD + "define:\n  a[k]: z[k]\n  b: a  # <-\n" + TAIL, "define.b", "'a' is defined with 1 index(es)",
         id="define-missing-index"),
    case(HEAD + "define:\n  a: x\n  b: diff(x, a)  # <-\n" + TAIL, "define.b", "'a' is defined in terms of other symbols",
         id="diff-by-a-defined-name"),
    case(HEAD + "define: {}  # <-\n" + TAIL, "define", "expected a mapping of 1 to 20", id="define-empty"),
    case(HEAD + "define:\n  a: step(x, x)  # <-\n" + TAIL, "define.a", "step() takes exactly 1 argument",
         id="step-two-arguments"),
    case(HEAD.replace("f: function", "f: function 2  # <-") + TAIL, "given.f", "or 'function'", "got 'function 2'",
         id="function-with-a-size"),
]


@pytest.mark.parametrize("bad", BAD)
def test_bad_definitions(bad, tmp_path):
    check_bad_spec(bad, tmp_path)


FC = ROOT / "problems" / "fc-layer-symbolic.yaml"


@pytest.fixture(scope="module")
def fc():
    return api.solve_file(FC)[0]


def _shape(answer, m: int, n: int) -> tuple[int, ...]:
    """``m×n`` (a formula) at concrete sizes."""
    return tuple({"m": m, "n": n}.get(part) or int(part) for part in str(answer.value).split("×"))


def test_shapes_match_torch_jacobians(fc):
    """The Jacobian layout's shapes against torch.autograd.functional.jacobian at m = 3, n = 2 (a row
    for the derivative of a scalar: torch gives (m,), the course writes 1×m)."""
    m, n = 3, 2
    W, x, b, w = torch.randn(m, n), torch.randn(n), torch.randn(m), torch.randn(m)
    jacobian = torch.autograd.functional.jacobian
    assert _shape(fc.answer("shape of w"), m, n) == (m, 1)  # a column vector
    assert _shape(fc.answer("shape of dh[i]/dx[l]"), m, n) == tuple(jacobian(lambda v: W @ v + b, x).shape)
    assert _shape(fc.answer("shape of dh[i]/db[k]"), m, n) == tuple(jacobian(lambda v: W @ x + v, b).shape)
    assert _shape(fc.answer("shape of dhp[i]/dh[k]"), m, n) == tuple(jacobian(torch.relu, W @ x + b).shape)
    row = jacobian(lambda hp: torch.nn.functional.softplus(-(w @ hp)), torch.relu(W @ x + b)).shape
    assert _shape(fc.answer("shape of dL/dhp[k]"), m, n) == (1, *row)


@pytest.mark.parametrize("seed", range(3))
def test_relu_and_loss_derivatives_match_autograd(fc, seed):
    """∂h′_i/∂h_k and ∂L/∂h′_k (logistic loss of s = wᵀh′) against torch at random points."""
    generator = torch.Generator().manual_seed(seed)
    m = 3
    h = torch.randn(m, generator=generator)
    w, hp = torch.randn(m, generator=generator), torch.rand(m, generator=generator)
    y = float(seed % 2)
    relu_jacobian = torch.autograd.functional.jacobian(torch.relu, h)
    hp_var = hp.clone().requires_grad_(True)
    s = w @ hp_var
    torch.nn.functional.binary_cross_entropy_with_logits(s, torch.tensor(y)).backward()
    i_, k_ = sp.symbols("i k", integer=True, nonnegative=True)
    h_base, w_base = sp.IndexedBase("h"), sp.IndexedBase("w")
    s_sym, y_sym = sp.Symbol("s", real=True), sp.Symbol("y", real=True)
    for i in range(m):
        for k in range(m):
            value = fc.answer("dhp[i]/dh[k]").value.subs({i_: i, k_: k}).subs({h_base[i]: float(h[i])})
            assert float(value) == relu_jacobian[i, k].item()
    for k in range(m):
        value = fc.answer("dL/dhp[k]").value.subs(k_, k).subs({w_base[k]: float(w[k]), s_sym: float(s.detach()), y_sym: y})
        assert float(value) == pytest.approx(hp_var.grad[k].item(), rel=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_backward_equations_match_autograd(fc, seed):
    """∂L/∂s, ∂L/∂w, ∂L/∂h and ∂L/∂W of the whole layer (h = Wx + b, h′ = ReLU(h), s = wᵀh′, logistic
    loss) against torch autograd; ∂L/∂W_kl is ∂L/∂h_k·x_l with ∂L/∂h_k from torch."""
    generator = torch.Generator().manual_seed(10 + seed)
    m, n = 3, 2
    W = torch.randn(m, n, generator=generator, requires_grad=True)
    x, b = torch.randn(n, generator=generator), torch.randn(m, generator=generator)
    w = torch.randn(m, generator=generator, requires_grad=True)
    y = float(seed % 2)
    h = W @ x + b
    h.retain_grad()
    hp = torch.relu(h)
    s = w @ hp
    s.retain_grad()
    torch.nn.functional.binary_cross_entropy_with_logits(s, torch.tensor(y)).backward()
    k_, l_ = sp.symbols("k l", integer=True, nonnegative=True)
    point = {sp.Symbol("s", real=True): float(s.detach()), sp.Symbol("y", real=True): y}
    assert float(fc.answer("dL/ds").value.subs(point)) == pytest.approx(s.grad.item(), rel=1e-12)
    for k in range(m):
        entries = {sp.IndexedBase("w")[k]: float(w[k].detach()), sp.IndexedBase("hp")[k]: float(hp[k].detach()),
                   sp.IndexedBase("h")[k]: float(h[k].detach())}
        assert float(fc.answer("dL/dw[k]").value.subs(k_, k).subs({**point, **entries})) == \
            pytest.approx(w.grad[k].item(), rel=1e-12)
        assert float(fc.answer("dL/dh[k]").value.subs(k_, k).subs({**point, **entries})) == \
            pytest.approx(h.grad[k].item(), rel=1e-12, abs=1e-15)
        for column in range(n):
            value = fc.answer("dL/dW[k,l]").value.subs({k_: k, l_: column})
            value = value.subs({sp.IndexedBase("dLdh")[k]: h.grad[k].item(), sp.IndexedBase("x")[column]: float(x[column])})
            assert float(value) == pytest.approx(W.grad[k, column].item(), rel=1e-12, abs=1e-15)


SHAPES = "kind: symbolic\ntitle: T\ngiven:\n  x: scalar\n  z: vector 2\n  k: index 2\n"
BAD_SHAPES = [
    case(SHAPES + "shapes: [z, x]\nderivations:\n  - name: d\n    claim: t\n    steps:\n      - \"x\"\n      - \"x\"\n",
         "shapes[1]", "'x' is not a vector or matrix declared in given", line=7, id="shapes-of-a-scalar"),
    case(SHAPES + "shapes: z  # <-\nderivations:\n  - name: d\n    claim: t\n    steps:\n      - \"x\"\n      - \"x\"\n",
         "shapes", "expected a list of declared vector or matrix names", id="shapes-not-a-list"),
    case(SHAPES + "derivations:\n  - name: d\n    claim: t\n    shape: true  # <-\n    steps:\n      - \"x\"\n      - \"x\"\n",
         "derivations[0].shape", "starts with diff(", id="shape-of-no-derivative"),
]


@pytest.mark.parametrize("bad", BAD_SHAPES)
def test_bad_shapes(bad, tmp_path):
    check_bad_spec(bad, tmp_path)

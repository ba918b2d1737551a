"""The fast paths give the same results as the plain ones, and large inputs stay within reach:

- a convolution's float forward (one array operation per kernel entry, run thousands of times by the
  finite-difference check) equals the exact forward entry by entry, on random geometries;
- a sum of thousands of terms prints in every notation (a left-folded chain is printed in a loop);
- exact arithmetic given up is said: on stderr, in the JSON and on the Solution;
- the finite differences of every entry of a value, computed for stacks of perturbed copies at once,
  equal those computed one copy at a time, bit for bit, on random graphs, networks and convolutions;
- a large file read by libyaml gives the data and line numbers PyYAML gives (every bank file, padded), and
  a large file libyaml refuses gets PyYAML's message;
- sympy's str() of a value with each sum's term order shared (exact.sympy_str) equals str() itself;
- a command named on the command line is the only one typer builds; without one, all are listed;
- the terminal's product layout (sympy's, without its import of sympy.physics.units) equals sympy's own,
  and rendering never imports that package.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np
import pytest
from helpers import PROBLEMS, run_cli, same
from hypothesis import event, given, settings
from hypothesis import strategies as st

from solver.api import load, solve
from solver.engine.conv import make
from solver.engine.ops import Matrix
from solver.formula import Name, Printer, op
from solver.render.latex_notation import LatexPrinter
from solver.render.mathml_notation import MathmlPrinter


@st.composite
def convolutions(draw: st.DrawFn) -> tuple[object, np.ndarray, np.ndarray]:
    """A conv1d/conv2d op with random geometry and integer input and kernel that fit it."""
    dims = draw(st.sampled_from([1, 2]))
    channels, filters = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k, size = draw(st.integers(1, 3)), draw(st.integers(4, 7))
    stride, dilation = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    padding = draw(st.sampled_from([0, 1, 2, "valid"] + (["same"] if stride == 1 else [])))
    conv = make(dims, 2, dict(stride=stride, padding=padding, dilation=dilation, flip=draw(st.booleans()),
                              in_channels=channels, out_channels=filters))
    if dims == 2:
        x_shape, w_shape = (channels * size, size), (filters * channels * k, k)
    else:
        x_shape = (channels, size) if channels > 1 else (size, 1)
        w_shape = (filters * channels, k) if filters * channels > 1 else (k, 1)
    x = np.array(draw(st.lists(st.integers(-5, 5), min_size=x_shape[0] * x_shape[1],
                               max_size=x_shape[0] * x_shape[1]))).reshape(x_shape)
    w = np.array(draw(st.lists(st.integers(-3, 3), min_size=w_shape[0] * w_shape[1],
                               max_size=w_shape[0] * w_shape[1]))).reshape(w_shape)
    return conv, x, w


@settings(max_examples=60, deadline=None)
@given(case=convolutions())
def test_the_float_convolution_equals_the_exact_one(case: tuple[object, np.ndarray, np.ndarray]) -> None:
    conv, x, w = case
    try:
        conv.shape([x.shape, w.shape])  # type: ignore[attr-defined]
    except ValueError:  # a kernel larger than the padded input: no output to compare
        return
    exact = conv.forward([Matrix(x.tolist()), Matrix(w.tolist())])  # type: ignore[attr-defined]
    floats = conv.numeric([x.astype(float), w.astype(float)])  # type: ignore[attr-defined]
    assert floats.shape == exact.shape
    assert floats.tolist() == [[float(v) for v in exact.row(i)] for i in range(exact.rows)]  # integers: exact


def test_a_sum_of_thousands_of_terms_prints_in_every_notation() -> None:
    terms = [Name(f"x{i}") for i in range(3000)]
    chain = op("+", *terms)
    assert Printer().doprint(chain) == " + ".join(f"x{i}" for i in range(3000))
    assert LatexPrinter().doprint(chain).count("+") == 2999
    assert MathmlPrinter().doprint(chain).count("<mo>+</mo>") == 2999
    assert Printer().doprint(op("−", *terms[:3])) == "x0 − x1 − x2"  # left-associative, no brackets


EXPLODING = """\
kind: graph
title: A softmax whose exact form explodes
given:
  s: [0, 1010]
equations:
  - L = cross_entropy(s, 1)
"""


def test_exact_arithmetic_given_up_is_said(tmp_path: Path) -> None:
    """The logits spread beyond what exp may take exactly (a softmax over 0 and 1010): floating point, said
    on stderr and in JSON; a problem solved exactly says nothing."""
    problem = tmp_path / "explodes.yaml"
    problem.write_text(EXPLODING)
    result = run_cli("run", problem, "-f", "json")
    assert result.exit_code == 0
    (reason,) = json.loads(result.stdout)["exact_abandoned"]
    assert "1010" in reason
    assert result.stderr == f"dlsolve: note: {problem}: exact arithmetic abandoned ({reason}); solved in " \
                            "floating point (--numeric skips the exact attempt)\n"
    exact = run_cli("run", PROBLEMS / "multihead.yaml", "-f", "json")
    assert exact.stderr == "" and json.loads(exact.stdout)["exact_abandoned"] == []
    assert solve(load(problem)[0]).exact_abandoned == (reason,)
    assert solve(load(problem)[0], numeric=True).exact_abandoned == ()  # asked for: nothing given up


# --- products in 2D without sympy.physics.units ----------------------------------------------------

FACTORS = st.sampled_from(["x", "y", "W", "2", "-1", "1/2", "-3/4", "x**2", "x**(-1)", "y**(-2)", "(x + 1)",
                           "(x + 1)**(-1)", "sqrt(2)", "exp(x)", "log(y)", "1", "oo"])


@settings(max_examples=200, deadline=None)
@given(factors=st.lists(FACTORS, min_size=2, max_size=4), evaluate=st.booleans(), order=st.sampled_from(
    [None, "none", "lex"]))
def test_the_product_layout_is_sympys_own(factors: list[str], evaluate: bool, order: str | None) -> None:
    """Source: sympy's PrettyPrinter._print_Mul (which imports sympy.physics.units first) on the same product."""
    import sympy
    from sympy.printing.pretty.pretty import PrettyPrinter

    from solver.render.sympy_text import UnicodePrettyPrinter

    values = [sympy.Rational(f) if f[-1].isdigit() and "*" not in f and "(" not in f else
              sympy.parse_expr(f, local_dict={"W": sympy.Symbol("W")}) for f in factors]
    product = sympy.Mul(*values, evaluate=evaluate)
    if not isinstance(product, sympy.Mul):
        return
    mine = UnicodePrettyPrinter({"use_unicode": True, "order": order})
    theirs = UnicodePrettyPrinter({"use_unicode": True, "order": order})

    def outcome(layout: object) -> str:
        try:
            return str(layout())  # type: ignore[operator]
        except Exception as error:  # (sympy's own layout fails on some unevaluated products: so must ours)
            return type(error).__name__

    assert outcome(lambda: mine._product(product)) == outcome(lambda: PrettyPrinter._print_Mul(theirs, product))


def test_rendering_the_bank_as_text_never_imports_sympy_physics() -> None:
    import subprocess
    import sys

    code = ("import sys; from solver.api import solve_file, render; "
            "[render(solve_file(f), 'text') for f in ('problems/gan.yaml', 'problems/rnn.yaml', "
            "'problems/mlp-binary.yaml')]; print('sympy.physics' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROBLEMS.parent,
                          check=True)
    assert done.stdout.strip() == "False"


# --- finite differences of stacked copies ------------------------------------------------------------


def _random_graph_problems() -> st.SearchStrategy[dict]:
    from helpers.differential_strategies import conv_specs, mlp_specs
    from helpers.graph_specs import graph_specs

    return st.one_of(graph_specs(), mlp_specs(), conv_specs())


@settings(max_examples=25, deadline=None)
@given(problem=_random_graph_problems())
def test_stacked_differences_equal_one_copy_at_a_time(problem: dict) -> None:
    """Source: the same differences one perturbed copy per pass (``of(node, batched=False)``)."""
    import tempfile

    import yaml

    import solver.engine.differences as differences

    compared: list[str] = []
    plain_of = differences.CentralDifferences.of

    def both(self: differences.CentralDifferences, node: object, batched: bool = True) -> differences.Differences:
        stacked, single = plain_of(self, node, True), plain_of(self, node, False)
        assert np.array_equal(stacked.numeric, single.numeric, equal_nan=True)
        assert np.array_equal(stacked.crossed, single.crossed)
        assert np.array_equal(stacked.allowance, single.allowance)
        compared.append(str(node))
        return stacked

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.yaml"
        path.write_text(yaml.safe_dump(problem, sort_keys=False))
        original = differences.CentralDifferences.of
        differences.CentralDifferences.of = both  # type: ignore[method-assign]
        try:
            for loaded in load(path):
                with contextlib.suppress(Exception):  # (a draw the solver refuses: nothing to compare)
                    solve(loaded)
        finally:
            differences.CentralDifferences.of = original  # type: ignore[method-assign]
    event(f"values compared: {min(len(compared), 3)}+" if compared else "nothing compared")


# --- large files read by libyaml ------------------------------------------------------------------------

PADDING = "\n".join("# " + "padding " * 12 for _ in range(400)) + "\n"  # (about 40 KB of comment lines)


def _read_both(tmp_path: Path, text: str, monkeypatch: object) -> tuple[object, object]:
    """read_yaml's outcome for ``text`` with libyaml first (a large file) and with PyYAML alone."""
    import solver.yamlfile as yamlfile
    from solver.errors import SpecError

    path = tmp_path / "large.yaml"
    path.write_text(text)

    def outcome() -> object:
        try:
            document = yamlfile.read_yaml(path)
            return document.data, document.lines
        except SpecError as error:
            return str(error)

    assert len(text.encode()) > yamlfile.LARGE_FILE
    first = outcome()
    monkeypatch.setattr(yamlfile, "LARGE_FILE", 1 << 30)  # type: ignore[attr-defined]
    second = outcome()
    monkeypatch.undo()  # type: ignore[attr-defined]
    return first, second


@pytest.mark.parametrize("name", sorted(p.name for p in PROBLEMS.glob("*.yaml")))
def test_a_large_file_reads_the_same_with_libyaml(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Source: PyYAML's own reading of the same text (every bank file, padded to a large file)."""
    text = (PROBLEMS / name).read_text()
    with_libyaml, pyyaml = _read_both(tmp_path, PADDING + text + PADDING, monkeypatch)
    assert isinstance(pyyaml, tuple) and isinstance(with_libyaml, tuple)
    assert same(with_libyaml[0], pyyaml[0]) and with_libyaml[1] == pyyaml[1]


@pytest.mark.parametrize("bad", ["given: [1, 2\ntitle: T\n", "a: *nowhere\n", "a: 1\n a: 2\n", "a: [?, 1\n",
                                 "kind: graph\n\tgiven: {}\n"])
def test_a_large_file_libyaml_refuses_gets_pyyamls_message(bad: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with_libyaml, pyyaml = _read_both(tmp_path, PADDING + bad, monkeypatch)
    assert isinstance(pyyaml, str) and with_libyaml == pyyaml


# --- str() with shared term order ----------------------------------------------------------------------

ATOMS = st.sampled_from(["1", "-1", "1/2", "-3/4", "2", "x", "y", "E", "pi"])
OPERATIONS = ["add", "mul", "exp", "tanh", "pow", "logistic"]


def _atom(text: str) -> object:
    import sympy

    special = {"x": sympy.Symbol("x"), "y": sympy.Symbol("y"), "E": sympy.S.Exp1, "pi": sympy.pi}
    if text in special:
        return special[text]
    return sympy.Float(text) if "." in text else sympy.Rational(text)


@st.composite
def forms(draw: st.DrawFn, atoms: st.SearchStrategy[str] = ATOMS, operations: list[str] = OPERATIONS,
          depth: int = 3) -> object:
    """Random nested sympy forms of ``atoms`` and ``operations``."""
    import sympy

    from solver.engine.ops.activations import sigmoid

    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return _atom(draw(atoms))
    kind = draw(st.sampled_from(operations))
    a, b = draw(forms(atoms, operations, depth - 1)), draw(forms(atoms, operations, depth - 1))
    made = {"mul": lambda: a * b, "exp": lambda: sympy.exp(a), "tanh": lambda: sympy.tanh(a),
            "pow": lambda: a ** sympy.Integer(draw(st.integers(-3, 3))),
            "logistic": lambda: 1 / (1 + sympy.exp(-a)), "sigmoid": lambda: sigmoid(a),
            "log": lambda: sympy.log(1 + a**2), "sqrt": lambda: sympy.sqrt(1 + b**2),
            "root": lambda: (2 + a**2) ** sympy.Rational(1, 3),
            "add": lambda: a + b - draw(forms(atoms, operations, depth - 1))}
    return made[kind]()


@settings(max_examples=200, deadline=None)
@given(value=forms())
def test_sympy_str_is_sympys_own_str(value: object) -> None:
    """Source: sympy's own str() of the same value."""
    from solver.engine.exact import sympy_str

    assert sympy_str(value) == str(value)


# --- only the named command built --------------------------------------------------------------------


def test_only_the_named_command_is_built_and_all_are_listed_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import typer.main

    from solver.cli import app, main

    every = list(app.registered_commands)
    seen: list[int] = []
    built = typer.main.get_command

    def recording(typer_app: object) -> object:
        seen.append(len(app.registered_commands))
        return built(typer_app)  # type: ignore[arg-type]

    monkeypatch.setattr(typer.main, "get_command", recording)
    monkeypatch.setattr(sys, "argv", ["dlsolve", "lstm-params", "--hidden", "2", "--input", "3", "-f", "json"])
    with pytest.raises(SystemExit) as done_main:
        main()
    assert done_main.value.code in (0, None) and seen == [1] and app.registered_commands == every
    done = run_cli("--help")
    assert done.exit_code == 0
    for name in ("run", "check", "list", "lstm-params", "gru-params", "rnn-params", "fc-params", "conv-params",
                 "graph", "vary", "schema"):
        assert name in done.stdout
    assert "Did you mean 'run'" in run_cli("runn").stderr


# --- floats of exact forms by interval enclosures -----------------------------------------------------

NUMBERS = st.sampled_from(["1", "-1", "1/2", "-3/4", "2", "3/7", "E", "pi", "0.1", "-2.5"])
NUMBER_OPERATIONS = ["add", "mul", "exp", "tanh", "pow", "sigmoid", "log", "sqrt", "root"]


@settings(max_examples=300, deadline=None)
@given(value=forms(NUMBERS, NUMBER_OPERATIONS, 4))
def test_a_proved_float_is_evalfs_own(value: object) -> None:
    """Source: sympy's float(N(value, 17)), which the enclosure stands in for wherever it settles."""
    import sympy

    from solver.engine.enclosure import proved_float
    from solver.render.values import exact_float

    proved = proved_float(value)
    event("proved" if proved is not None else "left to evalf")
    evalf = float(sympy.N(value, 17))
    assert proved is None or proved == evalf
    assert exact_float(value) == evalf


def test_what_an_enclosure_cannot_settle_is_left_to_evalf() -> None:
    """Derivation: log 2 + log 3 − log 6 = 0 has no sign to settle; an undefined function (σ as shown, or
    one merely called sigmoid or tanh) has no value sympy knows; 1/3 and tanh(1 − tanh(1)/2) are settled (the digits: sympy's N)."""
    import sympy

    from solver.engine.enclosure import proved_float

    assert proved_float(sympy.log(2) + sympy.log(3) - sympy.log(6)) is None
    for name in ("sigma", "sigmoid", "tanh"):  # undefined functions that only share a name
        assert proved_float(sympy.Function(name)(1)) is None
    assert proved_float(3) is None  # not a sympy number: the caller's evalf decides
    for settled in (sympy.Rational(1, 3), sympy.tanh(1 - sympy.tanh(1) / 2)):
        assert proved_float(settled) == float(sympy.N(settled, 17))


# --- the symbolic check's bottom-up rewriting ---------------------------------------------------------


def test_the_shared_subtree_rewriting_is_sympys_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Source: sympy's own ``replace``, on every rewrite the checks of two bank derivations make (every
    concrete case's sums written out, every derivative named)."""
    from solver.kinds.symbolic import verify

    ours = verify.replaced
    calls = []

    def both(value: object, query: object, function: object) -> object:
        mine = ours(value, query, function)  # type: ignore[arg-type]
        assert same(mine, value.replace(query, function))  # type: ignore[attr-defined]
        calls.append(value)
        return mine

    monkeypatch.setattr(verify, "replaced", both)
    for name in ("identities.yaml", "backprop-symbolic.yaml"):
        for problem in load(PROBLEMS / name):
            solve(problem)
    assert len(calls) > 100

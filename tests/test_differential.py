"""Differential testing (issue 8, part 3): random valid problems of every numeric kind, every answer
compared with an independent PyTorch float64 computation, and dlsolve's exact answers compared with
its own floating-point mode.

For each random problem (strategies in ``helpers/differential_strategies.py`` and the existing oracle tests):

1. dlsolve solves it exactly (``dlsolve run FILE --format json``, in-process); every answer's
   ``value`` — forward values, the loss, every gradient, every updated parameter — must equal the
   torch oracle's float64 value (``math.isclose(rel_tol=1e-9, abs_tol=1e-12)``), with the same answer
   names and the same layout. Oracles: ``graph_torch.evaluate`` (graph and conv problems; conv
   through ``torch.nn.functional.conv1d/conv2d``), ``rnn_torch.evaluate`` (``torch.nn.LSTMCell`` /
   ``GRUCell``, the Elman recurrence with torch ops), ``gan_torch.evaluate`` (``nn.Linear`` layers and
   ``torch.optim.SGD``); none of them imports ``solver/``.
2. dlsolve solves it again with ``--numeric`` (floating point from the start); the same answer names,
   and every ``value`` equal to the exact run's within rel 1e-9 (when the exact run itself fell back to
   floats this holds trivially).

Draws in which a ReLU / LeakyReLU / max argument lies within 1e-9 of its kink without being exactly
on it are skipped (``assume``): there float64 and exact arithmetic may legitimately pick different
sides. Exactly-on-the-kink arguments are kept (they test ReLU'(0) = 0 and LeakyReLU'(0) = slope, as
torch). Graph draws are also skipped, like in test_graph_oracle.py, where bce sees a probability
within 1e-4 of 0 or 1 or a value exceeds 1e4 (float64 cancellation in the oracle, not a dlsolve bug).

How many: ``EXAMPLES`` random problems in this file in total (default 170), shared among the kinds
as ``SHARE`` (graph 70, conv 40, rnn 36, gan 24: a conv problem's two runs cost four times a graph's);
together with the existing oracle tests
(test_graph_oracle.py 180, test_conv_ops.py 120, test_rnn.py 51, test_gan.py 25 random problems)
the normal run compares 546 random problems with torch (``test_suite.py`` counts them from the
collected tests' budgets). Under the default hypothesis profile "ci" they are the same problems every
run. Mismatch found and fixed: --numeric exited 1 on a given 0 fed straight into relu / leaky_relu
(``test_numeric_mode_at_an_exact_relu_kink``). More, and new ones each run:

    DLSOLVE_DIFFERENTIAL_EXAMPLES=5000 HYPOTHESIS_PROFILE=explore pytest tests/test_differential.py
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
import torch
import yaml
from helpers import examples, gan_torch, graph_torch, rnn_torch, run_cli
from helpers.differential_strategies import conv_specs, kink_entries, mlp_specs, near_kink, rnn_specs
from helpers.gan_specs import gan_givens
from helpers.graph_specs import graph_specs
from helpers.graph_torch import answers_from_dlsolve, assert_close
from helpers.oracle import BCE_MARGIN, MAGNITUDE, SOLVE_SECONDS, SolveTimeout, flatten, time_limit
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

torch.set_default_dtype(torch.float64)

SHARE = {"graph": 70, "conv": 40, "rnn": 36, "gan": 24}  # random problems of each kind in a normal run
EXAMPLES = int(os.environ.get("DLSOLVE_DIFFERENTIAL_EXAMPLES", examples(sum(SHARE.values()))))  # in all
REL, ABS = 1e-9, 1e-12
SETTINGS = dict(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])


def share(kind: str) -> int:
    """The random problems of one kind: its SHARE of EXAMPLES."""
    return max(1, round(EXAMPLES * SHARE[kind] / sum(SHARE.values())))


# --- running dlsolve --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("differential")


def dlsolve(spec: dict, folder: Path, *options: str) -> tuple[int, str, dict | None]:
    """``dlsolve run FILE --format json [OPTIONS]`` in-process within SOLVE_SECONDS: (exit code,
    standard error, the one problem's JSON document or None)."""
    path = folder / "problem.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    try:
        with time_limit(SOLVE_SECONDS):
            result = run_cli("run", path, "--format", "json", *options)
    except SolveTimeout as error:
        from sympy.core.cache import clear_cache

        clear_cache()
        pytest.fail(f"{error} {' '.join(options)}\nspec: {json.dumps(spec)}")
    if result.exit_code != 0:
        return result.exit_code, result.stderr, None
    document = json.loads(result.stdout)
    return 0, result.stderr, document[0] if isinstance(document, list) else document


# An exact kink input that floating point computes as ±1e-17 (1/3 + 2/3 − 1): the float solve may take the
# other side of the kink. It says so in its trace; only then are its values not compared with the exact run.
ROUNDED_KINK = "which may be a 0 moved by floating-point rounding"


def differential(spec: dict, expected: dict, folder: Path) -> dict:
    """The two comparisons of the module docstring; returns dlsolve's exact-run answers."""
    where = f"\nspec: {json.dumps(spec)}"
    code, stderr, document = dlsolve(spec, folder)
    assert code == 0, f"dlsolve run exited {code}: {stderr}{where}"
    exact = document["answers"]
    values = answers_from_dlsolve(document)
    assert set(values) == set(expected), \
        f"answer names: dlsolve {sorted(values)}, oracle {sorted(expected)}{where}"
    try:
        assert_close(expected, values, rel=REL, abs=ABS)
    except AssertionError as error:
        raise AssertionError(f"dlsolve (exact) vs torch: {error}{where}") from None
    code, stderr, numeric_document = dlsolve(spec, folder, "--numeric")
    assert code == 0, f"dlsolve run --numeric exited {code}: {stderr}{where}"
    numeric = answers_from_dlsolve(numeric_document)
    assert set(numeric) == set(values), f"answer names: --numeric {sorted(numeric)}, exact {sorted(values)}{where}"
    if ROUNDED_KINK in json.dumps(numeric_document["steps"]):  # the float solve says it may be off
        if currently_in_test_context():
            event("--numeric values not compared: an exact kink moved by rounding")
        return exact
    for name, value in values.items():
        if value is None:  # symbolic (not generated here)
            continue
        try:
            assert_close(value, numeric[name], rel=REL, abs=ABS, path=name)
        except AssertionError as error:
            raise AssertionError(f"dlsolve exact vs --numeric: {error}{where}") from None
    return exact


def graph_oracle(spec: dict) -> dict:
    """``graph_torch.evaluate`` with the draw rejected where float64 comparisons are not meaningful."""
    diagnostics: dict[str, list[float]] = {}
    with kink_entries():
        expected = graph_torch.evaluate(spec, diagnostics)
    assume(not near_kink(diagnostics.get("kink_entries", [])))
    assume(min(diagnostics.get("bce_margin", [1.0])) > BCE_MARGIN)
    assume(all(math.isfinite(x) and abs(x) < MAGNITUDE for v in expected.values() for x in flatten(v)))
    return expected


# --- 1. graph ---------------------------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=share("graph"), **SETTINGS)
@given(spec=st.one_of(graph_specs(), mlp_specs()))
def test_random_graphs_match_torch_and_numeric_mode(spec: dict, folder: Path) -> None:
    differential(spec, graph_oracle(spec), folder)


# --- 2. conv ----------------------------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=share("conv"), **SETTINGS)
@given(spec=conv_specs())
def test_random_conv_networks_match_torch_and_numeric_mode(spec: dict, folder: Path) -> None:
    event(spec["equations"][0].split(" = ")[1][:6])
    differential(spec, graph_oracle(spec), folder)


# --- 3. rnn -----------------------------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=share("rnn"), **SETTINGS)
@given(spec=rnn_specs())
def test_random_recurrent_networks_match_torch_and_numeric_mode(spec: dict, folder: Path) -> None:
    expected = rnn_torch.evaluate(spec)
    event(f"cell {spec['given'].get('cell', 'rnn')}")
    pre_activations = [x for name, v in expected.items() if name[0] == "a" and name[1:].isdigit() for x in flatten(v)]
    if spec["given"].get("activation") == "relu":
        assume(not near_kink(abs(a) for a in pre_activations))
    assume(all(math.isfinite(x) and abs(x) < MAGNITUDE for v in expected.values() for x in flatten(v)))
    differential({"kind": "rnn", "title": "Random recurrent network (differential test)", **spec}, expected, folder)


# --- 4. gan -----------------------------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=share("gan"), **SETTINGS)
@given(given_=gan_givens())
def test_random_gan_steps_match_torch_and_numeric_mode(given_: dict, folder: Path) -> None:
    expected, notes = gan_torch.evaluate(given_)
    assume(not notes.ambiguous)  # a (leaky) ReLU input within 1e-9 of 0, not exactly 0
    differential({"kind": "gan", "title": "Random GAN step (differential test)", "given": given_}, expected, folder)


# --- the strategies themselves ----------------------------------------------------------------------


def test_kink_entries_tell_exact_kinks_from_near_misses() -> None:
    """relu(z) with z = (0, 1e-12, 2): the oracle's own diagnostics keep only min |z| = 0; the
    per-entry record has all three, so an exact 0 (compared: ReLU'(0) = 0) and a near miss (skipped)
    are told apart."""
    spec = {"given": {"z": [0, "1/1000000000000", 2]}, "equations": ["f = sum(relu(z))"]}
    diagnostics: dict[str, list[float]] = {}
    with kink_entries():
        graph_torch.evaluate(spec, diagnostics)
    assert diagnostics["kink"] == [0.0]
    assert diagnostics["kink_entries"] == [0.0, 1e-12, 2.0]
    assert near_kink(diagnostics["kink_entries"]) and not near_kink([0.0, 2.0])
    graph_torch.evaluate(spec, diagnostics := {})
    assert "kink_entries" not in diagnostics  # the patch is undone


# --- mismatches found: deterministic regression tests ---------------------------------------------------


@pytest.mark.parametrize(("given_", "equation", "expected"), [
    ({"x": 0}, "L = relu(x)", {"L": 0.0, "dL/dx": 0.0}),  # ReLU'(0) = 0
    ({"x": 0}, "L = leaky_relu(x, 0.1)", {"L": 0.0, "dL/dx": 0.1}),  # LeakyReLU'(0) = slope
    ({"x": [0, 1]}, "L = sum(relu(x))", {"L": 1.0, "dL/dx": [0.0, 1.0]}),
])
def test_numeric_mode_at_an_exact_relu_kink(given_: dict, equation: str, expected: dict, folder: Path) -> None:
    """A given 0 fed straight into relu / leaky_relu: the convention decides the gradient, torch agrees,
    and --numeric gives the same answers. Found by the graph differential test: --numeric used to exit 1,
    because its kink test compared the float 0.0 with the integer 0, which sympy calls unequal."""
    spec = {"kind": "graph", "title": "relu at its kink", "given": given_, "equations": [equation]}
    assert_close(expected, graph_torch.evaluate(spec, {}))
    differential(spec, expected, folder)  # exact = torch, and --numeric = exact
    code, stderr, document = dlsolve(spec, folder, "--numeric")
    assert code == 0, stderr
    assert_close(expected, answers_from_dlsolve(document))
    assert "the convention" in json.dumps(document["steps"])  # the trace says the kink decided


def test_numeric_mode_says_when_rounding_may_have_moved_an_exact_kink(folder: Path) -> None:
    """Channel 1 of this convolution is −x0/3 + x1 + 2/3 = 1/3 − 1 + 2/3 = 0 at position 0: exactly a
    ReLU kink, so ReLU'(0) = 0 and dL/dx1[0][0] = 0, as torch says. Floating point computes 8.7e-19 there
    and takes the other side (−1/3); the float trace must say that its input may be a rounded 0.
    Found by the conv differential test (1,500 examples)."""
    spec = {"kind": "graph", "title": "rounded kink",
            "given": {"x1": [["-1", "0", "0", "0", "0"], ["-1", "0", "0", "0", "0"]], "w1": ["0", "0", "-1/3", "1"],
                      "b1": ["0", "2/3"]},
            "equations": ["z1 = conv1d(x1, w1, b1, in_channels=2, out_channels=2)", "z2 = relu(z1)", "L = sum(z2)"],
            "wrt": ["x1"]}
    exact = differential(spec, graph_torch.evaluate(spec, {}), folder)
    assert exact["dL/dx1"]["value"][0][0] == 0.0
    code, stderr, document = dlsolve(spec, folder, "--numeric")
    assert code == 0, stderr
    assert ROUNDED_KINK in json.dumps(document["steps"])

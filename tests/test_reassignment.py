"""A name assigned more than once in a graph problem (``c = c + c + 1``, ``c += 1``), as in micrograd's
tests: each assignment is a new value (micrograd's value graph), the earlier values are named c1, c2,
the last keeps the plain name.

Oracles: PyTorch float64 autograd running the same program as Python code written out in the test
(micrograd's own semantics: ``c += x`` is ``c = c + x``, each a new node), micrograd's printed
expectations (test_engine.py, to its 1e-6 tolerance), and a derivation by hand for a small case.
"""

from __future__ import annotations

import json
import textwrap
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from helpers import PROBLEMS, examples, run_cli
from helpers.bad_specs import case, check_bad_spec
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.api import render, solve_file

MICROGRAD = PROBLEMS / "micrograd.yaml"


def t(value: float) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.float64, requires_grad=True)


def micrograd_more_ops() -> dict[str, float]:
    """micrograd's test_more_ops in torch float64, with every version kept for its gradient."""
    a, b = t(-4.0), t(2.0)
    c1 = a + b
    d1 = a * b + b**3
    c2 = c1 + (c1 + 1)
    c = c2 + (1 + c2 + (-a))
    d2 = d1 + (d1 * 2 + (b + a).relu())
    d = d2 + (3 * d2 + (b - a).relu())
    e = c - d
    f = e**2
    g1 = f / 2.0
    g = g1 + 10.0 / f
    versions = {"c1": c1, "c2": c2, "c": c, "d1": d1, "d2": d2, "d": d, "g1": g1, "f": f}
    for tensor in versions.values():
        tensor.retain_grad()
    g.backward()
    out = {name: x.item() for name, x in {**versions, "e": e, "g": g}.items()}
    out.update({f"dg/d{name}": x.grad.item() for name, x in {"a": a, "b": b, **versions}.items()})
    return out


def answers(path: Path, *options: str) -> dict[str, float]:
    result = run_cli("run", path, "-f", "json", *options)
    assert result.exit_code == 0, result.stderr
    return {name: answer["value"] for name, answer in json.loads(result.stdout)["answers"].items()}


def write(folder: Path, equations: list[str], given: str = "a: -4\nb: 2", extra: str = "") -> Path:
    body = "\n".join(f"  - {equation}" for equation in equations)
    text = f"kind: graph\ntitle: T\ngiven:\n{textwrap.indent(given, '  ')}\nequations:\n{body}\n{extra}"
    path = folder / "problem.yaml"
    path.write_text(text)
    return path


def test_micrograd_more_ops_matches_torch_and_micrograds_own_expectations() -> None:
    """problems/micrograd.yaml is micrograd's test_more_ops: every value torch computes, and the
    numbers micrograd's test asserts (g = 24.70408163265306, dg/da = 138.83381924198252,
    dg/db = 645.5772594752186, within its tolerance 1e-6)."""
    got = answers(MICROGRAD)
    expected = micrograd_more_ops()
    assert set(got) == {"c1", "c2", "c", "d1", "d2", "d", "e", "f", "g1", "g", "dg/da", "dg/db"}
    for name, value in got.items():
        assert value == pytest.approx(expected[name], rel=1e-12, abs=1e-12), name
    assert abs(got["g"] - 24.70408163265306) < 1e-6
    assert abs(got["dg/da"] - 138.83381924198252) < 1e-6
    assert abs(got["dg/db"] - 645.5772594752186) < 1e-6


def test_the_exact_answers_of_the_micrograd_problem() -> None:
    """By hand: c1 = −2, c2 = 2·c1 + 1 = −3, c = 2·c2 + 1 + 4 = −1; d1 = −8 + 8 = 0, d2 = 3·d1 + relu(−2)
    = 0, d = 4·d2 + relu(6) = 6; e = −7, f = 49, g = 49/2 + 10/49 = 2421/98."""
    solution = solve_file(MICROGRAD)[0]
    exact = {answer.name: answer.value for answer in solution.answers}
    assert {name: Fraction(str(exact[name])) for name in ("c1", "c2", "c", "d1", "d2", "d", "e", "f", "g1", "g")} == {
        "c1": -2, "c2": -3, "c": -1, "d1": 0, "d2": 0, "d": 6, "e": -7, "f": 49, "g1": Fraction(49, 2),
        "g": Fraction(2421, 98)}


def test_the_gradient_with_respect_to_each_version(tmp_path: Path) -> None:
    """``wrt`` names any version: dg/dc1, dg/dc2, dg/dc (the last), as torch's retained gradients."""
    text = MICROGRAD.read_text().replace("wrt: [a, b]", "wrt: [a, b, c1, c2, c, d1, d2, d, g1, f]")
    path = tmp_path / "p.yaml"
    path.write_text(text)
    got, expected = answers(path), micrograd_more_ops()
    for name in ("c1", "c2", "c", "d1", "d2", "d", "g1", "f"):
        assert got[f"dg/d{name}"] == pytest.approx(expected[f"dg/d{name}"], rel=1e-12), name
    assert got["dg/dc1"] != got["dg/dc"]  # each version has its own gradient


def test_plain_reassignment_is_the_augmented_one(tmp_path: Path) -> None:
    """``c = c + (c + 1)`` and ``c += c + 1`` are the same program (Python's meaning of +=)."""
    augmented = answers(MICROGRAD)
    equations = ["c = a + b", "d = a * b + b**3", "c = c + (c + 1)", "c = c + (1 + c + (-a))",
                 "d = d + (d * 2 + relu(b + a))", "d = d + (3 * d + relu(b - a))", "e = c - d", "f = e**2",
                 "g = f / 2.0", "g = g + 10.0 / f"]
    assert answers(write(tmp_path, equations, extra="wrt: [a, b]")) == augmented


def test_micrograd_sanity_check(tmp_path: Path) -> None:
    """micrograd's test_sanity_check (no reassignment): y = −20 and dy/dx = 46 in micrograd's test."""
    x = t(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    equations = ["z = 2 * x + 2 + x", "q = relu(z) + z * x", "h = relu(z * z)", "y = h + q + q * x"]
    got = answers(write(tmp_path, equations, given="x: -4"))
    assert got["y"] == pytest.approx(y.item()) == -20
    assert got["dy/dx"] == pytest.approx(float(x.grad)) == 46


@pytest.mark.parametrize("operator", ["+", "-", "*", "/", "**", "@"])
def test_every_augmented_operator(operator: str, tmp_path: Path) -> None:
    """``c op= x`` is ``c = c op (x)``: the right side first, as Python computes it."""
    right = "2" if operator == "**" else "a - 1"
    once = answers(write(tmp_path, ["c = a + b", f"c {operator}= {right}"]))
    twice = answers(write(tmp_path, ["k = a + b", f"c = k {operator} ({right})"]))
    assert once["c"] == twice["c"]
    assert once["c1"] == twice["k"]


def test_versions_in_every_format() -> None:
    """The trace, the drawing and every format name the versions; the conventions say what they are."""
    solution = solve_file(MICROGRAD)[0]
    labels = [node.label for node in solution.drawings[0].nodes if node.kind == "variable"]
    assert labels[:4] == ["c1", "d1", "c2", "c"]
    text = " ".join(render([solution], "text").split())
    assert "c (assigned 3 times) has the values c1, c2 and, the last, c" in text
    assert "c2 = c1 + c1 + 1" in text
    latex = render([solution], "latex")
    assert "c_{2} = c_{1} + c_{1} + 1" in latex.replace("\\,", "")
    markdown = " ".join(render([solution], "markdown").split())
    assert "c (assigned 3 times)" in markdown
    document = json.loads(render([solution], "json"))
    assert list(document["answers"])[:4] == ["c1", "d1", "c2", "c"]


def test_an_earlier_version_as_the_loss(tmp_path: Path) -> None:
    """``loss: g1`` is the first value of g: dg1/da = (1/2)·2e·de/da with e = c − d (torch)."""
    expected_grad = {}
    a, b = t(-4.0), t(2.0)
    e = (a + b) - a * b
    g1 = e**2 / 2
    g1.backward()
    expected_grad = {"a": float(a.grad), "b": float(b.grad)}
    got = answers(write(tmp_path, ["c = a + b", "d = a * b", "g = (c - d)**2 / 2", "g = g + 1"],
                        extra="loss: g1\nwrt: [a, b]"))
    assert got["dg1/da"] == pytest.approx(expected_grad["a"]) and got["dg1/db"] == pytest.approx(expected_grad["b"])


@pytest.mark.parametrize("bad", [
    case("kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - x = x + 1  # <-\n", "equations[0]",
         "'x' is already defined by a given value", id="reassign-given"),
    case("kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - x += 1  # <-\n", "equations[0]",
         "'x' is already defined by a given value", id="augment-given"),
    case("kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - c += x  # <-\n", "equations[0]",
         "unknown name 'c'", id="augment-undefined"),
    case("kind: graph\ntitle: T\ngiven:\n  c1: 1\nequations:\n  - c = c1 + 1  # <-\n  - c = c * 2\n",
         "equations[0]", "uses 'c1'", "c is assigned 2 times", "rename", id="version-clash-given"),
    case("kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - c = x + 1  # <-\n  - c_1 = c * 2\n"
         "  - c = c_1 * 2\n", "equations[0]", "uses 'c_1'", "named c1", id="version-clash-lookalike"),
    case("kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - c = x + 1\n  - c = c * 2\nwrt: [c3]  # <-\n",
         "wrt[0]", "unknown name 'c3'", id="wrt-no-such-version"),
])
def test_bad_reassignments(bad, tmp_path: Path) -> None:
    """A given cannot be reassigned (its name means the given: wrt, answers); a version's name the problem
    uses itself is refused, not silently shadowed."""
    check_bad_spec(bad, tmp_path)


def test_names_with_a_digit_or_a_subscript(tmp_path: Path) -> None:
    """W1 assigned twice: W1_1 then W1; h_out: h_(out,1) then h_out (a subscript is not doubled)."""
    got = answers(write(tmp_path, ["W1 = a * b", "W1 = W1 + 1", "h_out = W1 * 2", "h_out += a"]))
    assert got == {"W1_1": -8, "W1": -7, "h_(out,1)": -14, "h_out": -18, "dh_out/da": 2 * 2 + 1, "dh_out/db": -8}


OPERATORS = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}


@settings(max_examples=examples(15), deadline=None)
@given(program=st.lists(st.tuples(st.sampled_from("cd"), st.sampled_from(sorted(OPERATORS)),
                          st.sampled_from(["a", "b", "c", "d"]), st.integers(-3, 3)), min_size=1, max_size=6))
def test_random_reassignments_match_torch(program: list[tuple[str, str, str, int]], tmp_path_factory) -> None:
    """Random programs ``c = a + b; d = a * b; then t op= (u + k)`` for t in c, d: dlsolve's values and
    gradients equal torch's, which runs the program with Python's rebinding."""
    a, b = t(1.5), t(-2.0)
    env = {"a": a, "b": b, "c": a + b, "d": a * b}
    equations = ["c = a + b", "d = a * b"]
    for target, operator, source, k in program:
        env[target] = OPERATORS[operator](env[target], env[source] + k)
        equations.append(f"{target} {operator}= {source} + {k}" if k >= 0 else f"{target} {operator}= {source} - {-k}")
    loss = env["c"] * env["d"] + env["c"]
    loss.backward()
    equations.append("L = c * d + c")
    path = write(tmp_path_factory.mktemp("p"), equations, given="a: 3/2\nb: -2", extra="wrt: [a, b]")
    got = answers(path)
    assert got["L"] == pytest.approx(loss.item(), rel=1e-12, abs=1e-9)
    assert got["dL/da"] == pytest.approx(float(a.grad), rel=1e-12, abs=1e-9)
    assert got["dL/db"] == pytest.approx(float(b.grad), rel=1e-12, abs=1e-9)
    assert got["c"] == pytest.approx(env["c"].item(), rel=1e-12, abs=1e-9)

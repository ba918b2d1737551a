"""Given values written as on paper get the hint equations already get (issue 15): ``2x`` (juxtaposition is
not a product), a decimal comma ``0,5``, ``1/2x``, ``2(3)``, ``sqrt 2``, ``ln2``, ``e2``, thousands separators,
and paper characters outside ASCII (``−``, ``×``, ``·``, ``½``). One message function
(``solver.expressions.unreadable_message``) serves equations and numbers.

Every bad file gets one clean message with file, line and field, exit 3 (``helpers.bad_specs``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp
from helpers import run_cli
from helpers.bad_specs import Bad, case, check_bad_spec

from solver.numbers import parse_exact

HEAD = "kind: graph\ntitle: T\ngiven:\n  x: 3\n"
TAIL = "equations:\n  - L = sum(w) * x\nloss: L\nwrt: [w]\n"
READ = "as a number or expression"
JUXTAPOSED = "values side by side (juxtaposition) do not multiply"


def given(line: str) -> str:
    """A graph problem whose given ``w`` is written as ``line`` (marked as the line the message names)."""
    return HEAD + f"  w: {line}  # <-\n" + TAIL


GIVEN_SLIPS = [
    case(given("2x"), "given.w", f"cannot read '2x' {READ}", f"{JUXTAPOSED}: write 2*x", id="number-then-name"),
    case(given("2 x"), "given.w", f"{JUXTAPOSED}: write 2*x", id="number-space-name"),
    case(given("2pi"), "given.w", f"{JUXTAPOSED}: write 2*pi", id="number-then-pi"),
    case(given("0,5"), "given.w", "a comma is not a decimal point: write 0.5", id="decimal-comma"),
    case(given("0,05"), "given.w", "a comma is not a decimal point: write 0.05", id="decimal-comma-leading-zero"),
    case(given("-0,5"), "given.w", "write -0.5", id="negative-decimal-comma"),
    case(given("1,000,000"), "given.w", "a comma is not a thousands separator: write 1000000", id="thousands"),
    case(given("1,000"), "given.w", "write 1.000", "or 1000", id="comma-ambiguous"),
    case(given("2, 5"), "given.w", "one number is expected here", "[a, b]", id="two-numbers"),
    case(given("1/2x"), "given.w", f"'2x': {JUXTAPOSED}: write 2*x",
         "1/2*x is (1/2)*x: write 1/(2*x) to divide by both", id="over-juxtaposed"),
    case(given("2(3)"), "given.w", f"'2(3)': {JUXTAPOSED}: write 2*(3)", id="number-then-bracket"),
    case(given("2 (1 + 1)"), "given.w", "write 2*(1 + 1)", id="number-space-bracket"),
    case(given("(1)(2)"), "given.w", "write (1)*(2)", id="bracket-then-bracket"),
    case(given("e(2)"), "given.w", f"{JUXTAPOSED}: write e*(2)", id="constant-called"),
    case(given("sqrt 2"), "given.w", "a function's argument goes in brackets: write sqrt(2)", id="function-space"),
    case(given("ln2"), "given.w", "unknown name 'ln2'", "write ln(2)", id="function-glued"),
    case(given("e2"), "given.w", "unknown name 'e2'", "write e^2 for a power or e*2 for a product", id="e-glued"),
    case(given("[[1, 2x]]"), "given.w", "entry [0][1]", f"{JUXTAPOSED}: write 2*x", id="matrix-entry"),
    case(given("−1"), "given.w", "'−' (U+2212) is not allowed", "(− is written -)", id="unicode-minus"),
    case(given("2×3"), "given.w", "(× is written *)", id="times-sign"),
    case(given("2·3"), "given.w", "(· is written *)", id="middle-dot"),
    case(given("½"), "given.w", "(½ is written 1/2)", id="vulgar-half"),
    case("kind: descent\ntitle: T\ngiven:\n  function: x^2\n  start: 1\n  lr: 0,1  # <-\n  iterations: 3\n",
         "given.lr", "a comma is not a decimal point: write 0.1", id="descent-rate"),
]


@pytest.mark.parametrize("bad", GIVEN_SLIPS)
def test_given_slips_get_a_hint(bad: Bad, tmp_path: Path) -> None:
    check_bad_spec(bad, tmp_path)


def test_a_flow_list_splits_a_decimal_comma(tmp_path: Path) -> None:
    """``[0,5, 1]`` is YAML's list of 0, 5 and 1 (the comma is gone before dlsolve sees it): the problem
    is then a 3-vector, which solves, and the README says to write 0.5."""
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "  w: [0,5, 1]\n" + TAIL)
    result = run_cli("run", path, "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["answers"]["L"]["exact"] == "18"  # (0 + 5 + 1)·3


def test_no_hint_invented(tmp_path: Path) -> None:
    """A slip with no known hint keeps the plain message."""
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "  w: 2 +* 3\n" + TAIL)
    result = run_cli("run", path)
    assert result.exit_code == 3
    assert result.stderr.rstrip().endswith(f"given.w: cannot read '2 +* 3' {READ}")


@pytest.mark.parametrize("text", ["e^2", "e**2", "exp(2)", "e^(1 + 1)"])
def test_caret_after_e_is_read(text: str) -> None:
    """``e^2`` needs no hint: ``^`` is the power, and e is Euler's number (sympy's E, by definition)."""
    assert parse_exact(text) == sp.exp(2)


def test_caret_given_solves(tmp_path: Path) -> None:
    """w = e^2 as a given: L = w·x = 3e², and dL/dw = x = 3 (by hand)."""
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "  w: e^2\nequations:\n  - L = w * x\nloss: L\nwrt: [w]\n")
    result = run_cli("run", path, "-f", "json")
    answers = json.loads(result.stdout)["answers"]
    assert sp.sympify(answers["L"]["exact"]) == 3 * sp.exp(2)  # the JSON's sympy-readable text, not file text
    assert answers["dL/dw"]["exact"] == "3"


EQUATION_SLIPS = [
    case("kind: graph\ntitle: T\ngiven:\n  x: 3\nequations:\n  - y = relu x  # <-\n", "equations[0]",
         "cannot read the expression 'relu x': a function's argument goes in brackets: write relu(x)",
         id="equation-function-space"),
    case("kind: graph\ntitle: T\ngiven:\n  x: 3\nequations:\n  - y = 1/2x  # <-\n", "equations[0]",
         "write 1/(2*x) to divide by both", id="equation-over-juxtaposed"),
    case("kind: graph\ntitle: T\ngiven:\n  x: 3\nequations:\n  - y = 0,5 * x  # <-\n", "equations[0]",
         "a list of values is not allowed in an equation: a comma is not a decimal point: write 0.5",
         id="equation-decimal-comma"),
    case("kind: graph\ntitle: T\ngiven:\n  x: 3\nequations:\n  - y = x, x  # <-\n", "equations[0]",
         "commas separate values, and an equation has one", id="equation-two-values"),
]


@pytest.mark.parametrize("bad", EQUATION_SLIPS)
def test_equations_share_the_hints(bad: Bad, tmp_path: Path) -> None:
    check_bad_spec(bad, tmp_path)

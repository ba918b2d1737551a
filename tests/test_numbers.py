"""The safe exact number parser: exact values, property tests, hostile input, matrices, and a
source audit that nothing in ``solver`` evaluates text as Python."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
import time
import tokenize
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import solver
from solver.numbers import NumberError, check_shape, parse_exact, parse_matrix

# --- exact values -----------------------------------------------------------------------------

EXACT = [
    pytest.param("0.2", sp.Rational(1, 5), id="decimal-0.2"),
    pytest.param("1/3", sp.Rational(1, 3), id="fraction-1-3"),
    pytest.param("-2", sp.Integer(-2), id="negative-int"),
    pytest.param("2*ln(sqrt(2))", sp.log(2), id="2ln-sqrt2"),
    pytest.param("e^-1", sp.exp(-1), id="e-caret-minus-1"),
    pytest.param("exp(-1)", sp.exp(-1), id="exp-minus-1"),
    pytest.param("pi", sp.pi, id="pi"),
    pytest.param("e", sp.E, id="e"),
    pytest.param("1e-3", sp.Rational(1, 1000), id="sci-1e-3"),
    pytest.param("sigmoid(ln(2))", sp.Rational(2, 3), id="sigmoid-ln2"),
    pytest.param("sigmoid(2*ln(2))", sp.Rational(4, 5), id="sigmoid-2ln2"),
    pytest.param("1.5*ln(sqrt(2))", 3 * sp.log(2) / 4, id="1.5ln-sqrt2"),
    pytest.param(" 0.25 ", sp.Rational(1, 4), id="surrounding-spaces"),
    pytest.param("2^-1", sp.Rational(1, 2), id="caret-power"),
    pytest.param("-2^2", sp.Integer(-4), id="unary-minus-binds-looser"),
    pytest.param("sqrt(8)", 2 * sp.sqrt(2), id="sqrt8"),
    pytest.param("tanh(0)", sp.Integer(0), id="tanh0"),
    pytest.param(3, sp.Integer(3), id="yaml-int"),
    pytest.param(0.1, sp.Rational(1, 10), id="python-float-shortest-text"),
]


@pytest.mark.parametrize(("text", "expected"), EXACT)
def test_exact_values(text, expected):
    value = parse_exact(text)
    assert sp.simplify(value - expected) == 0
    assert value == expected  # structurally equal too: no floats anywhere
    assert not value.atoms(sp.Float)


def test_decimal_is_not_the_binary_double():
    assert parse_exact("0.1") + parse_exact("0.2") == parse_exact("0.3")
    assert parse_exact("0.1") != sp.Rational(0.1)  # the double 0.1 is not 1/10


# --- property tests ---------------------------------------------------------------------------

FRACTIONS = st.fractions(min_value=-(10**12), max_value=10**12, max_denominator=10**12)


@settings(max_examples=examples(150))
@given(FRACTIONS)
def test_fraction_text_parses_exactly(fraction: Fraction):
    text = f"{fraction.numerator}/{fraction.denominator}"
    assert parse_exact(text) == sp.Rational(fraction.numerator, fraction.denominator)


DECIMALS = st.integers(min_value=0, max_value=12).flatmap(
    lambda places: st.decimals(
        min_value=-(10**12), max_value=10**12, places=places, allow_nan=False, allow_infinity=False
    )
)


@settings(max_examples=examples(150))
@given(DECIMALS)
def test_decimal_text_parses_exactly(d: Decimal):
    assert parse_exact(str(d)) == sp.Rational(str(d))


@settings(max_examples=examples(100))
@given(FRACTIONS, FRACTIONS, st.sampled_from(["+", "-", "*", "/"]))
def test_arithmetic_of_two_rationals_is_exact(a: Fraction, b: Fraction, op: str):
    if op == "/" and b == 0:
        with pytest.raises(NumberError):
            parse_exact(f"({a.numerator}/{a.denominator}) / ({b.numerator}/{b.denominator})")
        return
    text = f"({a.numerator}/{a.denominator}) {op} ({b.numerator}/{b.denominator})"
    expected = {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[op]
    assert parse_exact(text) == sp.Rational(expected.numerator, expected.denominator)


# --- hostile input ----------------------------------------------------------------------------

HOSTILE = [
    pytest.param("().__class__.__bases__", id="dunder-bases"),
    pytest.param("lambda: 1", id="lambda"),
    pytest.param("x.__class__", id="attribute"),
    pytest.param("open('f')", id="open-call"),
    pytest.param("9**9**9", id="tower-9"),
    pytest.param("10**1000", id="10-pow-1000"),
    pytest.param("2^1000", id="caret-pow-1000"),
    pytest.param("(2^100)^(2^100)", id="pow-of-pow"),
    pytest.param("100^100^100", id="tower-100"),
    pytest.param("10^100*10^100*10^10", id="product-beyond-200-digits"),
    pytest.param("1+" * 500_000 + "1", id="1e6-char-expression"),
    pytest.param("1" * 10**6, id="1e6-digit-number"),
    pytest.param("1" * 61, id="61-digit-literal"),
    pytest.param("(" * 1000 + "1" + ")" * 1000, id="parens-1000-deep"),
    pytest.param("(" * 240 + "1" + ")" * 240, id="parens-240-deep-under-length-limit"),
    pytest.param("-" * 300 + "1", id="300-unary-minus"),
    pytest.param("sqrt(" * 80 + "2" + ")" * 80, id="80-nested-calls"),
    pytest.param("1/0", id="div-zero"),
    pytest.param("0/0", id="zero-over-zero"),
    pytest.param("1/(pi-pi)", id="symbolic-div-zero"),
    pytest.param("log(0)", id="log0"),
    pytest.param("ln(0.0)", id="ln0.0"),
    pytest.param("ln(-1)", id="ln-negative"),
    pytest.param("log(-e)", id="log-minus-e"),
    pytest.param("sqrt(-1)", id="sqrt-negative"),
    pytest.param("(-1)^(1/2)", id="negative-half-power"),
    pytest.param("0^-1", id="zero-negative-power"),
    pytest.param("x", id="name-x"),
    pytest.param("E", id="name-E-sympy-constant"),
    pytest.param("I", id="name-I-sympy-imaginary"),
    pytest.param("oo", id="name-oo-sympy-infinity"),
    pytest.param("__builtins__", id="name-builtins"),
    pytest.param("ln", id="bare-function-name"),
    pytest.param("abs(-1)", id="unknown-function"),
    pytest.param("float('nan')", id="float-nan"),
    pytest.param("sigmoid(1, 2)", id="two-arguments"),
    pytest.param("ln(x=1)", id="keyword-argument"),
    pytest.param("'a'", id="string-literal"),
    pytest.param("f'{1}'", id="f-string"),
    pytest.param("[1, 2]", id="list-literal"),
    pytest.param("[1][0]", id="indexing"),
    pytest.param("1 if 1 else 2", id="conditional"),
    pytest.param("1 < 2", id="comparison"),
    pytest.param("1 and 2", id="boolean-op"),
    pytest.param("not 1", id="not"),
    pytest.param("~1", id="invert"),
    pytest.param("1 % 2", id="modulo"),
    pytest.param("1 // 2", id="floor-div"),
    pytest.param("1; 2", id="two-statements"),
    pytest.param("1\n2", id="two-lines"),
    pytest.param("1j", id="imaginary-literal"),
    pytest.param("?", id="unknown-marker"),
    pytest.param("", id="empty-string"),
    pytest.param("   ", id="blank-string"),
    pytest.param(True, id="bool-true"),
    pytest.param(False, id="bool-false"),
    pytest.param(None, id="none"),
    pytest.param([1, 2], id="python-list"),
    pytest.param({"a": 1}, id="python-dict"),
    pytest.param(10**1000, id="python-int-1000-digits"),
    pytest.param(float("inf"), id="python-float-inf"),
    pytest.param(float("nan"), id="python-float-nan"),
]


def _assert_refused(value) -> NumberError:
    parse_exact("1/2")  # the first call imports sympy: not what is timed
    start = time.perf_counter()
    with pytest.raises(NumberError) as caught:
        parse_exact(value)
    assert time.perf_counter() - start < 1.0
    assert isinstance(caught.value, ValueError)
    assert str(caught.value)  # always says why
    return caught.value


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_input_is_refused_fast(value):
    _assert_refused(value)


def test_import_call_is_refused_without_side_effect(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "X"
    _assert_refused(f"__import__('os').system('touch {target}')")
    _assert_refused("__import__('os').system('touch X')")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("1/0", "division by zero", id="div-zero"),
        pytest.param("0^-1", "division by zero", id="zero-power"),
        pytest.param("log(0)", "log(0)", id="log0"),
        pytest.param("ln(-1)", "not real", id="ln-negative"),
        pytest.param("sqrt(-1)", "not a real number", id="sqrt-negative"),
        pytest.param("x", "unknown name 'x'", id="unknown-name"),
        pytest.param("?", "unknown entry", id="unknown-marker"),
        pytest.param("9**9**9", "too large", id="huge-exponent"),
        pytest.param("1" * 10**6, "longer than", id="long-text"),
        pytest.param("open('f')", "not a known function", id="open"),
        pytest.param("x.__class__", "attribute access", id="attribute"),
    ],
)
def test_refusal_says_why(text, words):
    assert words in str(_assert_refused(text))


# Malformed or oversized number literals: each must be a NumberError (a clean message), never a
# TypeError or Python's own int-conversion ValueError, and must respect MAX_DIGITS (200 digits).
LITERALS = [
    pytest.param("0x10", id="hex-literal"),
    pytest.param("0b101", id="binary-literal"),
    pytest.param("0o17", id="octal-literal"),
    pytest.param("1e400", id="sci-literal-401-digits"),
    pytest.param("1e4000", id="sci-literal-4001-digits"),
    pytest.param("1.0e9999", id="sci-literal-10000-digits"),
    pytest.param("1e999999", id="sci-literal-million-digits"),
    pytest.param(1e300, id="python-float-1e300"),
]


@pytest.mark.parametrize("value", LITERALS)
def test_malformed_or_oversized_literal_is_a_number_error(value):
    _assert_refused(value)


def test_short_exponent_literal_is_refused_fast():
    """``1e99999999`` is 10 characters but means a 100-million-digit integer: refuse it at once.

    Run in a child process with a hard timeout, because a hanging big-int conversion cannot be
    interrupted in-process.
    """
    code = (
        "import json, time\n"
        "from solver.numbers import parse_exact, NumberError\n"
        "parse_exact('1/2')  # the first call imports sympy: not what is timed\n"
        "start = time.perf_counter()\n"
        "try:\n"
        "    parse_exact('1e99999999'); outcome = 'accepted'\n"
        "except NumberError:\n"
        "    outcome = 'NumberError'\n"
        "except Exception as error:\n"
        "    outcome = type(error).__name__\n"
        "print(json.dumps([outcome, time.perf_counter() - start]))\n"
    )
    try:
        # the timeout guards against a hang (building the integer takes minutes); starting Python and
        # importing sympy on a loaded machine can take several seconds, so the refusal is timed inside
        completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("parse_exact('1e99999999') still running after 60 s (it builds a 10**8-digit integer)")
    outcome, seconds = json.loads(completed.stdout)
    assert outcome == "NumberError"
    assert seconds < 0.5  # refused from its text: about 0.1 ms; building the integer takes minutes


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("(-2)^pi", id="negative-base-irrational-power"),
        pytest.param("(-2)^sqrt(2)", id="negative-base-sqrt2-power"),
    ],
)
def test_complex_powers_are_not_real(text):
    """(-2)^pi is the complex number -7.97 - 3.80i: it must be refused like sqrt(-1)."""
    _assert_refused(text)


# --- matrices ---------------------------------------------------------------------------------


def test_matrix_from_rows():
    matrix = parse_matrix([["0.2", "1/3", 1], [-2, "pi", "exp(-1)"]])
    assert matrix.shape == (2, 3)
    assert matrix == sp.Matrix([[sp.Rational(1, 5), sp.Rational(1, 3), 1], [-2, sp.pi, sp.exp(-1)]])
    check_shape(matrix, 2, 3)


def test_flat_list_is_a_column_vector():
    vector = parse_matrix([1, "0.5", "1/4"])
    assert vector.shape == (3, 1)
    assert vector == sp.Matrix([1, sp.Rational(1, 2), sp.Rational(1, 4)])


def test_single_row():
    assert parse_matrix([[1, 2, 3]]).shape == (1, 3)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        pytest.param([[1, 2], [3]], ["ragged", "row 0 has 2", "row 1 has 1"], id="ragged"),
        pytest.param([[1, 2, 3], [4, 5, 6], [7, 8]], ["ragged", "row 2 has 2"], id="ragged-last-row"),
        pytest.param([], ["expected a matrix", "empty list"], id="empty-list"),
        pytest.param([[], []], ["row 0 is empty"], id="empty-rows"),
        pytest.param([[1, 2], 3], ["mixes numbers and lists"], id="mixed-rows"),
        pytest.param([1, [2]], ["mixes numbers and lists"], id="mixed-vector"),
        pytest.param("1, 2", ["expected a matrix"], id="text-not-list"),
        pytest.param({"a": 1}, ["expected a matrix", "mapping"], id="mapping"),
        pytest.param(None, ["expected a matrix", "null"], id="none"),
        pytest.param([[1, 2], [3, "?"]], ["entry [1][1]", "'?'", "unknown entry"], id="unknown-entry"),
        pytest.param([[1, "x"]], ["entry [0][1]", "unknown name 'x'"], id="bad-entry"),
        pytest.param([1, 2, "1/0"], ["entry [2][0]", "division by zero"], id="bad-vector-entry"),
        pytest.param([[0] * 101] * 101, ["more than 10000 entries"], id="too-many-entries"),
    ],
)
def test_bad_matrices(value, words):
    parse_exact("1/2")  # the first call imports sympy: not what is timed
    start = time.perf_counter()
    with pytest.raises(NumberError) as caught:
        parse_matrix(value)
    assert time.perf_counter() - start < 1.0
    for word in words:
        assert word in str(caught.value)


def test_check_shape_message():
    matrix = parse_matrix([[1, 2], [3, 4], [5, 6]])
    with pytest.raises(NumberError) as caught:
        check_shape(matrix, 2, 3)
    assert str(caught.value) == "expected 2×3 matrix, got 3 rows of 2"


def test_check_shape_singular_row():
    with pytest.raises(NumberError) as caught:
        check_shape(parse_matrix([[1, 2, 3]]), 3, 1)
    assert str(caught.value) == "expected 3×1 matrix, got 1 row of 3"


# --- source audit -----------------------------------------------------------------------------

FORBIDDEN = (
    "eval(",
    "exec(",
    "sympify(",
    "parse_expr(",
    "yaml.load(",
    "unsafe_load",
    "UnsafeLoader",
    "FullLoader",
    "yaml.Loader",
    "pickle",
    "__import__",
)


def _code_without_comments_and_docstrings(source: str) -> str:
    """The source with comments and bare string statements (docstrings) blanked out."""
    lines = source.splitlines()
    blank: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            blank.update(range(node.lineno, node.end_lineno + 1))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col]
    return "\n".join(line for number, line in enumerate(lines, 1) if number not in blank)


def _forbidden_uses(source: str) -> list[str]:
    code = _code_without_comments_and_docstrings(source)
    found = []
    for line in code.splitlines():
        if line.lstrip().startswith("def eval("):  # a sympy Function's eval classmethod: a definition, not a call
            continue
        for pattern in FORBIDDEN:
            # "literal_eval(" is harmless; match eval/exec only as whole names
            if pattern in ("eval(", "exec("):
                hit = any(
                    not (line[i - 1].isalnum() or line[i - 1] in "_.") if i else True
                    for i in _find_all(line, pattern)
                )
            else:
                hit = pattern in line
            if hit:
                found.append(f"{pattern!r} in: {line.strip()}")
    return found


def _find_all(text: str, pattern: str) -> list[int]:
    positions, start = [], text.find(pattern)
    while start != -1:
        positions.append(start)
        start = text.find(pattern, start + 1)
    return positions


def test_audit_finds_forbidden_calls_in_code_only():
    """The scanner itself: it flags code, not docstrings or comments."""
    sample = (
        '"""Never uses ``eval(`` or ``yaml.load(``."""\n'
        "import ast\n"
        "x = ast.literal_eval('1')  # not eval(...)\n"
        "def f():\n"
        '    """No sympify( here."""\n'
        "    return eval('1')\n"
        "y = yaml.load(text)\n"
        "class F:\n"
        "    def eval(cls, u):  # a method's definition is not a call\n"
        "        return u\n"
    )
    found = _forbidden_uses(sample)
    assert len(found) == 2
    assert "eval('1')" in found[0] and "yaml.load(text)" in found[1]


SOLVER_SOURCES = sorted(Path(solver.__file__).resolve().parent.rglob("*.py"))


def test_solver_sources_are_found():
    names = {path.name for path in SOLVER_SOURCES}
    assert {"numbers.py", "yamlfile.py", "spec.py", "plumbing.py"} <= names


@pytest.mark.parametrize(
    "path", SOLVER_SOURCES, ids=[str(p.relative_to(Path(solver.__file__).resolve().parent)) for p in SOLVER_SOURCES]
)
def test_no_code_evaluation_in_solver(path: Path):
    assert _forbidden_uses(path.read_text(encoding="utf-8")) == []

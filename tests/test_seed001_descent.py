"""Kind ``descent`` (seed 001, the slides' PyTorch "hello world"): gradient descent on one variable.

Oracles: the slides' loop run in PyTorch float64 (autograd for the derivative), exact fractions
iterated by hand in the test (``fractions.Fraction``, the derivative written out), the stationary
point by the quadratic formula, and, for random quadratics, the closed form
x_k − x* = (1 − 2aη)^k·(x_0 − x*). Bad files get one clean message each.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from helpers import PROBLEMS, examples, run_cli
from helpers.bad_specs import Bad, case, check_bad_spec
from hypothesis import given, settings
from hypothesis import strategies as st

torch.set_default_dtype(torch.float64)

SLIDES = PROBLEMS / "gradient-descent.yaml"


def answers_of(*args: str | Path) -> dict[str, dict]:
    result = run_cli("run", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["answers"]


def torch_loop(x0: float, step: float, iterations: int) -> list[tuple[float, float, float]]:
    """The slides' loop verbatim, in float64: (x, y, x.grad) before each update, then the last x."""
    x = torch.tensor(x0, requires_grad=True)
    rows = []
    for _ in range(iterations):
        y = x**4 - x**3 - 2 * x**2 + 3
        y.backward()
        rows.append((x.item(), y.item(), x.grad.item()))
        x.data = x - step * x.grad
        x.grad.zero_()
    y = x**4 - x**3 - 2 * x**2 + 3
    y.backward()
    rows.append((x.item(), y.item(), x.grad.item()))
    return rows


def test_slides_loop_agrees_with_torch() -> None:
    answers = answers_of(SLIDES)
    rows = torch_loop(2.0, 0.13, 100)
    for k in range(1, 6):
        assert math.isclose(answers[f"x_{k}"]["value"], rows[k][0], rel_tol=1e-9)
    assert math.isclose(answers["x_100"]["value"], rows[100][0], rel_tol=1e-9)
    assert math.isclose(answers["f(x_100)"]["value"], rows[100][1], rel_tol=1e-9)
    assert abs(answers["f'(x_100)"]["value"]) < 1e-12 and abs(rows[100][2]) < 1e-12  # both at the minimum


def test_slides_first_iterates_are_exact_fractions() -> None:
    # f'(x) = 4x³ − 3x² − 4x; x1 = 2 − 13/100·12 = 11/25; x2 = 11/25 + 13/100·31251/15625
    def step(x: Fraction) -> Fraction:
        return x - Fraction(13, 100) * (4 * x**3 - 3 * x**2 - 4 * x)

    x1 = step(Fraction(2))
    x2 = step(x1)
    assert x1 == Fraction(11, 25)
    answers = answers_of(SLIDES)
    assert answers["x_1"]["exact"] == "11/25"
    assert answers["x_2"]["exact"] == f"{x2.numerator}/{x2.denominator}"
    # x3 has 19-digit numbers (> 12): from x3 on the iterates are floats, shown without an exact form
    x3 = step(x2)
    assert len(str(x3.denominator)) == 19
    assert answers["x_3"]["exact"] is None
    assert math.isclose(answers["x_3"]["value"], float(x3), rel_tol=1e-12)


def test_slides_stationary_point_by_the_quadratic_formula() -> None:
    # f'(x) = x·(4x² − 3x − 4): the positive root of the quadratic is (3 + √73)/8, f'' = 12x² − 6x − 4 > 0 there
    answers = answers_of(SLIDES)
    assert answers["x*"]["exact"] == "3/8 + sqrt(73)/8"
    root = (3 + math.sqrt(73)) / 8
    assert math.isclose(answers["x*"]["value"], root, rel_tol=1e-15)
    assert 12 * root**2 - 6 * root - 4 > 0
    assert math.isclose(answers["x_100"]["value"], root, rel_tol=1e-12)


def test_trace_says_where_exact_arithmetic_stops() -> None:
    result = run_cli("run", SLIDES, "--format", "json", "--detail", "full")
    steps = json.loads(result.stdout)["steps"]
    switch = [s for s in steps if "floating point" in str(s["title"])]
    assert len(switch) == 1
    assert "From x_3 on" in switch[0]["title"] and "19-digit" in switch[0]["note"]
    table = next(s for s in steps if str(s["title"]).startswith("Iterations 6 to 100"))
    assert len(table["substeps"]) == 95  # every iterate at full detail


@pytest.mark.parametrize("detail, rows", [("brief", 10), ("standard", 10), ("full", 95)])
def test_table_is_summarized_below_full(detail: str, rows: int) -> None:
    result = run_cli("run", SLIDES, "--format", "json", "--detail", detail)
    steps = json.loads(result.stdout)["steps"]
    table = next(s for s in steps if str(s["title"]).startswith("Iterations 6 to 100"))
    assert len(table["substeps"]) == rows


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown"])
def test_every_format_shows_the_iterates(fmt: str) -> None:
    result = run_cli("run", SLIDES, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "1093763" in result.stdout and "floating point" in result.stdout
    assert "73" in result.stdout  # x* = 3/8 + √73/8


def write(tmp_path: Path, given: dict) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(json.dumps({"kind": "descent", "title": "t", "given": given}))
    return path


@settings(max_examples=examples(15), deadline=None)
@given(a=st.integers(1, 5), b=st.integers(-6, 6), x0=st.integers(-5, 5), denominator=st.integers(8, 40),
       iterations=st.integers(1, 12))
def test_quadratics_follow_the_closed_form(tmp_path_factory, a: int, b: int, x0: int, denominator: int,
                                           iterations: int) -> None:
    # f = a·x² + b·x: f' = 2ax + b, x* = −b/(2a), and x_k − x* = (1 − 2aη)^k·(x_0 − x*) exactly
    eta = Fraction(1, denominator)
    path = write(tmp_path_factory.mktemp("q"), {"function": f"{a}*x^2 + {b}*x", "start": x0,
                                                "lr": f"1/{denominator}", "iterations": iterations,
                                                "shown": iterations})
    answers = answers_of(path)
    star = Fraction(-b, 2 * a)
    for k in range(1, iterations + 1):
        expected = star + (1 - 2 * a * eta) ** k * (x0 - star)
        answer = answers[f"x_{k}"]
        if answer["exact"] is not None:
            assert Fraction(answer["exact"]) == expected
        assert math.isclose(answer["value"], float(expected), rel_tol=1e-9, abs_tol=1e-12)


def test_transcendental_function_and_other_variable(tmp_path: Path) -> None:
    # f(w) = exp(w) − 2w: f' = e^w − 2, minimum at ln 2; checked against torch autograd step by step
    path = write(tmp_path, {"function": "exp(w) - 2*w", "variable": "w", "start": 0, "lr": 0.5,
                            "iterations": 30, "shown": 2})
    answers = answers_of(path)
    assert answers["w_1"]["exact"] == "1/2"  # 0 − 1/2·(1 − 2)
    w = torch.tensor(0.0, requires_grad=True)
    for _ in range(30):
        (torch.exp(w) - 2 * w).backward()
        w.data = w - 0.5 * w.grad
        w.grad.zero_()
    assert math.isclose(answers["w_30"]["value"], w.item(), rel_tol=1e-9)
    assert math.isclose(answers["w_30"]["value"], math.log(2), rel_tol=1e-6)
    assert "w*" not in answers  # not a polynomial: no exact stationary point claimed


def test_domain_left_is_an_answer_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path, {"function": "ln(x) + x^2", "start": 1, "lr": 2, "iterations": 3})
    result = run_cli("run", path)
    assert result.exit_code == 1 and result.stdout == "" and "Traceback" not in result.stderr
    assert "leaves the domain" in result.stderr


def test_divergence_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, {"function": "x^4", "start": 2, "lr": 1, "iterations": 100})
    result = run_cli("run", path)
    assert result.exit_code == 1 and "diverges" in result.stderr and "Traceback" not in result.stderr


HEAD = "kind: descent\ntitle: T\ngiven:\n"
OK = {"function": "  function: x^2\n", "start": "  start: 1\n", "lr": "  lr: 0.1\n", "iterations": "  iterations: 3\n"}


def spec(**replace: str) -> str:
    return HEAD + "".join(replace.get(key, line) for key, line in OK.items()) + replace.get("extra", "")


BAD = [
    case(spec(function="  function: x^^2  # <-\n"), "given.function", "cannot read", id="function-unreadable"),
    case(spec(function="  function: y^2  # <-\n"), "given.function", "unknown name 'y'", id="function-other-name"),
    case(spec(function="  function: 3  # <-\n"), "given.function", "expected a function of x", id="function-constant"),
    case(spec(function="  function: [1, 2]  # <-\n"), "given.function", "expected the function as text", id="function-list"),
    case(spec(lr="  lr: 0  # <-\n"), "given.lr", "expected a positive step size", id="lr-zero"),
    case(spec(lr="  lr: -1/2  # <-\n"), "given.lr", "expected a positive step size", id="lr-negative"),
    case(spec(lr="  lr: fast  # <-\n"), "given.lr", "unknown name 'fast'", id="lr-text"),
    case(spec(start="  start: ln(-1)  # <-\n"), "given.start", "not real", id="start-not-real"),
    case(spec(iterations="  iterations: 0  # <-\n"), "given.iterations", "from 1 to 10,000", id="iterations-zero"),
    case(spec(iterations="  iterations: true  # <-\n"), "given.iterations", "got true", id="iterations-bool"),
    case(spec(iterations="  iterations: 100000  # <-\n"), "given.iterations", "10,000", id="iterations-huge"),
    case(spec(extra="  variable: e  # <-\n"), "given.variable", "expected a plain name", id="variable-e"),
    case(spec(extra="  variable: 2x  # <-\n"), "given.variable", "expected a plain name", id="variable-bad"),
    case(spec(extra="  shown: -1  # <-\n"), "given.shown", "from 0 to 10,000", id="shown-negative"),
    case(spec(extra="  every: 0  # <-\n"), "given.every", "greater than or equal to 1", id="every-zero"),
    case(spec(extra="  step: 0.1  # <-\n"), "given.step", "unknown field", id="unknown-field"),
]


@pytest.mark.parametrize("bad", BAD)
def test_bad_descent_specs(bad: Bad, tmp_path: Path) -> None:
    check_bad_spec(bad, tmp_path)

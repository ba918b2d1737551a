"""Kind ``relu-pieces`` (seed 001, universal approximation): h(x) = Σ a_k·max(x − c_k, 0) + b.

Oracles: PyTorch float64 (``torch.relu`` of the units, the weighted sum) for the values, and
central differences of that torch function at each piece's midpoint for the slopes; the slides'
construction also by hand. Bad files get one clean message each.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
import torch
from helpers import PROBLEMS, examples, run_cli
from helpers.bad_specs import Bad, case, check_bad_spec
from hypothesis import given, settings
from hypothesis import strategies as st

torch.set_default_dtype(torch.float64)

SLIDES = PROBLEMS / "universal-approximation.yaml"


def answers_of(path: Path) -> dict[str, dict]:
    result = run_cli("run", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["answers"]


def torch_h(knots: list[float], weights: list[float], bias: float, x: torch.Tensor) -> torch.Tensor:
    units = torch.relu(x[:, None] - torch.tensor(knots, dtype=torch.float64)[None, :])
    return units @ torch.tensor(weights, dtype=torch.float64) + bias


def midpoints(knots: list[float]) -> list[float]:
    """A point inside every piece: left of the first knot, between knots, right of the last."""
    return [knots[0] - 1] + [(a + b) / 2 for a, b in pairwise(knots)] + [knots[-1] + 1]


def check_against_torch(answers: dict, knots: list, weights: list, bias: float, points: list) -> None:
    values = torch_h(knots, weights, bias, torch.tensor(points, dtype=torch.float64))
    for x, value in zip(points, values.tolist()):
        assert answers[f"h({x})"]["value"] == pytest.approx(value, rel=1e-12, abs=1e-12)
    step = 1e-6
    for j, m in enumerate(midpoints(knots)):
        around = torch_h(knots, weights, bias, torch.tensor([m - step, m + step]))
        slope = (around[1] - around[0]).item() / (2 * step)
        assert answers[f"slope_{j}"]["value"] == pytest.approx(slope, abs=1e-6)


def test_slides_construction() -> None:
    # by hand: h = x − (x−1)₊ + 2(x−2)₊ − 3(x−3)₊ + (x−6)₊; slopes 0, 1, 0, 2, −1, 0 on the six pieces
    answers = answers_of(SLIDES)
    assert [answers[f"h({x})"]["exact"] for x in range(8)] == ["0", "1", "1", "3", "2", "1", "0", "0"]
    assert [answers[f"slope_{j}"]["exact"] for j in range(6)] == ["0", "1", "0", "2", "-1", "0"]
    check_against_torch(answers, [0, 1, 2, 3, 6], [1, -1, 2, -3, 1], 0, list(range(8)))


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown"])
def test_every_format_shows_pieces_and_values(fmt: str) -> None:
    result = run_cli("run", SLIDES, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "Pieces and slopes" in result.stdout and "max" in result.stdout


def write(tmp_path: Path, given: dict) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(json.dumps({"kind": "relu-pieces", "title": "t", "given": given}))
    return path


@settings(max_examples=examples(15), deadline=None)
@given(knots=st.lists(st.integers(-8, 8), min_size=1, max_size=5, unique=True).map(sorted),
       weights=st.lists(st.integers(-4, 4), min_size=5, max_size=5), bias=st.integers(-3, 3),
       points=st.lists(st.integers(-10, 10), min_size=1, max_size=6, unique=True))
def test_random_constructions_agree_with_torch(tmp_path_factory, knots, weights, bias, points) -> None:
    weights = weights[:len(knots)]
    path = write(tmp_path_factory.mktemp("r"), {"knots": knots, "weights": weights, "bias": bias, "points": points})
    check_against_torch(answers_of(path), knots, weights, bias, points)


def test_fractional_knots_stay_exact(tmp_path: Path) -> None:
    # h = 2·(x − 1/2)₊ at x = 3/4: 2·1/4 = 1/2
    answers = answers_of(write(tmp_path, {"knots": ["1/2"], "weights": [2], "points": ["3/4"]}))
    assert answers["h(3/4)"]["exact"] == "1/2"


HEAD = "kind: relu-pieces\ntitle: T\ngiven:\n"
OK = {"knots": "  knots: [0, 1]\n", "weights": "  weights: [1, -1]\n", "points": "  points: [0, 1, 2]\n"}


def spec(**replace: str) -> str:
    return HEAD + "".join(replace.get(key, line) for key, line in OK.items()) + replace.get("extra", "")


BAD = [
    case(spec(knots="  knots: [1, 0]  # <-\n"), "given.knots[1]", "increasing order", "got 0 after 1", id="knots-order"),
    case(spec(knots="  knots: [0, 0]  # <-\n"), "given.knots[1]", "increasing order", id="knots-repeated"),
    case(spec(knots="  knots: 3  # <-\n"), "given.knots", "expected a list of numbers", id="knots-number"),
    case(spec(knots="  knots: []  # <-\n"), "given.knots", "expected a list of numbers", id="knots-empty"),
    case(spec(knots="  knots: [0, x]  # <-\n"), "given.knots", "entry [1]", "unknown name 'x'", id="knots-name"),
    case(spec(weights="  weights: [1]  # <-\n"), "given.weights", "one weight per knot (2), got 1", id="weights-short"),
    case(spec(weights="  weights: [[1], [2]]  # <-\n"), "given.weights", "expected a list of numbers", id="weights-nested"),
    case(spec(points="  points: [1/0]  # <-\n"), "given.points", "division by zero", id="points-div-zero"),
    case(spec(points="  points: [" + ", ".join(["1"] * 201) + "]  # <-\n"), "given.points", "at most 200",
         id="points-too-many"),
    case(spec(extra="  bias: true  # <-\n"), "given.bias", "expected a number", id="bias-bool"),
    case(spec(extra="  slopes: [1]  # <-\n"), "given.slopes", "unknown field", id="unknown-field"),
]


@pytest.mark.parametrize("bad", BAD)
def test_bad_relu_pieces_specs(bad: Bad, tmp_path: Path) -> None:
    check_bad_spec(bad, tmp_path)

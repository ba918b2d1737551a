"""One-element lists are vectors: ``b2: [1/2]`` (and ``[[1/2]]``) gives vectors of length 1, not numbers.

Sources of the expected values: PyTorch float64 with autograd, the same network written with ``b2`` a
tensor of shape ``(1,)`` (or ``(1, 1)``): its values, gradients and SGD update, shapes included
(``tolist()`` of a ``(1,)`` tensor is a one-element list, which is how the JSON contract writes a
column vector). A plain number ``b2: 1/2`` is torch's 0-dimensional tensor: answers stay numbers.
The loss is a number either way (dlsolve's convention: a loss is a number; torch's ``(1,)`` loss is
read with ``.item()``).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml
from helpers import PROBLEMS, examples, run_cli
from helpers.graph_torch import assert_close
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.api import render, solve_file
from solver.trace import Forward

torch.set_default_dtype(torch.float64)
FILE = PROBLEMS / "one-output-unit.yaml"


def spec(b2: Any, x: list[Any] | None = None, y: Any = 1) -> dict:
    """The bank's 2-2-1 network with the output bias written as ``b2``."""
    problem = yaml.safe_load(FILE.read_text())
    problem["given"]["b2"] = b2
    if x is not None:
        problem["given"]["x"] = x
    problem["given"]["y"] = y
    return problem


def answers(problem: dict, tmp: Path, *args: str) -> dict[str, Any]:
    """dlsolve's JSON answer values (floats, lists for vectors) through the CLI."""
    file = tmp / "p.yaml"
    file.write_text(json.dumps(problem))
    result = run_cli("run", file, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return {name: answer["value"] for name, answer in json.loads(result.stdout)["answers"].items()}


def to_float(value: Any) -> float:
    return float(Fraction(str(value)))


def oracle(problem: dict, bias_shape: tuple[int, ...]) -> dict[str, Any]:
    """The network in torch float64, ``b2`` of shape ``bias_shape``: forward, autograd, one SGD step."""
    g = problem["given"]
    x = torch.tensor([to_float(v) for v in g["x"]]).reshape(2, 1)
    W1 = torch.tensor([[to_float(v) for v in row] for row in g["W1"]], requires_grad=True)
    b1 = torch.tensor([to_float(v) for v in g["b1"]]).reshape(2, 1).requires_grad_()
    W2 = torch.tensor([[to_float(v) for v in row] for row in g["W2"]], requires_grad=True)
    b2_value = g["b2"]
    while isinstance(b2_value, list):
        b2_value = b2_value[0]
    b2 = torch.full(bias_shape, to_float(b2_value), requires_grad=True)
    y = torch.tensor(to_float(g["y"]))
    h = torch.relu(W1 @ x + b1)
    yhat = (W2 @ h).reshape(bias_shape) + b2  # W2·h is 1×1; the bias decides the shape
    L = ((yhat - y) ** 2).sum()
    L.backward()
    lr = to_float(problem["update"]["lr"])
    out: dict[str, Any] = {"h": h.reshape(2).tolist(), "yhat": yhat.tolist(), "L": L.item()}
    for name, p in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)):
        assert p.grad is not None
        grad, new = p.grad, p.detach() - lr * p.grad
        if name == "b1":
            grad, new = grad.reshape(2), new.reshape(2)
        out[f"dL/d{name}"], out[f"{name}_new"] = grad.tolist(), new.tolist()
    return out


def flat(value: Any) -> Any:
    """A ``(1, 1)`` tensor's list ``[[v]]`` as the JSON contract writes a 1×1 matrix: a column, ``[v]``."""
    return [value[0][0]] if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list) \
        and len(value[0]) == 1 else value


def test_bank_file_matches_torch_with_shapes(tmp_path: Path) -> None:
    ours = answers(yaml.safe_load(FILE.read_text()), tmp_path)
    theirs = oracle(yaml.safe_load(FILE.read_text()), (1,))
    assert ours["yhat"] == [-7.5] and ours["dL/db2"] == [-17.0] and ours["b2_new"] == [2.2]  # derived by hand
    assert_close(ours, theirs)
    assert set(ours) == set(theirs)


def test_one_by_one_matrix_is_a_vector_of_length_one(tmp_path: Path) -> None:
    problem = spec([["1/2"]])
    theirs = {name: flat(value) for name, value in oracle(problem, (1, 1)).items()}
    assert_close(answers(problem, tmp_path), theirs)


def test_plain_number_stays_a_scalar(tmp_path: Path) -> None:
    problem = spec("1/2")
    ours = answers(problem, tmp_path)
    assert_close(ours, oracle(problem, ()))
    assert all(isinstance(ours[name], float) for name in ("yhat", "L", "dL/db2", "b2_new"))


def test_exact_forms_are_matrices() -> None:
    [solution] = solve_file(FILE)
    document = json.loads(render([solution], "json"))["answers"]
    assert document["yhat"]["exact"] == "Matrix([-15/2])"
    assert document["b2_new"]["exact"] == "Matrix([11/5])"
    assert document["dL/db2"]["latex"] == r"\left[\begin{matrix}-17\end{matrix}\right]"
    assert document["L"]["exact"] == "289/4"  # the loss is a number


@pytest.mark.parametrize("fmt, shown", [
    ("text", "[11/5]"),
    ("markdown", r"\left[\begin{matrix}\frac{11}{5}\end{matrix}\right]"),
    ("latex", r"\left[\begin{matrix}\frac{11}{5}\end{matrix}\right]"),
])
def test_every_format_shows_vectors(fmt: str, shown: str) -> None:
    [solution] = solve_file(FILE)
    for detail in ("brief", "standard", "full"):
        out = render([solution], fmt, detail=detail)
        assert shown in out, (fmt, detail)
    text = render([solution], "text")
    assert "b2_new  =  [11/5]" in text and "yhat    =  [-15/2]" in text and "L       =  289/4" in text


def test_steps_show_the_vector_results() -> None:
    [solution] = solve_file(FILE)
    results = {step.record.name: step.result for step in solution.steps[1].substeps
               if isinstance(step.record, Forward)}
    assert results["yhat"].shape == (1, 1) and not hasattr(results["L"], "shape")
    given = {g.name: g.value for g in solution.given}
    assert given["b2"].shape == (1, 1) and not hasattr(given["y"], "shape")
    drawn = {node.label: node for node in solution.drawings[0].nodes}
    assert drawn["b2"].value.shape == (1, 1) and drawn["b2"].grad.shape == (1, 1)
    assert not hasattr(drawn["L"].value, "shape")


def test_reductions_give_numbers(tmp_path: Path) -> None:
    problem = {"kind": "graph", "title": "t", "given": {"b": [3], "c": 2},
               "equations": ["s = b * c", "t = sum(s)", "u = s[0]", "L = t * u"]}
    ours = answers(problem, tmp_path)
    b = torch.tensor([3.0], requires_grad=True)
    s = b * 2
    t, u = s.sum(), s[0]
    L = t * u
    L.backward()
    assert b.grad is not None
    assert_close(ours, {"s": s.tolist(), "t": t.item(), "u": u.item(), "L": L.item(), "dL/db": b.grad.tolist(),
                        "dL/dc": 2 * 3.0 * 2 * 3.0})  # ∂(c²b²)/∂c = 2cb²


def test_observations_keep_the_vector(tmp_path: Path) -> None:
    problem = spec(["1/2"])
    problem["update"]["data"] = [{"x": [1, 2], "y": 1}, {"x": [0, 1], "y": 0}]
    ours = answers(problem, tmp_path)
    assert isinstance(ours["b2_new"], list) and len(ours["b2_new"]) == 1
    assert isinstance(ours["L_1"], float) and isinstance(ours["L_2"], float)
    first = oracle(spec(["1/2"]), (1,))
    second = spec([str(Fraction(first["b2_new"][0]).limit_denominator())], x=[0, 1], y=0)
    for name in ("W1", "b1", "W2"):
        value = first[f"{name}_new"]
        second["given"][name] = [[str(Fraction(v).limit_denominator()) for v in row] for row in value] \
            if isinstance(value[0], list) else [str(Fraction(v).limit_denominator()) for v in value]
    assert_close(ours["b2_new"], oracle(second, (1,))["b2_new"])


@settings(max_examples=examples(15), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.fractions(-4, 4, max_denominator=4), st.lists(st.integers(-3, 3), min_size=2, max_size=2),
       st.integers(-2, 2))
def test_random_biases_match_torch(tmp_path: Path, b2: Fraction, x: list[int], y: int) -> None:
    problem = spec([str(b2)], x=x, y=y)
    theirs = oracle(problem, (1,))
    # a ReLU input exactly 0: torch and dlsolve both take ReLU'(0) = 0, so no draw is discarded
    assert_close(answers(problem, tmp_path), theirs)

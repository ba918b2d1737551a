"""kind: gan — the generated samples G(z_i) and the discriminator's outputs D(x_i), D(G(z_i)) are answers.

Sources of the expected values:
- the PyTorch float64 oracle ``gan_torch.evaluate`` (``torch.nn`` layers, autograd, ``torch.optim.SGD``;
  it never reads ``solver/``): ``xg_<i>`` is ``G(z_i)`` as the discriminator's step computes it,
  ``Dr_<i>`` and ``Df_<i>`` the sigmoid of its logits;
- by hand on the final exam Q6 (problems/gan.yaml): G(z) = ReLU(Wg2·ReLU(Wg1·z)) with Wg1 = (1, −1)ᵀ,
  Wg2 = [[1, 2], [2, 1]]: z = −1/2 gives ReLU(−1/2, 1/2) = (0, 1/2), then (1, 1/2); z = 1/2 gives
  (1/2, 0), then (1/2, 1); z = 0 gives (0, 0).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import yaml
from helpers import PROBLEMS, examples, run_cli
from helpers.gan_specs import gan_givens
from helpers.gan_torch import evaluate
from helpers.graph_torch import assert_close
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.control import currently_in_test_context

from solver.api import render, solve_file

torch.set_default_dtype(torch.float64)
GAN_FILE = PROBLEMS / "gan.yaml"
SAMPLE = ("xg_", "Dr_", "Df_")


def exam() -> dict:
    return yaml.safe_load(GAN_FILE.read_text())


def answers(given_: dict, tmp: Path) -> dict[str, dict]:
    file = tmp / "gan.yaml"
    file.write_text(json.dumps({"kind": "gan", "title": "gan answers", "given": given_}))
    result = run_cli("run", file, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["answers"]


def samples_of(values: dict) -> dict:
    return {name: value for name, value in values.items() if name.startswith(SAMPLE)}


def check_samples(given_: dict, tmp: Path) -> dict:
    """dlsolve's sample answers are exactly torch's, by name, value and layout."""
    expected, notes = evaluate(given_)
    if currently_in_test_context():  # a random draw near a kink is redrawn
        assume(not notes.ambiguous)
    else:  # a fixed example must not be ambiguous
        assert not notes.ambiguous
    ours = {name: a["value"] for name, a in answers(given_, tmp).items()}
    assert set(samples_of(ours)) == set(samples_of(expected))
    assert_close(samples_of(expected), samples_of(ours))
    return ours


def test_exam_samples_by_hand_and_torch(tmp_path: Path) -> None:
    ours = check_samples(exam()["given"], tmp_path)
    assert ours["xg_1"] == [1.0, 0.5] and ours["xg_2"] == [0.5, 1.0] and ours["xg_3"] == [0.0, 0.0]
    assert ours["Dr_1"] == 0.5 and ours["Df_3"] == 0.5  # D(0) = σ(0)
    assert [n for n in ours if n.startswith(SAMPLE)] == ["xg_1", "Dr_1", "Df_1", "xg_2", "Dr_2", "Df_2",
                                                          "xg_3", "Dr_3", "Df_3"]


def test_exact_forms_and_descriptions() -> None:
    [solution] = solve_file(GAN_FILE)
    document = json.loads(render([solution], "json"))["answers"]
    assert document["xg_1"]["exact"] == "Matrix([1, 1/2])"
    assert document["xg_1"]["latex"] == r"\left[\begin{matrix}1\\\frac{1}{2}\end{matrix}\right]"
    said = {a.name: a.description for a in solution.answers}
    assert (said["xg_2"], said["Dr_2"], said["Df_2"]) == ("G(z_2)", "D(x_2)", "D(G(z_2))")


@pytest.mark.parametrize("fmt, shown", [("text", "xg_3"), ("markdown", r"\text{xg}_{3} ="),
                                        ("latex", r"\text{xg}_{3} &=")])
def test_every_format_lists_the_samples(fmt: str, shown: str) -> None:
    [solution] = solve_file(GAN_FILE)
    out = render([solution], fmt, detail="brief")
    answers_part = out[out.rindex("Answers"):]
    assert shown in answers_part, answers_part[:400]


@pytest.mark.parametrize("order", ["discriminator_first", "generator_first"])
def test_two_discriminator_steps_and_both_orders(order: str, tmp_path: Path) -> None:
    spec = exam()["given"]
    spec["generator"][1]["bias"] = ["1/4", "-1/2"]
    spec.update(order=order, d_steps=2, lr="1/2")
    ours = check_samples(spec, tmp_path)
    assert {"xg_1_1", "xg_1_2", "Df_3_2"} <= set(ours) and "xg_1" not in ours
    if order == "generator_first":  # the discriminator's step reads the generator after its own update
        before = check_samples({**spec, "order": "discriminator_first"}, tmp_path)
        assert ours["xg_1_1"] == ours["xg_1_2"] and ours["xg_1_1"] != before["xg_1_1"]


def test_one_number_samples_are_numbers(tmp_path: Path) -> None:
    spec = {"generator": [{"weights": [["3/4"]], "activation": "tanh", "bias": ["1/2"]}],
            "discriminator": [{"weights": [["-1/2"]], "activation": "sigmoid"}],
            "noise": ["1/2", -1], "data": [1, "1/4"], "lr": "1/2"}
    ours = check_samples(spec, tmp_path)
    assert math.isclose(ours["xg_1"], math.tanh(3 / 8 + 1 / 2), rel_tol=1e-12)  # G(1/2) = tanh(3/4·1/2 + 1/2)


@settings(max_examples=examples(10), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=gan_givens())
def test_random_gan_samples_match_torch(spec: dict, tmp_path: Path) -> None:
    ours = check_samples(spec, tmp_path)
    m = len(spec["noise"])
    suffixes = [f"_{k}" for k in range(1, spec.get("d_steps", 1) + 1)] if spec.get("d_steps", 1) > 1 else [""]
    assert {f"{p}{i}{s}" for p in SAMPLE for i in range(1, m + 1) for s in suffixes} == set(samples_of(ours))

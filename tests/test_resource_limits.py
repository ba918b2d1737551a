"""Resource limits (issue 8, part 4): exact arithmetic that would blow up is detected before it runs
for minutes. Each case would otherwise take from tens of seconds to hours (measured before the limit
existed: the RNN with a bias of 10^6 did not finish in 60 s); now each finishes within seconds and
says what it did. The time bounds are generous so that a slow CI machine passes. ``--timeout`` is the
backstop for the rest (tests/test_graph.py::test_timeout_stops_a_long_exact_solve)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, run_cli

from solver.errors import EXIT_BAD_SPEC, EXIT_UNSOLVED

SECONDS = 10.0


def solve(tmp_path: Path, spec: dict | str, *options: str) -> tuple[int, str, str, float]:
    """``dlsolve run`` on a spec: exit code, stdout, stderr and the CPU time this process spent on it (the
    run is in-process; CPU time, unlike wall time, does not grow when other test workers load the machine)."""
    file = tmp_path / "spec.yaml"
    file.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    start = time.process_time()
    result = run_cli("run", file, *options)
    return result.exit_code, result.stdout, result.stderr, time.process_time() - start


def test_givens_beyond_ten_thousand_numbers_are_refused_before_parsing(tmp_path: Path) -> None:
    big = [[1] * 101 for _ in range(100)]  # 10,100 numbers
    code, _, stderr, seconds = solve(tmp_path, {"kind": "graph", "title": "T", "given": {"W": big, "x": [1] * 101},
                                                "equations": ["L = sum(W @ x)"]}, "-o", str(tmp_path / "out"))
    assert code == EXIT_BAD_SPEC and seconds < SECONDS
    assert ": given.W: the givens have more than 10,000 entries in all" in stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_large_exact_matrix_product_switches_to_floating_point_up_front(tmp_path: Path) -> None:
    # A (40×40) @ B (40×40) needs 64,000 exact products. A[i][j] = 1/(i+j+1) (Hilbert), B all 1/3:
    # L = sum(A @ B) = (1/3)·40·Σ_ij 1/(i+j+1), computed here with fractions.
    from fractions import Fraction

    n = 40
    hilbert = [[f"1/{i + j + 1}" for j in range(n)] for i in range(n)]
    thirds = [["1/3"] * n for _ in range(n)]
    expected = float(Fraction(1, 3) * n * sum(Fraction(1, i + j + 1) for i in range(n) for j in range(n)))
    code, stdout, stderr, seconds = solve(tmp_path, {"kind": "graph", "title": "T", "given": {"A": hilbert, "B": thirds},
                                                     "equations": ["L = sum(A @ B)"], "wrt": []}, "-f", "json")
    assert code == 0, stderr
    assert seconds < SECONDS
    document = json.loads(stdout)
    assert math.isclose(document["answers"]["L"]["value"], expected, rel_tol=1e-12)
    assert "A·B needs 64,000 exact products (more than 40,000)" in json.dumps(document["steps"], ensure_ascii=False)


def test_an_exponential_of_a_huge_input_is_computed_in_floating_point(tmp_path: Path) -> None:
    # σ(10^6) is 1 − e^(−10^6): exactly, sympy would work with e^(10^6) (434,295 digits).
    code, stdout, stderr, seconds = solve(tmp_path, {"kind": "graph", "title": "T", "given": {"w": 1000000, "x": 1},
                                                     "equations": ["L = sigmoid(w * x)"]}, "-f", "json")
    assert code == 0, stderr
    assert seconds < SECONDS
    document = json.loads(stdout)
    assert document["answers"]["L"]["value"] == 1.0 and document["answers"]["dL/dw"]["value"] == 0.0
    assert "takes e to the power of an entry of w·x ≈ 1e+06, beyond ±1000" in json.dumps(document["steps"],
                                                                                       ensure_ascii=False)


def test_an_rnn_with_a_huge_bias_finishes_in_seconds(tmp_path: Path) -> None:
    # problems/rnn.yaml with b_h = (0, 10^6) over 4 steps: ran until --timeout before the limit.
    tree = yaml.safe_load((ROOT / "problems" / "rnn.yaml").read_text(encoding="utf-8"))
    tree["given"]["b_h"] = [0, 1000000]
    tree["given"]["x"] = tree["given"]["x"] + [tree["given"]["x"][-1]] * 2
    code, stdout, stderr, seconds = solve(tmp_path, tree, "-f", "json", "--timeout", "60")
    assert code == 0, stderr
    assert seconds < SECONDS
    h4 = json.loads(stdout)["answers"]["h4"]["value"]
    assert h4[1] == 1.0  # σ(10^6 + …) rounds to 1 in float64


def test_exploding_symbolic_forms_stop_with_a_clear_message(tmp_path: Path) -> None:
    equations = ["z0 = a"] + [f"z{i} = sigmoid(z{i - 1}) * a + z{i - 1}" for i in range(1, 40)] + ["L = z39"]
    code, _, stderr, seconds = solve(tmp_path, {"kind": "graph", "title": "T", "symbols": ["a"], "given": {},
                                                "equations": equations})
    assert code == EXIT_UNSOLVED and seconds < SECONDS
    assert "exact arithmetic explodes (the exact form of" in stderr
    assert "floating point cannot take its place while the problem has symbols" in stderr

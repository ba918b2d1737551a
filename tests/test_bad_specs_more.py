"""More bad problem files, in the kinds graph, rnn, gan and conv-inversion: arithmetic that is
undefined (division by zero, log of zero or of a negative number), empty sequences, huge sizes,
missing, unknown and wrongly typed fields, ragged and mismatched shapes, and the solver's own
refusals. Each must give one clean message naming the file, the line and the field (the
``# <-`` mark, as in ``tests/test_bad_specs.py``), exit 3, no traceback and no output file.

Also: float overflow in ``--numeric`` mode, unsolvable and underdetermined conv-inversion problems,
and sizes that must be answered (or refused) fast.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli, warm_up_cli
from helpers.bad_corpus import MORE_BAD_SPECS
from helpers.bad_specs import EXIT_BAD_SPEC, Bad, assert_one_clean_error, check_bad_spec


@pytest.mark.parametrize("bad", MORE_BAD_SPECS)
def test_more_bad_specs(bad: Bad, tmp_path: Path):
    check_bad_spec(bad, tmp_path)


def _write(tmp_path: Path, text: str) -> tuple[Path, Path]:
    file = tmp_path / "problem.yaml"
    file.write_text(text, encoding="utf-8")
    return file, tmp_path / "out.txt"


def test_matrix_of_1e4_by_1e4_is_refused_fast(tmp_path: Path):
    """10⁴×10⁴ entries written with aliases (the file stays small): refused before anything is built."""
    row = "[" + ", ".join(["1"] * 10_000) + "]"
    text = f"kind: graph\ntitle: T\nrow: &r {row}\ngiven:\n  W: [" + ", ".join(["*r"] * 10_000) + "]\n" \
           "equations:\n  - L = sum(W)\n"
    file, out = _write(tmp_path, text)
    warm_up_cli()
    start = time.process_time()
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert time.process_time() - start < 2.0
    assert "YAML aliases" in stderr and stderr.count("\n") == 1


def test_huge_hidden_size_is_answered_fast(tmp_path: Path):
    """hidden: 10⁹ is allowed in a parameter count (plain integer arithmetic): answered at once."""
    file, _ = _write(tmp_path, "kind: params\ntitle: T\ngiven: {model: lstm, hidden: 1000000000, input: 300}\n")
    warm_up_cli()
    start = time.process_time()
    result = run_cli("run", file, "-f", "json")
    assert time.process_time() - start < 2.0
    assert result.exit_code == 0, result.stderr
    total = json.loads(result.stdout)["answers"]["total"]["exact"]
    assert total == str(4 * (10**9 * (300 + 10**9) + 10**9))


@pytest.mark.parametrize("x", [-1000, -100000])
def test_sigmoid_overflow_in_float_mode(tmp_path: Path, x: int):
    """log(sigmoid(x)) in --numeric: the answer is right (L = −ln(1 + e^−x) ≈ x, dL/dx = 1 − σ(x) ≈ 1).
    At −1000 float64 overflows (e^1000) but the check's extended precision does not: checked ✓. At
    −100000 both overflow: the check says it cannot check, instead of printing numpy warnings or
    claiming a ✓ on NaN."""
    file, out = _write(tmp_path, f"kind: graph\ntitle: T\ngiven:\n  x: {x}\nequations:\n"
                                 "  - p = sigmoid(x)\n  - L = log(p)\n")
    result = run_cli("run", file, "--numeric", "-f", "json", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""
    solved = json.loads(out.read_text())
    assert solved["answers"]["L"]["value"] == pytest.approx(float(x))
    assert solved["answers"]["dL/dx"]["value"] == pytest.approx(1.0)
    extended = np.log(np.finfo(np.longdouble).max) > 1000  # False where long double is float64 (ARM)
    checked = x == -1000 and extended
    assert ("not checked" in out.read_text()) != checked


def test_log_of_sigmoid_underflow_exact(tmp_path: Path):
    """The same in exact arithmetic: no overflow at all, L = −ln(1 + e^1000)."""
    file, _ = _write(tmp_path, "kind: graph\ntitle: T\ngiven:\n  x: -1000\nequations:\n"
                                 "  - p = sigmoid(x)\n  - L = log(p)\n")
    result = run_cli("run", file, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["answers"]["L"]["value"] == pytest.approx(-1000.0)


INVERSION = "kind: conv-inversion\ntitle: T\ngiven:\n"


def test_inconsistent_inversion_exits_1(tmp_path: Path):
    file, out = _write(tmp_path, INVERSION + "  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 3], [3, 4]]\n")
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, 1)
    assert stderr.startswith(f"dlsolve: error: {file}: the known outputs are inconsistent")
    assert "These equations conflict" in stderr


def test_underdetermined_inversion_solves_with_relations(tmp_path: Path):
    """Every input unknown and a kernel unknown: products e·X[i,j] that no round can untangle.
    The solver defines this as solved (exit 0): it reports what stays free."""
    file, out = _write(tmp_path, INVERSION + "  X: [[?, ?], [?, ?]]\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n")
    result = run_cli("run", file, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert out.exists() and result.stdout == "" and "Traceback" not in result.stderr


def test_inversion_with_every_output_unknown(tmp_path: Path):
    file, _ = _write(tmp_path, INVERSION + "  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[?, ?], [?, ?]]\n")
    result = run_cli("run", file, "-f", "json")
    assert result.exit_code == 0, result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert answers["Y[1,1]"]["exact"] == "4*e"


def test_oversized_inversion_is_refused(tmp_path: Path):
    big = "[" + ", ".join(["[" + ", ".join(["1"] * 30) + "]"] * 30) + "]"
    file, out = _write(tmp_path, INVERSION + f"  X: {big}\n  W: [[e]]\n  Y: [[1]]\n")
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert stderr.startswith(f"dlsolve: error: {file}:4: given.X: more than 400 entries")


def test_gan_huge_d_steps_is_refused_up_front(tmp_path: Path):
    """10**6 discriminator steps used to run until --timeout; they are refused before any solving."""
    text = ("kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n"
            "  discriminator:\n    - {weights: [[1, -1]], activation: sigmoid}\n  noise: [-0.5, 0.5]\n"
            "  data: [[0, 0], [1, 1]]\n  lr: 1\n  d_steps: 1000000\n")
    file, out = _write(tmp_path, text)
    warm_up_cli()
    start = time.process_time()
    result = run_cli("run", file, "-o", out, "--timeout", "3")
    assert time.process_time() - start < 2.0
    stderr = assert_one_clean_error(result, file, out, EXIT_BAD_SPEC)
    assert stderr.startswith(f"dlsolve: error: {file}:11: given.d_steps: expected a whole number of discriminator "
                             "steps from 1 to 20, got 1000000")


def test_a_very_long_word_is_refused_before_parsing(tmp_path: Path):
    """PyYAML reads a 10⁶-character scalar in about a second; a run of more than 10,000 characters
    without a space or separator is refused at once, with its line."""
    file, out = _write(tmp_path, "kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * " + "1" * 1_000_000 + "\n")
    warm_up_cli()
    start = time.process_time()
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert time.process_time() - start < 0.5
    assert stderr == f"dlsolve: error: {file}:6: a value of more than 10,000 characters without a space (numbers and names are far shorter)\n"


@pytest.mark.parametrize(("text", "line", "shown"), [
    ("\x00kind: graph\ntitle: T\n", 1, "'\\x00' (U+0000)"),
    ("kind: graph\ntitle: T\x07\ngiven: {x: 1}\n", 2, "'\\x07' (U+0007)"),
])
def test_a_control_character_is_named_with_its_line(tmp_path: Path, text: str, line: int, shown: str):
    """Found by tests/test_fuzz.py: PyYAML refuses these as it opens the text, before any mark exists."""
    file, out = _write(tmp_path, text)
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert stderr == f"dlsolve: error: {file}:{line}: not valid YAML: the character {shown} is not allowed\n"

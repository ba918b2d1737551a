"""A conv inversion with no solution in a run over several files: ``-f json`` (or ``-o out.json``) gives
every document, the verdict's among them in the order of the files, in the shape of any multi-file JSON
output (a list), with the exit code and message of the single-file case (1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import PROBLEMS, run_cli

from solver.errors import EXIT_UNSOLVED

# Y[0,0] and Y[1,1] both read e + f + b (the windows of the identity hold the same pattern) but differ: no
# solution, and the verdict names these two equations.
INCONSISTENT = ("kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]\n"
                "  W: [[e, e], [f, f]]\n  b: b\n  Y: [[1, 2], [3, 4]]\n")
SOLVABLE = PROBLEMS / "conv-inversion.yaml"
CONFLICT = ["e + f + b = 1", "e + f + b = 4"]


def bad_file(folder: Path, name: str = "bad.yaml") -> Path:
    path = folder / name
    path.write_text(INCONSISTENT)
    return path


def verdict(document: dict) -> str | None:
    """The verdict answer of a document (None for a solved problem)."""
    answer = document["answers"].get("verdict")
    return None if answer is None else answer["exact"]


def conflicts(document: dict) -> list[str]:
    return [document["answers"][f"conflict[{k}]"]["exact"] for k in (1, 2)]


def single_solved() -> dict:
    """The document of the solvable problem on its own, to compare with its place in a list."""
    result = run_cli("run", SOLVABLE, "-f", "json")
    assert result.exit_code == 0
    return json.loads(result.stdout)


def test_files_keep_every_document_and_the_exit_code(tmp_path: Path) -> None:
    bad = bad_file(tmp_path)
    alone = run_cli("run", bad, "-f", "json")
    result = run_cli("run", SOLVABLE, bad, "-f", "json")
    assert result.exit_code == alone.exit_code == EXIT_UNSOLVED
    assert result.stderr == alone.stderr  # the same one message, naming the file
    assert result.stderr.startswith(f"dlsolve: error: {bad}: the known outputs are inconsistent")
    documents = json.loads(result.stdout)
    assert isinstance(documents, list) and len(documents) == 2
    assert documents[0] == single_solved()  # the solved one, whole (e, f, b and the lost inputs)
    assert verdict(documents[1]) == "inconsistent" and conflicts(documents[1]) == CONFLICT
    assert documents[1] == json.loads(alone.stdout)  # the verdict document as the single-file run gives it


def test_the_order_of_the_files_is_kept(tmp_path: Path) -> None:
    bad = bad_file(tmp_path)
    result = run_cli("run", bad, SOLVABLE, "-f", "json")
    assert result.exit_code == EXIT_UNSOLVED
    documents = json.loads(result.stdout)
    assert [verdict(d) for d in documents] == ["inconsistent", None]  # a problem after the verdict still solved
    assert documents[1] == single_solved()


def test_a_folder(tmp_path: Path) -> None:
    shutil.copy(SOLVABLE, tmp_path / "a-solvable.yaml")
    bad_file(tmp_path, "b-bad.yaml")
    result = run_cli("run", tmp_path, "-f", "json")
    assert result.exit_code == EXIT_UNSOLVED
    assert [verdict(d) for d in json.loads(result.stdout)] == [None, "inconsistent"]


def test_output_file(tmp_path: Path) -> None:
    bad = bad_file(tmp_path)
    out = tmp_path / "out.json"
    result = run_cli("run", SOLVABLE, bad, "-o", out)
    assert result.exit_code == EXIT_UNSOLVED and result.stdout == ""
    assert f"{bad}: the known outputs are inconsistent" in result.stderr
    documents = json.loads(out.read_text())
    assert [verdict(d) for d in documents] == [None, "inconsistent"]
    assert conflicts(documents[1]) == CONFLICT


def test_two_verdicts_both_named(tmp_path: Path) -> None:
    first, second = bad_file(tmp_path, "one.yaml"), bad_file(tmp_path, "two.yaml")
    result = run_cli("run", first, SOLVABLE, second, "-f", "json")
    assert result.exit_code == EXIT_UNSOLVED
    assert f"{first}: the known outputs" in result.stderr and f"{second}: the known outputs" in result.stderr
    assert [verdict(d) for d in json.loads(result.stdout)] == ["inconsistent", None, "inconsistent"]


def test_other_formats_print_nothing(tmp_path: Path) -> None:
    """Text, LaTeX and Markdown have no verdict document: nothing on stdout, nothing written, exit 1."""
    bad = bad_file(tmp_path)
    for fmt in ("text", "latex", "markdown"):
        result = run_cli("run", SOLVABLE, bad, "-f", fmt)
        assert result.exit_code == EXIT_UNSOLVED and result.stdout == "", fmt
    out = tmp_path / "out.tex"
    assert run_cli("run", SOLVABLE, bad, "-o", out).exit_code == EXIT_UNSOLVED
    assert not out.exists()


def test_an_error_without_a_verdict_still_stops_everything(tmp_path: Path) -> None:
    """A descent that diverges has no verdict document: no JSON at all, its own message, exit 1."""
    diverging = tmp_path / "diverge.yaml"
    diverging.write_text("kind: descent\ntitle: T\ngiven:\n  function: x^4\n  start: 2\n  lr: 1\n"
                         "  iterations: 100\n")
    bad = bad_file(tmp_path)
    out = tmp_path / "out.json"
    result = run_cli("run", bad, diverging, "-o", out)
    assert result.exit_code == EXIT_UNSOLVED and "diverges" in result.stderr
    assert not out.exists()

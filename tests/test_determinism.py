"""Determinism: the same problems give byte-identical output in every format across runs.

Each check runs twice, in two separate processes (fresh hash seeds, fresh sympy caches), and compares
the bytes: the whole bank solved once per process and rendered in text (with and without colour),
LaTeX, Markdown, JSON and its graphs as Graphviz DOT through the library; and the command line
(``dlsolve run FILE -f json``) on one small file. (The command line's own path adds nothing that could
vary between processes: the bank through it would solve the bank twice more.)
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import PROBLEM_FILES, PROBLEMS, ROOT


def _run(*args: str, seed: str, module: bool = True) -> tuple[bytes, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "100"}
    command = [sys.executable, "-m", "solver", *args] if module else [sys.executable, *args]
    completed = subprocess.run(command, capture_output=True, cwd=ROOT, env=env, timeout=300)
    assert completed.returncode == 0, completed.stderr.decode()
    return completed.stdout, completed.stderr  # stderr: only notes (problems without a graph: skipped)


# every format from one solve of the bank (solving dominates: once per process, not once per format)
EVERY_FORMAT = """
import sys
from pathlib import Path
from solver.api import render, solve_file
solutions = [s for path in sorted(Path(sys.argv[1]).glob("*.yaml")) for s in solve_file(path)]
for fmt, options in [("text", {}), ("text", {"color": True}), ("latex", {}), ("markdown", {}), ("json", {})]:
    sys.stdout.write(render(solutions, fmt, **options) + "\\f")
from solver.render.dot import dot_many
drawn = [(f"{s.id}-{i + 1}", d) for s in solutions for i, d in enumerate(s.drawings)]
sys.stdout.write(dot_many(drawn, "both") + "\\f")
"""


@pytest.mark.slow
def test_every_format_is_byte_identical_across_processes():
    first = _run("-c", EVERY_FORMAT, str(PROBLEMS), seed="1", module=False)
    second = _run("-c", EVERY_FORMAT, str(PROBLEMS), seed="2", module=False)
    outputs = first[0].split(b"\f")
    assert len(outputs) == 7 and all(len(output) > 1000 for output in outputs[:6])
    assert outputs[5].count(b"digraph") + outputs[5].count(b"subgraph") > 20  # the graphs, as DOT
    assert b"\x1b[" in outputs[1] and b"\x1b[" not in outputs[0]  # the colour run has colours
    assert first == second


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["run", str(PROBLEMS / "graph-add-mul.yaml"), "-f", "json"], id="graph-add-mul-json"),
        pytest.param(["graph", str(PROBLEMS / "graph-add-mul.yaml"), "-f", "dot"], id="graph-add-mul-dot"),
    ],
)
def test_output_is_byte_identical_across_processes(args: list[str]):
    first = _run(*args, seed="1")
    second = _run(*args, seed="2")  # a different hash seed: set and dict orders of strings change
    assert len(first[0]) > 1000
    assert first[0] == second[0]
    assert first[1] == second[1]


def test_the_bank_is_all_there():
    assert len(PROBLEM_FILES) >= 20

"""Helpers shared by the test modules (no ``test_*.py`` module imports another one).

This package itself: run the CLI in-process or as a separate process, find the problem bank,
know whether pdflatex is installed, and scale a hypothesis example budget with the active profile.
The submodules:

* ``graph_torch``, ``rnn_torch``, ``gan_torch``: the PyTorch float64 oracles of the numeric kinds;
* ``oracle``: the float64 comparison margins and the wall-clock limit of an in-process solve;
* ``graph_specs``, ``gan_specs``, ``differential_strategies``: hypothesis strategies of valid problems;
* ``bad_specs``: the check of a bad problem file (one clean message, no output).

``tests/`` is on ``sys.path`` (``pythonpath`` in pyproject.toml's pytest options), so the test
modules import these as ``helpers`` and ``helpers.graph_torch`` both under ``pytest`` and under
``pytest tests/test_x.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent.parent
PROBLEMS = ROOT / "problems"
PROBLEM_FILES = sorted(PROBLEMS.glob("*.yaml"))


@dataclass
class CliResult:
    """What a user sees: exit code, standard output, standard error."""

    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str | Path) -> CliResult:
    """Run ``dlsolve ARGS`` in-process (typer's CliRunner), stdout and stderr kept apart."""
    from typer.testing import CliRunner

    from solver.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


@functools.cache
def warm_up_cli() -> None:
    """Import what ``dlsolve run`` on a bad file imports, once per process, so that a test timing a
    refusal times the refusal and not the first imports."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "bad.yaml"
        file.write_text("kind: graph\ntitle: T\ngiven: {x: 1/2}\nequations: [L = x]\nwrong: 1\n", encoding="utf-8")
        run_cli("run", file, "-o", Path(folder) / "out.txt")


def run_dlsolve(*args: str | Path, cwd: Path | None = None) -> CliResult:
    """Run ``dlsolve ARGS`` as a separate process, exactly as a user would."""
    completed = subprocess.run(
        [sys.executable, "-m", "solver", *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT, timeout=120
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


# every test pytest collected in this session, before -m/-k deselected any (tests/conftest.py)
COLLECTED = pytest.StashKey[list[pytest.Item]]()

requires_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="pdflatex is not installed (CI installs texlive)"
)


def cyrillic_tex() -> bool:
    """Whether TeX can set Russian sheets: T2A and babel-russian (texlive-lang-cyrillic), T2A Type 1 fonts
    (cm-super)."""
    kpsewhich = shutil.which("kpsewhich")
    return kpsewhich is not None and all(
        subprocess.run([kpsewhich, name], capture_output=True).returncode == 0
        for name in ("t2aenc.def", "russianb.ldf", "sfrm1000.pfb"))

def slow_unless(fast: bool) -> tuple[pytest.MarkDecorator, ...]:
    """The marks of a test case that only the full run needs: ``slow`` unless ``fast``."""
    return () if fast else (pytest.mark.slow,)


# The example budget of the "ci" profile (tests/conftest.py); a test's own budget is stated for it.
CI_EXAMPLES = 100


def examples(n: int) -> int:
    """A test's ``max_examples`` ``n`` (its budget under the default "ci" profile), scaled by the
    active profile: ``n`` under "ci", 10·n under "explore" (HYPOTHESIS_PROFILE=explore)."""
    return max(1, round(n * settings.default.max_examples / CI_EXAMPLES))


def judge_texts(folder: Path, solution: object, texts: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each answer's (status, mistake): the values (already in answers-file syntax) written as an answers
    file in ``folder``, read back and judged by the library's check."""
    import json

    from solver.check import check
    from solver.check.answers import read_answers

    file = folder / "answers.yaml"
    lines = [f"  {json.dumps(name)}: {text if text.startswith('[') else json.dumps(text)}" for name, text in texts.items()]
    file.write_text("answers:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    report = check(solution, read_answers(file))  # type: ignore[arg-type]
    return {j.given.name: (j.verdict.status, j.mistake) for j in report.judged}


# The files that take longest, longest first (measured with `pytest --durations=0`). pytest-xdist hands
# whole files to the workers in collection order (--no-loadscope-reorder in pyproject.toml), so the
# longest start first and the two workers finish together instead of one waiting for the other.
SLOWEST_FILES = (
    "test_differential.py", "test_formats.py", "test_fuzz.py", "test_sheet_bank.py",
    "test_languages.py",  # the bank solved, rendered and compiled in hr, sr and ru
    "test_gan.py",
    "test_lint.py",  # mypy without a cache (a fresh clone) takes about a minute
    "test_latex_documents.py", "test_check_symbolic.py", "test_hostile.py", "test_determinism.py", "test_rnn.py",
    "test_html.py",  # the bank's page, and headless chromium
    "test_graph_oracle.py", "test_vary.py", "test_gan_answers.py", "test_ops_pooling.py", "test_check.py",
    "test_sheet_documents.py", "test_sheet_drawings.py", "test_conv_ops.py", "test_bad_specs.py",
)


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types all the way down (``1 == 1.0 == True`` does not count)."""
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)

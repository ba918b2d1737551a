"""Shared test helpers: run the CLI in-process, find the problem bank, locate pdflatex."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
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


def run_dlsolve(*args: str | Path, cwd: Path | None = None) -> CliResult:
    """Run ``dlsolve ARGS`` as a separate process, exactly as a user would."""
    completed = subprocess.run(
        [sys.executable, "-m", "solver", *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT, timeout=120
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def cli():
    """The in-process CLI runner."""
    return run_cli


requires_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="pdflatex is not installed (CI installs texlive)"
)

"""Cold-start timings of the dlsolve command line (speed budgets in README.md, "Speed").

Run: python benchmarks/startup.py [--runs 20]

Prints the median wall time of each command over fresh processes and the ratio of
`dlsolve lstm-params` to `python -c "import typer, rich.console"` (budget: at most 1.5).
It also checks that lstm-params imports neither sympy nor numpy (nor pydantic).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The console script installed beside this interpreter (as a virtual environment's bin/ holds it), so that
# dlsolve and the floors (``sys.executable -c …``) start the same way: a version manager's shim on PATH
# (pyenv's is a bash script) would add its own start-up (about 100 ms) to dlsolve's side only.
_BESIDE = Path(sys.executable).parent / "dlsolve"
DLSOLVE = str(_BESIDE) if _BESIDE.exists() else (shutil.which("dlsolve") or "dlsolve")
# As a user's machine: bytecode caches are written on the first (warm-up) run and used after.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall time of each command over ``runs`` fresh processes.

    The commands take turns (round-robin) so that a drift in the machine's speed affects them
    all alike; one warm-up run each writes the bytecode caches first.
    """
    for command in commands:
        subprocess.run(command, capture_output=True, check=True, cwd=ROOT, env=ENV)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for i, command in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, cwd=ROOT, env=ENV)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def heavy_imports(command: list[str]) -> list[str]:
    """Which of sympy, numpy, pydantic, jinja2 a command imports."""
    args = [sys.executable, "-X", "importtime", "-m", "solver", *command[1:]]
    log = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=ENV).stderr
    loaded = {line.split("|")[-1].strip() for line in log.splitlines() if line.startswith("import time:")}
    return [name for name in ("sympy", "numpy", "pydantic", "jinja2") if name in loaded]


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    base_cmd = [sys.executable, "-c", "import typer, rich.console"]
    lstm_cmd = [DLSOLVE, "lstm-params", "--hidden", "500", "--input", "300", "--layers", "2"]
    run_cmd = [DLSOLVE, "run", "problems/lstm.yaml"]
    json_cmd = [DLSOLVE, "run", "problems/lstm.yaml", "--format", "json"]
    latex_cmd = [DLSOLVE, "run", "problems/lstm.yaml", "--format", "latex"]
    graph_cmd = [DLSOLVE, "run", "problems/multihead.yaml", "--format", "json"]
    sympy_cmd = [sys.executable, "-c", "import sympy"]
    rows = [
        ('python -c "import typer, rich.console"', base_cmd),
        ("dlsolve lstm-params --hidden 500 --input 300 --layers 2", lstm_cmd),
        ("dlsolve run problems/lstm.yaml", run_cmd),
        ("dlsolve run problems/lstm.yaml --format json", json_cmd),
        ("dlsolve run problems/lstm.yaml --format latex", latex_cmd),
        ("dlsolve run problems/multihead.yaml --format json", graph_cmd),
        ('python -c "import sympy"', sympy_cmd),
    ]
    print(f"median of {runs} cold runs each (Python {sys.version.split()[0]}, {DLSOLVE}):")
    medians = median_seconds([command for _, command in rows], runs)
    results = dict(zip((label for label, _ in rows), medians))
    for label, seconds in results.items():
        print(f"  {seconds * 1000:7.1f} ms  {label}")
    ratio = results[rows[1][0]] / results[rows[0][0]]
    print(f"lstm-params / typer+rich baseline = {ratio:.2f} (budget 1.5)")
    print(f"heavy modules imported by lstm-params: {heavy_imports(lstm_cmd) or 'none'}")


if __name__ == "__main__":
    main()

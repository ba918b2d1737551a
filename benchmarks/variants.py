"""Variants per second (``dlsolve vary``) for multihead, rnn and conv-inversion, with --jobs 1 and 2.

Run: python benchmarks/variants.py [--count 20] [--problems multihead rnn conv-inversion]

Each figure is the wall time of one fresh ``python -m solver vary PROBLEM --count N --seed 1 -o DIR
--report`` process (start-up and the answer key included), and the draws it took (rejected draws cost
a solve each). Not a timed test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one(problem: str, count: int, jobs: int) -> tuple[float, int]:
    """Seconds and draws for ``count`` variants of ``problem`` with ``jobs`` workers."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "solver", "vary", str(ROOT / "problems" / f"{problem}.yaml"),
                   "--count", str(count), "--seed", "1", "--jobs", str(jobs), "--report", "-o", folder]
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
        seconds = time.perf_counter() - start
    found = re.search(r"from (\d+) draws", done.stderr)
    return seconds, int(found.group(1)) if found else 0


def main() -> None:
    """Print a table: problem, jobs, variants, draws, seconds, variants per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--problems", nargs="+", default=["multihead", "rnn", "conv-inversion"])
    options = parser.parse_args()
    print(f"{'problem':<16} {'jobs':>4} {'variants':>8} {'draws':>6} {'seconds':>8} {'per s':>7}")
    for problem in options.problems:
        for jobs in (1, 2):
            seconds, draws = one(problem, options.count, jobs)
            print(f"{problem:<16} {jobs:>4} {options.count:>8} {draws:>6} {seconds:>8.1f} "
                  f"{options.count / seconds:>7.2f}", flush=True)


if __name__ == "__main__":
    main()

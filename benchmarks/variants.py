"""Variants per second (``dlsolve vary``) for multihead, rnn and conv-inversion, with --jobs 1 and 2.

Run: python benchmarks/variants.py [--count 20] [--problems multihead rnn conv-inversion] [--jobs 1 2]
     python benchmarks/variants.py --count 1000 --problems multihead --jobs 2 --pdf

Each figure is the wall time of one fresh ``python -m solver vary PROBLEM --count N --seed 1 -o DIR
--report`` process (start-up and the answer key included), and the draws it took (rejected draws cost
a solve each). ``--pdf``: the same batch again with ``--pdf`` (every exam and worked solution as LaTeX,
compiled into DIR/exams.pdf and DIR/solutions.pdf); the pages of both PDFs, and the pages per second of
what ``--pdf`` adds (the LaTeX written and compiled). Not a timed test: the figures depend on the machine
and its load.
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


def one(problem: str, count: int, jobs: int, pdf: bool = False) -> tuple[float, int, int]:
    """Seconds, draws and PDF pages (0 without ``pdf``) for ``count`` variants of ``problem`` with ``jobs``
    workers."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "solver", "vary", str(ROOT / "problems" / f"{problem}.yaml"),
                   "--count", str(count), "--seed", "1", "--jobs", str(jobs), "--report", "-o", folder]
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        done = subprocess.run(command + ["--pdf"] * pdf, capture_output=True, text=True, env=environment,
                              check=True)
        seconds = time.perf_counter() - start
        pages = sum(_pages(Path(folder) / name) for name in ("exams.pdf", "solutions.pdf")) if pdf else 0
    found = re.search(r"from (\d+) draws", done.stderr)
    return seconds, int(found.group(1)) if found else 0, pages


def _pages(pdf: Path) -> int:
    """A PDF's page count (pdfinfo, from poppler-utils)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return int(found.group(1)) if found else 0


def main() -> None:
    """Print a table: problem, jobs, variants, draws, seconds, variants per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--problems", nargs="+", default=["multihead", "rnn", "conv-inversion"])
    parser.add_argument("--jobs", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--pdf", action="store_true", help="also the batch with --pdf: pages and pages per second")
    options = parser.parse_args()
    print(f"{'problem':<16} {'jobs':>4} {'variants':>8} {'draws':>6} {'seconds':>8} {'per s':>7}"
          + f" {'--pdf s':>8} {'pages':>6} {'pages/s':>8}" * options.pdf)
    for problem in options.problems:
        for jobs in options.jobs:
            seconds, draws, _ = one(problem, options.count, jobs)
            line = (f"{problem:<16} {jobs:>4} {options.count:>8} {draws:>6} {seconds:>8.1f} "
                    f"{options.count / seconds:>7.2f}")
            if options.pdf:
                with_pdf, _, pages = one(problem, options.count, jobs, pdf=True)
                line += f" {with_pdf:>8.1f} {pages:>6} {pages / max(with_pdf - seconds, 1e-9):>8.1f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()

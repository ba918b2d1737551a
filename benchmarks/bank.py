"""The whole problem bank solved and printed in one process, per output format, and where the time goes.

Run: python benchmarks/bank.py [--runs 3] [--against REV]

For each format, the median wall time of ``dlsolve run problems/ --format F`` over fresh processes;
then, in this process, the time of solving the bank and of rendering it in each format. With
``--against REV`` the same commands also run on that git revision (checked out into a temporary
worktree, run with its own code through PYTHONPATH), taking turns with the current tree, and the
ratio is printed: the printers are "no slower" when the ratios stay near 1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import ENV, ROOT

FORMATS = ("json", "text", "latex", "markdown")


def command(tree: Path, fmt: str, out: Path) -> tuple[list[str], dict[str, str]]:
    """``python -m solver run problems/ --format fmt`` with the code of ``tree``."""
    env = {**ENV, "PYTHONPATH": str(tree)}
    return [sys.executable, "-m", "solver", "run", "problems/", "--format", fmt, "-o", str(out)], env


def medians(trees: list[Path], runs: int) -> dict[tuple[Path, str], float]:
    """Median wall time per (tree, format), the commands taking turns so drift hits them alike."""
    times: dict[tuple[Path, str], list[float]] = {(tree, fmt): [] for tree in trees for fmt in FORMATS}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        for _ in range(runs + 1):  # the first round writes bytecode caches and is not counted
            for key in times:
                cmd, env = command(key[0], key[1], out)
                start = time.perf_counter()
                subprocess.run(cmd, cwd=key[0], env=env, capture_output=True, check=True)
                times[key].append(time.perf_counter() - start)
    return {key: sorted(values[1:])[len(values[1:]) // 2] for key, values in times.items()}


def phases() -> None:
    """Solving versus rendering, in this process (imports already done)."""
    from solver.api import render, solve_file

    files = sorted((ROOT / "problems").glob("*.yaml"))
    start = time.perf_counter()
    solutions = [solution for file in files for solution in solve_file(file)]
    solved = time.perf_counter() - start
    print(f"in one process: solving {len(solutions)} problems {solved:.2f} s", end="")
    for fmt in FORMATS:
        start = time.perf_counter()
        render(solutions, fmt)
        print(f"; {fmt} {time.perf_counter() - start:.2f} s", end="")
    print()


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", metavar="REV", help="a git revision to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        trees = [ROOT]
        if args.against:
            other = Path(scratch) / "against"
            subprocess.run(["git", "worktree", "add", "--detach", str(other), args.against], cwd=ROOT,
                           capture_output=True, check=True)
            trees.append(other)
        try:
            found = medians(trees, args.runs)
        finally:
            if args.against:
                subprocess.run(["git", "worktree", "remove", "--force", str(trees[1])], cwd=ROOT, capture_output=True)
    print(f"dlsolve run problems/ --format F, median of {args.runs} cold runs (os.cpu_count() = {os.cpu_count()}):")
    for fmt in FORMATS:
        line = f"  {fmt:9s} {found[ROOT, fmt]:6.2f} s"
        if args.against:
            before = found[trees[1], fmt]
            line += f"   {args.against}: {before:6.2f} s   ratio {found[ROOT, fmt] / before:.2f}"
        print(line)
    phases()


if __name__ == "__main__":
    main()

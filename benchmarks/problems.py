"""Cold-start time of ``dlsolve run`` on every problem in problems/ (budget: under 1 s each).

Run: python benchmarks/problems.py [--runs 3] [--format text]

Prints the median wall time per problem file over fresh processes, slowest first, and marks the
files over the budget.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import DLSOLVE, ROOT, median_seconds

BUDGET = 1.0


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", default="text", choices=["text", "latex", "markdown", "json"])
    args = parser.parse_args()
    files = sorted((ROOT / "problems").glob("*.yaml"))
    commands = [[DLSOLVE, "run", str(f.relative_to(ROOT)), "--format", args.format] for f in files]
    medians = median_seconds(commands, args.runs)
    print(f"median of {args.runs} cold runs each, --format {args.format}:")
    for seconds, file in sorted(zip(medians, files), reverse=True):
        flag = "  OVER BUDGET" if seconds >= BUDGET else ""
        print(f"  {seconds * 1000:7.1f} ms  {file.name}{flag}")
    over = sum(s >= BUDGET for s in medians)
    print(f"slowest {max(medians) * 1000:.0f} ms; {over} of {len(files)} over {BUDGET:.0f} s")


if __name__ == "__main__":
    main()

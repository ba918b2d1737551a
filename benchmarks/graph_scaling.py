"""How long an exact solve of an MLP takes as it grows (speed budget in issue 3).

Run: python benchmarks/graph_scaling.py [--widths 8,16,32,64] [--format json]

Each network is input(w) → w → w → 4 with ReLU, softmax and cross-entropy on one sample, small
random rational weights (seeded), gradients of every parameter; `dlsolve run` is timed cold.
"""

from __future__ import annotations

import argparse
import itertools
import random
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path


def mlp_spec(width: int, seed: int = 0) -> str:
    """A YAML graph problem: a width-w MLP 'w-w-w-4' with one sample."""
    rng = random.Random(seed)

    def number() -> str:
        return f'"{Fraction(rng.randint(-9, 9), rng.choice([2, 4, 5, 10]))}"'

    def matrix(rows: int, cols: int) -> str:
        return "[" + ", ".join("[" + ", ".join(number() for _ in range(cols)) + "]" for _ in range(rows)) + "]"

    def vector(n: int) -> str:
        return "[" + ", ".join(number() for _ in range(n)) + "]"

    sizes = [width, width, width, 4]
    lines = ["kind: graph", f"title: MLP {'-'.join(map(str, sizes))}", "given:", f"  x: {vector(width)}", "  y: 1"]
    equations, previous = [], "x"
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes), 1):
        lines += [f"  W{i}: {matrix(n_out, n_in)}", f"  b{i}: {vector(n_out)}"]
        equations.append(f"s{i} = W{i} @ {previous} + b{i}")
        if i < len(sizes) - 1:
            equations.append(f"h{i} = relu(s{i})")
            previous = f"h{i}"
    equations.append(f"L = cross_entropy(s{len(sizes) - 1}, y)")
    lines += ["equations:"] + [f"  - {e}" for e in equations]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Time each width and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="8,16,32,64")
    parser.add_argument("--format", default="json")
    args = parser.parse_args()
    print(f"{'network':>16}  {'seconds':>8}  exit")
    with tempfile.TemporaryDirectory() as folder:
        for width in map(int, args.widths.split(",")):
            spec = Path(folder) / f"mlp{width}.yaml"
            spec.write_text(mlp_spec(width))
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "solver", "run", str(spec), "--format", args.format],
                                  capture_output=True, text=True)
            seconds = time.perf_counter() - start
            print(f"{f'{width}-{width}-{width}-4':>16}  {seconds:8.2f}  {done.returncode}", flush=True)
            if done.returncode:
                print(done.stderr[-500:])


if __name__ == "__main__":
    main()

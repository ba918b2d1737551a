"""Hostile and oversized problems, timed cold: each must end within seconds (issue 8, resource limits).

Run: python benchmarks/limits.py [--runs 3]

Each case is a problem that once ran for minutes, failed wrongly, or would read for long; the table
gives the median wall time of `dlsolve run CASE -o OUT` in fresh processes and the exit code.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import DLSOLVE, ENV, ROOT


def _bank(name: str, edit) -> str:
    import yaml

    tree = yaml.safe_load((ROOT / "problems" / name).read_text(encoding="utf-8"))
    edit(tree["given"])
    return yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)


def cases() -> dict[str, str]:
    """Name → problem text."""
    def rnn_bias(given):
        given["b_h"] = [0, 1000000]
        given["x"] = given["x"] + [given["x"][-1]] * 2

    def big_input(given):
        given["x"] = [1000000, 1]

    gan = {"kind": "gan", "title": "GAN with nested sigmoids", "given": {
        "generator": [{"weights": [["1/4"]], "activation": "sigmoid", "bias": ["7/4"]},
                      {"weights": [["3/4"]], "activation": "relu"}],
        "discriminator": [{"weights": [["1/2"], ["-7/4"], ["-2"]], "bias": ["-3/2", "-3/2", "-2"]},
                          {"weights": [["-5/4", "-7/4", "3/4"]], "activation": "sigmoid", "bias": ["1/2"]}],
        "noise": [["1/2"], ["0"]], "data": ["2", "-7/4"], "lr": "1/2", "order": "generator_first"}}
    n = 40
    product = {"kind": "graph", "title": "40×40 product", "wrt": [], "equations": ["L = sum(A @ B)"],
               "given": {"A": [[f"1/{i + j + 1}" for j in range(n)] for i in range(n)], "B": [["1/3"] * n] * n}}
    huge = {"kind": "graph", "title": "101×100 matrix", "equations": ["L = sum(W)"],
            "given": {"W": [[1] * 101 for _ in range(100)]}}
    nested = [f"z{i} = sigmoid(z{i - 1}) * a + z{i - 1}" for i in range(1, 40)]
    symbolic = {"kind": "graph", "title": "nested symbolic sigmoids", "symbols": ["a"], "given": {},
                "equations": ["z0 = a", *nested, "L = z39"]}
    return {
        "rnn.yaml with b_h = (0, 10^6), 4 steps": _bank("rnn.yaml", rnn_bias),
        "bce-l2.yaml with x = (10^6, 1)": _bank("bce-l2.yaml", big_input),
        "GAN step, sigmoids nested 4 deep": json.dumps(gan),
        "40×40 exact matrix product": json.dumps(product),
        "givens of 10,100 numbers": json.dumps(huge),
        "symbolic forms that explode": json.dumps(symbolic),
        "a 10^6-character number": "kind: graph\ntitle: T\ngiven: {x: 1}\nequations: ['L = x * " + "9" * 10**6 + "']\n",
        "9**9**9": "kind: graph\ntitle: T\ngiven: {x: '9**9**9'}\nequations: ['L = x']\n",
        "gan with d_steps: 10^6": _bank("gan.yaml", lambda given: given.update(d_steps=10**6)),
    }


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files, codes = {}, {}
        for i, (name, text) in enumerate(cases().items()):
            files[name] = Path(folder) / f"case{i}.yaml"
            files[name].write_text(text, encoding="utf-8")
        commands = [[DLSOLVE, "run", str(f), "-o", str(Path(folder) / "out.txt"), "--timeout", "60"]
                    for f in files.values()]
        medians = []
        for name, command in zip(files, commands):
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                codes[name] = subprocess.run(command, capture_output=True, check=False, cwd=ROOT, env=ENV).returncode
                times.append(time.perf_counter() - start)
            medians.append(statistics.median(times))
    print(f"{'case':<42}{'seconds':>9}  exit")
    for (name, code), seconds in zip(codes.items(), medians):
        print(f"{name:<42}{seconds:>9.2f}  {code}")


if __name__ == "__main__":
    main()

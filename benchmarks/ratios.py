"""dlsolve's speed as ratios to a floor measured in the same run (issue 19's budgets).

Run: python benchmarks/ratios.py [problems|startup|scaling|bank|references|all] [--runs 5]

- problems: every file in problems/ cold (``dlsolve run FILE``) against ``python -c "import sympy"``,
  in pairs taken in turn, the median of the per-pair ratios (budget: 2);
- startup: ``dlsolve lstm-params --hidden 500 --input 300 --layers 2`` against
  ``python -c "import typer, rich.console"`` (budget: 1.25);
- scaling: fully connected networks of width 4–64 (two hidden layers, ``--numeric``), a tanh RNN over
  T = 2–16 steps (exact and ``--numeric``) and conv2d on 8×8 to 32×32 inputs with a 3×3 kernel, each
  against a PyTorch float64 script that computes and prints the same gradients (``import torch``
  included); budgets: width 64 within 2× of PyTorch, conv2d 32×32 under 4 s;
- bank: the whole bank in one process, every format;
- references: plain programs that do the least a problem needs (``benchmarks/reference/``: lstm-step and
  rnn-bptt written directly in sympy, alone and with the other libraries dlsolve loads; lstm-params as a
  typer + rich program that prints the same sheet),
  each checked to compute (or print) what dlsolve does, against the same floors as dlsolve: how much of a
  budget the fixed libraries leave before any of dlsolve's own work.

Wall times of fresh processes; the machine should be otherwise idle.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from graph_scaling import mlp_spec
from startup import DLSOLVE, ENV, ROOT

REFERENCE = ROOT / "benchmarks" / "reference"
SYMPY = [sys.executable, "-c", "import sympy"]
TYPER = [sys.executable, "-c", "import typer, rich.console"]
# What any sympy problem must import before dlsolve's own code runs, and the first evaluated sum (sympy's
# Add imports sympy.tensor and sympy.combinatorics on first use): the part of the 2× budget dlsolve cannot cut.
LIBRARIES = [sys.executable, "-c", "import sympy, numpy, typer, rich.console, yaml; x = sympy.Symbol('x'); x + 2*x**2"]


def seconds(command: list[str]) -> float:
    """Wall time of one fresh process (which must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=ENV)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-800:]}")
    return took


def paired_ratio(command: list[str], floor: list[str], runs: int) -> tuple[float, float, float]:
    """(median ratio of paired runs, median seconds of command, median seconds of floor); one warm-up each."""
    seconds(command), seconds(floor)
    pairs = [(seconds(command), seconds(floor)) for _ in range(runs)]
    return (statistics.median(a / b for a, b in pairs), statistics.median(a for a, _ in pairs),
            statistics.median(b for _, b in pairs))


def problems(runs: int, only: str = "*") -> None:
    """Every bank file (or those matching ``only``) against importing sympy."""
    print(f"every problem cold against `python -c \"import sympy\"` (median of {runs} paired runs; budget 2):")
    libraries, _, _ = paired_ratio(LIBRARIES, SYMPY, runs)
    print(f"  {libraries:5.2f}×  the libraries alone (sympy, numpy, typer, rich, PyYAML and a first sympy sum)")
    rows = []
    for path in sorted((ROOT / "problems").glob(f"{only}.yaml")):
        ratio, mine, floor = paired_ratio([DLSOLVE, "run", str(path.relative_to(ROOT))], SYMPY, runs)
        rows.append((ratio, path.name, mine, floor))
        print(f"  {ratio:5.2f}×  {mine:6.2f} s  (sympy {floor:4.2f} s)  {path.name}{'  OVER' if ratio > 2 else ''}",
              flush=True)
    over = [name for ratio, name, _, _ in rows if ratio > 2]
    print(f"  worst {max(rows)[0]:.2f}× ({max(rows)[1]}), median {statistics.median(r[0] for r in rows):.2f}×; "
          f"over budget: {', '.join(over) or 'none'}")


def startup(runs: int) -> None:
    """lstm-params against importing typer and rich."""
    command = [DLSOLVE, "lstm-params", "--hidden", "500", "--input", "300", "--layers", "2"]
    ratio, mine, floor = paired_ratio(command, TYPER, runs)
    print(f"lstm-params {mine * 1000:.0f} ms against typer+rich {floor * 1000:.0f} ms: {ratio:.2f}× (budget 1.25)")


def _number(rng: random.Random) -> Fraction:
    return Fraction(rng.randint(-9, 9), rng.choice([2, 4, 5, 10]))


def _matrix_text(rows: list[list[Fraction]]) -> str:
    return "[" + ", ".join("[" + ", ".join(f'"{v}"' for v in row) + "]" for row in rows) + "]"


def rnn_spec(steps: int, seed: int = 0) -> tuple[str, str]:
    """A tanh RNN with 2 hidden units and scalar inputs over ``steps`` steps, a squared loss on the last
    state's sum; and the PyTorch script that prints the same gradients."""
    rng = random.Random(seed)
    w_hh = [[_number(rng) / 4 for _ in range(2)] for _ in range(2)]
    w_xh = [[_number(rng) / 2] for _ in range(2)]
    xs = [_number(rng) for _ in range(steps)]
    spec = (f"kind: rnn\ntitle: RNN over {steps} steps\ngiven:\n  cell: rnn\n  activation: tanh\n"
            f"  W_hh: {_matrix_text(w_hh)}\n  W_xh: {_matrix_text(w_xh)}\n  b_h: [0, 0]\n"
            f"  x: [{', '.join(repr(str(x)) for x in xs)}]\nloss: L = sum(h{steps}) ** 2\n")
    torch_script = f"""
import torch
W_hh = torch.tensor({[[float(v) for v in r] for r in w_hh]}, dtype=torch.float64, requires_grad=True)
W_xh = torch.tensor({[[float(v) for v in r] for r in w_xh]}, dtype=torch.float64, requires_grad=True)
b_h = torch.zeros(2, 1, dtype=torch.float64, requires_grad=True)
h = torch.zeros(2, 1, dtype=torch.float64)
for x in {[float(x) for x in xs]}:
    h = torch.tanh(W_hh @ h + W_xh * x + b_h)
L = h.sum() ** 2
L.backward()
print(L.item(), W_hh.grad, W_xh.grad, b_h.grad)
"""
    return spec, torch_script


def conv_spec(size: int, seed: int = 0) -> tuple[str, str]:
    """conv2d of a size×size integer image with a 3×3 kernel, ReLU, a squared-error loss; and PyTorch's."""
    rng = random.Random(seed)
    image = [[rng.randint(-3, 3) for _ in range(size)] for _ in range(size)]
    kernel = [[rng.randint(-2, 2) for _ in range(3)] for _ in range(3)]
    spec = (f"kind: graph\ntitle: conv2d {size}×{size}\ngiven:\n  X: {image}\n  K: {kernel}\n  b: 1\n  t: 2\n"
            "equations:\n  - Z = conv2d(X, K, b)\n  - A = relu(Z)\n  - L = (sum(A) - t) ** 2\nwrt: [K, b, X]\n")
    torch_script = f"""
import torch
X = torch.tensor({image}, dtype=torch.float64, requires_grad=True)
K = torch.tensor({kernel}, dtype=torch.float64, requires_grad=True)
b = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
Z = torch.nn.functional.conv2d(X[None, None], K[None, None], b)[0, 0]
L = (torch.relu(Z).sum() - 2) ** 2
L.backward()
print(L.item(), K.grad, b.grad, X.grad)
"""
    return spec, torch_script


def mlp_torch(width: int) -> str:
    """The PyTorch script of graph_scaling.mlp_spec(width): the same numbers, the same gradients printed."""
    return f"""
import torch, yaml
from fractions import Fraction
spec = yaml.safe_load(open({str(Path(tempfile.gettempdir()) / f"ratios-mlp{width}.yaml")!r}))
def t(v):
    return torch.tensor([[float(Fraction(e)) for e in r] if isinstance(r, list) else [float(Fraction(r))]
                         for r in v], dtype=torch.float64, requires_grad=True)
g = spec["given"]
params = {{k: t(v) for k, v in g.items() if k[0] in "Wb"}}
h = t(g["x"])
for i in (1, 2, 3):
    s = params[f"W{{i}}"] @ h + params[f"b{{i}}"]
    h = torch.relu(s) if i < 3 else s
L = torch.nn.functional.cross_entropy(s.T, torch.tensor([int(g["y"])]))
L.backward()
print(L.item(), *(p.grad for p in params.values()))
"""


def scaling(runs: int) -> None:
    """Networks, an RNN and conv2d as they grow, each against its PyTorch script."""
    folder = Path(tempfile.gettempdir())
    cases: list[tuple[str, list[str], list[str]]] = []

    def written(name: str, spec_text: str, torch_script: str) -> tuple[Path, Path]:
        spec, script = folder / f"ratios-{name}.yaml", folder / f"ratios-{name}.py"
        spec.write_text(spec_text)
        script.write_text(torch_script)
        return spec, script

    for width in (4, 8, 16, 32, 64):
        spec, script = written(f"mlp{width}", mlp_spec(width), mlp_torch(width))
        cases.append((f"mlp {width}-{width}-{width}-4 --numeric", [DLSOLVE, "run", str(spec), "--numeric"],
                      [sys.executable, str(script)]))
    for steps in (2, 4, 8, 16):
        spec, script = written(f"rnn{steps}", *rnn_spec(steps))
        cases.append((f"rnn T={steps} exact", [DLSOLVE, "run", str(spec)], [sys.executable, str(script)]))
        cases.append((f"rnn T={steps} --numeric", [DLSOLVE, "run", str(spec), "--numeric"],
                      [sys.executable, str(script)]))
    for size in (8, 16, 24, 32):
        spec, script = written(f"conv{size}", *conv_spec(size))
        cases.append((f"conv2d {size}×{size}, 3×3 kernel", [DLSOLVE, "run", str(spec)], [sys.executable, str(script)]))
    print(f"scaling against PyTorch float64 scripts (median of {runs} paired runs):")
    for label, command, floor in cases:
        ratio, mine, theirs = paired_ratio(command, floor, runs)
        print(f"  {label:34}  {mine:6.2f} s  torch {theirs:5.2f} s  {ratio:5.2f}×", flush=True)


def bank(runs: int) -> None:
    """The whole bank in one process, per format."""
    print(f"the whole bank in one process (median of {runs}):")
    for fmt in ("text", "latex", "markdown", "json", "html"):
        times = [seconds([DLSOLVE, "run", "problems/", "--format", fmt]) for _ in range(runs)]
        print(f"  {fmt:9} {statistics.median(times):6.2f} s")


def references(runs: int) -> None:
    """The plain reference programs against the floors, beside dlsolve on the same problems."""
    print(f"plain programs against the same floors (median of {runs} paired runs):")
    for problem, script in (("lstm-step", "lstm_step.py"), ("rnn-bptt", "rnn_bptt.py")):
        plain = [sys.executable, str(REFERENCE / script)]
        mine = [DLSOLVE, "run", f"problems/{problem}.yaml"]
        _same_values(problem, plain, mine)
        plain_ratio, plain_seconds, _ = paired_ratio(plain, SYMPY, runs)
        libraries_ratio, libraries_seconds, _ = paired_ratio([*plain, "--with-libraries"], SYMPY, runs)
        my_ratio, my_seconds, _ = paired_ratio(mine, SYMPY, runs)
        print(f"  {problem:12} plain sympy {plain_seconds:5.2f} s {plain_ratio:5.2f}×   with dlsolve's other libraries "
              f"{libraries_seconds:5.2f} s {libraries_ratio:5.2f}×   dlsolve {my_seconds:5.2f} s {my_ratio:5.2f}×   "
              "(of `import sympy`; budget 2)", flush=True)
    options = ["--hidden", "500", "--input", "300", "--layers", "2"]
    sheet = Path(tempfile.gettempdir()) / "ratios-lstm-params.txt"
    mine = [DLSOLVE, "lstm-params", *options]
    sheet.write_text(subprocess.run(mine, capture_output=True, text=True, check=True, cwd=ROOT, env=ENV).stdout)
    plain = [sys.executable, str(REFERENCE / "lstm_params_typer.py"), "lstm-params", *options, "--sheet", str(sheet)]
    if subprocess.run(plain, capture_output=True, text=True, check=True, cwd=ROOT, env=ENV).stdout != sheet.read_text():
        raise SystemExit("the typer + rich reference does not print dlsolve's lstm-params sheet")
    plain_ratio, plain_seconds, _ = paired_ratio(plain, TYPER, runs)
    my_ratio, my_seconds, _ = paired_ratio(mine, TYPER, runs)
    print(f"  lstm-params  typer + rich {plain_seconds * 1000:.0f} ms {plain_ratio:5.2f}×   dlsolve "
          f"{my_seconds * 1000:.0f} ms {my_ratio:5.2f}×   (of `import typer, rich.console`; budget 1.25)")


def _same_values(problem: str, plain: list[str], mine: list[str]) -> None:
    """Stop unless the plain program's values (JSON: name → floats) are dlsolve's answers (``dL/dW`` for W)."""
    theirs = json.loads(subprocess.run(plain, capture_output=True, text=True, check=True, cwd=ROOT).stdout)
    answers = json.loads(subprocess.run([*mine, "--format", "json"], capture_output=True, text=True, check=True,
                                        cwd=ROOT, env=ENV).stdout)["answers"]

    def flat(value: object) -> list[float]:
        return [x for v in value for x in flat(v)] if isinstance(value, list) else [float(value)]  # type: ignore[arg-type]

    for name, values in theirs.items():
        ours = flat(answers[f"dL/d{name}" if f"dL/d{name}" in answers else name]["value"])
        if len(ours) != len(values) or not all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
                                               for a, b in zip(ours, values)):
            raise SystemExit(f"{problem}: the plain program's {name} is {values}, dlsolve's {ours}")


def main() -> None:
    """Run the chosen measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="all",
                        choices=["problems", "startup", "scaling", "bank", "references", "all"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="*", help="problems: only the bank files matching this pattern (rnn*)")
    args = parser.parse_args()
    for name, measure in (("startup", startup), ("problems", problems), ("scaling", scaling), ("bank", bank),
                          ("references", references)):
        if args.what in (name, "all"):
            measure(args.runs, args.only) if name == "problems" else measure(args.runs)


if __name__ == "__main__":
    main()

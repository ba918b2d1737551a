"""The shape audit of issue 14: every backward step of every graph-based problem, in both layouts.

For each CHAIN and SUM step (substeps included) of the problems of kinds graph, rnn and gan in
``problems/``, solved once with gradients shaped like their variables (``layout: gradient``) and once
in the Jacobian layout (``layout: jacobian``), the printed substituted form, evaluated with sympy's
``doit()``, must equal the printed result in value and in shape: an equation on the sheet holds in
the layout the problem uses. (rnn and gan build their graph spec themselves; the audit solves them
with the graph kind's solver switched to each layout.)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

from solver import api
from solver.detail import at_detail
from solver.trace import Approximate, Step, StepKind

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"
GRAPH_KINDS = ("graph", "rnn", "gan")
FILES = sorted(p for p in PROBLEMS.glob("*.yaml")
               if any(line.strip() in {f"kind: {k}" for k in GRAPH_KINDS} for line in p.read_text().splitlines()))


def backward_steps(steps: tuple[Step, ...]) -> Iterator[Step]:
    """Every CHAIN and SUM step, substeps included."""
    for step in steps:
        if step.kind in (StepKind.CHAIN, StepKind.SUM):
            yield step
        yield from backward_steps(step.substeps)


def as_matrix(value: Any) -> sp.Matrix:
    """A value as an explicit matrix (a scalar as 1×1)."""
    if isinstance(value, Approximate):
        value = value.value
    if isinstance(value, sp.MatrixBase):
        return sp.Matrix(value)
    if isinstance(value, sp.MatrixExpr):
        return sp.Matrix(value.as_explicit())
    return sp.Matrix([[value]])


def evaluated(expression: Any) -> sp.Matrix:
    """The substituted form evaluated: ``doit()`` and the matrix it stands for."""
    value = expression.doit() if hasattr(expression, "doit") else expression
    return as_matrix(value)


def close(a: Any, b: Any, at: dict[Any, Any]) -> bool:
    """Two exact (or decimal) entries agree, numerically at 30 digits with the symbols set to ``at``."""
    x = complex(sp.N(sp.sympify(a).subs(at), 30))
    y = complex(sp.N(sp.sympify(b).subs(at), 30))
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def solved(path: Path, layout: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The problem of ``path`` solved in ``layout``, at full detail."""
    from solver.kinds import graph

    (problem,) = api.load(path)
    if problem.kind == "graph":
        problem = replace(problem, spec=replace(problem.spec, layout=layout))
    else:  # rnn and gan make their graph spec: solve it in the layout asked for
        original = graph.solve_graph
        monkeypatch.setattr(graph, "solve_graph",
                            lambda spec, *a, **k: original(replace(spec, layout=layout), *a, **k))
    return at_detail(api.solve(problem), "full")


@pytest.mark.parametrize("layout", ["gradient", "jacobian"])
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_backward_equation_holds_in_its_layout(path: Path, layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """substituted.doit() has the printed result's shape and value, for every backward step."""
    solution = solved(path, layout, monkeypatch)
    rng = random.Random(0)
    audited, wrong = 0, []
    for step in backward_steps(solution.steps):
        if step.substituted is None or step.result is None:
            continue
        left, right = evaluated(step.substituted), as_matrix(step.result)
        symbols = set().union(*(v.free_symbols for v in (*left, *right) if hasattr(v, "free_symbols")))
        at = {s: sp.Rational(rng.randint(1, 9), rng.randint(2, 7)) for s in symbols}
        audited += 1
        if left.shape != right.shape:
            wrong.append(f"{step.title}: substituted is {left.shape}, result is {right.shape}")
        elif not all(close(a, b, at) for a, b in zip(left, right)):
            wrong.append(f"{step.title}: substituted {list(left)} ≠ result {list(right)}")
    steps = list(backward_steps(solution.steps))
    assert audited or not steps, f"{path.stem}: no backward step has a substituted form"
    assert not wrong, "\n".join(wrong)


def test_the_audit_covers_every_graph_based_kind() -> None:
    """The bank has problems of each of the kinds graph, rnn and gan (the audit runs over all of them)."""
    kinds = {api.load(p)[0].kind for p in FILES}
    assert kinds == set(GRAPH_KINDS)

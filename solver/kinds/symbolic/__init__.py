"""Symbolic derivations: identities and derivatives in general form, each step checked by sympy.

A new kind rather than the graph kind: a graph evaluates a computational graph on given values (or
scalar symbols) and derives gradients node by node, but the course's symbolic questions are statements
about forms with symbolic sizes and indices: ∂CE(softmax(z))/∂z_k = softmax(z)_k − [y = k] for any
number of classes, h_i = Σ_j W_ij x_j + b_i for W ∈ ℝ^{m×n}, tanh x = 2σ(2x) − 1. A graph has no
indices, no sums over a symbolic range and no statement to prove, so here a problem declares its
symbols in ``given`` (scalars, sizes, indices, vectors, matrices) and writes each derivation as a chain of forms,
each with why it follows; dlsolve reads the forms with the safe reader (:mod:`.reader`), checks every
step with sympy (:mod:`.verify`: exactly where targeted rewrites decide it, at every concrete size of
``checks`` and every index value where the form has indices) and prints the chain. The last form of a
derivation is its answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from solver.errors import FieldError, UnsolvableError
from solver.formula import Name, Op, StandardPrinter
from solver.kinds.symbolic.reader import Form, Symbol, read_form, size_value, sympy_symbol
from solver.kinds.symbolic.spec import MAX_CHECK_SIZE, Derivation, SymbolicSpec, undeclared_size
from solver.kinds.symbolic.verify import Verdict, compare_chain
from solver.numbers import NumberError
from solver.problem import Problem
from solver.trace import Answer, Detail, Equation, Given, Solution, Step, StepKind

FIELDS = ("given", "checks", "derivations")
ANSWERS = ("<derivation name>",)

__all__ = ["ANSWERS", "FIELDS", "solve", "spec_type"]


def spec_type(fields: Mapping[str, Any]) -> type:
    """The spec dataclass of a symbolic problem."""
    return SymbolicSpec


def solve(problem: Problem, numeric: bool = False) -> Solution:
    """Every derivation read, checked step by step and written out; its last form is its answer."""
    spec: SymbolicSpec = problem.spec
    _check_declarations(spec.given, ("given",))
    for size in spec.checks:
        if size not in spec.given or spec.given[size].sort != "size":
            raise FieldError(("checks", size), f"'{size}' is not a symbol declared as a size")
    steps, answers = [], []
    for number, derivation in enumerate(spec.derivations):
        step, answer = _derivation(derivation, number, spec)
        steps.append(step)
        answers.append(answer)
    names = [a.name for a in answers]
    for number, name in enumerate(names):
        if name in names[:number]:
            raise FieldError(("derivations", number, "name"), f"the name '{name}' is used by an earlier derivation")
    given = tuple(Given(s.name, sympy_symbol(s), s.describe()) for s in spec.given.values())
    return Solution(problem.id, problem.kind, problem.title, problem.statement, problem.source,
                    given=given, steps=tuple(steps), answers=tuple(answers))


def _check_declarations(symbols: dict[str, Symbol], path: tuple[Any, ...]) -> None:
    missing = undeclared_size(symbols)
    if missing is not None:
        name, size = missing
        raise FieldError((*path, name), f"'{size}' is not declared as a size (add '{size}: size' to given, "
                                        f"or write a literal size from 1 to {MAX_CHECK_SIZE})")


def _derivation(derivation: Derivation, number: int, spec: SymbolicSpec) -> tuple[Step, Answer]:
    """One derivation as a group of steps (the claim, each form, the check) and its answer."""
    path: tuple[Any, ...] = ("derivations", number)
    table = {**spec.given, **derivation.symbols}
    _check_declarations(table, (*path, "symbols"))
    forms: list[Form] = []
    for k, step in enumerate(derivation.steps):
        try:
            forms.append(read_form(step.form, table))
        except NumberError as error:
            raise FieldError((*path, "steps", k, "form"), str(error)) from None
    sizes = {sympy_symbol(s): size_value(s.sizes[0], table) for s in table.values() if s.sort == "index"}
    verdicts = compare_chain([form.value for form in forms], sizes, spec.checks)
    for k, verdict in enumerate(verdicts, 2):
        if not verdict.equal:
            raise UnsolvableError(f"derivation '{derivation.name}': step {k} does not equal step {k - 1}: "
                                  f"{verdict.counterexample}")
    first, last = forms[0], forms[-1]
    claim = Op("=", (first.formula, last.formula))
    substeps = [Step(StepKind.RULE, "Claim", formula=claim,
                     record=Equation(derivation.name, first.value, last.value))]
    for k in range(1, len(forms)):
        why = derivation.steps[k].why or "Rewrite"
        left = forms[0].formula if k == 1 else Name("")  # later steps continue the chain: "= form"
        substeps.append(Step(StepKind.EVALUATE, why, formula=Op("=", (left, forms[k].formula))))
    substeps.append(Step(StepKind.CHECK, _checked(verdicts, sizes, spec.checks), detail=Detail.STANDARD))
    group = Step(StepKind.GROUP, derivation.claim, substeps=tuple(substeps))
    return group, Answer(derivation.name, last.value, StandardPrinter().doprint(claim))


def _checked(verdicts: list[Verdict], sizes: dict[Any, Any], checks: dict[str, tuple[int, ...]]) -> str:
    """How the steps were checked, in words."""
    cases = max(v.cases for v in verdicts)
    how = "exactly" if all(v.exact for v in verdicts) else "exactly or at 6 random points each"
    if cases == 1:
        return f"Each step checked with sympy: both sides are equal ({how})."
    return f"Each step checked with sympy in {cases} concrete cases (sizes and index values), {how}."

"""``dlsolve check``: a student's answers against the exact solution, value by value.

Each given value is judged against the quantity of the same name (:mod:`.quantities`) by
:func:`.compare.compare`; the first wrong step is the earliest wrong quantity (in the order the trace
derives them) none of whose own inputs the student got wrong: later mistakes may only follow from it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from solver.check.answers import Given
from solver.check.carried import consistent, fixable, recomputed, trivial
from solver.check.compare import Verdict, Written, compare
from solver.check.mistakes import diagnose
from solver.check.quantities import Quantity, quantities, require
from solver.problem import Problem
from solver.trace import Solution

__all__ = ["Judged", "Report", "check"]


@dataclass(frozen=True)
class Judged:
    """One answer judged: what was given, the quantity it was matched to, the verdict and the points."""

    given: Given
    quantity: Quantity
    verdict: Verdict
    earned: float
    mistake: str = ""  # the named mistake that explains a wrong value (solver.check.mistakes), if any
    carried: tuple[str, ...] = ()  # wrong earlier values this one is consistent with (error carried forward)
    credited: bool = True  # False: consistent, but the wrong earlier values made the work trivial

    @property
    def earned_carried(self) -> float:
        """Points with carried-forward credit: a value consistent with the student's own wrong inputs."""
        return self.given.points if self.carried and self.credited else self.earned

    @property
    def expected(self) -> Any:
        """The exact value (shown only when revealed)."""
        return self.quantity.value


@dataclass(frozen=True)
class Report:
    """The verdicts on one problem's answers, the score and the first wrong step."""

    solution: Solution
    judged: tuple[Judged, ...]
    first_wrong: Judged | None

    @property
    def score(self) -> float:
        """Points earned."""
        return sum(j.earned for j in self.judged)

    @property
    def score_carried(self) -> float:
        """Points earned, with carried-forward credit."""
        return sum(j.earned_carried for j in self.judged)

    @property
    def total(self) -> float:
        """Points possible."""
        return sum(j.given.points for j in self.judged)

    @property
    def all_correct(self) -> bool:
        """Whether every answer was accepted."""
        return all(j.verdict.accepted for j in self.judged)


def check(solution: Solution, answers: list[Given], problem: Problem | None = None) -> Report:
    """Judge ``answers`` against ``solution``; an answer whose name is not a quantity is a FieldError
    (its path ``answers.NAME``) that lists the names this problem has. With the ``problem``, later values
    are judged again from the student's own wrong ones (:mod:`.carried`)."""
    if problem is not None and problem.kind == "symbolic":  # forms, not values
        from solver.check.symbolic import judge_forms

        forms = judge_forms(solution, answers, problem)
        return Report(solution, tuple(forms), _first_wrong(forms))
    known = quantities(solution)
    judged = []
    for given in answers:
        quantity = require(given.name, known)
        verdict = compare(given.written, quantity.value, quantity.name, given.tolerance)
        mistake = "" if verdict.accepted else diagnose(given.written.value, quantity, solution, given.written)
        judged.append(Judged(given, quantity, verdict, given.points if verdict.accepted else 0.0, mistake))
    order = {q.name: position for position, q in enumerate(known.values())}
    judged.sort(key=lambda j: order.get(j.quantity.name, len(order)))
    if problem is not None:
        judged = _carried_forward(problem, solution, judged, order)
    return Report(solution, tuple(judged), _first_wrong(judged))


def _carried_forward(problem: Problem, solution: Solution, judged: list[Judged], order: dict[str, int]) -> list[Judged]:
    """The wrong values that follow from the student's own earlier wrong values, marked so.

    In order: a wrong forward value that the recomputation from the student's earlier wrong values
    explains is carried forward; one it does not explain is a new mistake, put in for the values after
    it. Gradients and updates are judged against the recomputation from every wrong forward value."""
    defined = fixable(problem, solution)
    fixed: dict[str, Written] = {}
    made_trivial = False
    again: dict[str, Quantity] | None = None
    out = []
    for item in judged:
        name = item.quantity.name
        if not item.verdict.accepted and fixed and again is not None and consistent(item.given, item.quantity, again):
            item = dataclasses.replace(item, carried=tuple(fixed), mistake="", credited=not made_trivial)
        elif not item.verdict.accepted and name in defined:
            fixed[name] = item.given.written
            made_trivial = made_trivial or trivial(item.given.written, item.quantity)
            again = recomputed(problem, solution, fixed)
            if again is None:
                return judged  # the problem cannot be solved from these values: no carried-forward credit
        out.append(item)
    return out


def _first_wrong(judged: list[Judged]) -> Judged | None:
    """The earliest wrong answer none of whose inputs (among the answers given) is wrong."""
    wrong = {j.quantity.name for j in judged if not j.verdict.accepted}
    for item in judged:
        if item.quantity.name in wrong and not (set(item.quantity.uses) & wrong):
            return item
    return None

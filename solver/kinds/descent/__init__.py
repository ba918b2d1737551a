"""Kind ``descent``: gradient descent on a function of one variable, ``x_{k+1} = x_k − η·f'(x_k)``.

A kind of its own because the ``graph`` kind takes one gradient step per observation: a loop of a
hundred steps on one function (the lecture slides' PyTorch "hello world") is not a graph, it is a
table of iterates. The derivative is taken symbolically once; the first iterates are exact and
written out in full (formula, numbers, result). Exact iterates explode (a cubic derivative triples
the digits of a fraction with every step), so once an iterate's numerator or denominator passes
``EXACT_DIGITS`` digits, or its form ``EXACT_OPS`` operations, the rest is computed with
``FLOAT_DIGITS`` significant digits and the trace says where and why. When the last iterate sits at
a stationary point of a polynomial, that point is given exactly and classified by f''.

The parts: :mod:`.run` (the ``given``, its validation and the iteration) and :mod:`.steps` (the
steps and answers built from a run).
"""

from __future__ import annotations

from solver.i18n import tr
from solver.kinds import within_given
from solver.kinds.descent.run import Descent, Iterate, Run, iterate, read_function, spec_type
from solver.kinds.descent.steps import answers, steps
from solver.problem import Problem
from solver.trace import Given, Solution, phrase

FIELDS = ("given",)
ANSWERS = ("x_<k>", "f(x_<N>)", "f'(x_<N>)", "x*")

__all__ = ["ANSWERS", "FIELDS", "Descent", "Iterate", "Run", "iterate", "read_function", "solve", "spec_type"]


def solve(problem: Problem, numeric: bool = False) -> Solution:
    """The derivative, the first iterates in full, a table of the rest, and where the descent ends."""
    given: Descent = problem.spec.given
    with within_given():
        run = iterate(given)
    name = given.variable
    # Translators: {name} is the variable, such as x
    givens = (Given("f", run.f, phrase(tr("the function of {name}"), name=name)),
              Given(f"{name}_0", given.start, tr("start")),
              Given("η", run.lr, tr("step size (learning rate)")), Given("N", given.iterations, tr("iterations")))
    return Solution(id=problem.id, kind=problem.kind, title=problem.title, statement=problem.statement,
                    source=problem.source, given=givens, steps=steps(run, given), answers=answers(run, given))

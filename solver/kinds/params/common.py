"""Step helpers every parameter count shares: the solved triple, scaled and summed formulas, and
substituting numbers into a general formula so that both forms come from one tree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeAlias

from solver.formula import Floor, Formula, Name, Number, Op, Paren, Sum, Term, op
from solver.trace import Answer, Given, Step

Solved: TypeAlias = tuple[list[Given], list[Step], list[Answer]]
"""What each model's solver returns: the givens, the steps and the answers."""

WEIGHTS_PLUS_BIASES = Name("weights") + Name("biases")


def scaled(factor: int, formula: Formula) -> Formula:
    """``factor·(formula)``, or the formula itself for a factor of 1."""
    return formula if factor == 1 else Number(factor) * Paren(formula)


def total(terms: Iterable[Term]) -> Formula:
    """The terms added up in order: ``a + b + c`` (one term alone is itself)."""
    return op("+", *terms)


def names(template: str, count: int) -> list[Name]:
    """``count`` numbered names, ``template`` holding ``{}`` for the number 1, 2, …: ``layer1``, ``layer2``."""
    return [Name(template.format(i)) for i in range(1, count + 1)]


def shape(sizes: Iterable[Term]) -> Formula:
    """A shape as a formula: ``16×32×32``, ``C_out×H_out×W_out``."""
    return op("×", *sizes)


def substitute(formula: Formula, values: Mapping[str, int]) -> Formula:
    """The formula with numbers for the names in ``values``; a coefficient written against a name gets its
    product sign back when the name becomes a number (``2h`` → ``2·500``)."""
    if isinstance(formula, Name):
        return Number(values[formula.text]) if formula.text in values else formula
    if isinstance(formula, Number):
        return formula
    if isinstance(formula, Op):
        args = tuple(substitute(arg, values) for arg in formula.args)
        juxtaposed = formula.symbol == "juxtapose" and isinstance(args[-1], Number)
        return Op("·" if juxtaposed else formula.symbol, args)
    if isinstance(formula, Paren):
        return Paren(substitute(formula.body, values))
    if isinstance(formula, Floor):
        return Floor(substitute(formula.body, values))
    if isinstance(formula, Sum):
        return Sum(formula.index, substitute(formula.body, values))
    raise TypeError(f"no parameter count writes a {type(formula).__name__} formula")

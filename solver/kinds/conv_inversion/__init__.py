"""Convolution inversion: recover an unknown kernel, bias and lost inputs from a partly known output.

Every known output entry gives one equation ``Y[i,j] = b + Σ W[k,l]·X[window]``. An unknown
weight times an unknown input makes an equation non-linear, so the solver eliminates in stages
(as a solution sheet does): each round solves, with sympy's ``linsolve``, every equation that is
linear in the unknowns left, keeps the values it determines, and substitutes them into the
rest. It stops when a round determines nothing new; what is left is reported as free quantities
and the relations they satisfy, or as equations staged elimination cannot untangle. A system
with no solution is reported with a smallest set of equations that conflict.

The parts: :mod:`.spec` (the ``given`` and its validation), :mod:`.algebra` (the equations and
their elimination), :mod:`.writing` (expressions written in the problem's order, as formula
trees) and :mod:`.steps` (the solve and its steps).
"""

from __future__ import annotations

from solver.kinds.conv_inversion.algebra import (
    Equation,
    Inconsistent,
    Round,
    eliminate,
    equations,
    is_linear,
    linsolve,
    relation,
    relations,
    smallest_conflict,
)
from solver.kinds.conv_inversion.spec import Bias, Grid, Inversion, Kernel, Known, spec_type
from solver.kinds.conv_inversion.steps import solve

FIELDS = ("given",)
ANSWERS = ("W[i,j]", "b", "X[i,j]", "Y[i,j]")

__all__ = [
    "ANSWERS",
    "FIELDS",
    "Bias",
    "Equation",
    "Grid",
    "Inconsistent",
    "Inversion",
    "Kernel",
    "Known",
    "Round",
    "eliminate",
    "equations",
    "is_linear",
    "linsolve",
    "relation",
    "relations",
    "smallest_conflict",
    "solve",
    "spec_type",
]

"""The equations of the known outputs and their staged elimination.

Every known output entry gives one equation ``Y[i,j] = b + Σ W[k,l]·X[window]``. An unknown weight
times an unknown input makes an equation non-linear, so :func:`eliminate` works in stages (as a
solution sheet does): each round solves, with sympy's ``linsolve``, every equation that is linear in
the unknowns left, keeps the values it determines, and substitutes them into the rest. It stops when
a round determines nothing new. A system with no solution raises :class:`Inconsistent` with a
smallest set of equations that conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from solver.formula import Formula, Name
from solver.kinds.conv_inversion.spec import Inversion, Position, index
from solver.kinds.conv_inversion.writing import Order, factor, total, value

if TYPE_CHECKING:
    from solver.engine.conv import Conv

Pair = tuple["Equation", Any]  # an equation and its expression after substituting known values


@dataclass(frozen=True)
class Equation:
    """One known output: ``expr = 0`` with ``expr = b + Σ w·x − y``, and how to write it."""

    label: str  # "Y[1,0]"
    expr: Any
    window: Formula  # e·X[1,0] + e·X[1,1] + f·X[2,0] + f·X[2,1] + b
    numbers: Formula  # e·1 + e·2 + f·3 + f·(−1) + b
    value: Any  # the known output
    window_known: bool  # no unknown input in its window


def equations(given: Inversion, conv: Conv, inputs: dict[Position, Any], outputs: list[Position]) -> list[Equation]:
    """The equation of every known output, written as a window sum and with the numbers put in."""
    import sympy as sp

    one_d = given.X.one_d
    terms: dict[Position, list[tuple[Any, Any, Formula, Formula]]] = {}
    for out, (ki, kj), (ii, jj) in conv.taps(given.X.shape, given.W.shape):
        weight, x_value = given.W.rows[ki][kj], inputs[(ii, jj)]
        name = Name(f"X{index((ii, jj), one_d)}")
        shown = name if given.X.rows[ii][jj] is None else factor(value(x_value))
        w = factor(value(weight))
        terms.setdefault(out, []).append((weight, x_value, w * name, w * shown))
    result = []
    for out in outputs:
        y = given.Y.rows[out[0]][out[1]]
        parts = terms.get(out, [])
        bias = [] if given.b == 0 else [value(given.b)]
        expr = sp.Add(*(w * x for w, x, _, _ in parts), given.b) - y
        result.append(Equation(
            label=f"Y{index(out, one_d)}",
            expr=sp.expand(expr),
            window=total([t for _, _, t, _ in parts] + bias),
            numbers=total([t for _, _, _, t in parts] + bias),
            value=y,
            window_known=all(not x.free_symbols for _, x, _, _ in parts),
        ))
    return result


def output(given: Inversion, conv: Conv, inputs: dict[Position, Any], position: Position) -> Any:
    """The output entry at ``position`` as an expression in the unknowns."""
    entry = given.b
    for out, (ki, kj), (ii, jj) in conv.taps(given.X.shape, given.W.shape):
        if out == position:
            entry += given.W.rows[ki][kj] * inputs[(ii, jj)]
    return entry


def window_numbers(given: Inversion, conv: Conv, inputs: dict[Position, Any], position: Position,
                   values: dict[Any, Any]) -> Formula:
    """The window sum of one output with every solved value put in: ``1·2 + 1·(−1) + … + (−1)``."""
    terms = [factor(value(given.W.rows[ki][kj].subs(values))) * factor(value(inputs[(ii, jj)].subs(values)))
             for out, (ki, kj), (ii, jj) in conv.taps(given.X.shape, given.W.shape) if out == position]
    bias = [] if given.b == 0 else [factor(value(given.b.subs(values)))]
    return total(terms + bias)


# --- staged elimination ---------------------------------------------------------------------------


@dataclass
class Round:
    """One round: the equations it solved (as they read after substitution) and what it determined."""

    equations: list[Pair]
    solved: dict[Any, Any]


class Inconsistent(Exception):
    """The known outputs admit no solution; ``equations`` is a smallest conflicting set."""

    def __init__(self, equations: list[Pair], known: dict[Any, Any]):
        self.equations, self.known = equations, known


def is_linear(expr: Any, unknowns: set[Any]) -> bool:
    """Whether ``expr`` has degree at most 1 in ``unknowns``."""
    import sympy as sp

    symbols = expr.free_symbols & unknowns
    return not symbols or sp.Poly(expr, *symbols).total_degree() <= 1


def linsolve(exprs: list[Any], order: Order) -> tuple[tuple[Any, Any], ...] | None:
    """The solution of ``expr = 0`` for every expression, as (unknown, value) pairs (values may be in
    terms of free unknowns); None when there is none."""
    import sympy as sp

    symbols = sorted(set().union(*(e.free_symbols for e in exprs)), key=order.__getitem__)
    if not symbols:
        return None if any(e != 0 for e in exprs) else ()
    solutions = sp.linsolve(exprs, symbols)
    if solutions == sp.S.EmptySet:
        return None
    (values,) = solutions.args
    return tuple(zip(symbols, values))


def smallest_conflict(pairs: list[Pair], order: Order) -> list[Pair]:
    """A minimal subset with no solution (deletion filter: drop each equation the conflict survives without)."""
    kept = list(pairs)
    for pair in list(kept):
        rest = [p for p in kept if p is not pair]
        if rest and linsolve([e for _, e in rest], order) is None:
            kept = rest
    return kept


def eliminate(equations: list[Equation], order: Order) -> tuple[list[Round], dict[Any, Any], list[Pair]]:
    """Rounds of linear solves until nothing new is determined: (rounds, values, equations left)."""
    import sympy as sp

    unknowns = set(order)
    known: dict[Any, Any] = {}
    rounds: list[Round] = []
    while True:
        current = [(eq, sp.expand(eq.expr.subs(known))) for eq in equations]
        left = [(eq, e) for eq, e in current if e != 0]
        linear = [(eq, e) for eq, e in left if is_linear(e, unknowns)]
        if not linear:
            return rounds, known, left
        solution = linsolve([e for _, e in linear], order)
        if solution is None:
            raise Inconsistent(smallest_conflict(linear, order), dict(known))
        symbols = {s for s, _ in solution}
        new = {s: v for s, v in solution if not (v.free_symbols & symbols)}
        if not new:
            return rounds, known, left
        rounds.append(Round(linear, new))
        known.update(new)


# --- what is left open ----------------------------------------------------------------------------


def relation(expr: Any, order: Order) -> tuple[Any, Any]:
    """A linear relation ``expr = 0`` as (left side, right side), scaled to integer coprime coefficients."""
    import sympy as sp

    constant = expr.as_coeff_add()[0] if expr.is_Add else (expr if expr.is_number else sp.S.Zero)
    left = sp.expand(expr - constant)
    content, primitive = sp.primitive(left)
    first = min(left.free_symbols, key=lambda s: order.get(s, 10**6))
    sign = -1 if primitive.coeff(first) < 0 else 1
    return sign * primitive, sign * (-constant) / content


def relations(pairs: list[Pair], order: Order) -> list[tuple[Any, Any]]:
    """The independent linear relations left among undetermined unknowns, each in lowest terms."""
    import sympy as sp

    found: list[tuple[Any, Any]] = []
    rows: list[list[Any]] = []
    symbols = sorted(set().union(*(e.free_symbols for _, e in pairs)) if pairs else set(), key=order.__getitem__)
    for _, expr in pairs:
        row = [expr.coeff(s) for s in symbols]
        if sp.Matrix([*rows, row]).rank() > len(rows):
            rows.append(row)
            one = relation(expr, order)
            if one not in found:
                found.append(one)
    return found


def product_example(expr: Any, order: Order) -> Any:
    """The first product of two or more unknowns in ``expr`` (``e·X[0,0]``, coefficient dropped), or None."""
    import sympy as sp

    for term in sp.Add.make_args(expr):
        if len(term.free_symbols & set(order)) > 1:
            return term / term.as_coeff_Mul()[0]
    return None

"""Checks that two forms of a derivation are equal, with sympy and bounded work only.

A form with indices (``z[k]``, ``Σ_j``, ``[y = k]``) is expanded at concrete sizes (``checks``) for every
value of its free indices: sums become finite sums, ``z[k]`` a plain entry, derivatives are taken. Each
pair of expanded sides is compared exactly by targeted rewrites (tanh as exponentials, logarithms of
products and powers split, then one ``cancel``: never an unbounded ``simplify``). Where those rewrites
do not reach 0, the sides are compared at random points to 25 digits.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from solver.i18n import tr
from solver.kinds.symbolic.reader import bound_apart

MAX_CASES = 400  # concrete cases (sizes × index values) of one comparison
POINTS = 6  # random points of a numeric comparison
TOLERANCE = 1e-20


@dataclass(frozen=True)
class Verdict:
    """How two forms compared: equal (exactly or at random points) or not, with a counterexample."""

    equal: bool
    exact: bool = True
    cases: int = 1  # concrete cases compared
    counterexample: str = ""


def compare_chain(forms: list[Any], sizes: dict[Any, Any], checks: dict[str, tuple[int, ...]]) -> list[Verdict]:
    """The verdict for each pair of consecutive forms (stopping at the first unequal pair), every form
    expanded once per concrete case; ``sizes`` maps each index symbol to its size."""
    comparer = Comparer(sizes, checks)
    verdicts: list[Verdict] = []
    for k in range(1, len(forms)):
        verdicts.append(comparer.compare(forms[k - 1], forms[k]))
        if not verdicts[-1].equal:
            break
    return verdicts


class Comparer:
    """Forms compared case by case (sizes from ``checks``, every value of their free indices), each form
    expanded once per case and kept for the comparisons after it.

    ``screen``: before the exact comparison of a case, both sides are evaluated at one point, a declared
    function f and its f' standing for fixed functions there; a clear difference ends the comparison at
    once (a checker trying many wrong candidates needs this; a derivation's own steps are equal)."""

    def __init__(self, sizes: dict[Any, Any], checks: dict[str, tuple[int, ...]], screen: bool = False):
        self.sizes, self.checks, self.screen = sizes, checks, screen
        self._apart: dict[Any, Any] = {}
        self._expanded: dict[tuple[Any, tuple[Any, ...]], Any] = {}

    def concrete(self, form: Any, case: dict[Any, int]) -> Any:
        """``form`` in one concrete case: sums written out, derivatives taken, f′ named."""
        if form not in self._apart:  # so that a case's values replace free indices only
            self._apart[form] = bound_apart(form)
        key = (form, tuple(sorted(case.items(), key=str)))
        if key not in self._expanded:
            self._expanded[key] = _derivatives_named(_unrolled(self._apart[form].xreplace(case)).doit())
        return self._expanded[key]

    def compare(self, first: Any, second: Any) -> Verdict:
        """Whether two forms are equal in every concrete case, exactly or at random points."""
        all_cases = _cases(_free(self._apart.get(first, first)) | _free(self._apart.get(second, second)) |
                           _free(first) | _free(second), self.sizes, self.checks)
        if all_cases is None:
            return Verdict(False, counterexample=tr("more than {count} cases to check: use smaller checks",
                                                    count=MAX_CASES))
        exact = True
        for case in all_cases:
            a, b = self.concrete(first, case), self.concrete(second, case)
            if self.screen and _differ_at_a_point(a, b):
                return Verdict(False, counterexample=tr("the sides differ at a point"))
            if _exactly_zero(a - b):
                continue
            difference = _numeric_difference(a, b)
            if difference is not None:
                where = ", ".join(f"{symbol} = {value}" for symbol, value in case.items())
                return Verdict(False, exact, len(all_cases), (where + ": " if where else "") + difference)
            exact = False
        return Verdict(True, exact, len(all_cases))


def _free(form: Any) -> set[Any]:
    """The free symbols of a form, with the indices of the entries it differentiates by (sympy counts
    the i of ∂s/∂u_i as bound)."""
    import sympy as sp

    by = {v for derivative in form.atoms(sp.Derivative) for v in derivative.variables}
    return form.free_symbols | {s for v in by for s in v.free_symbols}


def _cases(free: set[Any], sizes: dict[Any, Any], checks: dict[str, tuple[int, ...]]) -> list[dict[Any, int]] | None:
    """Every assignment of the sizes (from ``checks``, default 2 and 3) and free indices among ``free``;
    None when there are more than MAX_CASES."""
    indices = sorted((s for s in free if s in sizes), key=str)
    size_symbols = sorted({s for s in free if s.is_integer and s.is_positive and s not in sizes}
                          | {sizes[i] for i in indices if not sizes[i].is_number}, key=str)
    out = []
    for chosen in itertools.product(*(checks.get(str(s), (2, 3)) for s in size_symbols)):
        sized = dict(zip(size_symbols, chosen))
        for values in itertools.product(*(range(int(sizes[i].subs(sized))) for i in indices)):
            out.append({**sized, **dict(zip(indices, values))})
            if len(out) > MAX_CASES:
                return None
    return out


def _unrolled(value: Any) -> Any:
    """``value`` with every sum over a concrete range written out term by term (sympy's own ``doit``
    on a sum tries symbolic summation first: ten times slower here)."""
    import sympy as sp

    def unroll(total: Any) -> Any:
        (index, low, high), = total.limits
        if not (low.is_Integer and high.is_Integer):
            return total
        return sp.Add(*(total.function.xreplace({index: sp.Integer(k)}) for k in range(int(low), int(high) + 1)))

    if not value.has(sp.Sum):
        return value
    return replaced(value, lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, unroll)


def replaced(value: Any, query: Callable[[Any], bool], function: Callable[[Any], Any]) -> Any:
    """sympy's ``value.replace(query, function)`` (bottom-up: arguments first, then the node they make),
    each distinct subtree rewritten once: sympy's walk visits every occurrence of a shared subtree, and a
    concrete case's written-out sums repeat the same terms many times. ``function`` must be pure."""
    done: dict[Any, Any] = {}

    def walk(node: Any) -> Any:
        if node in done:
            return done[node]
        result = node
        args = getattr(node, "args", None)
        if args is not None:
            new = tuple(walk(arg) for arg in args) if args else args
            if new != args:
                result = node.func(*new)
                if any(result == old and old != arg for old, arg in zip(args, new)):
                    done[node] = result  # sympy's simultaneous rule: a node that became a replaced argument
                    return result
            if query(result):
                rewritten = function(result)
                if rewritten is not None and rewritten != result:
                    result = rewritten
        done[node] = result
        return result

    return walk(value)


def _derivatives_named(value: Any) -> Any:
    """``value`` with each derivative of a declared function f written f'(point): sympy's chain rule
    writes f′ at a point as a substitution into ∂f(ξ)/∂ξ with its own dummy ξ, a form as f'(point)."""
    import sympy as sp
    from sympy.core.function import AppliedUndef

    def named(node: Any) -> Any:
        if isinstance(node, sp.Subs):  # (its derivative already named: the replacement works bottom-up)
            return node.expr.xreplace({v: p.doit() for v, p in zip(node.variables, node.point)})
        inner = node.expr
        if isinstance(inner, AppliedUndef) and len(inner.args) == 1 and node.variable_count == ((inner.args[0], 1),):
            return sp.Function(inner.func.__name__ + "'")(inner.args[0])
        return node

    if not value.has(sp.Subs, sp.Derivative):
        return value
    return replaced(value, lambda e: isinstance(e, (sp.Subs, sp.Derivative)), named)


def _exactly_zero(difference: Any) -> bool:
    """Whether targeted rewrites bring ``difference`` to 0 (False: undecided, not unequal)."""
    import sympy as sp

    if difference == 0 or (not difference.has(sp.exp, sp.log, sp.tanh) and sp.expand(difference) == 0):
        return True  # (the common case, without the rewrites)
    tidy = sp.expand_log(difference.rewrite(sp.exp), force=True)
    if tidy == 0:
        return True
    if tidy.count_ops() > 400:
        return False
    combined = sp.together(tidy)
    numerator, _ = sp.fraction(combined)
    if sp.expand(numerator) == 0:  # (a numerator that expands to 0 is all cancel would find, without its gcds)
        return True
    return bool(sp.cancel(combined) == 0)


def _numeric_difference(a: Any, b: Any) -> str | None:
    """None when ``a`` and ``b`` agree at random points, else where they differ (seeded: reproducible)."""
    import sympy as sp

    entries = sorted((a - b).atoms(sp.Indexed), key=str)
    names = sorted((s for s in (a - b).free_symbols if isinstance(s, sp.Symbol) and s not in
                    {e.base.label for e in entries}), key=str)
    draw = random.Random(15)
    compared = 0
    for _ in range(3 * POINTS):
        point = {v: sp.Rational(draw.randint(-200, 200), 100) for v in [*entries, *names]}
        left, right = a.subs(point).evalf(30), b.subs(point).evalf(30)
        if not (left.is_number and right.is_number) or left.has(sp.nan, sp.zoo) or right.has(sp.nan, sp.zoo):
            continue
        if abs(left - right) > TOLERANCE * (1 + abs(left)):
            at = ", ".join(f"{k} = {v}" for k, v in point.items())
            # Translators: {point} lists values such as x = 1/2, y = -3/4
            return tr("at {point} the sides are {left} and {right}", point=at, left=sp.N(left, 8), right=sp.N(right, 8))
        compared += 1
        if compared == POINTS:
            return None
    return tr("the sides could not be compared (not finite at random points)")


def _differ_at_a_point(a: Any, b: Any) -> bool:
    """Whether two expanded forms clearly differ at one point, each declared function (f, f′) a fixed
    smooth function there (False: they agree there, or cannot be evaluated)."""
    import sympy as sp
    from sympy.core.function import AppliedUndef

    draw = random.Random(16)
    entries = sorted((a - b).atoms(sp.Indexed), key=str)
    names = sorted((s for s in (a - b).free_symbols if isinstance(s, sp.Symbol) and s not in
                    {e.base.label for e in entries}), key=str)
    point = {v: sp.Rational(draw.randint(-200, 200), 100) for v in [*entries, *names]}

    def stand_in(application: Any) -> Any:  # a function of its own per name: sin(c₁·u + c₂)
        seed = sum(map(ord, application.func.__name__))
        return sp.sin(sp.Rational(seed % 7 + 2, 3) * application.args[0] + sp.Rational(seed % 5, 4))

    values = []
    for side in (a, b):
        value = side.xreplace(point)
        if value.has(AppliedUndef):
            value = value.replace(lambda e: isinstance(e, AppliedUndef) and len(e.args) == 1, stand_in)
        value = value.evalf(30)
        if not value.is_number or value.has(sp.nan, sp.zoo):
            return False
        values.append(value)
    return bool(abs(values[0] - values[1]) > 1e-12 * (1 + abs(values[0])))

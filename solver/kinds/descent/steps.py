"""The steps and answers of a ``descent`` problem, built from its :class:`~solver.kinds.descent.Run`."""

from __future__ import annotations

from typing import Any

from solver.formula import Name, equation
from solver.i18n import tr
from solver.kinds.descent.run import (
    FLOAT_DIGITS,
    SHOWN_DIGITS,
    Descent,
    Iterate,
    Run,
    approximate,
    derivative_at,
    subscript,
)
from solver.trace import Answer, Detail, Phrase, Step, StepKind, Update, phrase

STATIONARY_CLOSE = 1e-6  # the last iterate this close to a root of f' is said to have reached it
MAX_ROOT_DEGREE = 4  # f' of at most this degree: its real roots are found exactly


def substituted(expression: Any, variable: Any, value: Any) -> Any:
    """``expression`` with ``value`` in place of the variable, unevaluated, terms in the expression's order."""
    import sympy as sp

    inner = _short(value)
    with sp.evaluate(False):  # keeps (−1.2)^2 a power of the bracketed number
        terms = [term.subs(variable, inner) for term in expression.as_ordered_terms()]
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


def _short(value: Any) -> Any:
    """A value as substituted into a formula: a float to SHOWN_DIGITS digits (a negative one bracketed),
    an exact value as it is."""
    import sympy as sp

    if not isinstance(value, sp.Float):
        return sp.UnevaluatedExpr(value)
    shown = sp.UnevaluatedExpr(sp.Float(abs(value), SHOWN_DIGITS))
    return sp.Mul(-1, shown, evaluate=False) if value < 0 else shown


def update_step(run: Run, given: Descent, before: Iterate, after: Iterate) -> Step:
    """``x_{k+1} = x_k − η·f'(x_k)`` with numbers, and f, f' at x_k as its substeps."""
    import sympy as sp

    name, k = given.variable, before.k
    at = subscript(name, k)
    gradient = Step(StepKind.EVALUATE, f"f'({name}_{k})", formula=run.df.subs(run.variable, sp.Symbol(f"{name}_{k}")),
                    substituted=substituted(run.df, run.variable, before.x), result=approximate(before.gx))
    value = Step(StepKind.EVALUATE, f"f({name}_{k})", substituted=substituted(run.f, run.variable, before.x),
                 result=approximate(before.fx), detail=Detail.STANDARD)
    shown = sp.Add(_short(before.x), sp.Mul(-run.lr, _short(before.gx), evaluate=False), evaluate=False)
    return Step(StepKind.UPDATE, f"{name}_{after.k}", formula=at - Name("η") * derivative_at(name, k),
                substituted=shown, result=approximate(after.x), substeps=(gradient, value),
                record=Update(name, run.lr, before.gx, before.x, after.x))


def switch_step(run: Run, given: Descent) -> Step:
    """Where exact arithmetic stops, and why."""
    name, k = given.variable, run.switch
    assert k is not None
    # Translators: {iterate} is an iterate such as x_7
    return Step(StepKind.RULE,
                tr("From {iterate} on: floating point with 30 significant digits", iterate=f"{name}_{k}"),
                # Translators: {update} is a formula such as x_7 = x_6 − η·f'(x_6); {reason} says why
                note=tr("{update} is computed exactly, but {reason}; exact forms explode (the digits multiply with "
                        "every step), so the remaining iterates are computed with 30 significant digits and shown "
                        "rounded.", update=f"{name}_{k} = {name}_{k - 1} − η·f'({name}_{k - 1})", reason=run.why))


def row_step(row: Iterate, given: Descent, detail: Detail) -> Step:
    """One row of the table of iterates: x_k, f(x_k), f'(x_k)."""
    name, k = given.variable, row.k
    return Step(StepKind.EVALUATE, Phrase((f"{name}_{k} = ", approximate(row.x), f",  f({name}_{k}) = ",
                                           approximate(row.fx), f",  f'({name}_{k}) = ", approximate(row.gx))),
                detail=detail)


def table(run: Run, given: Descent) -> list[Step]:
    """The iterates after the ones written out: every one at full detail, every ``every``-th and the last below."""
    first = min(given.shown, given.iterations) + 1
    rows = run.rows[first:]
    if not rows:
        return []
    out: list[Step] = []
    if run.switch is not None and run.switch >= first:
        out.append(switch_step(run, given))
    last = given.iterations
    entries = tuple(row_step(row, given, Detail.BRIEF if row.k % given.every == 0 or row.k == last else Detail.FULL)
                    for row in rows)
    title = tr("Iterations {first} to {last}", first=first, last=last) if first < last \
        else tr("Iteration {last}", last=last)
    # Translators: {every} is a number: one iterate in 10 is shown
    note = (tr("Every iterate is in the trace; below full detail, one in {every} and the last are shown.",
               every=given.every) if len(rows) > 1 and given.every > 1 else "")
    out.append(Step(StepKind.GROUP, title, note=note, substeps=entries))
    return out


def stationary(run: Run, given: Descent) -> tuple[Step, Any] | None:
    """The exact stationary point the last iterate reached (f polynomial, f' of degree ≤ 4), with f''."""
    import sympy as sp

    from solver.engine.exact import positive, tidy

    if not run.f.is_polynomial(run.variable):
        return None
    poly = sp.Poly(run.df, run.variable)
    if poly.degree() < 1 or poly.degree() > MAX_ROOT_DEGREE or not all(c.is_Rational for c in poly.coeffs()):
        return None
    last = run.rows[-1].x
    roots = [r for r in poly.real_roots() if not r.has(sp.CRootOf)]
    close = [r for r in roots if abs(r.evalf(30) - last) <= STATIONARY_CLOSE * max(1, abs(last))]
    if not close:
        return None
    root = close[0]
    curvature = tidy(sp.expand(sp.diff(run.df, run.variable).subs(run.variable, root)))
    kind = (tr("a local minimum") if positive(curvature) else tr("a local maximum") if positive(-curvature)
            else tr("not classified by f''"))
    name = given.variable
    sign = " > 0" if positive(curvature) else " < 0" if positive(-curvature) else ""
    gap = sp.Float(abs(root.evalf(FLOAT_DIGITS) - last), 2)
    step = Step(StepKind.EVALUATE, f"{name}*", result=root,
                # Translators: {equation} is f'(x) = 0, {iterate} x_100, {gap} a number, {point} x*, {curvature}
                # the value of f'' there and {sign} " > 0", " < 0" or nothing; {kind} is "a local minimum" or so
                note=phrase(tr("The root of {equation} that {iterate} has reached (they differ by {gap}); "
                               "f''({point}) = {curvature}{sign}, so {point} is {kind}."),
                            equation=f"f'({name}) = 0", iterate=f"{name}_{given.iterations}", gap=gap,
                            curvature=curvature, sign=sign, point=f"{name}*", kind=kind))
    return step, root


def steps(run: Run, given: Descent) -> tuple[Step, ...]:
    """The rule, the derivative, the first iterates in full, the table of the rest, the stationary point."""
    name = given.variable
    out = [Step(StepKind.RULE, tr("Gradient descent"),
                formula=equation(subscript(name, "(k+1)"), subscript(name, "k") - Name("η") * derivative_at(name, "k")),
                note=tr("Each step moves against the derivative (as PyTorch does with x.data = x − step·x.grad)."),
                detail=Detail.STANDARD),
           Step(StepKind.EVALUATE, f"f'({name})", result=run.df,
                note=tr("The derivative of f with respect to {name}, taken once for all iterations.", name=name))]
    for before, after in zip(run.rows, run.rows[1:given.shown + 1]):
        if run.switch == after.k:
            out.append(switch_step(run, given))
        out.append(update_step(run, given, before, after))
    out += table(run, given)
    found = stationary(run, given)
    if found is not None:
        out.append(found[0])
    return tuple(out)


def answers(run: Run, given: Descent) -> tuple[Answer, ...]:
    """``x_1`` … ``x_<shown>``, ``x_<N>``, ``f(x_<N>)``, ``f'(x_<N>)`` and ``x*`` when reached."""
    name, last = given.variable, run.rows[-1]
    out = [Answer(f"{name}_{row.k}", approximate(row.x), tr("iterate {k}", k=row.k))
           for row in run.rows[1:given.shown + 1]]
    if last.k > given.shown:
        out.append(Answer(f"{name}_{last.k}", approximate(last.x), tr("the last iterate")))
    out += [Answer(f"f({name}_{last.k})", approximate(last.fx), tr("the function there")),
            Answer(f"f'({name}_{last.k})", approximate(last.gx), tr("its derivative there"))]
    found = stationary(run, given)
    if found is not None:
        out.append(Answer(f"{name}*", found[1], tr("the stationary point reached")))
    return tuple(out)

"""The solve: the unknowns in the problem's order, the equations, the rounds of elimination, what is
left open, the reconstructed outputs and the re-check, as steps that carry their equations as data
(formula trees and :class:`solver.trace.Equation`/:class:`solver.trace.Relation` records)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from solver import trace
from solver.errors import UnsolvableError
from solver.formula import Call, Formula, Name, Sum, equation, op
from solver.i18n import ntemplate, ntr, tr
from solver.kinds import within_given
from solver.kinds.conv_inversion.algebra import (
    Equation,
    Inconsistent,
    Pair,
    Round,
    eliminate,
    equations,
    is_linear,
    output,
    product_example,
    relations,
    window_numbers,
)
from solver.kinds.conv_inversion.spec import Grid, Inversion, Position, check_shapes, index, layer
from solver.kinds.conv_inversion.writing import (
    Order,
    assignment,
    linear_equation,
    polynomial,
    polynomial_name,
    sides,
    value,
)
from solver.problem import Problem
from solver.trace import Answer, Given, Phrase, Solution, Step, StepKind, phrase

if TYPE_CHECKING:
    from solver.engine.conv import Conv

def solve(problem: Problem, numeric: bool = False) -> Solution:
    """Recover the unknown kernel entries, bias and inputs, then the unknown outputs, step by step."""
    with within_given():
        return _solve(problem, problem.spec.given)


def _solve(problem: Problem, given: Inversion) -> Solution:
    import sympy as sp

    if isinstance(given.b, int):  # the default: no bias
        given = Inversion(**{**given.__dict__, "b": sp.Integer(given.b)})
    conv = layer(given)
    out_shape = check_shapes(given, conv)
    one_d = given.X.one_d

    kernel_unknowns: list[Any] = []
    kernel_rows = []
    for i, row in enumerate(given.W.rows):
        line = []
        for j, w in enumerate(row):
            if w is None:
                w = sp.Symbol(f"W{index((i, j), one_d)}")
            kernel_unknowns += [s for s in sorted(w.free_symbols, key=str) if s not in kernel_unknowns]
            line.append(w)
        kernel_rows.append(tuple(line))
    given = Inversion(**{**given.__dict__, "W": Grid(tuple(kernel_rows), one_d)})
    bias_unknowns = [s for s in sorted(given.b.free_symbols, key=str) if s not in kernel_unknowns]
    inputs = {(i, j): (sp.Symbol(f"X{index((i, j), one_d)}") if x is None else x)
              for i, row in enumerate(given.X.rows) for j, x in enumerate(row)}
    input_unknowns = [x for x in inputs.values() if isinstance(x, sp.Symbol)]
    order = {s: n for n, s in enumerate(kernel_unknowns + bias_unknowns + input_unknowns)}

    positions = [(i, j) for i in range(out_shape[0]) for j in range(out_shape[1])]
    known_out = [p for p in positions if given.Y.rows[p[0]][p[1]] is not None]
    unknown_out = [p for p in positions if given.Y.rows[p[0]][p[1]] is None]
    system = equations(given, conv, inputs, known_out)

    steps = [_convention(given, conv), *_size_steps(conv, given)]
    steps.append(Step(StepKind.GROUP, tr("One equation per known output entry"), substeps=tuple(
        Step(StepKind.EVALUATE, Phrase((equation(Name(eq.label), value(eq.value)),)), eq.window, eq.numbers,
             polynomial(eq.expr + eq.value, order), record=_record(eq.label, eq.expr, order))
        for eq in system),
        # Translators: {equations} is "5 equations", {unknowns} "4 unknowns", {names} lists them (e, f, b)
        note=phrase(tr("{equations} in {unknowns}: {names}."),
                    equations=ntr("{n} equation", "{n} equations", len(system)),
                    unknowns=ntr("{n} unknown", "{n} unknowns", len(order)),
                    names=_listed([Name(str(s)) for s in order], ", ") if order else (tr("none"),))))
    try:
        rounds, values, left = eliminate(system, order)
    except Inconsistent as error:
        verdict = Solution(problem.id, problem.kind, problem.title, problem.statement, problem.source,
                           _givens(given, bias_unknowns), (*steps, _conflict_step(error, order)),
                           _verdict_answers(error, order))
        raise UnsolvableError(_conflict_message(error, order), verdict) from None

    for n, one in enumerate(rounds, 1):
        steps.append(_round_step(n, one, rounds[:n - 1], system, order))
    free = [s for s in order if s not in values]
    linear_left = [(eq, e) for eq, e in left if is_linear(e, set(order))]
    stuck = [(eq, e) for eq, e in left if not is_linear(e, set(order))]
    open_relations = relations(linear_left, order)
    if free:
        steps.append(_undetermined_step(free, open_relations, stuck, linear_left, order))

    answers = [Answer(str(s), values[s], _role(s, kernel_unknowns, bias_unknowns)) for s in order if s in values]
    reconstructed = []
    for position in unknown_out:
        entry = sp.expand(output(given, conv, inputs, position).subs(values))
        reconstructed.append((position, entry))
        answers.append(Answer(f"Y{index(position, one_d)}", entry, tr("reconstructed output")))
    if reconstructed:
        steps.append(_reconstruct_step(given, conv, inputs, reconstructed, values, order))
    steps.append(_recheck_step(system, known_out, given, conv, inputs, values, order))
    answers += [Answer(polynomial_name(left_side, order), right, tr("relation left open"))
                for left_side, right in open_relations]
    return Solution(problem.id, problem.kind, problem.title, problem.statement, problem.source,
                    _givens(given, bias_unknowns), tuple(steps), tuple(answers))


def _givens(given: Inversion, bias_unknowns: list[Any]) -> tuple[Given, ...]:
    bias_note = tr("unknown") if bias_unknowns else (tr("no bias") if given.b == 0 else "")
    return (Given("X", _shown_grid(given.X), tr("input, '?' unknown")), Given("W", _shown_grid(given.W), tr("kernel")),
            Given("b", given.b, bias_note), Given("Y", _shown_grid(given.Y), tr("output, '?' unknown")))


def _conflict_step(error: Inconsistent, order: Order) -> Step:
    """The smallest set of equations that conflict, after the values found from other outputs."""
    known = [assignment(s, value(v)) for s, v in error.known.items()]
    # Translators: {values} lists values such as e = 1, b = 2
    note = phrase(tr("after substituting {values}, found from other outputs"), values=_listed(known, ", ")) \
        if known else ""
    return Step(StepKind.CHECK, tr("No solution: these equations conflict"), substeps=tuple(
        Step(StepKind.CHECK, eq.label, None, None, linear_equation(e, order), record=_record(eq.label, e, order))
        for eq, e in error.equations), note=note)


def _verdict_answers(error: Inconsistent, order: Order) -> tuple[Answer, ...]:
    """``verdict``: "inconsistent" (one word: it prints as one in every format), no solution; ``conflict[k]``:
    the k-th conflicting equation, as the steps write it."""
    return (Answer("verdict", "inconsistent",
                   tr("no solution: no kernel, bias and inputs reproduce the known outputs")),
            # Translators: {label} names an equation such as Y[0,1]
            *(Answer(f"conflict[{k}]", linear_equation(e, order), tr("from {label}", label=eq.label))
              for k, (eq, e) in enumerate(error.equations, 1)))


def _record(label: str, expr: Any, order: Order) -> trace.Equation:
    """``expr = 0`` as an equation record: unknown terms on the left, the constant on the right."""
    left, right = sides(expr)
    unknowns = tuple(str(s) for s in sorted(expr.free_symbols & set(order), key=order.__getitem__))
    return trace.Equation(label, left, right, unknowns)


def _role(symbol: Any, kernel: list[Any], bias: list[Any]) -> str:
    if symbol in kernel:
        return tr("kernel parameter")
    return tr("bias") if symbol in bias else tr("lost input")


def _shown_grid(grid: Grid) -> Any:
    """The given matrix with '?' entries shown as the unknowns they stand for."""
    import sympy as sp

    rows = [[sp.Symbol("?") if v is None else v for v in row] for row in grid.rows]
    return sp.Matrix(rows)


def _convention(given: Inversion, conv: Conv) -> Step:
    pads = conv.pads(conv.as_rows(given.W.shape))
    pad = pads[1][0] if pads[1][0] == pads[1][1] else tr("{before} before, {after} after", before=pads[1][0],
                                                          after=pads[1][1])
    def at(var: str, kernel: str) -> Formula:  # i·s + k·d − p
        return Name(var) * Name("s") + Name(kernel) * Name("d") - Name("p")

    axes = [("j", "l")] if given.X.one_d else [("i", "k"), ("j", "l")]
    formula = equation(Call("Y", tuple(Name(v) for v, _ in axes), "[]"), Name("b") + Sum("", Call(
        "W", tuple(Name(k) for _, k in axes), "[]") * Call("X", tuple(at(v, k) for v, k in axes), "[]")))
    kind = tr("a true convolution: the kernel is flipped before it slides") if given.flip else \
        tr("cross-correlation, as PyTorch and TensorFlow compute it (no kernel flip)")
    padding = equation("p", pad) if isinstance(pad, int) else f"p = {pad}"
    return Step(StepKind.CONVENTION, tr("How the layer computes its output"), formula,
                # Translators: {positions} are indices such as k, l; {kind} says convolution or cross-correlation;
                # {stride}, {padding}, {dilation} are formulas such as s = 1
                note=phrase(tr("The sum runs over the kernel positions {positions}: {kind}; stride {stride}, zero "
                               "padding {padding}, dilation {dilation}. Unknown entries ('?') are unknowns named by "
                               "their position, 0-based [row,column]."),
                            positions=_listed([Name(k) for _, k in axes], ", "), kind=kind,
                            stride=equation("s", given.stride), padding=padding,
                            dilation=equation("d", given.dilation)))


def _size_steps(conv: Conv, given: Inversion) -> list[Step]:
    return [Step(StepKind.EVALUATE, title, formula, numbers, result,
                 note=tr("matches the given Y"))
            for title, formula, numbers, result in conv.size_rules(given.X.shape, given.W.shape)]


def _system_step(title: str | Phrase, eq: Equation, expr: Any, order: Order, kind: StepKind = StepKind.EVALUATE,
                 note: str = "") -> Step:
    """An equation after substitution, written ``3e + 2f + b = 6``."""
    return Step(kind, title, None, None, linear_equation(expr, order), note=note,
                record=_record(eq.label, expr, order))


def _round_step(n: int, one: Round, earlier: list[Round], system: list[Equation], order: Order) -> Step:
    labels = [eq.label for eq, _ in one.equations]
    if n == 1:
        full = [eq.label for eq, _ in one.equations if eq.window_known]
        others = [label for label in labels if label not in full]
        waiting = [eq for eq in system if eq.label not in labels]
        reasons = []
        if full:
            # Translators: {labels} lists equations such as Y[0,0] and Y[0,1]
            reasons.append(ntr("{labels} has a fully known input window, so it is linear in the kernel unknowns "
                               "and the bias", "{labels} have fully known input windows, so they are linear in "
                               "the kernel unknowns and the bias", len(full), labels=_listing(full)))
        if others:
            reasons.append(ntr("{labels} is linear too: no unknown weight multiplies an unknown input there",
                               "{labels} are linear too: no unknown weight multiplies an unknown input there",
                               len(others), labels=_listing(others)))
        why = Phrase(("; ".join(reasons), "."))
        if waiting:
            example = next((x for x in (_example(eq.expr, order) for eq in waiting) if x is not None), None)
            waiting_labels = _listing([eq.label for eq in waiting])
            # Translators: {reasons} are the sentences before; {labels} lists equations; {example} a product e·X[0,0]
            why = phrase(ntemplate("{reasons}. {labels} multiplies an unknown weight by an unknown input ({example}), "
                                   "so it waits until the weights are known.",
                                   "{reasons}. {labels} multiply an unknown weight by an unknown input ({example}), "
                                   "so they wait until the weights are known.", len(waiting)),
                         reasons="; ".join(reasons), labels=waiting_labels, example=example) if example is not None \
                else phrase(ntemplate("{reasons}. {labels} waits.", "{reasons}. {labels} wait.", len(waiting)),
                            reasons="; ".join(reasons), labels=waiting_labels)
    else:
        found = [assignment(s, value(v)) for r in earlier for s, v in r.solved.items()]
        # Translators: {values} lists values such as e = 1, b = 2
        why = phrase(tr("Substituting {values} makes these equations linear in the unknowns left."),
                     values=_listed(found, ", "))
    equations_ = tuple(_system_step(eq.label, eq, e, order) for eq, e in one.equations)
    solved = op(";", *(assignment(s, value(v)) for s, v in one.solved.items()))
    # Translators: {n} is the round's number, {labels} lists equations such as Y[0,0], Y[0,1]
    return Step(StepKind.GROUP, phrase(tr("Round {n}: solve {labels}"), n=str(n),
                                       labels=_listed([Name(label) for label in labels], ", ")),
                note=why,
                substeps=equations_ + (Step(StepKind.EVALUATE, tr("Solution of this system"), None, None, solved,
                                            note=tr("solved exactly (sympy linsolve)")),))


def _listed(items: list[Any], separator: str) -> tuple[Any, ...]:
    """The items with ``separator`` between them, as parts of a Phrase."""
    parts: list[Any] = []
    for item in items:
        parts += [separator, item] if parts else [item]
    return tuple(parts)


def _listing(labels: list[str]) -> str:
    # Translators: {items} is a list such as "Y[0,0], Y[0,1]"; {last} its last item
    return labels[0] if len(labels) == 1 else tr("{items} and {last}", items=", ".join(labels[:-1]), last=labels[-1])


def _example(expr: Any, order: Order) -> Formula | None:
    """A product of unknowns in ``expr`` as written (``e·X[0,0]``), or None."""
    product = product_example(expr, order)
    return None if product is None else polynomial(product, order)


def _undetermined_step(free: list[Any], open_relations: list[tuple[Any, Any]], stuck: list[Pair],
                       linear_left: list[Pair], order: Order) -> Step:
    import sympy as sp

    substeps = [Step(StepKind.EVALUATE, tr("Relation"), None, None, _relation_formula(left, right, order),
                     record=trace.Relation(left, right))
                for left, right in open_relations]
    # ntr fills {n}; "{names}" is kept as a placeholder for phrase, which splices in the names
    # Translators: {names} lists unknowns such as e, X[0,0]
    note: tuple[Any, ...] = phrase(ntr("{n} unknown ({names}) is not determined by the known outputs",
                                       "{n} unknowns ({names}) are not determined by the known outputs", len(free),
                                       names="{names}"), names=_listed([Name(str(s)) for s in free], ", ")).parts
    if open_relations:
        symbols = sorted(set().union(*(left.free_symbols for left, _ in open_relations)), key=order.__getitem__)
        solution = sp.linsolve([left - right for left, right in open_relations], symbols)
        (values,) = solution.args
        parameters = [s for s, v in zip(symbols, values) if v == s]
        note += (": ", ntr("{n} independent relation among {unknowns} unknowns leaves {free} free",
                           "{n} independent relations among {unknowns} unknowns leave {free} free",
                           len(open_relations), unknowns=len(symbols), free=len(parameters)))
        if parameters:
            rest = [assignment(s, polynomial(v, order)) for s, v in zip(symbols, values) if v != s]
            substeps.append(Step(StepKind.EVALUATE, phrase(tr("Every solution, taking {names} free"),
                                                           names=_listed([Name(str(p)) for p in parameters], ", ")),
                                 None, None, op(";", *rest)))
    constrained = set().union(*(e.free_symbols for _, e in linear_left + stuck)) if linear_left + stuck else set()
    loose = [s for s in free if s not in constrained]
    if loose:
        note += (". ", *phrase(ntr("{names} appears in no known output's equation, so nothing constrains it",
                                   "{names} appear in no known output's equation, so nothing constrains them",
                                   len(loose), names="{names}"),
                               names=_listed([Name(str(s)) for s in loose], ", ")).parts)
    if stuck:
        example = _example(stuck[0][1], order)
        # Translators: {labels} lists equations such as Y[0,0] and Y[1,1]; {example} is a product such as e·X[0,0]
        note += (". ", *phrase(ntr("Staged elimination cannot go further: {labels} still multiplies unknowns "
                                   "together ({example}), and no linear equation is left to determine either factor",
                                   "Staged elimination cannot go further: {labels} still multiply unknowns "
                                   "together ({example}), and no linear equation is left to determine either factor",
                                   len(stuck), labels=_listing([eq.label for eq, _ in stuck]), example="{example}"),
                               example=example).parts)
        substeps += [_system_step(tr("{label} (not linear)", label=eq.label), eq, e, order) for eq, e in stuck]
    return Step(StepKind.GROUP, tr("What the known outputs leave open"), note=Phrase(note + (".",)),
                substeps=tuple(substeps))


def _relation_formula(left: Any, right: Any, order: Order) -> Formula:
    """``X[0,0] + X[0,1] = 2``."""
    from solver.formula import equation

    return equation(polynomial(left, order), value(right))


def _reconstruct_step(given: Inversion, conv: Conv, inputs: dict[Position, Any],
                      reconstructed: list[tuple[Position, Any]], values: dict[Any, Any], order: Order) -> Step:
    one_d = given.X.one_d
    substeps = [Step(StepKind.FORWARD, f"Y{index(position, one_d)}", None,
                     window_numbers(given, conv, inputs, position, values),
                     entry if entry.is_number else polynomial(entry, order))
                for position, entry in reconstructed]
    return Step(StepKind.GROUP, tr("The unknown outputs, from the solved values"), substeps=tuple(substeps))


def _recheck_step(system: list[Equation], positions: list[Position], given: Inversion, conv: Conv,
                  inputs: dict[Position, Any], values: dict[Any, Any], order: Order) -> Step:
    import sympy as sp

    substeps, all_hold = [], True
    for eq, position in zip(system, positions):
        rest = sp.expand(eq.expr.subs(values))
        if rest == 0:
            substeps.append(Step(StepKind.CHECK, Phrase((equation(Name(eq.label), value(eq.value)), " ✓")), None,
                                 window_numbers(given, conv, inputs, position, values), eq.value))
        else:
            all_hold = False
            linear = is_linear(rest, set(order))
            substeps.append(_system_step(Phrase((equation(Name(eq.label), value(eq.value)),)), eq, rest, order,
                                         StepKind.CHECK,
                                         note=tr("one of the relations: it holds for every solution of them")
                                         if linear else tr("not decided: still a product of unknowns")))
    note = tr("Every known output is reproduced exactly by the solved values.") if all_hold else \
        tr("Fully determined outputs are reproduced exactly; the others reduce to the relations left open.")
    return Step(StepKind.CHECK, tr("Re-check every known output with the solved values"), note=note,
                substeps=tuple(substeps))


def _conflict_message(error: Inconsistent, order: Order) -> str:
    known = ", ".join(str(assignment(s, value(v))) for s, v in error.known.items())
    lines = "; ".join(f"{eq.label}: {linear_equation(e, order)}" for eq, e in error.equations)
    # Translators: {values} lists values such as e = 1, b = 2; {equations} the conflicting equations
    if known:
        return tr("the known outputs are inconsistent: no kernel, bias and inputs reproduce them. These equations "
                  "conflict (after substituting {values}, found from other outputs): {equations}", values=known,
                  equations=lines)
    return tr("the known outputs are inconsistent: no kernel, bias and inputs reproduce them. These equations "
              "conflict: {equations}", equations=lines)

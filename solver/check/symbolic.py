"""A symbolic problem's answers: forms with symbolic sizes and indices, judged as the kind checks its steps.

A student's form is read with the derivation's own symbols and definitions
(:func:`solver.kinds.symbolic.derivation_context`) and compared with the derivation's answer by the
kind's checker (:func:`solver.kinds.symbolic.verify.compare_chain`: at every concrete size of the
problem's ``checks`` and every index value, exactly where rewrites decide it, else at random points).
A chain ``a = b = c`` is judged line by line, and its first line that is not the answer is named. A
shape (``m x 1``) is compared size by size.

Named mistakes of a form: the opposite sign; two sizes or two indices exchanged in some of their places
(``(m − 1)·n`` for ``m·(n − 1)``: rows versus columns; ``W[l, i]`` for ``W[i, l]``: transposed); one
term's sign (in an update: ascent instead of descent); a sum written as one of its terms (a missing
fan-in sum); a scalar left out (in an update: the learning
rate); the answer of another derivation (two quantities swapped); a shape in the other layout.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from solver.check.answers import Given
from solver.check.compare import CORRECT, INCORRECT, Verdict
from solver.check.quantities import Quantity, quantities, require
from solver.errors import FieldError
from solver.i18n import mark, tr
from solver.numbers import NumberError
from solver.problem import Problem
from solver.trace import Equation, Solution

if TYPE_CHECKING:
    from solver.check import Judged
    from solver.kinds.symbolic import Context
    from solver.kinds.symbolic.verify import Comparer

__all__ = ["judge_forms"]

MAX_OCCURRENCES = 6  # places of two exchanged symbols tried in one form (2⁶ variants)
SHAPE = "shape of "
CHAIN = re.compile(r"(?<![<>=!])=(?!=)")  # the '=' between the lines of a chain (not <=, >=, ==)


def judge_forms(solution: Solution, answers: list[Given], problem: Problem) -> list[Judged]:
    """Every answer judged against the symbolic solution, in the order of the derivations; an answer whose
    name is no quantity, or whose form cannot be read, is a FieldError at ``answers.NAME``."""
    from solver.check import Judged

    known = quantities(solution)
    labels = _labels(solution)
    judged = []
    for given in answers:
        quantity = require(given.name, known)
        quantity = replace(quantity, step=labels.get(_owner(quantity.name), ""))
        text = str(given.written.value)
        try:
            if quantity.name.startswith(SHAPE):
                verdict, mistake = _judge_shape(text, quantity, problem)
            else:
                verdict, mistake = _judge_form(text, quantity, problem)
        except NumberError as error:
            raise FieldError(("answers", given.name), str(error)) from None
        judged.append(Judged(given, quantity, verdict, given.points if verdict.accepted else 0.0, mistake))
    order = {q.name: position for position, q in enumerate(known.values())}
    return sorted(judged, key=lambda j: order.get(j.quantity.name, len(order)))


def _owner(name: str) -> str:
    """The derivation an answer belongs to (``shape of dL/dh[k]`` → ``dL/dh[k]``)."""
    return name[len(SHAPE):] if name.startswith(SHAPE) else name


def _labels(solution: Solution) -> dict[str, str]:
    """The step number of each derivation (its group) and of the given shapes, by name."""
    labels = {}
    for number, step in enumerate(solution.steps, 1):
        for sub in step.substeps:
            if isinstance(sub.record, Equation):
                labels[sub.record.label] = str(number)
        if str(step.title) == tr("Shapes of the given vectors and matrices"):  # (the kind's group: "w is m×1 …")
            for sub in step.substeps:
                labels[str(sub.title).split(" ", 1)[0]] = str(number)
    return labels


def _judge_shape(text: str, quantity: Quantity, problem: Problem) -> tuple[Verdict, str]:
    """A shape such as ``m x 1``, ``1×m`` or ``(m, 1)`` against the answer's sizes (``m`` alone: a column)."""
    from solver.formula import Name, Op

    def sizes(formula: Any) -> list[str]:
        if isinstance(formula, Op):
            return [s for arg in formula.args for s in sizes(arg)]
        return [formula.text] if isinstance(formula, Name) else [str(formula)]

    written = [part.strip() for part in re.split(r"[x×*,]", text.strip().strip("()[]")) if part.strip()]
    declared = problem.spec.given
    for part in written:
        if not (part.isdigit() or (part in declared and declared[part].sort == "size")):
            # Translators: {text} is the student's text, quoted
            raise NumberError(tr("cannot read {text} as a shape: write sizes such as m x 1 (each a declared "
                                 "size or a number)", text=repr(text)))
    expected = sizes(quantity.value)
    if written == expected or (expected[1:] == ["1"] and written == expected[:1]):  # m: an m×1 column
        return Verdict(CORRECT), ""
    if written == expected[::-1]:
        return Verdict(INCORRECT), tr("transposed shape: row versus column layout")
    return Verdict(INCORRECT), ""


def _judge_form(text: str, quantity: Quantity, problem: Problem) -> tuple[Verdict, str]:
    """A form, or a chain of forms, against the derivation's answer."""
    from solver.formula import StandardPrinter
    from solver.kinds.symbolic import derivation_context
    from solver.kinds.symbolic.reader import read_form
    from solver.kinds.symbolic.verify import Comparer

    spec = problem.spec
    number = next(n for n, d in enumerate(spec.derivations) if d.name == quantity.name)
    context = derivation_context(spec, number)
    expected = read_form(spec.derivations[number].steps[-1].form, context.table, context.defined).value
    lines = [line.strip() for line in CHAIN.split(text)]
    forms = [read_form(line, context.table, context.defined) for line in lines]
    comparer = Comparer(context.sizes, spec.checks, screen=True)
    right = [_equal(form.value, expected, comparer) for form in forms]
    if all(right):
        return Verdict(CORRECT), ""
    wrong = right.index(False)
    mistake = _mistake(forms[wrong].value, expected, number, context, comparer, problem)
    if len(lines) == 1:
        return Verdict(INCORRECT), mistake
    shown = StandardPrinter().doprint(forms[wrong].formula)
    # Translators: {line} and {other} are line numbers of a chain a = b = c of {count} lines; {form} is a formula
    if right[-1]:
        detail = tr("line {line} of {count}, {form}, does not equal line {other}", line=wrong + 1,
                    count=len(lines), form=shown, other=wrong + 2)
    elif wrong > 0:
        detail = tr("line {line} of {count}, {form}, does not equal line {other}, which is right", line=wrong + 1,
                    count=len(lines), form=shown, other=wrong)
    else:
        detail = tr("line {line} of {count}, {form}, is already wrong", line=wrong + 1, count=len(lines), form=shown)
    return Verdict(INCORRECT, detail), mistake


def _equal(value: Any, expected: Any, comparer: Comparer) -> bool:
    """Whether two forms are equal in every concrete case (the kind's own check of a step)."""
    return comparer.compare(expected, value).equal


def _mistake(wrong: Any, expected: Any, number: int, context: Context, comparer: Comparer, problem: Problem) -> str:
    """The named mistake that turns the answer into the ``wrong`` form, or ""."""
    import sympy as sp

    from solver.kinds.symbolic.reader import read_form

    spec = problem.spec
    if expected != 0 and _equal(wrong, -expected, comparer):
        return tr("sign error")
    derivation = spec.derivations[number]
    update = "_new" in derivation.name
    for step in derivation.steps[1:]:
        form = read_form(step.form, context.table, context.defined).value
        for a, b, what in _pairs(form, context):
            if any(_equal(wrong, variant, comparer) for variant in _exchanged(form, a, b)):
                # Translators: {a} and {b} are sizes (m, n) or indices (i, k); {what} says what exchanging them means
                return tr("{a} and {b} exchanged ({what})", a=a, b=b, what=tr(what))
        if form.is_Add and any(_equal(wrong, form - 2 * term, comparer) for term in form.args):
            return tr("gradient ascent instead of descent") if update else tr("the sign of one term")
        if any(_equal(wrong, candidate, comparer) for candidate in _one_term(form, wrong, context)):
            return tr("missing fan-in sum: one term of a sum only")
        factors = set() if form.has(sp.Derivative) else form.atoms(sp.Indexed) | {
            s for s in form.free_symbols if s.is_real and not s.is_integer}  # (not a size or an index)
        for symbol in sorted(factors, key=str):
            if _equal(wrong, form.xreplace({symbol: 1}), comparer):
                # Translators: {symbol} is a factor of a form, such as w[k]
                return tr("learning rate not applied") if update else tr("{symbol} left out", symbol=symbol)
    for other in spec.derivations:
        if other.name == derivation.name:
            continue
        try:
            theirs = read_form(other.steps[-1].form, context.table, context.defined).value
        except NumberError:
            continue  # (written in names this derivation does not have)
        if not _equal(theirs, expected, comparer) and _equal(wrong, theirs, comparer):
            # Translators: {other} and {name} are quantities such as dL/dw and dL/dh
            return tr("this is {other}: {name} and {other} swapped", other=other.name, name=derivation.name)
    return ""


def _one_term(form: Any, wrong: Any, context: Context) -> list[Any]:
    """``form`` with one of its sums replaced by one term: at the student's own free index of that range,
    or at the first value."""
    import sympy as sp

    out = []
    for total in form.atoms(sp.Sum):
        if len(total.limits) != 1:
            continue
        index, low, _ = total.limits[0]
        own = {s for s in wrong.free_symbols - form.free_symbols if s in context.sizes}
        for value in sorted(own, key=str) + [low]:
            out.append(form.xreplace({total: total.function.xreplace({index: value})}))
    return out


def _pairs(form: Any, context: Context) -> list[tuple[Any, Any, str]]:
    """The pairs of sizes and of indices that occur in ``form``, with what exchanging them means."""
    free = form.free_symbols
    sizes = sorted({s for s in free if s.is_integer and s.is_positive and s not in context.sizes}, key=str)
    indices = sorted((s for s in free if s in context.sizes), key=str)
    return [(a, b, mark("rows versus columns")) for a, b in itertools.combinations(sizes, 2)] + \
           [(a, b, mark("a transposed matrix")) for a, b in itertools.combinations(indices, 2)]


def _exchanged(form: Any, a: Any, b: Any) -> set[Any]:
    """Every form with ``a`` and ``b`` exchanged in some of their places (not the form itself); none when
    they occur in more than MAX_OCCURRENCES places."""
    import sympy as sp

    places = sum(1 for node in sp.preorder_traversal(form) if node in (a, b))
    if places > MAX_OCCURRENCES:
        return set()

    def variants(node: Any) -> set[Any]:
        if node in (a, b):
            return {a, b}
        if not node.args:
            return {node}
        return {node.func(*combination) for combination in itertools.product(*(variants(x) for x in node.args))}

    return variants(form) - {form}


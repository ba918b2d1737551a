"""Symbolic derivations: identities and derivatives in general form, each step checked by sympy.

A new kind rather than the graph kind: a graph evaluates a computational graph on given values (or
scalar symbols) and derives gradients node by node, but the course's symbolic questions are statements
about forms with symbolic sizes and indices: ∂CE(softmax(z))/∂z_k = softmax(z)_k − [y = k] for any
number of classes, h_i = Σ_j W_ij x_j + b_i for W ∈ ℝ^{m×n}, tanh x = 2σ(2x) − 1. A graph has no
indices, no sums over a symbolic range and no statement to prove, so here a problem declares its
symbols in ``given`` (scalars, sizes, indices, vectors, matrices, functions), may name quantities in
``define`` (``t[k] = Σ_j X_j·W_jk``: printed by name, checked as written out), and writes each
derivation as a chain of forms, each with why it follows; dlsolve reads the forms with the safe reader
(:mod:`.reader`), checks every step with sympy (:mod:`.verify`: exactly where targeted rewrites decide
it, at every concrete size of ``checks`` and every index value where the form has indices) and prints
the chain. The last form of a derivation is its answer; ``shape: true`` adds the Jacobian's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from solver.errors import FieldError, UnsolvableError
from solver.formula import Call, Formula, Grad, Name, Op, StandardPrinter
from solver.i18n import tr
from solver.kinds.symbolic.reader import Definition, Form, Symbol, bound_apart, read_form, size_value, sympy_symbol
from solver.kinds.symbolic.spec import MAX_CHECK_SIZE, Derivation, SymbolicSpec, split_definition, undeclared_size
from solver.kinds.symbolic.verify import Verdict, compare_chain
from solver.numbers import NumberError
from solver.problem import Problem
from solver.trace import Answer, Detail, Equation, Given, Solution, Step, StepKind

FIELDS = ("given", "define", "checks", "shapes", "derivations")
ANSWERS = ("<derivation name>",)

__all__ = ["ANSWERS", "FIELDS", "Context", "derivation_context", "solve", "spec_type"]


def spec_type(fields: Mapping[str, Any]) -> type:
    """The spec dataclass of a symbolic problem."""
    return SymbolicSpec


def solve(problem: Problem, numeric: bool = False) -> Solution:
    """Every derivation read, checked step by step and written out; its last form is its answer."""
    spec: SymbolicSpec = problem.spec
    _check_declarations(spec.given, ("given",))
    for size in spec.checks:
        if size not in spec.given or spec.given[size].sort != "size":
            raise FieldError(("checks", size), tr("'{name}' is not a symbol declared as a size", name=size))
    read: Read = {}
    defined = _definitions(spec, spec.given, set(), read)
    steps, answers = [_notation(defined)] if defined else [], []
    if spec.shapes:
        step, shape_answers = _declared_shapes(spec)
        steps.append(step)
        answers += shape_answers
    for number, derivation in enumerate(spec.derivations):
        step, derivation_answers = _derivation(derivation, number, spec, read)
        steps.append(step)
        answers += derivation_answers
    names = [a.name for a in answers]
    for number, name in enumerate(names):
        if name in names[:number]:
            raise FieldError(("derivations", number, "name"),
                             tr("the name '{name}' is used by an earlier derivation", name=name))
    given = tuple(Given(s.name, sympy_symbol(s), s.describe()) for s in spec.given.values())
    return Solution(problem.id, problem.kind, problem.title, problem.statement, problem.source,
                    given=given, steps=tuple(steps), answers=tuple(answers))


def _check_declarations(symbols: dict[str, Symbol], path: tuple[Any, ...]) -> None:
    missing = undeclared_size(symbols)
    if missing is not None:
        name, size = missing
        # Translators: '{size}: size' is a line of the problem file (keep "size")
        raise FieldError((*path, name), tr("'{size}' is not declared as a size (add '{size}: size' to given, or write "
                                           "a literal size from 1 to {most})", size=size, most=MAX_CHECK_SIZE))


Read = dict[Any, dict[str, Definition]]  # the definitions read so far, by the symbols that shadow them


def _definitions(spec: SymbolicSpec, table: dict[str, Symbol], shadowed: set[str], read: Read) -> dict[str, Definition]:
    """The defined quantities, read in order (each may use the ones before it); a name a derivation
    declares in its own ``symbols`` is not defined there (it stands for itself)."""
    key = tuple(sorted((name, symbol.sort, symbol.sizes) for name, symbol in table.items() if name in shadowed))
    if key not in read:
        read[key] = _read_definitions(spec, table, shadowed)
    return read[key]


def _read_definitions(spec: SymbolicSpec, table: dict[str, Symbol], shadowed: set[str]) -> dict[str, Definition]:
    """The definitions as :func:`_definitions` describes them, read."""
    defined: dict[str, Definition] = {}
    for key, text in spec.define.items():
        name, index_names = split_definition(key)
        if name in shadowed:
            continue
        if name in table:
            raise FieldError(("define", key), tr("'{name}' is declared in given: define a new name", name=name))
        if name in defined:
            raise FieldError(("define", key), tr("'{name}' is defined twice", name=name))
        for index in index_names:
            if index not in table or table[index].sort != "index":
                # Translators: '{index}: index <size>' is a line of the problem file (keep "index <size>")
                raise FieldError(("define", key), tr("'{index}' is not declared as an index ('{index}: index <size>')",
                                                     index=index))
        try:
            form = read_form(text, table, defined)
        except NumberError as error:
            raise FieldError(("define", key), str(error)) from None
        indices = tuple(sympy_symbol(table[index]) for index in index_names)
        defined[name] = Definition(name, indices, Form(form.formula, bound_apart(form.value)))
    return defined


def _notation(defined: dict[str, Definition]) -> Step:
    """The defined quantities, one equation each."""
    lines = []
    for definition in defined.values():
        left: Formula = Name(definition.name)
        if definition.indices:
            left = Call(definition.name, tuple(Name(str(i)) for i in definition.indices), "[]")
        lines.append(Step(StepKind.RULE, tr("Definition"), formula=Op("=", (left, definition.form.formula))))
    return Step(StepKind.GROUP, tr("Notation: the quantities the derivations name"), substeps=tuple(lines))


def _size_formula(sizes: list[Any]) -> Formula:
    """``m×n`` as a formula (a size 1 included: ``1×m``)."""
    formula: Formula = Name(str(sizes[0]))
    for size in sizes[1:]:
        formula = Op("×", (formula, Name(str(size))))
    return formula


def _declared_shapes(spec: SymbolicSpec) -> tuple[Step, list[Answer]]:
    """The shapes of the vectors and matrices listed in ``shapes``: a vector is a column."""
    lines, answers = [], []
    for number, name in enumerate(spec.shapes):
        symbol = spec.given.get(name)
        if symbol is None or symbol.sort not in ("vector", "matrix"):
            raise FieldError(("shapes", number), tr("'{name}' is not a vector or matrix declared in given", name=name))
        sizes = [*symbol.sizes, "1"] if symbol.sort == "vector" else list(symbol.sizes)
        what = tr("a column") if symbol.sort == "vector" else tr("a matrix")
        shape = _size_formula(sizes)
        # Translators: {name} is a vector or matrix, {shape} its shape such as m×1, {what} "a column" or "a matrix"
        lines.append(Step(StepKind.RULE, tr("{name} is {shape} ({what}: vectors are columns)", name=name, shape=shape,
                                            what=what)))
        answers.append(Answer(f"shape of {name}", shape, what))
    return Step(StepKind.GROUP, tr("Shapes of the given vectors and matrices"), substeps=tuple(lines)), answers


def _jacobian_shape(derivation: Derivation, first: Form, sizes: dict[Any, Any],
                    path: tuple[Any, ...]) -> tuple[Step, Answer]:
    """The shape of the derivative a derivation starts from, in the Jacobian layout: a row per entry of
    what is differentiated, a column per entry of what it is differentiated by; a scalar's derivative
    by a matrix has the matrix's shape."""
    import sympy as sp

    value, formula = first.value, first.formula
    if not isinstance(value, sp.Derivative) or not isinstance(formula, Grad):
        raise FieldError((*path, "shape"), tr("the shape is answered for a derivation that starts with diff(…)"))
    by = value.variables[0]
    columns = [i for i in getattr(by, "indices", ()) if i in sizes]
    rows = sorted((i for i in value.expr.free_symbols if i in sizes and i not in columns), key=str)
    row_sizes, column_sizes = [sizes[i] for i in rows], [sizes[i] for i in columns]
    if not rows and len(column_sizes) == 2:
        shape_sizes, what = column_sizes, tr("the shape of the matrix it differentiates by")
    else:
        shape_sizes = (row_sizes or [1]) + (column_sizes or [1])
        # Translators: {rows} and {columns} are lists of indices such as i, j
        what = tr("a row") if not rows and len(columns) == 1 else tr("a column") if rows and not columns else \
            tr("rows {rows}; columns {columns}", rows=", ".join(map(str, rows)), columns=", ".join(map(str, columns)))
    whole = Grad(_whole(formula.of), _whole(formula.wrt))
    shape = _size_formula(shape_sizes)
    # Translators: {derivative} is ∂h/∂W, {shape} a shape such as m×n, {what} "a row", "a column" or so
    text = tr("{derivative} is {shape} ({what}; Jacobian layout)", derivative=StandardPrinter().doprint(whole),
              shape=StandardPrinter().doprint(shape), what=what)
    return Step(StepKind.RULE, text), Answer(f"shape of {derivation.name}", shape, what)


def _whole(formula: Formula) -> Formula:
    """``h[i]`` as ``h``: the whole vector or matrix an entry belongs to."""
    if isinstance(formula, Call) and formula.brackets == "[]":
        return Name(formula.function)
    if isinstance(formula, Name) and "[" in formula.text:  # (an entry differentiated by is written as a name)
        return Name(formula.text.partition("[")[0])
    return formula


class Context(NamedTuple):
    """What a derivation's forms are read in: its symbols, the defined quantities (those its own symbols
    do not shadow) and each index symbol's size."""

    table: dict[str, Symbol]
    defined: dict[str, Definition]
    sizes: dict[Any, Any]


def derivation_context(spec: SymbolicSpec, number: int) -> Context:
    """The context the forms of derivation ``number`` are read in (a student's answer to it, too)."""
    return _context(spec.derivations[number], number, spec, {})


def _context(derivation: Derivation, number: int, spec: SymbolicSpec, read: Read) -> Context:
    table = {**spec.given, **derivation.symbols}
    _check_declarations(table, ("derivations", number, "symbols"))
    defined = _definitions(spec, table, set(derivation.symbols), read)
    sizes = {sympy_symbol(s): size_value(s.sizes[0], table) for s in table.values() if s.sort == "index"}
    return Context(table, defined, sizes)


def _derivation(derivation: Derivation, number: int, spec: SymbolicSpec, read: Read) -> tuple[Step, list[Answer]]:
    """One derivation as a group of steps (the claim, each form, the check) and its answers."""
    path: tuple[Any, ...] = ("derivations", number)
    table, defined, sizes = _context(derivation, number, spec, read)
    forms: list[Form] = []
    for k, step in enumerate(derivation.steps):
        try:
            forms.append(read_form(step.form, table, defined))
        except NumberError as error:
            raise FieldError((*path, "steps", k, "form"), str(error)) from None
    verdicts = compare_chain([form.value for form in forms], sizes, spec.checks)
    for k, verdict in enumerate(verdicts, 2):
        if not verdict.equal:
            # Translators: {reason} says where the sides differ
            raise UnsolvableError(tr("derivation '{name}': step {k} does not equal step {previous}: {reason}",
                                     name=derivation.name, k=k, previous=k - 1, reason=verdict.counterexample))
    first, last = forms[0], forms[-1]
    claim = Op("=", (first.formula, last.formula))
    substeps = [Step(StepKind.RULE, tr("Claim"), formula=claim,
                     record=Equation(derivation.name, first.value, last.value))]
    for k in range(1, len(forms)):
        why = derivation.steps[k].why or tr("Rewrite")
        left = forms[0].formula if k == 1 else Name("")  # later steps continue the chain: "= form"
        substeps.append(Step(StepKind.EVALUATE, why, formula=Op("=", (left, forms[k].formula))))
    substeps.append(Step(StepKind.CHECK, _checked(verdicts, sizes, spec.checks), detail=Detail.STANDARD))
    extra = []
    if derivation.shape:
        shape_step, shape_answer = _jacobian_shape(derivation, first, sizes, path)
        substeps.append(shape_step)
        extra.append(shape_answer)
    group = Step(StepKind.GROUP, derivation.claim, substeps=tuple(substeps))
    import sympy as sp

    # in the names the problem defines, common factors kept out: 2·h_k·(y − t), not h_k·(2y − 2t)
    by_name = read_form(derivation.steps[-1].form, table, defined, by_name=True).value if defined else last.value
    shown = sp.factor_terms(by_name)
    return group, [Answer(derivation.name, shown, StandardPrinter().doprint(claim)), *extra]


def _checked(verdicts: list[Verdict], sizes: dict[Any, Any], checks: dict[str, tuple[int, ...]]) -> str:
    """How the steps were checked, in words."""
    cases = max(v.cases for v in verdicts)
    exact = all(v.exact for v in verdicts)
    if cases == 1:
        return (tr("Each step checked with sympy: both sides are equal (exactly).") if exact
                else tr("Each step checked with sympy: both sides are equal (exactly or at 6 random points each)."))
    return (tr("Each step checked with sympy in {cases} concrete cases (sizes and index values), exactly.", cases=cases)
            if exact else tr("Each step checked with sympy in {cases} concrete cases (sizes and index values), exactly "
                             "or at 6 random points each.", cases=cases))

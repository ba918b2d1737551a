"""Convolution inversion: recover an unknown kernel, bias and lost inputs from a partly known output.

Every known output entry gives one equation ``Y[i,j] = b + Σ W[k,l]·X[window]``. An unknown
weight times an unknown input makes an equation non-linear, so the solver eliminates in stages
(as a solution sheet does): each round solves, with sympy's ``linsolve``, every equation that is
linear in the unknowns left, keeps the values it determines, and substitutes them into the
rest. It stops when a round determines nothing new; what is left is reported as free quantities
and the relations they satisfy, or as equations staged elimination cannot untangle. A system
with no solution is reported with a smallest set of equations that conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from solver.errors import FieldError, UnsolvableError, show_value
from solver.fields import Count, Flag, Padding, Validated
from solver.numbers import UNKNOWN, NumberError, parse_exact
from solver.problem import Problem
from solver.trace import Answer, Given, Solution, Step, StepKind

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,19}")
RESERVED = {"X", "Y"}
MAX_ENTRIES = 400  # unknowns and equations stay small enough to solve by hand (and in milliseconds)


def _grid(value: Any, what: str) -> list[list[Any]]:
    """A flat list (1D) or a list of equal rows (2D), entries kept raw."""
    if not isinstance(value, list) or not value:
        raise ValueError(f"expected {what} as a list of rows (or a flat list for 1D), got {show_value(value)}")
    if all(not isinstance(row, list) for row in value):
        return [list(value)]
    if not all(isinstance(row, list) and row for row in value):
        raise ValueError("mixes numbers and lists: write every row as a list, or a flat list for 1D")
    widths = {len(row) for row in value}
    if len(widths) > 1:
        bad = next(i for i, row in enumerate(value) if len(row) != len(value[0]))
        raise ValueError(f"ragged: row 0 has {len(value[0])} entries but row {bad} has {len(value[bad])}")
    if len(value) * len(value[0]) > MAX_ENTRIES:
        raise ValueError(f"more than {MAX_ENTRIES} entries: too large to invert step by step")
    return [list(row) for row in value]


def _entry(raw: Any, where: str, names: dict[str, Any] | None = None) -> Any:
    """A number, ``'?'`` (returned as None) or, where ``names`` is given, a kernel/bias name."""
    if raw == UNKNOWN:
        return None
    try:
        return parse_exact(raw, names)
    except NumberError as error:
        allowed = "a number, a name or '?'" if names is not None else "a number or '?'"
        raise ValueError(f"{where}: expected {allowed}; {error}") from None


@dataclass(frozen=True)
class Grid:
    """Entries (exact numbers, None for '?', or sympy expressions in the kernel's names) and their layout."""

    rows: tuple[tuple[Any, ...], ...]
    one_d: bool

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns); a 1D signal is one row."""
        return len(self.rows), len(self.rows[0])


def _values_or_unknown(value: Any) -> Grid:
    rows = _grid(value, "a matrix with '?' for unknown entries")
    parsed = [[_entry(raw, f"entry [{i}][{j}]") for j, raw in enumerate(row)] for i, row in enumerate(rows)]
    return Grid(tuple(map(tuple, parsed)), not isinstance(value[0], list))


def _bare_name(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and NAME.fullmatch(raw) and raw not in RESERVED else None


def _kernel(value: Any) -> Grid:
    """A kernel template: bare names (``e``) are unknowns, '?' is an unknown of its own, the rest numbers
    or expressions in those names (``2*f``)."""
    import sympy as sp

    rows = _grid(value, "a kernel (numbers, names such as e, or '?')")
    names = {raw: sp.Symbol(raw) for row in rows for raw in row if _bare_name(raw)}
    parsed = []
    for i, row in enumerate(rows):
        line = []
        for j, raw in enumerate(row):
            if isinstance(raw, str) and raw in RESERVED:
                raise ValueError(f"entry [{i}][{j}]: the names X and Y are taken by the input and output")
            line.append(names[raw] if _bare_name(raw) else _entry(raw, f"entry [{i}][{j}]", names))
        parsed.append(tuple(line))
    return Grid(tuple(parsed), not isinstance(value[0], list))


def _bias(raw: Any) -> Any:
    """A number, a name (an unknown) or '?' (an unknown called b)."""
    import sympy as sp

    if raw == UNKNOWN:
        return sp.Symbol("b")
    if _bare_name(raw):
        return sp.Symbol(raw)
    try:
        return parse_exact(raw)
    except NumberError as error:
        raise ValueError(f"expected a number, a name or '?'; {error}") from None


Known = Annotated[Grid, Validated(_values_or_unknown)]
"""A matrix (or flat list) whose unknown entries are written '?'."""
Kernel = Annotated[Grid, Validated(_kernel)]
"""A kernel template with named unknowns."""
Bias = Annotated[Any, Validated(_bias)]
"""A bias: a number or an unknown."""


@dataclass(frozen=True)
class Inversion:
    """The ``given`` of a conv-inversion problem."""

    __pydantic_config__: ClassVar = {"extra": "forbid"}
    X: Known
    W: Kernel
    Y: Known
    b: Bias = 0
    stride: Count = 1
    padding: Padding = 0
    dilation: Count = 1
    flip: Flag = False


def given_type(raw: Any) -> type:
    """The spec dataclass for ``given``."""
    return Inversion


# --- the equations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Equation:
    """One known output: ``expr = 0`` with ``expr = b + Σ w·x − y``, and how to write it."""

    label: str  # "Y[1,0]"
    expr: Any
    window: str  # "e·X[1,0] + e·X[1,1] + f·X[2,0] + f·X[2,1] + b"
    numbers: str  # "e·1 + e·2 + f·3 + f·(−1) + b"
    value: Any  # the known output
    window_known: bool  # no unknown input in its window


def _index(position: tuple[int, int], one_d: bool) -> str:
    return f"[{position[1]}]" if one_d else f"[{position[0]},{position[1]}]"


def _conv(given: Inversion) -> Any:
    from solver.engine.conv import Conv

    dims = 1 if given.X.one_d else 2
    padding = given.padding
    if isinstance(padding, tuple):
        if len(padding) != dims:
            raise FieldError(("padding",), f"expected {dims} value{'s' * (dims > 1)} (one per axis), got {len(padding)}")
        padding = padding[0] if dims == 1 else padding
    try:
        return Conv(dims, 3, stride=given.stride, padding=padding, dilation=given.dilation, flip=given.flip)
    except ValueError as error:
        raise FieldError(("padding",), str(error)) from None


def _check_shapes(given: Inversion, conv: Any) -> tuple[int, int]:
    if given.W.one_d != given.X.one_d or given.Y.one_d != given.X.one_d:
        raise FieldError(("W",) if given.W.one_d != given.X.one_d else ("Y",),
                         "X, W and Y must all be flat lists (1D) or all lists of rows (2D)")
    _, _, _, out = conv.geometry(given.X.shape, given.W.shape)
    if min(out) < 1:
        raise FieldError(("W",), f"the kernel {_shape(given.W.shape, given.W.one_d)} (dilation {given.dilation}) "
                         f"does not fit the padded input {_shape(given.X.shape, given.X.one_d)}")
    if tuple(out) != given.Y.shape:
        raise FieldError(("Y",), f"expected a {_shape(out, given.Y.one_d)} output for a "
                         f"{_shape(given.X.shape, given.X.one_d)} input and a {_shape(given.W.shape, given.W.one_d)} "
                         f"kernel (stride {given.stride}, padding {given.padding!r}, dilation {given.dilation}), "
                         f"got {_shape(given.Y.shape, given.Y.one_d)}")
    return tuple(out)


def _shape(shape: tuple[int, int], one_d: bool) -> str:
    return f"length {shape[1]}" if one_d else f"{shape[0]}×{shape[1]}"


def _equations(given: Inversion, conv: Any, inputs: dict, outputs: list) -> list[Equation]:
    """The equation of every known output, written as a window sum and with the numbers put in."""
    import sympy as sp

    one_d = given.X.one_d
    terms: dict[tuple[int, int], list[tuple[Any, Any, str, str]]] = {}
    for out, (ki, kj), (ii, jj) in conv._taps(given.X.shape, given.W.shape):
        weight, x_value = given.W.rows[ki][kj], inputs[(ii, jj)]
        name = f"X{_index((ii, jj), one_d)}"
        shown = name if given.X.rows[ii][jj] is None else _factor(x_value)
        terms.setdefault(out, []).append((weight, x_value, f"{_factor(weight)}·{name}", f"{_factor(weight)}·{shown}"))
    equations = []
    for out in outputs:
        y = given.Y.rows[out[0]][out[1]]
        parts = terms.get(out, [])
        bias = [] if given.b == 0 else [_text(given.b)]
        expr = sp.Add(*(w * x for w, x, _, _ in parts), given.b) - y
        equations.append(Equation(
            label=f"Y{_index(out, one_d)}",
            expr=sp.expand(expr),
            window=_join([t for _, _, t, _ in parts] + bias),
            numbers=_join([t for _, _, _, t in parts] + bias),
            value=y,
            window_known=all(not (x.free_symbols) for _, x, _, _ in parts),
        ))
    return equations


def _join(terms: list[str]) -> str:
    text = " + ".join(terms) or "0"
    return text.replace("+ −", "− ")


def _text(value: Any) -> str:
    from solver.render.values import text

    return text(value)


def _factor(value: Any) -> str:
    shown = _text(value)
    return f"({shown})" if shown.startswith("−") or "/" in shown or " " in shown else shown


# --- writing linear (and product) expressions the way a student does -------------------------------


def _equation_text(expr: Any, order: dict[Any, int]) -> str:
    """``expr = 0`` as ``3e + 2f + b = 6``: unknown terms in the problem's order, the constant on the right."""
    import sympy as sp

    expr = sp.expand(expr)
    constant = sum((t for t in sp.Add.make_args(expr) if t.is_number), sp.S.Zero)
    return f"{_sum_text(expr - constant, order)} = {_text(-constant)}"


def _sum_text(expr: Any, order: dict[Any, int], ascii: bool = False) -> str:
    """A polynomial in the unknowns written by hand: ``e·X[0,0] + 3f + b − 1``, terms in the problem's order.

    ``ascii`` writes it for an answer name instead: ``e*X[0,0] + 3*f + b - 1``.
    """
    times, minus = ("*", "-") if ascii else ("·", "−")
    import sympy as sp

    def rank(symbol: Any) -> int:
        return order.get(symbol, len(order))

    constant, terms = sp.S.Zero, []
    for term in sp.Add.make_args(sp.expand(expr)):
        coefficient, rest = term.as_coeff_Mul()
        if rest == 1:
            constant += coefficient
        else:
            factors = sorted(sp.Mul.make_args(rest), key=lambda f: min((rank(s) for s in f.free_symbols), default=0))
            terms.append(([min((rank(s) for s in f.free_symbols), default=0) for f in factors], coefficient, factors))
    terms.sort(key=lambda t: t[0])
    ordered = [(c, f) for _, c, f in terms]
    if constant != 0 or not terms:  # the constant goes last, or first when it spares a leading minus: 3 − X[0,3]
        ordered = [(constant, [])] + ordered if ordered and ordered[0][0] < 0 < constant else ordered + [(constant, [])]
    pieces = []
    for coefficient, factors in ordered:
        product = times.join(str(factor) if ascii else _text(factor) for factor in factors)
        size = abs(coefficient)
        if not product:
            piece = str(size) if ascii else _text(size)
        elif size == 1:
            piece = product
        elif size.is_Integer:
            piece = f"{size}{'' if NAME.fullmatch(product) and not ascii else times}{product}"
        else:
            piece = f"({size if ascii else _text(size)}){times}{product}"
        sign = minus if coefficient < 0 else "+"
        pieces.append((f"{minus}{piece}" if sign == minus else piece) if not pieces else f" {sign} {piece}")
    return "".join(pieces)


def _relation(expr: Any, order: dict[Any, int]) -> tuple[Any, Any]:
    """A linear relation ``expr = 0`` as (left side, right side), scaled to integer coprime coefficients."""
    import sympy as sp

    constant = expr.as_coeff_add()[0] if expr.is_Add else (expr if expr.is_number else sp.S.Zero)
    left = sp.expand(expr - constant)
    content, primitive = sp.primitive(left)
    first = min(left.free_symbols, key=lambda s: order.get(s, 10**6))
    sign = -1 if primitive.coeff(first) < 0 else 1
    return sign * primitive, sign * (-constant) / content


# --- staged elimination ---------------------------------------------------------------------------


@dataclass
class Round:
    """One round: the equations it solved (as they read after substitution) and what it determined."""

    equations: list[tuple[Equation, Any]]
    solved: dict[Any, Any]


class Inconsistent(Exception):
    """The known outputs admit no solution; ``equations`` is a smallest conflicting set."""

    def __init__(self, equations: list[tuple[Equation, Any]], known: dict[Any, Any]):
        self.equations, self.known = equations, known


def _is_linear(expr: Any, unknowns: set[Any]) -> bool:
    import sympy as sp

    symbols = expr.free_symbols & unknowns
    return not symbols or sp.Poly(expr, *symbols).total_degree() <= 1


def _linsolve(exprs: list[Any], order: dict[Any, int]) -> tuple | None:
    import sympy as sp

    symbols = sorted(set().union(*(e.free_symbols for e in exprs)), key=order.__getitem__)
    if not symbols:
        return None if any(e != 0 for e in exprs) else ()
    solutions = sp.linsolve(exprs, symbols)
    if solutions == sp.S.EmptySet:
        return None
    (values,) = solutions.args
    return tuple(zip(symbols, values))


def _smallest_conflict(pairs: list[tuple[Equation, Any]], order: dict[Any, int]) -> list[tuple[Equation, Any]]:
    """A minimal subset with no solution (deletion filter: drop each equation the conflict survives without)."""
    kept = list(pairs)
    for pair in list(kept):
        rest = [p for p in kept if p is not pair]
        if rest and _linsolve([e for _, e in rest], order) is None:
            kept = rest
    return kept


def eliminate(equations: list[Equation], order: dict[Any, int]) -> tuple[list[Round], dict[Any, Any], list]:
    """Rounds of linear solves until nothing new is determined: (rounds, values, equations left)."""
    import sympy as sp

    unknowns = set(order)
    known: dict[Any, Any] = {}
    rounds: list[Round] = []
    while True:
        current = [(eq, sp.expand(eq.expr.subs(known))) for eq in equations]
        left = [(eq, e) for eq, e in current if e != 0]
        linear = [(eq, e) for eq, e in left if _is_linear(e, unknowns)]
        if not linear:
            return rounds, known, left
        solution = _linsolve([e for _, e in linear], order)
        if solution is None:
            raise Inconsistent(_smallest_conflict(linear, order), dict(known))
        symbols = {s for s, _ in solution}
        new = {s: v for s, v in solution if not (v.free_symbols & symbols)}
        if not new:
            return rounds, known, left
        rounds.append(Round(linear, new))
        known.update(new)


# --- the solve ------------------------------------------------------------------------------------


def solve(problem: Problem, numeric: bool = False) -> Solution:
    """Recover the unknown kernel entries, bias and inputs, then the unknown outputs, step by step."""
    import sympy as sp

    given: Inversion = problem.given
    if isinstance(given.b, int):  # the default: no bias
        given = Inversion(**{**given.__dict__, "b": sp.Integer(given.b)})
    conv = _conv(given)
    out_shape = _check_shapes(given, conv)
    one_d = given.X.one_d

    kernel_unknowns: list[Any] = []
    kernel_rows = []
    for i, row in enumerate(given.W.rows):
        line = []
        for j, w in enumerate(row):
            if w is None:
                w = sp.Symbol(f"W{_index((i, j), one_d)}")
            kernel_unknowns += [s for s in sorted(w.free_symbols, key=str) if s not in kernel_unknowns]
            line.append(w)
        kernel_rows.append(tuple(line))
    given = Inversion(**{**given.__dict__, "W": Grid(tuple(kernel_rows), one_d)})
    bias_unknowns = [s for s in sorted(given.b.free_symbols, key=str) if s not in kernel_unknowns]
    inputs = {(i, j): (sp.Symbol(f"X{_index((i, j), one_d)}") if x is None else x)
              for i, row in enumerate(given.X.rows) for j, x in enumerate(row)}
    input_unknowns = [x for x in inputs.values() if isinstance(x, sp.Symbol)]
    order = {s: n for n, s in enumerate(kernel_unknowns + bias_unknowns + input_unknowns)}

    positions = [(i, j) for i in range(out_shape[0]) for j in range(out_shape[1])]
    known_out = [p for p in positions if given.Y.rows[p[0]][p[1]] is not None]
    unknown_out = [p for p in positions if given.Y.rows[p[0]][p[1]] is None]
    equations = _equations(given, conv, inputs, known_out)

    steps = [_convention(given, conv), *_size_steps(conv, given)]
    steps.append(Step(StepKind.GROUP, "One equation per known output entry", substeps=tuple(
        Step(StepKind.EVALUATE, f"{eq.label} = {_text(eq.value)}", eq.window, eq.numbers,
             _sum_text(eq.expr + eq.value, order)) for eq in equations),
        note=f"{_count(len(equations), 'equation')} in {_count(len(order), 'unknown')}: "
             f"{', '.join(map(str, order)) or 'none'}."))
    try:
        rounds, values, left = eliminate(equations, order)
    except Inconsistent as error:
        raise UnsolvableError(_conflict_message(error, order)) from None

    for n, one in enumerate(rounds, 1):
        steps.append(_round_step(n, one, rounds[:n - 1], equations, order))
    free = [s for s in order if s not in values]
    linear_left = [(eq, e) for eq, e in left if _is_linear(e, set(order))]
    stuck = [(eq, e) for eq, e in left if not _is_linear(e, set(order))]
    relations = _relations(linear_left, order)
    if free:
        steps.append(_undetermined_step(free, relations, stuck, linear_left, order))

    answers = [Answer(str(s), values[s], _role(s, kernel_unknowns, bias_unknowns)) for s in order if s in values]
    reconstructed = []
    for position in unknown_out:
        value = sp.expand(_output(given, conv, inputs, position).subs(values))
        reconstructed.append((position, value))
        answers.append(Answer(f"Y{_index(position, one_d)}", value, "reconstructed output"))
    if reconstructed:
        steps.append(_reconstruct_step(given, conv, inputs, reconstructed, values, order))
    steps.append(_recheck_step(equations, known_out, given, conv, inputs, values, order))
    answers += [Answer(_sum_text(left_side, order, ascii=True), right, "relation left open")
                for left_side, right in relations]
    bias_note = "unknown" if bias_unknowns else ("no bias" if given.b == 0 else "")
    givens = [Given("X", _shown_grid(given.X), "input, '?' unknown"), Given("W", _shown_grid(given.W), "kernel"),
              Given("b", given.b, bias_note), Given("Y", _shown_grid(given.Y), "output, '?' unknown")]
    return Solution(problem.id, problem.kind, problem.title, problem.statement, problem.source,
                    tuple(givens), tuple(steps), tuple(answers))


def _role(symbol: Any, kernel: list, bias: list) -> str:
    if symbol in kernel:
        return "kernel parameter"
    return "bias" if symbol in bias else "lost input"


def _output(given: Inversion, conv: Any, inputs: dict, position: tuple[int, int]) -> Any:
    import sympy as sp

    total = given.b
    for out, (ki, kj), (ii, jj) in conv._taps(given.X.shape, given.W.shape):
        if out == position:
            total += given.W.rows[ki][kj] * inputs[(ii, jj)]
    return total


def _shown_grid(grid: Grid) -> Any:
    """The given matrix with '?' entries shown as the unknowns they stand for."""
    import sympy as sp

    rows = [[sp.Symbol("?") if v is None else v for v in row] for row in grid.rows]
    return sp.Matrix(rows)


def _convention(given: Inversion, conv: Any) -> Step:
    pads = conv._pads(conv._as_rows(given.W.shape))
    pad = pads[1][0] if pads[1][0] == pads[1][1] else f"{pads[1][0]} before, {pads[1][1]} after"
    if given.X.one_d:
        formula, over = "Y[j] = b + Σ W[l]·X[j·s + l·d − p]", "l"
    else:
        formula, over = "Y[i,j] = b + Σ W[k,l]·X[i·s + k·d − p, j·s + l·d − p]", "k, l"
    kind = "a true convolution: the kernel is flipped before it slides" if given.flip else \
        "cross-correlation, as PyTorch and TensorFlow compute it (no kernel flip)"
    return Step(StepKind.CONVENTION, "How the layer computes its output", formula,
                note=f"The sum runs over the kernel positions {over}: {kind}; stride s = {given.stride}, zero padding p = {pad}, dilation d = {given.dilation}. "
                "Unknown entries ('?') are unknowns named by their position, 0-based [row,column].")


def _size_steps(conv: Any, given: Inversion) -> list[Step]:
    return [Step(StepKind.EVALUATE, f"Output {what}", formula, numbers, result,
                 note="matches the given Y")
            for what, formula, numbers, result in conv.size_rules(given.X.shape, given.W.shape)]


def _round_step(n: int, one: Round, earlier: list[Round], equations: list[Equation], order: dict) -> Step:
    labels = [eq.label for eq, _ in one.equations]
    if n == 1:
        full = [eq.label for eq, _ in one.equations if eq.window_known]
        others = [label for label in labels if label not in full]
        waiting = [eq for eq in equations if eq.label not in labels]
        reasons = []
        if full:
            reasons.append(f"{_listing(full)} {'has a' if len(full) == 1 else 'have'} fully known input "
                           f"window{'s' * (len(full) > 1)}, so {'it is' if len(full) == 1 else 'they are'} "
                           "linear in the kernel unknowns and the bias")
        if others:
            reasons.append(f"{_listing(others)} {'is' if len(others) == 1 else 'are'} linear too: "
                           "no unknown weight multiplies an unknown input there")
        why = "; ".join(reasons)
        if waiting:
            example = next((x for x in (_product_example(eq.expr, order) for eq in waiting) if x), "")
            why += (f". {_listing([eq.label for eq in waiting])} "
                    + (f"multiply an unknown weight by an unknown input ({example}), so they wait until the "
                       "weights are known" if example else "wait"))
        why += "."
    else:
        found = ", ".join(f"{s} = {_text(v)}" for r in earlier for s, v in r.solved.items())
        why = f"Substituting {found} makes these equations linear in the unknowns left."
    system = tuple(Step(StepKind.EVALUATE, eq.label, None, None, _equation_text(e, order)) for eq, e in one.equations)
    solved = "; ".join(f"{s} = {_text(v)}" for s, v in one.solved.items())
    return Step(StepKind.GROUP, f"Round {n}: solve {', '.join(labels)}", note=why,
                substeps=system + (Step(StepKind.EVALUATE, "Solution of this system", None, None, solved,
                                        note="solved exactly (sympy linsolve)"),))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _listing(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _product_example(expr: Any, order: dict) -> str:
    import sympy as sp

    for term in sp.Add.make_args(expr):
        if len(term.free_symbols & set(order)) > 1:
            return _sum_text(term / term.as_coeff_Mul()[0], order)
    return ""


def _relations(pairs: list[tuple[Equation, Any]], order: dict) -> list[tuple[Any, Any]]:
    """The independent linear relations left among undetermined unknowns, each in lowest terms."""
    import sympy as sp

    relations, rows = [], []
    symbols = sorted(set().union(*(e.free_symbols for _, e in pairs)) if pairs else set(), key=order.__getitem__)
    for _, expr in pairs:
        row = [expr.coeff(s) for s in symbols]
        if sp.Matrix(rows + [row]).rank() > len(rows):
            rows.append(row)
            relation = _relation(expr, order)
            if relation not in relations:
                relations.append(relation)
    return relations


def _undetermined_step(free: list, relations: list, stuck: list, linear_left: list, order: dict) -> Step:
    import sympy as sp

    substeps = [Step(StepKind.EVALUATE, "Relation", None, None, f"{_sum_text(left, order)} = {_text(right)}")
                for left, right in relations]
    note = (f"{len(free)} unknown{'s' * (len(free) != 1)} ({', '.join(map(str, free))}) "
            f"{'are' if len(free) != 1 else 'is'} not determined by the known outputs")
    if relations:
        symbols = sorted(set().union(*(left.free_symbols for left, _ in relations)), key=order.__getitem__)
        solution = sp.linsolve([left - right for left, right in relations], symbols)
        (values,) = solution.args
        parameters = [s for s, v in zip(symbols, values) if v == s]
        note += (f": {len(relations)} independent relation{'s' * (len(relations) != 1)} among {len(symbols)} "
                 f"unknowns leave {len(parameters)} free")
        if parameters:
            rest = [f"{s} = {_sum_text(v, order)}" for s, v in zip(symbols, values) if v != s]
            substeps.append(Step(StepKind.EVALUATE, f"Every solution, taking {', '.join(map(str, parameters))} free",
                                 None, None, "; ".join(rest)))
    constrained = set().union(*(e.free_symbols for _, e in linear_left + stuck)) if linear_left + stuck else set()
    loose = [s for s in free if s not in constrained]
    if loose:
        note += (f". {_listing([str(s) for s in loose])} {'appears' if len(loose) == 1 else 'appear'} in no known "
                 "output's equation, so nothing constrains " + ("it" if len(loose) == 1 else "them"))
    if stuck:
        example = _product_example(stuck[0][1], order)
        note += (f". Staged elimination cannot go further: {_listing([eq.label for eq, _ in stuck])} still "
                 f"multipl{'y' if len(stuck) > 1 else 'ies'} unknowns together ({example}), and no linear equation "
                 "is left to determine either factor")
        substeps += [Step(StepKind.EVALUATE, f"{eq.label} (not linear)", None, None, _equation_text(e, order))
                     for eq, e in stuck]
    return Step(StepKind.GROUP, "What the known outputs leave open", note=note + ".", substeps=tuple(substeps))


def _reconstruct_step(given: Inversion, conv: Any, inputs: dict, reconstructed: list, values: dict,
                      order: dict) -> Step:
    one_d = given.X.one_d
    substeps = [Step(StepKind.FORWARD, f"Y{_index(position, one_d)}", None,
                     _window_numbers(given, conv, inputs, position, values),
                     value if value.is_number else _sum_text(value, order))
                for position, value in reconstructed]
    return Step(StepKind.GROUP, "The unknown outputs, from the solved values", substeps=tuple(substeps))


def _window_numbers(given: Inversion, conv: Any, inputs: dict, position: tuple[int, int], values: dict) -> str:
    """The window sum of one output with every solved value put in: ``1·2 + 1·(−1) + … + (−1)``."""
    terms = [f"{_factor(given.W.rows[ki][kj].subs(values))}·{_factor(inputs[(ii, jj)].subs(values))}"
             for out, (ki, kj), (ii, jj) in conv._taps(given.X.shape, given.W.shape) if out == position]
    bias = [] if given.b == 0 else [_factor(given.b.subs(values))]
    return _join(terms + bias)


def _recheck_step(equations: list[Equation], positions: list, given: Inversion, conv: Any, inputs: dict,
                  values: dict, order: dict) -> Step:
    import sympy as sp

    substeps, all_hold = [], True
    for eq, position in zip(equations, positions):
        rest = sp.expand(eq.expr.subs(values))
        title = f"{eq.label} = {_text(eq.value)}"
        if rest == 0:
            substeps.append(Step(StepKind.CHECK, title, None, _window_numbers(given, conv, inputs, position, values),
                                 f"{_text(eq.value)} ✓"))
        else:
            all_hold = False
            linear = _is_linear(rest, set(order))
            substeps.append(Step(StepKind.CHECK, title, None, None, _equation_text(rest, order),
                                 note="one of the relations: it holds for every solution of them" if linear
                                 else "not decided: still a product of unknowns"))
    note = "Every known output is reproduced exactly by the solved values." if all_hold else \
        "Fully determined outputs are reproduced exactly; the others reduce to the relations left open."
    return Step(StepKind.CHECK, "Re-check every known output with the solved values", note=note,
                substeps=tuple(substeps))


def _conflict_message(error: Inconsistent, order: dict) -> str:
    known = ", ".join(f"{s} = {_text(v)}" for s, v in error.known.items())
    lines = "; ".join(f"{eq.label}: {_equation_text(e, order)}" for eq, e in error.equations)
    after = f" (after substituting {known}, found from other outputs)" if known else ""
    return (f"the known outputs are inconsistent: no kernel, bias and inputs reproduce them. "
            f"These equations conflict{after}: {lines}")

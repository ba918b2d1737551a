"""The forward pass of a computational graph as steps: one per equation, inner operations as substeps.

At ``standard`` detail an equation is one line, ``name = formula = numbers = result``, where the numbers
are the values of the given quantities (a matrix product written with its matrices, as an exam does).
An inner node that later steps refer to gets a generated name (z1), declared here at every detail; an
unnamed inner node gets a step of its own at ``standard`` only when its consumer's line would be too
wide with it written out.
Pass-through steps (adding zero, transposing a given) and operation counts are kept for ``full``.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from solver.engine.exact import present, shown_if_small, sympy_str
from solver.formula import Formula
from solver.formula import Op as FormulaOp
from solver.i18n import ntr, tr
from solver.trace import Detail, Forward, Step, StepKind

MAX_WIDTH = 64  # characters a written-out line of numbers may take before an inner step takes its place
MAX_ENTRY = 16  # characters of an entry beyond which an inner step with it is left for full detail


def forward_steps(graph: Any) -> list[Step]:
    """One step per equation (its inner operations as substeps), each with a Forward record."""
    steps = []
    for name, node in graph.equations:
        inner = [n for n in graph.nodes if n.equation == node.equation and n is not node and not n.is_leaf]
        own = _own_steps(node, inner)
        substeps = tuple(_inner_step(n, own) for n in inner)
        step = _forward_step(node, name, f"{name} = {display(node)}", _written(node, own), substeps,
                             _shape_note(name, node))
        record = Forward(name, display(node), node.value, node.shape, tuple(dict.fromkeys(_uses(node))),
                         node.equation)
        steps.append(replace(step, record=record))
    return steps


def _own_steps(node: Any, inner: list[Any]) -> set[Any]:
    """The nodes of one equation written by their value in their consumer's line: the equation's node, and
    inner nodes that would make their consumer's line too wide (each then has a step of its own)."""
    own = {node}
    work = [node]
    while work:
        current = work.pop()
        while _written(current, own)[1] > MAX_WIDTH:
            wide = [p for p in current.inputs if p.kind == "inner" and p not in own]
            if not wide:
                break
            own.update(wide)
            work += wide
    return own


def _inner_step(node: Any, own: set[Any]) -> Step:
    """An inner node's step. A named one is declared at every detail (later steps use the name): with its
    working when its consumer's line shows only its value, else just its value. An unnamed one is shown at
    standard detail when its consumer's line shows only its value and the step is worth reading; else
    (a pass-through, or written out in its consumer's line) at full detail."""
    if node.name is not None:
        title: str | Formula = node.name
        formula: str | Formula = FormulaOp("=", (node.name, declared(node)))
    else:
        title = formula = display(node)
    if node not in own:
        written = (None, 0) if node.name is not None else (_immediate(node), 0)
        level = Detail.BRIEF if node.name is not None else Detail.FULL
    else:
        written = _written(node, own)
        worth = not _passes_through(node) and _readable(node, own)
        level = Detail.BRIEF if node.name is not None else Detail.STANDARD if worth else Detail.FULL
    return replace(_forward_step(node, title, formula, written), detail=level)


def _readable(node: Any, own: set[Any]) -> bool:
    """Whether a node's line with numbers holds no long exact form (a step that repeats such values teaches
    nothing a reader can check by hand; a large matrix is summarized by the printers)."""
    values = [p.value for p in node.inputs] + [v for p in node.inputs if p not in own for v in _leaf_values(p)]
    return all(_widest(v) <= MAX_ENTRY for v in values)


def _passes_through(node: Any) -> bool:
    """Adding or subtracting zero, or transposing a given: a step that shows nothing new."""
    from solver.engine import ops

    if isinstance(node.op, (ops.Add, ops.Sub)):
        return any(p.kind != "inner" and all(v == 0 for v in p.value) for p in node.inputs)
    return isinstance(node.op, ops.Transpose) and node.inputs[0].kind != "inner"


def _immediate(node: Any) -> Any:
    """The node's operation over its inputs' values, unevaluated (W·x with both matrices)."""
    return node.op.show([p.value for p in node.inputs])


def _written(node: Any, own: set[Any]) -> tuple[Any, int]:
    """The node's expression with numbers: inputs that have no step of their own written out down to the
    given values, the others by their value; and about how many characters it takes on a line."""
    import sympy as sp
    from sympy.matrices.expressions.matexpr import MatrixElement

    parts, widths = [], []
    for parent in node.inputs:
        written = _written(parent, own) if parent.kind == "inner" and parent not in own else (None, 0)
        if written[0] is None or (parent.shape == (1, 1) and _is_matrix(written[0])):
            written = (None, _width(parent.value))  # a 1×1 product (wᵀ·x) stands by its value among scalars
        parts.append(written)
        widths.append(written[1])
    width = sum(widths) + (len(node.op.name) + 2 if len(node.inputs) == 1 else 3)
    if all(expr is None for expr, _ in parts):
        return _immediate(node), width
    holders: dict[Any, Any] = {}
    args = []
    for i, (parent, (expr, _)) in enumerate(zip(node.inputs, parts)):
        if expr is None:
            args.append(parent.value)
            continue
        if parent.shape == (1, 1):
            holder: Any = sp.Dummy(f"p{i}")
            args.append(sp.ImmutableMatrix([[holder]]))
        else:
            holder = sp.MatrixSymbol(f"P{i}", *parent.shape)
            args.append(holder)
        holders[holder] = expr
    try:
        shown = node.op.show(args)
    except (TypeError, ValueError, AttributeError, IndexError, NotImplementedError):
        shown = None
    if shown is not None and not shown.atoms(MatrixElement) and all(shown.has(h) for h in holders):
        try:
            with sp.evaluate(False):
                return _flat(shown.xreplace(holders)), width
        except (TypeError, ValueError, RecursionError, NotImplementedError):  # sympy cannot build that form
            pass
    return _immediate(node), sum(_width(p.value) for p in node.inputs) + 4  # this op cannot write its inputs out


def _flat(expression: Any) -> Any:
    """A sum whose first term is a sum written as one sum (a + b + c, as the equation reads), unevaluated."""
    import sympy as sp

    if isinstance(expression, (sp.Add, sp.MatAdd)) and isinstance(expression.args[0], type(expression)):
        args = (*expression.args[0].args, *expression.args[1:])
        return type(expression)(*args, evaluate=False)
    return expression


def _is_matrix(expression: Any) -> bool:
    """Whether an expression is a matrix (explicit, or a product or sum of matrices)."""
    return bool(getattr(expression, "is_Matrix", False)) or bool(getattr(expression, "is_MatrixExpr", False))


def _width(value: Any) -> int:
    """About how many characters a value takes when printed (a matrix laid out in rows)."""
    import sympy as sp

    if not isinstance(value, sp.MatrixBase) or value.shape == (1, 1):
        entry = value[0, 0] if isinstance(value, sp.MatrixBase) else value
        return _length(entry)
    return value.cols * (_widest(value) + 2)


def _widest(value: Any) -> int:
    """The characters of a value's longest entry (as plain text; a decimal as printed, 6 digits)."""
    return max(8 if getattr(entry, "is_Float", False) else _length(entry) for entry in value)


@lru_cache(maxsize=8192)  # a line's width is asked for again at every choice of which steps stand alone
def _length(entry: Any) -> int:
    """The characters of a value as plain text (``str(entry)``)."""
    return len(sympy_str(entry))


def _uses(node: Any) -> list[str]:
    """The named quantities (givens, symbols, earlier variables) a node is computed from."""
    out: list[str] = []
    for parent in node.inputs:
        if parent.kind == "inner":
            out += _uses(parent)
        elif parent.kind != "constant":
            out.append(str(parent.label))
    return out


def _leaf_values(node: Any) -> list[Any]:
    """The values of the leaves and earlier variables a node's line may write out."""
    out = []
    for parent in node.inputs:
        out += _leaf_values(parent) if parent.kind == "inner" else [parent.value]
    return out


def _forward_step(node: Any, title: str | Formula, formula: str | Formula, written: tuple[Any, int],
                  substeps: tuple = (), shape: str = "") -> Step:
    values = [p.value for p in node.inputs] + _leaf_values(node)
    shown = shown_if_small(written[0], node.value, *values)
    trivial = all(p.kind == "constant" for p in node.inputs)  # nothing to substitute
    window = node.op.window_note([p.value for p in node.inputs], [str(p.label) for p in node.inputs]) \
        if hasattr(node.op, "window_note") else ""
    if hasattr(node.op, "size_rules"):  # a convolution: its output size is a step of its own
        rules = node.op.size_rules(node.inputs[0].shape, node.inputs[1].shape)
        substeps = tuple(Step(StepKind.EVALUATE, what, formula, numbers, result,
                              note=tr("n input size, k kernel size, p zero padding, d dilation, s stride"))
                         for what, formula, numbers, result in rules) + substeps
    cost = _cost_note(node)
    if cost:  # operation counts, as exams ask, are for full detail
        substeps = (Step(StepKind.RULE, tr("Scalar operations"), note=cost, detail=Detail.FULL), *substeps)
    if hasattr(node.op, "entry_steps"):  # a convolution: output entries as sums of products
        substeps += tuple(node.op.entry_steps([p.value for p in node.inputs], [p.symbol for p in node.inputs],
                                              node.symbol))
    return Step(StepKind.FORWARD, str(title), formula=formula, substituted=None if trivial else shown,
                result=present(node.value), substeps=substeps, note=_joined(shape, window))


def _shape_note(name: str, node: Any) -> str:
    """``h is 3×1`` for a vector or matrix (nothing for a scalar)."""
    rows, cols = node.shape
    # Translators: {shape} is a matrix shape such as 3×1
    return "" if (rows, cols) == (1, 1) else tr("{name} is {shape}", name=name, shape="%d×%d" % (rows, cols))


def _joined(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def operations(node: Any) -> tuple[int, int]:
    """Scalar multiplications and additions of a node's products and matrix sums within its equation."""
    from solver.engine import ops

    mults = adds = 0
    for parent in node.inputs:
        if parent.kind == "inner" and parent.equation == node.equation:
            m, a = operations(parent)
            mults, adds = mults + m, adds + a
    if isinstance(node.op, ops.MatMul):
        (m, n), (_, q) = node.inputs[0].shape, node.inputs[1].shape
        return mults + m * n * q, adds + m * (n - 1) * q
    if isinstance(node.op, (ops.Add, ops.Sub)):
        rows, cols = node.shape
        return mults, adds + rows * cols
    return mults, adds


def _has_product(node: Any) -> bool:
    from solver.engine import ops

    return isinstance(node.op, ops.MatMul) or any(
        p.kind == "inner" and p.equation == node.equation and _has_product(p) for p in node.inputs)


def _cost_note(node: Any) -> str:
    """Scalar operations of a matrix product, and of a sum that contains products (a bias added to a
    product, or products added together), as exams ask."""
    from solver.engine import ops

    if isinstance(node.op, ops.MatMul):
        (m, n), (_, q) = node.inputs[0].shape, node.inputs[1].shape
        if (m, n, q) == (1, 1, 1):
            return ""
        # Translators: an m×k matrix times a k×q one; {n} multiplications (the plural follows it), {adds} additions
        return ntr("{m}·{k}·{q} = {n} multiplication and {m}·({k} − 1)·{q} = {adds} additions (each of the "
                   "{entries} entries is a sum of {k} products).", "{m}·{k}·{q} = {n} multiplications and "
                   "{m}·({k} − 1)·{q} = {adds} additions (each of the {entries} entries is a sum of {k} products).",
                   m * n * q, m=m, k=n, q=q, adds=m * (n - 1) * q, entries=m * q)
    if not isinstance(node.op, (ops.Add, ops.Sub)) or node.shape == (1, 1) or not _has_product(node):
        return ""
    entries = node.shape[0] * node.shape[1]
    mults, adds = operations(node)
    other = [p for p in node.inputs if not (p.kind == "inner" and p.equation == node.equation and _has_product(p))]
    # Translators: {n} more additions (the plural follows it); {formula} such as W·x + b; {name} a bias, b
    values = {"formula": display(node), "mults": mults, "adds": adds}
    if len(other) == 1 and other[0].kind != "inner":
        return ntr("Adding the bias {name} takes {n} more addition: {formula} takes {mults} multiplications and "
                   "{adds} additions in all.", "Adding the bias {name} takes {n} more additions: {formula} takes "
                   "{mults} multiplications and {adds} additions in all.", entries, name=other[0].label, **values)
    if other:
        return ntr("Adding {name} takes {n} more addition: {formula} takes {mults} multiplications and {adds} "
                   "additions in all.", "Adding {name} takes {n} more additions: {formula} takes {mults} "
                   "multiplications and {adds} additions in all.", entries, name=other[0].label, **values)
    if all(isinstance(p.op, ops.MatMul) for p in node.inputs):
        return ntr("Adding the two products takes {n} more addition: {formula} takes {mults} multiplications and "
                   "{adds} additions in all.", "Adding the two products takes {n} more additions: {formula} takes "
                   "{mults} multiplications and {adds} additions in all.", entries, **values)
    return ntr("Adding the two sums takes {n} more addition: {formula} takes {mults} multiplications and {adds} "
               "additions in all.", "Adding the two sums takes {n} more additions: {formula} takes {mults} "
               "multiplications and {adds} additions in all.", entries, **values)


def display(node: Any) -> Formula:
    """A node's formula as solution sheets write it (W·x for products, ⊙ entrywise)."""
    from solver.engine.graph import label_of

    return node.label if node.is_leaf else label_of(node.op, list(node.inputs))


def declared(node: Any) -> Formula:
    """A node's formula with its inputs by the names later steps use (z2 = z1 + b)."""
    formula = display(node)
    for parent in node.inputs:
        if parent.name is not None:
            formula = formula.replace(parent.label, parent.name)
    return formula


def kink_notes(graph: Any) -> str:
    """What every op with a kink says about where its inputs landed (empty when no input is at a kink), once
    per saying: ``At hr1_1, hr1_2: an input of leaky_relu is exactly 0: …``."""
    where: dict[str, list[str]] = {}
    for node in graph.nodes:
        if node.op is not None:
            text = node.op.kink([p.value for p in node.inputs])
            if text:
                where.setdefault(text, []).append(str(node.symbol))
    # Translators: {nodes} lists nodes such as "hr1_1, hr1_2"; {text} says what happens at the kink
    return " ".join(tr("At {nodes}: {text}.", nodes=", ".join(symbols), text=text) for text, symbols in where.items())



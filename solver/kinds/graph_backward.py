"""The backward pass of a computational graph as steps: each node's gradient from its consumers.

Every step names nodes by their symbol (the spec's name, else a generated one, else the expression).
Steps that only pass a gradient through (the local derivative of a sum is 1) are kept for ``full``
detail; the step after one reads from the last gradient shown and says once that the sum passes it
through. A node with several consumers is one step, the sum of their contributions each written as a
product with numbers; each contribution's own step is kept for ``full``. Where a sigmoid feeds a binary
cross-entropy, or a softmax a negative log-likelihood, the product of the two local derivatives is shown
collapsing to p − y (p − onehot(y)), as courses teach.
In the Jacobian layout every formula, substituted form and result is written with rows
(:mod:`solver.kinds.graph_layout`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solver.engine.exact import plain, present, shown_if_small
from solver.engine.wording import sentence, worded
from solver.formula import Formula, Name, Number, Op, Paren, call, equation, grad, op
from solver.i18n import mark, ntr, tr
from solver.kinds.graph_layout import in_layout, jacobian_rule
from solver.trace import Chain, Detail, FanIn, Phrase, Step, StepKind, Words

__all__ = ["backward_group", "in_layout"]


@dataclass
class _Backward:
    """What the steps of one backward pass share: the loss, the layout and the collapsed nodes."""

    loss: Any
    layout: str
    scalar_graph: bool
    records: dict[Any, Any]  # node → its NodeGradient
    through: dict[Any, Any] = field(default_factory=dict)  # a collapsed node → the node its gradient equals
    told: set[Any] = field(default_factory=set)  # collapsed nodes whose pass-through was already said

    @property
    def L(self) -> Formula:
        """The loss as written."""
        return self.loss.symbol

    def upstream(self, consumer: Any) -> Formula:
        """∂L/∂(consumer), read from the last gradient shown (a collapsed consumer's is its sum's)."""
        return grad(self.L, self.through.get(consumer, consumer).symbol)


def backward_group(records: list[Any], loss: Any, layout: str, graph: Any, wanted: list[str]) -> Step:
    """The backward pass: one step per node in reverse topological order, fan-ins as sums of their parts."""
    scalar_graph = all(n.shape == (1, 1) for n in graph.nodes)
    state = _Backward(loss, layout, scalar_graph, {record.node: record for record in records})
    L = state.L
    substeps = [Step(StepKind.RULE, str(equation(grad(L, L), Number(1))), detail=Detail.STANDARD,
                     note=tr("The backward pass starts from the loss with gradient 1."))]
    for record in records[1:]:
        substeps.append(_gradient_step(record, state))
    reached = {record.node for record in records}
    for name in wanted:
        node = graph.names[name]
        if node not in reached:
            substeps.append(Step(StepKind.RULE, str(equation(grad(L, node.symbol), Number(0))),
                                 # Translators: {loss} is the loss (L), {node} and {name} the variable (W1)
                                 note=worded(tr("{loss} does not depend on {node}: no path of the graph leads "
                                                "from {name} to {loss}."), loss=str(L), node=node.symbol,
                                             name=name)))
    note = tr("Nodes in reverse topological order; each receives upstream gradient × local derivative from every "
              "consumer.")
    if scalar_graph:
        note += " " + tr("On a scalar graph every edge carries local × upstream.")
    return Step(StepKind.GROUP, tr("Backward pass"), note=note, substeps=tuple(substeps))


def _passes_through(part: Any) -> bool:
    """Whether a contribution is the upstream gradient unchanged (a sum's local derivative is 1)."""
    from solver.engine.ops import Add, Sub

    op_ = part.consumer.op
    return ((isinstance(op_, Add) or (isinstance(op_, Sub) and part.position == 0))
            and tuple(part.grad.shape) == tuple(part.upstream.shape))


def _gradient_step(record: Any, state: _Backward) -> Step:

    node = record.node
    target = grad(state.L, node.symbol)
    parts = [_chain_part(part, record, state) for part in record.contributions]
    if len(parts) == 1:
        only = parts[0]
        collapsed = node.kind == "inner" and _passes_through(record.contributions[0])
        if collapsed:
            consumer = record.contributions[0].consumer
            state.through[node] = state.through.get(consumer, consumer)
        title = f"{target}  ({tr(_role(node))})" if _role(node) else str(target)
        return Step(StepKind.CHAIN, title, formula=only.formula, substituted=only.substituted,
                    result=present(in_layout(record.total, state.layout)), note=only.note, record=only.record,
                    substeps=only.substeps, detail=Detail.FULL if collapsed else Detail.BRIEF)
    grads = [plain(in_layout(p.grad, state.layout)) for p in record.contributions]
    terms = [p.substituted if p.substituted is not None else g for p, g in zip(parts, grads)]
    shown = _summed(terms) if all(p.substituted is not None for p in parts) else None
    shown = shown_if_small(shown if shown is not None else _summed(grads), *grads)
    bare = node.symbol if isinstance(node.symbol, Name) else Paren(node.symbol)
    # Translators: {gradient} is a gradient such as ∂L/∂h; {node} a variable (h) used by {n} others
    title = ntr("{gradient}: {node} feeds {n} consumer, so their contributions add up",
                "{gradient}: {node} feeds {n} consumers, so their contributions add up", len(parts),
                gradient=target, node=bare)
    return Step(StepKind.SUM, title,
                formula=equation(target, op("+", *[p.formula for p in parts])),
                substituted=shown, result=present(in_layout(record.total, state.layout)), substeps=tuple(parts),
                note=_distinct([p.note for p in parts]),
                record=FanIn(str(state.L), str(node.symbol),
                             tuple(str(p.consumer.symbol) for p in record.contributions), record.total))


def _summed(terms: list[Any]) -> Any:
    """``a + b + …`` left unevaluated: the contributions of a fan-in as written (None if sympy cannot
    hold them as one sum)."""
    import sympy as sp

    try:
        if any(isinstance(t, (sp.MatrixBase, sp.MatrixExpr)) for t in terms):
            return sp.MatAdd(*terms, evaluate=False)
        return sp.Add(*terms, evaluate=False)
    except (TypeError, ValueError, AttributeError):
        return None


def _argument(node: Any) -> Formula:
    """A node as an operand inside other notation: its symbol, a compound expression bracketed."""
    from solver.engine.graph import operand

    return node.name if node.name is not None else operand(node)


def _chain_part(part: Any, record: Any, state: _Backward) -> Step:
    """One consumer's contribution: the product in general form, with numbers, and its value."""
    from solver.engine.exact import tidy
    from solver.engine.ops import DELTA

    consumer, node, xs = part.consumer, record.node, [p.value for p in part.consumer.inputs]
    args = [_argument(p) for p in consumer.inputs]
    words = consumer.op.explain(part.position, args, xs, consumer.value)
    rules = [_scalar_products(words.rule) if part.grad.shape == (1, 1) and part.upstream.shape == (1, 1)
             else words.rule]
    shown = consumer.op.shown(xs, consumer.value, part.upstream, part.position)
    notes: list[Words] = [words.local]
    known = {**{a: p.shape for a, p in zip(args, consumer.inputs)},
             **{p.symbol: p.shape for p in consumer.inputs}}
    collapse = _collapse(part, state)
    if collapse is not None:
        more, shown, note, shapes = collapse
        rules += more
        notes = [note]
        known.update(shapes)
    if state.scalar_graph and consumer.op.role:
        # Translators: {role} says how a gate routes the gradient ("add distributes: …"); {local} the local derivative
        notes = [sentence(tr("{role}. Local derivative: {local}"), role=tr(consumer.op.role), local=notes[0])]
    if state.layout == "jacobian":
        forms = [jacobian_rule(r, shown, DELTA, known, part.upstream.shape, part.grad.shape) for r in rules]
        rules, shown = [f for f, _ in forms], forms[-1][1]
    upstream = state.upstream(consumer)
    if consumer in state.through and consumer not in state.told:
        state.told.add(consumer)
        # Translators: {equation} says two gradients are equal, such as ∂L/∂h = ∂L/∂z
        passes = worded(tr("{equation}: the sum passes the gradient through."),
                        equation=equation(grad(state.L, consumer.symbol), upstream))
        notes.append(Phrase(("; ", *passes.parts)))
    rules = [r.replace(DELTA.T, Paren(upstream).T).replace(DELTA, upstream) for r in rules]
    rule = rules[0] if len(rules) == 1 else equation(*rules)
    value = part.grad.applyfunc(tidy)
    # Translators: {node} is the variable the gradient comes through, such as z1
    title = tr("through {node}", node=consumer.symbol) if len(record.contributions) > 1 \
        else str(grad(state.L, node.symbol))
    chain = Chain(str(state.L), str(node.symbol), str(consumer.symbol), rule, part.grad)
    entries = consumer.op.gradient_entry_steps(part.position, args, xs, part.upstream, grad(state.L, node.symbol),
                                               upstream) \
        if hasattr(consumer.op, "gradient_entry_steps") else []  # a convolution: entries as sums of products
    return Step(StepKind.CHAIN, title, formula=rule, substituted=shown_if_small(shown, part.grad, part.upstream),
                result=present(in_layout(value, state.layout)), note=_joined(notes), record=chain,
                substeps=tuple(entries), detail=Detail.FULL if len(record.contributions) > 1 else Detail.BRIEF)


def _collapse(part: Any, state: _Backward) -> tuple[list[Formula], Any, Words, dict[Formula, Any]] | None:
    """σ then BCE, or softmax then NLL: the product of the two local derivatives in its short form
    (p − y, p − onehot(y)), with numbers, a note and the shapes of its names; None elsewhere."""
    import sympy as sp

    from solver.engine.ops import Bce, Nll, Sigmoid, Softmax, broadcast_pair, entry

    p_node = part.consumer
    if not isinstance(p_node.op, (Sigmoid, Softmax)) or p_node not in state.records:
        return None
    above = state.records[p_node].contributions
    if len(above) != 1 or above[0].position != 0:
        return None
    loss_node = above[0].consumer
    pair = (Sigmoid, Bce) if isinstance(p_node.op, Sigmoid) else (Softmax, Nll)
    if not isinstance(loss_node.op, pair[1]):
        return None
    p, y_node = p_node.symbol, loss_node.inputs[1]
    y = y_node.symbol
    up = entry(above[0].upstream)  # ∂L/∂(the loss term): a scalar
    outer = state.upstream(loss_node)
    one = outer == grad(state.L, state.L)
    probabilities, targets = p_node.value, y_node.value
    shapes: dict[Formula, Any] = {p: p_node.shape, outer: (1, 1)}

    def scaled(f: Formula) -> Formula:
        return f if one else outer * f

    if isinstance(p_node.op, Sigmoid):
        probabilities, targets = broadcast_pair(p_node.value, y_node.value)
        n = len(probabilities)
        times = "·" if n == 1 else "⊙"
        local = op(times, Paren(p - y) / Paren(op("juxtapose", p, Paren(1 - p))), op("juxtapose", p, Paren(1 - p)))
        forms = [scaled(local), scaled((p - y) / Number(n) if n > 1 else p - y)]
        difference = _difference(probabilities, targets)
        note: Words = worded(tr("σ feeds the binary cross-entropy: the local derivatives cancel, {equation}."),
                             equation=equation(op("·", Paren(p - y) / Paren(op("juxtapose", p, Paren(1 - p))),
                                               op("juxtapose", p, Paren(1 - p))), p - y))
        shapes[y] = y_node.shape
    else:
        from solver.engine.ops.losses import class_index

        c = class_index(targets, len(probabilities))
        onehot = sp.ImmutableMatrix(probabilities.shape[0], probabilities.shape[1],
                                    [1 if i == c else 0 for i in range(len(probabilities))])
        n = 1
        forms = [scaled(p - call("onehot", y))]
        difference = _difference(probabilities, onehot)
        # Translators: {equation} is a formula; {index} the index of the true class (0, 1, …)
        note = worded(tr("softmax feeds the negative log-likelihood: {equation} (the class is y = {index})."),
                      equation=equation(Name("J") * Paren(-call("onehot", y) / Name(f"p[{c}]")),
                                        p - call("onehot", y)), index=str(c))
    factor = up / n
    if isinstance(difference, sp.MatrixBase):
        shown = difference if factor == 1 else sp.MatMul(factor, difference, evaluate=False)
    else:
        shown = difference if factor == 1 else sp.Mul(factor, difference, evaluate=False)
    return forms, shown, note, shapes


def _difference(p: Any, y: Any) -> Any:
    """``p − y`` unevaluated (numbers for a scalar, matrices for vectors)."""
    import sympy as sp

    if tuple(p.shape) == (1, 1):
        return sp.Add(p[0, 0], sp.Mul(-1, y[0, 0], evaluate=False), evaluate=False)
    return sp.MatAdd(p, sp.MatMul(-1, y, evaluate=False), evaluate=False)


def _scalar_products(rule: Formula) -> Formula:
    """On scalars an entrywise product is an ordinary one."""
    if isinstance(rule, Op):
        return Op("·" if rule.symbol == "⊙" else rule.symbol, tuple(_scalar_products(a) for a in rule.args))
    return Paren(_scalar_products(rule.body)) if isinstance(rule, Paren) else rule


def _joined(notes: list[Words]) -> Words:
    """Notes in reading order as one note (a Phrase when one of them carries formulas)."""
    if all(isinstance(n, str) for n in notes):
        return "".join(str(n) for n in notes)
    parts: list[Any] = []
    for n in notes:
        parts += list(n.parts) if isinstance(n, Phrase) else [n]
    return Phrase(tuple(parts))


def _distinct(notes: list[Words]) -> Words:
    """The different clauses of ``notes`` (parts between semicolons) as one note: a fan-in states the
    rules its contributions use, each once."""
    kept: list[tuple[Any, ...]] = []
    for note in notes:
        for clause in _clauses(note):
            if clause and clause not in kept:
                kept.append(clause)
    return _joined([part for i, clause in enumerate(kept) for part in (clause if i == 0 else ("; ", *clause))])


def _clauses(note: Words) -> list[tuple[Any, ...]]:
    """A note cut at its semicolons into clauses (tuples of words and formulas), without a closing full stop."""
    clauses: list[list[Any]] = [[]]
    for part in (note.parts if isinstance(note, Phrase) else (note,)):
        if not isinstance(part, str):
            clauses[-1].append(part)
            continue
        first, *rest = part.split("; ")
        clauses[-1].append(first)
        clauses += [[piece] for piece in rest]
    cleaned = [tuple(p for p in clause if p != "") for clause in clauses]
    if cleaned and cleaned[-1] and isinstance(cleaned[-1][-1], str):
        cleaned[-1] = (*cleaned[-1][:-1], cleaned[-1][-1].removesuffix("."))
    return [clause for clause in cleaned if clause]


def _role(node: Any) -> str:
    return {"given": mark("given"), "symbol": mark("symbol"), "variable": ""}.get(node.kind, "")


"""The backward pass of a computational graph as steps: each node's gradient from its consumers."""

from __future__ import annotations

from typing import Any

from solver.engine.exact import plain, present, shown_if_small
from solver.formula import Formula, Name, Op, Paren, equation, grad, op
from solver.trace import Chain, FanIn, Step, StepKind


def backward_group(records: list[Any], loss: Any, layout: str, graph: Any, wanted: list[str]) -> Step:
    """The backward pass: one step per node in reverse topological order, fan-ins as sums of their parts."""
    scalar_graph = all(n.shape == (1, 1) for n in graph.nodes)
    L = loss.label
    substeps = [Step(StepKind.RULE, f"∂{L}/∂{L} = 1", note="The backward pass starts from the loss with gradient 1.")]
    for record in records[1:]:
        substeps.append(_gradient_step(record, L, layout, scalar_graph))
    reached = {record.node for record in records}
    for name in wanted:
        if graph.names[name] not in reached:
            substeps.append(Step(StepKind.RULE, f"∂{L}/∂{name} = 0",
                                 note=f"{L} does not depend on {name}: no path of the graph leads from {name} to {L}."))
    note = "Nodes in reverse topological order; each receives upstream gradient × local derivative from every consumer."
    if scalar_graph:
        note += " On a scalar graph every edge carries local × upstream."
    return Step(StepKind.GROUP, "Backward pass", note=note, substeps=tuple(substeps))


def _gradient_step(record: Any, L: Formula, layout: str, scalar_graph: bool) -> Step:
    import sympy as sp

    from solver.engine.graph import operand
    from solver.engine.ops import DELTA

    def scalar_products(rule: Formula) -> Formula:  # scalars: an entrywise product is an ordinary one
        if isinstance(rule, Op):
            return Op("·" if rule.symbol == "⊙" else rule.symbol, tuple(scalar_products(a) for a in rule.args))
        return Paren(scalar_products(rule.body)) if isinstance(rule, Paren) else rule

    node = record.node
    target = grad(L, node.label)
    parts = []
    for part in record.contributions:
        consumer, xs = part.consumer, [p.value for p in part.consumer.inputs]
        words = consumer.op.explain(part.position, [operand(p) for p in consumer.inputs], xs, consumer.value)
        rule = words.rule
        if part.grad.shape == (1, 1) and part.upstream.shape == (1, 1):
            rule = scalar_products(rule)
        rule = rule.replace(DELTA, grad(L, consumer.label))
        note = words.local
        if scalar_graph and consumer.op.role:
            note = f"{consumer.op.role}. Local derivative: {note}"
        title = f"through {consumer.label}" if len(record.contributions) > 1 else str(target)
        shown = consumer.op.shown(xs, consumer.value, part.upstream, part.position)
        chain = Chain(str(L), str(node.label), str(consumer.label), rule, part.grad)
        entries = consumer.op.gradient_entry_steps(part.position, [operand(p) for p in consumer.inputs], xs,
                                                   part.upstream, target, grad(L, consumer.label)) \
            if hasattr(consumer.op, "gradient_entry_steps") else []  # a convolution: entries as sums of products
        parts.append(Step(StepKind.CHAIN, title, formula=rule,
                          substituted=shown_if_small(shown, part.grad, part.upstream),
                          result=present(in_layout(part.grad, layout)), note=note, record=chain,
                          substeps=tuple(entries)))
    if len(parts) == 1:
        only = parts[0]
        return Step(StepKind.CHAIN, f"{target}  ({_role(node)})" if _role(node) else str(target), formula=only.formula,
                    substituted=only.substituted, result=only.result, note=only.note, record=only.record,
                    substeps=only.substeps)
    grads = [plain(in_layout(p.grad, layout)) for p in record.contributions]
    shown = sp.MatAdd(*grads, evaluate=False) if isinstance(grads[0], sp.MatrixBase) else sp.Add(*grads, evaluate=False)
    shown = shown_if_small(shown, *grads)
    bare = node.label if isinstance(node.label, Name) else Paren(node.label)
    return Step(StepKind.SUM, f"{target}: {bare} feeds {len(parts)} consumers, so their contributions add up",
                formula=equation(target, op("+", *[p.formula for p in parts])),
                substituted=shown, result=present(in_layout(record.total, layout)), substeps=tuple(parts),
                record=FanIn(str(L), str(node.label), tuple(str(p.consumer.label) for p in record.contributions),
                             record.total))


def _role(node: Any) -> str:
    return {"given": "given", "symbol": "symbol", "variable": ""}.get(node.kind, "")


def in_layout(grad: Any, layout: str) -> Any:
    """A gradient in the requested layout: Jacobian layout writes a column vector's gradient as a row."""
    if layout == "jacobian" and grad.shape[1] == 1 and grad.shape[0] > 1:
        return grad.T
    return grad

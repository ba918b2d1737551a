"""Backward steps in the Jacobian (numerator) layout: a column vector's gradient is written as a row.

An op states its chain-rule product for gradients shaped like their variables (``w·δ`` for ∂L/∂h of
``s = wᵀ·h``). In the Jacobian layout the same step is written transposed, so that the formula, the
numbers substituted and the result are all rows: ``(w·δ)ᵀ = δ·wᵀ``. A gradient that is a column in
the gradient layout is a row in the Jacobian one, so a transposed upstream gradient is the Jacobian
layout's own ``∂L/∂s``; a matrix's gradient has the matrix's shape in both layouts.
"""

from __future__ import annotations

from typing import Any

from solver.formula import Call, Formula, Grad, Name, Number, Op, Paren

Shape = tuple[int, int]
SCALAR: Shape = (1, 1)


def is_column(shape: Shape) -> bool:
    """A column vector of more than one entry (the shapes the Jacobian layout writes as rows)."""
    return shape[1] == 1 and shape[0] > 1


def in_layout(grad: Any, layout: str) -> Any:
    """A gradient in the requested layout: Jacobian layout writes a column vector's gradient as a row."""
    if layout == "jacobian" and is_column(tuple(grad.shape)):
        return grad.T
    return grad


def jacobian_rule(rule: Formula, shown: Any, delta: Formula, known: dict[Formula, Shape], up: Shape,
                  result: Shape) -> tuple[Formula, Any]:
    """``rule`` (a product in the gradient layout with the upstream gradient ``delta``) and its substituted
    form ``shown``, rewritten so that they hold in the Jacobian layout, where ``delta`` stands for the
    Jacobian-layout upstream gradient. ``known`` gives the shapes of the rule's operands."""
    if not is_column(result):  # the result keeps its shape: only a column upstream gradient is transposed
        return (rule.replace(delta, delta.T) if is_column(up) else rule), shown
    shapes = {**known, delta: up}
    transposed = _transpose(rule, result, shapes, delta)
    if transposed is None:  # a form the rewriting does not know: transpose it as a whole
        inner = rule.replace(delta, delta.T) if is_column(up) else rule
        transposed = Op("ᵀ", (Paren(inner),))
    return transposed, transpose_shown(shown)


def _infer(f: Formula, shapes: dict[Formula, Shape]) -> Shape | None:
    """The shape of ``f`` where it follows from known operands (None where it does not)."""
    if f in shapes:
        return shapes[f]
    if isinstance(f, Number):
        return SCALAR
    if isinstance(f, Paren):
        return _infer(f.body, shapes)
    if isinstance(f, Op):
        parts = [_infer(a, shapes) for a in f.args]
        if f.symbol == "ᵀ" and parts[0] is not None:
            return (parts[0][1], parts[0][0])
        if f.symbol in ("neg", "²"):
            return parts[0]
        if len(parts) == 2 and None not in parts:
            a, b = parts
            assert a is not None and b is not None
            if a == SCALAR:
                return b
            if b == SCALAR:
                return a
            if f.symbol in ("·", "juxtapose"):
                return (a[0], b[1])
            return a
    return None


def _transpose(f: Formula, shape: Shape | None, shapes: dict[Formula, Shape], delta: Formula) -> Formula | None:
    """``fᵀ`` written with transposes on the leaves (products reversed, a scalar factor first)."""
    shape = _infer(f, shapes) or shape
    if f == delta:  # the column-form δ transposed is the Jacobian layout's δ (a matrix's keeps its shape)
        up = shapes[delta]
        return delta if is_column(up) or up == SCALAR else delta.T
    if shape == SCALAR or isinstance(f, Number):
        return f
    if isinstance(f, Paren):
        inner = _transpose(f.body, shape, shapes, delta)
        return None if inner is None else (inner if isinstance(inner, (Name, Call, Grad)) else Paren(inner))
    if isinstance(f, (Name, Call, Grad)):
        return None if shape is None else f.T
    if not isinstance(f, Op):
        return None
    if f.symbol == "ᵀ":
        return f.args[0]
    if f.symbol in ("neg", "²"):
        inner = _transpose(f.args[0], shape, shapes, delta)
        return None if inner is None else Op(f.symbol, (inner,))
    if len(f.args) != 2:
        return None
    a, b = f.args
    sa, sb = _infer(a, shapes), _infer(b, shapes)
    if f.symbol == "juxtapose" and isinstance(b, Name) and b.text.startswith(" "):  # a rule said in words
        inner = _transpose(a, shape, shapes, delta)
        return None if inner is None else Op("juxtapose", (inner, b))
    if f.symbol in ("·", "juxtapose"):
        if sa == SCALAR or sb == SCALAR:  # a scalar factor first: (w·δ)ᵀ = δ·wᵀ
            scalar, other = (a, b) if sa == SCALAR else (b, a)
            rest = _transpose(other, shape, shapes, delta)
            return None if rest is None else Op(f.symbol, (scalar, rest))
        if shape is None or (sa is None and sb is None):
            return None
        sa = sa or (shape[0], sb[0])  # type: ignore[index]
        sb = sb or (sa[1], shape[1])
        left, right = _transpose(b, sb, shapes, delta), _transpose(a, sa, shapes, delta)
        return None if left is None or right is None else Op("·", (left, right))
    if f.symbol in ("+", "−", "⊙", "/", "divide", "^"):
        left = _transpose(a, sa or shape, shapes, delta)
        right = b if f.symbol == "^" else _transpose(b, sb or shape, shapes, delta)
        return None if left is None or right is None else Op(f.symbol, (left, right))
    return None


def transpose_shown(expression: Any) -> Any:
    """The transpose of an unevaluated product of numbers, written with the transposes inside:
    ``(w·δ)ᵀ = δᵀ·wᵀ`` with each explicit matrix transposed, so the numbers print as rows."""
    import sympy as sp

    if expression is None:
        return None
    if isinstance(expression, sp.MatrixBase):
        return expression.T
    if not getattr(expression, "is_Matrix", False):
        return expression  # a scalar
    if isinstance(expression, sp.Transpose):
        return expression.arg
    if isinstance(expression, sp.MatMul):
        scalars = [a for a in expression.args if not getattr(a, "is_Matrix", False)]
        matrices = [transpose_shown(a) for a in reversed(expression.args) if getattr(a, "is_Matrix", False)]
        return sp.MatMul(*scalars, *matrices, evaluate=False)
    if isinstance(expression, sp.HadamardProduct):
        return sp.HadamardProduct(*[transpose_shown(a) for a in expression.args], evaluate=False)
    if isinstance(expression, sp.MatAdd):
        return sp.MatAdd(*[transpose_shown(a) for a in expression.args], evaluate=False)
    return sp.Transpose(expression)

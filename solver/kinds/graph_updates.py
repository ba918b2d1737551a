"""Gradient-descent updates: ``p_new = p − η·∂L/∂p`` for every updated parameter."""

from __future__ import annotations

from typing import Any

from solver.engine.exact import plain, present, shown_if_small
from solver.engine.wording import worded
from solver.errors import FieldError
from solver.formula import Name, grad
from solver.i18n import tr
from solver.kinds.graph_spec import GraphSpec
from solver.trace import Step, StepKind, Update


def updates(spec: GraphSpec, grads: dict[str, Any], loss_name: str | None, numeric: bool,
            current: dict[str, Any]) -> tuple[list[Step], dict[str, Any]]:
    """``p_new = p − η·∂L/∂p`` for every updated parameter."""
    import sympy as sp

    assert spec.update is not None

    from solver.engine.exact import guard, tidy
    from solver.engine.ops import Matrix
    from solver.numbers import NumberError, parse_exact

    try:
        lr = parse_exact(spec.update.lr)
    except NumberError as error:
        raise FieldError(("update", "lr"), str(error)) from None
    params = spec.update.params if spec.update.params is not None else [n for n in grads if n in current]
    steps, new_values = [], {}
    for i, name in enumerate(params):
        if name not in current:
            raise FieldError(("update", "params", i), tr("'{name}' is not a given parameter", name=name))
        if name not in grads:
            raise FieldError(("update", "params", i), tr("'{name}' has no gradient here: add it to wrt", name=name))
        old = current[name]
        new = Matrix(old - lr * grads[name]).applyfunc(tidy)
        if not numeric:
            guard(new, f"{name}_new")  # the next observation starts from it: it must stay small
        new_values[name] = new
        if old.shape == (1, 1):
            shown = sp.Add(plain(old), sp.Mul(-lr, plain(grads[name]), evaluate=False), evaluate=False)
        else:
            shown = sp.MatAdd(old, sp.MatMul(-lr, grads[name], evaluate=False), evaluate=False)
        steps.append(Step(StepKind.UPDATE, f"{name}_new", formula=Name(name) - Name("η") * grad(str(loss_name), name),
                          substituted=shown_if_small(shown, old, grads[name]),
                          result=present(new), note=worded(tr("learning rate η = {rate}"), rate=lr),

                          record=Update(name, lr, grads[name], old, new)))
    return steps, new_values

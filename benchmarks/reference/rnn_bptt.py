"""problems/rnn-bptt.yaml written directly in sympy, the plain way: the exact forward pass of a tanh RNN
over three steps, backpropagation through time and the Jacobian products ∂h3/∂h_k, each value printed in 2D
where a sheet shows it exactly, and every decimal (``N``).

Only sympy (no dlsolve; numpy, typer, rich and PyYAML are imported with ``--with-libraries``): a reference for the
problem's exact work. Prints the gradients' floats as JSON so that ``ratios.py references`` can check that it
computes what dlsolve computes.
"""

import json
import sys

import sympy as sp

if "--with-libraries" in sys.argv:  # the other libraries dlsolve loads on every problem (no more is done with them)
    import numpy  # noqa: F401
    import rich.console  # noqa: F401
    import typer  # noqa: F401
    import yaml  # noqa: F401

half = sp.Rational(1, 2)
W_hh = sp.Matrix([[half, 0], [0, -half]])
W_xh = sp.Matrix([[1], [half]])
b_h = sp.zeros(2, 1)
W_hy = sp.Matrix([[1, -1]])
xs, target = (1, 0, -1), 1


def shown_exactly(value: sp.Matrix) -> bool:
    """Whether a sheet shows a value's exact form: no entry of over 60 tree nodes (dlsolve's rule: larger
    entries are shown by their decimals alone, so printing them is work no program needs to do)."""
    return all(sum(1 for _ in sp.preorder_traversal(entry)) <= 60 for entry in value)


hs = [sp.zeros(2, 1)]
for x in xs:
    hs.append((W_hh * hs[-1] + W_xh * x + b_h).applyfunc(sp.tanh))
y = W_hy * hs[-1]
loss = half * (y[0] - target) ** 2

grads = {"W_hh": sp.zeros(2, 2), "W_xh": sp.zeros(2, 1), "b_h": sp.zeros(2, 1), "W_hy": (y[0] - target) * hs[-1].T}
dh = W_hy.T * (y[0] - target)
shown = [*hs, y, dh]
for t in range(len(xs), 0, -1):
    da = dh.multiply_elementwise(hs[t].applyfunc(lambda v: 1 - v**2))
    grads["W_hh"] += da * hs[t - 1].T
    grads["W_xh"] += da * xs[t - 1]
    grads["b_h"] += da
    dh = W_hh.T * da
    shown += [da, dh]
jacobians, product = {}, sp.eye(2)  # ∂h3/∂h_k, the products that make gradients vanish
for t in range(len(xs), 0, -1):
    product = product * sp.diag(*[1 - v**2 for v in hs[t]]) * W_hh
    jacobians[f"dh3/dh{t - 1}"] = product
for value in [*shown, *grads.values(), *jacobians.values()]:
    if shown_exactly(value):
        sp.pretty(value)
    [float(sp.N(entry, 17)) for entry in value]
print(json.dumps({name: [float(sp.N(entry, 17)) for entry in value] for name, value in {**grads, **jacobians}.items()}))

"""problems/lstm-step.yaml written directly in sympy, the plain way: the exact gate, cell and hidden
values of two LSTM steps, each printed in 2D where a sheet shows it exactly, and every decimal (``N``).

Only sympy (no dlsolve; numpy, typer, rich and PyYAML are imported with ``--with-libraries``): a reference for the
problem's exact work. Prints the answers' floats as JSON so that ``ratios.py references`` can check that it computes
what dlsolve computes.
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
W_ih = sp.Matrix([[1], [0], [half], [1], [1], [-1], [-1], [half]])  # rows: gates i, f, g, o, two each
W_hh = sp.Matrix([[0, 1], [1, 0], [half, 0], [0, half], [1, 0], [0, -1], [0, 0], [1, 1]])
b = sp.Matrix([0, 0, 1, 1, 0, 0, 0, 0])  # b_ih + b_hh


def shown_exactly(value: sp.Matrix) -> bool:
    """Whether a sheet shows a value's exact form: no entry of over 60 tree nodes (dlsolve's rule: larger
    entries are shown by their decimals alone, so printing them is work no program needs to do)."""
    return all(sum(1 for _ in sp.preorder_traversal(entry)) <= 60 for entry in value)


def sigma(z: sp.Expr) -> sp.Expr:
    """The logistic function, exactly."""
    return 1 / (1 + sp.exp(-z))


h, c = sp.zeros(2, 1), sp.zeros(2, 1)
answers = {}
for t, x in enumerate((1, -1), start=1):
    z = W_ih * x + W_hh * h + b
    i, f, o = (z[rows, :].applyfunc(sigma) for rows in (slice(0, 2), slice(2, 4), slice(6, 8)))
    g = z[4:6, :].applyfunc(sp.tanh)
    c = f.multiply_elementwise(c) + i.multiply_elementwise(g)
    h = o.multiply_elementwise(c.applyfunc(sp.tanh))
    answers.update({f"{name}{t}": value for name, value in zip("ifgoch", (i, f, g, o, c, h))})
for value in answers.values():
    if shown_exactly(value):
        sp.pretty(value)
print(json.dumps({name: [float(sp.N(entry, 17)) for entry in value] for name, value in answers.items()}))

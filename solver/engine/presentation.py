"""How an exact value enters a trace: exact while its form stays small, else its decimal.

Exact forms can explode (a GAN step's nested exponentials run to thousands of operations); a value
whose exact form is larger than :data:`PRINT_OPS` tree nodes is carried as an
:class:`~solver.trace.Approximate` (its decimal, computed from the exact value, and its size), so
every printer shows a number instead of a page of exponentials, while answers keep their meaning.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

PRINT_OPS = 60  # beyond this many tree nodes in an entry, a value is shown by its decimal


def plain(value: Any) -> Any:
    """A 1×1 matrix as its entry; anything else unchanged."""
    return value[0, 0] if hasattr(value, "shape") and tuple(value.shape) == (1, 1) else value


def present(value: Any) -> Any:
    """A value for the trace: exact while small, else an Approximate with its decimal."""
    return _presented(plain(value))


@lru_cache(maxsize=4096)  # sympy values are immutable and hashable: each is sized and evaluated once
def _presented(value: Any) -> Any:
    import sympy as sp

    from solver.engine.exact import size_at_most, to_float
    from solver.trace import Approximate

    entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
    size = max((size_at_most(v, 10 * PRINT_OPS) for v in entries
                if not (v.is_Rational or v.is_Float or v.is_Symbol)), default=0)
    if size <= PRINT_OPS or not all(v.is_number for v in entries):
        return value
    cache: dict[Any, float] = {}
    if isinstance(value, sp.MatrixBase):
        approx = value.applyfunc(lambda v: sp.Float(to_float(v, cache), 15))
    else:
        approx = sp.Float(to_float(value, cache), 15)
    return Approximate(approx, size)


def shown_if_small(expression: Any, *values: Any) -> Any:
    """The substituted form ``expression``, or None when one of its ``values`` is shown by its decimal."""
    from solver.trace import Approximate

    return None if any(isinstance(present(v), Approximate) for v in values) else expression

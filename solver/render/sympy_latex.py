"""sympy's LaTeX printer taught dlsolve's notation: ``\\ln`` for the natural logarithm, ``\\sigma`` for
sigmoid, and Unicode in names (``σ``, ``×``) through the table of :mod:`solver.render.latex_notation`.

Importing this module imports sympy: :mod:`solver.render.latex_values` imports it only for sympy values.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sympy.printing.latex import LatexPrinter

from solver.render.latex_notation import symbols_latex


class SympyLatexPrinter(LatexPrinter):
    """``sympy.latex`` with ``ln_notation`` and ``σ(x)`` for the engine's unevaluated sigmoid."""

    def __init__(self) -> None:
        super().__init__({"ln_notation": True})

    def doprint(self, expr: Any) -> str:
        """A value as LaTeX math; names such as σ from user symbols through UNICODE_LATEX."""
        return symbols_latex(str(super().doprint(expr)))

    def _print_sigmoid(self, expr: Any, exp: Any = None) -> str:
        shown = r"\sigma\left(%s\right)" % self._print(expr.args[0])
        return shown if exp is None else r"%s^{%s}" % (shown, exp)


@lru_cache(maxsize=1)
def printer() -> SympyLatexPrinter:
    """The LaTeX printer for sympy values (made once)."""
    return SympyLatexPrinter()


@lru_cache(maxsize=4096)
def _latex(value: Any) -> str:
    return printer().doprint(value)


def latex(value: Any) -> str:
    """A sympy value as LaTeX math in dlsolve's notation (cached: a value is measured, then printed)."""
    try:
        return _latex(value)
    except TypeError:  # a mutable matrix is not hashable
        return printer().doprint(value)

"""Renderers: one module per output format, each a function ``render(solutions, **options) -> str``.

Renderers never compute; they format the exact values a solver put into the trace.
"""

from __future__ import annotations

import importlib
from typing import Callable

FORMATS = {
    "text": "solver.render.text",
    "latex": "solver.render.latex",
    "markdown": "solver.render.markdown",
    "json": "solver.render.json",
}


def renderer(fmt: str) -> Callable[..., str]:
    """The render function for ``fmt`` (KeyError if unknown)."""
    return importlib.import_module(FORMATS[fmt]).render

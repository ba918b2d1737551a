"""Renderers: one module per output format, each a function ``render(solutions, **options) -> str``.

Renderers never compute; they format the exact values a solver put into the trace.

This module is also the one registry of output formats: the library API (``solver.api.FORMATS``)
and the command line (its ``--format`` choices and the ``-o`` suffixes) derive theirs from it.
It imports only the standard library, so the command line can read it at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import NamedTuple


class OutputFormat(NamedTuple):
    """One output format: its name, the module that renders it, the ``-o`` suffixes that choose it."""

    name: str
    module: str
    suffixes: tuple[str, ...]


REGISTRY: tuple[OutputFormat, ...] = (  # in this order in ``--help``
    OutputFormat("text", "solver.render.text", (".txt",)),
    OutputFormat("latex", "solver.render.latex", (".tex",)),
    OutputFormat("markdown", "solver.render.markdown", (".md",)),
    OutputFormat("json", "solver.render.json", (".json",)),
    OutputFormat("html", "solver.render.html", (".html", ".htm")),
)

FORMATS: dict[str, str] = {entry.name: entry.module for entry in REGISTRY}
"""The module of every solution format, by name."""

SUFFIX_FORMATS: dict[str, str] = {suffix: entry.name for entry in REGISTRY for suffix in entry.suffixes}
"""The solution format an ``-o`` file's (lower-case) suffix chooses."""

GRAPH_SUFFIX_FORMATS: dict[str, str] = {
    ".txt": "text", ".dot": "dot", ".gv": "dot", ".tex": "tikz", ".svg": "svg", ".png": "png",
}
"""The format of ``dlsolve graph`` an ``-o`` file's (lower-case) suffix chooses."""

GRAPH_FORMATS: tuple[str, ...] = tuple(dict.fromkeys(GRAPH_SUFFIX_FORMATS.values()))
"""The formats of ``dlsolve graph`` (drawings, not solution documents): text, dot, tikz, svg, png."""

DEFAULT_FORMAT = "text"
"""The format when neither ``--format`` nor an ``-o`` suffix chooses one."""


def renderer(fmt: str) -> Callable[..., str]:
    """The render function for ``fmt`` (KeyError if unknown)."""
    return importlib.import_module(FORMATS[fmt]).render

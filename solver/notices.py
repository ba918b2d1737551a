"""What a solve reports besides its solution: each time exact arithmetic was given up for floating point.

A solver calls :func:`exact_abandoned` with the reason where it falls back; :func:`collecting` (used by
``solver.api.solve``) gathers the reasons of one solve, which end up in ``Solution.exact_abandoned``, the
JSON field ``exact_abandoned`` and a one-line note on stderr.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_REASONS: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("dlsolve_reasons", default=None)


def exact_abandoned(reason: str) -> None:
    """Record that exact arithmetic was given up, and why (nothing happens outside :func:`collecting`)."""
    reasons = _REASONS.get()
    if reasons is not None and reason not in reasons:
        reasons.append(reason)


@contextmanager
def collecting() -> Iterator[list[str]]:
    """Gather the reasons recorded inside the block, in order, each once."""
    reasons: list[str] = []
    token = _REASONS.set(reasons)
    try:
        yield reasons
    finally:
        _REASONS.reset(token)

"""The parts of a step every renderer shows, in one place: numbering and the equation chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from solver.render import text_values
from solver.trace import Step


def numbered(steps: tuple[Step, ...], prefix: str = "") -> Iterator[tuple[str, Step]]:
    """Yield ``("2.1", step)`` pairs, depth first."""
    for i, step in enumerate(steps, 1):
        number = f"{prefix}{i}"
        yield number, step


def parts(step: Step, fmt: Callable[[Any], str],
          decimal: Callable[[Any], str | None] = text_values.decimal) -> list[str]:
    """The pieces of ``formula = substituted = result ≈ decimal``, leaving out those a step lacks."""
    out: list[str] = []
    for part in (step.formula, step.substituted, step.result):
        if part is not None and (shown := fmt(part)) not in out[-1:]:  # a value shown by decimals twice: once
            out.append(shown)
    if step.result is not None:
        approximation = decimal(step.result)
        if approximation is not None:
            out.append(approximation)
    return out

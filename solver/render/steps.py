"""The parts of a step every renderer shows, in one place: numbering and the equation chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from solver.render import values
from solver.trace import Step


def numbered(steps: tuple[Step, ...], prefix: str = "") -> Iterator[tuple[str, Step]]:
    """Yield ``("2.1", step)`` pairs, depth first."""
    for i, step in enumerate(steps, 1):
        number = f"{prefix}{i}"
        yield number, step


def chain(step: Step, fmt: Callable[[Any], str], equals: str = " = ", approx: str = " ≈ ") -> str:
    """``formula = substituted = result ≈ decimal``, leaving out the parts a step does not have."""
    parts = [fmt(part) for part in (step.formula, step.substituted, step.result) if part is not None]
    line = equals.join(parts)
    if step.result is not None:
        shown = values.decimal(step.result)
        if shown is not None:
            line += approx + shown
    return line

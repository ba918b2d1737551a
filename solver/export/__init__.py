"""Exports of solved problems for a course: Moodle XML (:mod:`solver.export.moodle`) and per-student
LaTeX sheets (:mod:`solver.export.sheets`), over a list of items, one per student.

An item is ``(key, solution)``, ``(key, problem, solution)``, an :class:`Item`, or any object with
``key`` and ``solution`` attributes and an optional ``hash`` (a variant from ``dlsolve vary``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from solver.trace import Solution


@dataclass(frozen=True)
class Item:
    """One student's solved problem: the student's key, the variant's short hash ("" if none), the solution."""

    key: str
    solution: Solution
    hash: str = ""


def as_item(item: Any) -> Item:
    """An :class:`Item` from a pair, a triple (the middle element, a problem, is not needed) or a variant."""
    if isinstance(item, Item):
        return item
    if isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[-1], Solution):
        return Item(str(item[0]), item[-1])
    solution = getattr(item, "solution", None)
    if isinstance(solution, Solution) and hasattr(item, "key"):
        return Item(str(item.key), solution, str(getattr(item, "hash", "") or ""))
    raise TypeError(f"not an export item (key, solution): {type(item).__name__}")


def as_items(items: Iterable[Any]) -> list[Item]:
    """The items as :class:`Item` s; a ValueError names a key that occurs twice."""
    found = [as_item(item) for item in items]
    seen: set[str] = set()
    for item in found:
        if item.key in seen:
            raise ValueError(f"the key {item.key!r} occurs twice: each student needs a key of their own")
        seen.add(item.key)
    return found

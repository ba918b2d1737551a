"""The validated problem handed to a solver: plain data, no validation logic here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One problem: its identity, wording, the kind's typed ``given`` data and what is asked."""

    id: str
    kind: str
    title: str
    given: Any
    statement: str = ""
    source: str = ""
    ask: tuple[str, ...] = ()

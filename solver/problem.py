"""The validated problem handed to a solver: plain data, no validation logic here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One problem: its identity, wording, the kind's validated fields (``spec``) and what is asked."""

    id: str
    kind: str
    title: str
    spec: Any  # an instance of the kind's spec_type: its FIELDS, validated (see solver.kinds.Kind)
    statement: str = ""
    source: str = ""
    ask: tuple[str, ...] = ()

"""Translated prose with values for the graph kind and the engine: :func:`solver.trace.phrase` with the
words kept together (a number or a name filled in as text joins the words around it, as one part)."""

from __future__ import annotations

from typing import Any

from solver.trace import Phrase, phrase


def worded(template: str, /, **values: Any) -> Phrase:
    """``phrase(template, **values)`` with neighbouring words (str parts) joined into one part."""
    return linked(phrase(template, **values))


def sentence(template: str, /, **values: Any) -> str | Phrase:
    """:func:`worded`, as a plain string when every value was words (no formula or value inside)."""
    words = worded(template, **values)
    return words.parts[0] if len(words.parts) == 1 and isinstance(words.parts[0], str) else words


def linked(*pieces: Any) -> Phrase:
    """Words, formulas and Phrases in reading order as one Phrase (neighbouring words joined)."""
    parts: list[Any] = []
    for piece in pieces:
        for part in piece.parts if isinstance(piece, Phrase) else (piece,):
            if isinstance(part, str) and parts and isinstance(parts[-1], str):
                parts[-1] += part
            else:
                parts.append(part)
    return Phrase(tuple(parts))

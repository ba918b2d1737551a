"""Deterministic draws: a stream of integers from SHA-256, the same on every machine and Python version.

The standard library's ``random`` is not used: its algorithms may change between versions. A candidate
is drawn from ``sha256(material ‖ counter)`` blocks, read as 64-bit unsigned integers; a value below
``n`` is taken by rejection (never by a biased modulo).
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from solver.vary.schema import Draw, at_path, is_number

BLOCK = 8  # bytes per 64-bit integer
SPACE = 1 << 64


class Stream:
    """Unbiased integers from SHA-256 of ``material`` and a running counter."""

    def __init__(self, material: bytes):
        self.material = material
        self.counter = 0
        self.buffer = b""

    def _word(self) -> int:
        if not self.buffer:
            self.buffer = hashlib.sha256(self.material + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        word, self.buffer = self.buffer[:BLOCK], self.buffer[BLOCK:]
        return int.from_bytes(word, "big")

    def below(self, n: int) -> int:
        """An integer in [0, n), uniformly."""
        limit = SPACE - SPACE % n
        while True:
            word = self._word()
            if word < limit:
                return word % n


def material(source_hash: str, seed: int, key: str, attempt: int) -> bytes:
    """The bytes a candidate's draws derive from: the problem's hash, the seed, the key and the attempt."""
    return "\x00".join(("dlsolve-vary-1", source_hash, str(seed), key, str(attempt))).encode("utf-8")


def draw_given(given: Any, draws: tuple[Draw, ...], stream: Stream) -> tuple[Any, list[Any]]:
    """A copy of the written ``given`` with every draw applied, in the section's order; and the drawn
    values (one per draw, as written), which identify the candidate."""
    given = copy.deepcopy(given)
    drawn = []
    for draw in draws:
        if draw.how == "choose_whole":
            value = copy.deepcopy(draw.choices[stream.below(len(draw.choices))])
            for path, part in zip(draw.paths, value if len(draw.paths) > 1 else [value], strict=True):
                _set(given, path, part)
        else:
            value = []
            for path in draw.paths:
                value.append(_per_entry(at_path(given, path)[1], draw, stream))
                _set(given, path, value[-1])
            value = value if len(draw.paths) > 1 else value[0]
        drawn.append(value)
    return given, drawn


def _per_entry(original: Any, draw: Draw, stream: Stream) -> Any:
    if isinstance(original, list):
        return [_per_entry(item, draw, stream) for item in original]
    if not is_number(original):  # '?' of a conv inversion, a parameter's name: kept as written
        return original
    if draw.how == "integers":
        return draw.low + stream.below(draw.high - draw.low + 1)
    return draw.choices[stream.below(len(draw.choices))]


def _set(data: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value

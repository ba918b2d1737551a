"""The named mistake "0- versus 1-based index": a quantity with an index in its name (``h1``, ``x_3``,
``xg_2``, ``∂L/∂h1``, ``X[3,3]``) given the value of the same name at the index shifted by one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from solver.check.quantities import Quantity, key, quantities
from solver.check.slips import explains, named_values
from solver.i18n import tr
from solver.trace import Approximate, Solution

SUBSCRIPT = re.compile(r"(?P<stem>[^\[\]\s]+)\[(?P<indices>\d+(?:\s*,\s*\d+)*)\]")
"""A name with written indices: ``X[3,0]``, ``p[2]``."""

TRAILING = re.compile(r"(?P<stem>.*\D)(?P<index>\d+)")
"""A name ending in an index: ``h1``, ``x_3``, ``hg1_2`` (the last number), ``∂L/∂h1``."""


def shifted_index(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """The value of the same stem at the index shifted by one, down (a student counting from 1 where the
    problem counts from 0) or up (the reverse): ``h0`` or ``h2`` for ``h1``. A name with several indices
    (``X[3,3]``) has every index shifted together, by the same −1 or +1: a student who counts from 1 reads
    both indices that way, so ``X[2,2]`` or ``X[4,4]`` for ``X[3,3]``, never ``X[2,3]``. The shifted
    value is the quantity of that name, a given or a forward value, or the entry of the stem's whole
    matrix (a given or a solved value) when the name has written indices; it must exist, be known (no
    unknown entries), and differ from the right value."""
    known = quantities(solution)
    values = {key(name): value for name, value in named_values(solution).items()}
    for name, candidate in _shifted(quantity.name, known, values):
        if not isinstance(candidate, Approximate) and not _unknowns(candidate, quantity.value) \
                and explains(wrong, candidate, quantity.value):
            # Translators: {name} is the quantity at the shifted index, such as h0 or X[2,2]
            return tr("0- versus 1-based index: this is the value of {name}", name=name)
    return ""


def _shifted(name: str, known: dict[str, Quantity], values: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(name, value) of each name at the index shifted by −1 and +1 that the solution has a value for."""
    subscript = SUBSCRIPT.fullmatch(name.strip())
    trailing = TRAILING.fullmatch(name.strip())
    for step in (-1, 1):
        if subscript:
            stem = subscript.group("stem")
            indices = [int(i) + step for i in subscript.group("indices").split(",")]
            if min(indices) < 0:
                continue
            shifted = f"{stem}[{','.join(map(str, indices))}]"
            found = _lookup(shifted, known, values)
            if found is None:
                found = _entry(values.get(key(stem)), indices)
        elif trailing:
            index = int(trailing.group("index")) + step
            if index < 0:
                continue
            shifted = f"{trailing.group('stem')}{index}"
            found = _lookup(shifted, known, values)
        else:
            return
        if found is not None:
            yield shifted, found


def _lookup(name: str, known: dict[str, Quantity], values: dict[str, Any]) -> Any:
    """The value of a quantity, given or forward value by name, or None."""
    if key(name) in known:
        return known[key(name)].value
    return values.get(key(name))


def _entry(matrix: Any, indices: list[int]) -> Any:
    """The entry of a whole matrix at ``indices`` (one index: a vector's entry), or None outside it."""
    import sympy as sp

    if not isinstance(matrix, sp.MatrixBase):
        return None
    if len(indices) == 2 and indices[0] < matrix.rows and indices[1] < matrix.cols:
        return matrix[indices[0], indices[1]]
    if len(indices) == 1 and 1 in matrix.shape and indices[0] < len(matrix):
        return matrix[indices[0]]
    return None


def _unknowns(candidate: Any, expected: Any) -> bool:
    """Whether the candidate holds a symbol the right value does not (an unknown entry such as ``?``)."""
    def symbols(value: Any) -> set[Any]:
        return set(getattr(value, "free_symbols", set()))

    return bool(symbols(candidate) - symbols(expected))

"""Reproducible randomized variants of a problem (``vary:`` in a problem file; ``dlsolve vary``).

The interface an exporter uses::

    from solver.spec import load_file
    from solver.vary import variants

    [loaded] = load_file("problems/multihead.yaml")
    for variant in variants(loaded, count=30, seed=2026):
        variant.key, variant.hash      # "1", "3f9a0c…"
        variant.problem                # a solver.problem.Problem (the drawn givens)
        variant.solution               # its solver.trace.Solution
        variant.text                   # the variant as a complete problem file (YAML)

A variant is a pure function of the problem's content hash, the seed and the keys up to its own (a
key repeating an earlier variant's givens is re-rolled): the same on any machine and Python version,
for any ``jobs`` and any ``shard``. A slice (``shard``, ``only``) solves its own keys and, of the keys
before it, only those whose draws could have taken one of its candidates' givens (see
:mod:`solver.vary.generate`), so a cluster's array jobs split the solving.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solver.errors import UsageError
from solver.i18n import tr

if TYPE_CHECKING:
    from solver.problem import Problem
    from solver.spec import LoadedProblem
    from solver.trace import Solution

__all__ = ["Batch", "Variant", "batch", "shard_range", "variants"]


@dataclass(frozen=True)
class Variant:
    """One variant: its key (a student id, or "1", "2", …), its 0-based index in the batch, a short hex
    hash of its drawn givens, the problem, its text as a problem file and its solution."""

    key: str
    index: int
    hash: str
    problem: Problem
    text: str
    solution: Solution

    @property
    def file_name(self) -> str:
        """The name its text is written under: ``<problem id>.yaml`` (``multihead-3.yaml``)."""
        return f"{self.problem.id}.yaml"


@dataclass(frozen=True)
class Batch:
    """The variants asked for, and the search behind them: rejections per constraint and draws made.

    ``rejected`` and ``draws`` count the searches of the variants held (a shard's or ``only``'s own keys,
    not the earlier keys it settled to recognise duplicates), so the shards' figures add up to the whole
    batch's."""

    variants: tuple[Variant, ...]
    rejected: dict[str, int]
    draws: int
    keys: tuple[str, ...]  # every key of the whole batch (a shard holds a slice of them)
    start: int  # the index of the first variant held


def shard_range(count: int, shard: tuple[int, int] | None) -> tuple[int, int]:
    """The indices [start, end) of shard ``(i, n)`` (1-based i): the i-th of n contiguous slices."""
    if shard is None:
        return 0, count
    i, n = shard
    if not 1 <= i <= n:
        raise UsageError(f"--shard {i}/{n}: " + tr("expected i/n with 1 ≤ i ≤ n"))
    if n > count:
        raise UsageError(f"--shard {i}/{n}: " + tr("more shards than the {count} variants", count=count))
    return (i - 1) * count // n, i * count // n


def batch(loaded: LoadedProblem, count: int | None, seed: int, keys: list[str] | None = None, jobs: int = 1,
          shard: tuple[int, int] | None = None, only: str | None = None,
          progress: Callable[[int], None] | None = None) -> Batch:
    """Generate variants of a problem with a ``vary:`` section (see :func:`variants`), with the search's
    statistics. ``only``: just the variant of that key; ``progress``: called with 1 per key searched."""
    from solver.vary.build import Source, content_hash
    from solver.vary.generate import run
    from solver.yamlfile import YamlDocument

    if loaded.vary is None:
        raise UsageError(f"{loaded.document.file}: " + tr("the problem {id} has no vary: section",
                                                          id=repr(loaded.problem.id)))
    keys = _keys(count, keys)
    start, end = shard_range(len(keys), shard)
    if only is not None:
        if only not in keys:
            raise UsageError(f"--only {only}: " + tr("no such key (keys: {keys})", keys=_listing(keys)))
        start = keys.index(only)
        end = start + 1
    raw: Any = _at(loaded.document, loaded.prefix)
    source = Source(raw, loaded.vary, content_hash(raw), Path(loaded.document.file).name, seed)
    assert isinstance(loaded.document, YamlDocument)
    accepted, rejected, draws = run(source, keys, start, end, jobs, progress)
    held = tuple(Variant(c.key, i, c.hash, c.problem, c.text, c.solution) for i, c in enumerate(accepted, start))
    return Batch(held, dict(Counter(rejected)), draws, tuple(keys), start)


def variants(loaded: LoadedProblem, count: int | None, seed: int, keys: list[str] | None = None, jobs: int = 1,
             shard: tuple[int, int] | None = None) -> list[Variant]:
    """The variants of a problem: ``count`` of them keyed "1", "2", … or one per key of ``keys`` (a roster's
    student ids); ``jobs`` processes; ``shard=(i, n)``: only the i-th of n contiguous slices.

    Raises VaryError (exit 1) naming the constraints that rejected the draws when a variant's ``tries`` run
    out, UsageError for bad arguments."""
    return list(batch(loaded, count, seed, keys, jobs, shard).variants)


def _keys(count: int | None, keys: list[str] | None) -> list[str]:
    if keys is None:
        if count is None or count < 1:
            raise UsageError(tr("give --count N (N ≥ 1) or a --roster"))
        return [str(i) for i in range(1, count + 1)]
    if count is not None and count != len(keys):
        raise UsageError(tr("--count {count} but the roster has {students} students: give one or the other",
                            count=count, students=len(keys)))
    if not keys:
        raise UsageError(tr("the roster has no students"))
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise UsageError(tr("the roster lists {key} twice", key=repr(key)))
        seen.add(key)
    return list(keys)


def _listing(keys: list[str]) -> str:
    return ", ".join(keys[:5]) + (", …" if len(keys) > 5 else "")


def _at(document: Any, prefix: tuple) -> Any:
    data = document.data
    for part in prefix:
        data = data[part]
    return data

"""A batch of variants: each key's first candidate that meets the constraints, duplicates re-rolled.

Phase 1 finds, for every key on its own, its first candidate that meets the constraints: a pure
function of (problem, seed, key), so it runs in any order, in a process pool. Phase 2 walks the keys
in order and re-rolls (from the next attempt on) a key whose candidate repeats an earlier variant's
givens. The result is the same for any number of workers; a slice (``shard``) still runs phase 1 for
the keys before it, because a duplicate can only be recognised against the variants before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from solver.errors import EXIT_UNSOLVED, DlsolveError
from solver.vary.build import Candidate, Source, scratch, solve
from solver.vary.checks import DUPLICATE, NAMES

_FOLDER: list[Path] = []  # this process's scratch folder, made on first use


class VaryError(DlsolveError):
    """The constraints could not be met for a variant within its tries (exit 1)."""

    exit_code = EXIT_UNSOLVED


@dataclass
class Search:
    """One key's search so far: the candidate it holds and the draws each constraint rejected."""

    key: str
    candidate: Candidate | None
    next_attempt: int
    rejected: Counter = field(default_factory=Counter)


def _folder() -> Path:
    if not _FOLDER:
        _FOLDER.append(scratch())
    return _FOLDER[0]


def search(source: Source, key: str, start: int = 0, taken: frozenset[str] = frozenset()) -> Search:
    """The first candidate of ``key`` from attempt ``start`` on that meets the constraints and whose hash
    is not in ``taken``; None when the tries run out."""
    result = Search(key, None, start)
    for attempt in range(start, source.vary.tries):
        candidate = solve(source, key, attempt, _folder())
        result.next_attempt = attempt + 1
        if candidate.failed is None and candidate.hash in taken:
            result.rejected[DUPLICATE] += 1
        elif candidate.failed is not None:
            result.rejected[candidate.failed] += 1
        else:
            result.candidate = candidate
            return result
    return result


def _first(args: tuple[Source, str]) -> Search:
    return search(*args)


def _first_light(args: tuple[Source, str]) -> Search:
    """A worker's search, its candidate without the problem and solution: a kind's spec type may be made at
    run time (conv-inversion's) and cannot be pickled, so the parent solves the accepted attempt again."""
    from dataclasses import replace

    found = search(*args)
    if found.candidate is not None:
        found.candidate = replace(found.candidate, problem=None, solution=None)
    return found


def _warm() -> None:
    import sympy  # noqa: F401  (once per worker, not once per task)

    import solver.api  # noqa: F401


def run(source: Source, keys: list[str], upto: int, jobs: int,
        progress: Callable[[int], None] | None = None) -> tuple[list[Candidate], Counter, int]:
    """The accepted candidates of ``keys[:upto]``, the rejections per constraint and the draws made."""
    tasks = [(source, key) for key in keys[:upto]]
    if jobs > 1 and len(tasks) > 1:
        import multiprocessing

        context = multiprocessing.get_context()
        with context.Pool(min(jobs, len(tasks)), initializer=_warm) as pool:
            found = []
            for item in pool.imap(_first_light, tasks, chunksize=max(1, len(tasks) // (8 * jobs))):
                found.append(item)
                if progress:
                    progress(1)
    else:
        found = []
        for task in tasks:
            found.append(_first(task))
            if progress:
                progress(1)
    rejected: Counter = Counter()
    accepted: list[Candidate] = []
    taken: set[str] = set()
    draws = 0
    for item in found:
        if item.candidate is not None and item.candidate.solution is None:  # from a worker
            item.candidate = solve(source, item.key, item.candidate.attempt, _folder())
        if item.candidate is not None and item.candidate.hash in taken:  # re-roll a duplicate, in order
            item.rejected[DUPLICATE] += 1
            later = search(source, item.key, item.next_attempt, frozenset(taken))
            item = Search(item.key, later.candidate, later.next_attempt, item.rejected + later.rejected)
        rejected += item.rejected
        draws += item.next_attempt
        if item.candidate is None:
            raise VaryError(failure(source, item, keys.index(item.key)))
        taken.add(item.candidate.hash)
        accepted.append(item.candidate)
    return accepted, rejected, draws


def failure(source: Source, item: Search, index: int) -> str:
    """Why a key has no variant: the constraints and how many draws each rejected."""
    counts = ", ".join(f"{name} {item.rejected[name]}" for name in NAMES if item.rejected[name])
    return (f"{source.file_name}: variant {index + 1} (key {item.key!r}): no draw met the constraints in "
            f"{source.vary.tries} tries (vary.tries); draws rejected by {counts}")

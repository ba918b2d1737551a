"""A batch of variants: each key's first candidate that meets the constraints and does not repeat the
givens of an earlier key's variant (the sequential rule: key by key, a duplicate re-rolled).

Phase 1 finds, for each key of the slice on its own, its first candidate that meets the constraints: a
pure function of (problem, seed, key), so it runs in any order, in a process pool. Phase 2 walks the
slice's keys in order and re-rolls a candidate that repeats an earlier variant's givens.

A slice (``--shard``, ``--only``) does not solve the keys before it: an earlier key j can have accepted a
hash only if one of its draws 0 … tries−1 has it, and a draw's hash costs no solving
(:class:`solver.vary.build.Digests`). So the slice indexes the hashes of the earlier keys' draws
(hash → keys) once, and for a candidate's hash resolves just the earlier keys whose draws hold it (each
by the same rule, which may need still earlier keys: an explicit stack, memoized). The result is the
sequential rule's, computed lazily; the index is cheap next to solving (thousands of hashes a second).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.errors import EXIT_UNSOLVED, DlsolveError
from solver.i18n import tr
from solver.vary.build import Candidate, Digests, Source, scratch, solve
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


def _hashes(args: tuple[Source, list[tuple[int, str]]]) -> list[tuple[str, int]]:
    """(hash, key index) of every draw 0 … tries−1 of the given keys."""
    source, keys = args
    digests = Digests(source)
    return [(digests.of(key, attempt), index) for index, key in keys for attempt in range(source.vary.tries)]


def _warm() -> None:
    import sympy  # noqa: F401  (once per worker, not once per task)

    import solver.api  # noqa: F401


def run(source: Source, keys: list[str], start: int, end: int, jobs: int,
        progress: Callable[[int], None] | None = None) -> tuple[list[Candidate], Counter, int]:
    """The accepted candidates of ``keys[start:end]``, and the rejections per constraint and the draws of
    those keys' own searches (a slice's figures; the slices' figures add up to the whole batch's)."""
    tasks = [(source, key) for key in keys[start:end]]
    resolver = Resolver(source, keys, start)
    if jobs > 1 and len(tasks) + start > 1:
        import multiprocessing

        context = multiprocessing.get_context()
        with context.Pool(min(jobs, max(len(tasks), start)), initializer=_warm) as pool:
            if start:
                resolver.index_with(pool, jobs)
            found = pool.imap(_first_light, tasks, chunksize=max(1, len(tasks) // (8 * jobs)))
            settled = [_settle(resolver, start + i, item, progress) for i, item in enumerate(found)]
    else:
        settled = [_settle(resolver, start + i, _first(task), progress) for i, task in enumerate(tasks)]
    rejected: Counter = Counter()
    accepted: list[Candidate] = []
    for item in settled:
        assert item.candidate is not None
        if item.candidate.solution is None:  # from a worker
            item.candidate = solve(source, item.key, item.candidate.attempt, _folder())
        rejected += item.rejected
        accepted.append(item.candidate)
    return accepted, rejected, sum(item.next_attempt for item in settled)


def _settle(resolver: Resolver, index: int, first: Search, progress: Callable[[int], None] | None) -> Search:
    found = resolver.settle(index, first)
    if progress:
        progress(1)
    return found


class Resolver:
    """The sequential rule, lazily: the variant of a key, settling only the earlier keys it depends on."""

    def __init__(self, source: Source, keys: list[str], start: int):
        self.source = source
        self.keys = keys
        self.start = start  # the slice's first key: the keys before it are settled only when needed
        self.searches: dict[int, Search] = {}  # key index → its search so far
        self.accepted: dict[int, str] = {}  # key index → the hash of its variant, for every key settled
        self.held: set[str] = set()  # the hashes of the slice's variants so far
        self.holders: dict[str, list[int]] | None = None  # hash → the earlier keys with a draw of it

    def settle(self, index: int, first: Search | None = None) -> Search:
        """The search of key ``index`` up to its accepted candidate (``first``: its phase-1 search).

        Keys of the slice must be settled in order. Raises VaryError when a key it needs has no variant."""
        if first is not None:
            self.searches[index] = first
        stack = [index]
        while stack:
            top = stack[-1]
            needed = None if top in self.accepted else self._advance(top)
            if needed is None:
                stack.pop()
            else:
                stack.append(needed)
        return self.searches[index]

    def _advance(self, index: int) -> int | None:
        """Search key ``index`` on until it accepts (None) or needs an earlier key settled (its index)."""
        key = self.keys[index]
        state = self.searches.setdefault(index, Search(key, None, 0))
        while True:
            if state.candidate is None:
                found = search(self.source, key, state.next_attempt)
                state.candidate, state.next_attempt = found.candidate, found.next_attempt
                state.rejected += found.rejected
                if state.candidate is None:
                    raise VaryError(failure(self.source, state, index))
            taken, needed = self._taken(index, state.candidate.hash)
            if needed is not None:
                return needed
            if not taken:
                self.accepted[index] = state.candidate.hash
                if index >= self.start:
                    self.held.add(state.candidate.hash)
                return None
            state.rejected[DUPLICATE] += 1
            state.candidate = None

    def _taken(self, index: int, digest: str) -> tuple[bool, int | None]:
        """Whether a key before ``index`` has the variant ``digest``; or an earlier key to settle first."""
        if index >= self.start and digest in self.held:
            return True, None
        pending = None
        for other in self._holders().get(digest, ()):
            if other >= index:
                break
            if other not in self.accepted:
                pending = other if pending is None else pending
            elif self.accepted[other] == digest:
                return True, None
        return False, pending

    def _holders(self) -> dict[str, list[int]]:
        if self.holders is None:
            self.holders = _index(_hashes((self.source, list(enumerate(self.keys[:self.start])))))
        return self.holders

    def index_with(self, pool: Any, jobs: int) -> None:
        """Index the earlier keys' draws in a process pool (``jobs`` parts a worker)."""
        earlier = list(enumerate(self.keys[:self.start]))
        size = max(1, len(earlier) // (4 * jobs))
        parts = [(self.source, earlier[i:i + size]) for i in range(0, len(earlier), size)]
        self.holders = _index(pair for part in pool.imap(_hashes, parts) for pair in part)


def _index(pairs: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    """hash → the key indices (ascending, once each) whose draws hold it, from (hash, index) in key order."""
    holders: dict[str, list[int]] = {}
    for digest, index in pairs:
        found = holders.setdefault(digest, [])
        if not found or found[-1] != index:
            found.append(index)
    return holders


def failure(source: Source, item: Search, index: int) -> str:
    """Why a key has no variant: the constraints and how many draws each rejected."""
    counts = ", ".join(f"{name} {item.rejected[name]}" for name in NAMES if item.rejected[name])
    # Translators: {number} counts variants from 1, {key} is quoted, {counts} lists constraint names with counts
    return f"{source.file_name}: " + tr("variant {number} (key {key}): no draw met the constraints in {tries} tries "
                                        "(vary.tries); draws rejected by {counts}", number=index + 1,
                                        key=repr(item.key), tries=source.vary.tries, counts=counts)

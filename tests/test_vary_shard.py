"""A shard (``--shard i/n``) or ``--only KEY`` of ``dlsolve vary`` solves only the keys it needs and gives
the whole batch's variants.

The reference for "the whole batch" is the sequential rule written out below (``sequential``): key by
key, the first attempt that meets the constraints and whose hash no earlier key's variant has. The
property tests replace the solving with a cheap pure judge of the drawn values (``judge``) so that
hundreds of splits run in seconds; the other tests solve for real.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from helpers import PROBLEM_FILES, PROBLEMS, examples, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import solver.vary.generate as generate
from solver.spec import load_file
from solver.vary import batch
from solver.vary.build import Candidate, Digests, Source, content_hash, draw
from solver.vary.generate import VaryError

# x·w over a small grid: 8 distinct givens, so duplicates are frequent
TINY = """\
kind: graph
title: Tiny
given: {{x: 1, w: 2}}
equations: [L = w * x]
vary:
  given: {{x: {{integers: [1, {x}]}}, w: {{integers: [1, {w}]}}}}
  constraints: {{max_abs: {max_abs}}}
  tries: {tries}
"""


def tiny(folder: Path, x: int = 4, w: int = 2, max_abs: int = 100, tries: int = 40) -> Path:
    spec = folder / "tiny.yaml"
    spec.write_text(TINY.format(x=x, w=w, max_abs=max_abs, tries=tries), encoding="utf-8")
    return spec


def loaded_of(spec: Path):
    [loaded] = [item for item in load_file(spec) if item.vary is not None]
    return loaded


def source_of(loaded, seed: int) -> Source:
    raw = loaded.document.data
    for part in loaded.prefix:
        raw = raw[part]
    return Source(raw, loaded.vary, content_hash(raw), Path(loaded.document.file).name, seed)


class Recorder:
    """Wraps the solving of candidates: records every (key, attempt) solved and its judged candidate."""

    def __init__(self, monkeypatch, solve):
        self.calls: list[Candidate] = []
        self.solve = solve
        monkeypatch.setattr(generate, "solve", self)

    def __call__(self, source, key, attempt, folder):
        candidate = self.solve(source, key, attempt, folder)
        self.calls.append(candidate)
        return candidate

    def keys(self) -> set[str]:
        return {c.key for c in self.calls}


def judge(source: Source, key: str, attempt: int, folder: Path) -> Candidate:
    """A stand-in for solving: the drawn x·w must be at most the section's max_abs (as the real constraint
    would judge L = w·x), with the real hash and text of the draw."""
    digest, text, data = draw(source, key, attempt)
    product = data["given"]["x"] * data["given"]["w"]
    failed = "max_abs" if product > source.vary.constraints.max_abs else None
    return Candidate(key, attempt, digest, text, problem=None, solution="solved", failed=failed)


def sequential(source: Source, keys: list[str]) -> tuple[list[str], Counter, int] | str:
    """The whole batch by the rule, written out: the hashes of the variants, the rejections and the draws;
    or the key that has no variant."""
    taken: list[str] = []
    rejected: Counter = Counter()
    draws = 0
    for key in keys:
        for attempt in range(source.vary.tries):
            candidate = judge(source, key, attempt, Path("."))
            draws += 1
            if candidate.failed:
                rejected[candidate.failed] += 1
            elif candidate.hash in taken:
                rejected["duplicate"] += 1
            else:
                taken.append(candidate.hash)
                break
        else:
            return key
    return taken, rejected, draws


def test_digests_equal_the_drawn_hashes():
    """The index's cheap hashes are the hashes of the full draw, for every problem with a vary: section."""
    checked = 0
    for path in PROBLEM_FILES:
        for loaded in load_file(path):
            if loaded.vary is None:
                continue
            source = source_of(loaded, seed=11)
            digests = Digests(source)
            for key in ("1", "s2001"):
                for attempt in range(10):
                    assert digests.of(key, attempt) == draw(source, key, attempt)[0], (path.name, key, attempt)
            checked += 1
    assert checked >= 6


def test_a_shard_and_only_solve_just_their_keys(monkeypatch):
    """multihead's givens rarely repeat: the last shard and --only of the last key solve exactly the attempts
    the whole batch solves for their keys, and none of an earlier key's."""
    from solver.vary.build import solve

    loaded = loaded_of(PROBLEMS / "multihead.yaml")
    whole = Recorder(monkeypatch, solve)
    everything = batch(loaded, 6, seed=5)
    last = Recorder(monkeypatch, solve)
    shard = batch(loaded, 6, seed=5, shard=(3, 3))
    assert last.keys() == {"5", "6"}
    assert [(c.key, c.attempt) for c in last.calls] == [(c.key, c.attempt) for c in whole.calls if c.key in ("5", "6")]
    assert [v.text for v in shard.variants] == [v.text for v in everything.variants[4:]]
    one = Recorder(monkeypatch, solve)
    only = batch(loaded, 6, seed=5, only="6")
    assert one.keys() == {"6"} and len(one.calls) == sum(c.key == "6" for c in whole.calls)
    assert only.variants[0].text == everything.variants[5].text and only.variants[0].index == 5


def memo(monkeypatch) -> None:
    """Solve each (problem, seed, key, attempt) once across the batches of a test: a candidate is a pure
    function of them, so only the time changes."""
    from solver.vary.build import solve

    seen: dict[tuple, Candidate] = {}

    def once(source, key, attempt, folder):
        name = (source.source_hash, source.seed, key, attempt)
        if name not in seen:
            seen[name] = solve(source, key, attempt, folder)
        return seen[name]

    monkeypatch.setattr(generate, "solve", once)


def test_every_split_and_every_only_key_of_a_tiny_space_equal_the_whole(tmp_path, monkeypatch):
    """8 possible givens, 7 variants (solved for real): many re-rolls, and every slice agrees with the whole
    batch and with the rule written out; the slices' statistics add up to the whole batch's."""
    loaded = loaded_of(tiny(tmp_path))
    keys = [str(i) for i in range(1, 8)]
    memo(monkeypatch)
    whole = batch(loaded, 7, seed=3)
    hashes, rejected, draws = sequential(source_of(loaded, 3), keys)
    assert [v.hash for v in whole.variants] == hashes and whole.rejected == dict(rejected) and whole.draws == draws
    assert whole.rejected["duplicate"] >= 5  # the space is small: a test of re-rolls, not of luck
    for n in (2, 3, 5):
        parts = [batch(loaded, 7, seed=3, shard=(i, n)) for i in range(1, n + 1)]
        assert [v.text for part in parts for v in part.variants] == [v.text for v in whole.variants]
        assert [v.index for part in parts for v in part.variants] == list(range(7))
        assert sum((Counter(part.rejected) for part in parts), Counter()) == Counter(whole.rejected)
        assert sum(part.draws for part in parts) == whole.draws
    for variant in whole.variants:
        [again] = batch(loaded, 7, seed=3, only=variant.key).variants
        assert (again.text, again.index, again.hash) == (variant.text, variant.index, variant.hash)


def test_an_earlier_key_is_solved_only_when_its_draws_hold_a_later_candidate(tmp_path, monkeypatch):
    """The last key of the tiny space: every earlier key it solves has a draw (by the full draw function)
    whose hash is a candidate, meeting the constraints, of a later key that was solved."""
    from solver.vary.build import solve

    loaded = loaded_of(tiny(tmp_path))
    source = source_of(loaded, 3)
    recorder = Recorder(monkeypatch, solve)
    batch(loaded, 7, seed=3, only="7")
    solved = recorder.keys()
    assert "7" in solved and len(solved) > 1  # the candidates of 7 repeat earlier draws: they must be settled
    for key in solved - {"7"}:
        held = {draw(source, key, attempt)[0] for attempt in range(source.vary.tries)}
        later = {c.hash for c in recorder.calls if int(c.key) > int(key) and c.failed is None}
        assert held & later, key


def test_two_jobs_shard_equals_the_whole(tmp_path):
    """The index built in the worker pool gives the same slice."""
    loaded = loaded_of(tiny(tmp_path))
    whole = batch(loaded, 6, seed=1)
    parts = [batch(loaded, 6, seed=1, jobs=2, shard=(i, 2)) for i in (1, 2)]
    assert [v.text for part in parts for v in part.variants] == [v.text for v in whole.variants]
    assert batch(loaded, 6, seed=1, jobs=2, only="6").variants[0].text == whole.variants[5].text


@settings(max_examples=examples(40), deadline=None)
@given(x=st.integers(1, 4), w=st.integers(1, 3), max_abs=st.integers(1, 12), tries=st.integers(1, 12),
       seed=st.integers(0, 10**6), count=st.integers(1, 9))
def test_any_small_space_any_split_equals_the_rule(x, w, max_abs, tries, seed, count):
    """Random small draw spaces, constraints and tries (the solving replaced by ``judge``): the whole batch,
    every split into n = 1 … count shards and every --only key give the rule's variants and figures, or
    all fail when a key has no variant."""
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(generate, "solve", judge)
        loaded = loaded_of(tiny(Path(folder), x, w, max_abs, tries))
        keys = [str(i) for i in range(1, count + 1)]
        expected = sequential(source_of(loaded, seed), keys)
        if isinstance(expected, str):  # a key without a variant: the whole batch, and the shard holding it, fail
            with pytest.raises(VaryError, match=f"key '{expected}'"):
                batch(loaded, count, seed)
            with pytest.raises(VaryError):
                batch(loaded, count, seed, only=expected)
            return
        hashes, rejected, draws = expected
        whole = batch(loaded, count, seed)
        assert [v.hash for v in whole.variants] == hashes
        assert (whole.rejected, whole.draws) == (dict(rejected), draws)
        for n in range(2, count + 1):
            parts = [batch(loaded, count, seed, shard=(i, n)) for i in range(1, n + 1)]
            assert [v.text for part in parts for v in part.variants] == [v.text for v in whole.variants]
            assert sum(part.draws for part in parts) == draws
        for index, key in enumerate(keys):
            assert batch(loaded, count, seed, only=key).variants[0].text == whole.variants[index].text


def test_the_shard_report_counts_its_own_keys(tmp_path):
    """--report of a shard: its own variants and draws (the two shards' draws add up to the whole run's)."""
    spec = tiny(tmp_path)
    figures = []
    for args in (("-n", 6), ("-n", 6, "--shard", "1/2"), ("-n", 6, "--shard", "2/2")):
        result = run_cli("vary", spec, *map(str, args), "-s", "1", "--report", "-o", tmp_path / f"o{len(figures)}")
        assert result.exit_code == 0, result.stderr
        line = next(line for line in result.stderr.splitlines() if "draws;" in line)
        figures.append((int(line.split()[0]), int(line.split(" from ")[1].split()[0])))
    (made, draws), first, second = figures
    assert made == 6 and first[0] == second[0] == 3
    assert first[1] + second[1] == draws
    keys = [(tmp_path / f"o{i}" / "key.csv").read_text(encoding="utf-8") for i in range(3)]
    assert keys[0] == keys[1] + keys[2]

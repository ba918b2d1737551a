"""Fuzzing the problem bank (issue 8, part 2): hypothesis mutates the valid files in ``problems/``
and every mutant must get a clean outcome.

Two families of mutations:

* **structural**: the file is read with ``yaml.safe_load``, one to three edits are made at random
  places of the tree (a field dropped, renamed or added; a value replaced by another type, a huge or
  tiny number, an expression, a name, ``null``; a list emptied, cut short, grown or nested), and the
  tree is written back with ``yaml.safe_dump``;
* **textual**: one to three character-level edits of the YAML text (a character deleted, inserted
  or replaced, a line duplicated, dropped or re-indented).

The invariants, for every mutant (``dlsolve run MUTANT -o OUT --timeout 20``):

* the exit code is 0 (the mutant is still a valid problem), 1 (a well-formed problem dlsolve says
  it cannot solve, or a solve stopped by ``--timeout``) or 3 (a bad problem file): never 4, an
  internal error, and never an exception escaping the CLI;
* standard error never shows a traceback; on failure it holds one ``dlsolve: error: ...`` message,
  and a bad-file message names the mutant file (and, where the field has a line, that line);
* on failure nothing is written (``OUT`` does not exist), on success ``OUT`` holds the solution;
* no warning (a numpy overflow, say) escapes to the terminal: warnings are errors here;
* a failure never says "this is a bug in dlsolve" (a failed finite-difference check).

How many: ``EXAMPLES`` mutants per family (default 300, 600 in all; the same ones every run, so
that CI is reproducible). More, and new ones each run, with

    DLSOLVE_FUZZ_EXAMPLES=2000 DLSOLVE_FUZZ_RANDOM=1 pytest tests/test_fuzz.py
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import PROBLEM_FILES, examples, run_cli, slow_unless
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from solver.errors import EXIT_BAD_SPEC, EXIT_OK, EXIT_UNSOLVED

EXAMPLES = int(os.environ.get("DLSOLVE_FUZZ_EXAMPLES", examples(300)))  # mutants per family (3000: explore)
TIMEOUT = 20  # seconds: --timeout for every mutant, far above any bank problem (< 2 s)
ORIGINALS = {path.name: path.read_text(encoding="utf-8") for path in PROBLEM_FILES}


def _unknowns_as_text(tree: Any) -> Any:
    """dlsolve reads an unquoted ``?`` (an unknown entry) as '?'; ``yaml.safe_load`` makes it the
    mapping {None: None}. Turned back into '?', so that ``yaml.safe_dump`` writes an unknown again."""
    if isinstance(tree, dict):
        return "?" if tree == {None: None} else {key: _unknowns_as_text(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_unknowns_as_text(value) for value in tree]
    return tree


def load_tree(name: str) -> Any:
    """A fresh copy of a bank file's YAML tree."""
    return _unknowns_as_text(yaml.safe_load(ORIGINALS[name]))


TREES = {name: load_tree(name) for name in ORIGINALS}

# Replacement values: other types, boundary and hostile numbers, names, expressions.
ODD_VALUES = st.one_of(
    st.sampled_from([
        None, True, False, 0, -1, 1, 2, 10**6, 10**30, -(10**9), 0.5, 1e308, -1e-308, float("inf"), float("nan"),
        "", "?", "x", "e", "pi", "1/0", "log(0)", "log(-1)", "sqrt(-1)", "exp(1000)", "9**9**9", "2^64", "1e999",
        "__import__('os')", "a.b", "W1", "h1", "L", "relu", "[1, 2]", "same", "valid", "tanh", "lstm", [], [[]], {},
        [1, 2, 3], [[1, 2], [3]], [[1], [2]], {"a": 1}, ["?", 1], "0.1", "-1/3", "ln(2)", "e**2", "1e-9",
    ]),
    st.integers(-1000, 1000),
    st.fractions(max_denominator=50).map(lambda q: f"{q.numerator}/{q.denominator}"),
    st.text(alphabet="abxyzWL0123456789_+-*/()[] .^", max_size=12),
).map(copy.deepcopy)  # a fresh copy: a later edit of the mutant must not change the constants above


def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a YAML tree: mapping keys and list indices, leaves and branches alike."""
    places = [prefix]
    if isinstance(tree, dict):
        for key, value in tree.items():
            places += _paths(value, prefix + (key,))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            places += _paths(value, prefix + (i,))
    return places


def _parent(tree: Any, path: tuple) -> Any:
    for step in path[:-1]:
        tree = tree[step]
    return tree


def _mutate_tree(draw: Any, tree: Any) -> str:
    """One structural edit of ``tree`` (in place); returns its name for hypothesis' statistics."""
    path = draw(st.sampled_from([p for p in _paths(tree) if p]))  # not the root
    parent, key = _parent(tree, path), path[-1]
    action = draw(st.sampled_from(["replace", "replace", "replace", "drop", "rename", "add", "shrink", "grow",
                                   "nest", "empty", "duplicate"]))
    value = parent[key]
    if action == "replace":
        parent[key] = draw(ODD_VALUES)
    elif action == "drop":
        del parent[key]
    elif action == "rename" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["x", "W", "given", "title", "kind", "lr", "wrt", "bias", "extra", "__class__"]))] = parent.pop(key)
    elif action == "add" and isinstance(value, dict):
        value[draw(st.sampled_from(["x", "y", "W1", "lr", "stride", "cell", "loss", "junk", "_hidden"]))] = draw(ODD_VALUES)
    elif action == "shrink" and isinstance(value, list) and value:
        parent[key] = value[: draw(st.integers(0, len(value) - 1))]
    elif action == "grow" and isinstance(value, list):
        parent[key] = value + [value[-1] if value else draw(ODD_VALUES)] * draw(st.integers(1, 3))
    elif action == "nest":
        parent[key] = [value]
    elif action == "empty":
        parent[key] = type(value)() if isinstance(value, (list, dict, str)) else None
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(key, value)
    else:
        parent[key] = draw(ODD_VALUES)
        action = "replace"
    return action


@st.composite
def structural_mutants(draw: Any) -> tuple[str, str]:
    """A bank file with one to three edits of its YAML tree."""
    name = draw(st.sampled_from(sorted(TREES)))
    tree = load_tree(name)
    for _ in range(draw(st.integers(1, 3))):
        event(f"tree: {_mutate_tree(draw, tree)}")
    return name, yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)


@st.composite
def textual_mutants(draw: Any) -> tuple[str, str]:
    """A bank file with one to three edits of its text."""
    name = draw(st.sampled_from(sorted(ORIGINALS)))
    text = ORIGINALS[name]
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        action = draw(st.sampled_from(["delete", "insert", "replace", "dup_line", "drop_line", "indent"]))
        event(f"text: {action}")
        if action in ("delete", "insert", "replace") and text:
            at = draw(st.integers(0, len(text) - 1))
            char = draw(st.sampled_from(list(":-[]{}#&*!|>'\", \n\t0123456789abcxyz?.^/") + ["ℯ", "\x00", "\u202e"]))
            text = {"delete": text[:at] + text[at + 1:], "insert": text[:at] + char + text[at:],
                    "replace": text[:at] + char + text[at + 1:]}[action]
        elif lines:
            i = draw(st.integers(0, len(lines) - 1))
            if action == "dup_line":
                lines.insert(i, lines[i])
            elif action == "drop_line":
                del lines[i]
            else:
                lines[i] = " " * draw(st.integers(1, 4)) + lines[i]
            text = "\n".join(lines)
    return name, text


def assert_clean_outcome(name: str, text: str, folder: Path) -> None:
    """The invariants of the module docstring for one mutant."""
    spec = folder / name
    spec.write_text(text, encoding="utf-8")
    out = folder / "solution.txt"
    out.unlink(missing_ok=True)
    result = run_cli("run", spec, "-o", out, "--timeout", str(TIMEOUT))
    where = f"\n--- mutant of {name} ---\n{text}"
    event(f"exit {result.exit_code}")
    assert "Traceback" not in result.stderr + result.stdout, result.stderr + where
    assert result.exit_code in (EXIT_OK, EXIT_UNSOLVED, EXIT_BAD_SPEC), f"exit {result.exit_code}: {result.stderr}{where}"
    if result.exit_code == EXIT_OK:
        assert out.exists() and out.stat().st_size > 0, where
        return
    assert not out.exists(), f"partial output written on exit {result.exit_code}{where}"
    assert "bug in dlsolve" not in result.stderr, result.stderr + where
    if result.exit_code == EXIT_UNSOLVED:
        assert result.stderr.startswith("dlsolve: error: ") and result.stderr.count("\n") == 1, result.stderr + where
        return
    # A bad file: one message, or "dlsolve: errors:" and one per line; each names the file (and its line).
    lines = result.stderr.splitlines()
    messages = lines[1:] if lines[0] == "dlsolve: errors:" else [lines[0].removeprefix("dlsolve: error: ")]
    assert len(messages) == len(lines) - (lines[0] == "dlsolve: errors:"), result.stderr + where
    for message in messages:
        assert re.match(rf"{re.escape(str(spec))}(:\d+)?: \S", message), result.stderr + where


# derandomized as the hypothesis profile says ("ci": the same mutants every run); DLSOLVE_FUZZ_RANDOM=1: new ones
FUZZ = settings(max_examples=EXAMPLES, **({"derandomize": False} if os.environ.get("DLSOLVE_FUZZ_RANDOM") else {}),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.filter_too_much, HealthCheck.data_too_large])


@pytest.mark.slow
@pytest.mark.filterwarnings("error::RuntimeWarning")  # a numpy warning would reach the user's terminal
@FUZZ
@given(structural_mutants())
def test_structural_mutants_of_the_bank_fail_cleanly(tmp_path: Path, mutant: tuple[str, str]) -> None:
    assert_clean_outcome(*mutant, tmp_path)


@pytest.mark.slow
@pytest.mark.filterwarnings("error::RuntimeWarning")
@FUZZ
@given(textual_mutants())
def test_textual_mutants_of_the_bank_fail_cleanly(tmp_path: Path, mutant: tuple[str, str]) -> None:
    assert_clean_outcome(*mutant, tmp_path)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@settings(FUZZ, max_examples=examples(10))
@given(st.one_of(structural_mutants(), textual_mutants()))
def test_a_few_mutants_fail_cleanly(tmp_path: Path, mutant: tuple[str, str]) -> None:
    """The fast loop's share of the two tests above (which are slow): a few mutants of either family."""
    assert_clean_outcome(*mutant, tmp_path)


FAST_ROUND_TRIPS = {"graph-add-mul.yaml", "lstm.yaml", "rnn.yaml", "conv-inversion.yaml"}  # the rest: slow


def test_the_fuzzer_sees_every_bank_file() -> None:
    """The mutation families reach every problem file, each with places to edit."""
    assert len(ORIGINALS) == len(PROBLEM_FILES) >= 20
    assert all(len(_paths(tree)) > 5 for tree in TREES.values())


@pytest.mark.parametrize("name", [pytest.param(name, marks=slow_unless(name in FAST_ROUND_TRIPS)) for name in sorted(ORIGINALS)])
def test_the_round_trip_keeps_a_bank_file_valid_and_dropping_kind_breaks_it(tmp_path: Path, name: str) -> None:
    """Checks the checker: a bank file written back unchanged still solves, so the mutants differ from
    valid files only by their edits; without ``kind`` it is a bad file (exit 3)."""
    spec, out = tmp_path / name, tmp_path / "out.txt"
    spec.write_text(yaml.safe_dump(load_tree(name), sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert run_cli("run", spec, "-o", out, "--timeout", str(TIMEOUT)).exit_code == EXIT_OK and out.exists()
    out.unlink()
    tree = load_tree(name)
    del tree["kind"]
    spec.write_text(yaml.safe_dump(tree), encoding="utf-8")
    result = run_cli("run", spec, "-o", out)
    assert result.exit_code == EXIT_BAD_SPEC and "kind" in result.stderr and not out.exists()

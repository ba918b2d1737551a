"""The test suite's own promises, checked on what pytest actually collected (``helpers.COLLECTED``:
every test of the session, before ``-m``/``-k`` deselected any, so these hold in the fast loop too):

* no test module imports another (shared code lives in ``tests/helpers/``);
* every hypothesis test follows the loaded profile: derandomized under "ci" (the same examples
  every run), random under "explore", never a deadline;
* the random problems compared with PyTorch in a normal run reach the figure of issue 8 (500),
  counted from the budgets the collected tests really run with;
* the bad-file corpus (``test_bad_specs.py``, ``test_bad_specs_more.py``) has files of every kind.

A check that needs a test module which was not collected (``pytest tests/test_suite.py``) is skipped.
"""

from __future__ import annotations

import ast
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from helpers import COLLECTED
from hypothesis import settings

from solver.kinds import KINDS

TESTS = Path(__file__).resolve().parent

# The tests that compare random problems with PyTorch float64 (file, test function).
TORCH_ORACLE_TESTS = [
    ("test_graph_oracle.py", "test_dlsolve_matches_torch_on_random_graphs"),
    ("test_conv_ops.py", "test_conv_matches_torch"),
    ("test_conv_ops.py", "test_conv_channels_and_padding_match_torch"),
    ("test_rnn.py", "test_elman_forward_matches_torch"),
    ("test_rnn.py", "test_bptt_gradients_match_autograd"),
    ("test_rnn.py", "test_lstm_matches_torch_lstmcell"),
    ("test_rnn.py", "test_gru_matches_torch_grucell"),
    ("test_gan.py", "test_random_gan_step_matches_torch"),
    ("test_differential.py", "test_random_graphs_match_torch_and_numeric_mode"),
    ("test_differential.py", "test_random_conv_networks_match_torch_and_numeric_mode"),
    ("test_differential.py", "test_random_recurrent_networks_match_torch_and_numeric_mode"),
    ("test_differential.py", "test_random_gan_steps_match_torch_and_numeric_mode"),
]
ISSUE_FIGURE = 500  # issue 8: at least 500 random problems compared with torch in a normal run


def collected(request: pytest.FixtureRequest) -> list[pytest.Item]:
    return request.config.stash.get(COLLECTED, [])


def items_of(request: pytest.FixtureRequest, filename: str) -> list[pytest.Item]:
    """The collected tests of ``tests/FILENAME``; skips the calling test when that file was not collected."""
    found = [item for item in collected(request) if item.path.name == filename]
    if not found:
        pytest.skip(f"{filename} was not collected in this session")
    return found


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_no_test_module_imports_another() -> None:
    """Neither a test module nor a helper imports a test module or ``conftest`` (pytest imports
    those itself; a second import runs a module twice or collects its tests twice)."""
    sources = sorted(TESTS.glob("test_*.py")) + sorted((TESTS / "helpers").glob("*.py"))
    assert len(sources) > 20
    offending = {path.relative_to(TESTS).as_posix(): sorted(m for m in imported_modules(path)
                                                           if m.split(".")[0] == "conftest" or m.startswith("test_"))
                 for path in sources}
    assert {name: found for name, found in offending.items() if found} == {}


def test_every_hypothesis_test_follows_the_profile(request: pytest.FixtureRequest) -> None:
    """No test overrides the profile's ``derandomize`` (nor sets a deadline): under "ci" every run
    draws the same examples. (DLSOLVE_FUZZ_RANDOM=1 asks the fuzz tests for new ones.)"""
    hypothesis_tests = {item.nodeid: item.function._hypothesis_internal_use_settings
                        for item in collected(request) if hasattr(getattr(item, "function", None), "hypothesis")}
    if not hypothesis_tests:
        pytest.skip("no hypothesis test was collected in this session")
    profile = settings.default
    random_fuzz = bool(os.environ.get("DLSOLVE_FUZZ_RANDOM"))
    wrong = {nodeid: (own.derandomize, own.deadline) for nodeid, own in hypothesis_tests.items()
             if (own.derandomize != profile.derandomize and not (random_fuzz and "test_fuzz.py" in nodeid))
             or own.deadline is not None}
    assert wrong == {}, f"(derandomize, deadline) differ from the profile's ({profile.derandomize}, None)"


def test_random_problems_compared_with_torch_reach_the_issue_figure(request: pytest.FixtureRequest) -> None:
    """Issue 8: at least 500 random problems compared with torch in a normal run. Counted from the
    example budgets (``max_examples``) the collected tests run with, so lowering a budget, or
    dropping or renaming one of these tests, fails here."""
    if os.environ.get("DLSOLVE_DIFFERENTIAL_EXAMPLES") or os.environ.get("DLSOLVE_ORACLE_EXAMPLES"):
        pytest.skip("the example budgets are set by DLSOLVE_*_EXAMPLES")
    budgets: dict[str, int] = {}
    for filename, name in TORCH_ORACLE_TESTS:
        found = [item for item in items_of(request, filename) if item.name == name]
        assert len(found) == 1, f"{filename}::{name} not collected (renamed? update TORCH_ORACLE_TESTS)"
        function = found[0].function
        assert hasattr(function, "hypothesis"), f"{filename}::{name} is no longer a hypothesis test"
        budgets[f"{filename}::{name}"] = function._hypothesis_internal_use_settings.max_examples
    assert sum(budgets.values()) >= ISSUE_FIGURE, budgets


def _kind(content: str | bytes) -> str | None:
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    match = re.search(r"^\s*kind:\s*([\w-]+)", text, re.M)
    return match.group(1) if match else None


def test_the_bad_file_corpus_has_files_of_every_kind(request: pytest.FixtureRequest) -> None:
    """The broken files checked by test_bad_specs.py and test_bad_specs_more.py (collected as test
    cases) include files of every kind dlsolve knows; the corpus only grows (175 files at issue 13)."""
    cases = [item for filename, name in [("test_bad_specs.py", "test_bad_spec"),
                                         ("test_bad_specs_more.py", "test_more_bad_specs")]
             for item in items_of(request, filename) if item.originalname == name]
    kinds = Counter(_kind(item.callspec.params["bad"].content) for item in cases)
    assert set(KINDS) <= set(kinds), f"no bad file of kind {sorted(set(KINDS) - set(kinds))}"
    assert len(cases) >= 175, kinds


def test_the_slowest_files_listed_for_the_workers_exist():
    """conftest.py hands the files listed in helpers.SLOWEST_FILES to the workers first: a renamed or
    removed file would silently drop out of that order."""
    from helpers import SLOWEST_FILES

    missing = [name for name in SLOWEST_FILES if not (TESTS / name).is_file()]
    assert not missing, missing
    assert len(set(SLOWEST_FILES)) == len(SLOWEST_FILES)

"""pytest set-up: the hypothesis profiles, the list of every collected test, and the ``cli`` fixture.

Shared helpers (running the CLI, the problem bank, the torch oracles, the strategies) live in the
``helpers`` package beside this file; the test modules import them from there.

Hypothesis profiles, chosen with the environment variable HYPOTHESIS_PROFILE:

* ``ci`` (the default): derandomized, so every run tries the same examples and CI is reproducible
  (no example database), ``max_examples=100`` where a test sets no budget of its own, no deadline
  (a solve may take a second), and the reproduction blob printed with a failure;
* ``explore``: new random examples on every run, ten times the examples (a test's own budget is
  scaled too, through ``helpers.examples``), failures kept in ``.hypothesis/`` and replayed first.

    HYPOTHESIS_PROFILE=explore pytest tests/test_differential.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import CI_EXAMPLES, COLLECTED, SLOWEST_FILES, run_cli
from hypothesis import settings

settings.register_profile("ci", derandomize=True, max_examples=CI_EXAMPLES, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=10 * CI_EXAMPLES, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def cli():
    """The in-process CLI runner."""
    return run_cli


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep every collected test, before ``-m``/``-k`` deselect any: the suite's own checks
    (``test_suite.py``) look at the whole corpus even in the fast loop."""
    config.stash[COLLECTED] = list(items)
    items.sort(key=lambda item: _cost_rank(Path(str(item.path)).name))


def _cost_rank(file_name: str) -> int:
    """The order the workers take the files in: the slowest first (helpers.SLOWEST_FILES), then the rest."""
    return SLOWEST_FILES.index(file_name) if file_name in SLOWEST_FILES else len(SLOWEST_FILES)

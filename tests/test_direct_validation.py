"""The direct build of well-formed specs (solver.direct_validation) against pydantic, the authority.

Every spec and ``vary`` section that loading a file validates (the bank, every YAML file under tests/,
the bad-file corpus) is validated both ways: where pydantic accepts, the direct build gives the same
value with the same types, or defers; where pydantic refuses, the direct build defers (so the message
is pydantic's). Hypothesis then changes one value of a bank spec at a time and asks the same.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any

import pytest
from helpers import same
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solver.spec
import solver.validation
from solver.direct_validation import Defer, build
from solver.errors import SpecError
from solver.spec import load_file
from solver.validation import validate

ROOT = Path(__file__).resolve().parent.parent
BANK = sorted((ROOT / "problems").glob("*.yaml"))


def _record(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> list[tuple[type, Any]]:
    """(target, data) of every validation that loading ``paths`` asks for (data deep-copied first)."""
    seen: list[tuple[type, Any]] = []

    def recording(target: type, data: Any, issue: Any, direct: bool = True) -> Any:
        seen.append((target, copy.deepcopy(data)))
        return validate(target, data, issue, direct=False)

    monkeypatch.setattr(solver.spec, "validate", recording)
    monkeypatch.setattr(solver.validation, "validate", recording)  # (vary's section imports it when read)
    for path in paths:
        with contextlib.suppress(SpecError):
            load_file(path)
    return seen


def _pydantic(target: type, data: Any) -> Any:
    """pydantic's value, or SpecError's messages."""
    try:
        return validate(target, copy.deepcopy(data), lambda path, message: (path, message), direct=False)
    except SpecError as error:
        return error


def _direct(target: type, data: Any) -> Any:
    try:
        return build(target, copy.deepcopy(data))
    except Defer:
        return Defer


def agrees(target: type, data: Any) -> str:
    """"direct" (built, equal to pydantic's), "deferred" (pydantic decided) or a description of a disagreement."""
    expected, got = _pydantic(target, data), _direct(target, data)
    if got is Defer:
        return "deferred"
    if isinstance(expected, SpecError):
        return f"pydantic refused ({expected}), the direct build accepted {got!r}"
    return "direct" if same(expected, got) else f"pydantic gave {expected!r}, the direct build {got!r}"


def test_every_bank_spec_is_built_directly_as_pydantic_builds_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record(BANK, monkeypatch)
    assert len(calls) >= len(BANK)
    verdicts = [(target.__name__, agrees(target, data)) for target, data in calls]
    # every bank spec takes the fast path (else loading would import pydantic after all), equal to pydantic's
    assert all(verdict == "direct" for _, verdict in verdicts), [v for v in verdicts if v[1] != "direct"]


def _random_problems() -> st.SearchStrategy[dict]:
    from helpers.differential_strategies import conv_specs, mlp_specs, rnn_specs
    from helpers.gan_specs import gan_givens
    from helpers.graph_specs import graph_specs

    gan = gan_givens().map(lambda given_: {"kind": "gan", "title": "GAN", "given": given_})
    rnn = rnn_specs().map(lambda spec: {"kind": "rnn", "title": "RNN", **spec})
    return st.one_of(graph_specs(), mlp_specs(), conv_specs(), rnn, gan)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(problem=_random_problems())
def test_random_valid_problems_are_built_directly_as_pydantic_builds_them(problem: dict, tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "random.yaml"
    path.write_text(yaml.safe_dump(problem, sort_keys=False))
    with pytest.MonkeyPatch.context() as monkeypatch:
        calls = _record([path], monkeypatch)
    assert calls
    verdicts = [agrees(target, data) for target, data in calls]
    assert verdicts == ["direct"] * len(calls), verdicts


def test_the_bad_corpus_always_defers_to_pydantic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from helpers.bad_corpus import BAD_SPECS

    paths = []
    for k, param in enumerate(BAD_SPECS):
        bad = param.values[0]
        text = bad.text()
        path = tmp_path / f"bad{k}.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        paths.append(path)
    calls = _record(paths, monkeypatch)
    assert len(calls) > 40
    for target, data in calls:
        verdict = agrees(target, data)
        assert verdict in ("direct", "deferred"), verdict
        if isinstance(_pydantic(target, data), SpecError):
            assert verdict == "deferred"


def test_loading_a_bank_file_does_not_import_pydantic() -> None:
    import subprocess
    import sys

    code = ("import sys; from solver.spec import load_file; load_file('problems/rnn.yaml'); "
            "load_file('problems/fc-layer-symbolic.yaml'); load_file('problems/cnn-layers-params.yaml'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


# --- one value changed at a time ------------------------------------------------------------------

REPLACEMENTS = st.one_of(
    st.integers(-3, 12), st.booleans(), st.none(), st.floats(-2, 2, allow_nan=False), st.sampled_from(
        ["", "3", "1/2", "x", "lstm", "conv", "relu", "same", "sigmoid", "y = x", "true", "0.5", "-1"]),
    st.lists(st.integers(-1, 4), max_size=3), st.just({}), st.just([[1, 2], [3, 4]]), st.just({"type": "conv"}),
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in nested data (mapping keys and list positions), the root excluded."""
    out = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(data)
    place = changed
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    return changed


@pytest.fixture(scope="module")
def bank_calls() -> list[tuple[type, Any]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _record(BANK, monkeypatch)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), replacement=REPLACEMENTS)
def test_one_changed_value_is_built_as_pydantic_builds_it_or_deferred(bank_calls: list[tuple[type, Any]],
                                                                      data: st.DataObject, replacement: Any) -> None:
    target, spec = data.draw(st.sampled_from(bank_calls))
    paths = _paths(spec)
    if not paths:
        return
    path = data.draw(st.sampled_from(paths))
    verdict = agrees(target, _replaced(spec, path, replacement))
    assert verdict in ("direct", "deferred"), (target.__name__, path, replacement, verdict)

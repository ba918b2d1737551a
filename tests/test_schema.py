"""``dlsolve schema``: the JSON Schema of problem files is a valid draft 2020-12 schema, every file in
``problems/`` validates against it, and every bad spec of the corpus whose defect a schema can see fails.

The schema is read as an editor reads a YAML file: ``yaml.safe_load``, then JSON Schema validation.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from helpers import PROBLEM_FILES, run_cli
from helpers.bad_corpus import BAD_SPECS, MORE_BAD_SPECS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from solver.api import load, solve_file
from solver.errors import SpecError

# Which corpus cases the schema can see: those whose expected message names a defect of structure — a
# missing or unknown field, an unknown kind, a wrong type, a word outside an enum, a bound, an empty file.
# Left out: a float with a zero fraction where an integer is due (JSON Schema counts 3.0 as an integer),
# YAML syntax errors (the editor's parser reports those), and what only dlsolve's own validation reads:
# expressions, matrix shapes, empty matrices, YAML anchors (not loaded here: some are bombs) and byte-level
# defects.
VISIBLE = (
    "missing required field", "unknown field", "unknown kind", "expected text", "expected an integer",
    "expected true or false", "expected a mapping", "expected a problem", "expected a list", "expected one of",
    "string", "greater than", "less than", "' or '", "', '", "file is empty", "field names must be text",
    "holds nothing else", "non-negative integer", "positive integer", "list of 1 to 3", "1, 2 or 3",
    "given's name must be a plain ASCII name",
)
COVERED = 79  # of the 179 cases in the corpus when this test was written (all of them rejected)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    """The schema of every kind, through the command line, checked against the draft 2020-12 meta-schema."""
    result = run_cli("schema")
    assert result.exit_code == 0, result.stderr
    schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _problems(data: Any) -> list[Any]:
    return data["problems"] if isinstance(data, dict) and "problems" in data else [data]


@pytest.mark.parametrize("path", PROBLEM_FILES, ids=lambda p: p.name)
def test_every_bank_file_validates(validator: Draft202012Validator, path: Any) -> None:
    errors = [f"{e.json_path}: {e.message[:200]}" for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
    assert errors == []


def test_the_schema_sees_the_corpus_defects(validator: Draft202012Validator) -> None:
    covered, slipped = 0, []
    corpus = BAD_SPECS + MORE_BAD_SPECS
    for param in corpus:
        bad = param.values[0]
        text = bad.text()
        if isinstance(text, bytes) or "&" in text or any(word.endswith(".0") for word in bad.words):
            continue
        if not any(phrase in " ".join(bad.words) for phrase in VISIBLE):
            continue
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:  # the editor's YAML parser reports it, not the schema
            continue
        covered += 1
        if validator.is_valid(data):
            slipped.append(param.id)
    assert slipped == []
    assert covered >= COVERED and len(corpus) >= 179


def test_a_wrong_value_in_a_bank_file_fails(validator: Draft202012Validator) -> None:
    """The schema is not vacuous: one bad value per kind, each in a field pydantic types."""
    data = yaml.safe_load((PROBLEM_FILES[0].parent / "rnn.yaml").read_text())
    for problem in _problems(data):
        bad = copy.deepcopy(problem) | {"given": {**problem["given"], "cell": "transformer"}}
        assert not validator.is_valid(bad)
    assert not validator.is_valid({"kind": "params", "title": "T", "given": {"model": "lstm", "hidden": 0,
                                                                              "input": 3}})
    assert validator.is_valid({"kind": "params", "title": "T", "given": {"model": "lstm", "hidden": 2, "input": 3}})


def _mutations(problem: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A problem with one top-level or given field dropped, added, or set to a value of another type."""
    values = st.sampled_from([None, True, 0, -1, 2, 0.5, "x", "", [], [1, 2], {}, {"a": 1}])
    where = st.sampled_from(["top", "given"])
    return st.tuples(where, st.integers(0, 20), values, st.sampled_from(["drop", "set", "add"])).map(
        lambda m: _mutated(problem, *m))


def _mutated(problem: dict[str, Any], where: str, index: int, value: Any, how: str) -> dict[str, Any]:
    out = copy.deepcopy(problem)
    target = out["given"] if where == "given" and isinstance(out.get("given"), dict) else out
    keys = sorted(target, key=str)
    key = keys[index % len(keys)] if keys else "x"
    if how == "drop":
        target.pop(key, None)
    elif how == "set":
        target[key] = value
    else:
        target["extra_field"] = value
    return out


BANK = [(path, problem) for path in PROBLEM_FILES for problem in _problems(yaml.safe_load(path.read_text()))]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_what_dlsolve_accepts_the_schema_accepts(validator: Draft202012Validator, data: Any, tmp_path: Any) -> None:
    """The schema is never stricter than dlsolve: a mutated bank problem dlsolve loads passes the schema, or
    (a graph's givens are read when solving) dlsolve refuses it too when it solves it."""
    _, problem = data.draw(st.sampled_from(BANK))
    mutated = data.draw(_mutations(problem))
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(mutated, allow_unicode=True))
    try:
        load(path)
    except SpecError:
        return
    if validator.is_valid(yaml.safe_load(path.read_text())):
        return
    assert mutated["kind"] == "graph", mutated
    with pytest.raises(SpecError):
        solve_file(path)


def test_schema_of_one_kind_through_the_cli(tmp_path: Any) -> None:
    out = tmp_path / "rnn.schema.json"
    result = run_cli("schema", "rnn", "-o", out)
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    schema = json.loads(out.read_text())
    Draft202012Validator.check_schema(schema)
    assert "rnn" in schema["$defs"] and all(name.split(".")[0] == "rnn" for name in schema["$defs"])
    validator = Draft202012Validator(schema)
    assert validator.is_valid(yaml.safe_load((PROBLEM_FILES[0].parent / "rnn.yaml").read_text()))
    assert not validator.is_valid(yaml.safe_load((PROBLEM_FILES[0].parent / "lstm.yaml").read_text()))  # params
    given = schema["$defs"]["rnn"]["properties"]
    assert {"kind", "title", "id", "source", "statement", "ask", "answers", "vary", "given", "loss"} <= set(given)


def test_unknown_kind_is_a_usage_error(tmp_path: Any) -> None:
    out = tmp_path / "s.json"
    result = run_cli("schema", "nosuchkind", "-o", out)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "dlsolve: error: unknown kind 'nosuchkind'; known kinds: conv-inversion, descent, gan, graph, params, "
        "relu-pieces, rnn, symbolic"]
    assert not out.exists()


def test_every_field_has_a_description_and_its_examples_validate() -> None:
    """Each kind's fields, at every depth, say what they are; each example is a value the field accepts."""
    result = run_cli("schema")
    schema = json.loads(result.stdout)
    defs = schema["$defs"]
    undescribed, wrong = [], []
    for name, definition in defs.items():
        for field, node in definition.get("properties", {}).items():
            if "description" not in node:
                undescribed.append(f"{name}.{field}")

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for example in node.get("examples", []):
                if not Draft202012Validator({**node, "$defs": defs}).is_valid(example):
                    wrong.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}/{i}")

    walk(schema, "#")
    assert undescribed == []
    assert wrong == [], wrong

"""The JSON Schema (draft 2020-12) of problem files, generated from the dataclasses the kinds validate with.

pydantic writes each kind's fields (``TypeAdapter(spec_type).json_schema()``); the fields it cannot
describe (plain validator functions) get a hint from :mod:`.hints`; the common fields, the ``problems:``
list and the descriptions and examples of :mod:`.text` are added here. The schema is looser than
dlsolve's own validation where it must be (an expression's syntax, a matrix's shape), never stricter.
"""

from __future__ import annotations

import re
from typing import Any

from solver.errors import UsageError
from solver.kinds import KINDS
from solver.schema.hints import MATRIX, NUMBER
from solver.schema.text import COMMON, DESCRIPTIONS, EXAMPLES

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def problem_schema(kind: str | None = None) -> dict[str, Any]:
    """The JSON Schema of a problem file: one of every kind (or only ``kind``), alone or under ``problems:``."""
    from solver.spec import MAX_PROBLEMS

    if kind is not None and kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}")
    kinds = [kind] if kind is not None else list(KINDS)
    defs: dict[str, Any] = {}
    for name in kinds:
        defs[name] = _kind_schema(name, defs)
    one = {"$ref": f"#/$defs/{kinds[0]}"} if len(kinds) == 1 else {
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in kinds]}
    several = {
        "type": "object", "additionalProperties": False, "required": ["problems"],
        "properties": {"problems": {
            "description": f"Several problems in one file (1 to {MAX_PROBLEMS}); nothing else at the top.",
            "type": "array", "minItems": 1, "maxItems": MAX_PROBLEMS, "items": one}},
    }
    title = f"dlsolve problem file (kind: {kind})" if kind else "dlsolve problem file"
    return {"$schema": DIALECT, "title": title,
            "description": "A problem for dlsolve, or several under problems:.",
            "oneOf": [several, one], "$defs": dict(sorted(defs.items()))}


def _kind_schema(kind: str, defs: dict[str, Any]) -> dict[str, Any]:
    """One problem of ``kind``: the common fields and the kind's own, with descriptions and examples."""
    from solver.kinds import kind_module

    own: dict[str, Any] = {}
    required: list[str] = []
    for spec_type in _spec_types(kind):
        generated = _generate(spec_type, kind, defs)
        for field, schema in generated.get("properties", {}).items():
            if field in own and own[field] != schema:  # params: one given per model
                own[field] = {"oneOf": [*own[field].get("oneOf", [own[field]]), schema]}
            else:
                own[field] = schema
        required += [field for field in generated.get("required", []) if field not in required]
    properties = {"kind": {"const": kind, "description": f"{COMMON['kind'][0]} {KINDS[kind][1]}."},
                  **{name: _described(_common(name), *COMMON[name]) for name in COMMON if name != "kind"}}
    for field in kind_module(kind).FIELDS:
        properties[field] = own.get(field, {})
    if kind == "graph":  # a mapping of names the schema can still check: plain names, numbers or matrices
        properties["given"] = {**properties["given"], **GRAPH_GIVEN}
    schema = {"type": "object", "description": KINDS[kind][1], "additionalProperties": False,
              "required": ["kind", "title", *required], "properties": properties}
    _annotate(kind, schema, defs)
    return schema


GRAPH_GIVEN: dict[str, Any] = {
    "propertyNames": {"pattern": "^[A-Za-z][A-Za-z0-9_]*$"},
    "additionalProperties": {"anyOf": [NUMBER, MATRIX]},
}
"""A graph's givens: ASCII names not starting with ``_``, each a number or a matrix (solver.expressions.plain_name)."""


def _spec_types(kind: str) -> list[type]:
    """The dataclasses a problem of ``kind`` may be validated with (params: one per model)."""
    from solver.kinds import given_only, kind_module

    if kind == "params":
        from solver.kinds.params.models import MODELS

        return [given_only(model) for model in dict.fromkeys(MODELS.values())]
    return [kind_module(kind).spec_type({})]


def _generate(spec_type: type, kind: str, defs: dict[str, Any]) -> dict[str, Any]:
    """pydantic's schema of ``spec_type``, its definitions moved into ``defs`` under ``kind.Name``."""
    import pydantic
    from pydantic.json_schema import GenerateJsonSchema

    from solver.schema.hints import before, hint

    class Generator(GenerateJsonSchema):
        def function_plain_schema(self, schema: Any) -> dict[str, Any]:
            return hint(schema["function"]["function"])

        def function_before_schema(self, schema: Any) -> dict[str, Any]:
            return before(schema["function"]["function"], self.generate_inner(schema["schema"]))

    generated = pydantic.TypeAdapter(spec_type).json_schema(
        ref_template=f"#/$defs/{kind}.{{model}}", schema_generator=Generator)
    for name, definition in generated.pop("$defs", {}).items():
        defs[f"{kind}.{name}"] = definition
    return generated


def _common(name: str) -> dict[str, Any]:
    """The schema of a common field (the same for every kind)."""
    from solver.check.answers import MAX_ANSWERS, OPTIONS

    if name == "ask":
        return {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    if name == "answers":
        keyed = {"type": "object", "additionalProperties": False, "required": ["value"],
                 "properties": {option: {} for option in OPTIONS}}
        return {"type": "object", "minProperties": 1, "maxProperties": MAX_ANSWERS,
                "additionalProperties": {"anyOf": [keyed, {"not": {"type": "object"}}]}}
    if name == "vary":
        import pydantic

        from solver.vary.schema import Section

        return _inline(pydantic.TypeAdapter(Section).json_schema(ref_template="#/$defs/vary.{model}"))
    return {"type": "string"}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its local ``$defs`` references replaced by the definitions themselves."""
    definitions = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/vary."):
                return walk(definitions[ref.removeprefix("#/$defs/vary.")])
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(schema)


def _described(schema: dict[str, Any], description: str, example: Any = None) -> dict[str, Any]:
    """``schema`` with a description and, if one is given, an example."""
    out = {**schema, "description": description}
    if example is not None:
        out["examples"] = [example]
    return out


def _annotate(kind: str, schema: dict[str, Any], defs: dict[str, Any]) -> None:
    """Set the descriptions and examples of :mod:`.text` on the fields they name (``given.W_hh``)."""
    for path, description in DESCRIPTIONS.get(kind, {}).items():
        for node in _nodes(schema, path.split("."), defs):
            node["description"] = description
    for path, example in EXAMPLES.get(kind, {}).items():
        for node in _nodes(schema, path.split("."), defs):
            # a tag (const, enum) shared by the members of a union gets only its own value
            if example == node.get("const", example) and example in node.get("enum", [example]):
                node["examples"] = [example]


def _nodes(node: dict[str, Any], parts: list[str], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """Every schema a dotted field path reaches (through references, unions and list items)."""
    if not parts:
        return [node]
    ref = node.get("$ref")
    if isinstance(ref, str):
        return _nodes(defs[re.sub(r"^#/\$defs/", "", ref)], parts, defs)
    found: list[dict[str, Any]] = []
    for key in ("anyOf", "oneOf"):
        for member in node.get(key, []):
            found += _nodes(member, parts, defs)
    if isinstance(node.get("items"), dict):
        found += _nodes(node["items"], parts, defs)
    if parts[0] in node.get("properties", {}):
        found += _nodes(node["properties"][parts[0]], parts[1:], defs)
    return found

"""YAML problem files → validated :class:`Problem` objects, with file:line in every error.

A file holds one problem (``kind``, ``title``, ``given``, optional ``id``, ``statement``,
``source``, ``ask``, ``answers``: an instructor's key, read by :mod:`solver.check.answers` and
ignored by ``dlsolve run``, ``vary``: how to draw randomized variants, validated here, read by
:mod:`solver.vary` and ignored by ``dlsolve run``) or several under ``problems:``. Each kind's ``given`` is validated by
pydantic against the dataclass the kind module names; every pydantic error is turned into one
line ``file:line: field.path: expected …, got …``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solver.errors import FieldError, FieldPath, SpecError, SpecIssue, show_value
from solver.i18n import tr
from solver.kinds import KINDS, kind_module
from solver.problem import Problem
from solver.validation import dataclass_in, unknown_field, validate
from solver.yamlfile import YamlDocument, read_yaml

if TYPE_CHECKING:
    from solver.check.answers import Given

COMMON_FIELDS = ("kind", "title", "id", "statement", "source", "ask", "answers", "vary")
REQUIRED = ("kind", "title", "given")
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class LoadedProblem:
    """A problem with the document it came from, so later errors can still name a line."""

    problem: Problem
    document: YamlDocument
    prefix: FieldPath  # where this problem sits in the file: () or ("problems", i)
    answers: tuple[Given, ...] = ()  # the key in the problem file's answers: section, if any
    vary: Any = None  # the validated vary: section (a solver.vary.schema.Vary), read by dlsolve vary only

    def issue(self, path: FieldPath, message: str) -> SpecIssue:
        """A SpecIssue for a field path relative to this problem."""
        return self.document.issue(self.prefix + tuple(path), message)


def load_file(path: Path | str, display_name: str | None = None) -> list[LoadedProblem]:
    """Read, parse and validate every problem in a YAML file (SpecError on any defect)."""
    path = Path(path)
    document = read_yaml(path, display_name)
    data = document.data
    if isinstance(data, dict) and "problems" in data:
        extra = sorted(set(data) - {"problems"})
        if extra:
            raise SpecError([document.issue((extra[0],), tr("a file with 'problems:' holds nothing else at the top"))])
        items = data["problems"]
        if not isinstance(items, list) or not items:
            # Translators: {value} describes what the file has, such as "a mapping" or "[1, 2]"
            message = tr("expected a non-empty list of problems, got {value}", value=show_value(items))
            raise SpecError([document.issue(("problems",), message)])
        if len(items) > MAX_PROBLEMS:
            message = tr("at most {limit} problems per file, got {count}", limit=MAX_PROBLEMS, count=len(items))
            raise SpecError([document.issue(("problems",), message)])
        entries: list[tuple[FieldPath, Any, str]] = [
            (("problems", i), item, f"{path.stem}-{i + 1}") for i, item in enumerate(items)]
    else:
        entries = [((), data, path.stem)]
    loaded, issues = [], []
    for prefix, raw, default_id in entries:
        try:
            loaded.append(_load_problem(document, prefix, raw, default_id))
        except SpecError as error:
            issues += error.issues
    if issues:
        raise SpecError(issues)
    return loaded


def _load_problem(document: YamlDocument, prefix: FieldPath, raw: Any, default_id: str) -> LoadedProblem:
    def issue(path: FieldPath, message: str) -> SpecIssue:
        return document.issue(prefix + tuple(path), message)

    if not isinstance(raw, dict):
        message = tr("expected a problem (a mapping with kind, title and given), got {value}", value=show_value(raw))
        raise SpecError([issue((), message)])
    kind = raw.get("kind")
    module = kind_module(kind) if isinstance(kind, str) and kind in KINDS else None
    own = module.FIELDS if module is not None else ("given",)  # the top-level fields the kind defines
    allowed = (*COMMON_FIELDS[:2], *own, *COMMON_FIELDS[2:])
    issues = []
    if "kind" in raw and module is None:  # which other fields are allowed depends on the kind: say only this
        near = difflib.get_close_matches(kind, KINDS, n=1) if isinstance(kind, str) else []
        known = ", ".join(sorted(KINDS))
        # Translators: {kind} is the kind the file names, {near} a known kind, {known} the list of known kinds
        message = (tr("unknown kind {kind} (did you mean '{near}'?); known kinds: {known}", kind=show_value(kind),
                      near=near[0], known=known) if near
                   else tr("unknown kind {kind}; known kinds: {known}", kind=show_value(kind), known=known))
        issues.append(issue(("kind",), message))
    else:
        inner = _given_fields(module, raw)
        issues += [issue((key,), unknown_field(key, allowed, inner)) for key in raw if key not in allowed]
    issues += [issue((key,), tr("missing required field")) for key in REQUIRED if key not in raw]
    for key in ("title", "id", "statement", "source"):
        if key in raw and not isinstance(raw[key], str):
            issues.append(issue((key,), tr("expected text, got {value}", value=show_value(raw[key]))))
    ask = raw.get("ask", [])
    if isinstance(ask, str):
        ask = [ask]
    if not isinstance(ask, list) or not all(isinstance(name, str) for name in ask):
        shown = show_value(raw.get("ask"))
        issues.append(issue(("ask",), tr("expected a list of answer names, got {value}", value=shown)))
    if "given" in raw and not isinstance(raw["given"], dict):
        shown = show_value(raw["given"])
        issues.append(issue(("given",), tr("expected a mapping of given data, got {value}", value=shown)))
    if issues:
        raise SpecError(issues)
    assert module is not None and isinstance(kind, str)  # an unknown or missing kind is an issue above

    fields = {key: value for key, value in raw.items() if key in own}
    try:
        spec_type = module.spec_type(fields)
    except FieldError as error:
        raise SpecError([issue(error.path, error.message)]) from None
    problem = Problem(
        id=raw.get("id") or default_id,
        kind=kind,
        title=raw["title"].strip(),
        spec=validate(spec_type, fields, issue),
        statement=(raw.get("statement") or "").strip(),
        source=(raw.get("source") or "").strip(),
        ask=tuple(ask),
    )
    keyed: tuple[Given, ...] = ()
    if "answers" in raw:  # its values are read here; its names are judged against the solution by check
        from solver.check.answers import answers_in

        keyed = tuple(answers_in(raw["answers"], document, (*prefix, "answers"), symbolic=kind == "symbolic"))
    vary = None
    if "vary" in raw:  # validated here so that every command reports a bad section; only dlsolve vary uses it
        from solver.vary.schema import read_vary

        vary = read_vary(raw["vary"], raw, issue)
    return LoadedProblem(problem, document, prefix, keyed, vary)


def _given_fields(module: Any, raw: dict[str, Any]) -> list[str]:
    """The fields of the kind's ``given`` mapping when it is a dataclass (rnn: W_hh, x, …), else none."""
    import dataclasses
    import typing

    if module is None:
        return []
    try:
        target = module.spec_type({key: raw[key] for key in module.FIELDS if key in raw})
        given = dataclass_in(typing.get_type_hints(target, include_extras=True).get("given"))
    except Exception:  # a spec_type that cannot decide on these fields: no hint
        return []
    return [f.name for f in dataclasses.fields(given)] if given is not None else []

"""Read a YAML problem file safely, remembering the line of every field for error messages.

The text is parsed once by PyYAML's ``SafeLoader`` (what :func:`yaml.safe_load` uses) into nodes,
which builds no Python objects: the nodes give each field's line, let alias bombs be refused before
anything walks the data, report duplicate keys, and keep the literal text of floats so that ``0.2``
is read as exactly 1/5 rather than the binary double nearest to it. Then the same loader constructs
the data from those nodes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.errors import FieldPath, NumberText, SpecError, SpecIssue
from solver.i18n import tr

MAX_BYTES = 1 << 20  # a problem file is a few kilobytes; refuse anything over 1 MiB
MAX_NODES = 100_000  # nodes after expanding aliases
MAX_WORD = 10_000  # characters in a row without a space or a YAML separator
LONG_WORD = re.compile(r"[^\s,\[\]{}]{%d}" % (MAX_WORD + 1))
LARGE_FILE = 16_384  # bytes; larger files (weight matrices) are first read by libyaml
MAX_FLOW_DEPTH = 100  # [ and { open inside each other; a problem's deepest is a 3-D list
BRACKET = re.compile(r"[\[\]{}]")


@dataclass
class YamlDocument:
    """Parsed data plus the line of each field path (1-based)."""

    file: str
    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line_of(self, path: FieldPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that exists in the file."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def issue(self, path: FieldPath, message: str) -> SpecIssue:
        """A SpecIssue located at ``path``."""
        return SpecIssue(self.file, self.line_of(path), tuple(path), message)


def read_yaml(path: Path, display_name: str | None = None) -> YamlDocument:
    """Read and safely parse ``path``; raise SpecError (with file and line) on any failure."""
    import yaml

    name = display_name or str(path)

    def fail(message: str, line: int | None = None, path: FieldPath = ()) -> SpecError:
        return SpecError([SpecIssue(name, line, path, message)])

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise fail(tr("file is {size} bytes; problem files are limited to {limit} bytes", size=size,
                          limit=MAX_BYTES))
        raw = path.read_bytes()
    except OSError as error:
        # Translators: {reason} is the system's own English reason, such as "No such file or directory"
        raise fail(tr("cannot read the file: {reason}", reason=error.strerror or error)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise fail(tr("not UTF-8 text (byte {position} cannot be decoded)", position=error.start), line) from None

    long_word = LONG_WORD.search(text)
    if long_word:  # found at once, where PyYAML would take a second to read it
        line = text.count("\n", 0, long_word.start()) + 1
        raise fail(tr("a value of more than {limit} characters without a space (numbers and names are far shorter)",
                      limit=format(MAX_WORD, ",")), line)
    too_deep = _flow_too_deep(text)
    if too_deep is not None:  # PyYAML's scanner takes time quadratic in this depth before it fails
        raise fail(tr("not valid YAML: nested too deeply (more than {limit} brackets open)", limit=MAX_FLOW_DEPTH),
                   too_deep)
    # Parsed once, composed then constructed, by PyYAML's own parser: libyaml (CSafeLoader) reads `[?, 1]`,
    # an unknown entry of a conv-inversion problem, as a syntax error, and words its errors differently.
    # A file of more than LARGE_FILE bytes (a network's weight matrices) is first read by libyaml, eight
    # times faster; what libyaml refuses is read again by PyYAML, so every message is PyYAML's.
    root, loader = _with_libyaml(yaml, text) if len(raw) > LARGE_FILE else (None, None)
    if loader is None:
        try:
            loader = yaml.SafeLoader(text)  # (its reader refuses control characters at once)
            root = loader.get_single_node()
        except yaml.reader.ReaderError as error:  # a control character: no mark, but its position
            line = text.count("\n", 0, error.position) + 1
            # Translators: {character} is a quoted control character, {code} its number such as U+0007
            raise fail(tr("not valid YAML: the character {character} ({code}) is not allowed",
                          character=repr(chr(error.character)), code="U+" + format(error.character, "04X")),
                       line) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            # Translators: {problem} is PyYAML's English description, such as "found undefined alias"
            raise fail(tr("not valid YAML: {problem}", problem=problem), mark.line + 1 if mark else None) from None
        except RecursionError:
            raise fail(tr("not valid YAML: nested too deeply")) from None
    if root is None:
        raise fail(tr("file is empty: expected a problem (kind, title, given)"))

    _check_expansion(root, fail)
    document = YamlDocument(name, None)
    _index(root, (), document.lines, fail)
    try:
        data = loader.construct_document(root)
    except yaml.YAMLError as error:  # compose succeeded, so this is a constructor problem (bad tag)
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise fail(tr("not valid YAML: {problem}", problem=problem), mark.line + 1 if mark else None) from None
    document.data = _restore_float_text(data, root)
    return document


def _with_libyaml(yaml: Any, text: str) -> tuple[Any, Any]:
    """(root node, loader) as libyaml composes ``text``, or (None, None) where it cannot (not built in,
    or it refuses the text: PyYAML then reads it again and words the error)."""
    if not getattr(yaml, "__with_libyaml__", False):
        return None, None
    try:
        loader = yaml.CSafeLoader(text)
        return loader.get_single_node(), loader
    except (yaml.YAMLError, RecursionError):
        return None, None


def _flow_too_deep(text: str) -> int | None:
    """The line where more than MAX_FLOW_DEPTH brackets are open, or None.

    Brackets inside quoted text count too: a file would need a hundred unclosed ones to be refused.
    """
    depth = 0
    for match in BRACKET.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                return text.count("\n", 0, match.start()) + 1
        elif depth:
            depth -= 1
    return None


def _check_expansion(root: Any, fail: Any) -> None:
    """Refuse documents whose aliases expand to more than MAX_NODES nodes, or refer to themselves."""
    import yaml

    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise fail(tr("a YAML alias refers to itself (recursive structure)"), node.start_mark.line + 1)
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        active.discard(key)
        if total > MAX_NODES:
            raise fail(
                tr("the document expands to more than {limit} values through YAML aliases (an alias bomb?); write "
                   "the data out instead", limit=format(MAX_NODES, ",")),
                node.start_mark.line + 1,
            )
        sizes[key] = total
        return total

    try:
        size(root)
    except RecursionError:
        raise fail(tr("not valid YAML: nested too deeply")) from None


def _index(node: Any, path: FieldPath, lines: dict[FieldPath, int], fail: Any) -> None:
    import yaml

    lines.setdefault(path, node.start_mark.line + 1)
    if _is_bare_question_mark(node):
        return
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:str"):
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else tr("a list or mapping")
                raise fail(tr("field names must be text, got {value}", value=shown), line, path)
            key = key_node.value
            if key in seen:
                raise fail(tr("duplicate key '{key}' (first on line {line})", key=key, line=seen[key]), line, path)
            seen[key] = line
            lines[path + (key,)] = line
            _index(value_node, path + (key,), lines, fail)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            lines[path + (i,)] = child.start_mark.line + 1
            _index(child, path + (i,), lines, fail)


def _is_bare_question_mark(node: Any) -> bool:
    """Whether ``node`` is an unquoted ``?`` in a flow list (``[?, 1]``), which YAML reads as an empty key.

    Exam problems mark unknown entries with ``?``; quoting every one would be a trap, so the
    composed node is recognised and read as the text ``"?"``.
    """
    import yaml

    if not (isinstance(node, yaml.MappingNode) and node.flow_style and len(node.value) == 1):
        return False
    key, value = node.value[0]
    empty = all(isinstance(n, yaml.ScalarNode) and n.value == "" and n.tag == "tag:yaml.org,2002:null"
                for n in (key, value))
    return empty and node.start_mark.buffer is not None and node.start_mark.buffer[node.start_mark.index] == "?"


def _restore_float_text(data: Any, node: Any) -> Any:
    """Replace each float that safe_load built with the text written in the file (exactness);
    read each bare ``?`` in a flow list as the text ``"?"``."""
    import yaml

    if _is_bare_question_mark(node) and data == {None: None}:
        return "?"
    if isinstance(data, float) and isinstance(node, yaml.ScalarNode):
        return NumberText(node.value)
    if isinstance(data, list) and isinstance(node, yaml.SequenceNode) and len(data) == len(node.value):
        return [_restore_float_text(item, child) for item, child in zip(data, node.value)]
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode) and len(data) == len(node.value):
        return {key: _restore_float_text(value, pair[1]) for (key, value), pair in zip(data.items(), node.value)}
    return data

"""One candidate variant: draw its givens, write it as a problem file, load and solve it, judge it."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solver.errors import DlsolveError, NumberText
from solver.vary.schema import Vary

HASH_LENGTH = 12  # hex digits of a variant's hash


@dataclass(frozen=True)
class Source:
    """What every candidate of a problem derives from (picklable, for the process pool)."""

    raw: dict[str, Any]  # the problem as written (its mapping in the file)
    vary: Vary
    source_hash: str  # sha256 of the problem's content
    file_name: str  # the problem file's name, for the header of each variant
    seed: int


@dataclass(frozen=True)
class Candidate:
    """A drawn candidate: its attempt number, hash and text; solved (``solution``) or why not (``failed``)."""

    key: str
    attempt: int
    hash: str
    text: str
    problem: Any = None
    solution: Any = None
    failed: str | None = None  # the constraint it broke (a name from solver.vary.checks.NAMES)


def content_hash(raw: Any) -> str:
    """sha256 of a problem's content (its data, not its layout or comments), as hex."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def draw(source: Source, key: str, attempt: int) -> tuple[str, str, dict[str, Any]]:
    """The hash, the problem-file text and the data of candidate ``attempt`` for ``key``."""
    from solver.vary.draws import Stream, draw_given, material

    stream = Stream(material(source.source_hash, source.seed, key, attempt))
    given, drawn = draw_given(source.raw["given"], source.vary.draws, stream)
    digest = drawn_hash(source, drawn)
    data: dict[str, Any] = {}
    for name, value in source.raw.items():  # in the file's order, the id after the title
        if name not in ("vary", "answers", "id"):
            data[name] = given if name == "given" else value
        if name == "statement" and source.vary.statement is not None:
            data[name] = statement(source.vary.statement, given)
        if name == "title":
            data["id"] = f"{source.raw.get('id') or Path(source.file_name).stem}-{key}"
    header = (f"# A variant of {source.file_name} written by dlsolve vary: do not edit, regenerate it.\n"
              f"# source sha256 {source.source_hash}, seed {source.seed}, key {key}, variant {digest}\n")
    return digest, header + dump(data), data


def drawn_hash(source: Source, drawn: list[Any]) -> str:
    """A candidate's hash: of the draws' names and their drawn values."""
    return content_hash([[d.name for d in source.vary.draws], drawn])[:HASH_LENGTH]


class Digests:
    """The hashes of a problem's candidates without their text or solving (what the draws alone decide).

    A draw reads the written entries under its paths only to keep a non-number (``'?'``) as written,
    and each entry is parsed to know that; the template here holds only the drawn fields, every number
    under a drawn path replaced by 0 once, so a hash costs the SHA-256 stream and no parsing: the same
    drawn values."""

    def __init__(self, source: Source):
        import copy

        from solver.vary.schema import at_path, is_number

        def plain(value: Any) -> Any:
            if isinstance(value, list):
                return [plain(item) for item in value]
            return 0 if is_number(value) else value

        self.source = source
        given = source.raw["given"]  # only the fields drawn: less to copy for each hash
        self.template = {name: copy.deepcopy(given[name]) for name in given
                         if any(path[0] == name for spec in source.vary.draws for path in spec.paths)}
        for spec in source.vary.draws:
            if spec.how != "choose_whole":
                for path in spec.paths:
                    _place(self.template, path, plain(at_path(self.template, path)[1]))

    def of(self, key: str, attempt: int) -> str:
        """The hash of candidate ``attempt`` for ``key`` (equal to :func:`draw`'s)."""
        from solver.vary.draws import Stream, draw_given, material

        stream = Stream(material(self.source.source_hash, self.source.seed, key, attempt))
        return drawn_hash(self.source, draw_given(self.template, self.source.vary.draws, stream)[1])


def _place(data: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def statement(template: str, given: Any) -> str:
    """The variant's statement: each ``{path}`` of the template replaced by that given's drawn value, as
    prose writes it (a vector ``(1, −2)``, a matrix ``[[1, 0], [0, 1]]``, a minus sign as −)."""
    from solver.vary.schema import PLACEHOLDER, at_path, parse_path

    def shown(value: Any, depth: int = 0) -> str:
        if isinstance(value, list):
            inner = ", ".join(shown(item, depth + 1) for item in value)
            nested = any(isinstance(item, list) for item in value)
            return f"[{inner}]" if nested or depth else f"({inner})"
        text = str(value).replace("-", "−").replace("*", "·")
        return re.sub(r"sqrt\((\w+)\)", r"√\1", text)

    def replace(match: Any) -> str:
        path = parse_path(match.group(1))
        return shown(at_path(given, path)[1]) if path is not None else match.group(0)

    return PLACEHOLDER.sub(replace, template)


def solve(source: Source, key: str, attempt: int, folder: Path) -> Candidate:
    """Draw, load and solve candidate ``attempt``; judge it by the section's constraints."""
    from solver.api import solve_loaded
    from solver.spec import load_file
    from solver.vary.checks import SOLVES, failed

    digest, text, data = draw(source, key, attempt)
    path = folder / f"{data['id']}.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        [loaded] = load_file(path, path.name)
        solution = solve_loaded(loaded)
    except DlsolveError:  # no unique solution, a non-integer size, an undefined value: not a variant
        return Candidate(key, attempt, digest, text, failed=SOLVES)
    finally:
        path.unlink(missing_ok=True)
    return Candidate(key, attempt, digest, text, loaded.problem, solution, failed(solution, source.vary.constraints))


def scratch() -> Path:
    """A private folder for the candidates' files (one per process, removed at exit)."""
    import atexit
    import shutil

    folder = Path(tempfile.mkdtemp(prefix="dlsolve-vary-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def dump(data: dict[str, Any]) -> str:
    """A problem as YAML: top-level fields in their order, lists of numbers on one line, exact numbers
    as they were written (``0.5``, ``1/2``, ``ln(2)``)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def number(dumper: yaml.SafeDumper, text: NumberText) -> yaml.ScalarNode:
        return dumper.represent_scalar("tag:yaml.org,2002:float", str(text))

    def flow_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.SequenceNode:
        flat = not any(isinstance(item, dict) for item in items)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flat)

    Dumper.add_representer(NumberText, number)
    Dumper.add_representer(list, flow_list)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)

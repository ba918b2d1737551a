"""A bad problem file and the check that it gets one clean message (``test_bad_specs.py``,
``test_bad_specs_more.py``, ``test_hostile.py``).

``check_bad_spec``: the file is written into ``tmp_path`` and run as ``dlsolve run FILE -o OUT``; it
must exit 3 within 2 s of CPU time (this process's own, so that a loaded machine does not fail it) and
print exactly one message, ``dlsolve: error: FILE:LINE: field.path: …``, holding the key words, with
no traceback, nothing on stdout and nothing written to ``OUT``. In a ``Bad``'s YAML, ``# <-`` marks
the line the message must name.
"""

from __future__ import annotations

import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import run_cli, warm_up_cli

EXIT_BAD_SPEC = 3
MARK = "# <-"


@dataclass(frozen=True)
class Bad:
    """A bad problem file and what its one error message must say."""

    content: str | bytes
    path: str | None  # field path in the message; "" for none; None: not checked
    words: tuple[str, ...]  # key words: what was expected, what was found
    line: int | None = -1  # -1: the line marked "# <-"; None: the message names no line

    def text(self) -> str | bytes:
        return textwrap.dedent(self.content) if isinstance(self.content, str) else self.content

    def expected_line(self) -> int | None:
        if self.line != -1:
            return self.line
        marked = [i for i, line in enumerate(self.text().splitlines(), 1) if MARK in line]
        assert len(marked) == 1, "mark exactly one line with '# <-'"
        return marked[0]


def case(content: str | bytes, path: str | None, *words: str, line: int | None = -1, id: str):
    return pytest.param(Bad(content, path, words, line), id=id)


def assert_one_clean_error(result, file: Path, out: Path, code: int) -> str:
    """Exit ``code``, nothing on stdout, no traceback, no output file (nor a temporary one); returns stderr."""
    assert result.exit_code == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")] == []  # no temp file left
    return result.stderr


def check_bad_spec(bad: Bad, tmp_path: Path) -> None:
    """The checks of the module docstring for one bad file."""
    file = tmp_path / "problem.yaml"
    text = bad.text()
    file.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    out = tmp_path / "out.txt"

    warm_up_cli()
    start = time.process_time()
    result = run_cli("run", file, "-o", out)
    assert time.process_time() - start < 2.0  # alias bombs, huge files and deep nesting fail fast (CPU seconds)

    stderr = assert_one_clean_error(result, file, out, EXIT_BAD_SPEC)
    line = bad.expected_line()
    where = f"{file}:{line}" if line is not None else f"{file}"
    if bad.path is None:
        prefix = f"dlsolve: error: {where}: "
    elif bad.path:
        prefix = f"dlsolve: error: {where}: {bad.path}: "
    else:
        prefix = f"dlsolve: error: {where}: "
    assert stderr.startswith(prefix), f"expected prefix {prefix!r}, got {stderr!r}"
    if bad.path == "":  # no field part: the message follows the location directly
        assert not stderr[len(prefix):].split(" ")[0].endswith(":")
    assert stderr.count("\n") == 1, "one message, on one line"
    message = stderr[len(prefix):]
    for word in bad.words:
        assert word in message, f"{word!r} not in {message!r}"

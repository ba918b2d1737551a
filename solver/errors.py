"""One exception family for everything a user can get wrong, with its exit code.

Exit codes (documented in ``dlsolve --help`` and the README):
0 solved; 1 no (unique) solution or a check failed; 2 command-line usage; 3 bad spec.
"""

from __future__ import annotations

from typing import Any

from solver.i18n import ntr, tr

EXIT_OK = 0
EXIT_UNSOLVED = 1
EXIT_USAGE = 2
EXIT_BAD_SPEC = 3
EXIT_INCORRECT = 5  # dlsolve check: some answers are not right
EXIT_INTERRUPTED = 130

FieldPath = tuple[str | int, ...]


def format_path(path: FieldPath) -> str:
    """Render a field path as ``given.W[1][0]`` (keys joined by dots, list items indexed)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class NumberText(str):
    """The literal text of a number written in a YAML file (``0.2``), kept as text for exactness."""


def show_value(value: object) -> str:
    """A value from a spec as the user wrote it, shortened, for messages: ``got true``, ``got [3, 'x']``."""
    if value is None:
        return tr("nothing (null)")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return tr("a mapping")
    if isinstance(value, list) and (not value or any(isinstance(item, (list, dict)) for item in value)):
        # Translators: {n} is how many items the list has
        return ntr("a list of {n}", "a list of {n}", len(value)) if value else tr("an empty list")
    if isinstance(value, list):
        text = "[" + ", ".join(show_value(item) for item in value[:6]) + (", ...]" if len(value) > 6 else "]")
    elif isinstance(value, str) and not isinstance(value, NumberText):
        text = repr(str(value))
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


MAX_QUOTED = 80  # characters of a quoted value from the spec kept in a message
MAX_MESSAGE = 1000


def _shorten(text: str) -> str:
    """A message with every long quoted value from the spec cut to its start and end (a hostile
    10⁶-character expression is not echoed back), and at most MAX_MESSAGE characters."""
    import re

    def cut(match: re.Match) -> str:
        quote, inner = match.group(1), match.group(2)
        # Translators: {count} is the length of a long value cut short in a message, such as 1,000,000
        length = ntr("{count} character", "{count} characters", len(inner), count=format(len(inner), ","))
        return f"{quote}{inner[:MAX_QUOTED - 20]}…{inner[-16:]}{quote} ({length})"

    text = re.sub(r"(['\"])([^'\"\n]{%d,})\1" % (MAX_QUOTED + 1), cut, text)
    return text if len(text) <= MAX_MESSAGE else f"{text[:MAX_MESSAGE // 2]} … {text[-MAX_MESSAGE // 2:]}"


class DlsolveError(Exception):
    """Base class: a message for the user and the exit code that goes with it."""

    exit_code = EXIT_UNSOLVED

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UsageError(DlsolveError):
    """The command line itself is wrong (exit 2)."""

    exit_code = EXIT_USAGE


class SpecIssue:
    """One problem found in a spec: where (file, line, field) and what."""

    __slots__ = ("file", "line", "message", "path")

    def __init__(self, file: str, line: int | None, path: FieldPath, message: str):
        path = tuple(_shorten(part) if isinstance(part, str) else part for part in path)
        self.file, self.line, self.path, self.message = file, line, path, _shorten(message)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = format_path(self.path)
        return f"{where}: {field}: {self.message}" if field else f"{where}: {self.message}"


class SpecError(DlsolveError):
    """A problem file is unreadable or invalid (exit 3); carries one issue per line."""

    exit_code = EXIT_BAD_SPEC

    def __init__(self, issues: list[SpecIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


class FieldError(DlsolveError):
    """A value is invalid for a reason only the solver can see (e.g. groups not dividing channels).

    Raised with a field path; the loader turns it into a SpecError with file and line, the
    command-line shortcuts into a usage error naming the option.
    """

    exit_code = EXIT_BAD_SPEC

    def __init__(self, path: FieldPath, message: str):
        super().__init__(message)
        self.path = path


class UnsolvableError(DlsolveError):
    """The problem has no (unique) solution, or a result failed its check (exit 1); ``solution``, when the
    solver can say why as a worked solution (the verdict and the conflicting equations), for ``-f json``."""

    exit_code = EXIT_UNSOLVED

    def __init__(self, message: str, solution: Any = None):
        super().__init__(message)
        self.solution = solution

"""What every ``dlsolve`` command shares: the settings of the main command (through typer's
``Context``), errors translated once at the edge into a message and an exit code, the output
formats (derived from the registry in ``solver.render``), solving files within a time limit,
rendering and atomic writes.

Only the standard library, typer and solver's light modules are imported here; the solver,
renderers and loader are imported inside the functions that need them.
"""

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from solver.errors import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    DlsolveError,
    FieldError,
    SpecError,
    UnsolvableError,
    UsageError,
)
from solver.i18n import LANGUAGES, checked, tr, using
from solver.render import DEFAULT_FORMAT, FORMATS, SUFFIX_FORMATS

EXIT_INTERNAL = 4
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as the shell reports for a writer whose reader quit

EXIT_CODES = (
    "Exit codes: 0 solved · 1 no (unique) solution, or a check failed · 2 command-line usage · "
    "3 bad problem file · 4 internal error (a bug: please report it with the --debug output) · "
    "5 check: some answers are not right."
)

# --- settings of the main command -------------------------------------------------------------


class Settings:
    """The main command's options, handed to every command as ``ctx.obj``.

    A plain class, not a NamedTuple or dataclass: those cost start-up time.
    """

    __slots__ = ("debug",)

    def __init__(self, debug: bool = False) -> None:
        self.debug = debug


def settings(ctx: typer.Context) -> Settings:
    """The main command's settings (the defaults when a command runs without the main command)."""
    return ctx.obj if isinstance(ctx.obj, Settings) else Settings()


# --- errors at the edge -----------------------------------------------------------------------


@contextmanager
def handle_errors(ctx: typer.Context, option_names: dict[str, str] | None = None) -> Iterator[None]:
    """Turn every failure into one message on stderr and an exit code (tracebacks only with --debug).

    ``option_names``: the command-line option of a spec field a FieldError names (default ``--field``).
    """
    debug = settings(ctx).debug
    try:
        yield
    except FieldError as error:  # from a command-line shortcut: name the option
        if debug:
            raise
        path = error.path[1:] if error.path[:1] == ("given",) else error.path  # the model built from the options
        field = str(path[0]) if path else ""
        option = (option_names or {}).get(field, "--" + field.replace("_", "-"))
        fail(f"{option}: {error.message}", EXIT_USAGE)
    except DlsolveError as error:
        if debug:
            raise
        fail(error.message, error.exit_code)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except BrokenPipeError:  # the reader stopped early (`dlsolve run … | head`): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except Exception as error:  # a bug: say so plainly
        if debug:
            raise
        fail(f"internal error: {type(error).__name__}: {error} (run with --debug for details)", EXIT_INTERNAL)


def fail(message: str, code: int) -> None:
    """Write ``dlsolve: error: MESSAGE`` to stderr and exit with ``code``."""
    prefix = "dlsolve: error: " if "\n" not in message else "dlsolve: errors:\n"
    sys.stderr.write(prefix + message + "\n")
    raise typer.Exit(code)


# --- output formats and the options every command shares --------------------------------------

Format = Enum("Format", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]
"""The ``--format`` choices: the solution formats of the registry in ``solver.render``."""

FormatOption = Annotated[
    Format | None,
    typer.Option("--format", "-f", help="Output format (default: text, or from the suffix of the -o file)."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file instead of the terminal (only after a full success).",
                 dir_okay=False),
]


def choose_language(ctx: typer.Context, value: str | None) -> str | None:
    """Set the language of the prose for this command, before any other option or file is read; an
    unknown one is a usage error (exit 2). The language is reset when the command's context closes."""
    if ctx.resilient_parsing:
        return value
    try:
        code = checked(value) if value is not None else None
    except ValueError:  # not translated: no language is chosen yet
        raise typer.BadParameter(f"unknown language {value!r}; dlsolve writes {', '.join(LANGUAGES)}") from None
    ctx.with_resource(using(code))
    return code


LangOption = Annotated[
    str | None,
    typer.Option("--lang", envvar="DLSOLVE_LANG", is_eager=True, callback=choose_language, metavar="[en|hr|sr|ru]",
                 show_default=False,
                 help="The language of the prose (steps, notes, headings, error messages): en, hr, sr or ru; "
                 "default: $DLSOLVE_LANG, else English. Example: --lang hr."),
]
ColorOption = Annotated[
    bool | None,
    typer.Option("--color/--no-color", help="Colour the terminal text (default: when writing to a terminal)."),
]


def resolved_format(fmt: Format | None, output: Path | None) -> str:
    """The name of the format asked for, else of the one the -o suffix names, else text."""
    if fmt is None:
        return SUFFIX_FORMATS.get(output.suffix.lower(), DEFAULT_FORMAT) if output else DEFAULT_FORMAT
    return str(fmt.value)


def use_color(color: bool | None, output: Path | None) -> bool:
    """--color/--no-color if given, else colour when writing to a terminal and NO_COLOR is not set."""
    if color is not None:
        return color
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def terminal_width() -> int:
    """The terminal's width, kept between 60 and 100 columns."""
    return max(60, min(os.get_terminal_size().columns, 100))


# --- solving files ----------------------------------------------------------------------------


class _Timeout(BaseException):
    """Raised by the --timeout alarm. A BaseException, like KeyboardInterrupt, so that no library's
    ``except Exception`` can swallow it in the middle of a computation."""


@contextmanager
def time_limit(seconds: int, numeric: bool, where: Callable[[], object]) -> Iterator[None]:
    """Stop the solve cleanly after ``seconds`` (exit 1), naming the file being solved (``where()``)
    and suggesting --numeric for exact solves."""
    import signal

    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)  # and again every second, should one be lost
    try:
        yield
    except _Timeout:
        # Translators: {seconds} is the --timeout limit in seconds
        message = (tr("the solve took longer than {seconds} s (--timeout)", seconds=seconds) if numeric else
                   tr("the solve took longer than {seconds} s (--timeout); exact forms may be exploding: "
                      "try --numeric", seconds=seconds))
        raise UnsolvableError(f"{where()}: {message}") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def problem_files(paths: list[Path]) -> list[Path]:
    """The problem files named: files as given, folders by their .yaml (then .yml) files, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
            if not found:
                raise UsageError(f"{path}: " + tr("no .yaml problem files in this folder"))
            files += found
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"{path}: " + tr("no such file"))
    return files


def solve_files(files: list[Path], numeric: bool, timeout: int,
                verdicts: list[UnsolvableError] | None = None) -> list[Any]:
    """Load every problem of every file (all their errors at once), then solve them within ``timeout``.

    ``verdicts``: a problem with no solution whose error carries its verdict as a worked solution (a conv
    inversion's conflicting equations) takes its place among the solutions, its error is appended here, and
    the others are still solved (``-f json`` gives every document); without it, the first such error stops."""
    from solver.api import solve_loaded
    from solver.spec import LoadedProblem, load_file

    loaded: list[LoadedProblem] = []
    issues = []
    for path in problem_files(files):
        try:
            loaded += load_file(path)
        except SpecError as error:
            issues += error.issues
    if issues:
        raise SpecError(issues)
    solutions: list[Any] = []
    with time_limit(timeout, numeric, lambda: loaded[len(solutions)].document.file):
        for item in loaded:
            try:
                solutions.append(solve_loaded(item, numeric))
                note_abandoned(item.document.file, solutions[-1].exact_abandoned)
            except UnsolvableError as error:
                if verdicts is None or error.solution is None:
                    raise
                verdicts.append(error)
                solutions.append(error.solution)
    return solutions


def note_abandoned(file: Any, reasons: tuple[str, ...]) -> None:
    """One line on stderr when a solve gave up exact arithmetic (the ``dlsolve: note:`` prefix stays English,
    as the error prefix does)."""
    if reasons:
        # Translators: {file} is a problem file; {reasons} says what grew too large
        sys.stderr.write("dlsolve: note: " + tr("{file}: exact arithmetic abandoned ({reasons}); solved in floating "
                                                "point (--numeric skips the exact attempt)", file=file,
                                                reasons="; ".join(reasons)) + "\n")


# --- writing ----------------------------------------------------------------------------------


class Detail(str, Enum):
    """The ``--detail`` choices (the levels of ``solver.trace.Detail``, named here to keep start-up light)."""

    brief = "brief"
    standard = "standard"
    full = "full"


DetailOption = Annotated[
    Detail,
    typer.Option("--detail", "-d", help="How much working to show: brief (a grader's model solution, no notes), "
                 "standard (adds shapes, the rules used, conventions) or full (every step, "
                 "operation counts included). The answers are the same at every level."),
]


def emit(solutions: list[Any], fmt: Format | None, output: Path | None, fragment: bool, color: bool | None,
         sheet: str = "solution", pdf: bool = False, detail: str = "standard", show_source: bool = False) -> None:
    """Render and write: to ``output`` atomically, or to stdout; ``pdf``: also OUTPUT.pdf (both or neither).
    ``show_source``: the exam sheet names each problem's source too."""
    from solver.api import render

    name = resolved_format(fmt, output)
    options: dict[str, Any] = {}
    if name == "latex":
        options["fragment"] = fragment
        options["sheet"] = sheet
        options["show_source"] = show_source
    if name == "text":
        options["color"] = use_color(color, output)
        if output is None and sys.stdout.isatty():
            options["width"] = terminal_width()
    text = render(solutions, name, detail, **options)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    if pdf:
        from solver.pdf import compile_pdf

        check_folder(output)
        document = compile_pdf(text, output.stem)  # before writing anything: both files or neither
        write_atomically(output, text)
        write_atomically(output.with_suffix(".pdf"), document)
        # Translators: {tex} and {pdf} are file names
        wrote = tr("wrote {tex} and {pdf}", tex=output, pdf=output.with_suffix(".pdf"))
        sys.stderr.write(f"dlsolve: {wrote}\n")
        return
    write_atomically(output, text)


def check_folder(path: Path) -> Path:
    """The folder ``path`` is written into (a UsageError if it does not exist)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"-o {path}: " + tr("the folder {folder} does not exist", folder=folder))
    return folder


def new_file_mode(path: Path) -> int:
    """The permissions ``path`` gets when written: an existing file keeps its own, a new one gets
    what ``open()`` would give it (0666 less the umask)."""
    import stat

    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)  # the only portable way to read the umask is to set it
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to a temporary file beside ``path``, then rename it (never a partial file).
    The file gets the permissions a plain write would give it (see :func:`new_file_mode`)."""
    import tempfile

    folder = check_folder(path)
    mode = new_file_mode(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)  # mode 0600 until done
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

"""The ``dlsolve`` command line: one function per command, errors translated once at the edge.

Only the standard library, typer and rich are imported at start-up; everything else is imported
inside the command that needs it, so ``--help`` and ``lstm-params`` start fast.
"""


import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from solver import __version__
from solver.errors import EXIT_BAD_SPEC, EXIT_INTERRUPTED, EXIT_USAGE, DlsolveError, FieldError, UsageError

EXIT_INTERNAL = 4
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as the shell reports for a writer whose reader quit

EXIT_CODES = (
    "Exit codes: 0 solved · 1 no (unique) solution, or a check failed · 2 command-line usage · "
    "3 bad problem file · 4 internal error (a bug: please report it with the --debug output)."
)

app = typer.Typer(
    name="dlsolve",
    help="Solve deep-learning exam problems exactly, step by step.\n\n"
    "Examples:\n\n"
    "  dlsolve run problems/lstm.yaml\n\n"
    "  dlsolve run problems/*.yaml --pdf -o solutions.tex\n\n"
    "  dlsolve graph problems/graph-add-mul.yaml -o graph.png\n\n"
    "  dlsolve lstm-params --hidden 500 --input 300 --layers 2",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}


class Format(str, Enum):
    """Output formats."""

    text = "text"
    latex = "latex"
    markdown = "markdown"
    json = "json"


class Convention(str, Enum):
    """Bias conventions for recurrent layers."""

    textbook = "textbook"
    pytorch = "pytorch"
    keras = "keras"


class Sheet(str, Enum):
    """LaTeX documents: the worked solutions, or the exam (statements, given data, answer space)."""

    solution = "solution"
    exam = "exam"


SUFFIX_FORMATS = {".tex": Format.latex, ".md": Format.markdown, ".json": Format.json, ".txt": Format.text}

FormatOption = Annotated[
    Optional[Format],
    typer.Option("--format", "-f", help="Output format (default: text, or from the suffix of the -o file)."),
]
OutputOption = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", help="Write to this file instead of the terminal (only after a full success).",
                 dir_okay=False),
]
FragmentOption = Annotated[bool, typer.Option("--fragment", help="LaTeX: only the body, to \\input into your own document.")]
ColorOption = Annotated[
    Optional[bool], typer.Option("--color/--no-color", help="Colour the terminal text (default: when writing to a terminal).")
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dlsolve {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show Python tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Solve deep-learning exam problems exactly, step by step."""
    _state["debug"] = debug


@contextmanager
def _errors(option_names: dict[str, str] | None = None) -> Iterator[None]:
    """Turn every failure into one message on stderr and an exit code (tracebacks only with --debug)."""
    try:
        yield
    except FieldError as error:  # from a command-line shortcut: name the option
        if _state["debug"]:
            raise
        path = error.path[1:] if error.path[:1] == ("given",) else error.path  # the model built from the options
        field = str(path[0]) if path else ""
        option = (option_names or {}).get(field, "--" + field.replace("_", "-"))
        _fail(f"{option}: {error.message}", EXIT_USAGE)
    except DlsolveError as error:
        if _state["debug"]:
            raise
        _fail(error.message, error.exit_code)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except BrokenPipeError:  # the reader stopped early (`dlsolve run … | head`): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except Exception as error:  # a bug: say so plainly
        if _state["debug"]:
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (run with --debug for details)", EXIT_INTERNAL)


def _fail(message: str, code: int) -> None:
    prefix = "dlsolve: error: " if "\n" not in message else "dlsolve: errors:\n"
    sys.stderr.write(prefix + message + "\n")
    raise typer.Exit(code)


def _emit(solutions: list[Any], fmt: Format | None, output: Path | None, fragment: bool, color: bool | None,
          sheet: Sheet = Sheet.solution, pdf: bool = False) -> None:
    """Render and write: to ``output`` atomically, or to stdout; ``pdf``: also OUTPUT.pdf (both or neither)."""
    from solver.api import render

    fmt = _resolved_format(fmt, output)
    options: dict[str, Any] = {}
    if fmt is Format.latex:
        options["fragment"] = fragment
        options["sheet"] = sheet.value
    if fmt is Format.text:
        use_color = color if color is not None else (output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
        options["color"] = bool(use_color)
        if output is None and sys.stdout.isatty():
            options["width"] = max(60, min(os.get_terminal_size().columns, 100))
    text = render(solutions, fmt.value, **options)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    if pdf:
        from solver.pdf import compile_pdf

        _check_folder(output)
        document = compile_pdf(text, output.stem)  # before writing anything: both files or neither
        _write_atomically(output, text)
        _write_atomically(output.with_suffix(".pdf"), document)
        sys.stderr.write(f"dlsolve: wrote {output} and {output.with_suffix('.pdf')}\n")
        return
    _write_atomically(output, text)


def _resolved_format(fmt: Format | None, output: Path | None) -> Format:
    """The format asked for, else the one the -o suffix names, else text."""
    if fmt is None:
        return SUFFIX_FORMATS.get(output.suffix.lower(), Format.text) if output else Format.text
    return fmt


def _check_document_options(fmt: Format | None, output: Path | None, fragment: bool, sheet: Sheet, pdf: bool) -> None:
    """--sheet exam and --pdf need a LaTeX document (exit 2 before any solving otherwise)."""
    resolved = _resolved_format(fmt, output)
    if sheet is Sheet.exam and resolved is not Format.latex:
        raise UsageError(f"--sheet exam makes a LaTeX document: add --format latex (or -o FILE.tex), not {resolved.value}")
    if pdf:
        if resolved is not Format.latex or output is None:
            raise UsageError("--pdf compiles a LaTeX document: give -o FILE.tex (and --format latex if the suffix "
                             "is not .tex); the PDF is written next to it")
        if fragment:
            raise UsageError("--pdf needs a whole document: leave out --fragment")
        if output.suffix.lower() == ".pdf":
            raise UsageError(f"-o {output}: name the LaTeX file (FILE.tex); the PDF is written next to it")


def _check_folder(path: Path) -> Path:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"-o {path}: the folder {folder} does not exist")
    return folder


def _write_atomically(path: Path, text: str | bytes) -> None:
    import tempfile

    folder = _check_folder(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _Timeout(BaseException):
    """Raised by the --timeout alarm. A BaseException, like KeyboardInterrupt, so that no library's
    ``except Exception`` can swallow it in the middle of a computation."""


@contextmanager
def _time_limit(seconds: int, numeric: bool, where: Any) -> Iterator[None]:
    """Stop the solve cleanly after ``seconds`` (exit 1), naming the file being solved (``where()``)
    and suggesting --numeric for exact solves."""
    import signal

    from solver.errors import UnsolvableError

    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)  # and again every second, should one be lost
    try:
        yield
    except _Timeout:
        hint = "" if numeric else "; exact forms may be exploding: try --numeric"
        raise UnsolvableError(f"{where()}: the solve took longer than {seconds} s (--timeout){hint}") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _problem_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
            if not found:
                raise UsageError(f"{path}: no .yaml problem files in this folder")
            files += found
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file")
    return files


def _solve_files(files: list[Path], numeric: bool, timeout: int) -> list[Any]:
    """Load every problem of every file (all their errors at once), then solve them within ``timeout``."""
    from solver.api import solve_loaded
    from solver.errors import SpecError
    from solver.spec import load_file

    loaded, issues = [], []
    for path in _problem_files(files):
        try:
            loaded += load_file(path)
        except SpecError as error:
            issues += error.issues
    if issues:
        raise SpecError(issues)
    solutions: list[Any] = []
    with _time_limit(timeout, numeric, lambda: loaded[len(solutions)].document.file):
        for item in loaded:
            solutions.append(solve_loaded(item, numeric))
    return solutions


@app.command()
def run(
    files: Annotated[list[Path], typer.Argument(help="Problem files (YAML), or folders of them.", show_default=False, metavar="FILE...")],
    fmt: FormatOption = None,
    output: OutputOption = None,
    fragment: FragmentOption = False,
    color: ColorOption = None,
    numeric: Annotated[bool, typer.Option("--numeric", help="Floating point instead of exact arithmetic "
                                          "(for networks too large for exact forms).")] = False,
    timeout: Annotated[int, typer.Option("--timeout", min=0, help="Stop a solve that takes longer than this many "
                                         "seconds (0: no limit).")] = 120,
    sheet: Annotated[Sheet, typer.Option("--sheet", help="LaTeX: the solution sheet (steps, graphs, answers) or the "
                                         "exam sheet (statements, given data and answer space).")] = Sheet.solution,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also compile -o FILE.tex into FILE.pdf (latexmk, else pdflatex; "
                                      "exit 2 when neither is installed).")] = False,
) -> None:
    """Solve problem files and print the worked solutions.

    Examples:

      dlsolve run problems/lstm.yaml

      dlsolve run problems/fc-params.yaml --format json

      dlsolve run problems/ --format latex -o solutions.tex

      dlsolve run problems/*.yaml --pdf -o solutions.tex

      dlsolve run problems/*.yaml --sheet exam --pdf -o exam.tex
    """
    with _errors():
        _check_document_options(fmt, output, fragment, sheet, pdf)
        _emit(_solve_files(files, numeric, timeout), fmt, output, fragment, color, sheet, pdf)


@app.command("list")
def list_problems(
    folder: Annotated[Path, typer.Argument(help="Folder of problem files.", file_okay=False)] = Path("problems"),
) -> None:
    """List the problem bank: id, kind and title of every problem file.

    Example:

      dlsolve list problems
    """
    with _errors():
        from rich.console import Console
        from rich.table import Table

        from solver.errors import SpecError
        from solver.spec import load_file

        if not folder.is_dir():
            raise UsageError(f"{folder}: no such folder")
        table = Table(box=None, header_style="bold", pad_edge=False)
        for column in ("file", "id", "kind", "title"):
            table.add_column(column)
        invalid = 0
        for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
            try:
                for item in load_file(path):
                    table.add_row(path.name, item.problem.id, item.problem.kind, item.problem.title)
            except SpecError as error:
                invalid += 1
                table.add_row(path.name, "", "[red]invalid[/red]", str(error.issues[0]))
        Console(highlight=False, width=None if sys.stdout.isatty() else 200).print(table)  # no wrapping in pipes
        if invalid:
            raise typer.Exit(EXIT_BAD_SPEC)


# --- parameter-count shortcuts ---------------------------------------------------------------

HiddenOption = Annotated[int, typer.Option("--hidden", min=1, help="Hidden size h.", show_default=False)]
InputOption = Annotated[int, typer.Option("--input", min=1, help="Input size x of the first layer.", show_default=False)]
LayersOption = Annotated[int, typer.Option("--layers", min=1, help="Number of stacked layers.")]
BidirectionalOption = Annotated[bool, typer.Option("--bidirectional", help="Two directions per layer.")]
ConventionOption = Annotated[
    Convention,
    typer.Option("--convention", help="textbook: one bias vector per gate; pytorch: two (b_ih, b_hh); keras: as Keras counts."),
]


def _recurrent(model: str, hidden: int, input_size: int, layers: int, bidirectional: bool, convention: Convention,
               fmt: Format | None, output: Path | None, color: bool | None) -> None:
    with _errors({"input": "--input"}):
        from solver.api import solve
        from solver.kinds.params import CELL_NAMES, RecurrentNet
        from solver.kinds.params import problem as params_problem

        net = RecurrentNet(model, hidden, input_size, layers, bidirectional, convention.value)
        layer_words = f"{layers}-layer " if layers > 1 else ""
        title = f"Parameters of a {layer_words}{'bidirectional ' if bidirectional else ''}{CELL_NAMES[model]} " \
                f"(hidden {hidden}, input {input_size})"
        solution = solve(params_problem(net, f"{model}-params", title))
        _emit([solution], fmt, output, False, color)


def _recurrent_command(model: str, cell: str, example: str) -> Any:
    """The ``<model>-params`` command: one definition for RNN, LSTM and GRU."""

    def command(hidden: HiddenOption, input: InputOption, layers: LayersOption = 1,
                bidirectional: BidirectionalOption = False, convention: ConventionOption = Convention.textbook,
                fmt: FormatOption = None, output: OutputOption = None, color: ColorOption = None) -> None:
        _recurrent(model, hidden, input, layers, bidirectional, convention, fmt, output, color)

    command.__doc__ = f"""Count the parameters of a (stacked, optionally bidirectional) {cell}.

    Example:

      {example}
    """
    command.__name__ = f"{model}_params"
    return command


app.command("lstm-params")(_recurrent_command("lstm", "LSTM", "dlsolve lstm-params --hidden 500 --input 300 --layers 2"))
app.command("gru-params")(_recurrent_command("gru", "GRU", "dlsolve gru-params --hidden 128 --input 64 --convention pytorch"))
app.command("rnn-params")(_recurrent_command("rnn", "Elman RNN", "dlsolve rnn-params --hidden 20 --input 10 --layers 3"))


def _int_list(text: str, option: str, minimum: int = 1) -> tuple[int, ...]:
    try:
        items = tuple(int(part) for part in text.replace(" ", "").split(","))
    except ValueError:
        raise UsageError(f"{option}: expected comma-separated integers such as 3 or 3,5, got {text!r}") from None
    if not 1 <= len(items) or any(item < minimum for item in items):
        raise UsageError(f"{option}: every value must be at least {minimum}, got {text!r}")
    return items


@app.command("fc-params")
def fc_params(
    sizes: Annotated[str, typer.Option("--sizes", help="Layer sizes, input first, comma-separated.", show_default=False)],
    bias: Annotated[bool, typer.Option("--bias/--no-bias", help="Layers have bias vectors.")] = True,
    fmt: FormatOption = None,
    output: OutputOption = None,
    color: ColorOption = None,
) -> None:
    """Count the parameters of a fully connected network.

    Example (lecture slides):

      dlsolve fc-params --sizes 2,5,10,5,2
    """
    with _errors():
        from solver.api import solve
        from solver.kinds.params import DenseNet
        from solver.kinds.params import problem as params_problem

        layer_sizes = list(_int_list(sizes, "--sizes"))
        title = f"Parameters of a fully connected network {' → '.join(map(str, layer_sizes))}"
        solution = solve(params_problem(DenseNet("fc", layer_sizes, bias), "fc-params", title))
        _emit([solution], fmt, output, False, color)


@app.command("conv-params")
def conv_params(
    in_channels: Annotated[int, typer.Option("--in-channels", min=1, help="Input channels.", show_default=False)],
    out_channels: Annotated[int, typer.Option("--out-channels", min=1, help="Output channels (filters).", show_default=False)],
    kernel: Annotated[str, typer.Option("--kernel", help="Kernel size: 3, or one per dimension (3,5).", show_default=False)],
    input_size: Annotated[Optional[str], typer.Option("--input-size", help="Input size, e.g. 32,32, to derive the output size.")] = None,
    stride: Annotated[str, typer.Option("--stride", help="Stride (one, or one per dimension).")] = "1",
    padding: Annotated[str, typer.Option("--padding", help="valid, same, or zeros per side (one, or one per dimension).")] = "0",
    dilation: Annotated[str, typer.Option("--dilation", help="Dilation (one, or one per dimension).")] = "1",
    groups: Annotated[int, typer.Option("--groups", min=1, help="Channel groups.")] = 1,
    dims: Annotated[Optional[int], typer.Option("--dims", min=1, max=3, help="1, 2 or 3 spatial dimensions (default: from the lists given, else 2).")] = None,
    bias: Annotated[bool, typer.Option("--bias/--no-bias", help="One bias per output channel.")] = True,
    fmt: FormatOption = None,
    output: OutputOption = None,
    color: ColorOption = None,
) -> None:
    """Count the parameters of a convolution layer (and its output size with --input-size).

    Example:

      dlsolve conv-params --in-channels 3 --out-channels 16 --kernel 3 --input-size 32,32 --padding 1
    """
    with _errors():
        from solver.api import solve
        from solver.kinds.params import ConvLayer
        from solver.kinds.params import problem as params_problem

        def per_dim(text: str, option: str, minimum: int = 1) -> Any:
            items = _int_list(text, option, minimum)
            return items[0] if len(items) == 1 else items

        pad: Any = padding if padding in ("valid", "same") else per_dim(padding, "--padding", 0)
        layer = ConvLayer(
            "conv", in_channels, out_channels, per_dim(kernel, "--kernel"), dims, bias, groups,
            per_dim(input_size, "--input-size") if input_size else None,
            per_dim(stride, "--stride"), pad, per_dim(dilation, "--dilation"),
        )
        title = f"Parameters of a convolution layer ({in_channels} → {out_channels} channels, kernel {kernel})"
        solution = solve(params_problem(layer, "conv-params", title))
        _emit([solution], fmt, output, False, color)


# --- graph: computational-graph drawings (the command lives in solver/graph_command.py) ----------

from solver import graph_command as _graph_command  # noqa: E402  (typer and the standard library only)

app.command("graph")(_graph_command.graph)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)

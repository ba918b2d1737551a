"""The ``dlsolve graph`` command: the computational graphs of problem files as terminal text, Graphviz
DOT, TikZ, SVG or PNG (the last two through Graphviz's ``dot`` program).

Only typer and the standard library are imported here; the solver and renderers are imported when
the command runs (``solver.cli`` registers this command at start-up).
"""

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer


class GraphFormat(str, Enum):
    """Output formats of ``dlsolve graph``."""

    text = "text"
    dot = "dot"
    tikz = "tikz"
    svg = "svg"
    png = "png"


class Which(str, Enum):
    """Which picture: the forward pass, the backward pass, or both in one (the cs231n picture)."""

    forward = "forward"
    backward = "backward"
    both = "both"


SUFFIX_FORMATS = {".txt": GraphFormat.text, ".dot": GraphFormat.dot, ".gv": GraphFormat.dot,
                  ".tex": GraphFormat.tikz, ".svg": GraphFormat.svg, ".png": GraphFormat.png}
ONE_FILE_EACH = (GraphFormat.dot, GraphFormat.svg, GraphFormat.png)  # one graph per file with -o
DOT_TIMEOUT = 60  # seconds the dot program may take
PNG_DPI = 144
NO_GRAPH = "no computational graph (graphs are drawn for the kinds graph, rnn and gan)"
NO_BACKWARD = "no backward pass (no loss is differentiated)"
INSTALL_GRAPHVIZ = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), "
                    "or write --format dot and render it elsewhere")


def graph(
    files: Annotated[list[Path], typer.Argument(help="Problem files (YAML), or folders of them.", show_default=False,
                                                metavar="FILE...")],
    fmt: Annotated[Optional[GraphFormat], typer.Option(
        "--format", "-f", help="text, dot, tikz, svg or png (default: text, or from the suffix of the -o file: "
        ".txt .dot .gv .tex .svg .png). svg and png need Graphviz's dot program.")] = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", dir_okay=False, help="Write to this file (only after a full success). Several graphs in "
        "dot, svg or png: one file each, named OUT-<id>.<suffix>.")] = None,
    which: Annotated[Which, typer.Option(
        "--which", help="forward: values; backward: gradients, edges labelled local × upstream; both: values "
        "above, gradients below.")] = Which.both,
    color: Annotated[Optional[bool], typer.Option(
        "--color/--no-color", help="text: colour values and gradients (default: when writing to a terminal).")] = None,
    numeric: Annotated[bool, typer.Option("--numeric", help="Floating point instead of exact arithmetic.")] = False,
    timeout: Annotated[int, typer.Option("--timeout", min=0, help="Stop a solve that takes longer than this many "
                                         "seconds (0: no limit).")] = 120,
) -> None:
    """Draw the computational graphs of problem files: values forward, gradients backward.

    Every edge of the backward pass carries local × upstream; a node's gradient sums them.
    Problems without a graph (parameter counts, conv-inversion) are skipped with a note.
    Exit code 2 if no problem has a graph, or svg/png is asked and Graphviz's dot is missing.

    Examples:

      dlsolve graph problems/graph-add-mul.yaml

      dlsolve graph problems/sigmoid-neuron.yaml --format png -o neuron.png

      dlsolve graph problems/gan.yaml -o gan.svg    (two graphs: gan-gan-1.svg, …)

      dlsolve graph problems/norm-wx.yaml -f dot --which backward | dot -Tpdf -o b.pdf
    """
    from solver import cli

    with cli._errors():
        if fmt is None:
            fmt = SUFFIX_FORMATS.get(output.suffix.lower(), GraphFormat.text) if output else GraphFormat.text
        items = _drawings(cli, files, numeric, which.value, timeout)
        outputs = _render(items, fmt, output, which.value, color)
        if output is None:
            _to_stdout(outputs[0][1], fmt)
            return
        for path, data in outputs:
            _write_atomically(path, data)
        if len(outputs) > 1:
            sys.stderr.write(f"dlsolve: wrote {len(outputs)} files: {', '.join(str(p) for p, _ in outputs)}\n")


def _drawings(cli: Any, files: list[Path], numeric: bool, which: str, timeout: int) -> list[tuple[str, Any]]:
    """Solve the files; the (name, drawing) pairs to draw (a problem with several graphs: id-1, id-2, …)."""
    from solver.errors import UsageError
    from solver.render.graph_labels import has_gradients

    solutions = cli._solve_files(files, numeric, timeout)
    items, skipped = [], []
    for solution in solutions:
        drawings = [d for d in solution.drawings if which != "backward" or has_gradients(d)]
        if not drawings:
            skipped.append(solution)
        for i, drawing in enumerate(drawings):
            items.append((solution.id if len(drawings) == 1 else f"{solution.id}-{i + 1}", drawing))
    if not items:
        names = ", ".join(f"{s.id} (kind {s.kind})" for s in skipped)
        if which == "backward" and all(s.drawings for s in skipped):
            raise UsageError(f"{names}: {NO_BACKWARD}; try --which forward")
        raise UsageError(f"{names}: {NO_GRAPH}")
    for solution in skipped:
        reason = NO_BACKWARD if solution.drawings else NO_GRAPH
        sys.stderr.write(f"dlsolve: note: {solution.id} (kind {solution.kind}) has {reason}: skipped\n")
    return items


def _render(items: list[tuple[str, Any]], fmt: GraphFormat, output: Optional[Path], which: str,
            color: Optional[bool]) -> list[tuple[Optional[Path], bytes]]:
    """Everything to write, rendered in memory first (nothing is written if any of it fails)."""
    if fmt is GraphFormat.text:
        from solver.render import graph_text

        tty = output is None and sys.stdout.isatty()
        use_color = color if color is not None else (tty and "NO_COLOR" not in os.environ)
        width = max(60, min(os.get_terminal_size().columns, 100)) if tty else 80
        return [(output, graph_text.render(items, which, bool(use_color), width).encode())]
    if fmt is GraphFormat.tikz:
        return [(output, _tikz(items, which).encode())]
    from solver.render.dot import dot, dot_many

    if output is None or len(items) == 1 or fmt not in ONE_FILE_EACH:
        documents = [(output, dot(items[0][1], which, items[0][0]) if len(items) == 1 else dot_many(items, which))]
    else:
        documents = [(output.with_name(f"{output.stem}-{name}{output.suffix}"), dot(drawing, which, name))
                     for name, drawing in items]
    if fmt is GraphFormat.dot:
        return [(path, text.encode()) for path, text in documents]
    return [(path, run_dot(text, fmt.value)) for path, text in documents]


def run_dot(source: str, fmt: str) -> bytes:
    """Graphviz's ``dot -T<fmt>`` on DOT text (no shell); a clear UsageError when dot is not installed."""
    import shutil
    import subprocess

    from solver.errors import UsageError

    program = shutil.which("dot")
    if program is None:
        raise UsageError(f"--format {fmt} needs Graphviz's dot program, which is not installed (not found on "
                         f"PATH): {INSTALL_GRAPHVIZ}")
    args = [program, f"-T{fmt}"] + ([f"-Gdpi={PNG_DPI}"] if fmt == "png" else [])
    try:
        done = subprocess.run(args, input=source.encode(), capture_output=True, timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(f"dot took longer than {DOT_TIMEOUT} s to draw the graph; try --format dot") from None
    if done.returncode != 0:  # our DOT text is wrong: a bug
        raise RuntimeError(f"dot -T{fmt} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _tikz(items: list[tuple[str, Any]], which: str) -> str:
    """TikZ pictures from solver.render.tikz (written alongside the LaTeX sheets)."""
    import importlib.util

    from solver.errors import UsageError

    # solver.render.tikz (written in parallel for the LaTeX sheets) provides forward(drawing) and
    # backward(drawing) -> str; the guard keeps a clear message should it ever be left out.
    if importlib.util.find_spec("solver.render.tikz") is None:
        raise UsageError("--format tikz is not available in this version yet; use --format dot, svg or png")
    from solver.render import tikz

    pictures = ["% dlsolve graph: TikZ pictures; they need \\usepackage{graphicx,tikz} and "
                "\\usetikzlibrary{arrows.meta}"]
    for name, drawing in items:
        pictures.append(f"% {name}: {drawing.title}")
        if which in ("forward", "both"):
            pictures.append(tikz.forward(drawing).strip() + "\n\\par\\bigskip")
        if which in ("backward", "both"):
            pictures.append(tikz.backward(drawing).strip() + "\n\\par\\bigskip")
    return "\n\n".join(pictures) + "\n"


def _to_stdout(data: bytes, fmt: GraphFormat) -> None:
    from solver.errors import UsageError

    if fmt is GraphFormat.png and sys.stdout.isatty():
        raise UsageError("--format png writes binary data: use -o FILE.png (or redirect the output)")
    if fmt not in (GraphFormat.svg, GraphFormat.png):
        sys.stdout.write(data.decode())
        sys.stdout.flush()
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it (never a partial file)."""
    import tempfile

    from solver.errors import UsageError

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"-o {path}: the folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

"""``dlsolve graph``: the computational graphs of problem files as terminal text, Graphviz DOT, TikZ,
SVG or PNG (the last two through Graphviz's ``dot`` program).

Only typer and the standard library are imported at start-up; the solver and renderers are
imported when the command runs.
"""

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from solver.cli.plumbing import LangOption, handle_errors, solve_files, terminal_width, use_color, write_atomically
from solver.errors import UsageError
from solver.i18n import mark, tr
from solver.render import DEFAULT_FORMAT, GRAPH_FORMATS, GRAPH_SUFFIX_FORMATS

GraphFormat = Enum("GraphFormat", {name: name for name in GRAPH_FORMATS}, type=str)  # type: ignore[misc]
"""Output formats of ``dlsolve graph``: the graph formats of the registry in ``solver.render``."""


class Which(str, Enum):
    """Which picture: the forward pass, the backward pass, or both in one (the cs231n picture)."""

    forward = "forward"
    backward = "backward"
    both = "both"


ONE_FILE_EACH = ("dot", "svg", "png")  # one graph per file with -o
DOT_TIMEOUT = 60  # seconds the dot program may take
PNG_DPI = 144
NO_GRAPH = mark("no computational graph (graphs are drawn for the kinds graph, rnn and gan)")
NO_BACKWARD = mark("no backward pass (no loss is differentiated)")
FORMAT_HELP = (f"{', '.join(GRAPH_FORMATS[:-1])} or {GRAPH_FORMATS[-1]} (default: text, or from the suffix of the "
               f"-o file: {' '.join(GRAPH_SUFFIX_FORMATS)}). svg and png need Graphviz's dot program.")

Drawings = list[tuple[str, Any]]  # (name, solver.engine.drawing.Drawing) pairs


def graph(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Problem files (YAML), or folders of them.", show_default=False,
                                                metavar="FILE...")],
    fmt: Annotated[GraphFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP)] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", dir_okay=False, help="Write to this file (only after a full success). Several graphs in "
        "dot, svg or png: one file each, named OUT-<id>.<suffix>.")] = None,
    which: Annotated[Which, typer.Option(
        "--which", help="forward: values; backward: gradients, edges labelled local × upstream; both: values "
        "above, gradients below.")] = Which.both,
    color: Annotated[bool | None, typer.Option(
        "--color/--no-color", help="text: colour values and gradients (default: when writing to a terminal).")] = None,
    numeric: Annotated[bool, typer.Option("--numeric", help="Floating point instead of exact arithmetic.")] = False,
    timeout: Annotated[int, typer.Option("--timeout", min=0, help="Stop a solve that takes longer than this many "
                                         "seconds (0: no limit).")] = 120,
    lang: LangOption = None,
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
    with handle_errors(ctx):
        if fmt is not None:
            name = str(fmt.value)
        else:
            name = GRAPH_SUFFIX_FORMATS.get(output.suffix.lower(), DEFAULT_FORMAT) if output else DEFAULT_FORMAT
        items = _drawings(files, numeric, which.value, timeout)
        outputs = _render(items, name, output, which.value, color)
        if output is None:
            _to_stdout(outputs[0][1], name)
            return
        paths = [(path, data) for path, data in outputs if path is not None]  # all of them, with -o
        for path, data in paths:
            write_atomically(path, data)
        if len(paths) > 1:
            sys.stderr.write(f"dlsolve: wrote {len(paths)} files: {', '.join(str(p) for p, _ in paths)}\n")


def _drawings(files: list[Path], numeric: bool, which: str, timeout: int) -> Drawings:
    """Solve the files; the (name, drawing) pairs to draw (a problem with several graphs: id-1, id-2, …)."""
    from solver.render.graph_labels import has_gradients

    solutions = solve_files(files, numeric, timeout)
    items, skipped = [], []
    for solution in solutions:
        drawings = [d for d in solution.drawings if which != "backward" or has_gradients(d)]
        if not drawings:
            skipped.append(solution)
        for i, drawing in enumerate(drawings):
            items.append((solution.id if len(drawings) == 1 else f"{solution.id}-{i + 1}", drawing))
    if not items:
        # Translators: {id} is a problem's id, {kind} its kind such as params
        names = ", ".join(tr("{id} (kind {kind})", id=s.id, kind=s.kind) for s in skipped)
        if which == "backward" and all(s.drawings for s in skipped):
            # Translators: {reason} is "no backward pass (…)"
            raise UsageError(f"{names}: " + tr("{reason}; try --which forward", reason=tr(NO_BACKWARD)))
        raise UsageError(f"{names}: {tr(NO_GRAPH)}")
    for solution in skipped:
        reason = tr(NO_BACKWARD) if solution.drawings else tr(NO_GRAPH)
        # Translators: {reason} is "no computational graph (…)" or "no backward pass (…)"
        note = tr("{id} (kind {kind}) has {reason}: skipped", id=solution.id, kind=solution.kind, reason=reason)
        sys.stderr.write(f"dlsolve: note: {note}\n")
    return items


def _render(items: Drawings, fmt: str, output: Path | None, which: str,
            color: bool | None) -> list[tuple[Path | None, bytes]]:
    """Everything to write, rendered in memory first (nothing is written if any of it fails)."""
    if fmt == "text":
        from solver.render import graph_text

        tty = output is None and sys.stdout.isatty()
        width = terminal_width() if tty else 80
        return [(output, graph_text.render(items, which, use_color(color, output), width).encode())]
    if fmt == "tikz":
        return [(output, _tikz(items, which).encode())]
    from solver.render.dot import dot, dot_many

    documents: list[tuple[Path | None, str]]
    if output is None or len(items) == 1 or fmt not in ONE_FILE_EACH:
        documents = [(output, dot(items[0][1], which, items[0][0]) if len(items) == 1 else dot_many(items, which))]
    else:
        documents = [(output.with_name(f"{output.stem}-{name}{output.suffix}"), dot(drawing, which, name))
                     for name, drawing in items]
    if fmt == "dot":
        return [(path, text.encode()) for path, text in documents]
    return [(path, run_dot(text, fmt)) for path, text in documents]


def run_dot(source: str, fmt: str) -> bytes:
    """Graphviz's ``dot -T<fmt>`` on DOT text (no shell); a clear UsageError when dot is not installed."""
    import shutil
    import subprocess


    program = shutil.which("dot")
    if program is None:
        raise UsageError(f"--format {fmt}: " + tr(
            "needs Graphviz's dot program, which is not installed (not found on PATH): install Graphviz "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), or write --format dot and "
            "render it elsewhere"))
    args = [program, f"-T{fmt}"] + ([f"-Gdpi={PNG_DPI}"] if fmt == "png" else [])
    try:
        done = subprocess.run(args, input=source.encode(), capture_output=True, timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(tr("dot took longer than {seconds} s to draw the graph; try --format dot",
                            seconds=DOT_TIMEOUT)) from None
    if done.returncode != 0:  # our DOT text is wrong: a bug
        raise RuntimeError(f"dot -T{fmt} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _tikz(items: Drawings, which: str) -> str:
    """TikZ pictures from solver.render.tikz (written alongside the LaTeX sheets)."""
    from solver.render import tikz

    pictures = ["% dlsolve graph: TikZ pictures; they need \\usepackage{amsmath,graphicx,tikz} and "
                "\\usetikzlibrary{arrows.meta}. Each is scaled down to the line width where it is wider.",
                tikz.FIT_MACRO]
    for name, drawing in items:
        pictures.append(f"% {name}: {drawing.title}")
        if which in ("forward", "both"):
            pictures.append(tikz.fitted(tikz.forward(drawing).strip()) + "\n\\par\\bigskip")
        if which in ("backward", "both"):
            pictures.append(tikz.fitted(tikz.backward(drawing).strip()) + "\n\\par\\bigskip")
    return "\n\n".join(pictures) + "\n"


def _to_stdout(data: bytes, fmt: str) -> None:

    if fmt == "png" and sys.stdout.isatty():
        raise UsageError(tr("--format png writes binary data: use -o FILE.png (or redirect the output)"))
    if fmt not in ("svg", "png"):
        sys.stdout.write(data.decode())
        sys.stdout.flush()
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()

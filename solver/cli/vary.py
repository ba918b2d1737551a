"""``dlsolve vary``: reproducible randomized variants of a problem, with an answer key."""

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer

from solver.cli.plumbing import LangOption, handle_errors
from solver.errors import UsageError
from solver.i18n import tr


class VaryFormat(str, Enum):
    """What ``dlsolve vary`` writes besides the variants' problem files and the key."""

    files = "files"
    moodle = "moodle"


class Exports(NamedTuple):
    """The documents made from the variants: Moodle XML (in a category), PDF books, PDFs per variant."""

    moodle: bool = False
    category: str | None = None
    pdf: bool = False
    pdf_each: bool = False


def vary(
    ctx: typer.Context,
    spec: Annotated[Path, typer.Argument(help="A problem file with a vary: section.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The folder to write the variants and the key "
                                         "into (created; files of the same names are replaced).",
                                         file_okay=False)],
    count: Annotated[int | None, typer.Option("--count", "-n", min=1, help="How many variants (keys 1, 2, …).")]
    = None,
    seed: Annotated[int, typer.Option("--seed", "-s", help="The seed: the same seed gives the same variants.")] = 0,
    roster: Annotated[Path | None, typer.Option("--roster", help="A CSV file with a column 'id': one variant per "
                                                "student, keyed by the id.", dir_okay=False)] = None,
    only: Annotated[str | None, typer.Option("--only", help="Write just the variant of this key (the same bytes "
                                             "as in the whole run).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
    shard: Annotated[str | None, typer.Option("--shard", help="i/n: only the i-th of n contiguous slices of the "
                                              "variants; the shards' key files concatenate to the whole key.")]
    = None,
    report: Annotated[bool, typer.Option("--report", help="Print the draws each constraint rejected (of a shard's own "
                                        "variants: the shards' figures add up to the whole run's).")] = False,
    fmt: Annotated[VaryFormat, typer.Option("--format", "-f", help="files: the variants and the key; moodle: "
                                            "also DIR/moodle.xml, one question per variant.")] = VaryFormat.files,
    category: Annotated[str | None, typer.Option("--category", help="The Moodle question category (default: the "
                                                 "problem's title).")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also DIR/exams.pdf and DIR/solutions.pdf: a section per "
                                      "variant (exam sheet; worked solution), compiled --jobs at a time.")] = False,
    pdf_each: Annotated[bool, typer.Option("--pdf-each", help="Also one exam and one solution PDF per variant: "
                                           "DIR/exam-<key>.pdf, DIR/solution-<key>.pdf.")] = False,
    lang: LangOption = None,
) -> None:
    """Write reproducible randomized variants of a problem and their answer key.

    Each variant is a problem file DIR/<id>-<key>.yaml.

    DIR/key.csv and DIR/key.json hold every answer, exact and decimal.

    The same problem, seed and keys give the same bytes, with any --jobs or --shard.

    Examples:

      dlsolve vary problems/multihead.yaml --count 30 --seed 2026 -o variants/

      dlsolve vary problems/rnn.yaml --roster students.csv --seed 7 -o rnn/

      dlsolve vary problems/rnn.yaml --roster students.csv -s 7 --only s1042 -o again/

      dlsolve vary problems/multihead.yaml -n 1000 -s 1 --jobs 4 --report -o course/

      dlsolve vary problems/multihead.yaml -n 1000 -s 1 --shard 3/10 -o shard3/

      dlsolve vary problems/multihead.yaml -n 30 -s 2026 --format moodle --category "DL/Midterm" --pdf -o exam/
    """
    with handle_errors(ctx):
        parts = _shard(shard)
        if only is not None and parts is not None:
            raise UsageError(tr("--only and --shard: give one or the other"))
        if not spec.is_file():
            raise UsageError(f"{spec}: " + tr("no such file"))
        keys = _roster(roster) if roster is not None else None
        exports = Exports(fmt is VaryFormat.moodle, category, pdf, pdf_each)
        _write(spec, output, count, seed, keys, only, jobs, parts, report, exports)


def _write(spec: Path, output: Path, count: int | None, seed: int, keys: list[str] | None, only: str | None,
           jobs: int, shard: tuple[int, int] | None, report: bool, exports: Exports) -> None:
    from solver.spec import load_file
    from solver.vary import batch, shard_range
    from solver.vary.key import csv_text, json_text

    varying = [loaded for loaded in load_file(spec) if loaded.vary is not None]
    if len(varying) != 1:
        message = tr("expected one problem with a vary: section, found {count}", count=len(varying))
        raise UsageError(f"{spec}: {message}")
    total = len(keys) if keys is not None else (count or 0)
    if shard is not None and shard[1] <= total:  # the bar counts the slice's keys: a shard solves only those
        start, end = shard_range(total, shard)
        total = end - start
    with _progress(1 if only is not None else total) as advance:
        found = batch(varying[0], count, seed, keys, jobs, shard, only, advance)
    files = {variant.file_name: variant.text for variant in found.variants}
    if only is None:
        files["key.csv"] = csv_text(found)
        files["key.json"] = json_text(found)
    files.update(_documents(found.variants, varying[0].problem.title, exports))
    _write_folder(output, files, jobs)
    if report:
        _report(found.rejected, found.draws, len(found.variants))
    documents = [name for name in ("moodle.xml", "exams.pdf", "solutions.pdf") if name in files or
                 name[:-4] + ".tex" in files]
    documents += [tr("a PDF exam and solution per variant")] if exports.pdf_each else []
    also = ", ".join((["key.csv", "key.json"] if only is None else []) + documents)
    count = len(found.variants)
    # Translators: {count} variants, {files} lists files such as "key.csv, key.json", {folder} is a folder
    wrote = (tr("wrote {count} variant(s) and {files} to {folder}", count=count, files=also, folder=output) if also
             else tr("wrote {count} variant(s) to {folder}", count=count, folder=output))
    sys.stderr.write(f"dlsolve: {wrote}\n")


def _shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    i, _, n = text.partition("/")
    if not (i.isdigit() and n.isdigit()) or not 1 <= int(i) <= int(n):
        raise UsageError(f"--shard {text}: " + tr("expected i/n with 1 ≤ i ≤ n, such as 2/8"))
    return int(i), int(n)


def _roster(path: Path) -> list[str]:
    import csv

    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise UsageError(f"--roster {path}: " + tr("cannot read it: {reason}", reason=error)) from None
    if not rows or "id" not in rows[0]:
        raise UsageError(f"--roster {path}: " + tr("expected a CSV file with a header row holding the column 'id' "
                                                   "and a row per student"))
    ids = [(row.get("id") or "").strip() for row in rows]
    for number, key in enumerate(ids, 2):
        if not key or not all(c.isalnum() or c in "-_." for c in key):
            raise UsageError(f"--roster {path}: " + tr("line {line}: expected an id of letters, digits, '-', '_' or "
                                                       "'.', got {value}", line=number, value=repr(key)))
    return ids


def _documents(variants: Any, title: str, exports: Exports) -> dict[str, str]:
    """The Moodle XML and the LaTeX sheets of the variants, by file name (a .tex is compiled to its PDF)."""
    files = {}
    if exports.moodle:
        from solver.export.moodle import moodle_xml

        files["moodle.xml"] = moodle_xml(variants, exports.category or title)
    if exports.pdf or exports.pdf_each:
        from solver.export.sheets import exam_book, exam_documents, solution_book, solution_documents

        if exports.pdf:
            files["exams.tex"] = exam_book(variants)
            files["solutions.tex"] = solution_book(variants)
        if exports.pdf_each:
            files.update({f"exam-{key}.tex": text for key, text in exam_documents(variants).items()})
            files.update({f"solution-{key}.tex": text for key, text in solution_documents(variants).items()})
    return files


def _write_folder(output: Path, files: dict[str, str], jobs: int = 1) -> None:
    """Write every file into a new temporary folder beside ``output`` and compile its .tex files to PDF
    (``jobs`` at a time), then move them all in (all or nothing)."""
    import os
    import shutil
    import tempfile

    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"-o {output}: " + tr("the folder {folder} does not exist", folder=parent))
    if output.exists() and not output.is_dir():
        raise UsageError(f"-o {output}: " + tr("not a folder"))
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=parent))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        sheets = [(name, staging / name) for name in files if name.endswith(".tex")]
        if sheets:
            from solver.export.sheets import compile_pdfs

            compile_pdfs(sheets, jobs)
        names = [*files, *(name[:-len(".tex")] + ".pdf" for name, _ in sheets)]
        output.mkdir(exist_ok=True)
        for name in names:
            os.replace(staging / name, output / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _report(rejected: dict[str, int], draws: int, made: int) -> None:
    from solver.vary.checks import NAMES

    lines = [tr("{made} variant(s) from {draws} draws; draws rejected per constraint:", made=made, draws=draws)]
    lines += [f"  {name:<20} {rejected.get(name, 0):>6}" for name in NAMES]
    sys.stderr.write("\n".join(lines) + "\n")


class _progress:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""

    def __init__(self, total: int):
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty() or self.total < 2:
            return None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("variants", total=self.total)
        return lambda done: self.bar.advance(task, done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

"""Per-student LaTeX documents from the existing renderers: exam sheets (statement and given data,
room to answer) and solution sheets, each headed by the student's key and variant hash (also in every
page's header), either one document with a section per student or one document per student; and a
parallel compile of many ``.tex`` files to PDF that writes every PDF or none."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from pathlib import Path
from typing import Any

from solver.export import Item, as_items
from solver.i18n import tr
from solver.render.prose import escape_text
from solver.trace import Solution

BEGIN = "\\begin{document}"


def exam_book(items: Iterable[Any], show_source: bool = False) -> str:
    """One LaTeX document with every student's exam sheet, each starting on a new page."""
    return _book(as_items(items), exam=True, detail="standard", show_source=show_source)


def solution_book(items: Iterable[Any], detail: str = "standard") -> str:
    """One LaTeX document with every student's worked solution, each starting on a new page."""
    return _book(as_items(items), exam=False, detail=detail, show_source=False)


def exam_documents(items: Iterable[Any], show_source: bool = False) -> dict[str, str]:
    """One LaTeX exam sheet per student, by key."""
    return {item.key: _book([item], True, "standard", show_source) for item in as_items(items)}


def solution_documents(items: Iterable[Any], detail: str = "standard") -> dict[str, str]:
    """One LaTeX solution sheet per student, by key."""
    return {item.key: _book([item], False, detail, False) for item in as_items(items)}


def heading(item: Item, exam: bool) -> str:
    """The LaTeX that opens a student's section: the key and variant hash, in the page header too."""
    key = escape_text(item.key)
    # Translators: {hash} is a variant's short hash such as 3f2a9c (set in typewriter type)
    variant = "\\quad " + tr("variant {hash}", hash="\\texttt{" + escape_text(item.hash) + "}") if item.hash else ""
    title = escape_text(tr("Exam") if exam else tr("Worked solution"))
    name = f"\\par\\medskip {escape_text(tr('Name:'))} \\rule{{6cm}}{{0.4pt}}" if exam else ""
    # Translators: {key} is a student's key (an id such as s1042, set in typewriter type)
    student = tr("Student {key}", key="\\texttt{" + key + "}")
    return (f"\\markright{{{student}{variant}}}\n\\begin{{center}}\n"
            f"{{\\LARGE\\bfseries {title}}}\\par\\medskip\n{student}{variant}{name}\n"
            f"\\end{{center}}\n\\bigskip\n")


def _book(items: list[Item], exam: bool, detail: str, show_source: bool) -> str:
    from solver.api import render

    if not items:
        raise ValueError("no items: a document needs at least one student")
    options: dict[str, Any] = {"sheet": "exam", "show_source": show_source} if exam else {}
    solutions = [item.solution for item in items]
    parts = [_preamble(solutions, exam), "\\pagestyle{myheadings}\n"]
    for i, item in enumerate(items):
        if i:
            parts.append("\\clearpage\n")
        parts.append(heading(item, exam))
        parts.append(render([item.solution], "latex", detail=detail, fragment=True, **options))
    return "".join(parts) + "\\end{document}\n"


def _preamble(solutions: list[Solution], exam: bool) -> str:
    """The renderer's own preamble, up to ``\\begin{document}``: a solution sheet's loads TikZ when
    some solution has a graph, so it is taken from an empty sheet of such a solution."""
    from solver.api import render

    drawn = next((s for s in solutions if s.drawings), solutions[0])
    stub = replace(drawn, given=(), steps=(), answers=())
    full = render([stub], "latex", sheet="exam") if exam else render([stub], "latex")
    return full[: full.index(BEGIN) + len(BEGIN)] + "\n"


def compile_pdfs(sources: Sequence[tuple[str, Path]], jobs: int = 2) -> list[Path]:
    """Compile ``(key, file.tex)`` pairs to ``file.pdf`` beside each, ``jobs`` at a time (pdflatex or
    latexmk through :func:`solver.pdf.compile_pdf`, each in its own temporary folder). Every PDF is
    written or none: when one fails the others are stopped and a LatexError names the student's key."""
    from solver.pdf import LatexError

    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    for i, name in ((0, "key"), (1, "file")):
        seen = [pair[i] for pair in sources]
        twice = next((x for x in seen if seen.count(x) > 1), None)
        if twice is not None:
            raise ValueError(f"the {name} {str(twice)!r} occurs twice")
    staged: dict[str, Path] = {}
    umask = os.umask(0)
    os.umask(umask)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures: dict[Future[Path], str] = {pool.submit(_compile_one, tex, 0o666 & ~umask): key
                                            for key, tex in sources}
        _finished, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        wait(pending)
        failed = next((f for f in futures if f.done() and not f.cancelled() and f.exception()), None)
        for future, key in futures.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                staged[key] = future.result()
    if failed is not None:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
        error = failed.exception()
        if isinstance(error, LatexError):
            raise LatexError(f"student {futures[failed]}: {error.message}", error.exit_code) from error
        raise RuntimeError(f"student {futures[failed]}: {error}") from error
    written = []
    for key, tex in sources:
        os.replace(staged[key], tex.with_suffix(".pdf"))
        written.append(tex.with_suffix(".pdf"))
    return written


def _compile_one(tex: Path, mode: int) -> Path:
    """Compile one file; its PDF is written to a hidden temporary file beside it (renamed later) with
    the permissions a plain write would give it."""
    import tempfile

    from solver.pdf import compile_pdf

    data = compile_pdf(tex.read_text(encoding="utf-8"), tex.stem)
    handle, temporary = tempfile.mkstemp(prefix=f".{tex.stem}.", suffix=".pdf.part", dir=tex.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.chmod(temporary, mode)
    return Path(temporary)

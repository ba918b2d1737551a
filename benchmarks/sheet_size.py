"""How long the solution sheets are: per problem and for the whole bank, at each detail level, the
pages of the LaTeX solution sheet compiled with pdflatex (through ``solver.pdf``) and the lines of
terminal text at 80 columns. A measure to read, not a test (issue 14 asks for at most 70 pages for
the bank at the default detail, 10 for the GAN, and 300 text lines for ``lstm-step``).

Run: python benchmarks/sheet_size.py [FILE-OR-FOLDER ...] [--levels brief,standard,full] [--no-pdf]

    python benchmarks/sheet_size.py                      # problems/, every level, pages and lines
    python benchmarks/sheet_size.py problems/gan.yaml    # one problem (and its own "bank" row)
    python benchmarks/sheet_size.py --no-pdf             # text lines only (no TeX needed, seconds)

Pages need latexmk or pdflatex, and pdfinfo (poppler-utils) to count them; without an engine the
page columns show "-". Each problem is solved once; every level prunes the same trace.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEVELS = ("brief", "standard", "full")
WIDTH = 80


def page_count(pdf: bytes) -> int:
    """The pages of a PDF: pdfinfo's count, else the page objects found in the file."""
    if shutil.which("pdfinfo"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf)
            handle.flush()
            info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=True).stdout
        found = re.search(r"Pages:\s+(\d+)", info)
        if found:
            return int(found.group(1))
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def pages(solutions: list, level: str) -> int | None:
    """Pages of the solution sheet of ``solutions`` at ``level`` (None without a TeX engine)."""
    from solver import api, pdf

    if pdf.engine() is None:
        return None
    return page_count(pdf.compile_pdf(api.render(solutions, "latex", level), "sheet"))


def lines(solutions: list, level: str) -> int:
    """Lines of the terminal text of ``solutions`` at ``level``, ``WIDTH`` columns wide."""
    from solver import api

    return len(api.render(solutions, "text", level, width=WIDTH).splitlines())


def measure(name: str, solutions: list, levels: tuple[str, ...], with_pdf: bool) -> list[str]:
    """One row of the table: the name, then pages and lines per level."""
    counts = [pages(solutions, level) if with_pdf else None for level in levels]
    row = [name] + ["-" if count is None else str(count) for count in counts]
    return row + [str(lines(solutions, level)) for level in levels]


def main() -> None:
    """Print the table: per problem, then the bank (all problems in one document)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "problems"])
    parser.add_argument("--levels", default=",".join(LEVELS), help="comma-separated detail levels")
    parser.add_argument("--no-pdf", action="store_true", help="count text lines only")
    args = parser.parse_args()
    levels = tuple(args.levels.split(","))

    from solver import api
    from solver.cli.plumbing import problem_files
    from solver.spec import load_file

    bank = []
    header = ["problem"] + [f"pages {level}" for level in levels] + [f"lines {level}" for level in levels]
    widths = [max(18, len(header[0]))] + [len(cell) for cell in header[1:]]

    def show(row: list[str]) -> None:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))),
              flush=True)

    show(header)
    for path in problem_files(args.paths):
        solutions = [api.solve_loaded(loaded) for loaded in load_file(path)]
        bank += solutions
        show(measure(path.stem, solutions, levels, not args.no_pdf))
    show(measure("bank", bank, levels, not args.no_pdf))


if __name__ == "__main__":
    main()

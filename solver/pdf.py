"""Compile a LaTeX document into a PDF with latexmk or pdflatex, in a temporary folder.

Nothing is left behind: the PDF's bytes are returned and the caller writes them atomically. A
missing engine, or a missing LaTeX package, is the environment's fault (exit 2); any other LaTeX
error is dlsolve's (exit 4: its output should always compile).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from solver.errors import EXIT_USAGE, DlsolveError

EXIT_LATEX_BUG = 4
TIMEOUT = 300  # seconds per engine run
INSTALL_HINT = ("install a TeX distribution (on Debian: apt-get install texlive-latex-base "
                "texlive-latex-recommended texlive-pictures lmodern)")


class LatexError(DlsolveError):
    """The PDF could not be made: no engine (exit 2), a missing package (2) or a LaTeX error (4)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def engine() -> list[str] | None:
    """The command that compiles: latexmk (-pdf) if installed, else pdflatex; None if neither is."""
    if shutil.which("latexmk"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
    return None


def compile_pdf(tex: str, name: str = "document") -> bytes:
    """The PDF of the LaTeX document ``tex`` (raises LatexError with the log's first error)."""
    command = engine()
    if command is None:
        raise LatexError(f"--pdf needs latexmk or pdflatex, and neither is installed: {INSTALL_HINT}", EXIT_USAGE)
    with tempfile.TemporaryDirectory(prefix="dlsolve-pdf-") as folder:
        source = Path(folder) / f"{name}.tex"
        source.write_text(tex, encoding="utf-8")
        runs = 1 if command[0] == "latexmk" else 2  # pdflatex: a second run only if the log asks for it
        for _attempt in range(runs):
            try:
                done = subprocess.run([*command, source.name], cwd=folder, capture_output=True, text=True,
                                      errors="replace", timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise LatexError(f"{command[0]} took longer than {TIMEOUT} s; no PDF written", EXIT_LATEX_BUG) from None
            log_file = source.with_suffix(".log")
            log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else done.stdout
            pdf = source.with_suffix(".pdf")
            if done.returncode != 0 or not pdf.exists():
                raise _failure(command[0], log)
            if "Rerun to get" not in log:
                break
        return pdf.read_bytes()


def first_error(log: str) -> str:
    """The first error line of a LaTeX log (``! …`` or ``file:line: …``), else its last line."""
    for line in log.splitlines():
        if line.startswith("!") or re.match(r"^[^:\s]+\.tex:\d+: ", line):
            return line.strip()
    lines = [line for line in log.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no log)"


def _failure(program: str, log: str) -> LatexError:
    error = first_error(log)
    if re.search(r"File `[^']+' not found", error):
        return LatexError(f"{program} failed, a LaTeX package is missing ({INSTALL_HINT}): {error}", EXIT_USAGE)
    return LatexError(f"{program} failed (a dlsolve bug: please report it); no files written. "
                      f"First error: {error}", EXIT_LATEX_BUG)

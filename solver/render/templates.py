"""Find and load the Jinja2 templates, installed (solver/templates) or in a checkout (templates/)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from solver.i18n import tr

_PLACEHOLDER = re.compile(r"(\{\w+\})")

PACKAGE = Path(__file__).resolve().parent.parent


def templates_dir() -> Path:
    """The templates folder: inside the installed package, else the checkout's top-level one."""
    for candidate in (PACKAGE / "templates", PACKAGE.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("dlsolve's templates folder is missing from the installation")


@cache
def environment(latex: bool) -> Any:
    """A Jinja2 environment; LaTeX templates use ``((* *))``/``((( )))`` so braces stay TeX's."""
    import jinja2

    options: dict[str, Any] = dict(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    if latex:
        options.update(
            block_start_string="((*",
            block_end_string="*))",
            variable_start_string="(((",
            variable_end_string=")))",
            comment_start_string="((=",
            comment_end_string="=))",
        )
    env = jinja2.Environment(**options)
    env.tests["tall"] = tall
    env.globals["tr"] = latex_tr if latex else tr  # headings in the current language: ((( tr("Answers") )))
    return env


def tall(latex: str) -> bool:
    """Whether a LaTeX formula is taller than a line of text (a matrix, a fraction)."""
    return any(mark in latex for mark in ("\\begin", "\\frac", "\\\\"))


def latex_tr(message: str, /, **values: Any) -> str:
    """:func:`~solver.i18n.tr` for LaTeX templates: the translated words escaped for LaTeX, then the
    ``{placeholders}`` filled with ``values`` (LaTeX already)."""
    from solver.render.prose import escape_text

    template = "".join(piece if _PLACEHOLDER.fullmatch(piece) else escape_text(piece)
                       for piece in _PLACEHOLDER.split(tr(message)))
    return template.format(**values) if values else template

"""The language of the prose: message catalogs, the current language, and the decimal comma.

Every sentence dlsolve writes for a reader (step titles, notes, conventions, answer descriptions,
sheet headings, error messages) is an English message marked for translation:

- ``tr("Backward pass")`` translates at once, into the current language;
- ``tr("Round {n}: solve {names}", n=2, names="x, y")`` translates the template, then fills it: a
  translation may put the placeholders in any order, and ``str.format`` never evaluates anything;
- ``ntr("{n} equation", "{n} equations", n)`` picks the plural form the language needs (Russian and
  the South Slavic languages have three);
- ``phrase(ntemplate(singular, plural, n), …)``: the plural form as a template for prose with values;
- ``mark("…")`` only marks a message for the catalogs (a module-level table, read before any language
  is chosen); it is translated where it is used, with ``tr(text)``.

Catalogs are gettext ``.mo`` files compiled by Babel from ``solver/locale/<lang>/LC_MESSAGES/dlsolve.po``
(docs/architecture.md, "Languages"); the standard library reads them, so nothing is imported at start-up.
The language is a context variable: ``using("hr")`` around a solve and its rendering; the command line
sets it from ``--lang`` or ``DLSOLVE_LANG``.
"""

from __future__ import annotations

import contextvars
import gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES: dict[str, str] = {"en": "English", "hr": "hrvatski", "sr": "srpski (latinica)", "ru": "русский"}
"""The languages of the prose, by code, each named in itself."""

DEFAULT = "en"
DOMAIN = "dlsolve"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENVIRONMENT = "DLSOLVE_LANG"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("dlsolve_language", default=None)


def checked(code: str) -> str:
    """A language code as given (``hr``, ``HR``, ``hr_HR.UTF-8``) made one of LANGUAGES; ValueError otherwise."""
    short = code.strip().split(".")[0].split("_")[0].split("-")[0].lower()
    if short not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; dlsolve writes {', '.join(LANGUAGES)}")
    return short


def language() -> str:
    """The current language: the innermost ``using``, else ``DLSOLVE_LANG``, else English."""
    chosen = _current.get()
    if chosen is not None:
        return chosen
    return checked(os.environ.get(ENVIRONMENT) or DEFAULT)


@contextmanager
def using(code: str | None) -> Iterator[str]:
    """Write prose in ``code`` inside the block (None: keep the current language)."""
    token = _current.set(checked(code) if code is not None else language())
    try:
        yield _current.get() or DEFAULT
    finally:
        _current.reset(token)


def set_language(code: str | None) -> None:
    """Choose the language for the rest of this context (the command line, once per process)."""
    _current.set(checked(code) if code is not None else None)


@cache
def catalog(code: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (English: the messages themselves)."""
    if code == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[code], fallback=True)


def mark(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it (translate it later with ``tr``)."""
    return message


def tr(message: str, /, **values: Any) -> str:
    """``message`` in the current language, its ``{placeholders}`` filled with ``values``."""
    text = message if language() == DEFAULT else catalog(language()).gettext(message)
    return text.format(**values) if values else text


def ntemplate(singular: str, plural: str, n: int, /) -> str:
    """The form of ``singular``/``plural`` that ``n`` takes, translated but not filled (for ``trace.phrase``)."""
    code = language()
    return (singular if n == 1 else plural) if code == DEFAULT else catalog(code).ngettext(singular, plural, n)


def ntr(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """The form of ``singular``/``plural`` that ``n`` takes in the current language, filled with ``n``, ``values``."""
    return ntemplate(singular, plural, n).format(n=n, **values)


DIGIT_GROUP = "\u202f"
"""How hr, sr and ru group digits (a narrow no-break space, 3 604 000): a comma is their decimal mark."""


def prose_number(number: str) -> str:
    """A formatted number for prose (``0.25``, ``2.5e-10``, ``1,602,000``) as the language writes it: in hr,
    sr and ru a decimal comma and digits grouped by narrow spaces. Formulas keep the point."""
    return number if language() == DEFAULT else number.translate({ord("."): ",", ord(","): DIGIT_GROUP})


def grouped(number: int) -> str:
    """An integer with its digits grouped as the language writes them: 3,604,000 in English, 3 604 000
    (narrow no-break spaces) in hr, sr and ru, where 3,604 would read as a decimal."""
    return f"{number:,}" if language() == DEFAULT else f"{number:,}".replace(",", DIGIT_GROUP)

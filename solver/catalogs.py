"""Maintain the message catalogs (a tool for developers and translators; needs Babel, a test extra).

    python -m solver.catalogs update    # extract the messages, merge them into every .po, compile the .mo files
    python -m solver.catalogs check     # list the messages a language lacks (exit 1 if any)

Messages are the first argument of ``tr``/``mark`` and the first two of ``ntr`` in ``solver/**.py`` and the
Jinja2 templates; a ``# Translators:`` comment just above a call reaches the translators.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from solver import __version__
from solver.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR
from solver.render.templates import templates_dir

KEYWORDS: dict[str, Any] = {"tr": None, "mark": None, "ntr": (1, 2), "ntemplate": (1, 2)}
COMMENT_TAGS = ["Translators:"]
PACKAGE = Path(__file__).resolve().parent
LATEX_DELIMITERS = {"block_start_string": "((*", "block_end_string": "*))", "variable_start_string": "(((",
                    "variable_end_string": ")))", "comment_start_string": "((=", "comment_end_string": "=))",
                    "trim_blocks": "true", "lstrip_blocks": "true"}
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


def sources() -> Iterator[tuple[Path, str]]:
    """Every file that holds messages, with its Babel extraction method."""
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, "python"
    for path in sorted(templates_dir().glob("*.j2")):
        yield path, "jinja2"


def extract() -> Any:
    """A Babel catalog of every message in the sources (the template of the .po files)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract as babel_extract

    template = Catalog(project="dlsolve", domain=DOMAIN, charset="utf-8")
    root = PACKAGE.parent
    for path, method in sources():
        options = LATEX_DELIMITERS if path.name.endswith(".tex.j2") else {}
        # Babel warns of every f-string inside a call, even in a value (tr("{shape}", shape=f"{m}×{n}")); a
        # message itself is never one (tests/test_languages.py reads every call), so the warnings are noise
        with path.open("rb") as handle, contextlib.redirect_stderr(io.StringIO()):
            found = list(babel_extract(method, handle, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
                                       options=options))
            for line, message, comments, context in found:
                where = path.relative_to(root) if path.is_relative_to(root) else path
                template.add(message, locations=[(str(where), line)], auto_comments=comments, context=context)
    return template


def po_path(code: str) -> Path:
    """The .po file of a language."""
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(code: str) -> Any:
    """The Babel catalog of a language's .po file (empty if there is none yet)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    path = po_path(code)
    if not path.exists():
        return Catalog(locale=code, domain=DOMAIN, charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=code, domain=DOMAIN)


def compiled(catalog: Any) -> bytes:
    """The .mo bytes of a catalog (fuzzy entries left out, as gettext would)."""
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def update() -> None:
    """Extract, merge into every language's .po (new messages untranslated), compile every .mo."""
    from babel.messages.pofile import write_po

    template = extract()
    for code in LANGUAGES:
        if code == DEFAULT:
            continue
        catalog = read(code)
        created = catalog.creation_date  # kept: an update that changes no message changes no byte
        catalog.update(template, no_fuzzy_matching=True)
        catalog.project, catalog.version, catalog.fuzzy, catalog.creation_date = "dlsolve", __version__, False, created
        catalog.header_comment = f"# dlsolve's messages in {LANGUAGES[code]} ({code}); docs/architecture.md, Languages."
        path = po_path(code)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True, sort_output=False)
        path.with_suffix(".mo").write_bytes(compiled(catalog))


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message fills (doubled braces are literal)."""
    return set(PLACEHOLDER.findall(text))


def problems(code: str, template: Any | None = None) -> list[str]:
    """What a language's catalog lacks or gets wrong: untranslated, fuzzy, or placeholders that differ."""
    template = template if template is not None else extract()
    catalog = read(code)
    found: list[str] = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id)
        singular = message.id[0] if isinstance(message.id, tuple) else message.id
        if entry is None or entry.fuzzy or not all(entry.string if isinstance(entry.string, tuple) else [entry.string]):
            found.append(f"{code}: untranslated: {singular!r}")
            continue
        wanted = placeholders(singular)
        for text in entry.string if isinstance(entry.string, tuple) else (entry.string,):
            plural_n = isinstance(message.id, tuple)
            have = placeholders(text)
            if have != wanted and not (plural_n and have | {"n"} == wanted | {"n"}):
                found.append(f"{code}: placeholders {sorted(have)} instead of {sorted(wanted)}: {singular!r}")
    return found


def main(argv: list[str]) -> int:
    """``update`` or ``check``."""
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        template = extract()
        found = [line for code in LANGUAGES if code != DEFAULT for line in problems(code, template)]
        print("\n".join(found) or f"every language has all {len(template)} messages")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The project's Markdown (``$…$`` and ``$$…$$`` math) as HTML for Moodle: prose through markdown-it,
math taken out first and put back as MathJax's ``\\( … \\)`` and ``\\[ … \\]``, HTML-escaped, so that
Markdown never touches a backslash, an underscore or a ``&`` inside TeX."""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

MARK = "QZMATHQZ"  # a placeholder word: letters only, so Markdown leaves it alone
_PLACEHOLDER = re.compile(rf"(<p>)?{MARK}(\d+){MARK}(</p>)?")


def math_spans(markdown: str) -> tuple[str, list[tuple[str, bool]]]:
    """``markdown`` with each math span replaced by a placeholder, and the spans (TeX, display?) in order.

    A backslash escapes the next character (``\\$`` is a dollar sign in prose); ``$$…$$`` is display
    math, ``$…$`` inline math. An unclosed ``$`` stays prose."""
    out: list[str] = []
    spans: list[tuple[str, bool]] = []
    i = 0
    while i < len(markdown):
        char = markdown[i]
        if char == "\\":
            out.append(markdown[i:i + 2])
            i += 2
            continue
        if char == "$":
            display = markdown.startswith("$$", i)
            fence = "$$" if display else "$"
            end = markdown.find(fence, i + len(fence))
            if end != -1:
                spans.append((markdown[i + len(fence):end].strip(), display))
                out.append(f"{MARK}{len(spans) - 1}{MARK}")
                i = end + len(fence)
                continue
        out.append(char)
        i += 1
    return "".join(out), spans


@cache
def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})  # raw HTML in the text is shown, never run


def to_html(markdown: str) -> str:
    """HTML of the project's Markdown, math kept as MathJax TeX; no ``$`` is left in it (a dollar
    sign in prose becomes ``&#36;``), so no MathJax setting reads prose as math."""
    text, spans = math_spans(markdown)
    rendered = _parser().render(text)

    def back(match: re.Match[str]) -> str:
        tex, display = spans[int(match.group(2))]
        tex = html.escape(tex, quote=False)
        if display:
            shown = f"\\[ {tex} \\]"
            paragraph = match.group(1) and match.group(3)
            return f'<div class="dlsolve-math">{shown}</div>' if paragraph else shown
        return f"{match.group(1) or ''}\\( {tex} \\){match.group(3) or ''}"

    return _PLACEHOLDER.sub(back, rendered).replace("$", "&#36;")

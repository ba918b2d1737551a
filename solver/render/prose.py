"""Prose for every target: titles, notes and descriptions, with the values a
:class:`~solver.trace.Phrase` carries, names set as notation where the target has it, and LaTeX escaping.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from solver.formula import Formula, standard_notation
from solver.i18n import language
from solver.render.latex_notation import INVERSE, INVERSE_LATEX, UNICODE_LATEX, name_latex
from solver.render.latex_notation import formula_printer as latex_formula_printer
from solver.render.text_values import compact
from solver.render.values import OP_NAMES, short_decimals
from solver.trace import Phrase

_SUBSCRIPTED = re.compile(r"(?<![\w\\])[A-Za-z]\w*_[A-Za-z0-9]+\b|Σ_[A-Za-z0-9]+\b")  # C_out, W_1, Σ_j in prose
_NUMERIC_SUBSCRIPT = re.compile(r"(?<=[A-Za-z])_(\d+)\b")
_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "%": r"\%",
    "_": r"\_",
    "&": r"\&",
    "#": r"\#",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "^": r"\^{}",
    "~": r"\~{}",
    "\u202f": r"\,",  # digits grouped in hr, sr, ru prose: 3 604 000
    "\u2009": r"\,",
}


def words(text: Any, prose: Callable[[str], Any]) -> str:
    """A title, note or description through ``prose`` (the target's escaping); the values inside a
    :class:`~solver.trace.Phrase` are written with :func:`~solver.render.text_values.compact` first."""
    if isinstance(text, Phrase):
        return "".join(_part(part, prose) for part in text.parts)
    return str(prose(short_decimals(text)))


def _part(part: Any, prose: Callable[[str], Any]) -> str:
    """One part of a Phrase: words through ``prose``; a formula in LaTeX math where the target is LaTeX."""
    if isinstance(part, str):
        return str(prose(short_decimals(part)))
    if prose in (escape_notation, escape_text) and isinstance(part, Formula):
        return "$" + latex_formula_printer().doprint(part) + "$"
    return str(prose(compact(part)))


def prose_text(prose: str) -> str:
    """Solver prose for the terminal: formulas in standard notation (``norm2(W1)`` → ``‖W1‖²``, ``lam`` →
    ``λ``), numeric subscripts as Unicode (``W_1`` → ``W₁``)."""
    return _NUMERIC_SUBSCRIPT.sub(lambda m: m.group(1).translate(_SUBSCRIPT_DIGITS), standard_notation(prose))


def escape_notation(prose: str) -> str:
    """Solver prose as LaTeX text in standard notation, with names such as ``C_out`` or ``W_1`` set as math."""
    prose = standard_notation(prose)
    pieces = _SUBSCRIPTED.split(prose)
    names = _SUBSCRIPTED.findall(prose)
    out = [escape_text(pieces[0])]
    for name, piece in zip(names, pieces[1:]):
        if name.startswith("Σ_"):  # a sum over an index
            out.append(r"$\sum_{%s}$" % name[2:])
        else:
            out.append(escape_text(name) if name in OP_NAMES else "$" + name_latex(name) + "$")
        out.append(escape_text(piece))
    return "".join(out)


def escape_text(prose: str) -> str:
    """User prose as LaTeX text: specials escaped, Unicode math symbols set in ``$…$``."""
    out: list[str] = []
    cyrillic = language() == "ru"  # a Russian sheet loads Cyrillic fonts (templates/language.tex.j2)
    for ch in prose.replace(INVERSE, "\x00"):  # A⁻¹: one superscript
        if ch == "\x00":
            out.append("$" + INVERSE_LATEX + "$")
            continue
        if ch == "-" and out and out[-1] == "-":  # an option (--numeric): two hyphens, not an en dash
            out.append("{}-")
        elif ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch == "\u0302" and out:  # a combining circumflex: x̂
            out[-1] = r"\^{%s}" % out[-1]
        elif ch == "√":  # in prose the sign stands alone (\sqrt would swallow the next token)
            out.append(r"$\surd$")
        elif ch in UNICODE_LATEX:
            out.append("$" + UNICODE_LATEX[ch].strip() + "$")
        elif ch in "—–":
            out.append("---" if ch == "—" else "--")
        elif ord(ch) > 0x24F and not (cyrillic and "\u0400" <= ch <= "\u04ff"):
            out.append("?")  # outside Latin: pdflatex with T1 fonts cannot typeset it; never break the document
        else:
            out.append(ch)
    return "".join(out)

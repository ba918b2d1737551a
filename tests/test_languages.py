"""The prose in four languages (en, hr, sr, ru): complete catalogs, the glossary's terms, no leaks between
languages in one process, error messages, the decimal comma, and the whole bank in every language.

The catalogs are checked against the messages extracted from the source *now* (Babel, as
``python -m solver.catalogs update`` does), so a new message without its translations fails here.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import PROBLEMS, cyrillic_tex, requires_pdflatex, run_cli

from solver import catalogs
from solver.api import load, render, solve, solve_file
from solver.i18n import LANGUAGES, language, prose_number, tr, using

TRANSLATED = [code for code in LANGUAGES if code != "en"]
GLOSSARY = yaml.safe_load((catalogs.PACKAGE / "locale" / "glossary.yaml").read_text(encoding="utf-8"))
CYRILLIC = re.compile("[\u0400-\u04ff]")


@pytest.fixture(scope="module")
def template() -> Any:
    """Every message in the source, extracted as the catalog tool does."""
    return catalogs.extract()


def translations(code: str) -> list[tuple[str, str]]:
    """(English, translation) of every message of a language's catalog, plural forms included."""
    pairs = []
    for message in catalogs.read(code):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(ids[min(i, len(ids) - 1)], text) for i, text in enumerate(strings)]
    return pairs


def test_the_source_has_messages(template: Any) -> None:
    assert len(template) > 300  # titles, notes and errors of every kind are marked


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated(code: str, template: Any) -> None:
    """Untranslated, fuzzy, or with other placeholders than the English: each is listed."""
    assert catalogs.problems(code, template) == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalog_is_current(code: str) -> None:
    """The .mo read at run time is the .po compiled (run ``python -m solver.catalogs update`` after an edit)."""
    compiled = catalogs.po_path(code).with_suffix(".mo").read_bytes()
    assert compiled == catalogs.compiled(catalogs.read(code))


def _translation_calls() -> list[tuple[str, ast.Call]]:
    """Every ``tr``, ``ntr``, ``ntemplate`` and ``mark`` call in the package, with its place."""
    calls = []
    for path in sorted(catalogs.PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tr", "ntr", "ntemplate", "mark"):
                calls.append((f"{path.relative_to(catalogs.PACKAGE)}:{node.lineno}", node))
    return calls


def test_every_message_is_a_literal_the_catalogs_can_hold() -> None:
    """The message of a call is a string literal or a name holding a marked one: never an f-string, a
    concatenation or a string already formatted (none of which a catalog can hold)."""
    calls = _translation_calls()
    assert len(calls) > 500
    wrong = [f"{where}: {ast.unparse(argument)[:60]}" for where, call in calls
             for argument in call.args[:2 if call.func.id in ("ntr", "ntemplate") else 1]  # type: ignore[attr-defined]
             if isinstance(argument, (ast.JoinedStr, ast.BinOp))
             or (isinstance(argument, ast.Call) and isinstance(argument.func, ast.Attribute))
             or (isinstance(argument, ast.Constant) and not isinstance(argument.value, str))]
    assert wrong == []


def test_values_fill_exactly_the_placeholders_of_their_message() -> None:
    """``tr("… {name} …", name=…)``: every placeholder gets a value and every value a placeholder."""
    wrong = []
    for where, call in _translation_calls():
        message = call.args[0] if call.args else None
        values = {keyword.arg for keyword in call.keywords}
        if call.func.id == "ntr":  # type: ignore[attr-defined]
            values.add("n")
        if not isinstance(message, ast.Constant) or not values or None in values:
            continue
        wanted = catalogs.placeholders(message.value)
        if call.func.id == "ntr" and len(call.args) > 1:  # type: ignore[attr-defined]
            wanted |= catalogs.placeholders(call.args[1].value)  # type: ignore[attr-defined]
        if wanted != values and not (call.func.id == "ntr" and values - wanted == {"n"}):  # type: ignore[attr-defined]
            # (ntr's count may only choose the form: "Layer {layers} has no parameters.")
            wrong.append(f"{where}: {sorted(wanted)} filled with {sorted(values)}")
    assert wrong == []


def test_a_missing_translation_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself can fail: a catalog without one of the messages is caught."""
    from babel.messages.pofile import write_po

    catalog = catalogs.read("hr")
    first = next(message for message in catalog if message.id and not isinstance(message.id, tuple))
    catalog.delete(first.id)
    monkeypatch.setattr(catalogs, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(catalogs, "po_path", lambda code: tmp_path / f"{code}.po")
    with (tmp_path / "hr.po").open("wb") as handle:
        write_po(handle, catalog)
    assert any(repr(first.id) in line for line in catalogs.problems("hr"))


def test_the_glossary_covers_every_language() -> None:
    assert len(GLOSSARY["terms"]) >= 30
    for term in GLOSSARY["terms"]:
        for code in TRANSLATED:
            entry = term[code]
            assert entry["term"] and entry["stems"] and entry["seed"], (term["en"], code)
            term_folded = entry["term"].lower().replace("ё", "е")
            assert all(stem.lower() in term_folded for stem in entry["stems"]), (term["en"], code)


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_use_the_glossary_terms(code: str) -> None:
    """A message that holds a glossary term in English holds the term's stems in the translation."""
    wrong = []
    for term in GLOSSARY["terms"]:
        english = re.compile(rf"\b{re.escape(term['en'])}\b", re.IGNORECASE)
        for source, text in translations(code):
            folded = text.lower().replace("ё", "е")  # Russian stems are written with е for ё
            words = re.sub(r"\{\w*\}", "", source)  # a placeholder's name ({padding}) is not the term
            if english.search(words) and not all(stem.lower() in folded for stem in term[code]["stems"]):
                wrong.append(f"{term['en']} → {term[code]['term']}: {source!r} → {text!r}")
    assert wrong == []


def test_serbian_is_written_in_latin_script_and_russian_in_cyrillic() -> None:
    assert [text for _, text in translations("sr") if CYRILLIC.search(text)] == []
    wordy = [(source, text) for source, text in translations("ru")
             if len(re.findall(r"[a-z]{4,}", re.sub(r"\{\w*\}", "", source))) >= 2]  # words, not placeholders
    assert wordy and [pair for pair in wordy if not CYRILLIC.search(pair[1])] == []


def test_tr_fills_a_translated_template_and_plurals_take_the_language_s_forms() -> None:
    with using("ru"):
        assert language() == "ru"
        assert prose_number("0.25") == "0,25"
    assert language() == "en" and prose_number("0.25") == "0.25"
    assert tr("{n} and {m}", n=1, m=2) == "1 and 2"  # not in any catalog: the English itself


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="en, hr, sr, ru"), using("de"):
        pass


@pytest.fixture(scope="module")
def rnn_texts() -> dict[str, str]:
    """The rnn problem's text in every language, solved in this order in one process, English twice."""
    problem = load(PROBLEMS / "rnn.yaml")[0]
    texts = {}
    for code in ("en", "hr", "sr", "ru"):
        texts[code] = render([solve(problem, lang=code)], "text", lang=code)
    texts["en again"] = render([solve(problem)], "text")
    return texts


def test_switching_languages_leaves_no_trace(rnn_texts: dict[str, str]) -> None:
    assert rnn_texts["en again"] == rnn_texts["en"]
    assert len({rnn_texts[code] for code in LANGUAGES}) == 4


def test_a_translated_solution_keeps_its_numbers(rnn_texts: dict[str, str]) -> None:
    """Only words change: every number of the English text is in the other languages' texts too."""
    numbers = set(re.findall(r"−?\d+/\d+|−?\d+", rnn_texts["en"]))
    for code in TRANSLATED:
        assert numbers <= set(re.findall(r"−?\d+/\d+|−?\d+", rnn_texts[code])), code


def test_the_language_comes_from_the_option_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    by_option = run_cli("run", str(PROBLEMS / "lstm.yaml"), "--no-color", "--lang", "hr")
    english = run_cli("run", str(PROBLEMS / "lstm.yaml"), "--no-color")  # the option did not stay set
    monkeypatch.setenv("DLSOLVE_LANG", "hr")
    by_environment = run_cli("run", str(PROBLEMS / "lstm.yaml"), "--no-color")
    assert by_option.exit_code == by_environment.exit_code == english.exit_code == 0
    assert by_option.stdout == by_environment.stdout != english.stdout


def test_an_error_message_is_written_in_the_language(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: params\ntitle: T\ngiven:\n  model: lstm\n  hidden: 0\n  input: 3\n")
    english = run_cli("run", str(bad))
    croatian = run_cli("run", str(bad), "--lang", "hr")
    assert english.exit_code == croatian.exit_code == 3
    assert croatian.stderr.startswith("dlsolve: error: ") and f"{bad}:5: given.hidden:" in croatian.stderr
    assert croatian.stderr != english.stderr


def _json_prose(document: Any) -> list[str]:
    """Every title, note and description of a JSON solution document."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("title", "note", "description") and isinstance(value, str):
                found.append(value)
            else:
                found += _json_prose(value)
    elif isinstance(document, list):
        for item in document:
            found += _json_prose(item)
    return found


@pytest.mark.slow
@requires_pdflatex
@pytest.mark.parametrize("code", TRANSLATED)
def test_the_bank_in_every_language(code: str, tmp_path: Path) -> None:
    """Every problem renders in every format, its prose holds no English sentence the catalog translates,
    and its LaTeX sheet compiles (Russian in T2A fonts, no bitmap fonts)."""
    files = sorted(PROBLEMS.glob("*.yaml"))
    solutions = [s for path in files for s in solve_file(path, lang=code)]
    for fmt in ("text", "markdown", "html"):
        assert render(solutions, fmt, lang=code)
    english = {source for source, text in translations(code) if source != text and len(source.split()) >= 3}
    prose = _json_prose(json.loads(render(solutions, "json", lang=code)))
    titles = {solution.title for solution in solutions} | {solution.statement for solution in solutions}
    leaks = [line for line in prose if line not in titles and any(sentence in line for sentence in english)]
    assert leaks == []
    if code == "ru" and not cyrillic_tex():
        pytest.skip("TeX for Cyrillic is not installed (Debian: texlive-lang-cyrillic cm-super; CI installs them)")
    tex = tmp_path / f"bank-{code}.tex"
    tex.write_text(render(solutions, "latex", lang=code), encoding="utf-8")
    result = subprocess.run([shutil.which("pdflatex") or "pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                             tex.name], cwd=tmp_path, capture_output=True, timeout=300)
    log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, log[-3000:]
    assert "Missing character" not in log  # every letter typeset: no Cyrillic left in math mode
    fonts = subprocess.run(["pdffonts", tex.with_suffix(".pdf").name], cwd=tmp_path, capture_output=True,
                           text=True).stdout
    assert "Type 3" not in fonts

"""The language option (--lang, DLSOLVE_LANG) and the API's ``lang=``: choosing, refusing, restoring."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solver import api
from solver.errors import SpecError
from solver.i18n import ENVIRONMENT, LANGUAGES, language, using
from tests.helpers import ROOT, cyrillic_tex, run_cli

PARAMS = ROOT / "problems" / "fc-params.yaml"


def _plain(text: str) -> str:
    """Typer's error panel without its box: one line of words."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


@pytest.mark.parametrize("command", [["run", str(PARAMS)], ["list"], ["fc-params", "--sizes", "2,3"]])
def test_unknown_lang_option_is_a_usage_error_naming_the_languages(command: list[str]) -> None:
    result = run_cli(*command, "--lang", "xx")
    assert result.exit_code == 2
    assert "'xx'" in result.stderr and ", ".join(LANGUAGES) in _plain(result.stderr)
    assert result.stdout == ""


def test_unknown_lang_environment_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENVIRONMENT, "xx")
    result = run_cli("run", PARAMS, "--no-color")
    assert result.exit_code == 2
    assert "DLSOLVE_LANG" in _plain(result.stderr) and ", ".join(LANGUAGES) in _plain(result.stderr)


def test_lang_en_equals_the_default(tmp_path: Path) -> None:
    for fmt in ("text", "json"):
        default, english = run_cli("run", PARAMS, "-f", fmt), run_cli("run", PARAMS, "-f", fmt, "--lang", "en")
        assert default.exit_code == english.exit_code == 0
        assert english.stdout == default.stdout and default.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: graph\ntitle: T\ngiven: {x: 1/2}\nequations: [L = x]\nwrong: 1\n", encoding="utf-8")
    default, english = run_cli("run", bad), run_cli("run", bad, "--lang", "EN")
    assert default.exit_code == english.exit_code == 3
    assert english.stderr == default.stderr and default.stderr.startswith("dlsolve: error")


def test_cli_lang_does_not_outlive_the_command() -> None:
    assert run_cli("run", PARAMS, "--lang", "hr").exit_code == 0
    assert language() == "en"


def test_api_lang_applies_inside_and_restores_the_previous_language(monkeypatch: pytest.MonkeyPatch) -> None:
    import solver.spec

    seen: list[str] = []
    load_file = solver.spec.load_file

    def spy(path: Any) -> Any:
        seen.append(language())
        return load_file(path)

    monkeypatch.setattr(solver.spec, "load_file", spy)
    with using("sr"):
        solutions = api.solve_file(PARAMS, lang="ru")
        assert seen == ["ru"] and language() == "sr"
        api.render(solutions, "json", lang="hr")
        assert language() == "sr"
        with pytest.raises(SpecError, match=r"no-such-file\.yaml: не удаётся прочитать"):  # an error inside: restored
            api.solve_file(ROOT / "problems" / "no-such-file.yaml", lang="ru")
        assert seen == ["ru", "ru"] and language() == "sr"
        with pytest.raises(ValueError, match="unknown language"):
            api.solve(api.load(PARAMS)[0], lang="xx")
        assert language() == "sr"
    assert language() == "en"


def _titled(title: str) -> list[Any]:
    from dataclasses import replace

    return [replace(solution, title=title) for solution in api.solve_file(PARAMS)]


def test_russian_sheets_load_cyrillic_fonts_and_keep_cyrillic_titles() -> None:
    solutions = _titled("Параметры сети")
    for sheet in ("solution", "exam"):
        russian = api.render(solutions, "latex", lang="ru", sheet=sheet)
        english = api.render(solutions, "latex", sheet=sheet)
        assert "\\usepackage[T1,T2A]{fontenc}" in russian and "\\usepackage[russian]{babel}" in russian
        assert "Параметры сети" in russian
        # English keeps its preamble; a Cyrillic title is replaced (T1 fonts cannot set it)
        assert "\\usepackage[T1]{fontenc}" in english and "babel" not in english and "lmodern" in english
        assert "Параметры" not in english and "????????? ????" in english
    assert language() == "en"


@pytest.mark.slow
def test_a_russian_sheet_compiles_with_type1_fonts_only(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from solver.pdf import compile_pdf

    if not (shutil.which("pdflatex") and shutil.which("pdffonts")):
        pytest.skip("pdflatex or pdffonts is not installed")
    if not cyrillic_tex():
        pytest.skip("TeX for Cyrillic is not installed (Debian: texlive-lang-cyrillic cm-super; CI installs them)")
    tex = api.render(_titled("Параметры сети"), "latex", lang="ru")
    pdf = tmp_path / "ru.pdf"
    pdf.write_bytes(compile_pdf(tex, "ru"))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" Type 1 " in row or " Type 1C " in row for row in rows), fonts
    assert any("SFRM" in row or "SFBX" in row for row in rows), fonts  # cm-super: its T2A faces


@pytest.fixture
def croatian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A scratch Croatian catalog of a few headings and one error message (the real catalogs come later)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    import solver.i18n

    catalog = Catalog(locale="hr")
    for english, croatian in {"Answers": "Odgovori & rješenja", "Given": "Zadano", "Solution": "Rješenje",
                              "Problem {number}: {title}": "{title} — zadatak {number}",
                              "unknown field; allowed: {fields}": "nepoznato polje; dopuštena: {fields}"}.items():
        catalog.add(english, croatian)
    (tmp_path / "hr" / "LC_MESSAGES").mkdir(parents=True)
    with open(tmp_path / "hr" / "LC_MESSAGES" / "dlsolve.mo", "wb") as stream:
        write_mo(stream, catalog)
    monkeypatch.setattr(solver.i18n, "LOCALE_DIR", tmp_path)
    solver.i18n.catalog.cache_clear()
    yield
    solver.i18n.catalog.cache_clear()


@pytest.mark.usefixtures("croatian")
def test_headings_and_errors_come_out_in_the_chosen_language(tmp_path: Path) -> None:
    solutions = api.solve_file(PARAMS, lang="hr")
    text = api.render(solutions, "text", lang="hr")
    assert "Zadano" in text and "Odgovori & rješenja" in text and "Rješenje" in text and "Answers" not in text
    latex = api.render(solutions, "latex", lang="hr")
    assert "\\subsection*{Odgovori \\& rješenja}" in latex  # the translated words escaped for LaTeX
    assert "--- zadatak 1}" in latex and "\\usepackage[T1]{fontenc}" in latex
    markdown = api.render(solutions, "markdown", lang="hr")
    assert "**Odgovori & rješenja**" in markdown and "— zadatak 1\n" in markdown
    assert api.render(solutions, "json", lang="hr") == api.render(solutions, "json")  # no headings, same keys
    assert "Answers" in api.render(solutions, "text")  # English again outside
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: graph\ntitle: T\ngiven: {x: 1/2}\nequations: [L = x]\nwrong: 1\n", encoding="utf-8")
    result = run_cli("run", bad, "--lang", "hr")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"dlsolve: error: {bad}:5: wrong: nepoznato polje; dopuštena: kind, title")

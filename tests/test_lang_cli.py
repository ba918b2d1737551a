"""The language option (--lang, DLSOLVE_LANG) and the API's ``lang=``: choosing, refusing, restoring."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from solver import api
from solver.errors import SpecError
from solver.i18n import ENVIRONMENT, LANGUAGES, language, using
from tests.helpers import ROOT, run_cli

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
    monkeypatch.setattr(solver.spec, "load_file", lambda path: seen.append(language()) or load_file(path))
    with using("sr"):
        solutions = api.solve_file(PARAMS, lang="ru")
        assert seen == ["ru"] and language() == "sr"
        api.render(solutions, "json", lang="hr")
        assert language() == "sr"
        with pytest.raises(SpecError, match="cannot read"):  # an error inside: still restored
            api.solve_file(ROOT / "problems" / "no-such-file.yaml", lang="ru")
        assert seen == ["ru", "ru"] and language() == "sr"
        with pytest.raises(ValueError, match="unknown language"):
            api.solve(api.load(PARAMS)[0], lang="xx")
        assert language() == "sr"
    assert language() == "en"

"""Every user mistake in a problem file gets one clean message: ``file:LINE: field.path: …``.

Each bad spec is written into ``tmp_path`` and run as ``dlsolve run FILE -o OUT`` (``helpers.bad_specs``).
The run must exit with the documented code (3 bad spec, 2 command-line usage), print exactly one message on
stderr naming the file, the line and the field, show no traceback, print nothing on stdout, and
write nothing to the ``-o`` target.

In the YAML below, ``# <-`` marks the line the message must name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import PROBLEMS, run_cli, run_dlsolve
from helpers.bad_corpus import BAD_SPECS
from helpers.bad_specs import EXIT_BAD_SPEC, Bad, assert_one_clean_error, check_bad_spec

EXIT_USAGE = 2



@pytest.mark.parametrize("bad", BAD_SPECS)
def test_bad_spec(bad: Bad, tmp_path: Path):
    check_bad_spec(bad, tmp_path)


# --- YAML tags that would run code ------------------------------------------------------------

PYTHON_TAGS = [
    pytest.param("!!python/object/apply:os.system ['touch {target}']", id="os-system"),
    pytest.param("!!python/object/apply:builtins.open ['{target}', 'w']", id="builtins-open"),
    pytest.param("!!python/object/new:builtins.open ['{target}', 'w']", id="object-new-open"),
    pytest.param("!!python/object/apply:subprocess.call [['touch', '{target}']]", id="subprocess-call"),
    pytest.param("!!python/name:os.system", id="python-name"),
    pytest.param("!!python/module:os", id="python-module"),
]


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_python_tags_are_refused_without_side_effect(tag: str, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "PWNED"
    file = tmp_path / "problem.yaml"
    tagged = tag.format(target=target)
    file.write_text(f"kind: params\ntitle: T\nstatement: {tagged}\ngiven: {{model: fc, sizes: [2, 3]}}\n")
    out = tmp_path / "out.txt"
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert stderr.startswith(f"dlsolve: error: {file}:3: not valid YAML: ")
    assert "could not determine a constructor" in stderr and "python/" in stderr
    assert not target.exists()


# --- several files, good files ----------------------------------------------------------------

GOOD = "kind: params\ntitle: Good\ngiven: {model: fc, sizes: [2, 3]}\n"
BAD = "kind: params\ntitle: Bad\ngiven:\n  model: lstm\n  hidden: 0\n  input: 3\n"


def bad_message(file: Path) -> str:
    """The start of the one message for BAD (the bound's wording is the validator's)."""
    return f"{file}:5: given.hidden: expected greater than"


def test_several_files_one_bad_write_nothing(tmp_path: Path):
    first, bad, last = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    first.write_text(GOOD)
    bad.write_text(BAD)
    last.write_text(GOOD)
    out = tmp_path / "out.txt"
    stderr = assert_one_clean_error(run_cli("run", first, bad, last, "-o", out), bad, out, EXIT_BAD_SPEC)
    assert stderr.startswith(f"dlsolve: error: {bad_message(bad)}") and stderr.endswith(", got 0\n")
    assert stderr.count("\n") == 1


def test_several_bad_files_are_all_reported(tmp_path: Path):
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text(BAD)
    two.write_text("kind: nosuch\ntitle: T\ngiven: {model: fc, sizes: [2, 3]}\n")
    out = tmp_path / "out.txt"
    stderr = assert_one_clean_error(run_cli("run", one, two, "-o", out), one, out, EXIT_BAD_SPEC)
    lines = stderr.splitlines()
    assert len(lines) == 3
    assert lines[0] == "dlsolve: errors:"
    assert lines[1].startswith(bad_message(one)) and lines[1].endswith(", got 0")
    assert lines[2] == f"{two}:1: kind: unknown kind 'nosuch'; known kinds: conv-inversion, descent, gan, graph, params, relu-pieces, rnn, symbolic"


def test_an_unknown_kind_is_the_only_message(tmp_path: Path):
    """With an unknown kind the allowed fields are unknown too: no 'unknown field' noise, and a near
    miss is named (found by tests/test_fuzz.py)."""
    file, out = tmp_path / "typo.yaml", tmp_path / "out.txt"
    file.write_text("kind: grph\ntitle: T\ngiven: {x: 1}\nequations: ['L = x * x']\nwrt: [x]\n")
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert stderr == (f"dlsolve: error: {file}:1: kind: unknown kind 'grph' (did you mean 'graph'?); "
                      "known kinds: conv-inversion, descent, gan, graph, params, relu-pieces, rnn, symbolic\n")


def test_solver_error_in_a_later_problem_writes_nothing(tmp_path: Path):
    file = tmp_path / "two.yaml"
    file.write_text(
        "problems:\n"
        "  - {kind: params, title: A, given: {model: fc, sizes: [2, 3]}}\n"
        "  - {kind: params, title: B, given: {model: fc, sizes: [2, 3]}, ask: [nope]}\n"
    )
    out = tmp_path / "out.txt"
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert stderr.startswith(f"dlsolve: error: {file}:3: problems[1].ask[0]: unknown answer 'nope'")


def test_existing_output_is_left_untouched(tmp_path: Path):
    file = tmp_path / "bad.yaml"
    file.write_text(BAD)
    out = tmp_path / "out.txt"
    out.write_text("previous solutions\n")
    result = run_cli("run", file, "-o", out)
    assert result.exit_code == EXIT_BAD_SPEC
    assert out.read_text() == "previous solutions\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "out.txt"]


@pytest.mark.parametrize("suffix", [".txt", ".md", ".json", ".tex"])
def test_good_file_succeeds_with_output(tmp_path: Path, suffix: str):
    file = tmp_path / "good.yaml"
    file.write_text(GOOD)
    out = tmp_path / f"out{suffix}"
    result = run_cli("run", file, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert out.exists() and "Good" in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.yaml", out.name]


@pytest.mark.slow
def test_problem_bank_succeeds_with_output(tmp_path: Path):
    out = tmp_path / "all.txt"
    result = run_cli("run", PROBLEMS, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert out.stat().st_size > 0


# --- command-line usage (exit 2) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["{missing}"], ["no such file"], id="missing-file"),
        pytest.param(["{empty_dir}"], ["no .yaml problem files"], id="folder-without-yaml"),
        pytest.param(["{good}", "-o", "{no_dir}/out.txt"], ["does not exist"], id="output-folder-missing"),
        pytest.param(["{good}", "-o", "{empty_dir}"], ["is a directory"], id="output-is-a-folder"),
        pytest.param(["{good}", "--bogus"], ["No such option"], id="unknown-option"),
        pytest.param(["{good}", "--format", "pdf"], ["--format", "pdf"], id="unknown-format"),
        pytest.param([], ["Missing argument"], id="no-file"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], words: list[str]):
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    (tmp_path / "empty").mkdir()
    names = {
        "missing": tmp_path / "missing.yaml",
        "empty_dir": tmp_path / "empty",
        "no_dir": tmp_path / "no",
        "good": good,
    }
    argv = [arg.format(**names) for arg in args]
    out = tmp_path / "out.txt"
    if "-o" not in argv:
        argv += ["-o", str(out)]
    result = run_cli("run", *argv)
    assert result.exit_code == EXIT_USAGE, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    flat = " ".join(result.stderr.replace("│", " ").split())  # click/rich wrap long messages in a box
    for word in words:
        assert word in flat
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "good.yaml"]


# --- as a separate process --------------------------------------------------------------------


def test_debug_shows_traceback(tmp_path: Path):
    file = tmp_path / "bad.yaml"
    file.write_text(BAD)
    out = tmp_path / "out.txt"
    result = run_dlsolve("--debug", "run", file, "-o", out)
    assert result.exit_code != 0
    assert "Traceback (most recent call last)" in result.stderr
    assert "SpecError" in result.stderr
    assert bad_message(file) in result.stderr
    assert not out.exists()


def test_subprocess_bad_spec_prints_no_traceback(tmp_path: Path):
    file = tmp_path / "bad.yaml"
    file.write_text(BAD)
    out = tmp_path / "out.txt"
    result = run_dlsolve("run", file, "-o", out)
    assert result.exit_code == EXIT_BAD_SPEC
    assert result.stdout == ""
    assert result.stderr.startswith(f"dlsolve: error: {bad_message(file)}")
    assert result.stderr.count("\n") == 1
    assert not out.exists()

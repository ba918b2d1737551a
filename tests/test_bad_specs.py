"""Every user mistake in a problem file gets one clean message: ``file:LINE: field.path: …``.

Each bad spec is written into ``tmp_path`` and run as ``dlsolve run FILE -o OUT`` (``helpers.bad_specs``).
The run must exit with the documented code (3 bad spec, 2 command-line usage), print exactly one message on
stderr naming the file, the line and the field, show no traceback, print nothing on stdout, and
write nothing to the ``-o`` target.

In the YAML below, ``# <-`` marks the line the message must name.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import PROBLEMS, run_cli, run_dlsolve
from helpers.bad_specs import EXIT_BAD_SPEC, MARK, Bad, assert_one_clean_error, case, check_bad_spec

EXIT_USAGE = 2

LSTM_HEAD = "kind: params\ntitle: T\ngiven:\n  model: lstm\n"
CONV_HEAD = "kind: params\ntitle: T\ngiven:\n  model: conv\n  in_channels: 3\n  out_channels: 16\n"


def lstm(fields: str) -> str:
    """A problem whose given is an LSTM with these (indented) fields after ``model: lstm``."""
    return LSTM_HEAD + textwrap.indent(textwrap.dedent(fields), "  ")


def inversion(fields: str) -> str:
    """A conv-inversion problem with these ``given`` fields."""
    return "kind: conv-inversion\ntitle: T\ngiven:\n" + textwrap.indent(textwrap.dedent(fields), "  ")


def conv(fields: str) -> str:
    """A problem whose given is a 3 → 16 channel conv layer with these fields."""
    return CONV_HEAD + textwrap.indent(textwrap.dedent(fields), "  ")

BOMB = """\
    a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]  # <-
    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
    h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
    i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""



def _mapping_bomb() -> str:
    """Ten levels of mappings, each holding ten aliases of the level below: 10**10 values."""
    lines = ["kind: params", "title: T", "given: {model: fc, sizes: [2, 3]}", "statement: &s0 x"]
    for level in range(1, 11):
        items = ", ".join(f"k{k}: *s{level - 1}" for k in range(10))
        lines.append(f"l{level}: &s{level} {{{items}}}" + (f"  {MARK}" if level == 5 else ""))
    return "\n".join(lines) + "\n"


MAPPING_BOMB = _mapping_bomb()

BAD_SPECS = [
    # --- the kind and the top-level fields ---
    case("""\
        kind: nosuch  # <-
        title: T
        given: {model: fc, sizes: [2, 3]}
        """, "kind", "unknown kind 'nosuch'", "known kinds: conv-inversion, descent, gan, graph, params, relu-pieces, rnn, symbolic", id="unknown-kind"),
    case("""\
        kind: params  # <-
        given: {model: fc, sizes: [2, 3]}
        """, "title", "missing required field", id="missing-title"),
    case("""\
        title: T  # <-
        given: {model: fc, sizes: [2, 3]}
        """, "kind", "missing required field", id="missing-kind"),
    case("""\
        kind: params  # <-
        title: T
        """, "given", "missing required field", id="missing-given"),
    case("""\
        kind: params
        title: T
        colour: red  # <-
        given: {model: fc, sizes: [2, 3]}
        """, "colour", "unknown field", "allowed: kind, title, given", id="unknown-top-field"),
    case("""\
        kind: params
        title: 5  # <-
        given: {model: fc, sizes: [2, 3]}
        """, "title", "expected text", "got 5", id="title-not-text"),
    case("""\
        kind: params
        title:  # <-
        given: {model: fc, sizes: [2, 3]}
        """, "title", "expected text", "null", id="title-null"),
    case("""\
        - kind: params  # <-
        - title: T
        """, "", "expected a problem", "a list of 2", id="top-level-list"),
    case("""\
        just some text  # <-
        """, "", "expected a problem", "'just some text'", id="top-level-scalar"),
    # --- given: shape and fields ---
    case("""\
        kind: params
        title: T
        given: [1, 2]  # <-
        """, "given", "expected a mapping", "got [1, 2]", id="given-list"),
    case("""\
        kind: params
        title: T
        given: 3  # <-
        """, "given", "expected a mapping", "got 3", id="given-scalar"),
    case("""\
        kind: params
        title: T
        given:  # <-
        """, "given", "expected a mapping", "null", id="given-null"),
    case("""\
        kind: params
        title: T
        given:  # <-
          model: lstm
          input: 3
        """, "given.hidden", "missing required field", id="missing-given-hidden"),
    case("""\
        kind: params
        title: T
        given:  # <-
          hidden: 3
        """, "given.model", "missing required field", "rnn, lstm, gru, fc, conv", id="missing-model"),
    case("""\
        kind: params
        title: T
        given:
          model: lstm
          hidden: 3
          input: 3
          depth: 2  # <-
        """, "given.depth", "unknown field", "allowed: model, hidden, input", id="unknown-given-field"),
    case("""\
        kind: params
        title: T
        given:
          model: transformer  # <-
          hidden: 3
        """, "given.model", "expected one of rnn, lstm, gru, fc, conv", "'transformer'", id="unknown-model"),
    case(lstm("""\
          hidden: 3
          input: 3
          convention: torch  # <-
        """), "given.convention", "'textbook', 'pytorch' or 'keras'", "'torch'", id="bad-literal-convention"),
    # --- wrong types ---
    case(lstm("""\
          hidden: '500'  # <-
          input: 3
        """), "given.hidden", "expected an integer", "'500'", id="string-for-int"),
    case(lstm("""\
          hidden: true  # <-
          input: 3
        """), "given.hidden", "expected an integer", "got true", id="true-for-int"),
    case(lstm("""\
          hidden: 2.5  # <-
          input: 3
        """), "given.hidden", "expected an integer", "2.5", id="float-for-int"),
    case(lstm("""\
          hidden: 500.0  # <-
          input: 3
        """), "given.hidden", "expected an integer", "500.0", id="whole-float-for-int"),
    case(lstm("""\
          hidden: {a: 1}  # <-
          input: 3
        """), "given.hidden", "expected an integer", "a mapping", id="mapping-for-int"),
    case(lstm("""\
          hidden: [500]  # <-
          input: 3
        """), "given.hidden", "expected an integer", "got [500]", id="list-for-int"),
    case(lstm("""\
          hidden: 3
          input: 3
          bidirectional: 'yes'  # <-
        """), "given.bidirectional", "expected true or false", "'yes'", id="string-for-bool"),
    case(lstm("""\
          hidden: 3
          input: 3
          layers: .inf  # <-
        """), "given.layers", "expected an integer", ".inf", id="infinity-for-int"),
    case("""\
        kind: params
        title: T
        given:
          model: fc
          sizes: {a: 1}  # <-
        """, "given.sizes", "expected a list", "a mapping", id="mapping-for-list"),
    case("""\
        kind: params
        title: T
        given:
          model: fc
          sizes: [2, 3.0, 4]  # <-
        """, "given.sizes[1]", "expected an integer", "3.0", id="float-in-int-list"),
    case("""\
        kind: params
        title: T
        given:
          model: fc
          sizes:
            - 2
            - three  # <-
        """, "given.sizes[1]", "expected an integer", "'three'", id="string-in-block-list"),
    # --- sizes out of range ---
    case(lstm("""\
          hidden: 0  # <-
          input: 3
        """), "given.hidden", "greater than", "got 0", id="zero-hidden"),
    case(lstm("""\
          hidden: 3
          input: -4  # <-
        """), "given.input", "greater than", "got -4", id="negative-input"),
    case(lstm("""\
          hidden: 99999999999999999999999999  # <-
          input: 3
        """), "given.hidden", "less than or equal to 1000000000", id="huge-hidden"),
    case("""\
        kind: params
        title: T
        given:
          model: fc
          sizes: [2, -3, 4]  # <-
        """, "given.sizes[1]", "greater than", "got -3", id="negative-size-in-list"),
    case(conv("""\
          kernel: 3
          stride: 0  # <-
        """), "given.stride", "expected a positive integer", "got 0", id="zero-stride"),
    case(conv("""\
          kernel: 3
          padding: -1  # <-
        """), "given.padding", "non-negative integer", "got -1", id="negative-padding"),
    case(conv("""\
          kernel: 3
          groups: 0  # <-
        """), "given.groups", "greater than", "got 0", id="zero-groups"),
    case(conv("""\
          kernel: 3
          dims: 4  # <-
        """), "given.dims", "expected 1, 2 or 3", "got 4", id="dims-4"),
    # --- conv and fc rules the solver checks ---
    case("""\
        kind: params
        title: T
        given:
          model: fc
          sizes: [2]  # <-
        """, "given.sizes", "at least 2 layer sizes", "got 1", id="fc-one-size"),
    case(conv("""\
          kernel: 3
          groups: 2  # <-
        """), "given.groups", "groups = 2 must divide in_channels = 3", id="groups-not-dividing-in"),
    case("""\
        kind: params
        title: T
        given:
          model: conv
          in_channels: 4
          out_channels: 6
          kernel: 3
          groups: 4  # <-
        """, "given.groups", "groups = 4 must divide out_channels = 6", id="groups-not-dividing-out"),
    case(conv("""\
          kernel: [3, 'x']  # <-
        """), "given.kernel", "expected a positive integer", "got [3, 'x']", id="kernel-list-with-string"),
    case(conv("""\
          kernel: [1, 2, 3, 4]  # <-
        """), "given.kernel", "list of 1 to 3", id="kernel-list-too-long"),
    case(conv("""\
          kernel: [3, 3]
          stride: [1, 1, 1]  # <-
        """), "given.stride", "expected 2 values (one per dimension)", "got 3", id="stride-dims-mismatch"),
    case(conv("""\
          kernel: 3
          stride: 2
          padding: same  # <-
        """), "given.padding", "'same' needs stride 1", id="same-padding-stride-2"),
    case(conv("""\
          kernel: 3
          padding: full  # <-
        """), "given.padding", "'valid', 'same'", "'full'", id="unknown-padding-word"),
    case(conv("""\
          kernel: 5
          input_size: [3, 3]  # <-
        """), "given.input_size", "smaller than the dilated kernel", "= 5", id="input-smaller-than-kernel"),
    # --- ask ---
    case("""\
        kind: params
        title: T
        given: {model: fc, sizes: [2, 3]}
        ask:
          - total
          - nope  # <-
        """, "ask[1]", "unknown answer 'nope'", "biases, layer1, total, weights", id="unknown-ask"),
    case("""\
        kind: params
        title: T
        given: {model: fc, sizes: [2, 3]}
        ask: [1, 2]  # <-
        """, "ask", "expected a list of answer names", id="ask-not-names"),
    # --- problems: list ---
    case("""\
        problems:
          - kind: params
            title: A
            given: {model: fc, sizes: [2, 3]}
          - kind: params
            title: B
            given:
              model: lstm
              hidden: 0  # <-
              input: 3
        """, "problems[1].given.hidden", "greater than", "got 0", id="problems-bad-field"),
    case("""\
        problems:
          - kind: params
            title: A
            given: {model: fc, sizes: [2, 3]}
          - just text  # <-
        """, "problems[1]", "expected a problem", "'just text'", id="problems-bad-entry"),
    case("""\
        problems:
          - kind: params  # <-
            given: {model: fc, sizes: [2, 3]}
        """, "problems[0].title", "missing required field", id="problems-entry-missing-title"),
    case("""\
        problems:
          - kind: params
            title: A
            given: {model: fc, sizes: [2, 3]}
            ask: [total, nope]  # <-
        """, "problems[0].ask[1]", "unknown answer 'nope'", id="problems-unknown-ask"),
    case("""\
        problems:
          - kind: params
            title: A
            given: {model: conv, in_channels: 3, out_channels: 4, kernel: 3, groups: 2}  # <-
        """, "problems[0].given.groups", "must divide in_channels", id="problems-solver-error"),
    case("""\
        problems: []  # <-
        """, "problems", "expected a non-empty list of problems", "an empty list", id="problems-empty"),
    case("""\
        title: T  # <-
        problems:
          - kind: params
        """, "title", "holds nothing else", id="problems-with-other-keys"),
    # --- YAML syntax ---
    case("""\
        kind: params
        title: T
          given: x  # <-
        """, "", "not valid YAML", "mapping values are not allowed", id="yaml-bad-indentation"),
    case("""\
        kind: params
        title: T
        given:
          model: [lstm
          hidden: 3  # <-
        """, "", "not valid YAML", "expected ',' or ']'", id="yaml-unclosed-bracket"),
    case("kind: params\ntitle: T\ngiven:\n\tmodel: fc  # <-\n", "", "not valid YAML", "'\\t'", id="yaml-tab"),
    case("""\
        kind: params
        ---  # <-
        kind: params
        """, "", "not valid YAML", "another document", id="yaml-two-documents"),
    case("""\
        kind: params
        title: !foo bar  # <-
        given: {model: fc, sizes: [2, 3]}
        """, "", "not valid YAML", "'!foo'", id="yaml-unknown-local-tag"),
    case("""\
        kind: params
        title: T
        ? [a, b]  # <-
        : c
        """, "", "field names must be text", id="yaml-complex-key"),
    case("", "", "file is empty", line=None, id="empty-file"),
    case("# only\n# comments\n", "", "file is empty", line=None, id="only-comments"),
    case("\n   \n\n", "", "file is empty", line=None, id="only-blank-lines"),
    case(BOMB, "", "YAML aliases", "alias bomb", id="alias-bomb"),
    case(MAPPING_BOMB, "", "YAML aliases", "alias bomb", id="alias-bomb-mappings"),
    case("""\
        kind: params
        title: T
        given: &g {model: fc, sizes: [2, 3], self: *g}  # <-
        """, "", "alias refers to itself", id="recursive-alias"),
    case("""\
        kind: params
        title: T
        given:
          model: lstm
          hidden: 3
          input: 3
          hidden: 4  # <-
        """, "given", "duplicate key 'hidden'", "first on line 5", id="duplicate-key-in-given"),
    case("""\
        kind: params
        title: T
        title: U  # <-
        given: {model: fc, sizes: [2, 3]}
        """, "", "duplicate key 'title'", "first on line 2", id="duplicate-top-key"),
    case("""\
        kind: params
        title: T
        given:
          model: fc
          sizes: [2, 3]
        statement: """ + "[" * 5000 + "]" * 5000 + """
        """, "", "nested too deeply", "more than 100 brackets open", line=6, id="nested-too-deeply"),
    case("""\
        kind: params
        title: T
        given:
          model: fc
          sizes: [2, 3]
        statement: |
          a block text may hold brackets: [[[[ ]]]]
        notes: """ + "{" * 101 + """  # <-
        """, "", "nested too deeply", id="nested-braces-too-deeply"),
    # --- conv-inversion ---
    case(inversion("""\
        X: [[1, 2], [3, 4]]
        W: [[a, b], [c, d], [e, f]]  # <-
        Y: [[1]]
        """), "given.W", "kernel 3×2", "does not fit the padded input 2×2", id="inversion-kernel-too-large"),
    case(inversion("""\
        X: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
        W: [[e, e], [f, f]]
        Y: [[1, 2, 3], [4, 5, 6]]  # <-
        """), "given.Y", "expected a 2×2 output for a 3×3 input and a 2×2 kernel", "got 2×3",
         id="inversion-output-shape"),
    case(inversion("""\
        X: [1, 2, 3]
        W: [a, b]
        Y: [1, 2]
        stride: 1.5  # <-
        """), "given.stride", "expected an integer", "got 1.5", id="inversion-non-integer-stride"),
    case(inversion("""\
        X: [1, x, 3]  # <-
        W: [a, b]
        Y: [1, 2]
        """), "given.X", "entry [0][1]", "expected a number or '?'", id="inversion-input-name"),
    case(inversion("""\
        X: [1, 2, 3]
        W: [X, b]  # <-
        Y: [1, 2]
        """), "given.W", "the names X and Y are taken", id="inversion-reserved-name"),
    case(inversion("""\
        X: [1, 2, 3]
        W: [[a, b]]  # <-
        Y: [1, 2]
        """), "given.W", "all be flat lists (1D) or all lists of rows (2D)", id="inversion-1d-2d-mix"),
    case(inversion("""\
        X: [[1, 2, 3], [4, 5]]  # <-
        W: [[a]]
        Y: [[1]]
        """), "given.X", "ragged", id="inversion-ragged-input"),
    case(inversion("""\
        X: [1, 2, 3, 4]
        W: [a, b]
        Y: [1, 2]
        stride: 2
        padding: same  # <-
        """), "given.padding", "'same' needs stride 1", id="inversion-same-with-stride"),
    case(inversion("""\
        X: [1, 2, 3]
        W: [a, b]
        b: [1]  # <-
        Y: [1, 2]
        """), "given.b", "expected a number, a name or '?'", id="inversion-bias-list"),
    case(inversion("""\
        X: [1, 2, 3]
        W: [a, 2*g]  # <-
        Y: [1, 2]
        """), "given.W", "entry [0][1]", "expected a number, a name or '?'", id="inversion-unknown-name-in-expression"),
    # --- bytes ---
    case(b"kind: params\ntitle: caf\xe9\ngiven: {model: fc, sizes: [2, 3]}\n", "", "not UTF-8", "byte 23",
         line=2, id="latin-1-bytes"),
    case(b"\xff\xfe\x00k\x00i\x00n\x00d", "", "not UTF-8", line=1, id="utf-16-bytes"),
    case(b"# " + b"x" * (1 << 20) + b"\n", "", "limited to 1048576 bytes", line=None, id="file-over-1MiB"),
    # --- values the loader must not assume hashable, keys it must not assume are text ---
    case("""\
        kind: [params]  # <-
        title: T
        given: {model: fc, sizes: [2, 3]}
        """, "kind", "unknown kind", "known kinds: conv-inversion, descent, gan, graph, params, relu-pieces, rnn, symbolic", id="kind-is-a-list"),
    case("""\
        kind: {name: params}  # <-
        title: T
        given: {model: fc, sizes: [2, 3]}
        """, "kind", "unknown kind", "known kinds: conv-inversion, descent, gan, graph, params, relu-pieces, rnn, symbolic", id="kind-is-a-mapping"),
    case("""\
        kind: params
        title: T
        given:
          model: [lstm]  # <-
          hidden: 3
        """, "given.model", "expected one of rnn, lstm, gru, fc, conv", id="model-is-a-list"),
    case("""\
        kind: params
        title: T
        given:
          model: {name: lstm}  # <-
          hidden: 3
        """, "given.model", "expected one of rnn, lstm, gru, fc, conv", id="model-is-a-mapping"),
    case("""\
        kind: params
        title: T
        5: five  # <-
        given: {model: fc, sizes: [2, 3]}
        """, "", "field names must be text, got 5", id="integer-key-top-level"),
    case("""\
        kind: params
        title: T
        given:
          model: fc
          sizes: [2, 3]
          7: seven  # <-
        """, "given", "field names must be text, got 7", id="integer-key-in-given"),
]


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

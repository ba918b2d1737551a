"""The corpus of bad problem files: each case is a file with one defect, the line it must name (``# <-``)
and the words its one message must hold. ``tests/test_bad_specs.py`` runs them through the command line;
``tests/test_schema.py`` checks that the JSON Schema rejects those whose defect a schema can see."""

from __future__ import annotations

import textwrap

from helpers.bad_specs import MARK, case

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

# 100 rows of 101 entries: just over the 10,000 entries a matrix may have
HUGE_MATRIX = "[" + ", ".join(["[" + ", ".join(["1"] * 101) + "]"] * 100) + "]"

MORE_BAD_SPECS = [
    case('kind: graph\ntitle: T\ngiven:\n  x: 1/0  # <-\nequations:\n  - L = x * 2\n', 'given.x', 'division by zero', id='graph-div-zero-given'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\n  y: 2\nequations:\n  - L = x / (y - y)  # <-\n', 'equations[0]', "'L = x / (y - y)'", 'division by zero', id='graph-div-zero-equation'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 3\nequations:\n  - L = log(x - x)  # <-\n', 'equations[0]', 'log(x − x)', 'log of 0 (not positive)', id='graph-log-zero'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 3\nequations:\n  - L = log(-x)  # <-\n', 'equations[0]', 'log of -3 (not positive)', id='graph-log-negative'),
    case('kind: graph\ntitle: T\ngiven:\n  x: ln(-2)  # <-\nequations:\n  - L = x * 2\n', 'given.x', 'log of a negative number (-2) is not real', id='graph-log-negative-given'),
    case('kind: graph\ntitle: T\ngiven:\n  W: ' + HUGE_MATRIX + '  # <-\nequations:\n  - L = sum(W)\n', 'given.W', 'the givens have more than 10,000 entries in all', id='graph-huge-matrix'),
    case('kind: graph\ntitle: T\ngiven:  # <-\n  x: 1\n', 'equations', 'missing required field', line=1, id='graph-missing-equations'),
    case('kind: graph\ntitle: T\nequations:  # <-\n  - L = 1\n', 'given', 'missing required field', line=1, id='graph-missing-given'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * 2\nlearning_rate: 1  # <-\n', 'learning_rate', 'unknown field', 'allowed: kind, title, given, symbols, equations', id='graph-unknown-field'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations: L = x * 2  # <-\n', 'equations', 'expected a list', "got 'L = x * 2'", id='graph-equations-not-list'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations: []  # <-\n', 'equations', 'expected at least one equation', id='graph-equations-empty'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - 5  # <-\n', 'equations[0]', 'string', 'got 5', id='graph-equation-number'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - x * 2  # <-\n', 'equations[0]', "expected 'name = expression'", "got 'x * 2'", id='graph-equation-no-equals'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = softplus(x)  # <-\n', 'equations[0]', "unknown function 'softplus'", '(known: ', 'bce, bce_logits', id='graph-unknown-function'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * y  # <-\n', 'equations[0]', "unknown name 'y'", 'not given and not defined', id='graph-unknown-name'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - x = 2 * 3  # <-\n', 'equations[0]', "'x' is already defined by a given value", id='graph-redefined'),
    case('kind: graph\ntitle: T\ngiven:\n  W: [[1, 2], [3]]  # <-\nequations:\n  - L = sum(W)\n', 'given.W', 'ragged matrix', 'row 0 has 2 entries but row 1 has 1', id='graph-ragged-matrix'),
    case('kind: graph\ntitle: T\ngiven:\n  W: []  # <-\nequations:\n  - L = sum(W)\n', 'given.W', 'expected a matrix', 'got an empty list', id='graph-empty-matrix'),
    case('kind: graph\ntitle: T\ngiven:\n  W: [[], []]  # <-\nequations:\n  - L = sum(W)\n', 'given.W', 'row 0 is empty', id='graph-empty-row'),
    case('kind: graph\ntitle: T\ngiven:\n  W: [[1, 2], [3, 4]]\n  x: [1, 2, 3]\nequations:\n  - L = sum(W @ x)  # <-\n', 'equations[0]', "'@' needs the columns of the left (2×2) to match the rows of the right (3×1)", id='graph-matmul-mismatch'),
    case('kind: graph\ntitle: T\ngiven:\n  a: [1, 2]\n  b: [1, 2, 3]\nequations:\n  - L = sum(a + b)  # <-\n', 'equations[0]', "'+' needs equal shapes", 'got 2×1 and 3×1', id='graph-add-mismatch'),
    case('kind: graph\ntitle: T\ngiven:\n  p: [1, 2]\nequations:\n  - L = p[5]  # <-\n', 'equations[0]', 'index [5] is outside a 2×1 value', id='graph-index-out-of-range'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = relu(x, x)  # <-\n', 'equations[0]', 'relu takes 1 argument, got 2', id='graph-wrong-arity'),
    case('kind: graph\ntitle: T\ngiven:\n  x: true  # <-\nequations:\n  - L = x * 2\n', 'given.x', 'expected a number', 'True', id='graph-given-bool'),
    case('kind: graph\ntitle: T\ngiven:\n  x:  # <-\nequations:\n  - L = x * 2\n', 'given.x', 'expected a number', 'null', id='graph-given-null'),
    case('kind: graph\ntitle: T\ngiven:\n  x: {a: 1}  # <-\nequations:\n  - L = x * 2\n', 'given.x', 'expected a number', 'a mapping', id='graph-given-mapping'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * 2\nloss: M  # <-\n', 'loss', "unknown name 'M'", id='graph-loss-unknown'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * 2\nloss: [L]  # <-\n', 'loss', 'string', "['L']", id='graph-loss-list'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * 2\nwrt: [z]  # <-\n', 'wrt[0]', "unknown name 'z'", id='graph-wrt-unknown'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * 2\nwrt: 5  # <-\n', 'wrt', 'expected a list', 'got 5', id='graph-wrt-not-list'),
    case('kind: graph\ntitle: T\ngiven:\n  x: [1, 2]\nequations:\n  - L = x * 2\nwrt: [x]  # <-\n', 'loss', 'the loss must be a scalar', 'L is 2×1', line=1, id='graph-loss-not-scalar'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * x\nupdate:\n  lr: fast  # <-\n', 'update.lr', "unknown name 'fast'", id='graph-lr-text'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * x\nupdate:\n  lr: [1]  # <-\n', 'update.lr', 'expected a number', 'a list', id='graph-lr-list'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * x\nupdate:\n  lr: 1\n  momentum: 0.9  # <-\n', 'update.momentum', 'unknown field', id='graph-update-unknown-field'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\n  w: 2\nequations:\n  - L = (w * x) ** 2\nupdate:\n  lr: 1\n  data: []  # <-\n', 'update.data', 'non-empty list of observations', 'got an empty list', id='graph-update-data-empty'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\n  w: 2\nequations:\n  - L = (w * x) ** 2\nupdate:\n  lr: 1\n  mode: adam  # <-\n', 'update.mode', "'sequential' or 'batch'", "got 'adam'", id='graph-update-mode'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * x\nlayout: rows  # <-\n', 'layout', "'gradient' or 'jacobian'", "got 'rows'", id='graph-layout'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nsymbols: a  # <-\nequations:\n  - L = x * a\n', 'symbols', 'expected a list', "got 'a'", id='graph-symbols-not-list'),
    case('kind: graph\ntitle: T\ngiven:\n  x: [1, 2, 3]\n  w: [1, 1]\nequations:\n  - L = sum(conv1d(x, w, stride=0))  # <-\n', 'equations[0]', 'conv1d()', 'stride and dilation must be at least 1', id='graph-conv-bad-setting'),
    case('kind: graph\ntitle: T\ngiven:\n  x: [1, 2]\n  w: [1, 1, 1]\nequations:\n  - L = sum(conv1d(x, w))  # <-\n', 'equations[0]', 'kernel 3×1', 'does not fit the padded input 2×1', id='graph-conv-kernel-too-large'),
    case('kind: rnn\ntitle: T\ngiven:  # <-\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n', 'given.x', 'missing required field', id='rnn-missing-x'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: []  # <-\n', 'given.x', 'non-empty list', 'got an empty list', id='rnn-empty-x'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1, 1]]\n  x: [[1, 2], [1]]  # <-\n', 'given.x', 'every x_t must have the same size', 'x_2 has 1', id='rnn-x-ragged'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1, 1]]  # <-\n  x: [[1, 2, 3]]\n', 'given.W_xh', 'expected a 1×3 matrix', 'got 1×2', id='rnn-x-wrong-size'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1, 2]]  # <-\n  W_xh: [[1]]\n  x: [1]\n', 'given.W_hh', 'expected a 2×2 matrix', 'got 1×2', id='rnn-whh-not-square'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: transformer  # <-\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\n', 'given.cell', "'rnn', 'lstm' or 'gru'", "got 'transformer'", id='rnn-unknown-cell'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  activation: gelu  # <-\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\n', 'given.activation', "'sigmoid', 'tanh' or 'relu'", "got 'gelu'", id='rnn-unknown-activation'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\n  W_zz: [[1]]  # <-\n', 'given.W_zz', 'unknown field', id='rnn-unknown-field'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: lstm\n  W_ih: [[1], [1], [1]]\n  W_hh: [[1], [1], [1]]  # <-\n  x: [1]\n', 'given.W_hh', 'expected 4·1 = 4 rows', 'got 3', id='rnn-lstm-wrong-rows'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\nloss: L = h9 * 2  # <-\n', 'loss', "unknown name 'h9'", id='rnn-loss-unknown-name'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  activation: relu\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [0]\nloss: L = log(h1)  # <-\n', 'loss', 'log(h1)', 'log of 0', id='rnn-loss-log-zero'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  b_h: [1, 2]  # <-\n  x: [1]\n', 'given.b_h', 'one bias per hidden unit', 'got 2×1', id='rnn-bias-wrong-size'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: identity  # <-\n  W_xh: [[1]]\n  x: [1]\n', 'given.W_hh', 'expected a matrix', "got 'identity'", id='rnn-whh-text'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\nloss: L = sum(h1)\nwrt: [W_qq]  # <-\n', 'wrt[0]', "unknown parameter 'W_qq'", 'W_hh, W_xh', id='rnn-wrt-unknown'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\n  targets: {ℯ: 1}  # <-\nloss: L = sum(h1)\n', 'given.targets', "'ℯ' cannot name a target", 'plain ASCII names only', id='rnn-target-non-ascii'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1/0]]  # <-\n  W_xh: [[1]]\n  x: [1]\n', 'given.W_hh', 'entry [0][0]', 'division by zero', id='rnn-div-zero'),
    case('kind: gan\ntitle: T\ngiven:  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator', 'missing required field', id='gan-missing-generator'),
    case('kind: gan\ntitle: T\ngiven:\n  generator: []  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator', 'expected at least one layer', id='gan-empty-generator'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: []  # <-\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.noise', 'non-empty list of samples', 'got an empty list', id='gan-empty-noise'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: []  # <-\n  lr: 1\n', 'given.data', 'non-empty list of samples', 'got an empty list', id='gan-empty-data'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1]]  # <-\n  lr: 1\n', 'given.data', 'every sample must have the same size', 'sample 2 has 1', id='gan-data-ragged'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0, 0], [1, 1, 1]]\n  lr: 1\n', 'given.generator[0].weights', 'generator outputs 2 entries but the real samples have 3', line=5, id='gan-data-wrong-size'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1, 2], activation: sigmoid}  # <-\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.discriminator[1].weights', 'expected 2 columns', 'got 1×3', id='gan-shape-mismatch'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: swish}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator[0].activation', "'relu', 'leaky_relu'", "got 'swish'", id='gan-unknown-activation'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: fast  # <-\n', 'given.lr', "unknown name 'fast'", id='gan-lr-text'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 1/0}  # <-\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.discriminator[0].slope', 'division by zero', id='gan-slope-div-zero'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n  order: random  # <-\n', 'given.order', "'discriminator_first' or 'generator_first'", "got 'random'", id='gan-unknown-order'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n  d_steps: 0  # <-\n', 'given.d_steps', 'discriminator steps from 1 to 20', 'got 0', id='gan-zero-d-steps'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: -1/2  # <-\n', 'given.lr', 'expected a positive learning rate', "got '-1/2'", id='gan-negative-lr'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 0  # <-\n', 'given.lr', 'expected a positive learning rate', 'got 0', id='gan-zero-lr'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n  generator_loss: wasserstein  # <-\n', 'given.generator_loss', "'minimax' or 'non_saturating'", "got 'wasserstein'", id='gan-unknown-loss'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu, dropout: 0.5}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator[0].dropout', 'unknown field', id='gan-unknown-layer-field'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {activation: relu}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator[0].weights', 'missing required field', id='gan-weights-missing'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1, 2]], activation: relu}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator[0].weights', 'ragged matrix', id='gan-weights-ragged'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu, slope: 0.1}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator[0].slope', 'a slope is for activation: leaky_relu', id='gan-slope-on-relu'),
    case('kind: conv-inversion\ntitle: T\ngiven:  # <-\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n', 'given.Y', 'missing required field', id='inversion-missing-Y'),
    case('kind: conv-inversion\ntitle: T\ngiven:  # <-\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n', 'given.X', 'missing required field', id='inversion-missing-X'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n  groups: 2  # <-\n', 'given.groups', 'unknown field', 'allowed: X, W, Y, b', id='inversion-unknown-field'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: []  # <-\n  W: [[e]]\n  Y: [[1]]\n', 'given.X', 'expected a matrix', 'got an empty list', id='inversion-empty-X'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[]]  # <-\n  W: [[e]]\n  Y: [[1]]\n', 'given.X', 'mixes numbers and lists', id='inversion-empty-row'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 2], [3]]  # <-\n', 'given.Y', 'ragged', 'row 0 has 2 entries but row 1 has 1', id='inversion-ragged-Y'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, y], [3, 4]]  # <-\n', 'given.Y', 'entry [0][1]', "expected a number or '?'", "unknown name 'y'", id='inversion-Y-name'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, true], [3, 4]]  # <-\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n', 'given.X', 'entry [0][1]', 'expected a number', id='inversion-X-bool'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n  stride: 0  # <-\n', 'given.stride', 'greater than or equal to 1', 'got 0', id='inversion-stride-zero'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n  padding: -1  # <-\n', 'given.padding', 'non-negative integer', 'got -1', id='inversion-negative-padding'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n  flip: maybe  # <-\n', 'given.flip', 'expected true or false', "got 'maybe'", id='inversion-flip-text'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 1/0]]  # <-\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n', 'given.X', 'entry [1][1]', 'division by zero', id='inversion-div-zero'),
    case('kind: descent\ntitle: T\ngiven:\n  function: x^2\n  start: 1\n  lr: -1  # <-\n  iterations: 3\n', 'given.lr', 'expected a positive step size', id='descent-negative-lr'),
    case('kind: relu-pieces\ntitle: T\ngiven:\n  knots: [0, 1]\n  weights: [1]  # <-\n  points: [0]\n', 'given.weights', 'one weight per knot (2), got 1', id='relu-pieces-weights-short'),
    case('kind: symbolic\ntitle: T\ngiven:\n  x: tensor  # <-\nderivations:\n  - name: d\n    claim: c\n    steps: [2*x, x + x]\n', 'given.x', 'tensor', id='symbolic-unknown-sort'),
]

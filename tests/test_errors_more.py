"""Error messages for the slips users made (issue 15): each says what was wrong where it was wrong.

* an equation that cannot be read gets a hint: values side by side (``y = w x``: juxtaposition is not
  multiplication), unbalanced brackets, a second ``=``, a missing operand, a value called like a
  function (``w(x + 1)``), paper notation outside ASCII (``·``, ``²``);
* an unknown field names the fields of its own level; a field of ``given`` written at the top level
  says it belongs under given; a near spelling is suggested (``Whh`` → ``W_hh``);
* a conv inversion with no solution: ``-f json`` still gives a document (the verdict and the
  conflicting equations), with exit code 1 as before.

Every bad file gets one clean message with file, line and field, exit 3 (``helpers.bad_specs``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli
from helpers.bad_specs import case, check_bad_spec

from solver.api import load, render, solve
from solver.errors import UnsolvableError

GRAPH = "kind: graph\ntitle: T\ngiven:\n  w: 2\n  x: 3\nequations:\n"
RNN = "kind: rnn\ntitle: T\n"
GIVEN_FIELDS = "given's fields: W_hh, x, cell, activation, convention, W_xh, b_h"



@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Import the solver's heavy modules once, so the 2-second limit of a bad file measures its check."""
    import importlib

    for module in ("solver.engine.graph", "solver.kinds.conv_inversion", "solver.kinds.rnn", "solver.spec"):
        importlib.import_module(module)


EQUATION_SLIPS = [
    case(GRAPH + "  - y = w x  # <-\n", "equations[0]", "cannot read the expression 'w x'",
         "values side by side (juxtaposition) do not multiply: write w*x (or w @ x for a matrix product)",
         id="juxtaposition"),
    case(GRAPH + "  - y = 2x  # <-\n", "equations[0]", "do not multiply: write 2*x", id="number-juxtaposed"),
    case(GRAPH + "  - y = w @ x x  # <-\n", "equations[0]", "'x x': values side by side", id="juxtaposition-inside"),
    case(GRAPH + "  - y = (w + x) w  # <-\n", "equations[0]", "write )*w", id="bracket-then-name"),
    case(GRAPH + "  - y = (w + x  # <-\n", "equations[0]", "'(' at character 1 is never closed", id="unclosed"),
    case(GRAPH + "  - y = w + x)  # <-\n", "equations[0]", "')' at character 6 has no matching '('",
         id="unopened"),
    case(GRAPH + "  - y = relu(w[0)  # <-\n", "equations[0]", "')' at character 9 cannot close the '[' at character 7",
         id="crossed-brackets"),
    case(GRAPH + "  - y = w = x  # <-\n", "equations[0]", "an equation has one '=': name = expression",
         id="second-equals"),
    case(GRAPH + "  - y = w *  # <-\n", "equations[0]", "it ends with '*': an operand is missing", id="trailing-op"),
    case(GRAPH + "  - y = w(x + 1)  # <-\n", "equations[0]", "'w' is a value, not a function: to multiply, write w*(",
         id="value-called"),
    case(GRAPH + "  - y = (w + x)(w - x)  # <-\n", "equations[0]", "to multiply, write *", id="bracket-called"),
    case(GRAPH + "  - y = w·x  # <-\n", "equations[0]", "'·' (U+00B7) is not allowed", "(· is written *)",
         id="middle-dot"),
    case(GRAPH + "  - y = x²  # <-\n", "equations[0]", "(² is written ^2)", id="superscript-two"),
    case(GRAPH + "  - y = softplus(x)  # <-\n", "equations[0]", "unknown function 'softplus'", id="unknown-function"),
]


@pytest.mark.parametrize("bad", EQUATION_SLIPS)
def test_equation_slips_get_a_hint(bad, tmp_path: Path) -> None:
    check_bad_spec(bad, tmp_path)


def test_a_hint_only_where_one_applies(tmp_path: Path) -> None:
    """An unreadable expression with no known slip keeps the plain message (no invented hint)."""
    path = tmp_path / "p.yaml"
    path.write_text(GRAPH + "  - y = w + * x\n")
    result = run_cli("run", path)
    assert result.exit_code == 3
    assert result.stderr.rstrip().endswith("cannot read the expression 'w + * x'")


def test_caret_is_the_power(tmp_path: Path) -> None:
    """``x^2`` is read as ``x**2`` (as on paper), so it needs no hint: y = 3² = 9, dy/dx = 2·3 = 6."""
    path = tmp_path / "p.yaml"
    path.write_text(GRAPH + "  - y = x^2\nwrt: [x]\n")
    result = run_cli("run", path, "-f", "json")
    answers = json.loads(result.stdout)["answers"]
    assert (answers["y"]["exact"], answers["dy/dx"]["exact"]) == ("9", "6")


FIELD_SLIPS = [
    case(RNN + "W_hh: [[1]]  # <-\ngiven:\n  x: [1]\n", "W_hh", "unknown field at the top level: it belongs under given",
         GIVEN_FIELDS, id="rnn-given-field-at-top"),
    case(RNN + "given:\n  W_hh: [[1]]\n  x: [1]\n  Whh: 1  # <-\n", "given.Whh", "did you mean 'W_hh'?",
         "allowed: W_hh, x, cell", id="rnn-near-spelling"),
    case(RNN + "given:\n  W_hh: [[1]]\n  x: [1]\n  w_hh: 1  # <-\n", "given.w_hh", "did you mean 'W_hh'?",
         id="rnn-case-slip"),
    case(RNN + "given:\n  W_hh: [[1]]\n  x: [1]\n  zz: 1  # <-\n", "given.zz", "unknown field; allowed: W_hh, x, cell",
         id="rnn-unknown-in-given"),
    case(RNN + "given:\n  W_hh: [[1]]\n  x: [1]\nbh: [0]  # <-\n", "bh", "did you mean 'b_h' under given?",
         "allowed: kind, title, given, loss, wrt, factors", id="rnn-near-given-field-at-top"),
    case(RNN + "given:\n  W_hh: [[1]]\n  x: [1]\nwrtt: [W_hh]  # <-\n", "wrtt", "did you mean 'wrt'?", id="rnn-wrt-typo"),
    case("kind: gan\ntitle: T\ngiven:\n  noise: [1]\nlr: 1  # <-\n", "lr", "it belongs under given",
         "given's fields: generator, discriminator", id="gan-given-field-at-top"),
    case("kind: params\ntitle: T\ngiven:\n  model: mlp\n  sizes: [2, 1]\nbias: true  # <-\n", "bias",
         "unknown field; allowed: kind, title, given", id="params-top-level-unrelated"),
    case("kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x\nupdate:\n  lr: 1\n  params: [x]\n"
         "  mthod: sgd  # <-\n", "update.mthod", "did you mean 'method'?", "allowed: lr, params, method",
         id="graph-update-typo"),
]


@pytest.mark.parametrize("bad", FIELD_SLIPS)
def test_unknown_fields_name_their_own_level(bad, tmp_path: Path) -> None:
    check_bad_spec(bad, tmp_path)


# --- a conv inversion with no solution ------------------------------------------------------------

# Y[0,0] and Y[1,1] both read e + f + b (the windows of the identity hold the same pattern) but differ.
INCONSISTENT = ("kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]\n"
                "  W: [[e, e], [f, f]]\n  b: b\n  Y: [[1, 2], [3, 4]]\n")


def test_no_solution_gives_a_json_document(tmp_path: Path) -> None:
    """-f json: the document holds the verdict and the conflicting equations; the message and the exit
    code are those of the text output (1)."""
    path = tmp_path / "p.yaml"
    path.write_text(INCONSISTENT)
    result = run_cli("run", path, "-f", "json")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"dlsolve: error: {path}: the known outputs are inconsistent")
    document = json.loads(result.stdout)
    assert document["kind"] == "conv-inversion"
    answers = document["answers"]
    assert answers["verdict"]["exact"] == "inconsistent"
    assert [answers[f"conflict[{k}]"]["exact"] for k in (1, 2)] == ["e + f + b = 1", "e + f + b = 4"]
    assert "Y[0,0]: e + f + b = 1; Y[1,1]: e + f + b = 4" in result.stderr  # the same equations
    last = document["steps"][-1]
    assert last["title"] == "No solution: these equations conflict"
    assert [step["title"] for step in last["substeps"]] == ["Y[0,0]", "Y[1,1]"]


def test_no_solution_json_to_a_file_and_text_unchanged(tmp_path: Path) -> None:
    """-o out.json writes the document; the text format still prints nothing on stdout."""
    path = tmp_path / "p.yaml"
    path.write_text(INCONSISTENT)
    out = tmp_path / "out.json"
    result = run_cli("run", path, "-o", out)
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(out.read_text())["answers"]["verdict"]["exact"] == "inconsistent"
    text = run_cli("run", path)
    assert text.exit_code == 1 and text.stdout == ""


def test_the_library_error_carries_the_verdict() -> None:
    """``solver.api.solve`` raises UnsolvableError; its ``solution`` renders in every format."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.yaml"
        path.write_text(INCONSISTENT)
        (problem,) = load(path)
    with pytest.raises(UnsolvableError) as caught:
        solve(problem)
    assert caught.value.solution is not None
    for fmt in ("text", "latex", "markdown", "json"):
        assert "e + f + b = 4" in render([caught.value.solution], fmt)


def test_a_wrong_output_with_everything_known(tmp_path: Path) -> None:
    """Everything known and 2 + 3 ≠ 6: the conflict is the equation 0 = 1 (as the message says)."""
    path = tmp_path / "p.yaml"
    path.write_text('{"kind": "conv-inversion", "title": "t", "given": {"X": [1, 2, 3], "W": [1, 1], "Y": [3, 6]}}')
    result = run_cli("run", path, "-f", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["answers"]["conflict[1]"]["exact"] == "0 = 1"

"""kind: conv-inversion — the midterm problem, random instances with hidden entries, conflicts, limits.

Sources of the expected values:
- midterm Q2 (seed 002): derived by hand below (each equation written out in the comments) and
  re-checked with torch.nn.functional.conv2d on the completed input;
- random instances: a kernel, bias and input drawn at random, the output computed by torch
  (float64 on small integers, so exact); entries are then hidden and the solver must recover
  exactly the hidden values, or say that they are not determined — which, for systems linear in
  their unknowns, is checked independently by a rank test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sympy
import torch
import torch.nn.functional as F
from helpers import PROBLEMS, examples, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch.set_default_dtype(torch.float64)

MIDTERM = PROBLEMS / "conv-inversion.yaml"


def answers_of(result) -> dict[str, dict]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["answers"]


# --- the midterm problem ------------------------------------------------------------------------


def test_midterm_answers_exact() -> None:
    # Windows fully known: Y[1,0] = 3e + 2f + b = 6, Y[1,2] = −3e + 3f + b = 2, Y[2,1] = b = −1,
    # so b = −1, 3e + 2f = 7, −3e + 3f = 3 → f = 2, e = 1. Then Y[2,0] = 2e + f·X[3,0] + b = 3 → X[3,0] = 1,
    # Y[2,2] = 3e + f·X[3,3] + b = −2 → X[3,3] = −2, Y[1,1] = e·(2 − 1) + f·(−1 + 1) + b = 0, and the
    # top row: e(X00 + X01) + f(1 + 2) + b = 7 → X00 + X01 = 2; e(X01 + X02) + f(2 − 1) + b = 2 → X01 + X02 = 1;
    # e(X02 + X03) + f(−1 − 2) + b = −5 → X02 + X03 = 2.
    answers = answers_of(run_cli("run", MIDTERM, "--format", "json"))
    expected = {"e": 1, "f": 2, "b": -1, "X[3,0]": 1, "X[3,3]": -2, "Y[1,1]": 0,
                "X[0,0] + X[0,1]": 2, "X[0,1] + X[0,2]": 1, "X[0,2] + X[0,3]": 2}
    assert {name: a["exact"] for name, a in answers.items()} == {k: str(v) for k, v in expected.items()}
    assert all(answers[name]["value"] == value for name, value in expected.items())


def test_midterm_solution_reproduces_the_output_in_torch() -> None:
    t = 5  # any value of the free top-row unknown X[0,3]: X[0,0] = 3 − t, X[0,1] = t − 1, X[0,2] = 2 − t
    x = torch.tensor([[3 - t, t - 1, 2 - t, t], [1, 2, -1, -2], [3, -1, 1, 2], [1, 0, 0, -2]], dtype=torch.float64)
    w = torch.tensor([[1, 1], [2, 2]], dtype=torch.float64)
    y = F.conv2d(x[None, None], w[None, None], torch.tensor([-1.0]))[0, 0]
    assert y.tolist() == [[7, 2, -5], [6, 0, 2], [3, -1, -2]]


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown"])
def test_midterm_every_format_shows_the_answers(fmt: str) -> None:
    result = run_cli("run", MIDTERM, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for piece in ("Round 1", "Round 2", "X[0,0] + X[0,1]", "fully known input windows"):
        assert piece in out
    if fmt == "text":
        assert re.search(r"X\[3,3\]\s+=\s+−2", out) and re.search(r"Y\[1,1\]\s+=\s+0", out)


def test_midterm_steps_explain_the_stages() -> None:
    steps = json.loads(run_cli("run", MIDTERM, "--format", "json").stdout)["steps"]
    titles = [s["title"] for s in steps]
    assert titles[3] == "One equation per known output entry" and len(steps[3]["substeps"]) == 8
    first = next(s for s in steps if s["title"].startswith("Round 1"))
    assert first["title"] == "Round 1: solve Y[1,0], Y[1,2], Y[2,1]"
    assert "wait until the weights are known" in first["note"]
    assert [s["result"]["exact"] for s in first["substeps"]] == ["3e + 2f + b = 6", "−3e + 3f + b = 2", "b = −1",
                                                              "e = 1; f = 2; b = −1"]
    recheck = steps[-1]
    assert recheck["kind"] == "check" and len(recheck["substeps"]) == 8


# --- random instances -------------------------------------------------------------------------------

small = st.integers(-3, 3)


@st.composite
def instances(draw):
    """A random layer with true values, then what the problem hides."""
    dims = draw(st.sampled_from([1, 2]))
    stride, dilation = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    padding = draw(st.sampled_from([0, 1, "same"] if stride == 1 else [0, 1]))
    kernel = [1 if dims == 1 and axis == 0 else draw(st.integers(1, 3)) for axis in range(2)]
    pad = 0 if padding == "same" else padding
    size = [1 if dims == 1 and axis == 0 else draw(st.integers(max(1, dilation * (k - 1) + 1 - 2 * pad), 5))
            for axis, k in enumerate(kernel)]
    mode = draw(st.sampled_from(["numbers", "names", "rows"]))  # rows: one name per kernel row, as [[e, e], [f, f]]
    if mode == "rows":
        w = [[v] * kernel[1] for v in draw(st.lists(small, min_size=kernel[0], max_size=kernel[0]))]
    else:
        w = [draw(st.lists(small, min_size=kernel[1], max_size=kernel[1])) for _ in range(kernel[0])]
    x = [draw(st.lists(small, min_size=size[1], max_size=size[1])) for _ in range(size[0])]
    bias = draw(st.sampled_from(["zero", "known", "unknown"]))
    b = 0 if bias == "zero" else draw(small)
    hide_x = [[draw(st.booleans()) and draw(st.booleans()) for _ in row] for row in x]  # about a quarter hidden
    flip = draw(st.booleans())
    return dict(dims=dims, stride=stride, dilation=dilation, padding=padding, mode=mode, w=w, x=x, b=b, bias=bias,
                hide_x=hide_x, flip=flip, hide_y_seed=draw(st.integers(0, 2**16)))


def true_output(case: dict) -> list[list[int]]:
    x = torch.tensor(case["x"], dtype=torch.float64)
    w = torch.tensor(case["w"], dtype=torch.float64)
    kernel = w.flip([0, 1]) if case["flip"] else w
    b = torch.tensor([float(case["b"])])
    if case["dims"] == 1:
        y = F.conv1d(x.reshape(1, 1, -1), kernel.reshape(1, 1, -1), b, case["stride"], case["padding"], case["dilation"])
        return [[int(v) for v in y.reshape(-1).tolist()]]
    y = F.conv2d(x[None, None], kernel[None, None], b, case["stride"], case["padding"], case["dilation"])[0, 0]
    return [[int(v) for v in row] for row in y.tolist()]


def kernel_template(case: dict) -> tuple[list[list], dict[str, int]]:
    """The kernel as the problem writes it, and the true value of each name."""
    if case["mode"] == "numbers":
        return case["w"], {}
    truth, rows = {}, []
    for i, row in enumerate(case["w"]):
        names = []
        for j, value in enumerate(row):
            name = f"r{i}" if case["mode"] == "rows" else f"w{i}{j}"
            truth[name] = value
            names.append(name)
        rows.append(names)
    return rows, truth


def index(i: int, j: int, dims: int) -> str:
    return f"[{j}]" if dims == 1 else f"[{i},{j}]"


def flat(rows: list[list], dims: int) -> list:
    return rows[0] if dims == 1 else rows


def write_problem(case: dict, y: list[list[int]], hide_y: list[list[bool]], folder: Path) -> Path:
    w, _ = kernel_template(case)
    x = [["?" if hidden else v for v, hidden in zip(row, hides)] for row, hides in zip(case["x"], case["hide_x"])]
    shown_y = [["?" if hidden else v for v, hidden in zip(row, hides)] for row, hides in zip(y, hide_y)]
    given = {"X": flat(x, case["dims"]), "W": flat(w, case["dims"]), "Y": flat(shown_y, case["dims"]),
             "stride": case["stride"], "padding": case["padding"], "dilation": case["dilation"], "flip": case["flip"]}
    if case["bias"] != "zero":
        given["b"] = "bias" if case["bias"] == "unknown" else case["b"]
    path = folder / "inversion.yaml"
    path.write_text(json.dumps({"kind": "conv-inversion", "title": "random inversion", "given": given}))
    return path


def readable(name: str) -> sympy.Expr:
    """An answer name such as ``X[0,0] + 2*X[1,0]`` as a sympy expression (test side only: our own output)."""
    return sympy.sympify(re.sub(r"([XYW])\[(\d+)(?:,(\d+))?\]", lambda m: f"{m[1]}_{m[2]}_{m[3] or ''}", name))


def symbol(name: str) -> sympy.Symbol:
    return readable(name) if "[" in name else sympy.Symbol(name)


@pytest.mark.slow
@settings(max_examples=examples(120), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instances())
def test_random_inversions_recover_the_hidden_values(tmp_path_factory, case) -> None:
    import random

    dims = case["dims"]
    y = true_output(case)
    rng = random.Random(case["hide_y_seed"])
    hide_y = [[rng.random() < 0.25 for _ in row] for row in y]
    path = write_problem(case, y, hide_y, tmp_path_factory.mktemp("inv"))
    result = run_cli("run", path, "--format", "json")
    assert result.exit_code == 0, result.stderr  # consistent by construction
    report = json.loads(result.stdout)
    answers = report["answers"]

    _, kernel_truth = kernel_template(case)
    truth = {sympy.Symbol(name): value for name, value in kernel_truth.items()}
    if case["bias"] == "unknown":
        truth[sympy.Symbol("bias")] = case["b"]
    for i, row in enumerate(case["x"]):
        for j, value in enumerate(row):
            if case["hide_x"][i][j]:
                truth[symbol(f"X{index(i, j, dims)}")] = value
    outputs = {symbol(f"Y{index(i, j, dims)}"): value for i, row in enumerate(y) for j, value in enumerate(row)}

    determined = set()
    for name, answer in answers.items():
        expr = readable(name) if "[" in name or "+" in name or "*" in name or " - " in name else sympy.Symbol(name)
        if expr in truth:  # a recovered unknown: exactly the hidden value
            assert sympy.Integer(answer["exact"]) == truth[expr], name
            determined.add(expr)
        elif expr in outputs:  # a reconstructed output: exact when it is determined
            if answer["value"] is not None:
                assert answer["value"] == outputs[expr], name
        else:  # a relation among undetermined unknowns: the true values satisfy it
            assert expr.subs(truth) == sympy.Rational(answer["exact"]), name

    undetermined = set(truth) - determined
    if undetermined:
        open_step = next(s for s in report["steps"] if s["title"] == "What the known outputs leave open")
        assert f"{len(undetermined)} unknown" in open_step["note"]

    linear = case["mode"] == "numbers" or not any(any(row) for row in case["hide_x"])
    if linear:  # every equation is linear: check "determined" against a rank test
        assert determined == rank_determined(case, y, hide_y, truth)


def rank_determined(case: dict, y: list[list[int]], hide_y: list[list[bool]], truth: dict) -> set:
    """The unknowns fixed by the linear system of the known outputs (e_u in the row space of A)."""
    dims = case["dims"]
    w, _ = kernel_template(case)
    x_entries = [[symbol(f"X{index(i, j, dims)}") if case["hide_x"][i][j] else v for j, v in enumerate(row)]
                 for i, row in enumerate(case["x"])]
    w_entries = [[sympy.Symbol(v) if isinstance(v, str) else v for v in row] for row in w]
    b = sympy.Symbol("bias") if case["bias"] == "unknown" else case["b"]
    unknowns = sorted(truth, key=str)
    rows = []
    for (i, j), expr in symbolic_output(case, x_entries, w_entries, b).items():
        if not hide_y[i][j]:
            rows.append([sympy.expand(expr).coeff(u) for u in unknowns])
    if not rows:
        return set()
    matrix = sympy.Matrix(rows)
    rank = matrix.rank()
    return {u for k, u in enumerate(unknowns)
            if matrix.col_join(sympy.Matrix([[int(n == k) for n in range(len(unknowns))]])).rank() == rank}


def symbolic_output(case: dict, x: list[list], w: list[list], b) -> dict[tuple[int, int], sympy.Expr]:
    """The output entries as expressions, by the definition of a (padded, strided, dilated) correlation."""
    dims, s, d = case["dims"], case["stride"], case["dilation"]
    kh, kw = len(w), len(w[0])
    if case["flip"]:
        w = [row[::-1] for row in w[::-1]]
    pads = []
    for axis, k in enumerate((kh, kw)):
        if dims == 1 and axis == 0:
            pads.append(0)
        elif case["padding"] == "same":
            pads.append(d * (k - 1) // 2)
        else:
            pads.append(case["padding"])
    y = true_output(case)
    out = {}
    for oi in range(len(y)):
        for oj in range(len(y[0])):
            total = b
            for ki in range(kh):
                for kj in range(kw):
                    ii, jj = oi * s + ki * d - pads[0], oj * s + kj * d - pads[1]
                    if 0 <= ii < len(x) and 0 <= jj < len(x[0]):
                        total += w[ki][kj] * x[ii][jj]
            out[(oi, oj)] = total
    return out


def test_symbolic_output_agrees_with_torch() -> None:
    """The test's own definition of the layer (used by the rank test) matches torch on a fixed case."""
    case = dict(dims=2, stride=2, dilation=1, padding=1, flip=True, b=1,
                x=[[1, 2, 0], [0, -1, 3], [2, 2, 1]], w=[[1, -1], [2, 0]])
    expressions = symbolic_output(case, case["x"], case["w"], case["b"])
    y = true_output(case)
    assert {k: int(v) for k, v in expressions.items()} == {(i, j): v for i, row in enumerate(y) for j, v in enumerate(row)}


# --- conflicts, gaps and non-linear leftovers ------------------------------------------------------


def write(tmp_path: Path, given: dict) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(json.dumps({"kind": "conv-inversion", "title": "t", "given": given}))
    return path


def test_inconsistent_outputs_name_the_conflicting_equations(tmp_path: Path) -> None:
    # Y[0,0] and Y[1,1] both read e + f + b (each window holds 1, 0 / 0, 1 … in the same pattern) but differ.
    path = write(tmp_path, {"X": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "W": [["e", "e"], ["f", "f"]], "b": "b",
                            "Y": [[1, 2], [3, 4]]})
    result = run_cli("run", path)
    assert result.exit_code == 1 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"dlsolve: error: {path}: the known outputs are inconsistent")
    assert "Y[0,0]: e + f + b = 1; Y[1,1]: e + f + b = 4" in result.stderr
    assert "Y[0,1]" not in result.stderr  # the smallest conflicting set only


def test_a_wrong_output_with_everything_known_is_a_conflict(tmp_path: Path) -> None:
    path = write(tmp_path, {"X": [1, 2, 3], "W": [1, 1], "Y": [3, 6]})  # 2 + 3 = 5, not 6
    result = run_cli("run", path)
    assert result.exit_code == 1
    assert "Y[1]: 0 = 1" in result.stderr


def test_underdetermined_kernel_reports_relations_and_free_values(tmp_path: Path) -> None:
    path = write(tmp_path, {"X": [1, 2, "?", 4, 5], "W": ["p", "q"], "b": "?", "Y": [3, "?", "?", 9]})
    report = json.loads(run_cli("run", path, "--format", "json").stdout)
    # Y[0] = p + 2q + b = 3 and Y[3] = 4p + 5q + b = 9: two relations in p, q, b; X[2] only meets unknown outputs.
    assert {name: a["exact"] for name, a in report["answers"].items() if "Y" not in name} == \
        {"p + 2*q + b": "3", "4*p + 5*q + b": "9"}
    assert report["answers"]["Y[1]"]["value"] is None  # depends on what stays free
    open_step = next(s for s in report["steps"] if s["title"] == "What the known outputs leave open")
    assert "X[2] appears in no known output's equation" in open_step["note"]
    assert "2 independent relations among 3 unknowns leave 1 free" in open_step["note"]


def test_products_of_unknowns_that_stay_are_explained(tmp_path: Path) -> None:
    path = write(tmp_path, {"X": [["?", 1], [2, "?"]], "W": [["u", "v"], ["w", "z"]], "Y": [[5]]})
    result = run_cli("run", path)
    assert result.exit_code == 0, result.stderr
    assert "Staged elimination cannot go further" in result.stdout
    assert "No quantity is determined" in result.stdout


def test_staged_elimination_uses_a_value_found_from_a_product(tmp_path: Path) -> None:
    # Round 1: Y[0] = a·2 + 0·X[1] = 4 is linear (the unknown input meets the known weight 0) → a = 2.
    # Round 2: Y[1] = a·X[1] + 0·0 = 6 multiplies two unknowns; with a = 2 it is linear → X[1] = 3.
    path = write(tmp_path, {"X": [2, "?", 0], "W": ["a", 0], "Y": [4, 6]})
    answers = answers_of(run_cli("run", path, "--format", "json"))
    assert {name: a["exact"] for name, a in answers.items()} == {"a": "2", "X[1]": "3"}


@pytest.mark.parametrize("padding, flip, expected", [
    # 1D, kernel [k0, k1] over X = [1, ?, 3] with one zero either side: Y = [k1·1, k0·1 + k1·X1, k0·X1 + k1·3, k0·3]
    (1, False, {"k0": "2", "k1": "1", "X[1]": "-1"}),
    # flip: the kernel is reversed before it slides, so k0 and k1 swap roles
    (1, True, {"k0": "1", "k1": "2", "X[1]": "-1"}),
])
def test_padding_and_flip(tmp_path: Path, padding, flip, expected) -> None:
    path = write(tmp_path, {"X": [1, "?", 3], "W": ["k0", "k1"], "Y": [1, 1, 1, 6], "padding": padding, "flip": flip})
    answers = answers_of(run_cli("run", path, "--format", "json"))
    assert {name: a["exact"] for name, a in answers.items()} == expected


def test_unquoted_question_marks_read_as_unknowns(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("kind: conv-inversion\ntitle: t\ngiven:\n  X: [1, ?, 3]\n  W: [1, 1]\n  Y: [4, ?]\n")
    answers = answers_of(run_cli("run", path, "--format", "json"))
    assert answers["X[1]"]["exact"] == "3" and answers["Y[1]"]["exact"] == "6"


def test_relations_are_written_in_lowest_terms(tmp_path: Path) -> None:
    # Y[0] = 2·X[0] + 2·X[1] = 6 and Y[1] = 2·X[1] + 2·X[2] = 4: only relations, scaled to X[0] + X[1] = 3, X[1] + X[2] = 2.
    path = write(tmp_path, {"X": ["?", "?", "?"], "W": [2, 2], "Y": [6, 4]})
    answers = answers_of(run_cli("run", path, "--format", "json"))
    assert {name: a["exact"] for name, a in answers.items()} == {"X[0] + X[1]": "3", "X[1] + X[2]": "2"}

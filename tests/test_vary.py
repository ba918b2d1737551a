"""dlsolve vary (issue 17): the vary: section, deterministic variants, the answer key, --jobs, --shard,
--only, --roster, bad sections and constraints that cannot be met.

Every answer of every variant is checked for its form here with sympy, independently of
solver.vary.checks: a rational is tested with ``sympy.Rational`` and its ``q``, a multiple of ln p by
dividing by ``sympy.log(p)``. Each variant's written file is solved again from its text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
import sympy as sp
from helpers import PROBLEMS, run_cli
from helpers.bad_specs import EXIT_BAD_SPEC, assert_one_clean_error, case, check_bad_spec

from solver.api import solve_file
from solver.spec import load_file
from solver.trace import Approximate
from solver.vary import batch, variants
from solver.vary.draws import Stream


def entries(value):
    """Every number of an answer (a matrix's entries)."""
    if isinstance(value, Approximate):
        return [value]
    if isinstance(value, sp.MatrixBase):
        return list(value)
    return [sp.Integer(value) if isinstance(value, int) else value]


def rational(value, denominator: int) -> bool:
    return isinstance(value, sp.Rational) and value.q <= denominator


def combination(value, denominator: int, logs: tuple[int, ...]) -> bool:
    """value = q0 + Σ q_p·ln p, every q rational with denominator ≤ ``denominator`` (written without the code
    under test: each term divided by ln p must leave a rational)."""
    for term in sp.Add.make_args(sp.expand(value)):
        if rational(term, denominator):
            continue
        if not any(rational(sp.simplify(term / sp.log(p)), denominator) for p in logs):
            return False
    return True


def exact(value) -> bool:
    return not isinstance(value, Approximate) and not value.has(sp.Float)


def rational_times_tanh(value, denominator: int) -> bool:
    """value = q0 + Σ q·tanh(r), every q and r rational with denominator ≤ ``denominator``."""
    for term in sp.Add.make_args(sp.expand(value)):
        coefficient, rest = term.as_coeff_Mul()
        if not rational(coefficient, denominator):
            return False
        if rest != 1 and not (rest.func == sp.tanh and rational(rest.args[0], denominator)):
            return False
    return True


def rational_times_sigmoid(value, denominator: int) -> bool:
    """value = q0 + Σ q·σ(r), q and r rational with denominator ≤ ``denominator``: each term times
    (1 + e^(−r)), for r read off its exponentials, cancels to a rational (σ(r)·(1 + e^(−r)) = 1)."""
    for term in sp.Add.make_args(sp.expand(value)):
        if rational(term, denominator):
            continue
        powers = {a.args[0] for a in term.atoms(sp.exp)} | ({sp.Integer(1)} if term.has(sp.E) else set())
        if not any(rational(r, denominator) and rational(sp.cancel(sp.together(term * (1 + sp.exp(-r)))), denominator)
                   for x in powers for r in (x, -x)):
            return False
    return True


LSTM_STEP_1 = ("i1", "f1", "g1", "o1", "c1", "h1")
GAN_SIMPLE = ("xg_", "Dr_", "Df_", "dV_D/", "Wd1_new", "wd2_new")
GAN_FLOAT = ("V_G", "dV_G/", "Wg1_new", "Wg2_new")


def lstm_step_form(name: str, value) -> bool:
    """Step 1: rationals and rational·tanh(rational); step 2: exact and at most 10 in size."""
    if name in LSTM_STEP_1:
        return rational_times_tanh(value, 100)
    return exact(value) and abs(value.evalf()) <= 10


def gan_form(name: str, value) -> bool:
    """The discriminator's phase: rationals and rational·σ(rational) (V_D exact); the generator's phase may
    be floating point; everything at most 20 in size."""
    small = abs(sp.N(value.value if isinstance(value, Approximate) else value)) <= 20
    if name.startswith(GAN_SIMPLE):
        return small and rational_times_sigmoid(value, 100)
    return small and (name.startswith(GAN_FLOAT) or exact(value))


# problem → (variants, the check of every entry of every answer)
FORMS = {
    "multihead": (5, lambda v: combination(v, 4, (2,))),
    "rnn": (5, lambda v: combination(v, 65, (2,))),
    "conv-inversion": (5, lambda v: rational(v, 1)),
    "conv1d-backprop": (5, lambda v: combination(v, 17, (2, 3, 5, 17))),
    "lstm-step": (2, lstm_step_form),
    "gan": (2, gan_form),
}
NAMED = {"lstm-step", "gan"}  # their check also reads the answer's name
SLOW = {"lstm-step", "gan"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow if n in SLOW else ()) for n in FORMS])
def test_every_answer_of_every_variant_has_the_form(name, tmp_path):
    count, form = FORMS[name]
    [loaded] = load_file(PROBLEMS / f"{name}.yaml")
    made = variants(loaded, count, seed=17)
    assert [v.key for v in made] == [str(i) for i in range(1, count + 1)]
    assert len({v.hash for v in made}) == count  # no duplicates
    for variant in made:
        assert variant.problem.id == f"{name}-{variant.key}"
        for answer in variant.solution.answers:
            for value in entries(answer.value):
                good = form(answer.name, value) if name in NAMED else form(value)
                assert good, (name, variant.key, answer.name, value)
        # the written file is the variant: solved again from its text, the same answers
        file = tmp_path / variant.file_name
        file.write_text(variant.text, encoding="utf-8")
        [again] = solve_file(file)
        assert [(a.name, str(a.value)) for a in again.answers] == \
            [(a.name, str(a.value)) for a in variant.solution.answers]
        assert "\nvary:" not in variant.text


def test_multihead_variants_have_no_kink_and_no_zero_gradient():
    """k = W·x + b (the ReLU's input) computed here from each variant's givens: never 0."""
    [loaded] = load_file(PROBLEMS / "multihead.yaml")
    for variant in variants(loaded, 5, seed=3):
        given = variant.problem.spec.given
        W, x, b = (sp.Matrix(sp.sympify(given[n]) if isinstance(given[n], list) else [given[n]]) for n in "Wxb")
        assert all(k != 0 for k in W * x + b)
        for answer in variant.solution.answers:
            if answer.name.startswith("dL/d"):
                assert any(e != 0 for e in entries(answer.value))


def test_the_stream_is_sha256_of_the_material_and_a_counter():
    """The first draw below 10 from material b'm', written out by hand."""
    word = int.from_bytes(hashlib.sha256(b"m" + bytes(8)).digest()[:8], "big")
    assert word < (1 << 64) - (1 << 64) % 10  # not rejected, so the draw is this word mod 10
    assert Stream(b"m").below(10) == word % 10


def vary(*args) -> tuple[int, str]:
    result = run_cli("vary", *map(str, args))
    return result.exit_code, result.stderr


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("whole") / "out"
    assert vary(PROBLEMS / "multihead.yaml", "--count", 4, "--seed", 5, "-o", out)[0] == 0
    return files(out)


def test_a_rerun_is_byte_identical(whole, tmp_path):
    assert vary(PROBLEMS / "multihead.yaml", "-n", 4, "-s", 5, "-o", tmp_path / "again")[0] == 0
    assert files(tmp_path / "again") == whole
    assert sorted(whole) == ["key.csv", "key.json", *(f"multihead-{i}.yaml" for i in range(1, 5))]


def test_another_seed_gives_other_variants(whole, tmp_path):
    assert vary(PROBLEMS / "multihead.yaml", "-n", 4, "-s", 6, "-o", tmp_path / "other")[0] == 0
    assert files(tmp_path / "other")["key.csv"] != whole["key.csv"]


@pytest.mark.slow
def test_two_jobs_write_the_same_bytes(whole, tmp_path):
    assert vary(PROBLEMS / "multihead.yaml", "-n", 4, "-s", 5, "--jobs", 2, "-o", tmp_path / "jobs")[0] == 0
    assert files(tmp_path / "jobs") == whole


def test_shards_concatenate_to_the_whole(whole, tmp_path):
    parts = []
    for i in (1, 2):
        assert vary(PROBLEMS / "multihead.yaml", "-n", 4, "-s", 5, "--shard", f"{i}/2", "-o", tmp_path / f"s{i}")[0] == 0
        parts.append(files(tmp_path / f"s{i}"))
    for name in ("key.csv", "key.json"):
        assert parts[0][name] + parts[1][name] == whole[name]
    merged = {n: t for part in parts for n, t in part.items() if n.endswith(".yaml")}
    assert merged == {n: t for n, t in whole.items() if n.endswith(".yaml")}
    assert sorted(parts[0]) == ["key.csv", "key.json", "multihead-1.yaml", "multihead-2.yaml"]


def test_the_answer_key_holds_every_answer_exact_and_decimal(whole):
    rows = list(csv.DictReader(io.StringIO(whole["key.csv"].decode())))
    records = json.loads(whole["key.json"])
    assert [r["key"] for r in records] == ["1", "2", "3", "4"]
    for record in records:
        text = whole[record["file"]].decode()
        assert record["variant"] in text.splitlines()[1]
        assert record["answers"]["L"] == {"exact": "3*log(2)", "decimal": float(3 * sp.log(2).evalf(17))}
        mine = [r for r in rows if r["key"] == record["key"]]
        assert {r["variant"] for r in mine} == {record["variant"]}
        for row in mine:
            assert abs(float(row["decimal"]) - float(sp.Rational(row["exact"]) if "log" not in row["exact"]
                                                      else 3 * sp.log(2).evalf())) < 1e-12


def test_only_rewrites_one_variant_identically(whole, tmp_path):
    code, _ = vary(PROBLEMS / "multihead.yaml", "-n", 4, "-s", 5, "--only", 3, "-o", tmp_path / "one")
    assert code == 0
    assert files(tmp_path / "one") == {"multihead-3.yaml": whole["multihead-3.yaml"]}


def test_a_roster_gives_one_variant_per_student(tmp_path):
    roster = tmp_path / "students.csv"
    roster.write_text("id,name\ns1042,Ada\ns2001,Alan\n", encoding="utf-8")
    assert vary(PROBLEMS / "rnn.yaml", "--roster", roster, "-s", 1, "-o", tmp_path / "out")[0] == 0
    written = files(tmp_path / "out")
    assert sorted(written) == ["key.csv", "key.json", "rnn-s1042.yaml", "rnn-s2001.yaml"]
    assert {r["key"] for r in csv.DictReader(io.StringIO(written["key.csv"].decode()))} == {"s1042", "s2001"}
    assert vary(PROBLEMS / "rnn.yaml", "--roster", roster, "-s", 1, "--only", "s2001", "-o", tmp_path / "one")[0] == 0
    assert files(tmp_path / "one")["rnn-s2001.yaml"] == written["rnn-s2001.yaml"]


def test_run_ignores_the_vary_section(tmp_path):
    text = (PROBLEMS / "multihead.yaml").read_text(encoding="utf-8")
    plain = tmp_path / "multihead.yaml"
    plain.write_text(text[:text.index("vary:")], encoding="utf-8")
    assert run_cli("run", PROBLEMS / "multihead.yaml", "-f", "json").stdout == run_cli("run", plain, "-f", "json").stdout


IMPOSSIBLE = """\
kind: graph
title: T
given: {x: 1, w: 2}
equations: [L = sigmoid(w * x)]
vary:
  given: {x: {integers: [1, 3]}}
  constraints: {denominator: 100}
  tries: 5
"""


def test_constraints_that_cannot_be_met_stop_with_the_counts_and_write_nothing(tmp_path):
    spec = tmp_path / "p.yaml"
    spec.write_text(IMPOSSIBLE, encoding="utf-8")
    out = tmp_path / "out"
    code, stderr = vary(spec, "-n", 2, "-o", out, "--report")
    assert code == 1
    assert "variant 1 (key '1'): no draw met the constraints in 5 tries" in stderr
    assert "denominator/forms 5" in stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [spec]


def test_duplicates_are_rerolled_and_counted(tmp_path):
    spec = tmp_path / "p.yaml"
    spec.write_text(IMPOSSIBLE.replace("{denominator: 100}", "{}").replace("tries: 5", "tries: 50"), encoding="utf-8")
    [loaded] = load_file(spec)
    made = batch(loaded, 3, seed=0)
    assert sorted(v.problem.spec.given["x"] for v in made.variants) == [1, 2, 3]  # the only three draws
    assert made.rejected.get("duplicate", 0) == made.draws - 3
    code, stderr = vary(spec, "-n", 4, "-o", tmp_path / "out")
    assert code == 1 and "duplicate" in stderr


def usage(*args) -> str:
    result = run_cli("vary", *map(str, args))
    assert result.exit_code == 2, result.stderr
    return result.stderr


def test_bad_command_lines(tmp_path):
    spec = PROBLEMS / "multihead.yaml"
    assert "--shard 3/2" in usage(spec, "-n", 2, "--shard", "3/2", "-o", tmp_path / "o")
    assert "more shards" in usage(spec, "-n", 2, "--shard", "1/3", "-o", tmp_path / "o")
    assert "no such key" in usage(spec, "-n", 2, "--only", "7", "-o", tmp_path / "o")
    assert "--count N" in usage(spec, "-o", tmp_path / "o")
    assert "expected one problem with a vary: section, found 0" in usage(PROBLEMS / "lstm.yaml", "-n", 2,
                                                                          "-o", tmp_path / "o")
    roster = tmp_path / "r.csv"
    roster.write_text("name\nAda\n", encoding="utf-8")
    assert "column 'id'" in usage(spec, "--roster", roster, "-o", tmp_path / "o")
    roster.write_text("id\na\na\n", encoding="utf-8")
    assert "twice" in usage(spec, "--roster", roster, "-o", tmp_path / "o")
    assert not (tmp_path / "o").exists()


HEAD = "kind: graph\ntitle: T\ngiven:\n  x: [1, 2]\n  W: [[1, 0]]\nequations: [L = sum(W @ x)]\n"
BAD_VARY = [
    case(HEAD + "vary: 3  # <-\n", "vary", "expected a mapping", id="not-a-mapping"),
    case(HEAD + "vary:\n  constraints: {}  # <-\n", "vary.given", "missing required field", line=7, id="no-given"),
    case(HEAD + "vary:\n  given: {}  # <-\n", "vary.given", "at least one given", id="empty-given"),
    case(HEAD + "vary:\n  given:\n    y: {integers: [1, 2]}  # <-\n", "vary.given.y", "no given 'y'", id="unknown-given"),
    case(HEAD + "vary:\n  given:\n    x[: {integers: [1, 2]}  # <-\n", "vary.given.x[", "expected a path", id="bad-path"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [3, 1]}  # <-\n", "vary.given.x.integers", "low ≤ high", id="range-reversed"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, a]}  # <-\n", "vary.given.x.integers[1]", "expected an integer", id="range-not-int"),
    case(HEAD + "vary:\n  given:\n    x: {integer: [1, 2]}  # <-\n", "vary.given.x.integer", "unknown field", id="draw-unknown"),
    case(HEAD + "vary:\n  given:\n    x: {}  # <-\n", "vary.given.x", "exactly one of", id="draw-none"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, 2], choose: [1]}  # <-\n", "vary.given.x", "exactly one of", id="draw-two"),
    case(HEAD + "vary:\n  given:\n    x:\n      choose: [1, ln(-1)]  # <-\n", "vary.given.x.choose[1]", "expected an exact number", id="choose-bad-number"),
    case(HEAD + "vary:\n  given:\n    x:\n      choose: []  # <-\n", "vary.given.x.choose", "at least one value", id="choose-empty"),
    case(HEAD + "vary:\n  given:\n    x:\n      choose: [1, 1]  # <-\n", "vary.given.x.choose", "listed twice", id="choose-twice"),
    case(HEAD + "vary:\n  given:\n    W:\n      choose_whole: [[[1, 0]], [1, 0]]  # <-\n", "vary.given.W.choose_whole[1]", "expected the shape", id="whole-shape"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, 2]}\n  constraints: {denominator: 0}  # <-\n", "vary.constraints.denominator", "positive integer", id="denominator-zero"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, 2]}\n  constraints: {forms: [ln(2)]}  # <-\n", "vary.constraints.forms", "give denominator too", id="forms-alone"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, 2]}\n  constraints:\n    denominator: 2\n    forms: [3]  # <-\n", "vary.constraints.forms[0]", "irrational form", id="forms-rational"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, 2]}\n  constraints: {kinks: maybe}  # <-\n", "vary.constraints.kinks", "expected true or false", id="kinks-not-bool"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, 2]}\n  constraints: {max_abs: -1}  # <-\n", "vary.constraints.max_abs", "positive rational", id="max-abs-negative"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, 2]}\n  constraints: {exact: true}  # <-\n", "vary.constraints.exact", "unknown field", id="constraint-unknown"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, 2]}\n  tries: 0  # <-\n", "vary.tries", "from 1 to 10000", id="tries-zero"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, 2]}\n  statement: x is {q}  # <-\n", "vary.statement",
         "{q} is not a given of this problem", id="statement-unknown-given"),
    case(HEAD + "vary:\n  given:\n    x: {integers: [1, 2]}\n  statement: [x]  # <-\n", "vary.statement",
         "string", id="statement-not-text"),
]


def test_the_statement_quotes_the_drawn_values(tmp_path):
    """multihead's statement template: each variant's statement holds its own W, b, x, y1 and y2."""
    import yaml

    out = tmp_path / "v"
    assert run_cli("vary", PROBLEMS / "multihead.yaml", "-n", 2, "-s", 3, "-o", out).exit_code == 0
    for file in sorted(out.glob("multihead-*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        x = "(" + ", ".join(str(v).replace("-", "−") for v in data["given"]["x"]) + ")"
        assert f"x = {x} belongs to class {data['given']['y1']} of the first head" in data["statement"]
        assert "{" not in data["statement"]


@pytest.mark.parametrize("bad", BAD_VARY)
def test_a_bad_vary_section_gives_one_clean_error(bad, tmp_path):
    check_bad_spec(bad, tmp_path)


def test_vary_refuses_a_bad_section_and_writes_nothing(tmp_path):
    spec = tmp_path / "p.yaml"
    spec.write_text(HEAD + "vary:\n  given:\n    x: {integers: [3, 1]}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("vary", spec, "-n", 2, "-o", out)
    assert_one_clean_error(result, spec, out, EXIT_BAD_SPEC)
    assert f"{spec}:9: vary.given.x.integers:" in result.stderr


@pytest.mark.slow
def test_two_jobs_handle_a_kind_whose_spec_type_is_made_at_run_time(tmp_path):
    """conv-inversion's spec type cannot be pickled: the workers send back the attempt, not the problem."""
    for jobs in (1, 2):
        assert vary(PROBLEMS / "conv-inversion.yaml", "-n", 3, "-s", 2, "-j", jobs, "-o", tmp_path / f"j{jobs}")[0] == 0
    assert files(tmp_path / "j1") == files(tmp_path / "j2")


@pytest.mark.slow
def test_thirty_variants_as_moodle_xml_and_per_variant_pdfs(tmp_path):
    """dlsolve vary --format moodle: 30 multihead variants, one cloze question each in the category, whose
    fields read back to that variant's answers (the key's decimals); --pdf-each compiles (2 variants)."""
    import json as json_module
    import xml.etree.ElementTree as ET

    from solver.export.cloze import read_fields

    out = tmp_path / "course"
    result = run_cli("vary", PROBLEMS / "multihead.yaml", "-n", 30, "-s", 5, "--format", "moodle",
                     "--category", "DL/Midterm", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "moodle.xml" in result.stderr
    quiz = ET.fromstring((out / "moodle.xml").read_text(encoding="utf-8"))
    category, *questions = quiz.findall("question")
    assert category.get("type") == "category" and category.findtext("category/text") == "$course$/top/DL/Midterm"
    key = json_module.loads((out / "key.json").read_text(encoding="utf-8"))
    assert len(questions) == len(key) == 30
    for question, record in zip(questions, key):
        assert question.get("type") == "cloze" and question.findtext("idnumber") == record["key"]
        fields = read_fields(question.findtext("questiontext/text", ""))
        decimals = [d for answer in record["answers"].values() for d in _flat(answer["decimal"])]
        assert [field[0].value for field in fields] == pytest.approx(decimals, rel=1e-12, abs=1e-12)
    pdfs = tmp_path / "pdfs"
    assert run_cli("vary", PROBLEMS / "multihead.yaml", "-n", 2, "-s", 5, "--pdf-each", "-j", 2,
                   "-o", pdfs).exit_code == 0
    assert sorted(p.name for p in pdfs.glob("*.pdf")) == ["exam-1.pdf", "exam-2.pdf", "solution-1.pdf",
                                                          "solution-2.pdf"]


def _flat(value):
    return [x for item in value for x in _flat(item)] if isinstance(value, list) else [value]

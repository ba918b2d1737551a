"""Computational-graph drawings: Graphviz DOT (rendered with dot), Mermaid, the terminal view and
the ``dlsolve graph`` command."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml
from helpers import PROBLEM_FILES, PROBLEMS, ROOT, run_cli, slow_unless

from solver.render.dot import dot, dot_many
from solver.render.graph_text import render as graph_text
from solver.render.mermaid import escape, mermaid
from solver.trace import DrawEdge, Drawing, DrawNode

requires_dot = pytest.mark.skipif(shutil.which("dot") is None,
                                  reason="Graphviz's dot is not installed (CI installs graphviz)")


@cache
def drawings(path: Path) -> tuple[tuple[str, Drawing], ...]:
    """The (name, drawing) pairs of a problem file (solved once per test session)."""
    from solver.api import solve_file

    return tuple((s.id, d) for s in solve_file(path) for d in s.drawings)


def kinds(path: Path) -> set[str]:
    """The kinds of the problems in a file (read, not solved: collection stays fast)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {problem["kind"] for problem in data.get("problems", [data])}


DRAWN_KINDS = {"graph", "rnn", "gan"}  # the kinds whose solutions carry computational-graph drawings
DRAWN = [path for path in PROBLEM_FILES if kinds(path) & DRAWN_KINDS]
FAST_DRAWN = {"graph-add-mul", "rnn", "gan"}  # the fast loop draws one file of each drawn kind
DRAWN_CASES = [pytest.param(path, id=path.stem, marks=slow_unless(path.stem in FAST_DRAWN)) for path in DRAWN]
ADD_MUL = PROBLEMS / "graph-add-mul.yaml"


def render_svg(source: str) -> str:
    done = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "Error" not in done.stderr, done.stderr
    return done.stdout


def node_line(source: str, title: str) -> str:
    """The DOT line of the node whose bold title is ``title``."""
    (line,) = [line for line in source.splitlines() if f"<B>{title}</B>" in line]
    return line


def test_the_graph_kinds_have_drawings_and_the_others_none() -> None:
    assert {p.stem for p in DRAWN} >= {"graph-add-mul", "sigmoid-neuron", "norm-wx", "relu-net-step", "rnn", "gan",
                                       "conv2d-backprop"}
    assert not drawings(PROBLEMS / "lstm.yaml") and not drawings(PROBLEMS / "conv-inversion.yaml")


@pytest.mark.slow
def test_exactly_the_files_of_the_drawn_kinds_have_drawings() -> None:
    """DRAWN (by kind, without solving) is exactly the bank files whose solutions have drawings."""
    assert [path for path in PROBLEM_FILES if drawings(path)] == DRAWN


@requires_dot
@pytest.mark.parametrize("problem", DRAWN_CASES)
def test_dot_renders_with_graphviz(problem: Path) -> None:
    items = list(drawings(problem))
    for which in ("both", "backward"):
        svg = render_svg(dot_many(items, which) if len(items) > 1 else dot(items[0][1], which, items[0][0]))
        assert svg.count("<g id=\"node") >= sum(len(d.nodes) for _, d in items) // 2
    render_svg(dot(items[0][1], "forward"))


def test_cs231n_example_values_and_gradients() -> None:
    ((_, drawing),) = drawings(ADD_MUL)  # x = −2, y = 5, z = −4: q = x + y = 3, f = q·z = −12
    forward = dot(drawing, "forward")
    for title, value in [("x", "−2"), ("y", "5"), ("z", "−4"), ("(q, +)", "3"), ("(f, ·)", "−12")]:
        assert f'<FONT COLOR="darkgreen">{value}</FONT>' in node_line(forward, title)
    assert "red3" not in forward
    backward = dot(drawing, "backward")
    for title, grad in [("x", "−4"), ("y", "−4"), ("z", "3"), ("(q, +)", "−4"), ("(f, ·)", "1")]:
        line = node_line(backward, title)
        assert f'<FONT COLOR="red3">{grad}</FONT>' in line and "darkgreen" not in line
    edges = {line.split(" [")[0].strip(): line for line in backward.splitlines() if " -> " in line}
    assert '<FONT COLOR="red3">3</FONT>' in edges["n2 -> n4"]  # ∂f/∂z = local q · upstream 1
    assert '<FONT COLOR="red3">−4</FONT>' in edges["n0 -> n3"] and "dir=back" in edges["n0 -> n3"]
    both = dot(drawing)
    assert "rankdir=LR" in both and "local × upstream" in both and "sum (Σ)" in both
    line = node_line(both, "(q, +)")
    assert line.index("darkgreen") < line.index("red3")  # values above, gradients below


def test_fan_in_sum_is_marked() -> None:
    ((_, drawing),) = drawings(PROBLEMS / "multihead.yaml")  # h feeds both heads
    assert '<FONT COLOR="red3">Σ (1/4, −1/4)</FONT>' in node_line(dot(drawing), "(h, ReLU)")
    text = graph_text([("multihead", drawing)])
    # the heads' products W1·h and W2·h by the names the forward pass declares (z2, z3)
    assert "∂L/∂h = (1/4, −1/4) = (−1/4, 1/4) from z2 + (1/2, −1/2) from z3" in text


def nasty_drawing() -> Drawing:
    nodes = (DrawNode("n0", 'a"b[c]|d<e>&f#g`{h}', "", "given", 2, 3),
             DrawNode("n1", "ŷ′ (x) -- y --> ;", "+", "variable", 5, 1))
    return Drawing('A "quoted" <title> & more', nodes, (DrawEdge("n0", "n1", 3),), "n1")


@requires_dot
def test_dot_escapes_names_and_titles() -> None:
    source = dot(nasty_drawing(), name='p"1')
    assert "&lt;e&gt;&amp;f" in source and "a&quot;b" in source and 'digraph "p\\"1"' in source
    assert "&lt;title&gt; &amp; more" in source
    svg = render_svg(source)  # renders without complaint
    assert "&lt;e&gt;" in svg and "ŷ′" in svg


def test_mermaid_escapes_labels() -> None:
    assert escape('a"b|c<d>&e#f`') == "a#quot;b#124;c#lt;d#gt;#amp;e#35;f#96;"
    for which in ("forward", "backward"):
        block = mermaid(nasty_drawing(), which)
        assert block.startswith("```mermaid\nflowchart ") and block.endswith("```\n")
        body = block.splitlines()[2:-1]
        for line in body:
            if "[" in line and not line.strip().startswith(("classDef", "style")):
                assert re.fullmatch(r'  n\d+\["[^"|<>&`]*(<br/>[^"|<>&`]*)*"\]:::\w+', line), line
        assert "ŷ′ (x) -- y --#gt; ;" in block  # Unicode kept, arrows in a label defused
    assert '-- "3" -->' in mermaid(nasty_drawing(), "backward")


def test_markdown_has_forward_and_backward_mermaid_graphs() -> None:
    markdown = run_cli("run", ADD_MUL, "--format", "markdown").stdout
    assert "**Computational graph**" in markdown and markdown.count("```mermaid") == 2
    assert "flowchart LR" in markdown and "flowchart RL" in markdown and 'n0["x<br/>−2"]' in markdown
    assert "```mermaid" not in run_cli("run", PROBLEMS / "lstm.yaml", "--format", "markdown").stdout


@pytest.mark.parametrize("problem", DRAWN_CASES)
def test_terminal_view_fits_80_columns(problem: Path) -> None:
    text = graph_text(list(drawings(problem)))
    assert max(len(line) for line in text.splitlines()) <= 80
    for _, drawing in drawings(problem):
        for node in drawing.nodes:
            if node.kind != "constant":
                assert node.label in text


def test_graph_command_text() -> None:
    result = run_cli("graph", ADD_MUL)
    assert result.exit_code == 0, result.stderr
    assert "(q, +) ← x, y → f" in result.stdout and "∂f/∂x = −4 (from q)" in result.stdout
    assert "value −12" in result.stdout
    forward = run_cli("graph", ADD_MUL, "--which", "forward").stdout
    assert "value 3" in forward and "∂f" not in forward


@requires_dot
def test_graph_command_writes_svg_and_png(tmp_path: Path) -> None:
    svg, png = tmp_path / "g.svg", tmp_path / "g.png"
    assert run_cli("graph", ADD_MUL, "-o", svg).exit_code == 0  # format from the suffix
    assert svg.read_text().lstrip().startswith("<?xml") and "−12" in svg.read_text()
    result = run_cli("graph", ADD_MUL, "--format", "png", "-o", png)
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_several_graphs_give_one_file_each(tmp_path: Path) -> None:
    result = run_cli("graph", PROBLEMS / "gan.yaml", ADD_MUL, "-o", tmp_path / "g.dot")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g-gan-1.dot", "g-gan-2.dot", "g-graph-add-mul.dot"]
    assert "wrote 3 files" in result.stderr
    one = run_cli("graph", PROBLEMS / "gan.yaml", "--format", "dot").stdout  # stdout: one digraph, clusters
    assert one.count("digraph") == 1 and "subgraph cluster_1" in one


def test_missing_dot_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "g.svg"
    result = run_cli("graph", ADD_MUL, "--format", "svg", "-o", out)
    assert result.exit_code == 2
    assert "Graphviz's dot program" in result.stderr and "apt-get install graphviz" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists() and list(tmp_path.iterdir()) == []
    assert run_cli("graph", ADD_MUL, "--format", "dot").exit_code == 0  # DOT text needs no program


def test_problem_without_a_graph(tmp_path: Path) -> None:
    out = tmp_path / "g.dot"
    result = run_cli("graph", PROBLEMS / "lstm.yaml", "-o", out)
    assert result.exit_code == 2 and "no computational graph" in result.stderr and not out.exists()
    backward = run_cli("graph", PROBLEMS / "rnn.yaml", "--which", "backward")  # no loss: nothing differentiated
    assert backward.exit_code == 2 and "try --which forward" in backward.stderr
    mixed = run_cli("graph", PROBLEMS / "lstm.yaml", ADD_MUL)
    assert mixed.exit_code == 0 and "note: lstm (kind params) has no computational graph" in mixed.stderr


def test_tikz_format() -> None:
    result = run_cli("graph", ADD_MUL, "--format", "tikz")
    if importlib.util.find_spec("solver.render.tikz") is None:
        assert result.exit_code == 2 and "--format tikz is not available" in result.stderr
    else:
        assert result.exit_code == 0, result.stderr
        assert result.stdout.count("\\begin{tikzpicture}") == 2  # forward and backward


def test_graph_command_keeps_startup_light() -> None:
    code = "import sys, solver.cli; print(sorted({'sympy', 'numpy', 'jinja2'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr

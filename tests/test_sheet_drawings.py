"""Issue 14, finding 5 (GAN drawings), finding 16 (TikZ fragments fit the line) and the rnn/gan part of
the size targets: drawings worth printing and solution sheets without repetition.

The drawings are checked as data (:class:`solver.trace.Drawing`), as TikZ and as DOT: gradient arrows
only where the backward pass sends a gradient, the leaky ReLU's slope written on its node, no two node
boxes overlapping and no edge through a third node's box (every drawing of the bank, in the layered
layout and in Graphviz's), and a ``dlsolve graph -f tikz`` fragment no wider than a plain article's line.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from solver import api
from solver.cli import app
from solver.trace import Drawing, Step

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"
GAN = PROBLEMS / "gan.yaml"
ARROW = re.compile(r"\\draw\[(\w+)[^\]]*\] \((n\d+)\)(?: -- \([^)]*\))* -- \((n\d+)\);")


@pytest.fixture(scope="module")
def gan() -> Any:
    """The solved GAN step of problems/gan.yaml (a discriminator phase, then a generator phase)."""
    (solution,) = api.solve_file(GAN)
    return solution


def _ancestors(drawing: Drawing) -> set[str]:
    """The loss and every node with a path to it, read from the drawing's edges."""
    assert drawing.loss is not None
    found, changed = {drawing.loss}, True
    while changed:
        changed = False
        for edge in drawing.edges:
            if edge.target in found and edge.source not in found:
                found.add(edge.source)
                changed = True
    return found


def _layered_tikz(drawing: Drawing, monkeypatch: pytest.MonkeyPatch) -> str:
    """The backward TikZ picture in the layered layout (straight segments between node ids, easy to read back)."""
    real = shutil.which
    with monkeypatch.context() as patch:
        patch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real(name, *a, **k))
        from solver.render import tikz

        return tikz.backward(drawing)


def test_gradient_arrows_only_on_edges_towards_the_loss(gan: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No gradient on an edge whose consumer has no path to the loss (D(x) = σ(a) does not feed V_D)."""
    assert [d.title for d in gan.drawings] == ["Discriminator step", "Generator step"]
    for drawing in gan.drawings:
        towards = _ancestors(drawing)
        for edge in drawing.edges:
            if edge.grad is not None:
                assert edge.target in towards, (drawing.title, drawing.node(edge.target).label)
        arrows = ARROW.findall(_layered_tikz(drawing, monkeypatch))
        assert arrows, drawing.title
        for style, consumer, _source in arrows:  # a backward arrow runs from the consumer back to its input
            if style == "back":
                assert consumer in towards, (drawing.title, drawing.node(consumer).label)
        off_path = {drawing.node(c).label for style, c, _ in arrows if c not in towards}
        assert "Df_1" in off_path, off_path  # D(G(z_1)) = σ(af_1) is drawn, and V uses the logit af_1


def test_every_edge_on_the_path_to_the_loss_carries_a_gradient(gan: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """In both phases, an edge between two nodes the backward pass visits carries what it passes back:
    in the data, as a red arrow in TikZ and as a labelled edge in DOT."""
    from solver.render import dot

    for drawing in gan.drawings:
        on_path = {n.id for n in drawing.nodes if n.grad is not None} | {drawing.loss}
        carrying = [e for e in drawing.edges if e.source in on_path and e.target in on_path]
        assert len(carrying) >= 10, drawing.title  # e.g. Wg1 → hg1_i → xg_i → hf1_i → af_i → V_G
        assert all(e.grad is not None for e in carrying), [
            (drawing.node(e.source).label, drawing.node(e.target).label) for e in carrying if e.grad is None]
        styles = {(source, consumer): style for style, consumer, source in
                  ARROW.findall(_layered_tikz(drawing, monkeypatch))}
        for edge in carrying:
            assert styles[(edge.source, edge.target)] == "back", drawing.node(edge.source).label
        text = dot.dot(drawing, "backward")
        for edge in carrying:
            line = next(x for x in text.splitlines() if x.strip().startswith(f"{edge.source} -> {edge.target} "))
            assert "label=" in line, line


def test_the_generator_phase_draws_its_gradients(gan: Any) -> None:
    """The caption promises red arrows: the generator's phase has them (gradients reach Wg1 and Wg2)."""
    from solver.render import tikz

    generator = gan.drawings[1]
    picture = tikz.backward(generator)
    assert picture.count("\\draw[back") >= 10
    reached = {n.label for n in generator.nodes if n.grad is not None}
    assert {"Wg1", "Wg2", "xg_1", "af_1"} <= reached


def test_the_slope_is_written_on_its_node_not_drawn_as_an_input(gan: Any) -> None:
    """problems/gan.yaml: the discriminator's first layer is LeakyReLU with slope 0.2 = 1/5."""
    from solver.render import dot, tikz

    for drawing in gan.drawings:
        labels = [n.label for n in drawing.nodes]
        assert not [label for label in labels if label.startswith("slope")], labels
        leaky = [n for n in drawing.nodes if n.op.startswith("LeakyReLU")]
        assert len(leaky) == (6 if drawing.title.startswith("Discriminator") else 3)  # hr1_i, hf1_i
        for node in leaky:
            assert "1/5" in node.op or "0.2" in node.op, node.op
        inputs_with_many_edges = [n.label for n in drawing.nodes if not n.op and n.kind != "constant"
                                  and sum(e.source == n.id for e in drawing.edges) > 3]
        assert set(inputs_with_many_edges) <= {"Wd1", "wd2", "Wg1", "Wg2"}, inputs_with_many_edges
        assert "<B>slope_Wd1</B>" not in dot.dot(drawing)  # no node of its own in Graphviz either
        assert "\\mathrm{LeakyReLU}_{" in tikz.forward(drawing)


def _boxes_apart(a: Any, b: Any) -> bool:
    return abs(a.x - b.x) >= (a.width + b.width) / 2 - 1e-6 or abs(a.y - b.y) >= (a.height + b.height) / 2 - 1e-6


def _inside(point: tuple[float, float], box: Any, margin: float = 0.03) -> bool:
    x, y = point
    return abs(x - box.x) < box.width / 2 - margin and abs(y - box.y) < box.height / 2 - margin


def _samples(path: Any, boxes: dict[str, Any]) -> Iterator[tuple[float, float]]:
    """Points along an edge as drawn: Bézier pieces (Graphviz) or straight segments (node centre to centre)."""
    if path.curved:
        points = list(path.points)
        for k in range(0, len(points) - 3, 3):
            p0, p1, p2, p3 = points[k:k + 4]
            for i in range(41):
                t = i / 40
                yield tuple(((1 - t) ** 3) * a + 3 * ((1 - t) ** 2) * t * b + 3 * (1 - t) * t * t * c + t ** 3 * d
                            for a, b, c, d in zip(p0, p1, p2, p3))  # type: ignore[misc]
        return
    source, target = boxes[path.source], boxes[path.target]
    points = [(source.x, source.y), *path.points, (target.x, target.y)]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        for i in range(81):
            t = i / 80
            yield x0 + t * (x1 - x0), y0 + t * (y1 - y0)


def _bank_drawings() -> list[tuple[str, Drawing]]:
    return [(solution.id, drawing) for path in sorted(PROBLEMS.glob("*.yaml"))
            for solution in api.solve_file(path) for drawing in solution.drawings]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["layers", "dot"])
def test_no_overlapping_boxes_and_no_edge_through_a_node(engine: str) -> None:
    """Every drawing of the bank, forward and backward: node boxes apart, each edge clear of every node but
    its own two (the layered layout always; Graphviz's where dot is installed)."""
    from solver.render import tikz

    if engine == "dot" and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    drawings = _bank_drawings()
    assert len(drawings) >= 19
    for name, drawing in drawings:
        for backward in (False, True):
            scene = tikz.scene(drawing, backward, engine=engine)
            boxes = {box.id: box for box in scene.nodes}
            nodes = list(scene.nodes)
            for i, a in enumerate(nodes):
                for b in nodes[i + 1:]:
                    assert _boxes_apart(a, b), f"{name}: {a.id} and {b.id} overlap"
            for path in scene.paths:
                others = [box for key, box in boxes.items() if key not in (path.source, path.target)]
                for point in _samples(path, boxes):
                    hit = next((box for box in others if _inside(point, box)), None)
                    assert hit is None, (f"{name} ({drawing.title}): the edge {path.source} → {path.target} "
                                         f"runs through {hit.id if hit else ''}")


def test_no_edge_through_a_node_in_the_gan_layered_layout() -> None:
    """The fast version of the geometry check: both GAN phases, layered layout."""
    from solver.render import tikz

    for drawing in api.solve_file(GAN)[0].drawings:
        scene = tikz.scene(drawing, True, engine="layers")
        boxes = {box.id: box for box in scene.nodes}
        for path in scene.paths:
            others = [box for key, box in boxes.items() if key not in (path.source, path.target)]
            assert not any(_inside(p, box) for p in _samples(path, boxes) for box in others), path


def test_a_graph_too_large_to_draw_is_summarised() -> None:
    """Beyond tikz.MAX_DRAWN nodes the sheet says so in words instead of drawing a tangle."""
    from solver.render import tikz
    from solver.trace import DrawEdge, DrawNode

    count = tikz.MAX_DRAWN + 5
    nodes = tuple(DrawNode(f"n{i}", f"v{i}", "" if i == 0 else "+", "given" if i == 0 else "variable", i)
                  for i in range(count))
    edges = tuple(DrawEdge(f"n{i}", f"n{i + 1}") for i in range(count - 1))
    big = Drawing("A long chain", nodes, edges, f"n{count - 1}")
    picture = tikz.forward(big)
    assert "tikzpicture" not in picture and f"{count} nodes" in picture and "too many" in picture
    (figure,) = tikz.figures((big,))
    assert "tikzpicture" not in figure["forward"]


def test_tikz_fragment_fits_a_plain_article(tmp_path: Path) -> None:
    """``dlsolve graph -f tikz`` in a plain article (its text width): no Overfull \\hbox (today's GAN fragment
    was 239 pt too wide)."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    fragment = tmp_path / "graphs.tex"
    result = CliRunner().invoke(app, ["graph", str(GAN), "-f", "tikz", "-o", str(fragment)])
    assert result.exit_code == 0, result.output
    (tmp_path / "article.tex").write_text(
        "\\documentclass{article}\n\\usepackage{amsmath,graphicx,tikz}\n\\usetikzlibrary{arrows.meta}\n"
        "\\begin{document}\n\\input{graphs.tex}\n\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "article.tex"], cwd=tmp_path,
                          capture_output=True, timeout=300, check=False)
    log = (tmp_path / "article.log").read_text(errors="replace")
    assert done.returncode == 0, log[-2000:]
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*", log)


# --- sizes: what is specific to the gan and rnn kinds --------------------------------------------------


def _walk(steps: tuple[Step, ...]) -> Iterator[Step]:
    for step in steps:
        yield step
        yield from _walk(step.substeps)


def _shown(solution: Any, detail: str) -> list[Step]:
    from solver.detail import at_detail

    return list(_walk(at_detail(solution, detail).steps))


def test_gan_shows_the_generator_samples_once_at_standard_and_keeps_every_step_at_full(gan: Any) -> None:
    """151 steps: the count of problems/gan.yaml's steps before issue 14 (the trace of /work/wt/base)."""
    full, standard = _shown(gan, "full"), _shown(gan, "standard")
    assert len(full) >= 151
    assert len(standard) < len(full)
    assert sum(step.title == "hg1_1" for step in full) == 2  # G(z_1) in both phases
    assert sum(step.title == "hg1_1" for step in standard) == 1  # the discriminator's phase only
    assert any("the same values as in the phase before" in str(step.note) for step in standard)


def test_rnn_forward_steps_are_compact_below_full() -> None:
    """problems/lstm-step.yaml: one step per gate and state; its products and sums (W_ii·x1, + b_ii) only at
    full (67 steps before issue 14, the trace of /work/wt/base)."""
    (solution,) = api.solve_file(PROBLEMS / "lstm-step.yaml")
    full, standard = _shown(solution, "full"), _shown(solution, "standard")
    assert len(full) >= 67
    assert any(step.title == "W_ii·x1" for step in full)
    assert not any(step.title == "W_ii·x1" for step in standard)
    assert {"i1", "f1", "g1", "o1", "c1", "h1", "i2", "h2"} <= {step.title for step in standard}

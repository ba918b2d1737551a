"""Notebook display (issue 18): a Solution's ``_repr_html_``, ``_repr_latex_`` and ``_repr_mimebundle_``, the
example notebook executed by nbclient, and values inside HTML prose (a Phrase's values) as MathML.

Expected values, and where they come from:
- problems/mlp-binary.yaml: h = W·x + b = (1 − 2 + 2, 2 + 0 − 1, −1 + 2 − 2) = (1, 1, −1), h' = (1, 1, 0),
  s = wᵀ·h' = 2 − 1 + 0 = 1, y = 1, so L = −ln σ(1) = ln(1 + e⁻¹); its decimal is taken from PyTorch
  (float64 ``binary_cross_entropy_with_logits``) and printed to 6 significant digits as the page does.
- problems/lstm.yaml: 2 layers, hidden 500, input 300; PyTorch's ``nn.LSTM(300, 500, 2)`` has 3,608,000
  parameters with its two bias vectors per gate; the textbook total drops one: 3,608,000 − 2·4·500 = 3,604,000.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sympy

from solver.api import render, solve_file
from solver.i18n import using
from solver.trace import Solution, Step, StepKind, phrase

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "notebook.ipynb"
TYPES = {"text/plain", "text/html", "text/latex", "application/json"}
THIN = "\u2009"  # the page groups digits with thin spaces


def torch_bce_at_one() -> float:
    """−ln σ(1), the loss of mlp-binary, by PyTorch in float64."""
    import torch

    logit = torch.tensor(1.0, dtype=torch.float64)
    return float(torch.nn.functional.binary_cross_entropy_with_logits(logit, torch.tensor(1.0, dtype=torch.float64)))


def torch_lstm_textbook_total() -> int:
    """The parameters of a 2-layer LSTM (300 → 500) by PyTorch, less its second bias vector per gate and layer."""
    import torch

    pytorch_total = sum(p.numel() for p in torch.nn.LSTM(300, 500, num_layers=2).parameters())
    assert pytorch_total == 3_608_000
    return pytorch_total - 2 * 4 * 500


@pytest.fixture(scope="module")
def lstm() -> Solution:
    return solve_file(ROOT / "problems" / "lstm.yaml")[0]


@pytest.fixture(scope="module")
def mlp() -> Solution:
    return solve_file(ROOT / "problems" / "mlp-binary.yaml")[0]


def css_selectors(html: str) -> list[str]:
    """Every selector of the first ``<style>`` element (comma-separated lists split)."""
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    return [s.strip() for rule in re.findall(r"([^{}]+)\{[^{}]*\}", style.group(1)) for s in rule.split(",")]


def test_mimebundle_holds_the_four_types_each_as_its_renderer_makes_it(lstm: Solution) -> None:
    bundle = lstm._repr_mimebundle_()
    assert bundle is not None and set(bundle) == TYPES
    assert bundle["text/plain"] == render([lstm], "text")
    assert bundle["application/json"] == json.loads(render([lstm], "json"))
    assert bundle["application/json"]["answers"]["total"]["exact"] == str(torch_lstm_textbook_total())
    assert bundle["text/html"] == lstm._repr_html_()
    assert bundle["text/latex"] == lstm._repr_latex_()


def test_mimebundle_include_and_exclude(lstm: Solution) -> None:
    assert set(lstm._repr_mimebundle_(include={"text/latex"}) or {}) == {"text/latex"}
    assert set(lstm._repr_mimebundle_(exclude={"text/html", "text/plain"}) or {}) == {"text/latex", "application/json"}


def test_html_is_a_fragment_whose_style_cannot_restyle_the_notebook(lstm: Solution) -> None:
    html = lstm._repr_html_()
    assert html is not None
    assert html.startswith('<div class="dlsolve" lang="en">') and html.rstrip().endswith("</div>")
    assert not re.search(r"<(html|head|body|!DOCTYPE)\b", html, re.I)
    selectors = css_selectors(html)
    assert selectors and all(s == ".dlsolve" or s.startswith(".dlsolve ") for s in selectors), selectors
    total = f"{torch_lstm_textbook_total():,}".replace(",", THIN)
    answer = re.search(r'<li data-answer="total">(.*?)</li>', html, re.S)
    assert answer is not None and "<math" in answer.group(1) and f"<mn>{total}</mn>" in answer.group(1)
    # the page keeps its own global style
    page = render([lstm], "html")
    assert page.startswith("<!DOCTYPE html>") and "body {" in page and "dlsolve {" not in page


def test_html_fragment_follows_the_language(lstm: Solution) -> None:
    with using("hr"):
        html = lstm._repr_html_()
    assert html is not None and html.startswith('<div class="dlsolve" lang="hr">')


def test_latex_is_one_align_environment_of_the_answers(mlp: Solution) -> None:
    latex = mlp._repr_latex_()
    assert latex is not None
    lines = latex.splitlines()
    assert lines[0] == r"\begin{align*}" and lines[-1] == r"\end{align*}"
    assert len(lines) == len(mlp.answers) + 2 and "$" not in latex
    loss = next(line for line in lines if line.startswith("L &= "))
    assert loss == rf"L &= \ln{{\left(\mathrm{{e}}^{{-1}} + 1 \right)}} \approx {torch_bce_at_one():.6g} \\"


def test_latex_compiles(mlp: Solution, lstm: Solution, tmp_path: Path) -> None:
    """What nbconvert puts into a LaTeX document is valid LaTeX (amsmath, as nbconvert's template loads)."""
    pdflatex = "/usr/bin/pdflatex"
    if not Path(pdflatex).exists():
        pytest.skip("pdflatex is not installed")
    body = "\n".join(s._repr_latex_() or "" for s in (mlp, lstm))
    (tmp_path / "x.tex").write_text("\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n"
                                    f"{body}\n\\end{{document}}\n", encoding="utf-8")
    done = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "x.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout[-2000:]


def test_a_solution_shows_plain_repr_when_the_api_registered_no_display() -> None:
    """The trace itself prints nothing: without solver.api there is no rich display (Jupyter uses repr)."""
    code = ("from solver.trace import Solution; s = Solution('a', 'b', 'c'); "
            "print(s._repr_html_(), s._repr_latex_(), s._repr_mimebundle_()); "
            "import solver.api; print(s._repr_html_()[:20])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.splitlines() == ["None None None", '<div class="dlsolve"']


def test_values_in_html_titles_and_notes_are_mathml() -> None:
    step = Step(kind=StepKind.EVALUATE, title=phrase("Observation {i}: y = {y}", i=1, y=sympy.Rational(-3, 4)),
                note=phrase("with {x} & more", x=sympy.Matrix([[1, 2]])))
    solution = Solution(id="t", kind="graph", title="T", steps=(step,))
    html = render([solution], "html")
    math = '<math xmlns="http://www.w3.org/1998/Math/MathML">'
    assert (f'<span class="title">Observation {math}<mn>1</mn></math>: y = '
            f"{math}<mrow><mo>−</mo><mfrac><mn>3</mn><mn>4</mn></mfrac></mrow></math></span>") in html
    matrix = "<mrow><mo>[</mo><mtable><mtr><mtd><mrow><mn>1</mn></mrow></mtd><mtd><mrow><mn>2</mn></mrow></mtd>"
    assert f'<p class="note">with {math}{matrix}</mtr></mtable><mo>]</mo></mrow></math> &amp; more</p>' in html
    # the other formats write the same phrase as before: words and values as text
    assert " 1  Observation 1: y = −3/4\n    with [[1, 2]] & more\n" in render([solution], "text")


def outputs(cell: Any) -> list[Any]:
    return list(cell.get("outputs", []))


@pytest.mark.slow
def test_example_notebook_runs_and_shows_solutions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Executed by nbclient in a python3 kernel (ipykernel) from the checkout's top folder (about 10 s)."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    every = [output for cell in code for output in outputs(cell)]
    assert not [o for o in every if o.output_type == "error"]
    assert not [o for o in every if o.output_type == "stream" and o.name == "stderr"]

    [shown] = outputs(code[1])  # `solution`: one result, nothing displayed by the way (rich detects notebooks)
    assert shown.output_type == "execute_result" and set(shown.data) >= TYPES
    assert shown.data["text/plain"].startswith("mlp-binary · graph ")
    html = shown.data["text/html"]
    assert "<math" in html and f"<mn>{torch_bce_at_one():.6g}</mn>" in html
    assert shown.data["application/json"]["id"] == "mlp-binary"

    printed = "".join(o.text for o in outputs(code[3]) if o.output_type == "stream")  # render(…, "latex")
    assert printed.startswith("\\documentclass") and "\\end{document}" in printed

    displayed = [o for o in outputs(code[4]) if o.output_type == "display_data"]  # display(*solve_file(…))
    assert len(displayed) == 1 and "<math" in displayed[0].data["text/html"]
    total = f"{torch_lstm_textbook_total():,}".replace(",", THIN)
    assert f"<mn>{total}</mn>" in displayed[0].data["text/html"]

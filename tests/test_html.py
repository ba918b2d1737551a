"""``--format html``: one self-contained page, math as MathML, graphs as inline SVG.

Known values are derived in the tests (sources stated beside them); the whole bank is solved and
rendered once, in a module fixture, for the slow checks (well-formed MathML, table of contents,
nothing loaded from the network) and the real-browser check (Debian's chromium, headless).
"""

from __future__ import annotations

import html
import json
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import PROBLEM_FILES, PROBLEMS, run_cli

MATHML = "{http://www.w3.org/1998/Math/MathML}"
MATH = re.compile(r"<math\b.*?</math>", re.S)
VOID = {"meta", "br", "hr", "img", "input", "link"}


class Structure(HTMLParser):
    """Reads a page: its ids, its in-page links, its answers, and whether every tag is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.answers: list[str] = []
        self.resources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if values.get("data-answer") is not None:
            self.answers.append(values["data-answer"])
        for name in ("src", "href", "xlink:href", "data", "poster"):
            if values.get(name) and not values[name].startswith("#"):
                self.resources.append(values[name])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


def structure(page: str) -> Structure:
    parser = Structure()
    parser.feed(page)
    parser.close()
    return parser


def answers_math(page: str) -> dict[str, ET.Element]:
    """Each answer's ``<math>`` element, by the answer's name."""
    found = re.findall(r'<li data-answer="([^"]*)">(<math\b.*?</math>)', page, re.S)
    return {html.unescape(name): ET.fromstring(element) for name, element in found}


def texts(element: ET.Element, tag: str) -> list[str]:
    return [e.text or "" for e in element.iter(MATHML + tag)]


def page_of(name: str) -> str:
    from solver.api import render, solve_file

    return render(solve_file(PROBLEMS / name), "html")


def test_known_values_print_as_mathml_fractions_matrices_and_functions() -> None:
    answers = answers_math(page_of("multihead.yaml"))
    # k = W·x + b = [[1,1,0],[0,0,1]]·(1,2,3) + 0 = (3, 3): a 2×1 matrix, one <mtd> per entry
    table = answers["k"].find(f".//{MATHML}mtable")
    assert table is not None
    assert [[texts(cell, "mn") for cell in row] for row in table] == [[["3"]], [["3"]]]
    # h = ReLU(k) = (3, 3); s2 = W2·h + b2 = 3 − 3 + 0 = 0, p2 = σ(0) = 1/2: a fraction, not 0.5
    fraction = answers["p2"].find(f".//{MATHML}mfrac")
    assert fraction is not None and texts(fraction, "mn") == ["1", "2"]
    # s1 = W1·h + b1 = (3, 3, 3, 3), so p1 = softmax(s1) = 1/4 each; L = −ln(1/4) − ln(1 − 1/2) = 3 ln 2
    loss = answers["L"]
    assert "ln" in texts(loss, "mi") and texts(loss, "mn")[:2] == ["3", "2"]
    assert texts(loss, "mn")[-1] == f"{3 * math.log(2):.6g}"  # the decimal beside it: 2.07944
    # ∂L/∂b2 = p2 − y2 = 1/2 (BCE after a sigmoid), its name as ∂L/∂b₂ with a subscript
    gradient = answers["dL/db2"]
    assert texts(gradient, "mo")[:2] == ["∂", "/"] and gradient.find(f".//{MATHML}msub") is not None
    assert texts(gradient.find(f".//{MATHML}mfrac"), "mn") == ["1", "2"]
    # the sigmoid neuron: f = 1/(1 + e^−1) = σ(1) ≈ 0.731059 (1/(1 + exp(−1)) in float64)
    neuron = answers_math(page_of("sigmoid-neuron.yaml"))
    assert texts(neuron["f"], "mi") == ["f", "σ"]
    assert texts(neuron["f"], "mn")[-1] == f"{1 / (1 + math.exp(-1)):.6g}"
    # e = exp(−1): ℯ as an identifier with the exponent −1
    assert texts(neuron["e"], "mi")[1] == "ℯ" and neuron["e"].find(f".//{MATHML}msup") is not None


def test_cli_writes_the_page_by_suffix_and_by_format(tmp_path: Path) -> None:
    problem = PROBLEMS / "sigmoid-neuron.yaml"
    result = run_cli("run", problem, "-o", tmp_path / "page.html")
    assert result.exit_code == 0, result.stderr
    written = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert written.startswith("<!DOCTYPE html>") and written.rstrip().endswith("</html>")
    shown = run_cli("run", problem, "--format", "html")
    assert shown.exit_code == 0 and shown.stdout.strip() == written.strip()
    assert not structure(written).errors


def test_user_text_is_escaped(tmp_path: Path) -> None:
    source = (PROBLEMS / "sigmoid-neuron.yaml").read_text(encoding="utf-8")
    hostile = '"<script>alert(1)</script> & <b>bold</b>"'
    problem = tmp_path / "hostile.yaml"
    problem.write_text(re.sub(r"(?m)^title: .*$", f"title: {hostile}", source, count=1), encoding="utf-8")
    page = run_cli("run", problem, "--format", "html").stdout
    assert "<script>" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


@pytest.fixture(scope="module")
def bank() -> tuple[list, str]:
    """Every problem of the bank, solved once, and their page."""
    from solver.api import render, solve_file

    solutions = [solution for path in PROBLEM_FILES for solution in solve_file(path)]
    return solutions, render(solutions, "html")


@pytest.mark.slow
def test_every_problem_renders_as_a_well_formed_self_contained_page(bank) -> None:
    solutions, page = bank
    parsed = structure(page)
    assert not parsed.errors and parsed.stack == []
    elements = MATH.findall(page)
    assert len(elements) > 10 * len(solutions)
    for element in elements:  # well-formed XML in the MathML namespace, nothing but MathML inside
        tree = ET.fromstring(element)
        assert tree.tag == MATHML + "math"
        assert all(node.tag.startswith(MATHML) for node in tree.iter()), element[:200]
    # self-contained: nothing fetched from anywhere (no src/href outside the page, no CSS url or import)
    assert parsed.resources == []
    assert not re.search(r"url\(|@import|<link\b|<script\b|<iframe\b", page)
    # one section per problem, each in the contents, every link resolving to an id, ids unique
    assert len(parsed.ids) == len(set(parsed.ids))
    sections = re.findall(r'<section class="problem" id="([^"]+)"', page)
    assert len(sections) == len(solutions)
    assert [link.removeprefix("#") for link in parsed.links] == sections
    assert set(sections) <= set(parsed.ids)
    # every answer of every problem, with its value as the JSON output gives it
    assert parsed.answers == [a.name for s in solutions for a in s.answers]


@pytest.mark.slow
def test_answers_carry_their_values(bank) -> None:
    """Every integer and fraction answer (as the JSON contract writes it) shows its digits in its <math>."""
    from solver.api import render

    solutions, page = bank
    by_section = re.split(r'<section class="problem"', page)[1:]
    checked = 0
    for solution, section in zip(solutions, by_section):
        elements = answers_math(section)
        for name, answer in json.loads(render([solution], "json"))["answers"].items():
            exact = str(answer["exact"])
            numbers = [n.replace("\u2009", "") for n in texts(elements[name], "mn")]
            if re.fullmatch(r"-?\d+", exact):
                assert exact.lstrip("-") in numbers, (solution.id, name, exact, numbers)
                assert ("−" in texts(elements[name], "mo")) == exact.startswith("-")
                checked += 1
            elif fraction := re.fullmatch(r"-?(\d+)/(\d+)", exact):
                shown = elements[name].find(f".//{MATHML}mfrac")
                assert shown is not None and texts(shown, "mn") == list(fraction.groups()), (solution.id, name)
                checked += 1
    assert checked > 50


CHECK = """<script>
window.dlsolveErrors = [];
window.addEventListener("error", e => window.dlsolveErrors.push(String(e.message)));
const consoleError = console.error;
console.error = (...a) => { window.dlsolveErrors.push(a.join(" ")); consoleError(...a); };
window.addEventListener("load", () => {
  const boxes = [...document.getElementsByTagNameNS("http://www.w3.org/1998/Math/MathML", "math")]
    .map(m => m.getBoundingClientRect());
  const out = document.createElement("pre");
  out.id = "dlsolve-check";
  out.textContent = JSON.stringify({count: boxes.length, empty: boxes.filter(b => !(b.width > 0 && b.height > 0)).length,
                                    errors: window.dlsolveErrors});
  document.body.appendChild(out);
});
</script>"""

requires_chromium = pytest.mark.skipif(shutil.which("chromium") is None,
                                       reason="chromium is not installed (CI installs Debian's chromium)")
BROWSER = ["--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--no-first-run",
           "--disable-extensions", "--enable-logging=stderr", "--v=0"]


@requires_chromium
@pytest.mark.slow
def test_every_math_element_lays_out_in_a_real_browser(bank, tmp_path: Path) -> None:
    _, page = bank
    checked = tmp_path / "checked.html"
    checked.write_text(page.replace("<head>", "<head>\n" + CHECK, 1), encoding="utf-8")
    done = subprocess.run(["chromium", *BROWSER, "--virtual-time-budget=10000", "--dump-dom", checked.as_uri()],
                          capture_output=True, text=True, timeout=180, check=False)
    found = re.search(r'<pre id="dlsolve-check">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    report = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert report["count"] == len(MATH.findall(page))
    assert report["empty"] == 0 and report["errors"] == []
    assert not re.search(r"CONSOLE.*(Uncaught|Error)", done.stderr)
    # a screenshot of a seed problem (looked at when the page changes: see the README's HTML section)
    single = tmp_path / "multihead.html"
    single.write_text(page_of("multihead.yaml"), encoding="utf-8")
    shot = tmp_path / "multihead.png"
    subprocess.run(["chromium", *BROWSER, f"--screenshot={shot}", "--window-size=1000,1400", single.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert shot.stat().st_size > 10_000  # a page drawn, not a blank one

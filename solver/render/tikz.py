"""Computational graphs as TikZ pictures: the forward graph (values on the nodes) and the backward
graph (the cs231n picture: values above in blue, ∂L/∂node below in red, every edge labelled with
what it passes back, local × upstream).

Needs only ``\\usepackage{tikz}`` with ``\\usetikzlibrary{arrows.meta}``. Positions come from
:mod:`solver.render.layout`, with node sizes estimated here from the typeset text (generously, so
labels never touch). Values are kept short: integers exact, other numbers by 3 significant digits,
matrices up to 4×4 as small matrices, larger ones by their shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from solver.i18n import tr
from solver.render import latex_notation, latex_values, prose, values
from solver.render.layout import Placement, layers, place, place_by_dot
from solver.trace import Drawing, DrawNode

MAX_DETAILED = 24  # beyond this many nodes a picture shows names and operations only
MAX_DRAWN = 60  # beyond this many nodes a graph is summarised in words instead of drawn
SUMMARY_INPUTS = 12  # inputs named in such a summary
MAX_MATRIX = 4  # rows and columns of a matrix drawn inside a node
DIGITS = 3  # significant digits of a non-integer on a node

NAME_EM = 0.19  # cm per character of a node's name line (\small)
VALUE_EM = 0.15  # cm per character of a value (\scriptsize)
NAME_HEIGHT = 0.45
VALUE_LINE = 0.3
PADDING = 0.25  # inner sep and border, both sides
LABEL_MARGIN = 0.35  # cm of line left visible beside an edge label
INNER_NAME = 9  # characters of an unnamed intermediate's expression drawn on its node

OP_TEX = {"+": "+", "−": "-", "·": r"\cdot", "/": "/", "^": r"(\cdot)^{n}", "ᵀ": r"(\cdot)^{\top}",
          "‖·‖²": r"\|\cdot\|^{2}", "[·]": r"[\cdot]", "Σ": r"\Sigma", "σ": r"\sigma", "exp": r"\exp", "ln": r"\ln",
          "tanh": r"\tanh"}

STYLES = (
    "x=1cm, y=-1cm, font=\\small,\n"
    "  every node/.style={align=center, inner sep=2pt},\n"
    "  input/.style={draw, rectangle, fill=gray!8},\n"
    "  op/.style={draw, rounded corners=4pt, fill=blue!4},\n"
    "  constant/.style={draw, circle, inner sep=1.5pt},\n"
    "  loss/.style={op, double, fill=orange!10},\n"
    "  reached/.style={draw=red!70!black, thick},\n"
    "  edge/.style={-{Stealth[length=4pt]}, semithick, gray!70!black},\n"
    "  back/.style={-{Stealth[length=4pt]}, semithick, red!70!black},\n"
    "  still/.style={thin, gray!60},\n"
    "  grad/.style={font=\\scriptsize, text=red!70!black, fill=white, inner sep=1pt},\n"
    "  value/.style={text=blue!60!black}, gradient/.style={text=red!70!black}"
)


FIT_MACRO = r"""\ifdefined\dlsfit\else
\newsavebox{\dlsgraph}
\newcommand{\dlsfit}[1]{\sbox{\dlsgraph}{#1}%
  \ifdim\wd\dlsgraph>\linewidth\sbox{\dlsgraph}{\resizebox{\linewidth}{!}{\usebox{\dlsgraph}}}\fi
  \ifdim\ht\dlsgraph>0.75\textheight\sbox{\dlsgraph}{\resizebox{!}{0.75\textheight}{\usebox{\dlsgraph}}}\fi
  \usebox{\dlsgraph}}
\fi"""
r"""Defines ``\dlsfit{picture}`` (unless defined): the picture as it is, or scaled down to the line width and
75% of the text height (graphicx's ``\resizebox``); the solution sheet defines the same."""


def fitted(picture: str) -> str:
    """A picture that is scaled down to the line width where it is wider (needs :data:`FIT_MACRO` first)."""
    return "\\noindent\\dlsfit{%\n" + picture + "}"


def detailed(drawing: Drawing) -> bool:
    """Whether the pictures carry values and gradients (small enough to stay legible)."""
    return len(drawing.nodes) <= MAX_DETAILED


def has_backward(drawing: Drawing) -> bool:
    """Whether the drawing carries a backward pass (some node has a gradient)."""
    return any(node.grad is not None for node in drawing.nodes)


def forward(drawing: Drawing) -> str:
    """The forward graph: every node with its name, operation and value; edges are dependencies."""
    return _picture(drawing, backward=False)


def backward(drawing: Drawing) -> str:
    """The backward graph: nodes with value (blue) and gradient (red); edges carry local × upstream."""
    return _picture(drawing, backward=True)


def captions(drawing: Drawing) -> tuple[str, str]:
    """Captions (LaTeX text) for the forward and the backward picture."""
    loss = _name(drawing.node(drawing.loss).label) if drawing.loss else "L"
    if len(drawing.nodes) > MAX_DRAWN:
        return tr("The graph in words."), ""
    gradient = f"$\\partial {loss}/\\partial\\,\\cdot$"
    if not detailed(drawing):
        # Translators: {count} is a number of nodes, more than fit in a legible figure
        omitted = tr("Values and gradients are omitted in this figure ({count} nodes, too many to stay legible): "
                     "they are in the steps above.", count=len(drawing.nodes))
        # Translators: {omitted} is the sentence saying that values and gradients are left out
        return (tr("Forward pass: names and operations. {omitted}", omitted=omitted),
                # Translators: {gradient} is LaTeX math such as $\partial L/\partial\,\cdot$; keep it as it is
                tr("Forward and backward pass: names and operations; the gradient flows back along the red arrows "
                   "and the nodes in red receive a gradient {gradient}. {omitted}", gradient=gradient, omitted=omitted))
    rounded = (tr("non-integers rounded to 3 significant digits, larger matrices by their shape") if _big(drawing)
               else tr("non-integers rounded to 3 significant digits"))
    # Translators: {rounded} says how the values are rounded
    return (tr("Forward pass: each node shows its name and operation and its value ({rounded}).", rounded=rounded),
            # Translators: {gradient} is LaTeX math; $\times$ is LaTeX for ×: keep both as they are
            tr("Backward pass: each node shows its value (blue) above its gradient {gradient} (red); each red arrow "
               "carries local $\\times$ upstream (a matrix only where it is one of several terms: a node with several "
               "arrows sums them) ({rounded}).", gradient=gradient, rounded=rounded))


def figures(drawings: tuple[Drawing, ...], both: bool = True) -> list[dict[str, str]]:
    """The view model of a problem's drawings: title, pictures and captions. A graph drawn without values
    (too many nodes) is one picture, its backward graph (the forward one has nothing more); so is every
    graph unless ``both``: the backward picture shows each node's value above its gradient."""
    out = []
    for drawing in drawings:
        forward_caption, backward_caption = captions(drawing)
        title = drawing.title if drawing.title.startswith(tr("Computational graph")) else \
            tr("Computational graph: {title}", title=drawing.title[:1].lower() + drawing.title[1:])
        first, second = forward(drawing), backward(drawing) if has_backward(drawing) else ""
        if second and (not both or not detailed(drawing) or len(drawing.nodes) > MAX_DRAWN):
            first, forward_caption, second = second, backward_caption, ""
        out.append({"title": prose.escape_notation(title), "forward": first, "forward_caption": forward_caption,
                    "backward": second, "backward_caption": backward_caption})
    return out


# --- the picture --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """A node or an edge label as placed: centre and size in cm (y grows downwards), style and LaTeX text."""

    id: str
    x: float
    y: float
    width: float
    height: float
    style: str
    text: str


@dataclass(frozen=True)
class Path:
    """An edge as drawn: from one node through bend points to another; ``reverse`` for a backward arrow."""

    source: str
    target: str
    points: tuple[tuple[float, float], ...]
    style: str
    reverse: bool
    curved: bool = False  # points are Bézier points from the source's border to the target's (Graphviz)


@dataclass(frozen=True)
class Scene:
    """A whole picture before it is written: node boxes, edge paths and edge labels."""

    nodes: tuple[Box, ...]
    paths: tuple[Path, ...]
    labels: tuple[Box, ...]


def scene(drawing: Drawing, backward: bool, engine: str = "auto") -> Scene:
    """The picture as geometry: where every node, edge and edge label goes (the TikZ is written from it).
    ``engine``: ``dot`` (Graphviz's coordinates), ``layers`` (the layered layout of
    :mod:`solver.render.layout`) or ``auto`` (dot where it is installed)."""
    drawing = _connected(drawing)
    full = detailed(drawing)
    contents = {node.id: _content(node, drawing, backward, full) for node in drawing.nodes}
    labels = _edge_labels(drawing) if backward and full else {}
    sizes = {node_id: (content[1], content[2]) for node_id, content in contents.items()}
    by_dot = place_by_dot(drawing, sizes.__getitem__, {k: (w, h) for k, (_, w, h) in labels.items()}) \
        if engine != "layers" else None
    if by_dot is None and engine == "dot":
        raise RuntimeError("Graphviz's dot program is not installed or failed")
    if by_dot is not None:
        placement, spots = by_dot
        placed = [(key, spots.get(key) or _middle(placement.routes[key]), labels[key]) for key in labels]
    else:
        placement = place(drawing, lambda v: sizes[v], _label_gaps(labels, layers(drawing)))
        placed = _label_positions(drawing, placement, labels, sizes)
    nodes = tuple(Box(node.id, *placement.positions[node.id], *sizes[node.id], _style(node, drawing, backward),
                      contents[node.id][0]) for node in drawing.nodes)
    paths = []
    for edge in _unique_edges(drawing):
        style = ("back" if edge.grad is not None else "still") if backward else "edge"
        paths.append(Path(edge.source, edge.target, tuple(placement.routes[(edge.source, edge.target)]), style,
                          backward, placement.curved))
    boxes = tuple(Box(f"{source}>{target}", x, y, w, h, "grad", text)
                  for (source, target), (x, y), (text, w, h) in placed)
    return Scene(nodes, tuple(paths), boxes)


def _middle(points: list[tuple[float, float]]) -> tuple[float, float]:
    return points[len(points) // 2]


def _picture(drawing: Drawing, backward: bool) -> str:
    if len(drawing.nodes) > MAX_DRAWN:
        return _summary(drawing)
    picture = scene(drawing, backward)
    lines = [f"\\begin{{tikzpicture}}[{STYLES}]"]
    for box in picture.nodes:
        size = f"minimum width={box.width:g}cm, minimum height={box.height:g}cm"
        if "constant" in box.style:  # a circle: its diameter
            size = f"minimum size={max(box.width, box.height):g}cm"
        lines.append(f"\\node[{box.style}, {size}] ({box.id}) at ({box.x:g},{box.y:g}) {{{box.text}}};")
    for path in picture.paths:
        middle = [f"({x:g},{y:g})" for x, y in path.points]
        if path.curved:
            points = middle[::-1] if path.reverse else middle
            curve = points[0] + "".join(f" .. controls {points[k]} and {points[k + 1]} .. {points[k + 2]}"
                                        for k in range(1, len(points) - 2, 3))
            lines.append(f"\\draw[{path.style}] {curve};")
            continue
        points = [f"({path.source})", *middle, f"({path.target})"]
        if path.reverse:
            points.reverse()
        corners = ", rounded corners=4pt" if len(middle) > 2 else ""
        lines.append(f"\\draw[{path.style}{corners}] " + " -- ".join(points) + ";")
    for box in picture.labels:
        lines.append(f"\\node[grad] at ({box.x:g},{box.y:g}) {{{box.text}}};")
    lines.append("\\end{tikzpicture}")
    return "\n".join(lines)


def _summary(drawing: Drawing) -> str:
    """A graph too large to draw: what it holds, in a paragraph the width of the line."""
    inputs = [n.label for n in drawing.nodes if not n.op and n.kind != "constant"]
    shown = ", ".join(f"${_name(label)}$" for label in inputs[:SUMMARY_INPUTS])
    more = f" and {len(inputs) - SUMMARY_INPUTS} more" if len(inputs) > SUMMARY_INPUTS else ""
    loss = f"; it ends in ${_name(drawing.node(drawing.loss).label)}$" if drawing.loss else ""
    return (f"\\parbox{{\\linewidth}}{{\\small This graph has {len(drawing.nodes)} nodes and {len(drawing.edges)} "
            f"edges, too many to draw legibly (at most {MAX_DRAWN}). Its inputs: {shown}{more}{loss}. Every node's "
            "value and gradient is in the steps above.}}")


def _edge_labels(drawing: Drawing) -> dict[tuple[str, str], tuple[str, float, float]]:
    """What each edge passes back: scalars always; a matrix only where the node it reaches has several
    consumers (elsewhere it is exactly the gradient drawn in that node)."""
    passed: dict[str, int] = {}
    for edge in drawing.edges:
        if edge.grad is not None:
            passed[edge.source] = passed.get(edge.source, 0) + 1
    return {(e.source, e.target): _value(e.grad) for e in drawing.edges
            if e.grad is not None and (_is_scalar(e.grad) or passed[e.source] > 1)}


def _connected(drawing: Drawing) -> Drawing:
    """The drawing without constants that feed nothing (a leftover 1 of a rewritten expression)."""
    linked = {e.source for e in drawing.edges} | {e.target for e in drawing.edges}
    nodes = tuple(n for n in drawing.nodes if n.id in linked or n.kind != "constant" or len(drawing.nodes) == 1)
    return Drawing(drawing.title, nodes, drawing.edges, drawing.loss) if len(nodes) < len(drawing.nodes) else drawing


def _unique_edges(drawing: Drawing) -> list[Any]:
    seen, out = set(), []
    for edge in drawing.edges:
        if (edge.source, edge.target) not in seen:
            seen.add((edge.source, edge.target))
            out.append(edge)
    return out


def _style(node: DrawNode, drawing: Drawing, backward: bool) -> str:
    if node.id == drawing.loss:
        style = "loss"
    else:
        style = "constant" if node.kind == "constant" else "input" if not node.op else "op"
    if backward and not detailed(drawing) and node.grad is not None:
        style += ", reached"
    return style


def _content(node: DrawNode, drawing: Drawing, backward: bool, full: bool) -> tuple[str, float, float]:
    """The node's text (LaTeX) with its estimated width and height in cm."""
    name = _name(node.label)
    if node.kind == "constant":
        name = _name(node.label.removeprefix("(").removesuffix(")"))
        return f"${name}$", latex_notation.latex_width(name) * NAME_EM + PADDING + 0.1, NAME_HEIGHT + 0.1
    op = _op(node.op)
    if node.op == "^":  # (·)² rather than (·)^n when the exponent is a constant
        exponents = [drawing.node(e.source).label for e in drawing.edges
                     if e.target == node.id and drawing.node(e.source).kind == "constant"]
        op = r"(\cdot)^{%s}" % _name(exponents[0]) if exponents else op
    if node.kind == "inner" and node.op and latex_notation.latex_width(name) > INNER_NAME:
        name = ""  # an unnamed intermediate (W_hh·h1 + W_xh·x2): its operation says enough
    head = (f"$({name},\\ {op})$" if name else f"${op}$") if node.op else f"${name}$"
    width = (latex_notation.latex_width(name) + (latex_notation.latex_width(op) + 2 if node.op else 0)) * NAME_EM
    height = NAME_HEIGHT
    lines = [head]
    if full:
        shown = [("value", node.value)] + ([("gradient", node.grad)] if backward else [])
        for style, value in shown:
            if value is None:
                continue
            text, w, h = _value(value) if style == "value" else _gradient(node, drawing)
            lines.append(f"{{\\scriptsize\\color{{{_COLOURS[style]}}}{text}}}")
            width, height = max(width, w), height + h
    return "\\\\".join(lines), round(width + PADDING, 3), round(height + 0.1, 3)


_COLOURS = {"value": "blue!60!black", "gradient": "red!70!black"}


def _gradient(node: DrawNode, drawing: Drawing) -> tuple[str, float, float]:
    """A node's gradient; with several consumers, the sum of what they pass back when it is short."""
    parts = [e.grad for e in drawing.edges if e.source == node.id and e.grad is not None]
    text, width, height = _value(node.grad)
    if len(parts) > 1 and all(_is_scalar(p) for p in parts):
        terms = [_value(p)[0].strip("$") for p in parts]
        terms = [f"({t})" if re.search(r".[+-]", t) and i else t for i, t in enumerate(terms)]
        sum_text = " + ".join(terms).replace("+ -", "- ")
        if len(sum_text) <= 24:
            whole = f"${sum_text} = {text.strip('$')}$"
            return whole, latex_notation.latex_width(whole) * VALUE_EM, height
    if len(parts) > 1:
        return f"$\\Sigma = {text.strip('$')}$", width + 3 * VALUE_EM, height
    return text, width, height


def _label_gaps(labels: dict[tuple[str, str], tuple[str, float, float]], layer: dict[str, int]) -> Any:
    """gap(i): room for the widest edge label whose first segment lies between layers i and i + 1."""
    def gap(i: int) -> float:
        widths = [w for (source, _), (_, w, _) in labels.items() if layer[source] == i]
        return max(widths, default=0.0) + 2 * LABEL_MARGIN

    return gap


def _label_positions(drawing: Drawing, placement: Placement, labels: dict[tuple[str, str], tuple[str, float, float]],
                     sizes: dict[str, tuple[float, float]]) -> list[tuple[tuple[str, str], tuple[float, float],
                                                                       tuple[str, float, float]]]:
    """Where each edge label goes: on the edge's first slanted segment (between the source's column and
    the next), at the first spot that overlaps neither a node nor a label placed before it."""
    boxes = [(x, y, *sizes[v]) for v, (x, y) in placement.positions.items()]
    out = []
    for (source, target), (text, w, h) in sorted(labels.items(), key=lambda item: len(placement.routes[item[0]])):
        route = placement.routes[(source, target)]
        (x0, y0), (x1, y1) = route[0], route[1]
        margin = min(w / 2 + 0.05, (x1 - x0) / 2)
        candidates = []
        for t in (0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6):
            x = x0 + margin + t * (x1 - x0 - 2 * margin)
            y = y0 + (y1 - y0) * ((x - x0) / (x1 - x0) if x1 != x0 else 0.5)
            candidates.append((round(x, 3), round(y, 3)))
        chosen = min(candidates, key=lambda c: sum(_overlap(c, (w, h), b) for b in boxes))  # first free spot
        boxes.append((*chosen, w, h))
        out.append(((source, target), chosen, (text, w, h)))
    return out


def _overlap(centre: tuple[float, float], size: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    (x, y), (w, h) = centre, size
    bx, by, bw, bh = box
    return abs(x - bx) < (w + bw) / 2 + 0.05 and abs(y - by) < (h + bh) / 2 + 0.02


# --- short forms ----------------------------------------------------------------------------------


def _name(label: str) -> str:
    """A node's name or expression as LaTeX math (``norm2(W1)`` drawn as ‖W₁‖²)."""
    label = re.sub(r"norm2\(([^()]*)\)", r"‖\1‖²", label)
    return re.sub(r"\\text\{(y|x|z)hat\}", r"\\hat{\1}", latex_notation.name_latex(label))


def _op(op: str) -> str:
    """An operation as LaTeX math: symbols as such, names upright (``ReLU``, ``conv2d``)."""
    if op in OP_TEX:
        return OP_TEX[op]
    folded = re.fullmatch(r"(\w+) \((\w+) (.+)\)", op)  # LeakyReLU (slope 1/5): the slope as a subscript
    if folded:
        return r"\mathrm{%s}_{%s}" % (prose.escape_text(folded.group(1)), prose.escape_text(folded.group(3)))
    return r"\mathrm{%s}" % prose.escape_text(op)


def _big(drawing: Drawing) -> bool:
    import sympy

    return any(isinstance(v, sympy.MatrixBase) and (v.rows > MAX_MATRIX or v.cols > MAX_MATRIX)
               for node in drawing.nodes for v in (_plain(node.value), _plain(node.grad)))


def _plain(value: Any) -> Any:
    from solver.trace import Approximate

    return value.value if isinstance(value, Approximate) else value


def _is_scalar(value: Any) -> bool:
    import sympy

    return not isinstance(_plain(value), sympy.MatrixBase)


def _value(value: Any) -> tuple[str, float, float]:
    """A value in a node or on an edge: its LaTeX (in ``$…$``) and estimated width, height (cm)."""
    import sympy

    value = _plain(value)
    if isinstance(value, sympy.MatrixBase):
        if value.rows > MAX_MATRIX or value.cols > MAX_MATRIX:
            text = f"{value.rows}\\times {value.cols}"
            return f"${text}$", 5 * VALUE_EM + 0.1, VALUE_LINE
        cells = [[_number(value[i, j]) for j in range(value.cols)] for i in range(value.rows)]
        columns = [max(latex_notation.latex_width(cells[i][j]) for i in range(value.rows)) for j in range(value.cols)]
        body = r" \\ ".join(" & ".join(row) for row in cells)
        text = r"$\left[\begin{smallmatrix}%s\end{smallmatrix}\right]$" % body
        width = (sum(columns) + 1.6 * (value.cols - 1) + 1.5) * VALUE_EM
        return text, width, value.rows * 0.3 + 0.1
    text = _number(value)
    return f"${text}$", latex_notation.latex_width(text) * VALUE_EM + 0.05, VALUE_LINE


def _number(value: Any) -> str:
    """An integer exactly, another number by DIGITS significant digits, a short symbol as itself."""
    import sympy

    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int) or (isinstance(value, sympy.Basic) and value.is_Integer):
        return values.group_digits(str(int(value)), r"\,")
    if isinstance(value, sympy.Basic) and not value.is_number:
        text = latex_values.latex(value)
        return text if latex_notation.latex_width(text) <= 12 else r"\ldots"
    x = values.exact_float(value) if isinstance(value, sympy.Basic) else float(value)
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.{DIGITS}g}"
    mantissa, exponent = f"{x:.{DIGITS - 1}e}".split("e")
    return f"{mantissa}\\cdot 10^{{{int(exponent)}}}"

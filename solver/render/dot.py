"""Graphviz DOT of a computational graph, the cs231n picture: values in green, gradients in red.

``which`` picks the picture: ``forward`` (values on the nodes), ``backward`` (gradients on the
nodes, arrows pointing back, each edge labelled with what the consumer passes back: local ×
upstream) or ``both`` (values above, gradients below, edges labelled). Labels are HTML-like and
escaped, so any name or value is safe. Several drawings make one digraph with a cluster each.
"""

from __future__ import annotations

import textwrap

from solver.i18n import mark, tr
from solver.render import graph_labels as labels
from solver.trace import Drawing, DrawNode

VALUE_COLOR = "darkgreen"
GRAD_COLOR = "red3"
FONT = "DejaVu Sans"  # has ∂, σ, ·, − (the PostScript default fonts do not)
WHICH = ("forward", "backward", "both")
HEADINGS = {"forward": mark("forward pass"), "backward": mark("backward pass"),
            "both": mark("forward and backward pass")}
LEGEND_WIDTH = 90  # characters per line of the legend under the title


def html(text: str) -> str:
    """Text escaped for a Graphviz HTML-like label."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def quoted(text: str) -> str:
    """A DOT double-quoted ID."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def dot(drawing: Drawing, which: str = "both", name: str = "") -> str:
    """The drawing as one DOT digraph (``which``: forward, backward or both)."""
    _check(which)
    head = [f"digraph {quoted(name or drawing.title)} {{", *_defaults(), *_caption(drawing, which, name, "  ")]
    return "\n".join(head + _body(drawing, which, "", "  ") + ["}"]) + "\n"


def dot_many(drawings: list[tuple[str, Drawing]], which: str = "both") -> str:
    """Several (name, drawing) pairs as one DOT digraph with one cluster per drawing."""
    _check(which)
    out = ["digraph dlsolve {", *_defaults()]
    for i, (name, drawing) in enumerate(drawings):
        out += [f"  subgraph cluster_{i} {{", '    color="gray75";', *_caption(drawing, which, name, "    ")]
        out += _body(drawing, which, f"c{i}_", "    ") + ["  }"]
    return "\n".join(out + ["}"]) + "\n"


def _check(which: str) -> None:
    if which not in WHICH:
        raise ValueError(f"which must be one of {', '.join(WHICH)}, got {which!r}")


def _defaults() -> list[str]:
    font = quoted(FONT)
    return [
        f"  graph [rankdir=LR, fontname={font}, fontsize=12, labelloc=t, labeljust=l, nodesep=0.3, ranksep=0.45];",
        f'  node [shape=box, style="rounded,filled", fillcolor="#f6f6f6", color="gray40", fontname={font},'
        ' fontsize=11, margin="0.08,0.04"];',
        f'  edge [color="gray35", fontname={font}, fontsize=10, arrowsize=0.7];',
    ]


def _caption(drawing: Drawing, which: str, name: str, indent: str) -> list[str]:
    heading = html(f"{name}: " if name else "") + html(drawing.title) + " — " + html(tr(HEADINGS[which]))
    legend = "".join(html(part) + '<BR ALIGN="LEFT"/>'
                     for part in textwrap.wrap(labels.legend(drawing, which), LEGEND_WIDTH))
    return [f'{indent}label=<<B>{heading}</B><BR ALIGN="LEFT"/><FONT POINT-SIZE="10">{legend}</FONT>>;']


def _body(drawing: Drawing, which: str, prefix: str, indent: str) -> list[str]:
    by_edge = any(edge.grad is not None for edge in drawing.edges)
    out = [f"{indent}{prefix}{node.id} [{_node_attributes(drawing, node, which)}];"
           for node in labels.shown_nodes(drawing)]
    for edge in drawing.edges:
        attributes = []
        if which != "forward" and edge.grad is not None:
            attributes.append(f"label=<{_colored(labels.lines(edge.grad), GRAD_COLOR)}>")
            attributes.append(f'fontcolor="{GRAD_COLOR}"')
        elif which != "forward" and by_edge:
            attributes.append('style=dashed, color="gray70"')  # no gradient flows along this edge
        if which == "backward":
            attributes.append("dir=back")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        out.append(f"{indent}{prefix}{edge.source} -> {prefix}{edge.target}{suffix};")
    return out


def _node_attributes(drawing: Drawing, node: DrawNode, which: str) -> str:
    rows = [f"<B>{html(labels.title(node))}</B>"]
    if which != "backward" and node.kind != "constant":  # a constant's title is its value
        rows.append(_colored(labels.lines(node.value, with_decimal=True), VALUE_COLOR))
    if which != "forward" and node.grad is not None:
        fan_in = sum(edge.grad is not None for edge in labels.consumers(drawing, node.id))
        shown = labels.lines(node.grad, with_decimal=True)
        rows.append(_colored(["Σ " + shown[0]] + shown[1:] if fan_in > 1 else shown, GRAD_COLOR))
    attributes = [f"label=<{'<BR/>'.join(row for row in rows if row)}>"]
    if node.kind == "constant":
        attributes.append('style="rounded,dashed", fontcolor="gray30"')
    elif node.kind in ("given", "symbol"):
        attributes.append('style=filled, fillcolor="#eaf1fb"')
    if node.id == drawing.loss:
        attributes.append("penwidth=2")
    return ", ".join(attributes)


def _colored(lines: list[str], color: str) -> str:
    if not lines:
        return ""
    return f'<FONT COLOR="{color}">' + "<BR/>".join(html(line) for line in lines) + "</FONT>"

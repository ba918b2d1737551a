"""Mermaid flowcharts of a computational graph, for Markdown (GitHub renders ```mermaid blocks).

The forward diagram carries the values (green), the backward one the gradients (red) with every
edge labelled by what the consumer passes back (local × upstream), drawn right to left so that
the arrows point from the loss back to the inputs. Labels are quoted and entity-escaped, so any
name or value (brackets, quotes, ``|``, ``#``, Unicode) is safe.
"""

from __future__ import annotations

from solver.render import graph_labels as labels
from solver.trace import Drawing, DrawNode

ENTITIES = {"#": "#35;", '"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "|": "#124;", "`": "#96;",
            "\n": " "}  # '#' first: Mermaid's own entities start with it
TEXT_COLORS = {"forward": "#064", "backward": "#b00"}  # dark green values, red gradients
STYLES = {which: [f"classDef input fill:#eaf1fb,stroke:#555,color:{color}",
                  f"classDef op fill:#f6f6f6,stroke:#555,color:{color}"] for which, color in TEXT_COLORS.items()}


def escape(text: str) -> str:
    """Text made safe inside a quoted Mermaid label (Mermaid entity codes such as ``#quot;``)."""
    return "".join(ENTITIES.get(ch, ch) for ch in text)


def mermaid(drawing: Drawing, which: str = "forward") -> str:
    """A ```mermaid block``` of the drawing: ``forward`` (values) or ``backward`` (gradients)."""
    if which not in ("forward", "backward"):
        raise ValueError(f"which must be forward or backward, got {which!r}")
    backward = which == "backward"
    out = ["```mermaid", "flowchart RL" if backward else "flowchart LR"]
    out += [f"  {line}" for line in STYLES[which]]
    for node in labels.shown_nodes(drawing):
        out.append(f'  {node.id}["{_label(drawing, node, backward)}"]:::{_class(node)}')
    for edge in drawing.edges:
        if not backward:
            out.append(f"  {edge.source} --> {edge.target}")
        elif edge.grad is not None:
            out.append(f'  {edge.target} -- "{escape(labels.line(edge.grad))}" --> {edge.source}')
        else:  # no gradient flows here (a constant, or a value not differentiated)
            out.append(f"  {edge.target} -.- {edge.source}")
    if drawing.loss:
        out.append(f"  style {drawing.loss} stroke-width:3px")
    return "\n".join(out + ["```"]) + "\n"


def _label(drawing: Drawing, node: DrawNode, backward: bool) -> str:
    rows = [labels.title(node)]
    if node.kind != "constant":
        if not backward:
            rows += labels.lines(node.value, with_decimal=True)
        elif node.grad is not None:
            fan_in = sum(edge.grad is not None for edge in labels.consumers(drawing, node.id))
            shown = labels.lines(node.grad, with_decimal=True)
            rows += ["Σ " + shown[0]] + shown[1:] if fan_in > 1 else shown
    return "<br/>".join(escape(row) for row in rows)


def _class(node: DrawNode) -> str:
    return "input" if node.kind in ("given", "symbol", "constant") else "op"

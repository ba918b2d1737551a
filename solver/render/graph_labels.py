"""Short labels for drawn computational graphs (DOT, Mermaid, the terminal view).

A node is titled by its name and operation, ``(h, ReLU)``; values stay exact while they are short
and are shown by their decimals (``≈ 0.5755``) when the exact form is long; a matrix is one line
per row. The backward pass: a node's gradient is the sum of what its consumers pass back.
"""

from __future__ import annotations

from typing import Any

from solver.i18n import mark, tr
from solver.render import json_values, text_values, values
from solver.trace import Approximate, DrawEdge, Drawing, DrawNode

SCALAR_LIMIT = 16  # characters of an exact scalar before its decimal is shown instead
ENTRY_LIMIT = 10  # characters of an exact matrix entry before the matrix is shown by its decimals
MAX_ROWS = 6  # rows of a matrix drawn; more are elided with ⋮
MAX_COLS = 6  # entries of a row drawn; more are elided with …
TITLE_LIMIT = 24  # characters of a node's title (an inner node's expression can be long)
DIGITS = 4  # significant digits of a decimal in a drawing


def title(node: DrawNode) -> str:
    """The node's name with its operation, cs231n style: ``(q, +)``; an input or constant: its name."""
    label = node.label if len(node.label) <= TITLE_LIMIT else node.label[: TITLE_LIMIT - 1] + "…"
    if not node.op or node.kind == "constant" or node.label.startswith(node.op + "("):
        return label
    return f"({label}, {node.op})"


def decimal(number: float) -> str:
    """A float with DIGITS significant digits, a true minus sign."""
    return f"{number:.{DIGITS}g}".replace("-", "−")


def lines(value: Any, with_decimal: bool = False) -> list[str]:
    """A value as short lines: a scalar or vector on one line, a matrix one line per row;
    ``with_decimal``: an irrational exact scalar is followed by a line with its decimal."""
    if value is None:
        return []
    approximate = isinstance(value, Approximate)
    if approximate:
        value = value.value
    if not values.is_sympy(value):
        return [text_values.text(value)]
    import sympy

    if isinstance(value, sympy.MatrixBase):
        return _matrix(value, approximate)
    if isinstance(value, sympy.Float):
        return [decimal(float(value))]
    shown = text_values.text(value)
    number = json_values.number(value)
    if len(shown) > SCALAR_LIMIT and number is not None:
        return ["≈ " + decimal(number)]
    if with_decimal and number is not None and not value.is_Rational:
        return [shown, "≈ " + decimal(number)]
    return [shown if len(shown) <= 3 * SCALAR_LIMIT else shown[: 3 * SCALAR_LIMIT - 1] + "…"]


def line(value: Any, with_decimal: bool = False) -> str:
    """A value on one line (a matrix as ``[[1, 2], [3, 4]]``; ``with_decimal``: e/(1 + e)^2 ≈ 0.1966)."""
    shown = lines(value, with_decimal)
    if len(shown) <= 1 or shown[-1].startswith("≈ "):
        return " ".join(shown)
    head = "≈ " if shown[0].startswith("≈ ") else ""
    return head + "[" + ", ".join(row.removeprefix("≈ ") for row in shown) + "]"


def _matrix(matrix: Any, approximate: bool) -> list[str]:
    import sympy

    exact = [[text_values.text(v) for v in matrix.row(i)] for i in range(matrix.rows)]
    by_decimals = approximate or any(isinstance(v, sympy.Float) for v in matrix) or any(
        len(entry) > ENTRY_LIMIT for row in exact for entry in row)
    numbers = json_values.number(matrix) if by_decimals else None
    if numbers is not None:
        numbers = [[x] for x in numbers] if matrix.cols == 1 else numbers
        exact = [[_entry(x) for x in row] for row in numbers]
    else:
        by_decimals = False
        exact = [[e if len(e) <= 2 * ENTRY_LIMIT else e[: 2 * ENTRY_LIMIT - 1] + "…" for e in row] for row in exact]
    head = "≈ " if numbers is not None and any(not float(x).is_integer() for row in numbers for x in row) else ""
    if matrix.cols == 1:  # a column vector: one line, as the trace writes it
        return [head + "(" + ", ".join(_elided([row[0] for row in exact], MAX_ROWS)) + ")"]
    rows = ["[" + ", ".join(_elided(row, MAX_COLS)) + "]" for row in exact]
    if len(rows) > MAX_ROWS:
        rows = rows[: MAX_ROWS - 1] + ["⋮"]
    if matrix.rows == 1:
        rows = ["[" + rows[0] + "]"]  # a row vector: [[1, 2]], as the trace writes it
    return [head + rows[0]] + rows[1:]


def _entry(number: float) -> str:
    return decimal(number) if not float(number).is_integer() else str(int(number)).replace("-", "−")


def _elided(items: list[str], limit: int) -> list[str]:
    return items if len(items) <= limit else items[: limit - 1] + ["…"]


def shown_nodes(drawing: Drawing) -> list[DrawNode]:
    """The nodes to draw: all but constants that feed nothing (left over from the graph's construction)."""
    linked = {edge.source for edge in drawing.edges} | {edge.target for edge in drawing.edges}
    return [node for node in drawing.nodes if node.kind != "constant" or node.id in linked]


def consumers(drawing: Drawing, node_id: str) -> list[DrawEdge]:
    """The edges out of a node, in drawing order: what its gradient sums (fan-in of the backward pass)."""
    return [edge for edge in drawing.edges if edge.source == node_id]


def has_gradients(drawing: Drawing) -> bool:
    """Whether the backward pass visited any node of the drawing."""
    return any(node.grad is not None for node in drawing.nodes)


def loss_name(drawing: Drawing) -> str:
    """The loss's name for ``∂L/∂·`` (``L`` when the drawing names none)."""
    return drawing.node(drawing.loss).label if drawing.loss else "L"


# The legend's sentences: (with the colours, without them) for the forward pass and for each way the
# backward pass is drawn; the terminal view has no colours to name.
VALUES = (mark("values (forward pass) in green"), mark("values (forward pass)"))
# Translators: {loss} is the loss's name such as L; ∂L/∂node is notation
GRADIENTS = {
    "edges": (mark("gradients ∂{loss}/∂node (backward pass) in red; an edge carries local × upstream, and a node's "
                   "gradient is the sum (Σ) of the labels on the edges to its consumers"),
              mark("gradients ∂{loss}/∂node (backward pass); an edge carries local × upstream, and a node's "
                   "gradient is the sum (Σ) of the labels on the edges to its consumers")),
    "equations": (mark("gradients ∂{loss}/∂node (backward pass) in red; drawn by equation: a node's gradient sums "
                       "what every equation reading it passes back"),
                  mark("gradients ∂{loss}/∂node (backward pass); drawn by equation: a node's gradient sums what "
                       "every equation reading it passes back")),
}


def legend(drawing: Drawing, which: str, colours: bool = True) -> str:
    """One sentence saying how to read the drawing (colours, edge labels, sums); ``colours``: name them."""
    shade = 0 if colours else 1
    forward = tr(VALUES[shade])
    if which == "forward" or not has_gradients(drawing):
        return _first_upper(forward)
    way = "edges" if any(edge.grad is not None for edge in drawing.edges) else "equations"
    backward = tr(GRADIENTS[way][shade], loss=loss_name(drawing))
    if which == "backward":
        return _first_upper(backward)
    # Translators: {values} and {gradients} are the two halves of the legend above, as one sentence
    return tr("{values}, {gradients}", values=_first_upper(forward), gradients=backward)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]

"""The derivation trace a solver returns: plain data that knows nothing about printing.

Values inside steps and answers are exact: Python ``int`` where the arithmetic is integer
(parameter counts stay free of sympy so that they start fast) or sympy objects otherwise.
General forms are :mod:`solver.formula` trees (``4·(h·(x + h) + h)``) or sympy expressions;
renderers turn both into terminal text, LaTeX or JSON at the edge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from solver.formula import Formula


class StepKind(str, Enum):
    """What a step does. One list for every problem kind, so renderers and graders can rely on it.

    Each member's comment is a tiny example of a step of that kind.
    """

    CONVENTION = "convention"  # "Textbook (Keras) convention: one bias vector per gate."
    RULE = "rule"  # "An LSTM layer has 4·(h·(x + h) + h) parameters."
    EVALUATE = "evaluate"  # "h·x = 500·300 = 150,000"
    SUM = "sum"  # "1,602,000 + 2,002,000 = 3,604,000"
    COMPARE = "compare"  # "With PyTorch's two bias vectors the total would be 3,608,000."
    GROUP = "group"  # "Backward pass" — a heading whose substeps do the work
    FORWARD = "forward"  # "k = W·x + b = [[1, 1, 0], [0, 0, 1]]·[1, 2, 3] + [0, 0] = [3, 3]"
    CHAIN = "chain"  # "∂L/∂h through s1: W1ᵀ·∂L/∂s1 = [−1/4, 1/4]" (upstream × local derivative)
    CHECK = "check"  # "Finite differences agree with every gradient (max. relative error 2e-10) ✓"
    UPDATE = "update"  # "W_new = W − η·∂L/∂W = …"


class Detail(str, Enum):
    """How much of a derivation a reader wants (``--detail``), least first.

    A step is shown at its own level and every higher one: ``brief`` is a grader's model solution
    (values, each gradient as formula → numbers → result, updates); ``standard`` adds shapes, the rules
    used and the conventions that matter; ``full`` keeps every step the solver took (operation counts,
    pass-through steps, inner nodes, each contribution of a fan-in on its own).
    """

    BRIEF = "brief"
    STANDARD = "standard"
    FULL = "full"

    @property
    def rank(self) -> int:
        """0 for brief, 1 for standard, 2 for full."""
        return list(Detail).index(self)


@dataclass(frozen=True)
class Approximate:
    """A value shown by its decimal: its exact form was too large to print (or arithmetic was float)."""

    value: Any  # a sympy Float, or a Matrix of Floats
    size: int = 0  # operations in the exact form that was omitted (0: computed in floating point)


@dataclass(frozen=True)
class Phrase:
    """Prose with values inside (``Observation 1: x = (1, 5), y = 1``): a printer writes the words as
    prose and each value in its own notation, so a solver never formats a value itself."""

    parts: tuple[Any, ...]  # words (str) and values (anything else), in reading order

    def __bool__(self) -> bool:
        return bool(self.parts)


Words = str | Phrase  # a title, a note or a description

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\w+)\}")


def phrase(template: str, /, **values: Any) -> Phrase:
    """Prose with values inside, from a (translated) template whose ``{name}`` placeholders take the values:
    ``phrase(tr("on {interval}; h(x) = {line}"), interval=…, line=…)``. A value that is a Phrase or a
    tuple is spliced in part by part; ``{{`` and ``}}`` are literal braces."""
    parts: list[Any] = []
    words = ""
    at = 0
    for match in _PLACEHOLDER.finditer(template):
        words += template[at:match.start()]
        at = match.end()
        if match.group(1) is None:
            words += match.group(0)[0]
            continue
        if words:
            parts.append(words)
            words = ""
        value = values[match.group(1)]
        parts.extend(value.parts if isinstance(value, Phrase) else value if isinstance(value, tuple) else (value,))
    words += template[at:]
    if words:
        parts.append(words)
    return Phrase(tuple(parts))


# --- typed records: what a step establishes, for code that reads a trace (kinds, graders) ----------
# Printers show a step by its title, formula, substituted form, result and note; a record says what the
# step means in data (which quantity, from which others, with which value), so no one parses titles.


@dataclass(frozen=True)
class Forward:
    """A value of the forward pass: ``name = expression`` evaluated (``h1 = relu(k1)``)."""

    name: str  # the quantity defined: an equation's variable (h1) or an inner node's expression (W·x)
    expression: Formula
    value: Any
    shape: tuple[int, int]
    uses: tuple[str, ...]  # the named quantities it is computed from
    equation: int | None = None  # index of the problem's equation that defines it


@dataclass(frozen=True)
class Chain:
    """One consumer's contribution to a gradient: upstream gradient × local derivative."""

    loss: str
    node: str  # ∂loss/∂node receives the contribution
    consumer: str  # the node it flows back from
    rule: Formula  # the product in general form (Wᵀ·∂L/∂s)
    value: Any


@dataclass(frozen=True)
class FanIn:
    """A gradient summed over the consumers of a node (multivariate chain rule)."""

    loss: str
    node: str
    consumers: tuple[str, ...]
    value: Any


@dataclass(frozen=True)
class Update:
    """A parameter's gradient step: ``new = old ∓ rate·gradient``."""

    param: str
    rate: Any
    gradient: Any
    old: Any
    new: Any
    ascent: bool = False


@dataclass(frozen=True)
class Check:
    """A gradient compared with central finite differences."""

    loss: str
    wrt: str
    agrees: bool | None  # None: not compared (overflow)
    largest: float = 0.0  # the largest relative difference
    compared: int = 0  # entries compared
    skipped: int = 0  # entries whose step crossed a kink


@dataclass(frozen=True)
class Equation:
    """An equation between known values and unknowns (``left = right``, sympy expressions)."""

    label: str
    left: Any
    right: Any
    unknowns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Relation:
    """A relation that the equations leave between unknowns (``left = right``)."""

    left: Any
    right: Any


Record = Forward | Chain | FanIn | Update | Check | Equation | Relation


@dataclass(frozen=True)
class Step:
    """One step of a derivation: general formula, numbers substituted, exact result, why."""

    kind: StepKind
    title: Words
    formula: Any = None  # general form: a Formula (h·x) or a sympy expression
    substituted: Any = None  # the same with numbers, e.g. 500·300 (an unevaluated sympy expression)
    result: Any = None  # the exact result, e.g. 150000
    note: Words = ""  # a short why
    substeps: tuple[Step, ...] = ()
    record: Record | None = None  # what the step establishes, as data
    detail: Detail = Detail.BRIEF  # the least detail at which the step is shown (see Detail)


@dataclass(frozen=True)
class Given:
    """One given quantity as the problem states it."""

    name: str
    value: Any
    description: Words = ""


@dataclass(frozen=True)
class Answer:
    """A named final answer (naming in docs/architecture.md: ``total``, ``L``, ``dL/dW1``, ``W1_new``)."""

    name: str
    value: Any
    description: str = ""


@dataclass(frozen=True)
class DrawNode:
    """A node of a computational graph as drawn: its name, operation, value and gradient."""

    id: str  # unique within the drawing: n0, n1, …
    label: str  # the name (x, h1) or the expression of an inner node (W·x)
    op: str  # the operation as written on the node (+, ·, ReLU, σ), "" for inputs
    kind: str  # given | symbol | constant | variable | inner
    value: Any
    grad: Any = None  # ∂L/∂node, when the backward pass visited it


@dataclass(frozen=True)
class DrawEdge:
    """A direct dependency ``source → target``; ``grad`` is what the target passes back (local × upstream)."""

    source: str
    target: str
    grad: Any = None


@dataclass(frozen=True)
class Drawing:
    """A computational graph to draw: nodes in topological order, edges, and the loss node if any."""

    title: str
    nodes: tuple[DrawNode, ...]
    edges: tuple[DrawEdge, ...]
    loss: str | None = None

    def node(self, node_id: str) -> DrawNode:
        """The node with this id (KeyError if none)."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)


@dataclass(frozen=True)
class Solution:
    """A solved problem: what was given, the ordered steps and the named answers."""

    id: str
    kind: str
    title: str
    statement: str = ""
    source: str = ""
    given: tuple[Given, ...] = ()
    steps: tuple[Step, ...] = ()
    answers: tuple[Answer, ...] = ()
    notes: tuple[str, ...] = field(default=())
    drawings: tuple[Drawing, ...] = ()  # computational graphs (forward values, backward gradients)
    exact_abandoned: tuple[str, ...] = ()  # why exact arithmetic was given up for floating point (solver.notices)

    def answer(self, name: str) -> Answer:
        """The answer called ``name`` (KeyError if there is none)."""
        for answer in self.answers:
            if answer.name == name:
                return answer
        raise KeyError(name)

    # Jupyter's rich display: the trace knows nothing about printing, so these ask the display function
    # that the library API registers (set_display); without one, a notebook falls back to repr.
    def _repr_html_(self) -> str | None:
        return _shown(self, ("text/html",)).get("text/html")

    def _repr_latex_(self) -> str | None:
        return _shown(self, ("text/latex",)).get("text/latex")

    def _repr_mimebundle_(self, include: Collection[str] | None = None,
                          exclude: Collection[str] | None = None) -> dict[str, Any] | None:
        wanted = tuple(m for m in DISPLAY_TYPES if (not include or m in include) and m not in (exclude or ()))
        return _shown(self, wanted) or None


DISPLAY_TYPES = ("text/plain", "text/html", "text/latex", "application/json")
"""The MIME types a Solution shows itself in, in a notebook."""

Display = Callable[[Solution, tuple[str, ...]], dict[str, Any]]
_display: list[Display] = []


def set_display(display: Display) -> None:
    """Let every Solution show itself in a notebook through ``display(solution, mime_types)``, which returns
    the solution in those types (``{"text/html": …}``); :mod:`solver.api` registers :mod:`solver.notebook`'s."""
    _display[:] = [display]


def _shown(solution: Solution, mime_types: tuple[str, ...]) -> dict[str, Any]:
    """The solution in ``mime_types`` by the registered display function; nothing if none is registered."""
    return _display[0](solution, mime_types) if _display and mime_types else {}

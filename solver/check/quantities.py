"""The named quantities of a solution a student can be asked about, in the order the trace derives them.

A quantity comes from a step's record (a forward value ``h1``, a summed gradient ``∂L/∂h1``, an
updated parameter ``W1_new``, a descent's iterate ``x_3``) or from the answers (every final answer,
with the step that derives it where the trace has one). Names are matched by :func:`key`: ``∂L/∂W``
and ``dL/dW`` are one name, and ``grad_W`` or ``dW`` stand for the gradient of the loss with respect
to ``W``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from solver.trace import Chain, FanIn, Forward, Solution, Step, Update


@dataclass(frozen=True)
class Quantity:
    """One quantity of a solution: its name as the trace writes it, its exact value, the step that
    derives it ("2.3", "" for an answer no step records) and the quantities it is computed from."""

    name: str
    value: Any
    step: str = ""
    uses: tuple[str, ...] = ()


def key(name: str) -> str:
    """The form two spellings of one name share: no spaces, ∂ as d, a prime as '."""
    return re.sub(r"\s+", "", name).replace("∂", "d").replace("′", "'")


def quantities(solution: Solution) -> dict[str, Quantity]:
    """Every named quantity of ``solution`` by :func:`key`, in the order of the steps (the answers last
    where no step derives them)."""
    found: dict[str, Quantity] = {}
    iterates: dict[str, int] = {}  # a descent's update steps so far, by variable

    def visit(steps: tuple[Step, ...], prefix: str) -> None:
        for number, step in enumerate(steps, 1):
            label = f"{prefix}{number}"
            quantity = _recorded(step, label)
            if quantity is not None and solution.kind == "descent" and isinstance(step.record, Update):
                # every step updates x, one iterate after the other from x_0: the k-th computes x_k from x_(k−1)
                k = iterates[step.record.param] = iterates.get(step.record.param, 0) + 1
                param = step.record.param
                quantity = Quantity(f"{param}_{k}", quantity.value, label, (f"{param}_{k - 1}",))
            # a node with several consumers: its chain steps are contributions, its fan-in step the sum
            if quantity is not None and (key(quantity.name) not in found or isinstance(step.record, FanIn)):
                found[key(quantity.name)] = quantity
            visit(step.substeps, f"{label}.")

    visit(solution.steps, "")
    for answer in solution.answers:  # an answer is in the problem's layout (a gradient may be a row there)
        step = found.get(key(answer.name))
        found[key(answer.name)] = Quantity(step.name if step else answer.name, answer.value,
                                           step.step if step else "", step.uses if step else ())
    return found


def _recorded(step: Step, label: str) -> Quantity | None:
    """The quantity a step's record establishes, if any."""
    record = step.record
    if isinstance(record, Forward):
        return Quantity(record.name, record.value, label, record.uses)
    if isinstance(record, (Chain, FanIn)):
        return Quantity(f"∂{record.loss}/∂{record.node}", record.value, label, (record.node,))
    if isinstance(record, Update):
        return Quantity(f"{record.param}_new", record.new, label, (record.param,))
    return None


def find(name: str, known: dict[str, Quantity]) -> Quantity | None:
    """The quantity a student's name stands for: itself, or ``grad_W`` / ``dW`` as the loss's gradient
    with respect to W (when exactly one loss has such a gradient)."""
    if key(name) in known:
        return known[key(name)]
    match = re.fullmatch(r"(?:grad_|d)(\w+)", key(name))
    if match:
        wanted = [q for k, q in known.items() if re.fullmatch(rf"d[^/]+/d{re.escape(match.group(1))}", k)]
        if len(wanted) == 1:
            return wanted[0]
    return None


def require(name: str, known: dict[str, Quantity]) -> Quantity:
    """The quantity a student's name stands for (:func:`find`); a FieldError at ``answers.NAME`` that lists
    this problem's quantities when there is none."""
    from solver.errors import FieldError
    from solver.i18n import tr

    quantity = find(name, known)
    if quantity is None:
        names = ", ".join(q.name for q in known.values())
        raise FieldError(("answers", name), tr("not a quantity of this problem; its quantities: {names}", names=names))
    return quantity

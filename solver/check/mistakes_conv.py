"""The named mistake "convolution with a flipped kernel": deep-learning ``conv1d``/``conv2d`` is a
cross-correlation (as in PyTorch); a student who flips the kernel, as textbook convolution does, gets
another forward value, and in the backward pass forgets the flip in ∂L/∂X = corr_full(∂L/∂Z, flip(K))
or puts one into ∂L/∂K = corr(X, ∂L/∂Z).

The slip's values come from the engine's own convolution with its ``flip`` setting turned over, the
same op otherwise (stride, padding, dilation, channels as the trace's conv call writes them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from solver.check.quantities import Quantity, key
from solver.check.slips import as_matrix, explains, gradient_of, named_values, same, trace_records
from solver.formula import Call, Name
from solver.i18n import mark, tr
from solver.trace import Chain, FanIn, Forward, Solution

FORWARD = {False: mark("convolution with a flipped kernel: deep-learning conv is cross-correlation"),
           True: mark("cross-correlation where this conv flips the kernel (flip=True)")}
"""The forward slip's name, by whether the problem's conv flips the kernel."""

BACKWARD = {(0, False): mark("convolution with a flipped kernel: kernel not flipped in the input gradient"),
            (1, False): mark("convolution with a flipped kernel: kernel gradient flipped"),
            (0, True): mark("cross-correlation where this conv flips the kernel: kernel flipped in the input gradient"),
            (1, True): mark("cross-correlation where this conv flips the kernel: kernel gradient not flipped back")}
"""The backward slip's name, by the input (0: the conv's input, 1: its kernel) and the conv's flip."""


def flipped_kernel(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """A conv's forward value, or the gradient of its input or kernel, computed with the kernel flipped:
    the same convolution with ``flip`` turned over. A kernel that is its own flip gives the right value,
    so it never names this."""
    gradient = gradient_of(quantity)
    for label, record, right, flipped, xs in _convolutions(solution):
        if gradient is None:
            if (label == quantity.step or key(record.name) == key(quantity.name)) \
                    and explains(wrong, flipped.forward(xs), quantity.value):
                return tr(FORWARD[right.flip])
            continue
        named = _backward(wrong, quantity, solution, gradient, record, (right, flipped), xs)
        if named:
            return named
    return ""


def _backward(wrong: Any, quantity: Quantity, solution: Solution, gradient: tuple[str, str], record: Forward,
              ops: tuple[Any, Any], xs: list[Any]) -> str:
    """The gradient ∂loss/∂node with this conv's contribution computed with the kernel flipped."""
    loss, node = gradient
    arguments = record.expression.args if isinstance(record.expression, Call) else ()
    up = _upstream(solution, loss, record.name)
    if up is None or len(as_matrix(up)) != len(as_matrix(record.value)):
        return ""
    up = as_matrix(up).reshape(*as_matrix(record.value).shape)
    right, flipped = ops
    for position, argument in enumerate(arguments[:2]):
        if not isinstance(argument, Name) or key(argument.text) != node:
            continue
        needed = [index == position for index in range(len(xs))]
        mine = right.backward(xs, as_matrix(record.value), up, needed)[position]
        theirs = flipped.backward(xs, as_matrix(record.value), up, needed)[position]
        if not _contribution(solution, loss, argument.text, record.name, mine):
            continue  # the engine's rule read otherwise than the trace's: no slip to name
        expected = as_matrix(quantity.value)
        if len(expected) != len(mine):
            continue
        if explains(wrong, expected + (theirs - mine).reshape(*expected.shape), quantity.value):
            return tr(BACKWARD[(position, bool(right.flip))])
    return ""


def _convolutions(solution: Solution) -> Iterator[tuple[str, Forward, Any, Any, list[Any]]]:
    """(step, record, op, op with the flip turned over, input values) for every forward conv call whose
    op, rebuilt from the call, gives the recorded value."""
    from solver.engine.graph import CONVOLUTIONS

    values = named_values(solution)
    for label, record in trace_records(solution):
        if not isinstance(record, Forward) or not isinstance(record.expression, Call) \
                or record.expression.function not in CONVOLUTIONS:
            continue
        expression = record.expression
        names = [a for a in expression.args if isinstance(a, Name) and "=" not in a.text]
        settings = _settings(expression)
        if settings is None or len(names) != len(expression.args) - len(settings[1]) \
                or any(n.text not in values for n in names):
            continue
        xs = [as_matrix(values[n.text]) for n in names]
        try:
            right = _op(expression.function, len(xs), settings[0])
            flipped = _op(expression.function, len(xs), {**settings[0], "flip": not right.flip})
            if not same(record.value, right.forward(xs)):
                continue
        except (ValueError, TypeError, IndexError):
            continue
        yield label, record, right, flipped, xs


def _settings(call: Call) -> tuple[dict[str, Any], list[str]] | None:
    """The keyword settings written in a conv call's label (``padding='same'``), read by the engine's
    settings reader, and their texts; None when they cannot be read."""
    import ast

    from solver.engine.conv import Conv
    from solver.engine.settings import SettingError, read_settings

    texts = [a.text for a in call.args if isinstance(a, Name) and "=" in a.text]
    try:
        parsed = ast.parse(f"f({', '.join(texts)})", mode="eval").body
        if not isinstance(parsed, ast.Call):
            return None
        return read_settings(call.function, parsed.keywords, Conv.keywords), texts
    except (SyntaxError, SettingError):
        return None


def _op(function: str, arity: int, settings: dict[str, Any]) -> Any:
    """The engine's conv op of ``function`` with ``settings``."""
    from solver.engine import conv
    from solver.engine.graph import CONVOLUTIONS

    return conv.make(CONVOLUTIONS[function], arity, settings)


def _upstream(solution: Solution, loss: str, output: str) -> Any:
    """∂loss/∂output: the fan-in sum where there is one, else the one contribution."""
    found: Any = None
    for _, record in trace_records(solution):
        if isinstance(record, (Chain, FanIn)) and key(record.loss) == loss and key(record.node) == key(output):
            if isinstance(record, FanIn):
                return record.value
            found = record.value if found is None else found
    return found


def _contribution(solution: Solution, loss: str, node: str, consumer: str, value: Any) -> bool:
    """Whether the trace records ``value`` as the contribution to ∂loss/∂node through ``consumer``."""
    return any(isinstance(r, Chain) and key(r.loss) == loss and r.node == node and r.consumer == consumer
               and same(r.value, value) for _, r in trace_records(solution))

"""Named mistakes: for a wrong value, the usual slip that turns the right value into it, if one does.

Each rule is a function ``(wrong, quantity, solution) -> str`` returning the mistake's name, or "" when
the rule does not explain the value; :func:`diagnose` tries them in order. A value no rule explains is
only "incorrect". Rules read the trace's typed records (Forward, Chain, FanIn, Update) and the answers,
never printed text, and compare with :func:`solver.check.compare.same_value` (no simplify). The index
and flipped-kernel rules live in :mod:`.mistakes_index` and :mod:`.mistakes_conv`; the helpers all rules
share in :mod:`.slips`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from solver.check.compare import DECIMALS, Written, compare
from solver.check.mistakes_conv import flipped_kernel
from solver.check.mistakes_index import shifted_index
from solver.check.quantities import Quantity, key
from solver.check.slips import as_matrix, explains, gradient_of, named_values, same, trace_records
from solver.formula import Call, Name, Op
from solver.i18n import mark, tr
from solver.trace import Approximate, Chain, FanIn, Forward, Solution, Update

Rule = Callable[[Any, Quantity, Solution], str]

BIAS_CONVENTIONS = {"textbook_total": mark("bias convention: the textbook count"),
                    "pytorch_total": mark("bias convention: the PyTorch count"),
                    "keras_total": mark("bias convention: the Keras count")}
"""The mistake of a parameter count right under another convention's biases, by that convention's answer."""


def _sign(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """The right value with the opposite sign."""
    import sympy as sp


    expected = quantity.value
    if isinstance(expected, sp.MatrixBase):
        if expected.is_zero_matrix or len(as_matrix(wrong)) != len(expected):
            return ""
    elif as_matrix(expected).is_zero_matrix:
        return ""
    return tr("sign error") if same(wrong, -expected) else ""  # the right value with the opposite sign


def _transposed(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """A square matrix written transposed (a non-square one is a wrong shape, which compare reports)."""
    import sympy as sp

    expected = quantity.value
    if not isinstance(expected, sp.MatrixBase) or not expected.is_square or expected.rows < 2:
        return ""
    if not isinstance(wrong, sp.MatrixBase) or not explains(wrong, expected.T, expected):
        return ""
    if gradient_of(quantity):
        return tr("transposed: the other layout, or an outer product in the wrong order")
    return tr("transposed matrix")


def _column_order(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """A non-square matrix of the right shape with its entries in column order instead of row order (or
    the reverse)."""
    import sympy as sp

    expected = quantity.value
    if not isinstance(expected, sp.MatrixBase) or expected.is_square or 1 in expected.shape:
        return ""
    if not isinstance(wrong, sp.MatrixBase) or wrong.shape != expected.shape:
        return ""
    rows, cols = expected.shape
    read = expected.T.reshape(rows, cols)  # the right entries read column by column, written by rows
    if explains(wrong, read, expected) or explains(wrong.T.reshape(rows, cols), expected, read):
        return tr("entries in column order: row versus column layout")
    return ""


def _fan_in(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """A gradient summed over several consumers written as one consumer's contribution only."""
    gradient = gradient_of(quantity)
    if gradient is None:
        return ""
    records = [record for _, record in trace_records(solution)]
    sums = [r for r in records if isinstance(r, FanIn) and (key(r.loss), key(r.node)) == gradient]
    if not sums:
        return ""
    total = sums[-1]
    for record in records:
        if isinstance(record, Chain) and (key(record.loss), key(record.node)) == gradient \
                and record.consumer in total.consumers and explains(wrong, record.value, total.value):
            # Translators: {consumer} is a node of the graph such as h1
            return tr("missing fan-in sum: only the contribution through {consumer}", consumer=record.consumer)
    return ""


def _relu_at_zero(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """The gradient of a ReLU's input computed with ReLU′(0) = 1 (the rule is 0, as in PyTorch): the
    upstream gradient also passes where the input is exactly 0."""
    import sympy as sp

    gradient = gradient_of(quantity)
    if gradient is None:
        return ""
    loss, node = gradient
    values = named_values(solution)
    upstream: dict[str, Any] = {}
    for _, record in trace_records(solution):  # ∂loss/∂output: the fan-in sum where there is one
        if isinstance(record, (Chain, FanIn)) and key(record.loss) == loss \
                and (isinstance(record, FanIn) or key(record.node) not in upstream):
            upstream[key(record.node)] = record.value
    for _, record in trace_records(solution):
        if not isinstance(record, Forward):
            continue
        expression = record.expression
        if not (isinstance(expression, Call) and expression.function == "relu" and len(expression.args) == 1):
            continue
        argument = expression.args[0]
        if not isinstance(argument, Name) or key(argument.text) != node or argument.text not in values:
            continue
        inputs, up = as_matrix(values[argument.text]), upstream.get(key(record.name))
        if up is None or len(as_matrix(up)) != len(inputs):
            continue
        up = as_matrix(up).reshape(*inputs.shape)
        passed = sp.Matrix(inputs.rows, inputs.cols, [u if v == 0 else 0 for u, v in zip(up, inputs)])
        if explains(wrong, as_matrix(quantity.value).reshape(*_shape(quantity.value, inputs)) + passed,
                     quantity.value):
            return tr("ReLU′(0) taken as 1")
    return ""


def _shape(value: Any, like: Any) -> tuple[int, int]:
    """The shape to add ``value`` to a matrix shaped ``like`` (a vector takes its orientation)."""
    matrix = as_matrix(value)
    return like.shape if len(matrix) == len(like) else matrix.shape


def _bias(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """A forward value ``… + b`` (or a convolution with a bias) evaluated without its bias."""
    import sympy as sp

    values = named_values(solution)
    for label, record in trace_records(solution):
        if label != quantity.step or not isinstance(record, Forward):
            continue
        expression = record.expression
        terms: list[Any] = []
        if isinstance(expression, Op) and expression.symbol == "+":
            terms = [a for a in expression.args if isinstance(a, Name)]
        elif isinstance(expression, Call) and expression.function.startswith("conv") and len(expression.args) >= 3:
            terms = [expression.args[2]] if isinstance(expression.args[2], Name) else []
        for term in terms:
            bias = values.get(term.text)
            if bias is None:
                continue
            value = as_matrix(record.value)
            shift = as_matrix(bias)
            if shift.shape == (1, 1):
                shift = sp.ones(*value.shape) * shift[0, 0]
            if len(shift) != len(value):
                continue
            if explains(wrong, value - shift.reshape(*value.shape), value):
                # Translators: {value} is a forward value such as z1, {bias} its bias such as b1
                return tr("bias forgotten: {value} without {bias}", value=record.name, bias=term.text)
    return ""


def _softmax_onehot(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """The gradient of softmax + cross-entropy written as softmax(s) without subtracting the one-hot."""
    from solver.check.compare import same_value

    gradient = gradient_of(quantity)
    if gradient is None:
        return ""
    for _, record in trace_records(solution):
        if not isinstance(record, Forward):
            continue
        expression = record.expression
        if not (isinstance(expression, Call) and expression.function == "softmax" and expression.args
                and isinstance(expression.args[0], Name) and key(expression.args[0].text) == gradient[1]):
            continue
        probabilities = as_matrix(record.value)
        expected = as_matrix(quantity.value)
        if len(expected) != len(probabilities) or not explains(wrong, probabilities, expected):
            continue
        onehot = [p - e for p, e in zip(probabilities, expected.reshape(*probabilities.shape))]
        ones = [d for d in onehot if same_value(d, 1)]
        if len(ones) == 1 and sum(1 for d in onehot if same_value(d, 0)) == len(onehot) - 1:
            return tr("softmax + cross-entropy gradient without − onehot")
    return ""


def _bias_convention(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """A parameter count right under another convention's biases (textbook, PyTorch, Keras)."""
    if key(quantity.name) != "total":
        return ""
    for answer in solution.answers:
        if answer.name in ("textbook_total", "pytorch_total", "keras_total") \
                and explains(wrong, answer.value, quantity.value):
            return tr(BIAS_CONVENTIONS[answer.name])
    return ""


def _learning_rate(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """An update with the learning rate left out or applied twice, or a step in the wrong direction."""
    from solver.check.compare import same_value

    for label, record in trace_records(solution):
        if not isinstance(record, Update) or not (label == quantity.step or same(record.new, quantity.value)):
            continue
        old, rate = as_matrix(record.old), record.rate
        step = as_matrix(record.gradient)
        if step.shape != old.shape:
            step = step.reshape(*old.shape) if len(step) == len(old) else step
        sign = 1 if record.ascent else -1
        direction = mark("gradient ascent instead of descent") if sign < 0 else \
            mark("gradient descent instead of ascent")
        slips = [(old - sign * rate * step, direction)]
        if not same_value(rate, 1):
            slips += [(old + sign * step, mark("learning rate not applied")),
                      (old + sign * rate * rate * step, mark("learning rate applied twice"))]
        for candidate, name in slips:
            if candidate.shape == old.shape and explains(wrong, candidate, record.new):
                return tr(name)
    return ""


def _log_base(wrong: Any, quantity: Quantity, solution: Solution) -> str:
    """A value with a natural logarithm computed with log₁₀ or log₂ instead."""
    import sympy as sp

    expected = quantity.value
    if not isinstance(expected, sp.Basic) or not expected.has(sp.log):
        return ""
    for base in (10, 2):
        other = expected.replace(sp.log, lambda argument, b=base: sp.log(argument) / sp.log(b))
        if explains(wrong, other, expected):
            return tr("log base {base} instead of ln", base=base)
    return ""


RULES: tuple[Rule, ...] = (_sign, _transposed, _column_order, _fan_in, _relu_at_zero, _bias, _softmax_onehot,
                           _bias_convention, _learning_rate, _log_base, shifted_index, flipped_kernel)


def diagnose(wrong: Any, quantity: Quantity, solution: Solution, written: Written | None = None) -> str:
    """The name of the mistake that explains ``wrong`` as the value of ``quantity``, or "". With the
    ``written`` value, a sign error is also found in decimals (−2.079 for 3 ln 2 = 2.0794…)."""
    if isinstance(quantity.value, Approximate):  # a value known only by its decimals: no exact slip to compare
        return ""
    if written is not None and compare(written, -as_matrix(quantity.value), quantity.name).status == DECIMALS:
        return tr("sign error")
    for rule in RULES:
        named = rule(wrong, quantity, solution)
        if named:
            return named
    return ""

"""Safe, exact parsing of the numbers and small expressions written in problem files.

``"0.2"`` → 1/5, ``"1/3"``, ``"-2"``, ``"2*ln(sqrt(2))"`` → ``2*log(sqrt(2))`` (sympy keeps it exact),
``"e^-1"``/``"exp(-1)"``, ``"pi"``. The text is read by :mod:`solver.expressions` (the one safe
parser, with its bounds) and only a small whitelist of node types is turned into sympy objects by
hand: nothing is ever evaluated as Python (no ``eval``, ``exec``, ``sympy.sympify`` or
``parse_expr``). Sizes are bounded so that hostile input (``9**9**9``, million-digit literals) is
rejected at once.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeAlias

from solver.expressions import (
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_MAGNITUDE,
    MAX_NODES,
    MAX_TEXT,
    NumberError,
    Unreadable,
    Visitor,
    comma_hint,
    decimal_literal,
    first_non_ascii,
    non_ascii_message,
    power_too_large,
    read,
    side_by_side,
    unreadable_message,
)
from solver.expressions import plain_name as plain_name  # re-exported: the kinds read names with it
from solver.i18n import ntr, tr

MAX_ENTRIES = 10_000  # entries of one matrix
ZERO_BELOW = 10**-100  # a denominator this close to 0 is treated as 0

FUNCTIONS = ("ln", "log", "exp", "sqrt", "sigmoid", "tanh")
UNKNOWN = "?"


def _sympy() -> Any:
    import sympy

    return sympy


def _function(name: str) -> Callable[[Any], Any]:
    sp = _sympy()
    return {
        "ln": sp.log,
        "log": sp.log,
        "exp": sp.exp,
        "sqrt": sp.sqrt,
        "tanh": sp.tanh,
        "sigmoid": lambda x: 1 / (1 + sp.exp(-x)),
    }[name]


def _check_size(value: Any) -> Any:
    """Refuse values that are not finite real numbers or that are too large to keep exactly."""
    sp = _sympy()
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise NumberError(tr("division by zero or a logarithm of 0 (the value is not finite)"))
    if value.has(sp.I) or value.is_extended_real is False:
        raise NumberError(tr("the value is not a real number (a logarithm or square root of a negative?)"))
    for atom in value.atoms(sp.Rational):
        if len(str(abs(atom.p))) > MAX_DIGITS or len(str(atom.q)) > MAX_DIGITS:
            raise NumberError(tr("a number with more than {count} digits is too large", count=MAX_DIGITS))
    if value.is_number and not value.is_Rational:
        # every part was checked already, so this numeric evaluation is bounded and quick
        approx = value.evalf(30)
        if not approx.is_real:
            raise NumberError(tr("the value is not a real number"))
        if abs(approx) > MAX_MAGNITUDE:
            raise NumberError(tr("the value is larger than 10^{digits}", digits=MAX_DIGITS))
    return value


def _is_zero(value: Any) -> bool:
    """Exactly zero, or zero to 100 digits (``ln 2 + ln 3 − ln 6``), for a number."""
    if value == 0:
        return True
    return bool(value.is_number and not value.is_Rational and abs(value.evalf(30)) < ZERO_BELOW)


class _Builder(Visitor[Any]):
    """Turns a whitelisted Python syntax tree into a sympy object, node by node."""

    def __init__(self, source: str, symbols: dict[str, Any]):
        super().__init__(source)
        self.symbols = symbols

    def refuse(self, node: ast.AST) -> Exception:
        if isinstance(node, ast.Tuple) and comma_hint(self.source):
            return NumberError(f"{self.source.strip()!r}: {comma_hint(self.source)}")
        # Translators: {syntax} is like "indexing" or "'x'"; {functions} lists functions such as "sqrt, ln, exp"
        return NumberError(tr("{syntax} is not allowed (use numbers, + - * / ^, {functions}, pi, e)",
                              syntax=_describe(node), functions=", ".join(FUNCTIONS)))

    def unary(self, node: ast.UnaryOp) -> Any:
        operand = self.visit(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand

    def binary(self, node: ast.BinOp) -> Any:
        sp = _sympy()
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Pow):
            return _check_size(self.power(left, right))
        if isinstance(node.op, ast.Div) and _is_zero(right):
            raise NumberError(tr("division by zero"))
        op = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul, ast.Div: lambda a, b: a / b}
        return _check_size(op[type(node.op)](left, right))

    def constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise NumberError(tr("{value} is not a number", value=repr(node.value)))
        return decimal_literal(self.literal_text(node))

    def name(self, node: ast.Name) -> Any:
        sp = _sympy()
        name = node.id
        if name == "pi":
            return sp.pi
        if name == "e":
            return sp.E
        if name in self.symbols:
            return self.symbols[name]
        if name in FUNCTIONS:
            raise NumberError(tr("'{name}' is a function: write {name}(...)", name=name))
        # Translators: {hint} is empty or like ": write ln(2)"
        raise NumberError(tr("unknown name '{name}' (known: pi, e){hint}", name=name, hint=_glued_hint(name)))

    def power(self, base: Any, exponent: Any) -> Any:
        """``base**exponent``, refused when it would be too large to keep exactly."""
        if not (base.is_number and exponent.is_number):
            return base**exponent
        if exponent.is_Rational and abs(exponent) > MAX_EXPONENT:
            raise NumberError(tr("the exponent {exponent} is too large (at most {limit})", exponent=exponent,
                                 limit=MAX_EXPONENT))
        if _is_zero(base):
            if exponent.is_negative:
                raise NumberError(tr("division by zero (0 to a negative power)"))
            return base**exponent
        if base.is_negative and not exponent.is_integer:
            raise NumberError(tr("a negative number to a non-integer power is not real"))
        if power_too_large(base, exponent):
            raise NumberError(tr("the power is larger than 10^{digits} (or smaller than 10^-{digits})",
                                 digits=MAX_DIGITS))
        return base**exponent

    def call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id in ("pi", "e", *self.symbols):
            written = ast.get_source_segment(self.source, node) or "…"
            value, bracket = _split_call(written)
            raise NumberError(f"{written!r}: {side_by_side(value, bracket)}")
        if node.func.id not in FUNCTIONS:
            raise NumberError(tr("{syntax} is not a known function (known: {functions})",
                                 syntax=_describe(node.func), functions=", ".join(FUNCTIONS)))
        if node.keywords or len(node.args) != 1:
            raise NumberError(tr("{name}() takes exactly one argument", name=node.func.id))
        argument = self.visit(node.args[0])
        if node.func.id == "exp" and argument.is_number and argument.evalf(30) > MAX_DIGITS * 2.31:
            raise NumberError(tr("exp of {value} is larger than 10^{digits}", value=argument, digits=MAX_DIGITS))
        if node.func.id in ("ln", "log") and argument.is_number and argument.is_zero:
            raise NumberError(tr("log(0) is not finite"))
        if node.func.id in ("ln", "log") and argument.is_number and argument.is_negative:
            raise NumberError(tr("log of a negative number ({value}) is not real", value=argument))
        return _check_size(_function(node.func.id)(argument))


def _split_call(written: str) -> tuple[str, str]:
    """``2(3 + 1)`` as the value and its bracket, ``("2", "(3 + 1)")``: the bracket is the last balanced one."""
    depth = 0
    for i in range(len(written) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(written[i], 0)
        if depth == 0:
            return written[:i].strip(), written[i:]
    return written, ""


def _glued_hint(name: str) -> str:
    """What an unknown name glued from a known one and digits meant: ``ln2`` is ln(2), ``e2`` e^2 or e*2."""
    match = re.fullmatch(r"([a-z]+?)(\d+)", name)
    if match is None:
        return ""
    known, digits = match.groups()
    if known in FUNCTIONS:
        return ": " + tr("write {function}({digits})", function=known, digits=digits)
    if known in ("pi", "e"):
        return ": " + tr("write {name}^{digits} for a power or {name}*{digits} for a product", name=known,
                         digits=digits)
    return ""


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return tr("attribute access")
    if isinstance(node, ast.Name):
        return f"'{node.id}'"
    if isinstance(node, ast.Lambda):
        return "lambda"
    if isinstance(node, ast.Compare):
        return tr("a comparison")
    if isinstance(node, ast.Subscript):
        return tr("indexing")
    return "and/or" if isinstance(node, ast.BoolOp) else tr("the syntax '{name}'", name=type(node).__name__)


PLAIN_NUMBER = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,39})(?:\.[0-9]{1,40}|/[1-9][0-9]{0,39})?")
"""An integer, a decimal or a fraction as most given values are written: read at once, exactly as the
expression reader would (a matrix of 4,096 entries is read in milliseconds instead of a second)."""


def parse_exact(value: Any, symbols: dict[str, Any] | None = None) -> Any:
    """Parse a YAML scalar (int, float or text) into an exact sympy number or expression.

    >>> parse_exact("0.2"), parse_exact("2*ln(sqrt(2))")
    (1/5, log(2))
    """
    sp = _sympy()
    if isinstance(value, bool):
        raise NumberError(tr("expected a number, got {value}", value=repr(value)))
    if isinstance(value, int):
        if abs(value).bit_length() > 3.33 * MAX_DIGITS:
            raise NumberError(tr("a number with more than {count} digits is too large", count=MAX_DIGITS))
        return sp.Integer(value)
    if isinstance(value, float):  # only reached through the Python API: shortest round-trip text
        return parse_exact(repr(value), symbols)
    if not isinstance(value, str):
        raise NumberError(tr("expected a number, got {value}", value=_kind_of(value)))
    text = value.strip()
    if PLAIN_NUMBER.fullmatch(text):  # "-3/10", "0.25", "7": no parser needed
        return sp.Rational(text)
    if not text:
        raise NumberError(tr("expected a number, got an empty string"))
    if text == UNKNOWN:
        raise NumberError(tr("'?' (an unknown entry) is not allowed here"))
    if len(text) > MAX_TEXT:
        raise NumberError(tr("expression longer than {count} characters", count=MAX_TEXT))
    odd = first_non_ascii(text)
    if odd is not None:
        raise NumberError(non_ascii_message(odd, "numbers and names"))
    try:
        parsed = read(text)
    except Unreadable:
        raise NumberError(unreadable_message(text, FUNCTIONS, number=True)) from None
    if parsed.parts > MAX_NODES:
        raise NumberError(tr("expression with more than {count} parts is too complex", count=MAX_NODES))
    try:
        result = _Builder(parsed.source, symbols or {}).visit(parsed.tree.body)
    except RecursionError:
        raise NumberError(tr("expression is nested too deeply")) from None
    # 2*ln(sqrt(2)) is ln 2: a targeted rewrite, never an unbounded simplify
    return sp.expand_log(result, force=True) if result.has(sp.log) else result


def parse_matrix(value: Any, symbols: dict[str, Any] | None = None) -> Any:
    """Parse a nested list (rows) or a flat list (a column vector) into an exact sympy Matrix."""
    sp = _sympy()
    if not isinstance(value, list) or not value:
        raise NumberError(tr("expected a matrix as a list of rows (or a list of numbers), got {value}",
                             value=_kind_of(value)))
    if all(not isinstance(row, list) for row in value):
        rows = [[entry] for entry in value]  # a flat list is a column vector
    elif all(isinstance(row, list) for row in value):
        rows = value
        widths = [len(row) for row in rows]
        if 0 in widths:
            raise NumberError(tr("row {index} is empty", index=widths.index(0)))
        if len(set(widths)) > 1:
            bad = next(i for i, w in enumerate(widths) if w != widths[0])
            raise NumberError(tr("ragged matrix: row 0 has {first} entries but row {index} has {count}",
                                 first=widths[0], index=bad, count=widths[bad]))
    else:
        raise NumberError(tr("mixes numbers and lists: write every row as a list, or a flat list for a vector"))
    if len(rows) * len(rows[0]) > MAX_ENTRIES:
        raise NumberError(tr("matrix with more than {count} entries is too large", count=MAX_ENTRIES))
    entries = []
    for i, row in enumerate(rows):
        for j, entry in enumerate(row):
            try:
                entries.append(parse_exact(entry, symbols))
            except NumberError as error:
                raise NumberError(tr("entry [{row}][{column}]: {error}", row=i, column=j, error=error)) from None
    return sp.Matrix(len(rows), len(rows[0]), entries)


def shape_text(rows: int, cols: int) -> str:
    """``2×3``: how shapes are written in messages and steps."""
    return f"{rows}×{cols}"


def check_shape(matrix: Any, rows: int, cols: int) -> None:
    """Raise NumberError ``expected 2×3 matrix, got 3 rows of 2`` unless the shape matches."""
    if matrix.shape != (rows, cols):
        got_rows, got_cols = matrix.shape
        raise NumberError(ntr("expected {shape} matrix, got {n} row of {columns}",
                              "expected {shape} matrix, got {n} rows of {columns}", got_rows,
                              shape=shape_text(rows, cols), columns=got_cols))


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return tr("a mapping")
    if isinstance(value, list):
        return tr("an empty list") if not value else tr("a list")
    if value is None:
        return tr("nothing (null)")

    return repr(value)


class ExactNumberField:
    """Validation of an exact number field in a spec dataclass (by pydantic, lazily)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(parse_exact)

    @classmethod
    def direct_conversion(cls, inner: Any) -> Any:
        """The same parser without pydantic (solver.direct_validation)."""
        return parse_exact


class ExactMatrixField:
    """Validation of an exact matrix field: a list of rows, or a flat list for a column vector."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(parse_matrix)

    @classmethod
    def direct_conversion(cls, inner: Any) -> Any:
        """The same parser without pydantic (solver.direct_validation)."""
        return parse_matrix


# sympy has no type information, so to mypy these are Any; to pydantic they say how to validate
Exact: TypeAlias = Annotated[Any, ExactNumberField]
"""A field holding an exact number (a sympy Rational or expression)."""
ExactMatrix: TypeAlias = Annotated[Any, ExactMatrixField]
"""A field holding an exact matrix (a sympy ImmutableMatrix)."""

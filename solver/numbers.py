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
        raise NumberError("division by zero or a logarithm of 0 (the value is not finite)")
    if value.has(sp.I) or value.is_extended_real is False:
        raise NumberError("the value is not a real number (a logarithm or square root of a negative?)")
    for atom in value.atoms(sp.Rational):
        if len(str(abs(atom.p))) > MAX_DIGITS or len(str(atom.q)) > MAX_DIGITS:
            raise NumberError(f"a number with more than {MAX_DIGITS} digits is too large")
    if value.is_number and not value.is_Rational:
        # every part was checked already, so this numeric evaluation is bounded and quick
        approx = value.evalf(30)
        if not approx.is_real:
            raise NumberError("the value is not a real number")
        if abs(approx) > MAX_MAGNITUDE:
            raise NumberError(f"the value is larger than 10^{MAX_DIGITS}")
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
        return NumberError(f"{_describe(node)} is not allowed (use numbers, + - * / ^, {', '.join(FUNCTIONS)}, pi, e)")

    def unary(self, node: ast.UnaryOp) -> Any:
        operand = self.visit(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand

    def binary(self, node: ast.BinOp) -> Any:
        sp = _sympy()
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Pow):
            return _check_size(self.power(left, right))
        if isinstance(node.op, ast.Div) and _is_zero(right):
            raise NumberError("division by zero")
        op = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul, ast.Div: lambda a, b: a / b}
        return _check_size(op[type(node.op)](left, right))

    def constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise NumberError(f"{node.value!r} is not a number")
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
            raise NumberError(f"'{name}' is a function: write {name}(...)")
        raise NumberError(f"unknown name '{name}' (known: pi, e){_glued_hint(name)}")

    def power(self, base: Any, exponent: Any) -> Any:
        """``base**exponent``, refused when it would be too large to keep exactly."""
        if not (base.is_number and exponent.is_number):
            return base**exponent
        if exponent.is_Rational and abs(exponent) > MAX_EXPONENT:
            raise NumberError(f"the exponent {exponent} is too large (at most {MAX_EXPONENT})")
        if _is_zero(base):
            if exponent.is_negative:
                raise NumberError("division by zero (0 to a negative power)")
            return base**exponent
        if base.is_negative and not exponent.is_integer:
            raise NumberError("a negative number to a non-integer power is not real")
        if power_too_large(base, exponent):
            raise NumberError(f"the power is larger than 10^{MAX_DIGITS} (or smaller than 10^-{MAX_DIGITS})")
        return base**exponent

    def call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id in ("pi", "e", *self.symbols):
            written = ast.get_source_segment(self.source, node) or "…"
            value, bracket = _split_call(written)
            raise NumberError(f"{written!r}: {side_by_side(value, bracket)}")
        if node.func.id not in FUNCTIONS:
            raise NumberError(f"{_describe(node.func)} is not a known function (known: {', '.join(FUNCTIONS)})")
        if node.keywords or len(node.args) != 1:
            raise NumberError(f"{node.func.id}() takes exactly one argument")
        argument = self.visit(node.args[0])
        if node.func.id == "exp" and argument.is_number and argument.evalf(30) > MAX_DIGITS * 2.31:
            raise NumberError(f"exp of {argument} is larger than 10^{MAX_DIGITS}")
        if node.func.id in ("ln", "log") and argument.is_number and argument.is_zero:
            raise NumberError("log(0) is not finite")
        if node.func.id in ("ln", "log") and argument.is_number and argument.is_negative:
            raise NumberError(f"log of a negative number ({argument}) is not real")
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
        return f": write {known}({digits})"
    if known in ("pi", "e"):
        return f": write {known}^{digits} for a power or {known}*{digits} for a product"
    return ""


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return "attribute access"
    if isinstance(node, ast.Name):
        return f"'{node.id}'"
    if isinstance(node, ast.Lambda):
        return "lambda"
    return {ast.Compare: "a comparison", ast.Subscript: "indexing", ast.BoolOp: "and/or"}.get(
        type(node), f"the syntax '{type(node).__name__}'"
    )


def parse_exact(value: Any, symbols: dict[str, Any] | None = None) -> Any:
    """Parse a YAML scalar (int, float or text) into an exact sympy number or expression.

    >>> parse_exact("0.2"), parse_exact("2*ln(sqrt(2))")
    (1/5, log(2))
    """
    sp = _sympy()
    if isinstance(value, bool):
        raise NumberError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        if abs(value).bit_length() > 3.33 * MAX_DIGITS:
            raise NumberError(f"a number with more than {MAX_DIGITS} digits is too large")
        return sp.Integer(value)
    if isinstance(value, float):  # only reached through the Python API: shortest round-trip text
        return parse_exact(repr(value), symbols)
    if not isinstance(value, str):
        raise NumberError(f"expected a number, got {_kind_of(value)}")
    text = value.strip()
    if not text:
        raise NumberError("expected a number, got an empty string")
    if text == UNKNOWN:
        raise NumberError("'?' (an unknown entry) is not allowed here")
    if len(text) > MAX_TEXT:
        raise NumberError(f"expression longer than {MAX_TEXT} characters")
    odd = first_non_ascii(text)
    if odd is not None:
        raise NumberError(non_ascii_message(odd, "numbers and names"))
    try:
        parsed = read(text)
    except Unreadable:
        raise NumberError(unreadable_message(text, FUNCTIONS, number=True)) from None
    if parsed.parts > MAX_NODES:
        raise NumberError(f"expression with more than {MAX_NODES} parts is too complex")
    try:
        result = _Builder(parsed.source, symbols or {}).visit(parsed.tree.body)
    except RecursionError:
        raise NumberError("expression is nested too deeply") from None
    # 2*ln(sqrt(2)) is ln 2: a targeted rewrite, never an unbounded simplify
    return sp.expand_log(result, force=True) if result.has(sp.log) else result


def parse_matrix(value: Any, symbols: dict[str, Any] | None = None) -> Any:
    """Parse a nested list (rows) or a flat list (a column vector) into an exact sympy Matrix."""
    sp = _sympy()
    if not isinstance(value, list) or not value:
        raise NumberError(f"expected a matrix as a list of rows (or a list of numbers), got {_kind_of(value)}")
    if all(not isinstance(row, list) for row in value):
        rows = [[entry] for entry in value]  # a flat list is a column vector
    elif all(isinstance(row, list) for row in value):
        rows = value
        widths = [len(row) for row in rows]
        if 0 in widths:
            raise NumberError(f"row {widths.index(0)} is empty")
        if len(set(widths)) > 1:
            bad = next(i for i, w in enumerate(widths) if w != widths[0])
            raise NumberError(f"ragged matrix: row 0 has {widths[0]} entries but row {bad} has {widths[bad]}")
    else:
        raise NumberError("mixes numbers and lists: write every row as a list, or a flat list for a vector")
    if len(rows) * len(rows[0]) > MAX_ENTRIES:
        raise NumberError(f"matrix with more than {MAX_ENTRIES} entries is too large")
    entries = []
    for i, row in enumerate(rows):
        for j, entry in enumerate(row):
            try:
                entries.append(parse_exact(entry, symbols))
            except NumberError as error:
                raise NumberError(f"entry [{i}][{j}]: {error}") from None
    return sp.Matrix(len(rows), len(rows[0]), entries)


def shape_text(rows: int, cols: int) -> str:
    """``2×3``: how shapes are written in messages and steps."""
    return f"{rows}×{cols}"


def check_shape(matrix: Any, rows: int, cols: int) -> None:
    """Raise NumberError ``expected 2×3 matrix, got 3 rows of 2`` unless the shape matches."""
    if matrix.shape != (rows, cols):
        got_rows, got_cols = matrix.shape
        raise NumberError(
            f"expected {shape_text(rows, cols)} matrix, got {got_rows} row{'s' * (got_rows != 1)} of {got_cols}"
        )


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    if value is None:
        return "nothing (null)"
    return repr(value)


class ExactNumberField:
    """Validation of an exact number field in a spec dataclass (by pydantic, lazily)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(parse_exact)


class ExactMatrixField:
    """Validation of an exact matrix field: a list of rows, or a flat list for a column vector."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(parse_matrix)


# sympy has no type information, so to mypy these are Any; to pydantic they say how to validate
Exact: TypeAlias = Annotated[Any, ExactNumberField]
"""A field holding an exact number (a sympy Rational or expression)."""
ExactMatrix: TypeAlias = Annotated[Any, ExactMatrixField]
"""A field holding an exact matrix (a sympy ImmutableMatrix)."""

"""Safe, exact parsing of the numbers and small expressions written in problem files.

``"0.2"`` → 1/5, ``"1/3"``, ``"-2"``, ``"2*ln(sqrt(2))"`` → ``2*log(sqrt(2))`` (sympy keeps it exact),
``"e^-1"``/``"exp(-1)"``, ``"pi"``. The text is parsed with :func:`ast.parse` and only a small
whitelist of node types is turned into sympy objects by hand: nothing is ever evaluated as Python
(no ``eval``, ``exec``, ``sympy.sympify`` or ``parse_expr``). Sizes are bounded so that hostile
input (``9**9**9``, million-digit literals) is rejected at once.
"""

from __future__ import annotations

import ast
import re
from typing import Any

MAX_TEXT = 500  # characters in one expression
MAX_LITERAL = 60  # characters in one number literal
MAX_NODES = 200  # syntax nodes in one expression
MAX_EXPONENT = 100  # |n| in x**n when both are numbers
MAX_DIGITS = 200  # digits of any exact rational produced along the way
MAX_ENTRIES = 10_000  # entries of one matrix
MAX_MAGNITUDE = 10**MAX_DIGITS  # |value| of any number along the way
ZERO_BELOW = 10**-100  # a denominator this close to 0 is treated as 0
_DECIMAL_LITERAL = re.compile(r"(\d[\d_]*)?(\.\d*)?([eE][+-]?\d+)?")

FUNCTIONS = ("ln", "log", "exp", "sqrt", "sigmoid", "tanh")
CONSTANTS = ("pi", "e")
UNKNOWN = "?"


class NumberError(ValueError):
    """The text is not an exact number or expression we accept; the message says why."""


def _sympy():
    import sympy

    return sympy


def _function(name: str):
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


class _Builder:
    """Turns a whitelisted Python syntax tree into a sympy object, node by node."""

    def __init__(self, text: str, symbols: dict[str, Any]):
        self.text = text
        self.symbols = symbols

    def build(self, node: ast.AST) -> Any:
        sp = _sympy()
        if isinstance(node, ast.Expression):
            return self.build(node.body)
        if isinstance(node, ast.Constant):
            return self.literal(node)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
            left, right = self.build(node.left), self.build(node.right)
            if isinstance(node.op, ast.Pow):
                return _check_size(self.power(left, right))
            if isinstance(node.op, ast.Div) and _is_zero(right):
                raise NumberError("division by zero")
            op = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul, ast.Div: lambda a, b: a / b}
            return _check_size(op[type(node.op)](left, right))
        if isinstance(node, ast.Call):
            return self.call(node)
        raise NumberError(f"{_describe(node)} is not allowed (use numbers, + - * / ^, {', '.join(FUNCTIONS)}, pi, e)")

    def literal(self, node: ast.Constant) -> Any:
        sp = _sympy()
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise NumberError(f"{node.value!r} is not a number")
        source = ast.get_source_segment(self.text, node) or ""
        if len(source) > MAX_LITERAL:
            raise NumberError(f"a number literal longer than {MAX_LITERAL} characters is not accepted")
        return _decimal_literal(source)

    def name(self, name: str) -> Any:
        sp = _sympy()
        if name == "pi":
            return sp.pi
        if name == "e":
            return sp.E
        if name in self.symbols:
            return self.symbols[name]
        if name in FUNCTIONS:
            raise NumberError(f"'{name}' is a function: write {name}(...)")
        raise NumberError(f"unknown name '{name}' (known: pi, e)")

    def power(self, base: Any, exponent: Any) -> Any:
        sp = _sympy()
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
        # refuse results beyond 10^±MAX_DIGITS before computing them: |e·log10|b|| bounds the size
        if abs(exponent.evalf(30) * sp.log(abs(base), 10).evalf(30)) > MAX_DIGITS:
            raise NumberError(f"the power is larger than 10^{MAX_DIGITS} (or smaller than 10^-{MAX_DIGITS})")
        return base**exponent

    def call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise NumberError(f"{_describe(node.func)} is not a known function (known: {', '.join(FUNCTIONS)})")
        if node.keywords or len(node.args) != 1:
            raise NumberError(f"{node.func.id}() takes exactly one argument")
        argument = self.build(node.args[0])
        if node.func.id == "exp" and argument.is_number and argument.evalf(30) > MAX_DIGITS * 2.31:
            raise NumberError(f"exp of {argument} is larger than 10^{MAX_DIGITS}")
        if node.func.id in ("ln", "log") and argument.is_number and argument.is_zero:
            raise NumberError("log(0) is not finite")
        if node.func.id in ("ln", "log") and argument.is_number and argument.is_negative:
            raise NumberError(f"log of a negative number ({argument}) is not real")
        return _check_size(_function(node.func.id)(argument))


def _decimal_literal(source: str) -> Any:
    """An exact Rational from decimal literal text (``0.2``, ``1e-3``); hex, octal, huge exponents refused."""
    sp = _sympy()
    match = _DECIMAL_LITERAL.fullmatch(source)
    if not source or match is None:
        raise NumberError(f"{source!r} is not a decimal number")
    exponent = int(match.group(3)[1:]) if match.group(3) else 0
    if abs(exponent) > MAX_DIGITS:
        raise NumberError(f"the exponent of {source} is too large (at most {MAX_DIGITS})")
    return sp.Rational(source.replace("_", ""))


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
    _refuse_non_ascii(text)
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise NumberError(f"cannot read {text!r} as a number or expression") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise NumberError(f"expression with more than {MAX_NODES} parts is too complex")
    try:
        result = _Builder(text.replace("^", "**"), symbols or {}).build(tree)
    except RecursionError:
        raise NumberError("expression is nested too deeply") from None
    # 2*ln(sqrt(2)) is ln 2: a targeted rewrite, never an unbounded simplify
    return sp.expand_log(result, force=True) if result.has(sp.log) else result


def plain_name(name: str) -> bool:
    """Whether a spec's name is an ASCII identifier not starting with '_': equations can refer to it,
    and no dunder or Unicode look-alike (which Python's parser would fold, 'ｘ' into 'x') gets in."""
    return name.isascii() and name.isidentifier() and not name.startswith("_")


def _refuse_non_ascii(text: str) -> None:
    """Numbers and names are plain ASCII: Python's parser folds look-alikes (``ℯ`` is read as ``e``,
    ``ｘ`` as ``x``), so a character outside ASCII is refused rather than silently reinterpreted."""
    for char in text:
        if ord(char) > 127:
            raise NumberError(f"the character {char!r} (U+{ord(char):04X}) is not allowed: "
                              "write numbers and names in plain ASCII")


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


class Exact:
    """Annotation for an exact number field in a spec dataclass (validated by pydantic lazily)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(parse_exact)


class ExactMatrix:
    """Annotation for an exact matrix field: a list of rows, or a flat list for a column vector."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(parse_matrix)

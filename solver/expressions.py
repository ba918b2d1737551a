"""The one safe reader of the expressions written in problem files, and the one set of bounds on them.

Numbers (``2*ln(sqrt(2))``, ``e^-1``) and equations (``k = W @ x + b``) are read the same way: the
text is checked (length, plain ASCII), ``^`` is read as ``**``, Python's :func:`ast.parse` builds the
syntax tree, and a :class:`Visitor` interprets a whitelist of node types by hand; every other node is
refused. Nothing is ever evaluated as Python (no ``eval``, ``exec``, ``sympy.sympify`` or
``parse_expr``). The bounds below keep hostile input (``9**9**9``, million-digit literals) from
taking time or memory: :mod:`solver.numbers` turns the tree into sympy numbers, the equation builder
of :mod:`solver.engine.graph` into graph nodes, and both apply these bounds.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from solver.i18n import mark, tr

MAX_TEXT = 500  # characters in one number expression
MAX_EQUATION = 1000  # characters in one equation
MAX_LITERAL = 60  # characters in one number literal
MAX_NODES = 200  # syntax nodes in one number expression
MAX_EXPONENT = 100  # |n| in x**n when both are numbers
MAX_DIGITS = 200  # digits of any exact rational produced along the way
MAX_MAGNITUDE = 10**MAX_DIGITS  # |value| of any number along the way
_DECIMAL_LITERAL = re.compile(r"(\d[\d_]*)?(\.\d*)?([eE][+-]?\d+)?")

T = TypeVar("T")


class NumberError(ValueError):
    """The text is not an exact number or expression we accept; the message says why."""


class Unreadable(ValueError):
    """Python's parser cannot read the text as one expression (a syntax error, or nested too deeply)."""


def normalized(text: str) -> str:
    """The text as Python reads it: ``^`` is the power, as on paper (``e^-1`` is ``e**-1``)."""
    return text.replace("^", "**")


def first_non_ascii(text: str) -> str | None:
    """The first character outside ASCII, or None. Python's parser folds look-alikes (``ℯ`` is read as
    ``e``, ``ｘ`` as ``x``), so such a character is refused rather than silently reinterpreted."""
    return next((char for char in text if ord(char) > 127), None)


ASCII_FOR = {"·": "*", "×": "*", "⋅": "*", "−": "-", "–": "-", "÷": "/", "²": "^2", "³": "^3", "ᵀ": ".T",
             "√": "sqrt(…)", "σ": "sigmoid(…)", "⊙": "*", "′": mark("another name"), "∙": "*", "½": "1/2", "¼": "1/4",
             "¾": "3/4", "\u00a0": mark("a plain space")}
"""What to write instead of a character of paper notation, for the hint of :func:`non_ascii_message`."""


def non_ascii_message(char: str, what: str) -> str:
    """Why ``char`` (outside ASCII) is refused in ``what`` (``"equations"``, ``"numbers and names"``), with
    what to write instead where paper notation has a plain spelling (``·`` → ``*``, ``²`` → ``^2``)."""
    values = {"character": repr(char), "code": "U+" + format(ord(char), "04X"), "what": tr(what)}
    if char in ASCII_FOR:
        # Translators: {character} is quoted, {code} such as U+00B7, {what} such as "equations", {spelling} such as *
        return tr("the character {character} ({code}) is not allowed: write {what} in plain ASCII ({plain} is "
                  "written {spelling})", plain=char, spelling=tr(ASCII_FOR[char]), **values)
    return tr("the character {character} ({code}) is not allowed: write {what} in plain ASCII", **values)


WRITTEN = (mark("equations"), mark("forms"), mark("numbers and names"))
"""The ``what`` of :func:`non_ascii_message` that callers pass (translated there)."""


def unreadable_message(text: str, functions: Collection[str] = (), number: bool = False) -> str:
    """Why an expression cannot be read, with a hint for the common slips: values side by side
    (``w x``: juxtaposition is not multiplication; ``sqrt 2`` for one of ``functions``), unbalanced brackets,
    a second ``=``, a missing operand. ``number``: a value of the given data (``2x``, ``0,5``), where there is
    no equation and no matrix product."""
    source = normalized(text)
    hint = _bracket_hint(source) or (comma_hint(source) if number else "") \
        or _juxtaposition_hint(source, functions, matrices=not number)
    stripped = source.rstrip()
    if not hint and not number and "=" in source.replace("==", ""):
        hint = tr("an equation has one '=': name = expression")
    if not hint and stripped.endswith(("+", "-", "*", "/", "@")):
        # Translators: {operator} is one of + - * / @
        hint = tr("it ends with '{operator}': an operand is missing", operator=stripped[-1])
    if number:
        # Translators: {text} is the quoted text of the file; {hint} says what is wrong with it
        return (tr("cannot read {text} as a number or expression: {hint}", text=repr(text.strip()), hint=hint) if hint
                else tr("cannot read {text} as a number or expression", text=repr(text.strip())))
    return (tr("cannot read the expression {text}: {hint}", text=repr(source), hint=hint) if hint
            else tr("cannot read the expression {text}", text=repr(source)))


def side_by_side(a: str, b: str) -> str:
    """The hint for ``a`` and ``b`` written side by side (``2x``, ``2(3)``): juxtaposition is not a product."""
    # Translators: {product} is notation such as 2*x
    return tr("values side by side (juxtaposition) do not multiply: write {product}", product=a + "*" + b)


def comma_hint(source: str) -> str:
    """The hint for a comma in one number: a decimal comma (``0,5``) or a thousands separator (``1,000``)."""
    text = source.strip()
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3}){2,}", text):
        return tr("a comma is not a thousands separator: write {number}", number=text.replace(",", ""))
    decimal = re.fullmatch(r"([+-]?\d+),(\d+)", text)
    if decimal:
        whole, part = decimal.groups()
        if len(part) == 3:
            # Translators: {number} such as 0.500, {other} such as 0500
            return tr("a comma is not a decimal point: write {number} (or {other}: a comma is not a thousands "
                      "separator either)", number=whole + "." + part, other=whole + part)
        return tr("a comma is not a decimal point: write {number}", number=whole + "." + part)
    if "," in text:
        return tr("commas separate values, and one number is expected here (a list of numbers is written [a, b])")
    return ""


_CLOSING = {")": "(", "]": "["}


def _bracket_hint(source: str) -> str:
    """Which bracket is unbalanced, if one is: the first closing one without an opening, else the last
    opening one never closed (positions count from 1)."""
    stack: list[tuple[str, int]] = []
    for position, char in enumerate(source, 1):
        if char in "([":
            stack.append((char, position))
        elif char in _CLOSING:
            if not stack:
                # Translators: {bracket} and {opening} are brackets such as ) and (; {position} counts from 1
                return tr("'{bracket}' at character {position} has no matching '{opening}'", bracket=char,
                          position=position, opening=_CLOSING[char])
            opening, where = stack.pop()
            if opening != _CLOSING[char]:
                return tr("'{bracket}' at character {position} cannot close the '{opening}' at character {where}",
                          bracket=char, position=position, opening=opening, where=where)
    if stack:
        char, position = stack[-1]
        return tr("'{bracket}' at character {position} is never closed", bracket=char, position=position)
    return ""


def _juxtaposition_hint(source: str, functions: Collection[str] = (), matrices: bool = True) -> str:
    """The hint for two values written side by side (``w x``, ``2x``): it is not a product; a function
    of ``functions`` before a value (``sqrt 2``) takes it in brackets. After ``/`` (``1/2x``) the hint says
    how the division reads."""
    import io
    import keyword
    import tokenize

    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type in (tokenize.NAME, tokenize.NUMBER, tokenize.OP)]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return ""
    values = (tokenize.NAME, tokenize.NUMBER)
    for k in range(len(tokens) - 1):
        left, right = tokens[k], tokens[k + 1]
        operands = (left.type in values or left.string in (")", "]"), right.type in values)
        if all(operands) and not any(keyword.iskeyword(t.string) for t in (left, right)):
            a, b, written = left.string, right.string, source[left.start[1]:right.end[1]]
            if a in functions:
                # Translators: {call} is notation such as sqrt(2)
                hint = tr("a function's argument goes in brackets: write {call}", call=a + "(" + b + ")")
            else:
                hint = side_by_side(a, b)
                if left.type != tokenize.NUMBER and matrices:
                    # Translators: {hint} is the sentence before; {product} is notation such as w @ x
                    hint = tr("{hint} (or {product} for a matrix product)", hint=hint, product=a + " @ " + b)
                if k >= 2 and tokens[k - 1].string == "/" and tokens[k - 2].type in values:
                    n = tokens[k - 2].string
                    # Translators: {hint} is the sentence before; the others are notation such as 1/2*x
                    hint = tr("{hint}; {written} is {reading}: write {fix} to divide by both", hint=hint,
                              written=n + "/" + a + "*" + b, reading="(" + n + "/" + a + ")*" + b,
                              fix=n + "/(" + a + "*" + b + ")")
            # Translators: {written} is the part of the text the hint is about, such as 2x
            return hint if written == source.strip() else tr("'{written}': {hint}", written=written, hint=hint)
    return ""


def plain_name(name: str) -> bool:
    """Whether a spec's name is an ASCII identifier not starting with '_': equations can refer to it,
    and no dunder or Unicode look-alike (which Python's parser would fold, 'ｘ' into 'x') gets in."""
    return name.isascii() and name.isidentifier() and not name.startswith("_")


@dataclass(frozen=True)
class Parsed:
    """A syntax tree and the (normalized) text its node positions refer to."""

    tree: ast.Expression
    source: str

    @property
    def parts(self) -> int:
        """Syntax nodes in the tree (the expression wrapper, operators and contexts included)."""
        return sum(1 for _ in ast.walk(self.tree))


def read(text: str) -> Parsed:
    """The syntax tree of one expression (``^`` read as ``**``); Unreadable when Python cannot read it.
    The caller has bounded the text's length and refused characters outside ASCII."""
    source = normalized(text)
    try:
        return Parsed(ast.parse(source, mode="eval"), source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise Unreadable(source) from None


def decimal_literal(source: str) -> Any:
    """An exact sympy Rational from decimal literal text (``0.2``, ``1e-3``, ``1_000``); NumberError for
    hex, octal, complex, over-long literals and exponents beyond MAX_DIGITS."""
    import sympy as sp

    if len(source) > MAX_LITERAL:
        raise NumberError(tr("a number literal longer than {limit} characters is not accepted", limit=MAX_LITERAL))
    match = _DECIMAL_LITERAL.fullmatch(source)
    if not source or match is None:
        raise NumberError(tr("{text} is not a decimal number", text=repr(source)))
    exponent = int(match.group(3)[1:]) if match.group(3) else 0
    if abs(exponent) > MAX_DIGITS:
        raise NumberError(tr("the exponent of {number} is too large (at most {limit})", number=source,
                             limit=MAX_DIGITS))
    return sp.Rational(source.replace("_", ""))


def power_too_large(base: Any, exponent: Any) -> bool:
    """Whether ``base**exponent`` (sympy numbers, base not 0) lies beyond 10^±MAX_DIGITS, decided before
    computing it: ``|exponent·log10|base||`` bounds the size of the result."""
    import sympy as sp

    return bool(abs(exponent.evalf(30) * sp.log(abs(base), 10).evalf(30)) > MAX_DIGITS)


class Visitor(Generic[T]):
    """Interprets a syntax tree read by :func:`read`, node by node: each whitelisted node type goes to its
    method, whose default (and every other node type) is :meth:`refuse`. Subclasses override the methods
    of the nodes they accept and say in :meth:`refuse` why a node is not accepted."""

    binary_operators: tuple[type[ast.operator], ...] = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
    """The binary operators accepted; a BinOp with any other operator is refused."""

    def __init__(self, source: str):
        self.source = source

    def visit(self, node: ast.AST) -> T:
        """The interpretation of ``node``."""
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.unary(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, self.binary_operators):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        raise self.refuse(node)

    def literal_text(self, node: ast.Constant) -> str:
        """A number literal as written (``0.2`` stays exact: never Python's float)."""
        return ast.get_source_segment(self.source, node) or ""

    def refuse(self, node: ast.AST) -> Exception:
        """The error for a node that is not accepted (returned, for the caller to raise)."""
        # Translators: {syntax} is the name of a Python syntax node such as Lambda
        return NumberError(tr("the syntax '{syntax}' is not allowed", syntax=type(node).__name__))

    def constant(self, node: ast.Constant) -> T:
        """A literal: a number, or a string, bytes, True, None… (to refuse)."""
        raise self.refuse(node)

    def name(self, node: ast.Name) -> T:
        """A name."""
        raise self.refuse(node)

    def unary(self, node: ast.UnaryOp) -> T:
        """``-x`` or ``+x``."""
        raise self.refuse(node)

    def binary(self, node: ast.BinOp) -> T:
        """``a op b`` for an operator of :attr:`binary_operators`."""
        raise self.refuse(node)

    def call(self, node: ast.Call) -> T:
        """``f(…)``."""
        raise self.refuse(node)

    def attribute(self, node: ast.Attribute) -> T:
        """``x.attr``."""
        raise self.refuse(node)

    def subscript(self, node: ast.Subscript) -> T:
        """``x[…]``."""
        raise self.refuse(node)

"""Build a computational graph from equations, evaluate it exactly, and run the backward loop.

Equations such as ``k = W @ x + b`` are read by :mod:`solver.expressions` (the one safe parser: a
syntax tree and a strict whitelist, no eval);
every operation becomes a :class:`Node` whose exact value is computed as it is built. The
backward loop is the one place where chain-rule steps are recorded: for each node in reverse
topological order it collects the contributions of its consumers (upstream × local derivative)
and sums them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from solver.engine import ops
from solver.engine.assignments import augmented, split_left, version_names
from solver.engine.exact import (
    MAX_EXACT_PRODUCTS,
    MAX_TRANSCENDENTAL_INPUT,
    TooLarge,
    as_float,
    guard,
    guard_magnitude,
    tidy,
)
from solver.engine.ops import Matrix, Op, ShapeError
from solver.engine.settings import SettingError, place, read_settings
from solver.expressions import (
    MAX_DIGITS,
    MAX_EQUATION,
    MAX_EXPONENT,
    NumberError,
    Parsed,
    Unreadable,
    Visitor,
    comma_hint,
    decimal_literal,
    first_non_ascii,
    non_ascii_message,
    plain_name,
    power_too_large,
    read,
    unreadable_message,
)
from solver.formula import Formula, Name, Number, Paren
from solver.formula import Op as FormulaOp
from solver.i18n import ntr, tr

MAX_NODES = 2_000


class EquationError(ValueError):
    """An equation is malformed or does not fit; ``index`` says which equation."""

    def __init__(self, index: int, message: str):
        super().__init__(message)
        self.index = index


@dataclass(eq=False)
class Node:
    """A value in the graph: a given, a symbol, a constant, an equation's variable or an inner operation."""

    label: Formula  # how the node is written: its name, a constant, or its expression (W·x + b)
    value: Matrix
    op: Op | None = None
    inputs: tuple[Node, ...] = ()
    kind: str = "inner"  # given | symbol | constant | variable | inner
    equation: int | None = None
    consumers: list[Node] = field(default_factory=list)
    name: Formula | None = None  # a short generated name for an inner node (z1), declared in the forward pass

    @property
    def symbol(self) -> Formula:
        """How derivations refer to the node: its name (x, h1, z1), else its label (wᵀ)."""
        return self.name if self.name is not None else self.label

    @property
    def is_leaf(self) -> bool:
        """Given data, symbols and constants have no operation."""
        return self.op is None

    @property
    def shape(self) -> tuple[int, int]:
        """Rows × columns (a scalar is 1×1)."""
        return tuple(self.value.shape)


@dataclass
class Graph:
    """Nodes in topological order (the order they were built) and the named ones."""

    nodes: list[Node] = field(default_factory=list)
    names: dict[str, Node] = field(default_factory=dict)
    numeric: bool = False  # floating point: every value is evaluated to a Float as it is computed
    equations: list[tuple[str, Node]] = field(default_factory=list)  # (variable, its node)
    versions: dict[str, list[str]] = field(default_factory=dict)  # a name assigned again: its values' names

    def add(self, node: Node) -> Node:
        """Append a node, registering it with its inputs."""
        if len(self.nodes) >= MAX_NODES:
            raise ValueError(tr("the graph has more than {count} operations", count=MAX_NODES))
        for parent in node.inputs:
            if node not in parent.consumers:
                parent.consumers.append(node)
        self.nodes.append(node)
        return node


CONVOLUTIONS = {"conv1d": 1, "conv2d": 2}
BINARY: dict[type[ast.operator], type[Op]] = {ast.Add: ops.Add, ast.Sub: ops.Sub, ast.Mult: ops.Mul, ast.Div: ops.Div,
                                              ast.MatMult: ops.MatMul, ast.Pow: ops.Pow}


def build(given: dict[str, Matrix], equations: list[str], numeric: bool = False) -> Graph:
    """The graph of ``equations`` over the ``given`` values (symbols included), exact unless ``numeric``."""
    graph = Graph(numeric=numeric)
    for name, value in given.items():
        kind = "symbol" if isinstance(value, sp.Symbol) else "given"
        matrix = Matrix([[value]]) if kind == "symbol" else value
        graph.names[name] = graph.add(Node(Name(name), matrix, kind=kind))
    shown, clash = version_names(equations, set(given))
    for index, text in enumerate(equations):
        if clash is not None and index == len(shown):
            raise EquationError(index, clash)
        name, parsed = _parse_equation(index, text)
        if name in graph.names and graph.names[name].kind in ("given", "symbol"):
            raise EquationError(index, tr("'{name}' is already defined by a given value", name=name))
        label = shown[index] or name  # c1 for a value of c that a later equation replaces
        node = _Builder(graph, index, parsed.source).visit(parsed.tree.body)
        if node.kind in ("given", "symbol", "constant", "variable"):  # "h = k": an alias gets its own node
            node = graph.add(Node(Name(label), node.value, ops.Add(), (node, _constant(graph, 0)), equation=index))
        node.label, node.kind = Name(label), "variable"
        graph.names[name] = graph.names[label] = node  # the plain name is the latest value, as in Python
        graph.equations.append((label, node))
        graph.versions.setdefault(name, []).append(label)
    graph.versions = {name: labels for name, labels in graph.versions.items() if len(labels) > 1}
    return graph


def _parse_equation(index: int, text: str) -> tuple[str, Parsed]:
    """The defined name and the syntax tree of ``name = expression`` (EquationError if unreadable)."""
    if not isinstance(text, str) or "=" not in text:
        raise EquationError(index, tr("expected 'name = expression', got {text}", text=repr(text)))
    if len(text) > MAX_EQUATION:
        raise EquationError(index, tr("an equation longer than {count} characters", count=MAX_EQUATION))
    left, _, source = text.partition("=")
    (name, operator), source = split_left(left), source.strip()
    odd = first_non_ascii(text)
    if odd is not None:
        raise EquationError(index, non_ascii_message(odd, "equations"))
    if not plain_name(name):
        raise EquationError(index, tr("the left side must be a name, got {name}", name=repr(name)))
    try:
        parsed = read(source)
    except Unreadable:
        raise EquationError(index, unreadable_message(source, (*ops.FUNCTIONS, *CONVOLUTIONS, "max"))) from None
    return name, (parsed if operator is None else Parsed(augmented(name, operator, parsed.tree.body), parsed.source))


def _constant(graph: Graph, value: Any) -> Node:
    """A number of an equation as a leaf, bracketed when negative or a fraction: (−1)·s, (1/2)·s."""
    value = sp.Integer(value) if isinstance(value, int) else value
    magnitude = abs(value)
    number: Formula = Number(int(magnitude)) if magnitude.is_Integer else Number(sp.sstr(magnitude))
    bracketed = value.is_negative or not magnitude.is_Integer
    label = Paren(-number if value.is_negative else number) if bracketed else number
    return graph.add(Node(label, Matrix([[value]]), kind="constant"))


class _Builder(Visitor[Node]):
    """Turns one equation's whitelisted syntax tree into graph nodes."""

    binary_operators = tuple(BINARY)

    def __init__(self, graph: Graph, index: int, source: str):
        super().__init__(source)
        self.graph, self.index = graph, index

    def fail(self, message: str) -> EquationError:
        """The error for this equation."""
        return EquationError(self.index, message)

    def refuse(self, node: ast.AST) -> Exception:
        kind = {ast.Lambda: "lambda", ast.Compare: tr("a comparison"), ast.BoolOp: "and/or"}.get(
            type(node), type(node).__name__)
        if isinstance(node, ast.Tuple):  # y = 0,5 * x: a decimal comma
            number = re.search(r"\d+(,\d+)+", ast.get_source_segment(self.source, node) or "")
            hint = comma_hint(number.group()) if number else tr("commas separate values, and an equation has one")
            return self.fail(tr("a list of values is not allowed in an equation: {hint}", hint=hint))
        return self.fail(tr("{syntax} is not allowed in an equation", syntax=kind))

    def name(self, node: ast.Name) -> Node:
        if node.id not in self.graph.names:
            raise self.fail(tr("unknown name '{name}' (not given and not defined by an earlier equation)",
                               name=node.id))
        return self.graph.names[node.id]

    def constant(self, node: ast.Constant) -> Node:
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise self.fail(tr("{value} is not a number", value=repr(node.value)))
        try:
            value = decimal_literal(self.literal_text(node))
        except NumberError as error:
            raise self.fail(str(error)) from None
        return _constant(self.graph, value)

    def unary(self, node: ast.UnaryOp) -> Node:
        if isinstance(node.op, ast.UAdd):
            return self.visit(node.operand)
        operand = node.operand
        if isinstance(operand, ast.Constant):
            inner = self.visit(operand)
            return _constant(self.graph, -ops.entry(inner.value))
        return self.apply(ops.Neg(), [self.visit(operand)])

    def binary(self, node: ast.BinOp) -> Node:
        left, right = self.visit(node.left), self.visit(node.right)
        return self.apply(BINARY[type(node.op)](), [left, right])

    def attribute(self, node: ast.Attribute) -> Node:
        if node.attr != "T":
            raise self.fail(tr("'.{attribute}' is not allowed (only .T, the transpose)", attribute=node.attr))
        return self.apply(ops.Transpose(), [self.visit(node.value)])

    def subscript(self, node: ast.Subscript) -> Node:
        target = self.visit(node.value)
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        numbers = []
        for part in parts:
            if not (isinstance(part, ast.Constant) and isinstance(part.value, int)
                    and not isinstance(part.value, bool)):
                raise self.fail(tr("an index must be a whole number such as p[0] or W[1, 2]"))
            numbers.append(part.value)
        rows, cols = target.shape
        if len(numbers) == 1:
            if 1 not in (rows, cols):
                raise self.fail(tr("'{name}' is a {shape} matrix: index it as {name}[row, column]", name=target.label,
                                   shape="%d×%d" % (rows, cols)))
            row, col = (numbers[0], 0) if cols == 1 else (0, numbers[0])
        elif len(numbers) == 2:
            row, col = numbers
        else:
            raise self.fail(tr("at most two indices: W[row, column]"))
        return self.apply(ops.Index(row, col, ", ".join(map(str, numbers))), [target])

    def call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(tr("only the functions of the list can be called (e.g. relu(k)); to multiply, write *"))
        name = node.func.id
        if name not in (*ops.FUNCTIONS, *CONVOLUTIONS, "max"):
            known = ", ".join(sorted([*ops.FUNCTIONS, *CONVOLUTIONS, "max"]))
            raise self.fail(tr("'{name}' is a value, not a function: to multiply, write {name}*(…)", name=name)
                            if name in self.graph.names else tr("unknown function '{name}' (known: {known})",
                                                                name=name, known=known))
        if name in CONVOLUTIONS:
            return self.convolution(name, node)
        if node.keywords and not (name in ops.FUNCTIONS and ops.FUNCTIONS[name].keywords):
            raise self.fail(tr("{name}() takes no keyword arguments", name=name))
        args = [self.visit(arg) for arg in node.args]
        if name == "max":
            if len(args) not in (1, 2):
                raise self.fail(tr("max takes 1 argument (largest entry) or 2 (elementwise), got {count}",
                                   count=len(args)))
            return self.apply(ops.Max(len(args)), args)
        op = ops.FUNCTIONS[name]()
        if op.signature:
            args = self.placed(op, args, node.keywords)
        if len(args) != op.arity:
            raise self.fail(ntr("{name} takes {n} argument, got {count}", "{name} takes {n} arguments, got {count}",
                                op.arity, name=name, count=len(args)))
        return self.apply(op, args)

    def convolution(self, name: str, node: ast.Call) -> Node:
        from solver.engine import conv

        try:
            settings = read_settings(name, node.keywords, conv.Conv.keywords)
        except SettingError as error:
            raise self.fail(str(error)) from None
        args = [self.visit(arg) for arg in node.args]
        try:
            op = conv.make(CONVOLUTIONS[name], len(args), settings)
        except (ValueError, TypeError) as error:
            raise self.fail(f"{name}(): {error}") from None
        return self.apply(op, args)

    def placed(self, op: Op, args: list[Node], keywords: list[ast.keyword]) -> list[Node]:
        """The arguments of an op whose settings may be given by keyword too (``max_pool2d(X, kernel_size=2)``),
        in the op's order: a keyword's value becomes a constant, as it would be written positionally."""
        def copy(node: Node) -> Node:
            return _constant(self.graph, ops.entry(node.value)) if node.kind == "constant" else node

        try:
            settings = read_settings(op.name, keywords, op.keywords)
            nodes = {key: _constant(self.graph, value) for key, value in settings.items()}
            return place(op.name, args, nodes, op.signature, op.keyword_defaults, copy)
        except SettingError as error:
            raise self.fail(str(error)) from None

    def apply(self, op: Op, args: list[Node]) -> Node:
        """The node of ``op`` over ``args``, after checking shapes and the bounds of exact arithmetic."""
        for position in op.constant_args:
            if not all(v.is_number for v in args[position].value):
                raise self.fail(tr("argument {position} of {call} must be a number", position=position + 1,
                                   call=op.label([a.label for a in args])))
        try:
            op.shape([a.shape for a in args])
        except ShapeError as error:
            shapes = ", ".join(f"{a.label}: {ops.shape_text(a.shape)}" for a in args)
            raise self.fail(f"{error} ({shapes})") from None
        if isinstance(op, ops.Pow):
            self.check_power(args[0].value, ops.entry(args[1].value))
        if isinstance(op, ops.MatMul) and not self.graph.numeric:
            (m, n), (_, q) = args[0].shape, args[1].shape
            if m * n * q > MAX_EXACT_PRODUCTS:
                raise TooLarge(label_of(op, args), 0, tr("{formula} needs {count} exact products (more than {limit})",
                                                         formula=label_of(op, args), count=format(m * n * q, ","),
                                                         limit=format(MAX_EXACT_PRODUCTS, ",")))
        if op.transcendental and not self.graph.numeric:
            for arg in args:
                guard(arg.value, arg.label, MAX_TRANSCENDENTAL_INPUT)
        if op.exponential and not self.graph.numeric:
            guard_magnitude(args[0], label_of(op, args))
        try:
            value = op.forward([a.value for a in args])
        except TooLarge:  # an op that decides itself that exact arithmetic explodes (softmax's spread)
            raise
        except (ValueError, ZeroDivisionError, TypeError) as error:
            raise self.fail(f"{op.label([a.label for a in args])}: {error}") from None
        label = label_of(op, args)
        value = as_float(value) if self.graph.numeric else guard(value, label)
        return self.graph.add(Node(label, value, op, tuple(args), equation=self.index))

    def check_power(self, base: Matrix, exponent: Any) -> None:
        """Refuse powers that would take minutes or produce numbers beyond 10^MAX_DIGITS (9**9**9),
        before computing them, as the number parser does."""
        if not exponent.is_number:
            return
        if abs(exponent) > MAX_EXPONENT:
            raise self.fail(tr("the exponent {exponent} is too large (at most {limit})", exponent=exponent,
                               limit=MAX_EXPONENT))
        for value in base:
            if value.is_number and not value.is_zero and power_too_large(value, exponent):
                raise self.fail(tr("{power} is larger than 10^{digits} (or smaller than 10^-{digits})",
                                   power="%s^%s" % (value, exponent), digits=MAX_DIGITS))



def label_of(op: Op, args: list[Node]) -> Formula:
    """The node's expression: the op's notation over its inputs' labels (a product with a scalar is
    written ``a·b``, an entrywise one ``a ⊙ b``); the printer brackets what binds less tightly."""
    labels = [arg.label for arg in args]
    if isinstance(op, ops.Mul) and (1, 1) in (args[0].shape, args[1].shape):
        return FormulaOp("·", (labels[0], labels[1]))
    return op.label(labels)


def operand(node: Node) -> Formula:
    """A node's label as an operand inside other notation: a compound expression bracketed."""
    compound = (ops.Add, ops.Sub, ops.Mul, ops.Div, ops.MatMul, ops.Neg)
    if node.kind != "inner" or not isinstance(node.op, compound):
        return node.label
    return Paren(node.label)


def needs_name(node: Node) -> bool:
    """Whether an inner node is written by a generated name: a compound expression, not a transposed,
    negated or indexed name (wᵀ, −x, p[0] read as well as any name would)."""
    if node.kind != "inner" or node.op is None:
        return False
    simple = isinstance(node.op, (ops.Transpose, ops.Neg, ops.Index))
    return not (simple and all(parent.kind != "inner" for parent in node.inputs))


def name_inner(graph: Graph, nodes: set[Node], prefix: str = "z") -> None:
    """Give the compound inner nodes among ``nodes`` short names (z1, z2, … in forward order), skipping
    names the problem uses; the forward pass declares them and later steps refer to them."""
    taken = set(graph.names)
    count = 0
    for node in graph.nodes:
        if node in nodes and needs_name(node):
            count += 1
            while f"{prefix}{count}" in taken:
                count += 1
            node.name = Name(f"{prefix}{count}")


# --- backward -------------------------------------------------------------------------------------


@dataclass
class Contribution:
    """What one consumer passes back to a node: ``grad``, the upstream gradient ``upstream`` of the
    consumer times its local derivative with respect to its input number ``position``."""

    consumer: Node
    upstream: Matrix
    position: int
    grad: Matrix


@dataclass
class NodeGradient:
    """The full gradient of the loss at one node, with the contributions that were summed."""

    node: Node
    contributions: list[Contribution]
    total: Matrix


def relevant_nodes(graph: Graph, loss: Node, wanted: list[Node]) -> set[Node]:
    """Nodes on some path from a wanted node to the loss: the only ones the backward pass visits."""
    ancestors = {loss}
    for node in reversed(graph.nodes):
        if node in ancestors:
            ancestors.update(node.inputs)
    downstream = set(wanted)
    for node in graph.nodes:
        if any(parent in downstream for parent in node.inputs):
            downstream.add(node)
    return ancestors & downstream


def backward(graph: Graph, loss: Node, wanted: list[Node]) -> list[NodeGradient]:
    """Reverse-mode differentiation; the records come in reverse topological order, loss first."""
    keep = relevant_nodes(graph, loss, wanted)
    incoming: dict[Node, list[Contribution]] = {node: [] for node in keep}
    records: list[NodeGradient] = []
    for node in reversed(graph.nodes):
        if node not in keep:
            continue
        if node is loss:
            total = Matrix.ones(1, 1)
        else:
            parts = incoming[node]
            if not parts:  # reached only through inputs that are not differentiated (targets, classes)
                records.append(NodeGradient(node, [], Matrix.zeros(*node.shape)))
                continue
            total = parts[0].grad
            for part in parts[1:]:
                total = Matrix(total + part.grad)
            total = as_float(total) if graph.numeric else guard(total.applyfunc(tidy), f"∂/∂{node.label}")
        records.append(NodeGradient(node, incoming[node], total))
        if node.is_leaf:
            continue
        assert node.op is not None
        needed = [parent in keep for parent in node.inputs]
        grads = node.op.backward([p.value for p in node.inputs], node.value, total, needed)
        for position, (parent, grad, need) in enumerate(zip(node.inputs, grads, needed)):
            if need and grad is not None:
                incoming[parent].append(Contribution(node, total, position, grad))
    return records


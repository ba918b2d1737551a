"""An independent PyTorch evaluator for ``kind: graph`` problems: the oracle for the exact solver.

Nothing here is imported from ``solver/``: the equations are parsed with Python's :mod:`ast` and
a strict whitelist of node types (never ``eval``, ``exec`` or ``sympify``), evaluated with float64
torch tensors, and differentiated with autograd.

Semantics (every value is a 2-D tensor, rows × cols; a scalar is 1×1):

* given values: a flat list is a column vector (n×1), a nested list is a matrix (rows first); a
  scalar is an int, a float (``0.2`` read as the decimal text, i.e. exactly 1/5) or a text such as
  ``"-3/4"``, ``"ln(2)"``, ``"e^-1"``, ``"sqrt(2)"``, ``"pi"`` (``^`` is a power). Plain decimals
  and fractions are read exactly with :class:`fractions.Fraction` and rounded once to float64.
* ``+ - * /`` elementwise, broadcast as torch does in 2-D: a 1×1 value against anything (the
  format's rule) and also a row (1×n) against the rows of a matrix or a column (m×1) against its
  columns (problems/xor.yaml adds a bias row to X·W1). ``@`` matrix product, ``x.T`` transpose,
  ``x ** k`` elementwise power with a 1×1 exponent, unary ``-``/``+``; ``pi`` and ``e`` are constants
  unless a given or variable has that name.
* ``p[i]`` entry i of a vector (n×1 or 1×n), ``W[i, j]`` an entry; indices are non-negative
  integers (literals or integer-valued 1×1 expressions); the result is 1×1.
* functions: see ``FUNCTIONS`` below (one line of semantics beside each).
* a name assigned again (``c = c + 1``, ``c += 1``, Python's meaning): each assignment a new value,
  answered as ``c1, c2, …`` and, the last, ``c`` (the README's naming; see :func:`version_name`).
* answers: every equation variable by name, ``d<loss>/d<name>`` for each name in ``wrt`` (shape
  of the variable; zeros when the loss does not depend on it), ``<name>_new = name − lr·dL/dname``
  for each parameter of ``update``; the defaults are described at :func:`evaluate`. Layout of a
  value: float for 1×1, flat list for n×1 (n > 1), list of rows otherwise (also for rows 1×n).
"""

from __future__ import annotations

import ast
import math
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import torch
import torch.nn.functional as F

DTYPE = torch.float64
Value = float | list


class GraphSpecError(ValueError):
    """The spec is not a valid graph problem (by the oracle's reading of the format)."""


class Unsupported(GraphSpecError):
    """A valid spec that the oracle deliberately does not evaluate (symbols)."""


# --- given numbers: exact text → float64 ----------------------------------------------------------

_NUMBER_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "ln": math.log,
    "log": math.log,
    "exp": math.exp,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
}


def parse_number(value: Any) -> float:
    """A given scalar as float64: exact rationals through :class:`Fraction`, the rest with math."""
    if isinstance(value, bool):
        raise GraphSpecError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return float(value)
    if isinstance(value, float):
        return float(Fraction(repr(value)))  # the decimal text as written: 0.2 → 1/5 → nearest double
    if not isinstance(value, str):
        raise GraphSpecError(f"expected a number, got {type(value).__name__}")
    text = value.strip()
    try:
        return float(Fraction(text.replace("_", "")))
    except (ValueError, ZeroDivisionError):
        pass
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError as error:
        raise GraphSpecError(f"cannot read {text!r} as a number") from error
    result = _number_node(tree.body, text)
    return float(result)


def _number_node(node: ast.AST, text: str) -> Fraction | float:
    """Evaluate a whitelisted number expression; Fractions stay exact until a function needs floats."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        source = ast.get_source_segment(text.replace("^", "**"), node) or repr(node.value)
        try:
            return Fraction(source.replace("_", ""))
        except ValueError:
            raise GraphSpecError(f"{source!r} is not a decimal number") from None
    if isinstance(node, ast.Name) and node.id in ("pi", "e"):
        return math.pi if node.id == "pi" else math.e
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _number_node(node.operand, text)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
        left, right = _number_node(node.left, text), _number_node(node.right, text)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            if right == 0:
                raise GraphSpecError(f"division by zero in {text!r}")
            return left / right
        if isinstance(right, Fraction) and right.denominator == 1 and abs(right) <= 100:
            if left == 0 and right < 0:
                raise GraphSpecError(f"division by zero in {text!r}")
            return left ** int(right) if isinstance(left, Fraction) else float(left) ** int(right)
        if left < 0:
            raise GraphSpecError(f"negative base to a non-integer power in {text!r}")
        return math.pow(float(left), float(right))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _NUMBER_FUNCTIONS
        and len(node.args) == 1
        and not node.keywords
    ):
        return _NUMBER_FUNCTIONS[node.func.id](float(_number_node(node.args[0], text)))
    raise GraphSpecError(f"{type(node).__name__} is not allowed in the number {text!r}")


def parse_given(value: Any) -> torch.Tensor:
    """A given as a 2-D float64 tensor: scalar → 1×1, flat list → n×1 column, nested list → rows."""
    if isinstance(value, list):
        if not value:
            raise GraphSpecError("empty list")
        if all(not isinstance(row, list) for row in value):
            rows = [[entry] for entry in value]
        elif all(isinstance(row, list) for row in value):
            rows = value
            if len({len(row) for row in rows}) != 1 or not rows[0]:
                raise GraphSpecError("ragged or empty matrix")
        else:
            raise GraphSpecError("mixes numbers and lists")
        return torch.tensor([[parse_number(entry) for entry in row] for row in rows], dtype=DTYPE)
    return torch.tensor([[parse_number(value)]], dtype=DTYPE)


# --- equations: whitelisted ast → torch ------------------------------------------------------------


def _shape(t: torch.Tensor) -> str:
    return f"{t.shape[0]}×{t.shape[1]}"


def _is_scalar(t: torch.Tensor) -> bool:
    return tuple(t.shape) == (1, 1)


def _elementwise(a: torch.Tensor, b: torch.Tensor, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Operands of an elementwise op, broadcast as numpy/torch do in 2-D: per dimension the sizes are
    equal or one of them is 1 (a 1×1 value against anything, a row against the rows of a matrix, a
    column against its columns). Autograd sums the gradient back over the repeated dimension."""
    if a.shape == b.shape:
        return a, b
    shape = []
    for x, y in zip(a.shape, b.shape):
        if x != y and 1 not in (x, y):
            raise GraphSpecError(f"{what}: shapes {_shape(a)} and {_shape(b)} do not broadcast")
        shape.append(max(x, y))
    return a.expand(*shape), b.expand(*shape)


def _scalar(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(1, 1)


def _index_of(t: torch.Tensor, what: str) -> int:
    if not _is_scalar(t):
        raise GraphSpecError(f"{what}: an index must be 1×1, got {_shape(t)}")
    value = float(t.detach())
    if value != int(value) or value < 0:
        raise GraphSpecError(f"{what}: an index must be a non-negative integer, got {value}")
    return int(value)


def _vector_entry(p: torch.Tensor, i: int, what: str) -> torch.Tensor:
    if p.shape[0] != 1 and p.shape[1] != 1:
        raise GraphSpecError(f"{what}: expected a vector, got a {_shape(p)} matrix")
    flat = p.reshape(-1)
    if i >= flat.numel():
        raise GraphSpecError(f"{what}: index {i} out of range for a vector of {flat.numel()} entries")
    return _scalar(flat[i])


def _bce(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    p, y = _elementwise(p, y, "bce")
    return _scalar(torch.mean(-(y * torch.log(p) + (1 - y) * torch.log(1 - p))))


def _bce_logits(s: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    s, y = _elementwise(s, y, "bce_logits")
    return _scalar(F.binary_cross_entropy_with_logits(s, y, reduction="mean"))


def _mse(yhat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    yhat, y = _elementwise(yhat, y, "mse")
    return _scalar(torch.mean((yhat - y) ** 2))


def _nll(p: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return -torch.log(_vector_entry(p, _index_of(c, "nll"), "nll"))


def _cross_entropy(s: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    i = _index_of(c, "cross_entropy")
    _vector_entry(s, i, "cross_entropy")  # shape and range check
    return _scalar(F.cross_entropy(s.reshape(1, -1), torch.tensor([i]), reduction="mean"))


def _leaky_relu(x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    if not _is_scalar(a):
        raise GraphSpecError(f"leaky_relu: the slope must be 1×1, got {_shape(a)}")
    # slope a for x ≤ 0 (so the derivative at 0 is a, as torch's leaky_relu); differentiable in a too
    return torch.where(x > 0, x, a * x)


def _max(*args: torch.Tensor) -> torch.Tensor:
    if len(args) == 1:  # reduction over all entries; ties share the gradient evenly (torch's x.max())
        return _scalar(args[0].max())
    if len(args) == 2:  # elementwise; ties split evenly (torch.maximum)
        a, b = _elementwise(args[0], args[1], "max")
        return torch.maximum(a, b)
    raise GraphSpecError("max takes one argument (reduction) or two (elementwise)")


def _softmax(v: torch.Tensor) -> torch.Tensor:
    return torch.softmax(v.reshape(-1), dim=0).reshape(v.shape)  # over ALL entries


def _log_softmax(v: torch.Tensor) -> torch.Tensor:
    return torch.log_softmax(v.reshape(-1), dim=0).reshape(v.shape)


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a, b = _elementwise(a, b, "dot")
    return _scalar(torch.sum(a * b))


# name → (function, number of arguments or None for "1 or 2")
FUNCTIONS: dict[str, tuple[Callable[..., torch.Tensor], int | None]] = {
    "relu": (torch.relu, 1),  # max(0, x); relu'(0) = 0
    "leaky_relu": (_leaky_relu, 2),  # x for x > 0, a·x for x ≤ 0
    "sigmoid": (torch.sigmoid, 1),
    "tanh": (torch.tanh, 1),
    "exp": (torch.exp, 1),
    "log": (torch.log, 1),  # natural
    "ln": (torch.log, 1),  # the same
    "softmax": (_softmax, 1),  # over all entries
    "log_softmax": (_log_softmax, 1),  # over all entries
    "sum": (lambda x: _scalar(torch.sum(x)), 1),
    "mean": (lambda x: _scalar(torch.mean(x)), 1),
    "max": (_max, None),
    "norm2": (lambda x: _scalar(torch.sum(x * x)), 1),  # sum of squares (no square root)
    "l2": (lambda x: _scalar(torch.sum(x * x)), 1),  # the same as norm2
    "dot": (_dot, 2),  # sum(a * b)
    "inv": (torch.linalg.inv, 1),  # the matrix inverse
    "mse": (_mse, 2),  # mean((yhat − y)²)
    "bce": (_bce, 2),  # mean of −[y ln p + (1 − y) ln(1 − p)]
    "bce_logits": (_bce_logits, 2),  # torch's stable binary_cross_entropy_with_logits (mean)
    "nll": (_nll, 2),  # −ln p[c]
    "cross_entropy": (_cross_entropy, 2),  # −log_softmax(s)[c] (torch's F.cross_entropy)
}

CONSTANTS = {"pi": math.pi, "e": math.e}
# Argument positions that are constants by convention: a class index, a leaky_relu slope (torch's
# negative_slope is a float), a 0/1 bce target (a label), an exponent. A given used only there gets
# no default gradient (dlsolve refuses to differentiate it). The oracle still differentiates a slope,
# a bce target or an exponent mathematically when such a gradient is asked explicitly.
CONSTANT_ARGUMENTS = {"leaky_relu": (1,), "nll": (1,), "cross_entropy": (1,), "bce": (1,), "bce_logits": (1,)}


class _Evaluator:
    """Evaluates one equation's right-hand side against the values known so far."""

    def __init__(self, text: str, env: dict[str, torch.Tensor], diagnostics: dict[str, list[float]] | None):
        self.text = text
        self.env = env
        self.diagnostics = diagnostics
        self.used: set[str] = set()  # names used outside constant arguments
        self.constant = 0  # > 0 while evaluating a constant argument (class, slope, exponent, index)

    def eval_constant(self, node: ast.AST) -> torch.Tensor:
        self.constant += 1
        try:
            return self.eval(node)
        finally:
            self.constant -= 1

    def note(self, key: str, distance: torch.Tensor) -> None:
        """Record how close an argument comes to a special point (for the tests' ``assume``)."""
        if self.diagnostics is not None and distance.numel():
            self.diagnostics.setdefault(key, []).append(float(distance.detach().abs().min()))

    def eval(self, node: ast.AST) -> torch.Tensor:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise GraphSpecError(f"{node.value!r} is not a number")
            source = ast.get_source_segment(self.text, node) or repr(node.value)
            try:
                return torch.tensor([[float(Fraction(source.replace("_", "")))]], dtype=DTYPE)
            except ValueError:
                raise GraphSpecError(f"{source!r} is not a decimal number") from None
        if isinstance(node, ast.Name):
            if node.id in self.env:
                if not self.constant:
                    self.used.add(node.id)
                return self.env[node.id]
            if node.id in CONSTANTS:
                return torch.tensor([[CONSTANTS[node.id]]], dtype=DTYPE)
            raise GraphSpecError(f"unknown name {node.id!r}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.eval(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Attribute):
            if node.attr != "T":
                raise GraphSpecError(f"attribute .{node.attr} is not allowed (only .T)")
            return self.eval(node.value).T
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise GraphSpecError(f"{type(node).__name__} is not allowed in an equation")

    def binop(self, node: ast.BinOp) -> torch.Tensor:
        op = node.op
        a = self.eval(node.left)
        b = self.eval_constant(node.right) if isinstance(op, ast.Pow) else self.eval(node.right)
        if isinstance(op, ast.MatMult):
            if a.shape[1] != b.shape[0]:
                raise GraphSpecError(f"@: shapes {_shape(a)} and {_shape(b)} do not chain")
            return a @ b
        if isinstance(op, ast.Pow):
            if not _is_scalar(b):
                raise GraphSpecError(f"**: the exponent must be 1×1, got {_shape(b)}")
            exponent = b if b.requires_grad else float(b)
            return torch.pow(a, exponent)
        if isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            name = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(op)]
            a, b = _elementwise(a, b, name)
            if isinstance(op, ast.Add):
                return a + b
            if isinstance(op, ast.Sub):
                return a - b
            if isinstance(op, ast.Mult):
                return a * b
            if bool((b == 0).any()):
                raise GraphSpecError("/: division by zero")
            return a / b
        raise GraphSpecError(f"the operator {type(op).__name__} is not allowed")

    def subscript(self, node: ast.Subscript) -> torch.Tensor:
        base = self.eval(node.value)
        index = node.slice
        if isinstance(index, ast.Slice) or (isinstance(index, ast.Tuple) and any(isinstance(e, ast.Slice) for e in index.elts)):
            raise GraphSpecError("slices are not allowed")
        if isinstance(index, ast.Tuple):
            if len(index.elts) != 2:
                raise GraphSpecError("W[i, j] takes two indices")
            i, j = (_index_of(self.eval_constant(e), "index") for e in index.elts)
            if i >= base.shape[0] or j >= base.shape[1]:
                raise GraphSpecError(f"index [{i}, {j}] out of range for {_shape(base)}")
            return base[i : i + 1, j : j + 1]
        return _vector_entry(base, _index_of(self.eval_constant(index), "index"), "p[i]")

    def call(self, node: ast.Call) -> torch.Tensor:
        if isinstance(node.func, ast.Name) and node.func.id in ("conv1d", "conv2d"):
            return self.convolution(node)
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise Unsupported(f"function {ast.dump(node.func)} (its own torch oracle is in its op tests)")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise GraphSpecError(f"{node.func.id}: only positional arguments")
        name = node.func.id
        function, arity = FUNCTIONS[name]
        if arity is not None and len(node.args) != arity:
            raise GraphSpecError(f"{name} takes {arity} argument(s), got {len(node.args)}")
        constant = CONSTANT_ARGUMENTS.get(name, ())
        args = [self.eval_constant(a) if i in constant else self.eval(a) for i, a in enumerate(node.args)]
        if name in ("relu", "leaky_relu"):
            self.note("kink", args[0])
        elif name == "max" and len(args) == 2:
            a, b = _elementwise(args[0], args[1], "max")
            self.note("kink", a - b)
        elif name == "max":
            flat = args[0].reshape(-1)
            if flat.numel() > 1:
                top = torch.topk(flat.detach(), 2).values
                self.note("kink", top[0] - top[1])
        elif name == "bce":  # ln(1 − p) loses digits in float64 when p is within ~1e-6 of 1 (or 0)
            self.note("bce_margin", torch.minimum(args[0], 1 - args[0]))
        return function(*args)


    def convolution(self, node: ast.Call) -> torch.Tensor:
        """conv1d/conv2d through torch.nn.functional, channels stacked as the format documents.

        conv1d: x is C×L (any vector when C = 1), w is (K·C)×k = torch's (K, C, k), the output K×L_out
        (a one-channel output keeps a vector input's orientation). conv2d: x is (C·H)×W, w is
        (K·C·kh)×kw = torch's (K, C, kh, kw), the output (K·H_out)×W_out. A bias is K×1. A true
        convolution (flip) is correlation with each filter flipped; per-side padding goes through F.pad.
        """
        settings: dict[str, Any] = {"stride": 1, "padding": 0, "dilation": 1, "flip": False,
                                    "in_channels": 1, "out_channels": 1}
        for keyword in node.keywords:
            if keyword.arg not in settings:
                raise GraphSpecError(f"{node.func.id}: unsupported setting {keyword.arg}")
            settings[keyword.arg] = _literal_setting(keyword.value)
        args = [self.eval(a) for a in node.args]
        x, w = args[0], args[1]
        dims = 1 if node.func.id == "conv1d" else 2
        C, K = settings["in_channels"], settings["out_channels"]
        if dims == 1:
            if (C == 1 and 1 not in x.shape) or (C > 1 and x.shape[0] != C) or (C * K > 1 and w.shape[0] != C * K):
                raise GraphSpecError(f"conv1d: shapes {_shape(x)} and {_shape(w)} do not hold the channels")
            batch, weight = x.reshape(1, C, -1), w.reshape(K, C, -1)
        else:
            if x.shape[0] % C or w.shape[0] % (C * K):
                raise GraphSpecError(f"conv2d: shapes {_shape(x)} and {_shape(w)} do not hold the channels")
            batch = x.reshape(1, C, x.shape[0] // C, x.shape[1])
            weight = w.reshape(K, C, w.shape[0] // (C * K), w.shape[1])
        if settings["flip"]:
            weight = weight.flip(list(range(2, 2 + dims)))
        bias = args[2].reshape(K) if len(args) == 3 else None
        padding = settings["padding"]
        if isinstance(padding, tuple) and (dims == 1 or isinstance(padding[0], tuple)):  # per side
            sides = padding if dims == 1 else (*padding[1], *padding[0])  # F.pad: last axis first
            batch, padding = F.pad(batch, tuple(sides)), 0
        function = F.conv1d if dims == 1 else F.conv2d
        out = function(batch, weight, bias, settings["stride"], padding, settings["dilation"])[0]  # K × …
        if dims == 2:
            return out.reshape(-1, out.shape[-1])
        if C * K == 1 and x.shape[1] == 1:
            return out.reshape(-1, 1)
        return out.reshape(K, -1)


def _literal_setting(node: ast.AST) -> Any:
    """A conv keyword's value: a constant, or a (nested) tuple of non-negative integers."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        items = tuple(_literal_setting(item) for item in node.elts)
        if all(isinstance(i, tuple) or (type(i) is int and i >= 0) for i in items):
            return items
    raise GraphSpecError(f"unsupported conv setting {ast.dump(node)}")


def parse_equation(text: str) -> tuple[str, ast.expr]:
    """``"name = expression"`` → (name, expression tree), refusing anything but one plain assignment."""
    if not isinstance(text, str):
        raise GraphSpecError(f"an equation must be text, got {text!r}")
    try:
        module = ast.parse(text.strip(), mode="exec")
    except SyntaxError as error:
        raise GraphSpecError(f"cannot parse equation {text!r}: {error.msg}") from error
    if len(module.body) == 1 and isinstance(module.body[0], ast.AugAssign):  # c += x is c = c + (x), as in Python
        augmented = module.body[0]
        if not isinstance(augmented.target, ast.Name):
            raise GraphSpecError(f"the left side of {text!r} must be one name")
        name = augmented.target.id
        return name, ast.BinOp(ast.Name(name, ast.Load()), augmented.op, augmented.value)
    if len(module.body) != 1 or not isinstance(module.body[0], ast.Assign):
        raise GraphSpecError(f"expected 'name = expression', got {text!r}")
    assign = module.body[0]
    if len(assign.targets) != 1 or not isinstance(assign.targets[0], ast.Name):
        raise GraphSpecError(f"the left side of {text!r} must be one name")
    return assign.targets[0].id, assign.value


# --- the whole spec --------------------------------------------------------------------------------


def to_value(t: torch.Tensor) -> Value:
    """The JSON ``value`` layout: float for 1×1, flat list for n×1, list of rows otherwise."""
    t = t.detach()
    rows, cols = t.shape
    if rows == 1 and cols == 1:
        return float(t[0, 0])
    if cols == 1:
        return [float(v) for v in t[:, 0]]
    return [[float(v) for v in row] for row in t]


class _Pass:
    """One forward pass (and, when asked, one backward pass) over the equations for given values."""

    def __init__(self, spec: dict, givens: dict[str, torch.Tensor], diagnostics: dict[str, list[float]] | None):
        self.env: dict[str, torch.Tensor] = {name: t.detach().clone().requires_grad_(True) for name, t in givens.items()}
        self.differentiable: set[str] = set()  # givens with a use outside the constant arguments
        self.order: list[str] = []
        parsed = [parse_equation(text) for text in spec["equations"]]
        assigned = Counter(name for name, _ in parsed)
        seen: Counter[str] = Counter()
        with torch.enable_grad():
            for text, (name, expression) in zip(spec["equations"], parsed):
                if name in givens:
                    raise GraphSpecError(f"{name!r} is a given and an equation's variable")
                evaluator = _Evaluator(text.strip(), self.env, diagnostics)
                value = evaluator.eval(expression)
                self.differentiable |= evaluator.used & set(givens)
                value = value.clone() if value.requires_grad else value.clone().requires_grad_(True)
                if not value.is_leaf:
                    value.retain_grad()
                seen[name] += 1  # a name assigned n times: values c1 … c(n−1), then c (the README's naming)
                label = name if seen[name] == assigned[name] else version_name(name, seen[name])
                self.env[name] = self.env[label] = value
                self.order.append(label)
        self.givens = list(givens)
        self.loss_name = ""

    def backward(self, loss_name: str) -> torch.Tensor:
        if loss_name not in self.order:
            raise GraphSpecError(f"the loss {loss_name!r} is not an equation's variable")
        loss = self.env[loss_name]
        if not _is_scalar(loss):
            raise GraphSpecError(f"the loss {loss_name} must be 1×1, got {_shape(loss)}")
        with torch.enable_grad():
            loss.backward()  # every value requires grad (givens are leaves, constants cloned into leaves)
        self.loss_name = loss_name
        return loss

    def grad(self, name: str) -> torch.Tensor:
        if name not in self.env:
            raise GraphSpecError(f"unknown variable {name!r}")
        g = self.env[name].grad
        return torch.zeros_like(self.env[name]).detach() if g is None else g.detach()

    def default_wrt(self) -> list[str]:
        return [n for n in self.givens if n in self.differentiable and self.env[n].grad is not None]


def version_name(name: str, k: int) -> str:
    """The k-th value of a name assigned again: ``c1``; ``W1_1`` (a final digit); ``h_(out,1)`` (a subscript)."""
    if "_" in name:
        base, _, sub = name.partition("_")
        return f"{base}_({sub},{k})"
    return f"{name}_{k}" if name[-1].isdigit() else f"{name}{k}"


def _laid_out(g: torch.Tensor, layout: str) -> torch.Tensor:
    """``jacobian`` layout: the gradient of a column (n×1, n > 1) as a row; everything else as is."""
    return g.T if layout == "jacobian" and g.shape[1] == 1 and g.shape[0] > 1 else g


def evaluate(spec: dict, diagnostics: dict[str, list[float]] | None = None) -> dict[str, Value]:
    """Every answer of a ``kind: graph`` spec, computed with torch float64 and autograd.

    * no ``loss``, ``wrt`` or ``update`` and a last variable that is not 1×1: a forward pass only;
    * ``loss`` defaults to the last equation's variable and must be 1×1;
    * ``wrt`` defaults to every given that the loss depends on through an argument other than a
      constant one (a class index, a leaky_relu slope, a bce target, an exponent, an index);
    * ``update``: ``p_new = p − lr·dL/dp``; ``params`` defaults to the givens in wrt, ``lr`` to 1;
      with ``data`` (a list of observations, each replacing some given values):
      ``mode: sequential`` (the default) takes one step per observation in order and answers the
      loss of each observation before its step (``L_1``, ``L_2``, …) and the final ``p_new`` (no
      variables or gradients); ``mode: batch`` evaluates every observation at the starting values
      and answers ``L_k``, the mean gradient ``dL/dp`` for each name in wrt and one step on it;
    * ``layout: jacobian`` writes the gradient of a column vector (n×1, n > 1) as a row (1×n);
      every other gradient keeps the shape of its variable (``layout: gradient``, the default).

    ``diagnostics`` (optional) collects, under ``"kink"``, for each relu/leaky_relu/max the smallest
    distance of its argument from the kink (for a max reduction: the gap between the top two
    entries), and under ``"bce_margin"`` the smallest min(p, 1 − p) seen by bce: tests use them to
    avoid exact ties and float64 cancellation.
    """
    if spec.get("kind", "graph") != "graph":
        raise GraphSpecError(f"not a graph spec: kind {spec.get('kind')!r}")
    if spec.get("symbols"):
        raise Unsupported("specs with symbols are symbolic; the oracle evaluates numbers only")
    layout = spec.get("layout") or "gradient"
    if layout not in ("gradient", "jacobian"):
        raise GraphSpecError(f"unknown layout {layout!r}")
    if not spec.get("equations"):
        raise GraphSpecError("no equations")
    givens = {str(name): parse_given(raw) for name, raw in (spec.get("given") or {}).items()}
    update = spec.get("update")
    if update is not None and update.get("data") is not None:
        return _evaluate_data(spec, givens, layout, diagnostics)

    run = _Pass(spec, givens, diagnostics)
    answers: dict[str, Value] = {name: to_value(run.env[name]) for name in run.order}
    if spec.get("loss") is None and spec.get("wrt") is None and update is None and not _is_scalar(run.env[run.order[-1]]):
        return answers  # a forward pass only
    loss_name = str(spec.get("loss") or run.order[-1])
    run.backward(loss_name)
    wrt = run.default_wrt() if spec.get("wrt") is None else [str(name) for name in spec["wrt"]]
    for name in wrt:
        answers[f"d{loss_name}/d{name}"] = to_value(_laid_out(run.grad(name), layout))
    if update is not None:
        lr = parse_number(update.get("lr", 1))
        for name in _params(update, wrt, givens):
            answers[f"{name}_new"] = to_value(run.env[name].detach() - lr * run.grad(name))
    return answers


def _params(update: dict, wrt: list[str], givens: dict[str, torch.Tensor]) -> list[str]:
    params = update.get("params")
    params = [name for name in wrt if name in givens] if params is None else [str(p) for p in params]
    for name in params:
        if name not in givens:
            raise GraphSpecError(f"update.params: {name!r} is not a given")
    return params


def _evaluate_data(spec: dict, givens: dict[str, torch.Tensor], layout: str,
                   diagnostics: dict[str, list[float]] | None) -> dict[str, Value]:
    """``update.data``: SGD over observations, one after another (sequential) or on the mean (batch)."""
    update = spec["update"]
    mode = update.get("mode") or "sequential"
    if mode not in ("sequential", "batch"):
        raise GraphSpecError(f"unknown update mode {mode!r}")
    lr = parse_number(update.get("lr", 1))
    observations = []
    for k, observation in enumerate(update["data"]):
        if not isinstance(observation, dict) or not observation:
            raise GraphSpecError(f"update.data[{k}] must map given names to values")
        unknown = set(map(str, observation)) - set(givens)
        if unknown:
            raise GraphSpecError(f"update.data[{k}]: {sorted(unknown)} are not givens")
        observations.append({str(name): parse_given(raw) for name, raw in observation.items()})
    if not observations:
        raise GraphSpecError("update.data is empty")
    answers: dict[str, Value] = {}
    current = dict(givens)
    total: dict[str, torch.Tensor] = {}
    wrt: list[str] = []
    params: list[str] = []
    for k, observation in enumerate(observations, start=1):
        run = _Pass(spec, {**(current if mode == "sequential" else givens), **observation}, diagnostics)
        loss_name = str(spec.get("loss") or run.order[-1])
        answers[f"{loss_name}_{k}"] = to_value(run.backward(loss_name))
        if k == 1:
            wrt = run.default_wrt() if spec.get("wrt") is None else [str(name) for name in spec["wrt"]]
            params = _params(update, wrt, givens)
        if mode == "sequential":
            for name in params:
                current[name] = current[name] - lr * run.grad(name)
        else:
            for name in dict.fromkeys(wrt + params):
                total[name] = total.get(name, 0) + run.grad(name)
    if mode == "batch":
        mean = {name: g / len(observations) for name, g in total.items()}
        for name in wrt:
            answers[f"d{loss_name}/d{name}"] = to_value(_laid_out(mean[name], layout))
        for name in params:
            answers[f"{name}_new"] = to_value(givens[name] - lr * mean[name])
    else:
        for name in params:
            answers[f"{name}_new"] = to_value(current[name])
    return answers


# --- comparing with dlsolve --------------------------------------------------------------------------


def answers_from_dlsolve(json_obj: Any) -> dict[str, Any]:
    """``{name: value}`` from ``dlsolve run FILE --format json`` (one problem, or a list of one)."""
    if isinstance(json_obj, list):
        if len(json_obj) != 1:
            raise ValueError(f"expected one problem, got {len(json_obj)}")
        json_obj = json_obj[0]
    return {name: answer["value"] for name, answer in json_obj["answers"].items()}


def assert_close(ours: Any, theirs: Any, rel: float = 1e-9, abs: float = 1e-12, path: str = "") -> None:
    """Assert that two nested structures (dicts, lists, numbers) agree: same keys and layout,
    numbers within ``math.isclose(rel_tol=rel, abs_tol=abs)``. Every key of ``ours`` must be in
    ``theirs``; extra keys in ``theirs`` are not checked here."""
    where = path or "<root>"
    if isinstance(ours, dict):
        assert isinstance(theirs, dict), f"{where}: expected a mapping, got {theirs!r}"
        missing = sorted(set(ours) - set(theirs))
        assert not missing, f"{where}: missing answers {missing} (have {sorted(theirs)})"
        for key in ours:
            assert_close(ours[key], theirs[key], rel, abs, f"{path}.{key}" if path else str(key))
        return
    if isinstance(ours, list):
        layout = f"{where}: expected {_layout(ours)} {ours!r}, got {_layout(theirs)} {theirs!r}"
        assert isinstance(theirs, list), layout
        assert len(ours) == len(theirs), layout
        assert [isinstance(v, list) for v in ours] == [isinstance(v, list) for v in theirs], layout
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_close(a, b, rel, abs, f"{where}[{i}]")
        return
    assert isinstance(theirs, (int, float)) and not isinstance(theirs, bool), (
        f"{where}: expected a number like {ours!r}, got {theirs!r}"
    )
    assert math.isfinite(ours), f"{where}: the oracle's value is not finite ({ours!r})"
    assert math.isclose(ours, theirs, rel_tol=rel, abs_tol=abs), f"{where}: oracle {ours!r} != dlsolve {theirs!r}"


def _layout(value: Any) -> str:
    """How a JSON value is laid out: ``a number``, ``a column of 3 (flat list)``, ``2×3 rows``."""
    if not isinstance(value, list):
        return "a number"
    if value and all(isinstance(row, list) for row in value):
        return f"{len(value)}×{len(value[0])} rows"
    return f"a column of {len(value)} (flat list)"

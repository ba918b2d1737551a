"""The safe reader of a symbolic problem's forms: text → (formula tree for the sheet, sympy form to check).

Built on :mod:`solver.expressions` (the one safe parser and its bounds): a whitelist of syntax nodes is
interpreted by hand, nothing is evaluated as Python. Accepted: numbers, declared names, ``+ - * / ^``,
indexing ``z[k]`` and ``W[i, j]``, and the calls ``exp``, ``log``/``ln``, ``sqrt``, ``sigmoid``,
``tanh``, ``relu``, ``softmax(z, k)`` (entry k), ``diff(f, v)`` (∂f/∂v), ``sum(f, j)`` (Σ over an index's
range), ``delta(a, b)`` and ``step(u)`` (the Iverson brackets [a = b] and [u > 0]), a declared function ``f(u)`` and
``derivative(f, u)`` (f′(u), for a declared function or one of the named ones). A defined quantity
(``t[k]`` defined as ``sum(X[j] * W[j, k], j)``) is printed by its name and checked as its definition.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from solver.expressions import (
    MAX_EQUATION,
    MAX_NODES,
    NumberError,
    Unreadable,
    Visitor,
    decimal_literal,
    first_non_ascii,
    non_ascii_message,
    read,
)
from solver.formula import Call, Formula, Grad, Name, Number, Op, Paren, Sum
from solver.i18n import ntr, tr

CALLS = ("exp", "log", "ln", "sqrt", "sigmoid", "tanh", "relu", "step", "softmax", "diff", "sum", "delta",
         "derivative")
"""The functions a form may call (besides the functions a problem declares)."""

ONE_ARGUMENT = ("exp", "log", "ln", "sqrt", "sigmoid", "tanh", "relu")
"""The named functions of one variable: ``derivative(name, u)`` takes any of them."""

SORTS = ("scalar", "size", "index", "vector", "matrix", "function")
"""What a declared symbol can be: a real number, a size, an index over a size, a vector, a matrix, or an
unspecified function of one variable (an activation f)."""


@dataclass(frozen=True)
class Symbol:
    """A declared symbol: its sort and the sizes it refers to (``index C``: ("C",); ``matrix m n``)."""

    name: str
    sort: str
    sizes: tuple[str, ...] = ()

    def describe(self) -> str:
        """``vector of size C``, ``index over C``, ``m×n matrix``, ``real scalar``, ``size``."""
        if self.sort == "index":
            # Translators: {size} is a size such as C
            return tr("index from 0 to {size} − 1", size=self.sizes[0])
        if self.sort == "vector":
            return tr("vector of size {size}", size=self.sizes[0])
        if self.sort == "matrix":
            # Translators: {shape} is a shape such as m×n
            return tr("{shape} matrix", shape="×".join(self.sizes))
        if self.sort == "function":
            return tr("a differentiable function of one variable")
        return tr("real scalar") if self.sort == "scalar" else tr("size (a positive integer)")


class Form(NamedTuple):
    """One form as read: the tree printed on the sheet and the sympy expression that is checked."""

    formula: Formula
    value: Any


class Definition(NamedTuple):
    """A defined quantity: its name, the indices it takes (sympy symbols) and the form it stands for."""

    name: str
    indices: tuple[Any, ...]
    form: Form

    def at(self, values: tuple[Any, ...]) -> Any:
        """The sympy value of the quantity at these index values."""
        return self.form.value.xreplace(dict(zip(self.indices, values)))


def bound_apart(value: Any) -> Any:
    """``value`` with the index every sum runs over renamed apart (a Dummy), so that substituting an
    index of a definition (t[k] used as t[j]) never captures the index a sum inside it runs over."""
    import sympy as sp

    def rename(total: Any) -> Any:
        fresh = {limit[0]: sp.Dummy(limit[0].name, integer=True, nonnegative=True) for limit in total.limits}
        return total.xreplace(fresh)

    def named_index(e: Any) -> bool:  # (a sum already renamed apart is left as it is: rebuilding is slow)
        return isinstance(e, sp.Sum) and any(not isinstance(limit[0], sp.Dummy) for limit in e.limits)

    if not any(named_index(e) for e in sp.preorder_traversal(value)):
        return value
    return value.replace(named_index, rename)


def sympy_symbol(symbol: Symbol) -> Any:
    """The sympy object of a declared symbol (a Symbol with its assumptions, or an IndexedBase)."""
    import sympy as sp

    if symbol.sort in ("vector", "matrix"):
        return sp.IndexedBase(symbol.name)
    if symbol.sort == "size":
        return sp.Symbol(symbol.name, integer=True, positive=True)
    if symbol.sort == "index":
        return sp.Symbol(symbol.name, integer=True, nonnegative=True)
    return sp.Symbol(symbol.name, real=True)  # (a function's given entry shows its name)


def size_value(text: str, symbols: dict[str, Symbol]) -> Any:
    """A size as sympy: a literal (``2``) or a declared size symbol."""
    import sympy as sp

    return sp.Integer(int(text)) if text.isdigit() else sympy_symbol(symbols[text])


def read_form(text: Any, symbols: dict[str, Symbol], defined: dict[str, Definition] | None = None,
              by_name: bool = False) -> Form:
    """The form written in ``text``, its names declared in ``symbols`` or ``defined``; NumberError says
    what is wrong. ``by_name``: a defined quantity's value is its name (an answer's value), not its definition."""
    if not isinstance(text, str) or not text.strip():
        raise NumberError(tr("expected a form as text, got {value}", value=repr(text)))
    if len(text) > MAX_EQUATION:
        raise NumberError(tr("a form longer than {count} characters is not accepted", count=MAX_EQUATION))
    odd = first_non_ascii(text)
    if odd is not None:
        raise NumberError(non_ascii_message(odd, "forms"))
    try:
        parsed = read(text.strip())
    except Unreadable:
        raise NumberError(tr("cannot read {text} as a form (write products with '*')", text=repr(text.strip()))) \
            from None
    if parsed.parts > 4 * MAX_NODES:
        raise NumberError(tr("a form with more than {count} parts is too complex", count=4 * MAX_NODES))
    try:
        return _Reader(parsed.source, symbols, defined or {}, by_name).visit(parsed.tree.body)
    except RecursionError:
        raise NumberError(tr("the form is nested too deeply")) from None


def _bracketed(formula: Formula) -> Formula:
    """A negated factor in brackets: ``a·(−b)``, never ``a·−b``."""
    return Paren(formula) if str(formula).startswith("−") else formula


class _Reader(Visitor[Form]):
    """Interprets a whitelisted syntax tree as a Form, node by node."""

    def __init__(self, source: str, symbols: dict[str, Symbol], defined: dict[str, Definition], by_name: bool):
        super().__init__(source)
        self.symbols = symbols
        self.defined = defined
        self.by_name = by_name

    def refuse(self, node: ast.AST) -> Exception:
        # Translators: {syntax} is a Python syntax node such as Compare; {functions} lists function names
        return NumberError(tr("the syntax '{syntax}' is not allowed in a form (use names, numbers, + - * / ^, x[i] "
                              "and {functions})", syntax=type(node).__name__, functions=", ".join(CALLS)))

    def constant(self, node: ast.Constant) -> Form:
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise NumberError(tr("{value} is not a number", value=repr(node.value)))
        text = self.literal_text(node)
        value = decimal_literal(text)
        return Form(Number(int(value) if value.is_Integer else text), value)

    def declared(self, name: str) -> Symbol:
        """The declaration of ``name`` (NumberError if it has none)."""
        if name not in self.symbols:
            hint = tr("'{name}' is a function: write {name}(...)", name=name) if name in CALLS \
                else tr("unknown name '{name}'", name=name)
            known = ", ".join([*self.symbols, *self.defined]) or tr("none")
            # Translators: {problem} is another message; {names} lists names
            raise NumberError(tr("{problem} (declared symbols and definitions: {names})", problem=hint, names=known))
        return self.symbols[name]

    def name(self, node: ast.Name) -> Form:
        if node.id in self.defined:
            definition = self.defined[node.id]
            if definition.indices:
                raise NumberError(tr("'{name}' is defined with {count} index(es): write {name}[...]", name=node.id,
                                     count=len(definition.indices)))
            if self.by_name:
                import sympy as sp

                return Form(Name(node.id), sp.Symbol(node.id, real=True))
            return Form(Name(node.id), definition.form.value)
        symbol = self.declared(node.id)
        if symbol.sort in ("vector", "matrix"):
            # Translators: {sort} is a kind of symbol as the problem file writes it: vector, matrix (keep it)
            raise NumberError(tr("'{name}' is a {sort}: write one entry, {name}[...]", name=node.id, sort=symbol.sort))
        if symbol.sort == "function":
            raise NumberError(tr("'{name}' is a function: write {name}(...)", name=node.id))
        return Form(Name(node.id), sympy_symbol(symbol))

    def unary(self, node: ast.UnaryOp) -> Form:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        return Form(Op("neg", (operand.formula,)), -operand.value)

    def binary(self, node: ast.BinOp) -> Form:
        left, right = self.visit(node.left), self.visit(node.right)
        a, b = left.value, right.value
        if isinstance(node.op, ast.Add):
            return Form(Op("+", (left.formula, right.formula)), a + b)
        if isinstance(node.op, ast.Sub):
            return Form(Op("−", (left.formula, right.formula)), a - b)
        if isinstance(node.op, ast.Mult):
            number = left.formula if not isinstance(left.formula, Op) or left.formula.symbol != "neg" \
                else left.formula.args[0]
            written = "juxtapose" if isinstance(number, Number) and not isinstance(right.formula, Number) else "·"
            return Form(Op(written, (left.formula, _bracketed(right.formula))), a * b)
        if isinstance(node.op, ast.Div):
            if b == 0:
                raise NumberError(tr("division by zero"))
            return Form(Op("/", (left.formula, right.formula)), a / b)
        if not (b.is_Integer and abs(b) <= 10):
            raise NumberError(tr("a power must have an integer exponent between -10 and 10"))
        return Form(Op("^", (left.formula, right.formula)), a**b)

    def subscript(self, node: ast.Subscript) -> Form:
        import sympy as sp

        if not isinstance(node.value, ast.Name):
            raise NumberError(tr("only a declared vector or matrix can be indexed"))
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if node.value.id in self.defined:
            return self.defined_entry(self.defined[node.value.id], items)
        symbol = self.declared(node.value.id)
        if symbol.sort not in ("vector", "matrix"):
            raise NumberError(tr("'{name}' is a {sort}, not a vector or matrix: it has no entries", name=node.value.id,
                                 sort=symbol.sort))
        wanted = 1 if symbol.sort == "vector" else 2
        if len(items) != wanted:
            raise NumberError(ntr("'{name}' is a {sort}: write {n} index", "'{name}' is a {sort}: write {n} indexes",
                                  wanted, name=node.value.id, sort=symbol.sort))
        indices = [self.index(item) for item in items]
        value = sp.IndexedBase(node.value.id)[tuple(index.value for index in indices)]
        return Form(Call(node.value.id, tuple(index.formula for index in indices), "[]"), value)

    def defined_entry(self, definition: Definition, items: Sequence[ast.AST]) -> Form:
        """``t[j]`` of a quantity defined as ``t[k]``: printed by its name, checked as its definition at j."""
        if len(items) != len(definition.indices):
            raise NumberError(tr("'{name}' is defined with {count} index(es), not {given}", name=definition.name,
                                 count=len(definition.indices), given=len(items)))
        indices = [self.index(item) for item in items]
        values = tuple(index.value for index in indices)
        if self.by_name:
            import sympy as sp

            value = sp.IndexedBase(definition.name)[values]
        else:
            value = definition.at(values)
        return Form(Call(definition.name, tuple(index.formula for index in indices), "[]"), value)

    def index(self, node: ast.AST) -> Form:
        """An index: a declared index, a size, an integer, or a sum or difference of them."""
        form = self.visit(node)
        if not form.value.is_integer:
            raise NumberError(tr("the index {index} is not an integer (declare it: 'index <size>')",
                                 index=form.formula))
        return form

    def call(self, node: ast.Call) -> Form:
        declared = [name for name, symbol in self.symbols.items() if symbol.sort == "function"]
        if not isinstance(node.func, ast.Name) or node.func.id not in (*CALLS, *declared):
            called = node.func.id if isinstance(node.func, ast.Name) else "this"
            raise NumberError(tr("'{name}' is not a known function (known: {names})", name=called,
                                 names=", ".join([*CALLS, *declared])))
        if node.keywords:
            raise NumberError(tr("{name}() takes no keyword arguments", name=node.func.id))
        name, args = node.func.id, node.args
        wanted = 1 if name in (*ONE_ARGUMENT, *declared, "step") else 2
        if len(args) != wanted:
            raise NumberError(ntr("{name}() takes exactly {n} argument", "{name}() takes exactly {n} arguments", wanted,
                                  name=name))
        if name == "softmax":
            return self.softmax(args[0], args[1])
        if name == "sum":
            return self.sum(args[0], args[1])
        if name == "diff":
            return self.diff(args[0], args[1])
        if name == "step":  # ReLU′: the Iverson bracket [u > 0]
            import sympy as sp

            arg = self.visit(args[0])
            return Form(Call("", (Op(">", (arg.formula, Number(0))),), "[]"), sp.Heaviside(arg.value))
        if name == "derivative":
            return self.derivative(args[0], self.visit(args[1]))
        if name in declared:
            import sympy as sp

            arg = self.visit(args[0])
            return Form(Call(name, (arg.formula,)), sp.Function(name)(arg.value))
        if name == "delta":
            a, b = self.index(args[0]), self.index(args[1])
            import sympy as sp

            return Form(Call("", (Op("=", (a.formula, b.formula)),), "[]"), sp.KroneckerDelta(a.value, b.value))
        return self.function(name, self.visit(args[0]))

    def function(self, name: str, arg: Form) -> Form:
        """``exp``, ``log``/``ln``, ``sqrt``, ``sigmoid``, ``tanh`` or ``relu`` of one argument."""
        return Form(Call("log" if name == "ln" else name, (arg.formula,)), _named(name)(arg.value))

    def derivative(self, function_node: ast.AST, arg: Form) -> Form:
        """``derivative(f, u)``: f′(u), for a declared function f or a named one (relu′(u) = [u > 0])."""
        import sympy as sp

        function = function_node.id if isinstance(function_node, ast.Name) else ""
        declared = function in self.symbols and self.symbols[function].sort == "function"
        if not (declared or function in ONE_ARGUMENT):
            raise NumberError(tr("the first argument of derivative() must be a declared function or one of {names}",
                                 names=", ".join(ONE_ARGUMENT)))
        if declared:  # f′ at u: the checker writes sympy's chain rule so too (verify.derivatives_named)
            value = sp.Function(function + "'")(arg.value)
        else:
            point = sp.Dummy("u", real=True)
            value = sp.diff(_named(function)(point), point).subs(point, arg.value)
        shown = "log" if function == "ln" else function
        return Form(Call(shown + "'", (arg.formula,)), value)

    def bound(self, node: ast.AST, what: str) -> tuple[str, Any, Any]:
        """The name, sympy symbol and size of the index a sum or softmax runs over."""
        if not isinstance(node, ast.Name) or self.declared(node.id).sort != "index":
            # Translators: {what} is "the second argument of sum()"
            raise NumberError(tr("{what} must be a declared index ('index <size>')", what=what))
        symbol = self.symbols[node.id]
        size = size_value(symbol.sizes[0], self.symbols)
        return node.id, sympy_symbol(symbol), size

    def sum(self, body_node: ast.AST, index_node: ast.AST) -> Form:
        """``sum(f, j)``: Σ_j f, j over its size's range 0 … size − 1."""
        import sympy as sp

        name, index, size = self.bound(index_node, tr("the second argument of sum()"))
        body = self.visit(body_node)
        return Form(Sum(name, body.formula), sp.Sum(body.value, (index, 0, size - 1)))

    def softmax(self, vector_node: ast.AST, index_node: ast.AST) -> Form:
        """``softmax(z, k)``: exp(z[k]) / Σ_j exp(z[j]), entry k of softmax(z)."""
        import sympy as sp

        if not isinstance(vector_node, ast.Name) or self.declared(vector_node.id).sort != "vector":
            raise NumberError(tr("the first argument of softmax() must be a declared vector"))
        vector = self.symbols[vector_node.id]
        index = self.index(index_node)
        size = size_value(vector.sizes[0], self.symbols)
        base, dummy = sp.IndexedBase(vector.name), sp.Symbol("j", integer=True, nonnegative=True)
        value = sp.exp(base[index.value]) / sp.Sum(sp.exp(base[dummy]), (dummy, 0, size - 1))
        return Form(Call(f"softmax({vector.name})", (index.formula,), "[]"), value)

    def diff(self, of_node: ast.AST, wrt_node: ast.AST) -> Form:
        """``diff(f, v)``: the derivative ∂f/∂v (v a scalar or one entry of a vector or matrix)."""
        import sympy as sp

        target = wrt_node.value if isinstance(wrt_node, ast.Subscript) else wrt_node
        if isinstance(target, ast.Name) and target.id in self.defined:
            raise NumberError(tr("'{name}' is defined in terms of other symbols: to differentiate with respect to it, "
                                 "declare it in the symbols of this derivation (it then stands for itself)",
                                 name=target.id))
        of, wrt = self.visit(of_node), self.visit(wrt_node)
        if not isinstance(wrt.value, (sp.Symbol, sp.Indexed)) or wrt.value.is_integer:
            raise NumberError(tr("diff() differentiates with respect to a scalar or one entry, not {form}",
                                 form=wrt.formula))
        shown = Name(str(wrt.formula)) if isinstance(wrt.formula, Call) else wrt.formula
        return Form(Grad(of.formula, shown), sp.Derivative(of.value, wrt.value))


def _named(name: str) -> Any:
    """The sympy function of a named function of one variable."""
    import sympy as sp

    return {"exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh,
            "sigmoid": lambda x: 1 / (1 + sp.exp(-x)), "relu": relu_function()}[name]


@functools.cache
def relu_function() -> Any:
    """ReLU as a sympy function whose derivative is the step [u > 0]: sympy's Max(0, u) would do, but
    building a Max compares its arguments, which takes seconds for the sums of a symbolic form."""
    import sympy as sp

    class ReLU(sp.Function):
        nargs = 1

        @classmethod
        def eval(cls, u: Any) -> Any:
            return sp.Max(0, u) if u.is_number else None

        def fdiff(self, argindex: int = 1) -> Any:
            return sp.Heaviside(self.args[0])

        def _eval_rewrite_as_Max(self, u: Any, **kwargs: Any) -> Any:
            return sp.Max(0, u)

    return ReLU

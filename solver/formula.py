"""Formulas as data: the general forms of a derivation (``W·x + b``, ``∂L/∂h``, ``4·(h·(x + h) + h)``)
as a small unevaluated expression tree that printers turn into text, LaTeX or anything else.

sympy reorders terms and evaluates as it builds (``x + h`` prints ``h + x``); a solution sheet must
keep the order of the formula it explains, so general forms are these trees, and values (the exact
numbers substituted and the results) are sympy objects. Every operator's notation is in one table,
:data:`OPERATORS`, that every printer reads. :class:`Printer` walks a tree and dispatches on the node's
class (``_print_Name``, ``_print_Op``, …) as sympy's printers do; it prints the plain Unicode form
(``str(formula)``, the terminal's form and the one in error messages). Other targets subclass it and
change only how atoms (names, numbers, symbols, function names) look, so every target shows the same
structure, the same parentheses and the same order.

No sympy here: building and printing formulas is cheap, and the parameter-count path stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias


class Operator(NamedTuple):
    """How one operator is written: its Unicode form with spacing, and how tightly it binds."""

    text: str  # as written between (or after) its operands, e.g. " + ", "·", "ᵀ"
    precedence: int  # higher binds tighter; an operand that binds looser is parenthesised
    position: str = "infix"  # infix | postfix | prefix


OPERATORS: dict[str, Operator] = {
    ";": Operator("; ", -1),  # a list of statements: a = 1; b = 2
    "=": Operator(" = ", 0),
    "→": Operator(" → ", 0),
    ">": Operator(" > ", 0),  # inside an Iverson bracket: [u > 0]  # a mapping: 3×32×32 → 16×32×32
    "+": Operator(" + ", 1),
    "−": Operator(" − ", 1),
    "·": Operator("·", 2),  # a product: W·x, 4·(h + x)
    "⊙": Operator(" ⊙ ", 2),  # entrywise product
    "×": Operator("×", 2),  # a size: C_out×H_out
    "juxtapose": Operator("", 2),  # a coefficient written against its factor: 2h, 2p
    "apply": Operator(" ", 2),  # an operator applied without brackets: log D(x), max_D V
    "/": Operator("/", 2),
    "divide": Operator(" / ", 2),  # a division as equations are written: 1 / d
    "neg": Operator("−", 3, "prefix"),
    "^": Operator("^", 4),
    "ᵀ": Operator("ᵀ", 5, "postfix"),
    "²": Operator("²", 5, "postfix"),
}
"""Every operator of a formula. Printers for other targets map these texts (``·`` → ``\\cdot``)."""

FUNCTION_NAMES = ("relu", "leaky_relu", "sigmoid", "tanh", "exp", "log", "ln", "softmax", "log_softmax", "sum",
                  "mean", "norm2", "l2", "dot", "mse", "bce", "bce_logits", "nll", "cross_entropy", "max",
                  "conv1d", "conv2d", "svm_loss", "flatten", "reshape", "concat", "hconcat", "max_pool1d", "max_pool2d",
                  "avg_pool1d", "avg_pool2d", "global_maxpool", "global_avgpool", "inv")
"""The functions an equation can call: the engine implements each (solver.engine.ops), and every printer
writes a name with an underscore (``bce_logits``) whole, never as a subscript."""

GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eps": "ε", "eta": "η",
         "theta": "θ", "lam": "λ", "lambda": "λ", "lmbda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ",
         "phi": "φ", "omega": "ω", "kappa": "κ", "nu": "ν", "xi": "ξ", "zeta": "ζ"}
"""Names written in Latin letters that the mathematics writes as Greek letters (``lam`` → λ): printed so
in text and LaTeX, kept as written where a name is a key (JSON answers)."""

SHOWN_FUNCTIONS = {"sigmoid": "σ", "log": "ln", "bce": "BCE", "bce_logits": "BCE", "nll": "NLL",
                   "cross_entropy": "CE", "mse": "MSE", "relu": "ReLU", "leaky_relu": "LeakyReLU",
                   "log_softmax": "log softmax"}
"""How the courses write the functions of :data:`FUNCTION_NAMES` (the rest as they are named);
``norm2(x)`` is written ‖x‖² and ``bce_logits(s, y)`` is BCE(σ(s), y)."""

_NAME = re.compile(r"([A-Za-z]+)(\d*(?:_\w+)?)")


def shown_name(text: str) -> str:
    """A name as the mathematics writes it: ``lam`` → ``λ``, ``alpha_1`` → ``α_1``, ``W1`` unchanged."""
    match = _NAME.fullmatch(text)
    if match and match.group(1) in GREEK:
        return GREEK[match.group(1)] + match.group(2)
    return text


def shown_function(name: str) -> str:
    """A function's name as the courses write it (``bce`` → ``BCE``, ``sigmoid`` → ``σ``)."""
    base, prime, rest = name.partition("'")  # a derivative: sigmoid' → σ'
    return SHOWN_FUNCTIONS.get(base, base) + prime + rest


_BARE = {"bce", "nll", "mse", "cross_entropy", "relu", "leaky_relu", "log_softmax"}  # names, also uncalled (∂bce/∂p)
_WORD = re.compile(r"(?<![\w\\])([A-Za-z_][A-Za-z0-9_]*)(?![\w])")


def standard_notation(prose: str) -> str:
    """Solver prose with formulas inside (titles, notes) in standard notation: ``norm2(W1)`` → ``‖W1‖²``,
    ``bce_logits(s, y)`` → ``BCE(σ(s), y)``, ``nll(`` → ``NLL(``, ``lam`` → ``λ``."""
    out, i = [], 0
    for match in _WORD.finditer(prose):
        word, start, end = match.group(1), match.start(), match.end()
        if start < i:
            continue
        out.append(prose[i:start])
        i = end
        called = prose.startswith("(", end)
        if word == "norm2" and called and (close := _closing(prose, end)) is not None:
            out.append("‖" + standard_notation(prose[end + 1:close]) + "‖²")
            i = close + 1
        elif word == "bce_logits" and called and (close := _closing(prose, end)) is not None:
            first, _, others = _split_first(prose[end + 1:close])
            rest = ", " + standard_notation(others) if others else ""
            out.append("BCE(σ(" + standard_notation(first) + ")" + rest + ")")
            i = close + 1
        elif word in SHOWN_FUNCTIONS and (called or word in _BARE or prose.startswith("'", end)):
            out.append(shown_function(word))
        elif word in ("bce_logits", "norm2"):
            out.append({"bce_logits": "BCE", "norm2": "‖·‖²"}[word])
        else:
            out.append(shown_name(word))
    out.append(prose[i:])
    return "".join(out)


def _closing(text: str, opening: int) -> int | None:
    """The index of the bracket closing the one at ``opening``, or None."""
    depth = 0
    for k in range(opening, len(text)):
        depth += {"(": 1, ")": -1}.get(text[k], 0)
        if depth == 0:
            return k
    return None


def _split_first(arguments: str) -> tuple[str, str, str]:
    """``"a, b, c"`` as (``"a"``, ``","``, ``"b, c"``), splitting at the first top-level comma."""
    depth = 0
    for k, ch in enumerate(arguments):
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            return arguments[:k], ",", arguments[k + 1:].strip()
    return arguments, "", ""


ATOM = 6  # the precedence of names, numbers, calls and brackets: never parenthesised


class Formula:
    """Base class of formula nodes; ``str()`` is the plain Unicode form. Operators build trees:
    ``a + b``, ``a - b``, ``a * b`` (``a·b``), ``a / b``, ``a ** b``, ``-a``; see also :func:`op`."""

    __slots__ = ()

    def __str__(self) -> str:
        return Printer().doprint(self)

    def __add__(self, other: Term) -> Formula:
        return Op("+", (self, lift(other)))

    def __radd__(self, other: Term) -> Formula:
        return Op("+", (lift(other), self))

    def __sub__(self, other: Term) -> Formula:
        return Op("−", (self, lift(other)))

    def __rsub__(self, other: Term) -> Formula:
        return Op("−", (lift(other), self))

    def __mul__(self, other: Term) -> Formula:
        return Op("·", (self, lift(other)))

    def __rmul__(self, other: Term) -> Formula:
        return Op("·", (lift(other), self))

    def __truediv__(self, other: Term) -> Formula:
        return Op("/", (self, lift(other)))

    def __rtruediv__(self, other: Term) -> Formula:
        return Op("/", (lift(other), self))

    def __pow__(self, other: Term) -> Formula:
        return Op("^", (self, lift(other)))

    def __neg__(self) -> Formula:
        return Op("neg", (self,))

    @property
    def T(self) -> Formula:  # as numpy and sympy spell the transpose
        """The transpose ``xᵀ`` (a transposed transpose is the original)."""
        if isinstance(self, Op) and self.symbol == "ᵀ":
            return self.args[0]
        return Op("ᵀ", (self,))

    def replace(self, old: Formula, new: Formula) -> Formula:
        """The formula with every occurrence of the subtree ``old`` replaced by ``new``."""
        return new if self == old else self._map(lambda child: child.replace(old, new))

    def _map(self, f: Callable[[Formula], Formula]) -> Formula:
        return self

    def names(self) -> tuple[str, ...]:
        """The names the formula uses, in order of first appearance."""
        return tuple(dict.fromkeys(self._names()))

    def _names(self) -> Iterable[str]:
        return ()


@dataclass(frozen=True, slots=True)
class Name(Formula):
    """A named quantity as written: ``W1``, ``h_(t−1)``, ``C_out``, ``δ``."""

    text: str

    def _names(self) -> Iterable[str]:
        yield self.text


@dataclass(frozen=True, slots=True)
class Number(Formula):
    """A number written in a formula: ``4``, ``2``; a text for a decimal or a fraction (``"0.2"``)."""

    value: int | str


@dataclass(frozen=True, slots=True)
class Op(Formula):
    """An operator of :data:`OPERATORS` applied to its operands (one for prefix and postfix ones)."""

    symbol: str
    args: tuple[Formula, ...]

    def _map(self, f: Callable[[Formula], Formula]) -> Formula:
        return Op(self.symbol, tuple(f(a) for a in self.args))

    def _names(self) -> Iterable[str]:
        for arg in self.args:
            yield from arg._names()


@dataclass(frozen=True, slots=True)
class Call(Formula):
    """A function applied to arguments: ``relu(k)``, ``σ(a)``, ``softmax(s)``, an expectation ``E_x[…]``."""

    function: str
    args: tuple[Formula, ...]
    brackets: str = "()"

    def _map(self, f: Callable[[Formula], Formula]) -> Formula:
        return Call(self.function, tuple(f(a) for a in self.args), self.brackets)

    def _names(self) -> Iterable[str]:
        for arg in self.args:
            yield from arg._names()


@dataclass(frozen=True, slots=True)
class Grad(Formula):
    """The derivative ``∂of/∂wrt`` (a compound ``wrt`` is bracketed: ``∂L/∂(W·x)``)."""

    of: Formula
    wrt: Formula

    def _map(self, f: Callable[[Formula], Formula]) -> Formula:
        return Grad(f(self.of), f(self.wrt))

    def _names(self) -> Iterable[str]:
        yield from self.of._names()
        yield from self.wrt._names()


@dataclass(frozen=True, slots=True)
class Paren(Formula):
    """Brackets a notation keeps although precedence does not need them: ``(−1)·s``, ``x·(y)``."""

    body: Formula

    def _map(self, f: Callable[[Formula], Formula]) -> Formula:
        return Paren(f(self.body))

    def _names(self) -> Iterable[str]:
        yield from self.body._names()


@dataclass(frozen=True, slots=True)
class Floor(Formula):
    """The floor ``⌊body⌋``."""

    body: Formula

    def _map(self, f: Callable[[Formula], Formula]) -> Formula:
        return Floor(f(self.body))

    def _names(self) -> Iterable[str]:
        yield from self.body._names()


@dataclass(frozen=True, slots=True)
class Sum(Formula):
    """A sum over an index: ``Σ_l body``; with the index ``""``, a sum over all terms: ``Σ body``."""

    index: str
    body: Formula

    def _map(self, f: Callable[[Formula], Formula]) -> Formula:
        return Sum(self.index, f(self.body))

    def _names(self) -> Iterable[str]:
        yield from self.body._names()


Term: TypeAlias = Formula | int | str


def lift(term: Term) -> Formula:
    """A formula from a formula, an int (a Number) or a str (a Name)."""
    if isinstance(term, Formula):
        return term
    if isinstance(term, bool):
        raise TypeError("a truth value is not a formula")
    return Number(term) if isinstance(term, int) else Name(term)


def op(symbol: str, *args: Term) -> Formula:
    """``symbol`` of :data:`OPERATORS` applied to ``args``; binary operators fold left over more."""
    if symbol not in OPERATORS:
        raise KeyError(f"unknown operator {symbol!r}")
    items = [lift(a) for a in args]
    if OPERATORS[symbol].position != "infix":
        (only,) = items
        return Op(symbol, (only,))
    tree = items[0]
    for item in items[1:]:
        tree = Op(symbol, (tree, item))
    return tree


def call(function: str, *args: Term, brackets: str = "()") -> Formula:
    """``function(args…)`` (``brackets="[]"``: ``E_x[…]``)."""
    return Call(function, tuple(lift(a) for a in args), brackets)


def grad(of: Term, wrt: Term) -> Formula:
    """``∂of/∂wrt``."""
    return Grad(lift(of), lift(wrt))


def equation(left: Term, *right: Term) -> Formula:
    """``left = right = …`` (a chain of equal forms)."""
    return op("=", left, *right)


def precedence(formula: Formula) -> int:
    """How tightly the formula's top binds (ATOM for names, numbers, calls and brackets)."""
    return OPERATORS[formula.symbol].precedence if isinstance(formula, Op) else ATOM


class Printer:
    """Prints a formula by dispatching on its node class (``_print_<Class>``); this base prints the
    plain Unicode form. Subclasses for other targets override the atoms: :meth:`name`,
    :meth:`number`, :meth:`symbol` and :meth:`function`, and :meth:`finish`."""

    def doprint(self, formula: Formula) -> str:
        """The formula printed for this printer's target."""
        return self.finish(self._print(formula))

    def _print(self, formula: Formula) -> str:
        methods: dict[type, Callable[..., str]] = {
            Name: self._print_Name, Number: self._print_Number, Op: self._print_Op, Call: self._print_Call,
            Grad: self._print_Grad, Paren: self._print_Paren, Floor: self._print_Floor, Sum: self._print_Sum,
        }
        return methods[type(formula)](formula)

    def finish(self, printed: str) -> str:
        """The last touch on a whole printed formula."""
        return printed

    def name(self, text: str) -> str:
        """A quantity's name."""
        return text

    def number(self, value: int | str) -> str:
        """A number (an int keeps its digits; grouping is the target's choice)."""
        return str(value)

    def symbol(self, text: str) -> str:
        """An operator or bracket as written in Unicode (`` + ``, ``·``, ``(``, ``∂``)."""
        return text

    def function(self, name: str) -> str:
        """A function's name (``relu``, ``σ``, ``ln``)."""
        return name

    def _operand(self, formula: Formula, parent: int, tighter: bool = False) -> str:
        """An operand, bracketed when it binds looser than its operator (or as loose, where ``tighter``)."""
        mine = precedence(formula)
        printed = self._print(formula)
        if mine < parent or (tighter and mine == parent):
            return self.symbol("(") + printed + self.symbol(")")
        return printed

    def _print_Name(self, formula: Name) -> str:
        return self.name(formula.text)

    def _print_Number(self, formula: Number) -> str:
        return self.number(formula.value)

    def _print_Op(self, formula: Op) -> str:
        operator = OPERATORS[formula.symbol]
        if operator.position == "prefix":
            return self.symbol(operator.text) + self._operand(formula.args[0], operator.precedence)
        if operator.position == "postfix":
            return self._operand(formula.args[0], operator.precedence, tighter=True) + self.symbol(operator.text)
        # a left-folded chain (a + b + c + … of 900 products) is printed in a loop, not a recursion as deep
        chain = [formula]
        while formula.symbol != "^" and isinstance(inner := chain[-1].args[0], Op) and inner.symbol == formula.symbol:
            chain.append(inner)
        non_associative = formula.symbol in ("−", "/", "divide", "^", "=")
        printed = self._operand(chain[-1].args[0], operator.precedence, tighter=formula.symbol == "^")
        for link in reversed(chain):
            printed += self.symbol(operator.text) + self._operand(link.args[1], operator.precedence,
                                                                  tighter=non_associative)
        return printed

    def _print_Call(self, formula: Call) -> str:
        args = self.symbol(", ").join(self._print(arg) for arg in formula.args)
        opening, closing = formula.brackets[0], formula.brackets[1]
        head = self._print(Name(formula.function)) if opening == "[" else self.function(formula.function)  # X[i, j]
        return head + self.symbol(opening) + args + self.symbol(closing)

    def _print_Grad(self, formula: Grad) -> str:
        wrt = self._print(formula.wrt)
        if not isinstance(formula.wrt, Name):
            wrt = self.symbol("(") + wrt + self.symbol(")")
        return self.symbol("∂") + self._operand(formula.of, ATOM) + self.symbol("/∂") + wrt

    def _print_Paren(self, formula: Paren) -> str:
        return self.symbol("(") + self._print(formula.body) + self.symbol(")")

    def _print_Floor(self, formula: Floor) -> str:
        return self.symbol("⌊") + self._print(formula.body) + self.symbol("⌋")

    def _print_Sum(self, formula: Sum) -> str:
        index = self.symbol("_") + self.name(formula.index) if formula.index else ""
        return self.symbol("Σ") + index + self.symbol(" ") + self._operand(formula.body, 2)


class StandardPrinter(Printer):
    """A printer for a reader: names and functions as the mathematics writes them (``lam`` → λ,
    ``norm2(x)`` → ‖x‖², ``bce_logits(s, y)`` → BCE(σ(s), y), ``nll`` → NLL); the base printer keeps
    them as the problem spells them (error messages, keys)."""

    def name(self, text: str) -> str:
        """A quantity's name, Greek where it spells a Greek letter."""
        return shown_name(text)

    def function(self, name: str) -> str:
        """A function's name as the courses write it."""
        return shown_function(name)

    def _print_Call(self, formula: Call) -> str:
        if formula.function == "norm2" and len(formula.args) == 1:
            return self.symbol("‖") + self._print(formula.args[0]) + self.symbol("‖") + self.symbol("²")
        if formula.function == "bce_logits" and formula.args:
            first, *rest = formula.args
            return self._print_Call(Call("bce", (Call("sigmoid", (first,)), *rest), formula.brackets))
        return super()._print_Call(formula)

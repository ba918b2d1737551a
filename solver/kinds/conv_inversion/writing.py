"""Linear (and product) expressions written the way a student does, as :mod:`solver.formula` trees.

sympy orders the terms of a sum its own way (``b + 3*e + 2*f``); a solution sheet writes them in the
problem's order, the constant on the right: ``3e + 2f + b = 6``. These functions build unevaluated
formula trees in that order from the exact sympy expressions, so a step carries data (the trees, and
the sympy equation in its record) and the renderers print them. ``str(formula)`` is the plain form,
used where a step field or a message is text.
"""

from __future__ import annotations

from typing import Any

from solver.formula import Call, Formula, Name, Number, Op, Paren, equation, op
from solver.kinds.conv_inversion.spec import NAME

Order = dict[Any, int]  # unknown (a sympy Symbol) → its rank in the problem's order

_FUNCTIONS = {"log": "ln"}  # sympy's name → the name written


def value(number: Any) -> Formula:
    """An exact value (a sympy number, symbol or expression) as a formula: ``−1/2``, ``X[0,3]``, ``2·√(2)``."""
    import sympy as sp

    if number.is_Integer:
        return Number(int(number)) if number >= 0 else Op("neg", (Number(-int(number)),))
    if number.is_Rational:
        return Op("/", (value(sp.Integer(number.p)), Number(int(number.q))))
    if number.is_Symbol:
        return Name(number.name)
    if number == sp.E:
        return Name("e")
    if number == sp.pi:
        return Name("π")
    if number.is_Add:
        terms = [value(term) for term in number.as_ordered_terms()]
        return total(terms)
    if number.is_Mul:
        numerator, denominator = _fraction(number)
        if denominator != 1:
            bottom = value(denominator)
            return Op("/", (value(numerator), Paren(bottom) if isinstance(bottom, Op) else bottom))
        if number.could_extract_minus_sign():
            return leading_minus(value(-number))
        return op("·", *(value(factor) for factor in number.as_ordered_factors()))
    if number.is_Pow:
        base, exponent = number.as_base_exp()
        if exponent == sp.Rational(1, 2):
            return Call("√", (value(base),))
        if exponent.is_negative:
            return Op("/", (Number(1), value(base ** -exponent)))
        return Op("^", (value(base), value(exponent)))
    if isinstance(number, sp.Function):
        name = type(number).__name__
        return Call(_FUNCTIONS.get(name, name), tuple(value(arg) for arg in number.args))
    return Name(sp.sstr(number))


def _fraction(product: Any) -> tuple[Any, Any]:
    """A product as (numerator, denominator) as sympy writes it: only powers with a negative exponent
    (and a rational's denominator) go below the line, ``exp(−1)`` stays a factor."""
    import sympy as sp

    top, bottom = [], []
    for item in sp.Mul.make_args(product):
        if item.is_Rational and item.q != 1:
            top.append(sp.Integer(item.p))
            bottom.append(sp.Integer(item.q))
        elif item.is_Pow and item.exp.is_Rational and item.exp.is_negative:
            bottom.append(item.base ** -item.exp)
        else:
            top.append(item)
    return sp.Mul(*top), sp.Mul(*bottom)


def factor(formula: Formula) -> Formula:
    """A factor of a product, bracketed when it is negative, a fraction or has spaces: ``f·(−1)``."""
    shown = str(formula)
    return Paren(formula) if shown.startswith("−") or "/" in shown or " " in shown else formula


def leading_minus(formula: Formula) -> Formula:
    """``formula`` written with a minus in front, as in ``−3e``, ``−e·X[0,0]``, ``−1/2``."""
    if isinstance(formula, Op) and formula.symbol in ("·", "juxtapose", "/"):
        return Op(formula.symbol, (leading_minus(formula.args[0]), *formula.args[1:]))
    return Op("neg", (formula,))


def total(terms: list[Formula]) -> Formula:
    """The terms added as written (``e·1 + f·(−1) − 1``): a term with a leading minus is subtracted;
    ``0`` for none."""
    if not terms:
        return Number(0)
    written = terms[0]
    for term in terms[1:]:
        positive = without_minus(term)
        written = Op("+", (written, term)) if positive is None else Op("−", (written, positive))
    return written


def without_minus(formula: Formula) -> Formula | None:
    """``formula`` without the minus it starts with (``−3/4`` → ``3/4``), or None if it has none."""
    if isinstance(formula, Op) and formula.symbol == "neg":
        return formula.args[0]
    if isinstance(formula, Op) and formula.symbol in ("·", "juxtapose", "/"):
        left = without_minus(formula.args[0])
        return None if left is None else Op(formula.symbol, (left, *formula.args[1:]))
    return None


def _terms(expr: Any, order: Order) -> list[tuple[Any, list[Any]]]:
    """The terms of a polynomial in the unknowns as (coefficient, factors), in the problem's order; the
    constant goes last, or first when it spares a leading minus (``3 − X[0,3]``)."""
    import sympy as sp

    def rank(symbol: Any) -> int:
        return order.get(symbol, len(order))

    constant, terms = sp.S.Zero, []
    for term in sp.Add.make_args(sp.expand(expr)):
        coefficient, rest = term.as_coeff_Mul()
        if rest == 1:
            constant += coefficient
        else:
            factors = sorted(sp.Mul.make_args(rest), key=lambda f: min((rank(s) for s in f.free_symbols), default=0))
            terms.append(([min((rank(s) for s in f.free_symbols), default=0) for f in factors], coefficient, factors))
    terms.sort(key=lambda t: t[0])
    ordered = [(c, f) for _, c, f in terms]
    if constant != 0 or not terms:
        ordered = [(constant, [])] + ordered if ordered and ordered[0][0] < 0 < constant else ordered + [(constant, [])]
    return ordered


def polynomial(expr: Any, order: Order) -> Formula:
    """A polynomial in the unknowns written by hand: ``e·X[0,0] + 3f + b − 1``, terms in the problem's order."""
    written: Formula | None = None
    for coefficient, factors in _terms(expr, order):
        size = abs(coefficient)
        if not factors:
            piece = value(size)
        else:
            product = op("·", *(value(f) for f in factors))
            if size == 1:
                piece = product
            elif size.is_Integer:
                plain = isinstance(product, Name) and NAME.fullmatch(product.text)
                piece = Op("juxtapose" if plain else "·", (Number(int(size)), product))
            else:
                piece = Op("·", (Paren(value(size)), product))
        if written is None:
            written = leading_minus(piece) if coefficient < 0 else piece
        else:
            written = Op("−" if coefficient < 0 else "+", (written, piece))
    return Number(0) if written is None else written


def polynomial_name(expr: Any, order: Order) -> str:
    """The polynomial in ASCII, for an answer's name: ``e*X[0,0] + 3*f + b - 1``."""
    pieces: list[str] = []
    for coefficient, factors in _terms(expr, order):
        product = "*".join(str(f) for f in factors)
        size = abs(coefficient)
        if not product:
            piece = str(size)
        elif size == 1:
            piece = product
        elif size.is_Integer:
            piece = f"{size}*{product}"
        else:
            piece = f"({size})*{product}"
        sign = "-" if coefficient < 0 else "+"
        pieces.append((f"-{piece}" if sign == "-" else piece) if not pieces else f" {sign} {piece}")
    return "".join(pieces)


def sides(expr: Any) -> tuple[Any, Any]:
    """``expr = 0`` as (unknown part, constant on the right): ``3e + 2f + b − 6 = 0`` → (3e + 2f + b, 6)."""
    import sympy as sp

    expr = sp.expand(expr)
    constant = sum((t for t in sp.Add.make_args(expr) if t.is_number), sp.S.Zero)
    return expr - constant, -constant


def linear_equation(expr: Any, order: Order) -> Formula:
    """``expr = 0`` written as ``3e + 2f + b = 6``: unknown terms in the problem's order, the constant right."""
    left, right = sides(expr)
    return equation(polynomial(left, order), value(right))


def assignment(symbol: Any, formula: Formula) -> Formula:
    """``symbol = formula``."""
    return equation(Name(str(symbol)), formula)

"""Equations that assign a name more than once, as Python code does (``c = a + b``, then ``c = c + c + 1``
or ``c += 1``): every assignment is a new value, a new node of the graph (micrograd's value graph).

The values of a name assigned n times are written ``c1, c2, …`` and, the last, plain ``c``:
the plain name means what it means at the end of the program (its answer, ``wrt: [c]``, ``loss: c``),
and each earlier value has a name of its own for the trace, the drawings, the answers and ``wrt``.
Numbered (c1 is printed c₁, as W1 and h2 are), not primed: the solution sheets write derivatives with a
prime (σ′, ReLU′), and the course papers use h′ for a different variable, so c′ would read as a
derivative or as an unrelated name.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Sequence

from solver.expressions import plain_name
from solver.i18n import ntr

AUGMENTED: dict[str, type[ast.operator]] = {"**": ast.Pow, "+": ast.Add, "-": ast.Sub, "*": ast.Mult,
                                            "/": ast.Div, "@": ast.MatMult}


def split_left(left: str) -> tuple[str, type[ast.operator] | None]:
    """The assigned name and, for an augmented assignment (``c += …``), its operator: ``"c +"`` → (c, Add)."""
    left = left.strip()
    for symbol, operator in AUGMENTED.items():  # "**" before "*"
        if left.endswith(symbol) and plain_name(left[: -len(symbol)].strip()):
            return left[: -len(symbol)].strip(), operator
    return left, None


def augmented(name: str, operator: type[ast.operator], body: ast.expr) -> ast.Expression:
    """The tree of ``name op= body``: ``name op (body)``, the right side computed first, as Python does."""
    return ast.Expression(body=ast.BinOp(left=ast.Name(id=name, ctx=ast.Load()), op=operator(), right=body))


def assigned_names(equations: Sequence[object]) -> list[str | None]:
    """Each equation's assigned name, read from its left side only (None where there is none to read)."""
    out: list[str | None] = []
    for text in equations:
        name = split_left(text.partition("=")[0])[0] if isinstance(text, str) and "=" in text else ""
        out.append(name if plain_name(name) else None)
    return out


def version(name: str, number: int) -> str:
    """The name of the ``number``-th value of ``name``, a subscript as in W1 or h2: ``c1``; ``W1_2`` for a
    name ending in a digit; ``h_(out,1)`` for a name that has a subscript already."""
    if "_" in name:
        base, _, sub = name.partition("_")
        return f"{base}_({sub},{number})"
    return f"{name}_{number}" if name[-1].isdigit() else f"{name}{number}"


def look_alikes(name: str) -> set[str]:
    """The names printed like a versioned name on the sheet: ``c1`` and ``c_1`` are both c₁."""
    if "(" in name:
        return {name}
    letters = name.rstrip("0123456789")
    return {name, f"{letters}_{name[len(letters):]}"} if "_" not in name else {name, name.replace("_", "")}


def version_names(equations: Sequence[object], taken: set[str]) -> tuple[list[str | None], str | None]:
    """The name each equation's value is written by (see the module's docstring), and an error message
    when a version's name is one the problem uses itself (``taken``: givens, symbols, equations)."""
    names = assigned_names(equations)
    totals = Counter(name for name in names if name is not None)
    used = {alike: name for name in sorted(taken | {n for n in names if n is not None}) for alike in look_alikes(name)}
    seen: Counter[str] = Counter()
    out: list[str | None] = []
    for name in names:
        if name is None or totals[name] == 1:
            out.append(name)
            continue
        seen[name] += 1
        if seen[name] == totals[name]:
            out.append(name)
            continue
        shown = version(name, seen[name])
        clash = sorted(used[alike] for alike in look_alikes(shown) if alike in used)
        if clash:
            earlier = ", ".join(version(name, k) for k in range(1, totals[name]))
            # Translators: {used} is a name the problem uses, {name} one assigned {n} times; {earlier} lists names
            return out, ntr("the problem uses '{used}', and {name} is assigned {n} time, so its earlier values are "
                            "named {earlier} (the last keeps the name {name}): rename one of them",
                            "the problem uses '{used}', and {name} is assigned {n} times, so its earlier values are "
                            "named {earlier} (the last keeps the name {name}): rename one of them",
                            totals[name], used=clash[0], name=name, earlier=earlier)

        out.append(shown)
    return out, None

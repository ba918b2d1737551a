"""A hypothesis strategy of random valid ``kind: graph`` problems (``graph_specs``), built with
``SpecBuilder``, which tracks every shape so that each drawn problem fits; used by
``test_graph_oracle.py`` and, with the MLPs and convolutions of ``differential_strategies``, by
``test_differential.py``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import strategies as st

from .oracle import flatten

FANCY_SCALARS = ["ln(2)", "e^-1", "sqrt(2)", "exp(-1)", "pi/4", "2*ln(sqrt(2))", "sigmoid(ln(2))", "1/3", "-2/3"]


@dataclass
class Var:
    name: str
    shape: tuple[int, int]
    tag: str = ""  # "prob": entries in (0, 1) (sigmoid); "dist": a softmax output

    @property
    def is_vector(self) -> bool:
        return (self.shape[0] == 1) != (self.shape[1] == 1)

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]


class SpecBuilder:
    """Builds a random valid graph spec step by step, tracking every shape so that it always fits."""

    def __init__(self, draw):
        self.draw = draw
        self.given: dict[str, object] = {}
        self.floats: list[str] = []  # float givens (every one goes into wrt)
        self.matrices: list[str] = []  # weight matrices (regularizer candidates)
        self.equations: list[str] = []
        self.variables: list[Var] = []
        self.counts: Counter[str] = Counter()
        self.classes: dict[str, int] = {}  # class-index givens: how many classes

    def fresh(self, prefix: str) -> str:
        self.counts[prefix] += 1
        return f"{prefix}{self.counts[prefix]}"

    def number(self, nonzero: bool = False, fancy: bool = False) -> object:
        draw = self.draw
        if fancy and draw(st.integers(0, 5)) == 0:
            return draw(st.sampled_from(FANCY_SCALARS))
        numerator = draw(st.integers(-4, 4).filter(lambda n: n != 0) if nonzero else st.integers(-4, 4))
        value = Fraction(numerator, draw(st.sampled_from([1, 1, 2, 3, 4, 5])))
        style = draw(st.sampled_from(["fraction", "fraction", "native", "decimal"]))
        if value.denominator == 1 and style != "fraction":
            return int(value)  # a YAML integer
        if style == "decimal" and value.denominator in (2, 4, 5):
            return float(value) if draw(st.booleans()) else str(float(value))  # 0.75 or "0.75": exact 3/4
        return str(value)  # "-3/4"

    def tensor_given(self, prefix: str, shape: tuple[int, int], nonzero: bool = False, binary: bool = False,
                     fancy: bool = False, constant: bool = False) -> Var:
        """A fresh given; ``constant`` ones (leaky_relu slopes, 0/1 bce targets) stay out of ``wrt``:
        dlsolve treats a slope (as torch's float ``negative_slope``) and a bce label as constants and
        refuses a gradient w.r.t. them."""
        rows, cols = shape
        if binary:
            entries = [[self.draw(st.integers(0, 1)) for _ in range(cols)] for _ in range(rows)]
        else:
            entries = [[self.number(nonzero, fancy and shape == (1, 1)) for _ in range(cols)] for _ in range(rows)]
        value: object = entries[0][0] if shape == (1, 1) else [r[0] for r in entries] if cols == 1 else entries
        name = self.fresh(prefix)
        self.given[name] = value
        if constant:
            return Var(name, shape)
        self.floats.append(name)
        if rows > 1 and cols > 1:
            self.matrices.append(name)
        return Var(name, shape)

    def label(self, classes: int) -> str:
        name = self.fresh("c")
        self.given[name] = self.draw(st.integers(0, classes - 1))
        self.classes[name] = classes
        return name

    def redraw(self, name: str) -> object:
        """A new value for a given, of the same shape and kind (an observation in update.data)."""
        old = self.given[name]
        if name in self.classes:
            return self.draw(st.integers(0, self.classes[name] - 1))
        binary = name.startswith("y") and all(v in (0, 1) for v in flatten(old))

        def entry() -> object:
            return self.draw(st.integers(0, 1)) if binary else self.number()

        if not isinstance(old, list):
            return entry()
        if isinstance(old[0], list):
            return [[entry() for _ in row] for row in old]
        return [entry() for _ in old]

    def equation(self, expression: str, shape: tuple[int, int], tag: str = "", name: str | None = None) -> Var:
        var = Var(name or self.fresh("z"), shape, tag)
        self.equations.append(f"{var.name} = {expression}")
        self.variables.append(var)
        return var

    # one forward step from ``cur``: returns the new variable, or None if the step does not apply

    def step(self, cur: Var) -> Var | None:
        draw = self.draw
        kind = draw(st.sampled_from(["linear", "linear", "activation", "activation", "elementwise", "power",
                                     "transpose", "combine", "softmax", "index", "outer", "scale", "repeat"]))
        rows, cols = cur.shape
        if kind == "linear":
            m = draw(st.integers(1, 4))
            bias = draw(st.booleans())
            if cols == 1 or rows > 1:  # W @ cur (a column, or a matrix whose rows W mixes)
                w = self.tensor_given("W", (m, rows))
                shape = (m, cols)
                expression = f"{w.name} @ {cur.name}"
            else:  # a row vector: cur @ W
                w = self.tensor_given("W", (cols, m))
                shape = (1, m)
                expression = f"{cur.name} @ {w.name}"
            if bias:
                expression += f" + {self.tensor_given('b', shape).name}"
            return self.equation(expression, shape)
        if kind == "activation":
            act = draw(st.sampled_from(["relu", "leaky_relu", "sigmoid", "tanh", "exp", "logsig", "log1p2"]))
            if act == "leaky_relu":
                slope = self.tensor_given("a", (1, 1), constant=True).name if draw(st.booleans()) else draw(st.sampled_from(["0.1", "0.01", "1/5"]))
                return self.equation(f"leaky_relu({cur.name}, {slope})", cur.shape)
            if act == "logsig":
                return self.equation(f"log(sigmoid({cur.name}))", cur.shape)
            if act == "log1p2":
                return self.equation(f"log({cur.name} ** 2 + 1)", cur.shape)
            return self.equation(f"{act}({cur.name})", cur.shape, "prob" if act == "sigmoid" else "")
        if kind == "elementwise":
            op = draw(st.sampled_from(["*", "+", "-", "/", "max"]))
            shape = draw(st.sampled_from([cur.shape, (1, 1)]))
            if draw(st.integers(0, 3)) == 0:
                other = draw(st.sampled_from(["2", "0.5", "(1/3)", "3"]))  # a literal (broadcast)
            else:
                other = self.tensor_given("g", shape, nonzero=op == "/", fancy=True).name
            if op == "max":
                return self.equation(f"max({cur.name}, {other})", cur.shape)
            if op == "/" or draw(st.booleans()):
                return self.equation(f"{cur.name} {op} {other}", cur.shape)
            return self.equation(f"{other} {op} {cur.name}", cur.shape)
        if kind == "power":
            return self.equation(draw(st.sampled_from([f"{cur.name} ** 2", f"{cur.name} ** 3", f"0.5 * {cur.name} ** 2"])),
                                 cur.shape)
        if kind == "transpose":
            return self.equation(f"{cur.name}.T", (cols, rows))
        if kind == "combine":
            same = [v for v in self.variables[:-1] + [Var(n, self._given_shape(n)) for n in self.floats]
                    if v.shape == cur.shape and v.name != cur.name]
            if not same:
                return None
            other = draw(st.sampled_from(same))
            op = draw(st.sampled_from(["+", "-", "*"]))
            return self.equation(f"{cur.name} {op} {other.name}", cur.shape)
        if kind == "softmax" and cur.is_vector:
            return self.equation(f"softmax({cur.name})", cur.shape, "dist")
        if kind == "index" and cur.size > 1:
            if cur.is_vector:
                return self.equation(f"{cur.name}[{draw(st.integers(0, cur.size - 1))}]", (1, 1))
            return self.equation(f"{cur.name}[{draw(st.integers(0, rows - 1))}, {draw(st.integers(0, cols - 1))}]", (1, 1))
        if kind == "outer" and cols == 1:
            u = self.tensor_given("u", (draw(st.integers(1, 3)), 1))
            return self.equation(f"{cur.name} @ {u.name}.T", (rows, u.shape[0]))
        if kind == "repeat" and rows > 1 and cols > 1:  # a row added to every row, or a column to every column
            shape = draw(st.sampled_from([(1, cols), (rows, 1)]))
            op = draw(st.sampled_from(["+", "*", "-"]))
            return self.equation(f"{cur.name} {op} {self.tensor_given('r', shape).name}", cur.shape)
        if kind == "scale":
            s = self.tensor_given("s", (1, 1), fancy=True)
            return self.equation(f"{s.name} * {cur.name}", cur.shape)
        return None

    def _given_shape(self, name: str) -> tuple[int, int]:
        value = self.given[name]
        if not isinstance(value, list):
            return (1, 1)
        return (len(value), len(value[0])) if isinstance(value[0], list) else (len(value), 1)

    def loss_term(self, cur: Var) -> str:
        """A scalar built from ``cur`` by one of the losses or reductions."""
        draw = self.draw
        n = cur.size
        if cur.tag == "dist" and draw(st.booleans()):
            return f"nll({cur.name}, {self.label(n)})"
        if cur.tag == "prob" and draw(st.booleans()):
            return f"bce({cur.name}, {self.tensor_given('y', cur.shape, binary=True, constant=True).name})"
        options = ["mse", "bce_sigmoid", "bce_logits", "norm2", "l2", "sum", "mean", "max", "dot"]
        if cur.is_vector:
            options += ["nll_softmax", "cross_entropy", "log_softmax"]
        if cur.shape != (1, 1) and not cur.is_vector:
            options += ["entry"]
        if cur.shape == (1, 1):
            options += ["self", "square"]
        choice = draw(st.sampled_from(options))
        if choice == "mse":
            return f"mse({cur.name}, {self.tensor_given('y', cur.shape).name})"
        if choice == "bce_sigmoid":
            return f"bce(sigmoid({cur.name}), {self.tensor_given('y', cur.shape, binary=True, constant=True).name})"
        if choice == "bce_logits":
            return f"bce_logits({cur.name}, {self.tensor_given('y', cur.shape, binary=True, constant=True).name})"
        if choice in ("norm2", "l2", "sum", "mean", "max"):
            return f"{choice}({cur.name})"
        if choice == "dot":
            return f"dot({cur.name}, {self.tensor_given('u', cur.shape).name})"
        if choice == "nll_softmax":
            return f"nll(softmax({cur.name}), {self.label(n)})"
        if choice == "cross_entropy":
            return f"cross_entropy({cur.name}, {self.label(n)})"
        if choice == "log_softmax":
            # a literal index: dlsolve reads p[i] with a whole number i only (not a given's name)
            return f"-log_softmax({cur.name})[{draw(st.integers(0, n - 1))}]"
        if choice == "entry":
            return f"{cur.name}[{draw(st.integers(0, cur.shape[0] - 1))}, {draw(st.integers(0, cur.shape[1] - 1))}]"
        if choice == "square":
            return f"{cur.name} ** 2"
        return cur.name


@st.composite
def graph_specs(draw) -> dict:
    """A random valid ``kind: graph`` spec: 2–6 equations, sizes 1–4, exact rational givens."""
    b = SpecBuilder(draw)
    n = draw(st.integers(1, 4))
    cur = b.tensor_given("x", (n, 1)) if draw(st.integers(0, 5)) else b.tensor_given("x", (1, n))
    steps = draw(st.integers(1, 4))
    while len(b.equations) < steps:
        new = b.step(cur)
        if new is not None:
            cur = new
    loss = b.loss_term(cur)
    # a second head / extra term: a loss of an earlier vector, or an L2 penalty on a weight matrix
    extra = draw(st.sampled_from(["", "", "head", "penalty"]))
    earlier = [v for v in b.variables[:-1] if v.shape != (1, 1)]
    if extra == "head" and earlier:
        loss += " + " + b.loss_term(draw(st.sampled_from(earlier)))
    elif extra == "penalty" and b.matrices:
        lam = b.tensor_given("lam", (1, 1))
        loss += f" + {lam.name} * norm2({draw(st.sampled_from(b.matrices))})"
    loss_name = draw(st.sampled_from(["L", "L", "f", "J"]))
    b.equation(loss, (1, 1), name=loss_name)
    spec: dict = {"kind": "graph", "title": "Random graph (oracle test)", "given": b.given, "equations": b.equations}
    if len(b.equations) < 6 and draw(st.integers(0, 4)) == 0:  # an equation after the loss: needs `loss:`
        b.equation(f"2 * {loss_name}", (1, 1), name="after")
        spec["loss"] = loss_name
    elif draw(st.booleans()):
        spec["loss"] = loss_name
    intermediates = [v.name for v in b.variables if v.name not in ("after", loss_name)]
    if draw(st.integers(0, 5)) == 0:
        pass  # no wrt: every given the loss depends on (all of b.floats here)
    else:
        asked = draw(st.lists(st.sampled_from(intermediates), unique=True, max_size=2)) if intermediates else []
        spec["wrt"] = list(b.floats) + asked
    if draw(st.integers(0, 5)) == 0:
        spec["layout"] = "jacobian"
    if draw(st.integers(0, 3)) == 0:
        spec["update"] = {"lr": draw(st.sampled_from([1, "1/2", "0.1", 2, "1/10"]))}
        if draw(st.integers(0, 3)):  # else: every given among the gradients
            spec["update"]["params"] = draw(st.lists(st.sampled_from(b.floats), min_size=1, max_size=3, unique=True))
        replaced = [name for name in b.given if name[0] in "xyc" and name[1:].isdigit()]
        params = [name for name in b.floats if name not in replaced]  # a parameter is not also data
        if params and draw(st.integers(0, 3)) == 0:  # observations replacing the input (and the targets, labels)
            spec["update"]["params"] = draw(st.lists(st.sampled_from(params), min_size=1, max_size=3, unique=True))
            spec["update"]["data"] = [{name: b.redraw(name) for name in replaced} for _ in range(draw(st.integers(1, 3)))]
            mode = draw(st.sampled_from([None, "sequential", "batch"]))
            if mode:
                spec["update"]["mode"] = mode
    return spec

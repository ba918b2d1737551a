"""Pools written in PyTorch's spelling (issue 15): ``max_pool2d(X, kernel_size=2, stride=2)``,
``avg_pool1d(x, kernel_size=3)`` (the stride defaults to the kernel size, as in PyTorch), positional
still accepted, checked against torch float64 autograd with the same keywords; and the bad forms
(an unknown keyword, a setting given twice, a missing kernel size, a value that is not a whole number).

Keyword settings of every op are read by one mechanism (``solver.engine.settings``): the conv tests
(test_conv_ops.py) cover the same path for conv1d/conv2d.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from helpers import examples, run_cli
from helpers.bad_specs import Bad, case, check_bad_spec
from hypothesis import given, settings
from hypothesis import strategies as st

torch.set_default_dtype(torch.float64)

# small integers make ties frequent (their convention is PyTorch's: the first largest); quarters the rest
numbers = st.integers(-2, 2).map(Fraction) | st.fractions(min_value=-3, max_value=3, max_denominator=4)
TORCH: dict[tuple[str, int], Callable[..., torch.Tensor]] = {("max", 1): F.max_pool1d, ("max", 2): F.max_pool2d, ("avg", 1): F.avg_pool1d, ("avg", 2): F.avg_pool2d}


def solve(tmp_path: Path, x: list, equations: list[str]) -> dict:
    """Run a graph problem through the CLI; its JSON answers by name."""
    spec = tmp_path / "problem.yaml"
    spec.write_text(json.dumps({"kind": "graph", "title": "pool", "given": {"x": x}, "equations": equations,
                                "wrt": ["x"]}))  # JSON is YAML
    result = run_cli("run", spec, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["answers"]


def flat(value: float | list) -> list[float]:
    """A JSON value (a number, a flat list for a column, or rows) in reading order."""
    if not isinstance(value, list):
        return [value]
    return [v for row in value for v in row] if isinstance(value[0], list) else value


def close(value: float | list, tensor: torch.Tensor | None) -> None:
    assert tensor is not None
    assert flat(value) == pytest.approx(tensor.detach().reshape(-1).tolist(), rel=1e-9, abs=1e-12)


def spelled(name: str, k: int, s: int | None, form: str) -> str:
    """The call as written: positionally, by keyword (in either order), or mixed; ``s`` None: left out."""
    stride = [] if s is None else [s]
    if form == "positional":
        return f"{name}(x, {', '.join(map(str, [k, *stride]))})"
    if form == "mixed":
        return f"{name}(x, {k}" + (f", stride={s})" if s is not None else ")")
    keywords = [f"kernel_size={k}"] + [f"stride={s}"] * (s is not None)
    return f"{name}(x, {', '.join(keywords if form == 'keywords' else keywords[::-1])})"


@st.composite
def pools(draw: st.DrawFn) -> tuple:
    """A random pool that fits its input, the stride given or left out, and how the call is spelled."""
    dims, kind = draw(st.sampled_from([1, 2])), draw(st.sampled_from(["max", "avg"]))
    k, s = draw(st.integers(1, 3)), draw(st.none() | st.integers(1, 3))
    rows = 1 if dims == 1 else draw(st.integers(k, 5))
    cols = draw(st.integers(k, 6))
    x = [[draw(numbers) for _ in range(cols)] for _ in range(rows)]
    return dims, kind, k, s, draw(st.sampled_from(["positional", "keywords", "reversed", "mixed"])), x


@settings(max_examples=examples(40), deadline=None)
@given(pools())
def test_keywords_match_torch(tmp_path_factory: pytest.TempPathFactory, pool: tuple) -> None:
    dims, kind, k, s, form, x = pool
    torch_x = torch.tensor([[float(v) for v in row] for row in x], requires_grad=True)
    options = {"kernel_size": k} if s is None else {"kernel_size": k, "stride": s}  # torch's own default stride
    out = TORCH[kind, dims](torch_x[None] if dims == 1 else torch_x[None, None], **options)
    loss = (out**2).sum() / 2 + out.sum()  # every output entry gets its own δ = out + 1
    loss.backward()
    call = spelled(f"{kind}_pool{dims}d", k, s, form)
    given_x = [[f"{v.numerator}/{v.denominator}" for v in row] for row in x]
    answers = solve(tmp_path_factory.mktemp("pool"), given_x, [f"P = {call}", "L = norm2(P) / 2 + sum(P)"])
    close(answers["P"]["value"], out)
    close(answers["dL/dx"]["value"], torch_x.grad)


def test_the_issue_spelling_against_torch(tmp_path: Path) -> None:
    """max_pool2d(X, kernel_size=2, stride=2) and avg_pool1d(x, kernel_size=3) as the issue writes them."""
    values = [[3, 1, -2, 0], [4, -1, 5, 2], [0, 2, 1, 1], [-3, 6, 0, 4]]
    X = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    pooled = F.max_pool2d(X[None, None], kernel_size=2, stride=2)
    (pooled**2).sum().backward()
    answers = solve(tmp_path, values, ["P = max_pool2d(x, kernel_size=2, stride=2)", "L = norm2(P)"])
    assert answers["P"]["exact"] == "Matrix([[4, 5], [6, 4]])"  # the windows' largest entries, read by hand
    close(answers["P"]["value"], pooled)
    close(answers["dL/dx"]["value"], X.grad)

    row = [1, 4, -2, 3, 0, 5, 2]
    v = torch.tensor([row], dtype=torch.float64, requires_grad=True)
    averaged = F.avg_pool1d(v[None], kernel_size=3)  # stride 3: windows [0:3] and [3:6], the 7th entry dropped
    (averaged**2).sum().backward()
    answers = solve(tmp_path, [row], ["P = avg_pool1d(x, kernel_size=3)", "L = norm2(P)"])
    assert answers["P"]["exact"] == "Matrix([[1, 8/3]])"  # (1 + 4 − 2)/3, (3 + 0 + 5)/3
    close(answers["P"]["value"], averaged)
    close(answers["dL/dx"]["value"], v.grad)


def test_every_spelling_gives_the_same_solution(tmp_path: Path) -> None:
    """Keywords are another spelling: the same JSON document (answers and steps) as the positional call,
    and the text trace writes the call positionally either way."""
    x = [[1, 2, 0], [3, -1, 4], [2, 2, 5]]
    documents = []
    for call in ("max_pool2d(x, 2, 1)", "max_pool2d(x, kernel_size=2, stride=1)", "max_pool2d(x, stride=1, "
                 "kernel_size=2)", "max_pool2d(x, 2, stride=1)"):
        spec = tmp_path / "p.yaml"
        spec.write_text(json.dumps({"kind": "graph", "title": "pool", "given": {"x": x},
                                    "equations": [f"P = {call}", "L = sum(P)"], "wrt": ["x"]}))
        result = run_cli("run", spec, "-f", "json")
        assert result.exit_code == 0, result.stderr
        documents.append(json.loads(result.stdout))
        assert "max_pool2d(x, 2, 1)" in run_cli("run", spec, "--no-color").stdout
    assert all(d == documents[0] for d in documents[1:])


def test_left_out_stride_is_the_kernel_size_in_every_format(tmp_path: Path) -> None:
    spec = tmp_path / "p.yaml"
    spec.write_text(json.dumps({"kind": "graph", "title": "pool", "given": {"x": [[1, 2, 3, 4], [5, 6, 7, 8]]},
                                "equations": ["P = avg_pool2d(x, kernel_size=2)", "L = sum(P)"], "wrt": ["x"]}))
    for fmt in ("text", "latex", "markdown", "json"):
        result = run_cli("run", spec, "-f", fmt)
        assert result.exit_code == 0, result.stderr
        assert "moved by 2" in " ".join(result.stdout.split()), fmt  # the window note: stride 2, not 1


HEAD = "kind: graph\ntitle: T\ngiven:\n  x: [[1, 2, 3], [4, 5, 6]]\n  v: [1, 2, 3]\n  k: 2\nequations:\n"
BAD = [
    case(HEAD + "  - L = sum(max_pool2d(x, kernel_size=2, padding=1))  # <-\n", "equations[0]",
         "max_pool2d() has no setting 'padding' (settings: kernel_size, stride)", id="unknown-keyword"),
    case(HEAD + "  - L = sum(max_pool2d(input=x, kernel_size=2))  # <-\n", "equations[0]",
         "has no setting 'input'", id="input-by-keyword"),
    case(HEAD + "  - L = sum(max_pool2d(x, 2, kernel_size=2))  # <-\n", "equations[0]",
         "max_pool2d(): kernel_size is given twice: as argument 2 and by keyword", id="kernel-twice"),
    case(HEAD + "  - L = sum(avg_pool1d(v, 1, 1, stride=1))  # <-\n", "equations[0]",
         "avg_pool1d(): stride is given twice: as argument 3 and by keyword", id="stride-twice"),
    case(HEAD + "  - L = sum(max_pool2d(x, kernel_size=2, kernel_size=1))  # <-\n", "equations[0]",
         "max_pool2d(): kernel_size is given twice", id="keyword-repeated"),
    case(HEAD + "  - L = sum(max_pool2d(x, stride=1))  # <-\n", "equations[0]",
         "max_pool2d() needs kernel_size (max_pool2d(input, kernel_size, stride))", id="no-kernel"),
    case(HEAD + "  - L = sum(max_pool2d(x, 1, 1, 1))  # <-\n", "equations[0]",
         "max_pool2d takes at most 3 arguments (input, kernel_size, stride), got 4", id="too-many"),
    case(HEAD + "  - L = sum(max_pool2d(x, kernel_size=1.5))  # <-\n", "equations[0]",
         "max_pool2d(): kernel_size must be a whole number", id="kernel-fraction"),
    case(HEAD + "  - L = sum(max_pool2d(x, kernel_size=True))  # <-\n", "equations[0]",
         "kernel_size must be a whole number", id="kernel-bool"),
    case(HEAD + "  - L = sum(max_pool2d(x, kernel_size='2'))  # <-\n", "equations[0]",
         "kernel_size must be a whole number", id="kernel-text"),
    case(HEAD + "  - L = sum(max_pool2d(x, kernel_size=(2, 2)))  # <-\n", "equations[0]",
         "kernel_size must be a whole number", id="kernel-tuple"),
    case(HEAD + "  - L = sum(max_pool2d(x, kernel_size=k))  # <-\n", "equations[0]",
         "kernel_size must be a whole number", id="kernel-name"),
    case(HEAD + "  - L = sum(max_pool2d(x, kernel_size=2, stride=0))  # <-\n", "equations[0]",
         "the stride of max_pool2d must be a whole number of at least 1, got 0", id="stride-zero"),
    case(HEAD + "  - L = sum(avg_pool2d(x, kernel_size=3))  # <-\n", "equations[0]",
         "the window of 3×3 does not fit the input of 2×3 (no padding)", id="kernel-too-large"),
    case(HEAD + "  - L = sum(max_pool2d(x, **s))  # <-\n", "equations[0]",
         "write each setting by its name (no **)", id="double-star"),
    case(HEAD + "  - L = global_maxpool(x, kernel_size=2)  # <-\n", "equations[0]",
         "global_maxpool() takes no keyword arguments", id="global-pool-keyword"),
    case(HEAD + "  - L = sum(relu(x, inplace=True))  # <-\n", "equations[0]",
         "relu() takes no keyword arguments", id="relu-keyword"),
    case(HEAD + "  - L = sum(conv2d(x, x, stride=1, stride=1))  # <-\n", "equations[0]",
         "conv2d(): stride is given twice", id="conv-keyword-repeated"),
]


@pytest.mark.parametrize("bad", BAD)
def test_bad_pool_keywords(bad: Bad, tmp_path: Path) -> None:
    check_bad_spec(bad, tmp_path)

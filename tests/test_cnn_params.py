"""``kind: params`` with ``model: cnn`` checked against PyTorch, plus its bad specs.

Every expected number comes from torch, never from a formula copied out of the solver: each
layer is the matching ``torch.nn`` module, its parameter count is ``sum(p.numel())`` and its
output shape is the shape of an actual forward pass on zeros. Problems go through the public
command line (``dlsolve run FILE --format json``).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import torch
from helpers import PROBLEMS, examples, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.api import solve
from solver.errors import FieldError
from solver.kinds.params import CnnNet, CnnPool, problem

EXIT_BAD_SPEC = 3
MARK = "# <-"
TORCH = {
    ("conv", 1): torch.nn.Conv1d, ("conv", 2): torch.nn.Conv2d,
    ("maxpool", 1): torch.nn.MaxPool1d, ("maxpool", 2): torch.nn.MaxPool2d,
    ("avgpool", 1): torch.nn.AvgPool1d, ("avgpool", 2): torch.nn.AvgPool2d,
}


def numel(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def torch_shape(module: torch.nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape (without the batch axis) of a forward pass on zeros of ``shape``."""
    with torch.no_grad():
        return tuple(module(torch.zeros(1, *shape)).shape[1:])


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def run_json(tmp: Path, given_data: dict) -> dict[str, str]:
    """Solve a ``params`` problem with this ``given`` through the CLI; its answers' exact texts by name."""
    file = tmp / "cnn.yaml"
    # JSON is YAML: the spec is written exactly as a user could write it.
    file.write_text(json.dumps({"kind": "params", "title": "oracle", "given": given_data}))
    result = run_cli("run", file, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {name: answer["exact"] for name, answer in json.loads(result.stdout)["answers"].items()}


# --- random stacks ------------------------------------------------------------------------------


def per_dim(draw, dims: int, values: st.SearchStrategy[int]) -> tuple[object, tuple[int, ...]]:
    """(what the spec says: an int or a list, what torch gets: one value per dimension)."""
    if draw(st.booleans()):
        value = draw(values)
        return value, (value,) * dims
    items = [draw(values) for _ in range(dims)]
    return items, tuple(items)


def fitting(draw, room: tuple[int, ...], max_kernel: int, max_dilation: int) -> tuple[list[int], list[int]]:
    """Kernels and dilations whose window d·(k − 1) + 1 fits ``room`` (the padded input), per axis."""
    kernels, dilations = [], []
    for n in room:
        d = draw(st.integers(1, max_dilation))
        kernels.append(draw(st.integers(1, min(max_kernel, (n - 1) // d + 1))))
        dilations.append(d)
    return kernels, dilations


def spec_value(draw, values: list[int]) -> object:
    """How a spec may write per-dimension values: one integer when they agree, else a list."""
    return values[0] if len(set(values)) == 1 and draw(st.booleans()) else values


@st.composite
def conv_layer(draw, shape: tuple[int, ...]):
    """A conv layer that fits a C×… input: (spec mapping, torch module)."""
    dims, c_in = len(shape) - 1, shape[0]
    groups = draw(st.sampled_from([g for g in range(1, c_in + 1) if c_in % g == 0]))
    c_out = groups * draw(st.integers(1, 3))
    padding_kind = draw(st.sampled_from(["int", "int", "valid", "same"]))
    if padding_kind == "same":
        stride_spec, stride = draw(st.sampled_from([1, [1] * dims])), (1,) * dims
    else:
        stride_spec, stride = per_dim(draw, dims, st.integers(1, 3))
    if padding_kind == "int":
        padding_spec, padding = per_dim(draw, dims, st.integers(0, 2))
        torch_padding: object = padding
    else:
        padding_spec = torch_padding = padding_kind
        padding = (0,) * dims  # 'same' fits any input: it pads what the window needs
    # 'same' pads whatever the window needs, so any kernel fits
    room = [9] * dims if padding_kind == "same" else [n + 2 * p for n, p in zip(shape[1:], padding)]
    kernels, dilations = fitting(draw, room, 5, 3)
    bias = draw(st.booleans())
    spec = {"type": "conv", "out_channels": c_out, "kernel": spec_value(draw, kernels), "stride": stride_spec,
            "padding": padding_spec, "dilation": spec_value(draw, dilations), "groups": groups, "bias": bias}
    module = TORCH["conv", dims](c_in, c_out, tuple(kernels), stride=stride, padding=torch_padding,
                                 dilation=tuple(dilations), groups=groups, bias=bias)
    return spec, module


@st.composite
def pool_layer(draw, shape: tuple[int, ...]):
    """A max- or average-pooling layer that fits a C×… input: (spec mapping, torch module)."""
    dims = len(shape) - 1
    kind = draw(st.sampled_from(["maxpool", "avgpool"]))
    kernels, dilations = fitting(draw, shape[1:], 4, 2 if kind == "maxpool" else 1)
    paddings = [draw(st.integers(0, k // 2)) for k in kernels]  # torch: at most half the kernel
    spec: dict[str, object] = {"type": kind, "kernel": spec_value(draw, kernels)}
    if any(paddings) or draw(st.booleans()):
        spec["padding"] = spec_value(draw, paddings)
    kwargs: dict[str, object] = {"padding": tuple(paddings)}
    if draw(st.booleans()):
        stride_spec, stride = per_dim(draw, dims, st.integers(1, 3))
        spec["stride"], kwargs["stride"] = stride_spec, stride
    if kind == "maxpool" and (any(d > 1 for d in dilations) or draw(st.booleans())):
        spec["dilation"], kwargs["dilation"] = spec_value(draw, dilations), tuple(dilations)
    return spec, TORCH[kind, dims](tuple(kernels), **kwargs)


@st.composite
def fc_layer(draw, shape: tuple[int, ...]):
    """A fully connected layer (flatten, then linear): (spec mapping, torch module)."""
    out_features, bias = draw(st.integers(1, 12)), draw(st.booleans())
    n_in = 1
    for n in shape:
        n_in *= n
    spec = {"type": "fc", "out_features": out_features, "bias": bias}
    return spec, torch.nn.Sequential(torch.nn.Flatten(1), torch.nn.Linear(n_in, out_features, bias=bias))


@st.composite
def stacks(draw):
    """A random valid stack: (given mapping, [(torch module, its input shape)])."""
    dims = draw(st.sampled_from([1, 2]))
    sizes = tuple(draw(st.integers(3, 14)) for _ in range(dims))
    in_channels = draw(st.integers(1, 4))
    if dims == 1:
        input_size: object = list(sizes)
    else:
        input_size = sizes[0] if sizes[0] == sizes[1] and draw(st.booleans()) else list(sizes)
    shape = (in_channels, *sizes)
    layers, modules = [], []
    for _ in range(draw(st.integers(1, 4))):
        kinds = ["fc"] if len(shape) == 1 else ["conv", "conv", "pool", "pool", "fc"]
        kind = draw(st.sampled_from(kinds))
        strategy = {"conv": conv_layer, "pool": pool_layer, "fc": fc_layer}[kind]
        spec, module = draw(strategy(shape))
        layers.append(spec)
        modules.append((module, shape))
        shape = torch_shape(module, shape)
    given_data = {"model": "cnn", "input_size": input_size, "in_channels": in_channels, "layers": layers}
    return given_data, modules


# torch warns that 'same' with an even kernel and odd dilation pads a copy of the input: expected here.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
@settings(max_examples=examples(80))
@given(stacks())
def test_random_stacks_match_torch(tmp_path_factory, case):
    given_data, modules = case
    got = run_json(tmp_path_factory.mktemp("cnn"), given_data)

    for i, (module, shape) in enumerate(modules, 1):
        assert got[f"shape{i}"] == shape_text(torch_shape(module, shape)), f"shape{i}"
        assert int(got[f"params{i}"]) == numel(module), f"params{i}"
    assert int(got["total"]) == sum(numel(module) for module, _ in modules)
    assert set(got) == {"total"} | {f"{name}{i}" for i in range(1, len(modules) + 1) for name in ("shape", "params")}


def test_problem_file_matches_torch():
    # problems/conv-output-size.yaml: 3×32×32 → conv 5×5×16 (padding 2) → maxpool 2 → conv 3×3×32
    # (same) → maxpool 2 → fc 10.
    layers = [
        torch.nn.Conv2d(3, 16, 5, stride=1, padding=2), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding="same"), torch.nn.MaxPool2d(2),
        torch.nn.Sequential(torch.nn.Flatten(1), torch.nn.Linear(32 * 8 * 8, 10)),
    ]
    result = run_cli("run", PROBLEMS / "conv-output-size.yaml", "--format", "json")
    assert result.exit_code == 0, result.stderr
    got = {name: answer["exact"] for name, answer in json.loads(result.stdout)["answers"].items()}
    shape = (3, 32, 32)
    for i, layer in enumerate(layers, 1):
        shape = torch_shape(layer, shape)
        assert got[f"shape{i}"] == shape_text(shape)
        assert int(got[f"params{i}"]) == numel(layer)
    assert int(got["total"]) == sum(map(numel, layers)) == 26_346


def test_text_output_explains_each_layer():
    text = run_cli("run", PROBLEMS / "conv-output-size.yaml").stdout
    assert "⌊(32 + 2·2 − 1·(5 − 1) − 1)/1⌋ + 1 = ⌊31/1⌋ + 1 = 32" in text
    assert "Pooling has no parameters" in text
    assert "C·H·W = 32·8·8 = 2,048" in text
    assert "5,856 + 20,490 = 26,346" in text  # the running total after the last layer
    assert max(map(len, text.splitlines())) <= 80


@settings(max_examples=examples(60))
@given(
    dims=st.sampled_from([1, 2]), n=st.integers(1, 6), k=st.integers(1, 5), p=st.integers(0, 3),
    d=st.integers(1, 2), kind=st.sampled_from(["maxpool", "avgpool"]),
)
def test_pooling_rejects_exactly_what_torch_rejects(dims, n, k, p, d, kind):
    """Padding over half the kernel, or a window larger than the padded input: torch fails iff dlsolve refuses."""
    if kind == "avgpool":
        d = 1
    kwargs = {"padding": p} | ({"dilation": d} if kind == "maxpool" else {})
    try:
        shape = torch_shape(TORCH[kind, dims](k, **kwargs), (1,) + (n,) * dims)
    except RuntimeError:
        shape = None
    net = CnnNet("cnn", (n,) if dims == 1 else n, 1, (CnnPool(kind, k, padding=p, dilation=d),))
    if shape is None:
        with pytest.raises(FieldError) as error:
            solve(problem(net, "pool", "pool"))
        assert error.value.path in (("given", "layers", 0, "padding"), ("given", "layers", 0, "kernel"))
    else:
        solution = solve(problem(net, "pool", "pool"))
        assert solution.answer("shape1").value == shape_text(shape)


# --- bad specs ------------------------------------------------------------------------------------

HEAD = "kind: params\ntitle: T\ngiven:\n  model: cnn\n  input_size: [8, 8]\n  in_channels: 3\n  layers:\n"


def spec(layers: str) -> str:
    """A problem whose ``layers`` are these (indented) list items; one line is marked ``# <-``."""
    return HEAD + textwrap.indent(textwrap.dedent(layers), "    ")


BAD = [
    pytest.param(spec("""\
        - {type: conv, out_channels: 4, kernel: 3}
        - {type: maxpool, kernel: 2}
        - {type: conv, out_channels: 4, kernel: 5}  # <-
        """), "given.layers[2].kernel", ("layer 3 does not fit its 4×3×3 input", "smaller than the dilated kernel"),
        id="conv-does-not-fit"),
    pytest.param(spec("""\
        - {type: conv, out_channels: 4, kernel: 7}
        - {type: avgpool, kernel: 3}  # <-
        """), "given.layers[1].kernel", ("layer 2 does not fit its 4×2×2 input", "= 3"), id="pool-does-not-fit"),
    pytest.param(spec("""\
        - {type: conv, out_channels: 4, kernel: 3, groups: 2}  # <-
        """), "given.layers[0].groups", ("groups = 2 must divide", "input channels C_in = 3"), id="groups-in"),
    pytest.param(spec("""\
        - {type: conv, out_channels: 6, kernel: 1}
        - type: conv
          out_channels: 4
          kernel: 3
          groups: 3  # <-
        """), "given.layers[1].groups", ("groups = 3 must divide out_channels = 4",), id="groups-out"),
    pytest.param(spec("""\
        - {type: conv, out_channels: 4, kernel: 3}
        - {type: lstm, hidden: 5}  # <-
        """), "given.layers[1].type", ("expected 'conv', 'maxpool', 'avgpool', 'fc'", "got 'lstm'"),
        id="unknown-layer-type"),
    pytest.param(spec("""\
        - {out_channels: 4, kernel: 3}  # <-
        """), "given.layers[0].type", ("missing required field",), id="missing-layer-type"),
    pytest.param(spec("""\
        - type: conv
          out_channels: 4
          kernel: 3
          stride: 2
          padding: same  # <-
        """), "given.layers[0].padding", ("'same' needs stride 1",), id="same-padding-stride-2"),
    pytest.param(spec("""\
        - {type: conv, out_channels: 4, kernel: 3}
        - {type: maxpool, kernel: 3, padding: 2}  # <-
        """), "given.layers[1].padding", ("padding 2 is more than half the kernel 3", "at most ⌊k/2⌋ = 1"),
        id="pool-padding-over-half-kernel"),
    pytest.param(spec("""\
        - {type: avgpool, kernel: 2, dilation: 2}  # <-
        """), "given.layers[0].dilation", ("avgpool has no dilation",), id="avgpool-dilation"),
    pytest.param(spec("""\
        - type: maxpool
          kernel: 2
          out_channels: 8  # <-
        """), "given.layers[0].out_channels", ("unknown field; allowed: type, kernel, stride, padding, dilation",),
        id="field-of-another-layer-type"),
    pytest.param(spec("""\
        - {type: conv, out_channels: 4, kernel: 0}  # <-
        """), "given.layers[0].kernel", ("expected a positive integer", "got 0"), id="zero-kernel"),
    pytest.param(spec("""\
        - {type: conv, out_channels: 4, kernel: [3, 3, 3]}  # <-
        """), "given.layers[0].kernel", ("expected 2 values (one per dimension)", "got 3"), id="kernel-dims-mismatch"),
    pytest.param(spec("""\
        - {type: fc, out_features: 10}
        - {type: conv, out_channels: 4, kernel: 1}  # <-
        """), "given.layers[1].type", ("a conv layer needs C×H×W feature maps", "layer 1 (fc) outputs a vector"),
        id="conv-after-fc"),
    pytest.param(spec("""\
        - conv  # <-
        """), "given.layers[0]", ("expected a mapping with a 'type' field", "got 'conv'"), id="layer-not-a-mapping"),
    pytest.param(HEAD.replace("  layers:\n", "  layers: []  # <-\n"), "given.layers", ("at least one layer",),
                 id="no-layers"),
]


@pytest.mark.parametrize("content,path,words", BAD)
def test_bad_spec(content: str, path: str, words: tuple[str, ...], tmp_path: Path):
    file, out = tmp_path / "problem.yaml", tmp_path / "out.txt"
    file.write_text(content)
    [line] = [i for i, text in enumerate(content.splitlines(), 1) if MARK in text]

    result = run_cli("run", file, "-o", out)

    assert result.exit_code == EXIT_BAD_SPEC, result.stderr
    assert result.stdout == "" and not out.exists()
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    prefix = f"dlsolve: error: {file}:{line}: {path}: "
    assert result.stderr.startswith(prefix), result.stderr
    assert result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr, (word, result.stderr)

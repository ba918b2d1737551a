"""The ``params`` kind checked against PyTorch as an independent oracle.

Every expected number in this file comes from torch, never from a formula copied out of the
solver: parameter counts are ``sum(p.numel() for p in module.parameters())`` of the matching
``torch.nn`` module, and output sizes are the shape of an actual forward pass. Where a convention
differs from PyTorch's, the difference is derived here from the stated convention (see the
comments at ``textbook_total``).
"""

from __future__ import annotations

import itertools
import json

import pytest
import torch
from helpers import PROBLEMS, examples, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.api import solve, solve_file
from solver.errors import FieldError
from solver.kinds.params import ConvLayer, DenseNet, RecurrentNet, problem

# --- helpers ------------------------------------------------------------------------------------

TORCH_CELLS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
# Gate count per cell, from the PyTorch docs: weight_ih_l[k] has shape (gates·hidden, input) —
# (W_ii|W_if|W_ig|W_io) for the LSTM, (W_ir|W_iz|W_in) for the GRU, a single W_ih for the RNN.
TORCH_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def answers(given_data: object) -> dict[str, int]:
    """Solve a ``params`` problem through the public API; its answers by name."""
    solution = solve(problem(given_data, "oracle", "oracle"))
    return {answer.name: answer.value for answer in solution.answers}


def numel(parameters) -> int:
    return sum(p.numel() for p in parameters)


def torch_recurrent(model: str, input_size: int, hidden: int, layers: int, bidirectional: bool) -> torch.nn.Module:
    return TORCH_CELLS[model](input_size, hidden, num_layers=layers, bidirectional=bidirectional)


def torch_layer_count(module: torch.nn.Module, layer: int) -> int:
    """Parameters of stacked layer ``layer`` (1-based): names end in ``_l{k}`` or ``_l{k}_reverse``."""
    suffixes = (f"_l{layer - 1}", f"_l{layer - 1}_reverse")
    return numel(p for name, p in module.named_parameters() if name.endswith(suffixes))


def textbook_total(model: str, torch_total: int, hidden: int, layers: int, directions: int) -> int:
    """The textbook count, derived from torch's.

    torch.nn.RNN/LSTM/GRU keep two bias vectors per gate (b_ih and b_hh, each of length hidden),
    while the textbook formulas (W·x + U·h + b) keep one. So the textbook count is torch's minus one
    bias vector per gate, per layer, per direction.
    """
    return torch_total - TORCH_GATES[model] * hidden * layers * directions


recurrent_sizes = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["rnn", "lstm", "gru"]),
        "input": st.integers(1, 64),
        "hidden": st.integers(1, 64),
        "layers": st.integers(1, 4),
        "bidirectional": st.booleans(),
    }
)


# --- recurrent layers: PyTorch convention -----------------------------------------------------------


@settings(max_examples=examples(80))
@given(recurrent_sizes)
def test_recurrent_pytorch_convention_matches_torch(sizes):
    module = torch_recurrent(sizes["model"], sizes["input"], sizes["hidden"], sizes["layers"], sizes["bidirectional"])
    got = answers(RecurrentNet(convention="pytorch", **sizes))

    assert got["total"] == numel(module.parameters())
    for layer in range(1, sizes["layers"] + 1):
        assert got[f"layer{layer}"] == torch_layer_count(module, layer), f"layer{layer}"
    assert f"layer{sizes['layers'] + 1}" not in got
    named = dict(module.named_parameters())
    assert got["weights"] == numel(p for name, p in named.items() if name.startswith("weight_"))
    assert got["biases"] == numel(p for name, p in named.items() if name.startswith("bias_"))
    assert got["weights"] + got["biases"] == got["total"]


# --- recurrent layers: textbook and Keras conventions ------------------------------------------------


@settings(max_examples=examples(80))
@given(recurrent_sizes)
def test_recurrent_textbook_and_keras_conventions_follow_from_torch(sizes):
    module = torch_recurrent(sizes["model"], sizes["input"], sizes["hidden"], sizes["layers"], sizes["bidirectional"])
    torch_total = numel(module.parameters())
    directions = 2 if sizes["bidirectional"] else 1
    gates, hidden = TORCH_GATES[sizes["model"]], sizes["hidden"]
    textbook = textbook_total(sizes["model"], torch_total, hidden, sizes["layers"], directions)

    got = answers(RecurrentNet(convention="textbook", **sizes))
    assert got["total"] == textbook
    # Per layer: torch's layer count minus one bias vector per gate per direction.
    for layer in range(1, sizes["layers"] + 1):
        assert got[f"layer{layer}"] == torch_layer_count(module, layer) - gates * hidden * directions
    # The weight matrices are the same in every convention; only the bias vectors are halved.
    torch_weights = numel(p for name, p in module.named_parameters() if name.startswith("weight_"))
    torch_biases = numel(p for name, p in module.named_parameters() if name.startswith("bias_"))
    assert got["weights"] == torch_weights
    assert got["biases"] == torch_biases // 2

    # Keras: SimpleRNN and LSTM have one bias vector per gate (`bias` of shape (gates·units,)), so
    # they count as the textbook does; GRU defaults to reset_after=True, whose `bias` has shape
    # (2, 3·units) — an input and a recurrent bias per gate, exactly PyTorch's b_ih and b_hh.
    keras = answers(RecurrentNet(convention="keras", **sizes))
    assert keras["total"] == (torch_total if sizes["model"] == "gru" else textbook)


# --- recurrent layers: fixed seed checks --------------------------------------------------------------


def test_lstm_problem_file_is_final_exam_q4():
    # Final exam Q4 (seed 000), textbook convention:
    # 4·(500·(300+500)+500) + 4·(500·(500+500)+500) = 1 602 000 + 2 002 000 = 3 604 000.
    [solution] = solve_file(PROBLEMS / "lstm.yaml")
    assert solution.answer("total").value == 3_604_000
    assert solution.answer("layer1").value == 4 * (500 * (300 + 500) + 500)
    assert solution.answer("layer2").value == 4 * (500 * (500 + 500) + 500)
    # The same number from torch: its count minus one bias vector per gate per layer (4·500·2).
    module = torch.nn.LSTM(300, 500, num_layers=2)
    assert solution.answer("total").value == numel(module.parameters()) - 4 * 500 * 2


def test_cli_lstm_params_pytorch_convention_is_torch_count():
    result = run_cli(
        "lstm-params", "--hidden", "500", "--input", "300", "--layers", "2", "--convention", "pytorch",
        "--format", "json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    expected = numel(torch.nn.LSTM(300, 500, num_layers=2).parameters())
    assert expected == 3_608_000
    assert int(data["answers"]["total"]["exact"]) == expected
    assert data["answers"]["total"]["value"] == expected


@pytest.mark.parametrize("command,model", [("rnn-params", "rnn"), ("lstm-params", "lstm"), ("gru-params", "gru")])
def test_cli_recurrent_shortcuts_match_torch(command, model):
    # A bidirectional 3-layer stack exercises the 2h input of the upper layers.
    module = torch_recurrent(model, 7, 11, 3, True)
    result = run_cli(
        command, "--hidden", "11", "--input", "7", "--layers", "3", "--bidirectional", "--convention", "pytorch",
        "--format", "json",
    )
    assert result.exit_code == 0, result.stderr
    got = {name: int(answer["exact"]) for name, answer in json.loads(result.stdout)["answers"].items()}
    assert got["total"] == numel(module.parameters())
    for layer in (1, 2, 3):
        assert got[f"layer{layer}"] == torch_layer_count(module, layer)


# --- fully connected networks ------------------------------------------------------------------------


def torch_dense(sizes: list[int], bias: bool) -> torch.nn.Sequential:
    return torch.nn.Sequential(*(torch.nn.Linear(n_in, n_out, bias=bias) for n_in, n_out in itertools.pairwise(sizes)))


@settings(max_examples=examples(80))
@given(st.lists(st.integers(1, 64), min_size=2, max_size=7), st.booleans())
def test_dense_matches_torch_sequential_of_linear(sizes, bias):
    module = torch_dense(sizes, bias)
    got = answers(DenseNet("fc", sizes, bias))

    assert got["total"] == numel(module.parameters())
    assert got["weights"] == numel(layer.weight for layer in module)
    assert got["biases"] == (numel(layer.bias for layer in module) if bias else 0)
    for i, layer in enumerate(module, 1):
        assert got[f"layer{i}"] == numel(layer.parameters()), f"layer{i}"
    assert f"layer{len(sizes)}" not in got


def test_fc_problem_file_is_lecture_example():
    # Lecture slides (seed 001): 2 → 5 → 10 → 5 → 2, i.e. Linear(2,5), Linear(5,10), Linear(10,5),
    # Linear(5,2): 15 + 60 + 55 + 12 = 142 parameters.
    [solution] = solve_file(PROBLEMS / "fc-params.yaml")
    module = torch_dense([2, 5, 10, 5, 2], bias=True)
    assert numel(module.parameters()) == 142
    assert solution.answer("total").value == 142


def test_cli_fc_params_no_bias_matches_torch():
    result = run_cli("fc-params", "--sizes", "3,8,4", "--no-bias", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert int(data["answers"]["total"]["exact"]) == numel(torch_dense([3, 8, 4], bias=False).parameters())


# --- convolution layers ----------------------------------------------------------------------------

TORCH_CONVS = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}
OUTPUT_NAMES = {1: ("L_out",), 2: ("H_out", "W_out"), 3: ("D_out", "H_out", "W_out")}


def per_dim_values(draw, dims: int, values: st.SearchStrategy[int]):
    """An int (the same for every dimension) or a tuple with one value per dimension.

    Returns (what dlsolve gets, the per-dimension tuple torch gets)."""
    if draw(st.booleans()):
        value = draw(values)
        return value, (value,) * dims
    items = tuple(draw(values) for _ in range(dims))
    return items, items


@st.composite
def conv_layers(draw, with_input: bool | None = None):
    """A valid conv layer: (dlsolve ConvLayer, torch keyword arguments, input shape or None)."""
    dims = draw(st.sampled_from([1, 2, 3]))
    # Small sizes in 3D keep the forward pass cheap.
    max_kernel, max_extra = (3, 3) if dims == 3 else (5, 6)
    groups = draw(st.integers(1, 4))
    in_channels = groups * draw(st.integers(1, 3))
    out_channels = groups * draw(st.integers(1, 3))
    bias = draw(st.booleans())
    kernel, kernel_t = per_dim_values(draw, dims, st.integers(1, max_kernel))
    dilation, dilation_t = per_dim_values(draw, dims, st.integers(1, 3))
    padding_kind = draw(st.sampled_from(["int", "valid", "same"]))
    if padding_kind == "same":
        # PyTorch (and dlsolve) accept padding='same' only with stride 1.
        stride, stride_t = draw(st.sampled_from([1, (1,) * dims])), (1,) * dims
        padding, padding_t, torch_padding = "same", None, "same"
    else:
        stride, stride_t = per_dim_values(draw, dims, st.integers(1, 3))
        if padding_kind == "valid":
            padding, padding_t, torch_padding = "valid", (0,) * dims, "valid"
        else:
            padding, padding_t = per_dim_values(draw, dims, st.integers(0, 3))
            torch_padding = padding_t
    if with_input is None:
        with_input = draw(st.booleans())
    input_shape = None
    input_size = None
    if with_input:
        if padding == "same":
            smallest = (1,) * dims  # 'same' pads as much as the dilated kernel needs
        else:
            smallest = tuple(max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel_t, dilation_t, padding_t))
        input_shape = tuple(n + draw(st.integers(0, max_extra)) for n in smallest)
        if len(set(input_shape)) == 1 and draw(st.booleans()):
            input_size = input_shape[0]
        else:
            input_size = input_shape
    fields = (kernel, stride, padding, dilation, input_size)
    # dlsolve infers the dimension from any per-dimension tuple; with none it assumes 2D.
    needs_dims = not any(isinstance(v, tuple) for v in fields) and dims != 2
    spec_dims = dims if needs_dims or draw(st.booleans()) else None
    layer = ConvLayer(
        "conv", in_channels, out_channels, kernel, dims=spec_dims, bias=bias, groups=groups, input_size=input_size,
        stride=stride, padding=padding, dilation=dilation,
    )
    torch_kwargs = dict(
        in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_t, stride=stride_t,
        padding=torch_padding, dilation=dilation_t, groups=groups, bias=bias,
    )
    return dims, layer, torch_kwargs, input_shape


# torch warns that 'same' with an even kernel and odd dilation pads a copy of the input: expected here.
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
@settings(max_examples=examples(100))
@given(conv_layers())
def test_conv_matches_torch(case):
    dims, layer, torch_kwargs, input_shape = case
    conv = TORCH_CONVS[dims](**torch_kwargs)
    got = answers(layer)

    assert got["total"] == numel(conv.parameters())
    assert got["weights"] == conv.weight.numel()
    assert got["biases"] == (conv.bias.numel() if conv.bias is not None else 0)
    names = OUTPUT_NAMES[dims]
    if input_shape is None:
        assert not any(name in got for name in ("L_out", "D_out", "H_out", "W_out"))
        return
    with torch.no_grad():
        out = conv(torch.zeros(1, layer.in_channels, *input_shape))
    assert tuple(got[name] for name in names) == tuple(out.shape[2:])
    assert set(got) - {"total", "weights", "biases"} == set(names)


@settings(max_examples=examples(60))
@given(
    dims=st.sampled_from([1, 2]),
    n=st.integers(1, 8),
    k=st.integers(1, 5),
    d=st.integers(1, 3),
    p=st.integers(0, 2),
    s=st.integers(1, 3),
)
def test_conv_rejects_exactly_the_inputs_torch_rejects(dims, n, k, d, p, s):
    """Input too small for the dilated kernel: torch's forward pass fails iff dlsolve refuses."""
    conv = TORCH_CONVS[dims](1, 1, k, stride=s, padding=p, dilation=d)
    try:
        with torch.no_grad():
            shape = tuple(conv(torch.zeros(1, 1, *(n,) * dims)).shape[2:])
    except RuntimeError:
        shape = None
    layer = ConvLayer("conv", 1, 1, k, dims=dims, input_size=n, stride=s, padding=p, dilation=d)
    if shape is None:
        with pytest.raises(FieldError) as error:
            answers(layer)
        assert error.value.path == ("given", "input_size")
    else:
        got = answers(layer)
        assert tuple(got[name] for name in OUTPUT_NAMES[dims]) == shape


@settings(max_examples=examples(40))
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 4))
def test_conv_groups_must_divide_both_channel_counts_as_in_torch(in_channels, out_channels, groups):
    try:
        torch.nn.Conv2d(in_channels, out_channels, 1, groups=groups)
        torch_ok = True
    except ValueError:
        torch_ok = False
    layer = ConvLayer("conv", in_channels, out_channels, 1, groups=groups)
    if torch_ok:
        assert answers(layer)["weights"] == out_channels * (in_channels // groups)
    else:
        with pytest.raises(FieldError) as error:
            answers(layer)
        assert error.value.path == ("given", "groups")


def test_conv_problem_file_matches_torch():
    # problems/conv-params.yaml: Conv2d(3, 16, 5, stride=2, padding=2) on a 3×32×32 image.
    [solution] = solve_file(PROBLEMS / "conv-params.yaml")
    conv = torch.nn.Conv2d(3, 16, 5, stride=2, padding=2)
    with torch.no_grad():
        out = conv(torch.zeros(1, 3, 32, 32))
    assert solution.answer("total").value == numel(conv.parameters())
    assert (solution.answer("H_out").value, solution.answer("W_out").value) == tuple(out.shape[2:])


@pytest.mark.parametrize(
    "args,torch_conv,input_shape",
    [
        (["--kernel", "3", "--input-size", "32,32", "--padding", "1"], torch.nn.Conv2d(3, 16, 3, padding=1), (32, 32)),
        (["--kernel", "3,5", "--input-size", "20,17", "--stride", "2,1", "--dilation", "1,2", "--no-bias"],
         torch.nn.Conv2d(3, 16, (3, 5), stride=(2, 1), dilation=(1, 2), bias=False), (20, 17)),
        (["--kernel", "4", "--dims", "1", "--input-size", "9", "--padding", "same", "--dilation", "2"],
         torch.nn.Conv1d(3, 16, 4, padding="same", dilation=2), (9,)),
        (["--kernel", "3,3,2", "--input-size", "6,7,5", "--padding", "valid", "--groups", "1"],
         torch.nn.Conv3d(3, 16, (3, 3, 2), padding="valid"), (6, 7, 5)),
    ],
    ids=["2d-pad1", "2d-tuples-no-bias", "1d-same-even-kernel", "3d-valid"],
)
def test_cli_conv_params_matches_torch(args, torch_conv, input_shape):
    result = run_cli("conv-params", "--in-channels", "3", "--out-channels", "16", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    got = {name: int(answer["exact"]) for name, answer in json.loads(result.stdout)["answers"].items()}
    with torch.no_grad():
        out = torch_conv(torch.zeros(1, 3, *input_shape))
    assert got["total"] == numel(torch_conv.parameters())
    assert tuple(got[name] for name in OUTPUT_NAMES[len(input_shape)]) == tuple(out.shape[2:])


# --- invalid command-line shortcuts --------------------------------------------------------------


@pytest.mark.parametrize(
    "args,option,words",
    [
        (["--in-channels", "3", "--out-channels", "4", "--kernel", "3", "--groups", "2"],
         "--groups", "in_channels = 3"),
        (["--in-channels", "4", "--out-channels", "6", "--kernel", "3", "--groups", "4"],
         "--groups", "out_channels = 6"),
        (["--in-channels", "3", "--out-channels", "4", "--kernel", "3", "--padding", "same", "--stride", "2",
          "--input-size", "8,8"], "--padding", "stride 1"),
        (["--in-channels", "3", "--out-channels", "4", "--kernel", "3", "--dilation", "3", "--input-size", "6,6"],
         "--input-size", "dilated kernel"),
        (["--in-channels", "3", "--out-channels", "4", "--kernel", "5", "--padding", "1", "--input-size", "2"],
         "--input-size", "dilated kernel"),
    ],
    ids=["groups-in", "groups-out", "same-stride-2", "input-smaller-than-dilated-kernel", "input-smaller-than-kernel"],
)
def test_cli_conv_params_invalid_shortcut(args, option, words):
    # Each of these also fails in torch: it is a usage error (exit 2), reported by option name.
    result = run_cli("conv-params", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"dlsolve: error: {option}: ")
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""

"""``kind: params``: the other conventions' totals as answers, ``model: cnn`` without an input size, the
layers written as the course writes networks (activations, flatten, dropout, batch norm, embedding) and
shared weights, checked against PyTorch.

Every expected number comes from torch: each layer is the matching ``torch.nn`` module in one
``nn.Sequential``; the network's parameters are ``sum(p.numel() for p in model.parameters())`` (a tied
tensor is yielded once), a layer's are those of its module not yielded by an earlier module, the
running statistics are the model's buffers (without ``num_batches_tracked``), and every output shape is
the shape of a forward pass on zeros. Problems go through the public command line.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from helpers import PROBLEMS, examples, run_cli
from helpers.bad_specs import case, check_bad_spec
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.api import solve
from solver.kinds.params import RecurrentNet, problem

nn = torch.nn
ACTIVATIONS = {"relu": nn.ReLU, "leakyrelu": nn.LeakyReLU, "elu": nn.ELU, "gelu": nn.GELU, "sigmoid": nn.Sigmoid,
               "tanh": nn.Tanh, "softmax": lambda: nn.Softmax(dim=-1)}


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def run_json(path: Path) -> dict[str, str]:
    """The answers' exact texts of one problem file, by name (``dlsolve run FILE --format json``)."""
    result = run_cli("run", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {name: answer["exact"] for name, answer in json.loads(result.stdout)["answers"].items()}


def run_given(tmp: Path, given_data: dict) -> dict[str, str]:
    """Solve a ``params`` problem with this ``given`` (written as JSON, which is YAML) through the CLI."""
    file = tmp / "net.yaml"
    file.write_text(json.dumps({"kind": "params", "title": "oracle", "given": given_data}))
    return run_json(file)


# --- the torch oracle: a spec's layers as torch.nn modules ----------------------------------------------


def torch_network(given_data: dict, real_size: tuple[int, ...]) -> dict[str, object]:
    """Build the spec's network in torch and run it on zeros of ``real_size`` (the input without the batch
    axis; used even when the spec leaves the size out). Returns every expected answer."""
    layers = given_data["layers"]
    modules: list[nn.Module] = []
    named: dict[str, nn.Module] = {}
    shape = real_size
    if layers[0]["type"] == "embedding":
        x: torch.Tensor = torch.zeros((1, *real_size), dtype=torch.long)
    else:
        x = torch.zeros((1, *real_size))
    shapes = []
    for layer in layers:
        kind = layer["type"]
        dims = len(shape) - 1
        if kind == "conv":
            conv = (nn.Conv1d, nn.Conv2d)[dims - 1]
            module: nn.Module = conv(shape[0], layer["out_channels"], layer["kernel"],
                                     padding=layer.get("padding", 0), bias=layer.get("bias", True))
        elif kind in ("maxpool", "avgpool"):
            pools = {"maxpool": (nn.MaxPool1d, nn.MaxPool2d), "avgpool": (nn.AvgPool1d, nn.AvgPool2d)}
            module = pools[kind][dims - 1](layer["kernel"], stride=layer.get("stride"))
        elif kind == "fc":
            linear = nn.Linear(shape[-1] if x.dim() == 3 and layers[0]["type"] == "embedding" else x[0].numel(),
                               layer["out_features"], bias=layer.get("bias", True))
            is_sequence = x.dim() == 3 and layers[0]["type"] == "embedding"
            module = linear if is_sequence or x.dim() == 2 else nn.Sequential(nn.Flatten(1), linear)
            if "share" in layer:
                linear.weight = weight_of(named[layer["share"]])
        elif kind == "flatten":
            module = nn.Flatten(1)
        elif kind == "dropout":
            module = nn.Dropout(float(Fraction(str(layer.get("p", 0.5)))))
        elif kind == "batchnorm":
            norm = (nn.BatchNorm1d, nn.BatchNorm2d)[max(dims, 1) - 1]
            module = norm(shape[0], affine=layer.get("affine", True))
        elif kind == "embedding":
            module = nn.Embedding(layer["num_embeddings"], layer["embedding_dim"])
        else:
            module = ACTIVATIONS[kind]()
        if "share" in layer and kind == "conv":
            module.weight = weight_of(named[layer["share"]])
        if "name" in layer:
            named[layer["name"]] = module
        modules.append(module)
        module.eval()  # batch norm on a batch of one
        with torch.no_grad():
            x = module(x)
        shape = tuple(x.shape[1:])
        shapes.append(shape)
    model = nn.Sequential(*modules)
    seen: set[int] = set()
    expected: dict[str, object] = {"total": sum(p.numel() for p in model.parameters())}
    for i, (module, shape) in enumerate(zip(modules, shapes), 1):
        new = [p for p in module.parameters() if id(p) not in seen]
        seen.update(id(p) for p in new)
        expected[f"params{i}"] = sum(p.numel() for p in new)
        expected[f"shape{i}"] = shape_text(shape)
    buffers = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    if buffers:
        expected["running_stats"] = buffers
        expected["keras_total"] = expected["total"] + buffers
    per_layer = sum(sum(p.numel() for p in m.parameters()) for m in modules)
    if per_layer != expected["total"]:
        expected["shared"] = per_layer - expected["total"]
        expected["layerwise_total"] = per_layer
    return expected


def weight_of(module: nn.Module) -> nn.Parameter:
    """The weight of a conv, linear or embedding module (a linear inside Sequential(Flatten, Linear))."""
    if isinstance(module, nn.Sequential):
        module = module[1]
    return module.weight  # type: ignore[return-value]


def compare(got: dict[str, str], expected: dict[str, object], sizes_known: bool = True) -> None:
    """Every expected count equal; every shape equal when given; no answer that torch has no value for."""
    for name, value in expected.items():
        if name.startswith("shape"):
            if name in got or sizes_known:
                assert got[name] == value, name
        else:
            assert int(got[name]) == value, name
    assert set(got) <= set(expected)


# --- the problem files ----------------------------------------------------------------------------


def test_cnn_layers_problem_matches_torch():
    given_data = json.loads(json.dumps(_yaml(PROBLEMS / "cnn-layers-params.yaml")["given"]))
    expected = torch_network(given_data, (3, 32, 32))
    got = run_json(PROBLEMS / "cnn-layers-params.yaml")
    compare(got, expected)
    assert set(got) == set(expected)
    assert int(got["total"]) == 52_246 and int(got["running_stats"]) == 2 * (6 + 16)


def test_params_only_problem_matches_torch_and_gives_no_unknown_shapes():
    given_data = _yaml(PROBLEMS / "cnn-params-only.yaml")["given"]
    # the file gives in_features 4096 = 64·8·8: a 32×32 image (torch needs a size to run; counts do not)
    expected = torch_network(given_data, (3, 32, 32))
    got = run_json(PROBLEMS / "cnn-params-only.yaml")
    compare(got, expected, sizes_known=False)
    assert not any(f"shape{i}" in got for i in range(1, 11))  # feature maps of unknown size
    assert got["shape11"] == "128" and got["shape13"] == "10"  # after an fc layer the size is known
    text = run_cli("run", PROBLEMS / "cnn-params-only.yaml", "--no-color").stdout
    assert "output sizes cannot be computed without an input size" in " ".join(text.split())


def test_tied_embedding_problem_matches_torch():
    given_data = _yaml(PROBLEMS / "tied-embedding-params.yaml")["given"]
    expected = torch_network(given_data, (35,))
    got = run_json(PROBLEMS / "tied-embedding-params.yaml")
    compare(got, expected)
    assert set(got) == set(expected)
    # torch: Embedding 10,000·256 + Linear 256·256 + 256 + the tied Linear's own bias 10,000
    assert int(got["total"]) == 10_000 * 256 + 256 * 256 + 256 + 10_000
    assert int(got["shared"]) == 10_000 * 256


def _yaml(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("file,names", [
    ("lstm.yaml", ("textbook_total", "pytorch_total", "keras_total")),
    ("cnn-layers-params.yaml", ("running_stats", "keras_total")),
    ("tied-embedding-params.yaml", ("shared", "layerwise_total")),
])
@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_new_answers_in_every_format(file, names, fmt):
    result = run_cli("run", PROBLEMS / file, "--format", fmt, "--no-color")
    assert result.exit_code == 0, result.stderr
    for name in names:
        head, _, tail = name.partition("_")  # LaTeX and Markdown write keras_total as keras with subscript total
        latex = rf"\text{{{head}}}_{{\text{{{tail}}}}}" if tail else rf"\text{{{head}}}"
        written = name if fmt == "text" else latex
        assert written in result.stdout, (name, fmt)


# --- recurrent conventions ------------------------------------------------------------------------

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@settings(max_examples=examples(40), deadline=None)
@given(model=st.sampled_from(sorted(CELLS)), hidden=st.integers(1, 24), inputs=st.integers(1, 24),
       layers=st.integers(1, 3), bidirectional=st.booleans(),
       convention=st.sampled_from(["textbook", "pytorch", "keras"]))
def test_every_convention_total_is_an_answer(model, hidden, inputs, layers, bidirectional, convention):
    module = CELLS[model](inputs, hidden, num_layers=layers, bidirectional=bidirectional)
    pytorch = sum(p.numel() for p in module.parameters())
    # the textbook's one bias per gate: drop torch's second bias vectors, b_hh
    textbook = pytorch - sum(p.numel() for name, p in module.named_parameters() if name.startswith("bias_hh"))
    keras = pytorch if model == "gru" else textbook  # Keras' GRU (reset_after=True) keeps both biases
    net = RecurrentNet(model, hidden, inputs, layers, bidirectional, convention)
    solution = solve(problem(net, "rnn", "rnn"))
    got = {answer.name: answer.value for answer in solution.answers}
    assert (got["textbook_total"], got["pytorch_total"], got["keras_total"]) == (textbook, pytorch, keras)
    assert got["total"] == {"textbook": textbook, "pytorch": pytorch, "keras": keras}[convention]


def test_convention_totals_in_json():
    got = run_json(PROBLEMS / "lstm.yaml")
    lstm = nn.LSTM(300, 500, num_layers=2)
    assert int(got["pytorch_total"]) == sum(p.numel() for p in lstm.parameters()) == 3_608_000
    assert int(got["textbook_total"]) == int(got["keras_total"]) == int(got["total"]) == 3_604_000


# --- random networks ------------------------------------------------------------------------------


@st.composite
def networks(draw):
    """A random network of conv, pooling, batch norm, activations, dropout, flatten and fc layers:
    (given mapping, the real input shape, whether the spec gives the input size)."""
    dims = draw(st.sampled_from([1, 2]))
    sizes = tuple(draw(st.integers(4, 10)) for _ in range(dims))
    channels = draw(st.integers(1, 4))
    with_size = draw(st.booleans())
    shape: tuple[int, ...] = (channels, *sizes)
    known = with_size  # whether the solver can know the current size
    layers: list[dict] = []
    for _ in range(draw(st.integers(1, 6))):
        maps = len(shape) > 1
        kinds = ["conv", "pool", "batchnorm", "act", "dropout", "flatten", "fc"] if maps else \
            ["batchnorm", "act", "dropout", "flatten", "fc"]
        kind = draw(st.sampled_from(kinds))
        layer: dict[str, object]
        if kind == "conv":
            padding = draw(st.integers(0, 1))
            kernel = draw(st.integers(1, min(shape[1:]) + 2 * padding))
            layer = {"type": "conv", "out_channels": draw(st.integers(1, 5)), "kernel": kernel,
                     "padding": padding, "bias": draw(st.booleans())}
            out = [n + 2 * padding - kernel + 1 for n in shape[1:]]
            shape = (layer["out_channels"], *out)  # type: ignore[assignment]
        elif kind == "pool":
            kernel = draw(st.integers(1, min(2, *shape[1:])))
            layer = {"type": draw(st.sampled_from(["maxpool", "avgpool"])), "kernel": kernel}
            shape = (shape[0], *(n // kernel for n in shape[1:]))
        elif kind == "batchnorm":
            layer = {"type": "batchnorm", "affine": draw(st.booleans())}
            if (not maps and not known) or draw(st.booleans()):
                layer["num_features"] = shape[0]
        elif kind == "act":
            layer = {"type": draw(st.sampled_from(sorted(ACTIVATIONS)))}
        elif kind == "dropout":
            layer = {"type": "dropout", "p": draw(st.sampled_from([0, 0.1, 0.5, "1/3", 1]))}
        elif kind == "flatten":
            layer = {"type": "flatten"}
            count = 1
            for n in shape:
                count *= n
            shape = (count,)
        else:
            count = 1
            for n in shape:
                count *= n
            layer = {"type": "fc", "out_features": draw(st.integers(1, 8))}
            if not known or draw(st.booleans()):
                layer["in_features"] = count
            shape = (layer["out_features"],)  # type: ignore[assignment]
            known = True
        layers.append(layer)
    given_data: dict[str, object] = {"model": "cnn", "in_channels": channels, "layers": layers}
    if with_size:
        given_data["input_size"] = list(sizes)
    elif dims == 1 and not any(isinstance(layer.get("kernel"), list) for layer in layers):
        given_data["dims"] = 1
    return given_data, (channels, *sizes), with_size


@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(max_examples=examples(60), deadline=None)
@given(case=networks())
def test_random_networks_match_torch(tmp_path_factory, case):
    given_data, real_size, with_size = case
    expected = torch_network(given_data, real_size)
    got = run_given(tmp_path_factory.mktemp("net"), given_data)
    compare(got, expected, sizes_known=with_size)
    if with_size:
        assert set(got) == set(expected)


@st.composite
def language_models(draw):
    """An embedding, then dropout, activations, fc layers per position, maybe flatten, maybe a tied output."""
    v, e = draw(st.integers(2, 40)), draw(st.integers(1, 12))
    length = draw(st.one_of(st.none(), st.integers(1, 8)))
    layers: list[dict] = [{"type": "embedding", "num_embeddings": v, "embedding_dim": e, "name": "emb"}]
    features = e
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["dropout", "tanh", "relu", "fc"]))
        if kind == "fc":
            features = draw(st.integers(1, 12))
            layers.append({"type": "fc", "out_features": features, "bias": draw(st.booleans())})
        else:
            layers.append({"type": kind})
    if draw(st.booleans()):  # tie the output projection to the table
        if features != e:
            layers.append({"type": "fc", "out_features": e})
        layers.append({"type": "fc", "out_features": v, "share": "emb", "bias": draw(st.booleans())})
    elif length is not None and draw(st.booleans()):
        layers += [{"type": "flatten"}, {"type": "fc", "out_features": draw(st.integers(1, 5))}]
    given_data: dict[str, object] = {"model": "cnn", "layers": layers}
    if length is not None:
        given_data["input_size"] = length
    return given_data, (length or 3,), length is not None


@settings(max_examples=examples(40), deadline=None)
@given(case=language_models())
def test_random_language_models_match_torch(tmp_path_factory, case):
    given_data, real_size, with_size = case
    expected = torch_network(given_data, real_size)
    got = run_given(tmp_path_factory.mktemp("lm"), given_data)
    compare(got, expected, sizes_known=with_size)
    if any("share" in layer for layer in given_data["layers"]):
        assert int(got["shared"]) == given_data["layers"][0]["num_embeddings"] * given_data["layers"][0][
            "embedding_dim"]


@settings(max_examples=examples(20), deadline=None)
@given(channels=st.integers(1, 4), kernel=st.integers(1, 3), size=st.integers(3, 8), bias=st.booleans())
def test_shared_conv_and_fc_weights_match_torch(tmp_path_factory, channels, kernel, size, bias):
    """A conv applied twice with one weight (its own biases), then two fc layers sharing one matrix."""
    layers = [
        {"type": "conv", "out_channels": channels, "kernel": kernel, "name": "c"},
        {"type": "relu"},
        {"type": "conv", "out_channels": channels, "kernel": kernel, "share": "c", "bias": bias},
        {"type": "flatten"},
        {"type": "fc", "out_features": 4},
        {"type": "fc", "out_features": 4, "name": "f"},
        {"type": "tanh"},
        {"type": "fc", "out_features": 4, "share": "f", "bias": bias},
    ]
    sizes = [size + 2 * kernel, size + 2 * kernel - 2]
    given_data = {"model": "cnn", "in_channels": channels, "input_size": sizes, "layers": layers}
    expected = torch_network(given_data, (channels, *sizes))
    got = run_given(tmp_path_factory.mktemp("shared"), given_data)
    compare(got, expected)
    assert set(got) == set(expected)


# --- bad specs ------------------------------------------------------------------------------------

MAPS = """\
kind: params
title: T
given:
  model: cnn
  input_size: [8, 8]
  in_channels: 3
  layers:
"""
NO_SIZE = MAPS.replace("  input_size: [8, 8]\n", "")
TOKENS = """\
kind: params
title: T
given:
  model: cnn
  input_size: 5
  layers:
    - {type: embedding, num_embeddings: 10, embedding_dim: 4, name: emb}
"""

BAD = [
    case(MAPS + "    - {type: dropout, p: 1.5}  # <-\n", "given.layers[0].p", "expected a probability from 0 to 1",
         "got 1.5", id="dropout-p-over-1"),
    case(MAPS + "    - {type: dropout, p: half}  # <-\n", "given.layers[0].p", "expected a probability",
         id="dropout-p-text"),
    case(MAPS + "    - {type: dropout, p: true}  # <-\n", "given.layers[0].p", "expected a probability",
         id="dropout-p-bool"),
    case(MAPS + "    - {type: batchnorm, num_features: 4}  # <-\n", "given.layers[0].num_features",
         "num_features = 4", "3 channels", id="batchnorm-num-features-mismatch"),
    case(MAPS + "    - {type: batchnorm, num_features: 0}  # <-\n", "given.layers[0].num_features",
         "greater than or equal to 1", "got 0", id="batchnorm-num-features-zero"),
    case(MAPS + "    - {type: batchnorm, affine: 1}  # <-\n", "given.layers[0].affine", "expected true or false", id="batchnorm-affine-text"),
    case(NO_SIZE + "    - {type: flatten}\n    - {type: batchnorm}  # <-\n", "given.layers[1]",
         "give its num_features", id="batchnorm-size-unknown"),
    case(TOKENS + "    - {type: batchnorm}  # <-\n", "given.layers[1].type", "batch norm after an embedding",
         id="batchnorm-after-embedding"),
    case(MAPS + "    - {type: fc, in_features: 100, out_features: 2}  # <-\n", "given.layers[0].in_features",
         "in_features = 100", "3×8×8 input has 192 features", id="fc-in-features-mismatch"),
    case(NO_SIZE + "    - {type: conv, out_channels: 2, kernel: 3}\n    - {type: fc, out_features: 2}  # <-\n",
         "given.layers[1]", "unknown without the network's input_size", "in_features", id="fc-in-features-needed"),
    case(MAPS + "    - {type: relu}\n    - {type: embedding, num_embeddings: 5, embedding_dim: 2}  # <-\n",
         "given.layers[1].type", "must be the first layer", id="embedding-not-first"),
    case(TOKENS.replace("num_embeddings: 10", "num_embeddings: 0") .replace(
        "name: emb}", "name: emb}  # <-"), "given.layers[0].num_embeddings", "greater than or equal to 1",
        id="embedding-zero-rows"),
    case(TOKENS.replace("  input_size: 5\n", "  input_size: 5\n  in_channels: 3  # <-\n"), "given.in_channels",
         "input is token indices", id="embedding-with-in-channels"),
    case(TOKENS.replace("  input_size: 5\n", "  input_size: [5, 5]  # <-\n"), "given.input_size",
         "one integer", id="embedding-2d-input"),
    case(TOKENS + "    - {type: conv, out_channels: 2, kernel: 1}  # <-\n", "given.layers[1].type",
         "needs C×L feature maps", "layer 1 (embedding) outputs L×E", id="conv-after-embedding"),
    case(MAPS.replace("  in_channels: 3\n", "  in_channels: 3  # <-\n  in_features: 3\n") + "    - {type: relu}\n",
         "given.in_channels", "in_features makes the input a vector", id="in-features-and-in-channels"),
    case(MAPS.replace("  in_channels: 3\n", "") + "    - {type: relu}\n", "given.in_channels", "missing required field: in_channels", line=3,
         id="in-channels-missing"),
    case(MAPS.replace("  in_channels: 3\n", "  in_channels: 3\n  dims: 1  # <-\n") + "    - {type: relu}\n",
         "given.dims", "dims = 1", "input_size has 2 values", id="dims-mismatch"),
    case(MAPS.replace("  in_channels: 3\n", "  in_channels: 3\n  dims: 4  # <-\n") + "    - {type: relu}\n",
         "given.dims", id="dims-out-of-range"),
    case(MAPS + "    - {type: fc, out_features: 4, name: a}\n    - {type: fc, out_features: 4, name: a}  # <-\n",
         "given.layers[1].name", "layer 1 is already called 'a'", id="name-twice"),
    case(MAPS + "    - {type: fc, out_features: 4, share: b}  # <-\n", "given.layers[0].share",
         "no earlier layer is called 'b'", id="share-unknown-name"),
    case(MAPS + "    - {type: fc, out_features: 4, share: b}  # <-\n    - {type: fc, out_features: 4, name: b}\n",
         "given.layers[0].share", "layer 2 is 'b'", "earlier layer only", id="share-later-layer"),
    case(MAPS + "    - {type: fc, out_features: 4, name: a}\n    - {type: fc, out_features: 3, share: a}  # <-\n",
         "given.layers[1].share", "weight is 3×4", "4×192", "same shape", id="share-shape-mismatch"),
    case(MAPS + "    - {type: fc, out_features: 4, name: 7}  # <-\n", "given.layers[0].name",
         "expected a layer name", id="name-not-text"),
    case(MAPS + "    - {type: relu, name: r}  # <-\n", "given.layers[0].name", "unknown field; allowed: type",
         id="name-on-relu"),
    case(MAPS + "    - {type: relu, slope: 2}  # <-\n", "given.layers[0].slope", "unknown field", id="activation-field"),
    case(MAPS + "    - {type: flatten, dim: 2}  # <-\n", "given.layers[0].dim", "unknown field", id="flatten-field"),
    case(MAPS + "    - {type: fc, out_features: 4, in_features: 0}  # <-\n", "given.layers[0].in_features",
         "greater than or equal to 1", id="fc-in-features-zero"),
    case(MAPS.replace("  layers:\n", "  layers: null  # <-\n"), "given.layers", id="layers-null"),
    case(MAPS.replace("  input_size: [8, 8]\n", "  in_features: 5\n  input_size: [8, 8]  # <-\n").replace(
        "  in_channels: 3\n", "") + "    - {type: relu}\n", "given.input_size", "no input_size",
        id="vector-input-with-size"),
    case(MAPS.replace("  input_size: [8, 8]\n  in_channels: 3\n", "  in_features: 5\n")
         + "    - {type: maxpool, kernel: 2}  # <-\n", "given.layers[0].type", "the input is a vector",
         id="pool-on-vector-input"),
]


@pytest.mark.parametrize("bad", BAD)
def test_bad_spec(bad, tmp_path):
    check_bad_spec(bad, tmp_path)

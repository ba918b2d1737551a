"""The command line as a user meets it: help with examples, the shortcuts, list, exit codes."""

from __future__ import annotations

import json
import re

import pytest
from helpers import ROOT, run_cli, run_dlsolve

COMMANDS = ["run", "list", "lstm-params", "gru-params", "rnn-params", "fc-params", "conv-params"]


def test_main_help_shows_examples_and_exit_codes() -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    assert "dlsolve run problems/lstm.yaml" in result.stdout
    assert "Exit codes" in result.stdout and "3 bad problem file" in result.stdout
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_an_example(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and f"dlsolve {command}" in result.stdout


def test_version() -> None:
    from solver import __version__

    assert run_cli("--version").stdout.strip() == f"dlsolve {__version__}"


def test_lstm_params_seed_exam_question() -> None:
    """Final exam Q4: 4·(500·(300+500)+500) + 4·(500·(500+500)+500) = 1,602,000 + 2,002,000."""
    result = run_cli("lstm-params", "--hidden", "500", "--input", "300", "--layers", "2")
    assert result.exit_code == 0
    assert re.search(r"total +=  3,604,000", result.stdout)
    # the text output also names the other convention's total (PyTorch: two bias vectors per gate)
    assert "torch.nn.LSTM would count 3,608,000 parameters" in result.stdout


@pytest.mark.parametrize(("command", "title"), [("lstm-params", "Parameters of an LSTM"), ("rnn-params", "Parameters of an RNN"),
                                              ("gru-params", "Parameters of a GRU")])
def test_a_single_layer_title_takes_the_article_its_cell_is_read_with(command: str, title: str) -> None:
    """English: "an LSTM", "an RNN" (said el, ar), "a GRU"."""
    assert run_cli(command, "--hidden", "5", "--input", "3").stdout.splitlines()[1] == f"{title} (hidden 5, input 3)"


def test_lstm_params_pytorch_convention_json() -> None:
    result = run_cli("lstm-params", "--hidden", "500", "--input", "300", "--layers", "2", "--convention", "pytorch", "-f", "json")
    answers = json.loads(result.stdout)["answers"]
    assert answers["total"] == {"exact": "3608000", "latex": "3\\,608\\,000", "value": 3608000.0}
    assert answers["layer1"]["exact"] == "1604000" and answers["layer2"]["exact"] == "2004000"


def test_fc_params_slides_example() -> None:
    """Slides 001: weights 2·5 + 5·10 + 10·5 + 5·2 = 120, biases 5 + 10 + 5 + 2 = 22."""
    answers = json.loads(run_cli("fc-params", "--sizes", "2,5,10,5,2", "-f", "json").stdout)["answers"]
    assert {k: answers[k]["exact"] for k in ("total", "weights", "biases")} == {"total": "142", "weights": "120", "biases": "22"}


def test_conv_params_with_output_size() -> None:
    """16·3·3·3 + 16 = 448 parameters; ⌊(32 + 2 − 2 − 1)/2⌋ + 1 = 16."""
    result = run_cli("conv-params", "--in-channels", "3", "--out-channels", "16", "--kernel", "3",
                     "--input-size", "32,32", "--padding", "1", "--stride", "2", "-f", "json")
    answers = json.loads(result.stdout)["answers"]
    assert {k: v["exact"] for k, v in answers.items()} == {
        "total": "448", "weights": "432", "biases": "16", "H_out": "16", "W_out": "16"
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (["lstm-params", "--hidden", "0", "--input", "3"], "--hidden"),
        (["lstm-params", "--input", "3"], "--hidden"),
        (["lstm-params", "--hidden", "3", "--input", "3", "--convention", "torch"], "--convention"),
        (["fc-params", "--sizes", "2,x"], "--sizes"),
        (["fc-params", "--sizes", "2"], "--sizes"),
        (["conv-params", "--in-channels", "3", "--out-channels", "4", "--kernel", "3,3,3,3"], "--kernel"),
        (["run"], "Missing argument"),
        (["run", "no/such/file.yaml"], "no such file"),
        (["frobnicate"], "No such command"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_list_shows_the_problem_bank() -> None:
    result = run_cli("list", "problems")
    assert result.exit_code == 0
    assert "lstm" in result.stdout and "Parameter count of a two-layer LSTM" in result.stdout
    assert "fc-params" in result.stdout


# Every seed problem issue 15 names, with the file that states it (the seeds' index: seeds/README.md)
SEED_PROBLEMS = {
    "fc-layer-symbolic.yaml": "seed 000",  # final exam Q1, symbolic sizes m, n
    "tictactoe.yaml": "seed 000",  # final exam Q3
    "xor-least-squares.yaml": "seed 001",  # slides: XOR by least squares
    "mse-vs-ce.yaml": "seed 001",  # slides: MSE versus cross-entropy
    "universal-approximation.yaml": "seed 001",  # slides: ReLU pieces
    "gradient-descent.yaml": "seed 001",  # slides: the PyTorch gradient-descent loop
    "identities.yaml": "seed 001",  # slides: the loss derivatives and identities
    "backprop-symbolic.yaml": "seed 004",  # exercise sheet, exercises 2 and 5
}


def test_list_shows_where_each_seed_problem_is() -> None:
    result = run_cli("list", "problems", "--source")
    assert result.exit_code == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:] if line.strip()}
    for file, seed in SEED_PROBLEMS.items():
        assert file in rows, f"no problem file {file}"
        assert seed in rows[file], rows[file]
    assert "kind" in result.stdout.splitlines()[0] and "source" in result.stdout.splitlines()[0]


def test_list_flags_invalid_files(tmp_path) -> None:
    (tmp_path / "good.yaml").write_text("kind: params\ntitle: Good\ngiven: {model: fc, sizes: [2, 1]}\n")
    (tmp_path / "bad.yaml").write_text("kind: nope\ntitle: Bad\ngiven: {}\n")
    result = run_cli("list", tmp_path)
    assert result.exit_code == 3
    assert "Good" in result.stdout and "invalid" in result.stdout and "unknown kind" in result.stdout


def test_installed_entry_point_end_to_end() -> None:
    """A real process, as a new user runs it from the README."""
    result = run_dlsolve("run", "problems/lstm.yaml")
    assert result.exit_code == 0
    assert "3,604,000" in result.stdout and "Answers" in result.stdout


def test_a_reader_that_stops_early_gets_no_error_message() -> None:
    """`dlsolve run … | head`: when the reader quits, dlsolve stops quietly with 141 (128 + SIGPIPE)."""
    import subprocess
    import sys

    files = [str(path) for path in sorted((ROOT / "problems").glob("*params*.yaml"))] * 20  # > a pipe's 64 KiB
    process = subprocess.Popen([sys.executable, "-m", "solver", "run", *files, "-f", "json"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first byte
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141 and stderr == ""

"""The parameter-count shortcuts: ``dlsolve lstm-params``, ``gru-params``, ``rnn-params``, ``fc-params``
and ``conv-params`` build a ``params`` problem from options instead of a file.

These commands must start fast: the solver is imported when they run (``solver.kinds.params``
uses integer arithmetic only, no sympy).
"""

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import typer

from solver.cli.plumbing import ColorOption, Format, FormatOption, LangOption, OutputOption, emit, handle_errors
from solver.errors import UsageError
from solver.i18n import mark, tr

Model = Literal["rnn", "lstm", "gru"]


class Convention(str, Enum):
    """Bias conventions for recurrent layers."""

    textbook = "textbook"
    pytorch = "pytorch"
    keras = "keras"


HiddenOption = Annotated[int, typer.Option("--hidden", min=1, help="Hidden size h.", show_default=False)]
InputOption = Annotated[
    int, typer.Option("--input", min=1, help="Input size x of the first layer.", show_default=False)
]
LayersOption = Annotated[int, typer.Option("--layers", min=1, help="Number of stacked layers.")]
BidirectionalOption = Annotated[bool, typer.Option("--bidirectional", help="Two directions per layer.")]
ConventionOption = Annotated[
    Convention,
    typer.Option("--convention", help="textbook: one bias vector per gate; pytorch: two (b_ih, b_hh); "
                 "keras: as Keras counts."),
]


# --- recurrent layers -------------------------------------------------------------------------


def _recurrent(ctx: typer.Context, model: Model, hidden: int, input_size: int, layers: int, bidirectional: bool,
               convention: Convention, fmt: Format | None, output: Path | None, color: bool | None) -> None:
    with handle_errors(ctx, {"input": "--input"}):
        from solver.api import solve
        from solver.kinds.params import CELL_NAMES, RecurrentNet
        from solver.kinds.params import problem as params_problem

        net = RecurrentNet(model=model, hidden=hidden, input=input_size, layers=layers, bidirectional=bidirectional,
                           convention=convention.value)
        # Translators: {cell} is RNN, LSTM or GRU; {layers}, {hidden}, {input} are sizes
        template = ((TITLE_LAYERS_BIDIRECTIONAL if bidirectional else TITLE_LAYERS) if layers > 1 else
                    (TITLE_BIDIRECTIONAL if bidirectional else TITLE_AN if model in ("rnn", "lstm") else TITLE))
        title = tr(template, layers=layers, cell=CELL_NAMES[model], hidden=hidden, input=input_size)
        solution = solve(params_problem(net, f"{model}-params", title))
        emit([solution], fmt, output, False, color)


TITLE = mark("Parameters of a {cell} (hidden {hidden}, input {input})")
# Translators: as "Parameters of a {cell} …": English writes "an" before RNN and LSTM (said "ar", "el")
TITLE_AN = mark("Parameters of an {cell} (hidden {hidden}, input {input})")
TITLE_BIDIRECTIONAL = mark("Parameters of a bidirectional {cell} (hidden {hidden}, input {input})")
TITLE_LAYERS = mark("Parameters of a {layers}-layer {cell} (hidden {hidden}, input {input})")
TITLE_LAYERS_BIDIRECTIONAL = mark("Parameters of a {layers}-layer bidirectional {cell} "
                                  "(hidden {hidden}, input {input})")


def recurrent_command(model: Model, cell: str, example: str) -> Callable[..., None]:
    """The ``<model>-params`` command: one definition for RNN, LSTM and GRU."""

    def command(ctx: typer.Context, hidden: HiddenOption, input: InputOption, layers: LayersOption = 1,
                bidirectional: BidirectionalOption = False, convention: ConventionOption = Convention.textbook,
                fmt: FormatOption = None, output: OutputOption = None, color: ColorOption = None,
                lang: LangOption = None) -> None:
        _recurrent(ctx, model, hidden, input, layers, bidirectional, convention, fmt, output, color)

    command.__doc__ = f"""Count the parameters of a (stacked, optionally bidirectional) {cell}.

    Example:

      {example}
    """
    command.__name__ = f"{model}_params"
    return command


lstm_params = recurrent_command("lstm", "LSTM", "dlsolve lstm-params --hidden 500 --input 300 --layers 2")
gru_params = recurrent_command("gru", "GRU", "dlsolve gru-params --hidden 128 --input 64 --convention pytorch")
rnn_params = recurrent_command("rnn", "Elman RNN", "dlsolve rnn-params --hidden 20 --input 10 --layers 3")


# --- fully connected networks and convolution layers ------------------------------------------


def int_list(text: str, option: str, minimum: int = 1) -> tuple[int, ...]:
    """Comma-separated integers, each at least ``minimum`` (a UsageError naming ``option`` otherwise)."""
    try:
        items = tuple(int(part) for part in text.replace(" ", "").split(","))
    except ValueError:
        # Translators: {value} is what the option was given, quoted
        raise UsageError(f"{option}: " + tr("expected comma-separated integers such as 3 or 3,5, got {value}",
                                            value=repr(text))) from None
    if not items or any(item < minimum for item in items):
        raise UsageError(f"{option}: " + tr("every value must be at least {minimum}, got {value}", minimum=minimum,
                                            value=repr(text)))
    return items


def fc_params(
    ctx: typer.Context,
    sizes: Annotated[str, typer.Option("--sizes", help="Layer sizes, input first, comma-separated.",
                                       show_default=False)],
    bias: Annotated[bool, typer.Option("--bias/--no-bias", help="Layers have bias vectors.")] = True,
    fmt: FormatOption = None,
    output: OutputOption = None,
    color: ColorOption = None,
    lang: LangOption = None,
) -> None:
    """Count the parameters of a fully connected network.

    Example (lecture slides):

      dlsolve fc-params --sizes 2,5,10,5,2
    """
    with handle_errors(ctx):
        from solver.api import solve
        from solver.kinds.params import DenseNet
        from solver.kinds.params import problem as params_problem

        layer_sizes = list(int_list(sizes, "--sizes"))
        # Translators: {sizes} is a list of layer sizes such as 2 → 5 → 2
        title = tr("Parameters of a fully connected network {sizes}", sizes=" → ".join(map(str, layer_sizes)))
        net = DenseNet(model="fc", sizes=layer_sizes, bias=bias)
        solution = solve(params_problem(net, "fc-params", title))
        emit([solution], fmt, output, False, color)


def conv_params(
    ctx: typer.Context,
    in_channels: Annotated[int, typer.Option("--in-channels", min=1, help="Input channels.", show_default=False)],
    out_channels: Annotated[int, typer.Option("--out-channels", min=1, help="Output channels (filters).",
                                              show_default=False)],
    kernel: Annotated[str, typer.Option("--kernel", help="Kernel size: 3, or one per dimension (3,5).",
                                        show_default=False)],
    input_size: Annotated[str | None, typer.Option("--input-size", help="Input size, e.g. 32,32, to derive the "
                                                   "output size.")] = None,
    stride: Annotated[str, typer.Option("--stride", help="Stride (one, or one per dimension).")] = "1",
    padding: Annotated[str, typer.Option("--padding", help="valid, same, or zeros per side (one, or one per "
                                         "dimension).")] = "0",
    dilation: Annotated[str, typer.Option("--dilation", help="Dilation (one, or one per dimension).")] = "1",
    groups: Annotated[int, typer.Option("--groups", min=1, help="Channel groups.")] = 1,
    dims: Annotated[int | None, typer.Option("--dims", min=1, max=3, help="1, 2 or 3 spatial dimensions (default: "
                                             "from the lists given, else 2).")] = None,
    bias: Annotated[bool, typer.Option("--bias/--no-bias", help="One bias per output channel.")] = True,
    fmt: FormatOption = None,
    output: OutputOption = None,
    color: ColorOption = None,
    lang: LangOption = None,
) -> None:
    """Count the parameters of a convolution layer (and its output size with --input-size).

    Example:

      dlsolve conv-params --in-channels 3 --out-channels 16 --kernel 3 --input-size 32,32 --padding 1
    """
    with handle_errors(ctx):
        from solver.api import solve
        from solver.kinds.params import ConvLayer
        from solver.kinds.params import problem as params_problem

        def per_dim(text: str, option: str, minimum: int = 1) -> Any:
            items = int_list(text, option, minimum)
            return items[0] if len(items) == 1 else items

        pad: Any = padding if padding in ("valid", "same") else per_dim(padding, "--padding", 0)
        layer = ConvLayer(  # the options are read (and their errors reported) in this order
            model="conv",
            in_channels=in_channels,
            out_channels=out_channels,
            kernel=per_dim(kernel, "--kernel"),
            dims=cast(Literal[1, 2, 3] | None, dims),  # typer checked 1 ≤ dims ≤ 3
            bias=bias,
            groups=groups,
            input_size=per_dim(input_size, "--input-size") if input_size else None,
            stride=per_dim(stride, "--stride"),
            padding=pad,
            dilation=per_dim(dilation, "--dilation"),
        )
        # Translators: {kernel} is the kernel size as given, such as 3 or 3,5
        title = tr("Parameters of a convolution layer ({inputs} → {outputs} channels, kernel {kernel})",
                   inputs=in_channels, outputs=out_channels, kernel=kernel)
        solution = solve(params_problem(layer, "conv-params", title))
        emit([solution], fmt, output, False, color)

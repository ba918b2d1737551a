"""The registry of problem kinds: a kind is one module with ``given_type`` and ``solve``.

Modules are imported only when a problem of that kind is loaded.
"""

from __future__ import annotations

import importlib
from types import ModuleType

KINDS: dict[str, tuple[str, str]] = {
    "params": ("solver.kinds.params", "parameter counts of RNN/LSTM/GRU, fully connected and conv layers"),
    "graph": ("solver.kinds.graph", "computational graphs: forward pass, loss, backward pass, updates"),
    "rnn": ("solver.kinds.rnn", "recurrent networks: RNN, LSTM and GRU steps, backpropagation through time"),
    "gan": ("solver.kinds.gan", "one GAN training step: discriminator ascent, then generator descent"),
    "conv-inversion": ("solver.kinds.conv_inversion", "recover a conv kernel, bias and lost inputs from known outputs"),
}


def kind_module(name: str) -> ModuleType:
    """The module that solves problems of kind ``name`` (KeyError if unknown)."""
    return importlib.import_module(KINDS[name][0])

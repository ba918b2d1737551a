"""The prose of the ``rnn`` kind, marked for translation: what its quantities are and the notes on the
network's conventions and on the Jacobian products of backpropagation through time."""

from __future__ import annotations

from solver.i18n import mark, prose_number, tr
from solver.kinds.rnn_spec import Network

ROLES = {"a": mark("pre-activation"), "h": mark("hidden state"), "c": mark("cell state"), "y": mark("output"),
         "i": mark("input gate"), "f": mark("forget gate"), "g": mark("candidate"), "o": mark("output gate"),
         "r": mark("reset gate"), "z": mark("update gate"), "n": mark("new gate")}
"""What each quantity of a cell is, by its letter (translate with ``tr``)."""

ACTIVATIONS = {"sigmoid": ("σ", "σ'(a) = σ(a)·(1 − σ(a)) ≤ 1/4"), "tanh": ("tanh", "tanh'(a) = 1 − tanh²(a) ≤ 1"),
               "relu": ("ReLU", mark("ReLU'(a) = 1 for a > 0, else 0 (also at 0, as PyTorch)"))}
"""Each activation's symbol and its derivative's bound (translate the bound with ``tr``)."""


def network_note(net: Network) -> str:
    """The cell, the time steps it is unrolled over and the layout of its weights."""
    steps = f"T = {len(net.x)}"
    if net.cell == "rnn":
        layout = tr("Row-vector convention: states and inputs are rows, multiplied from the left (x_t·W_xh).") \
            if net.convention == "row" else tr("Column vectors (W·x).")
        # Translators: {steps} is a formula such as T = 3; {layout} is a sentence on the vector layout
        if net.h0 is not None:
            return tr("An Elman RNN unrolled over {steps} steps from h0 (given). {layout}", steps=steps, layout=layout)
        return tr("An Elman RNN unrolled over {steps} steps from h0 (zero). {layout}", steps=steps, layout=layout)
    if net.cell == "lstm":
        note = tr("An LSTM cell (torch.nn.LSTMCell) unrolled over {steps} steps. PyTorch layout: W_ih stacks W_ii, "
                  "W_if, W_ig, W_io (gate order i, f, g, o) and W_hh likewise; there are two bias vectors, b_ih and "
                  "b_hh (the textbook's single bias per gate is their sum).", steps=steps)
    else:
        note = tr("A GRU cell (torch.nn.GRUCell) unrolled over {steps} steps. PyTorch layout: W_ih stacks W_ir, W_iz, "
                  "W_in (gate order r, z, n) and W_hh likewise, with two bias vectors b_ih and b_hh; the reset gate "
                  "multiplies the hidden part of n including its bias, and z keeps the old state.", steps=steps)
    if net.b_ih is None and net.b_hh is None:
        note += " " + tr("No biases are given: they are zero.")
    return note


def factors_note(steps: int, act: str, norms: list[tuple[int, float]]) -> str:
    """What the Jacobian products show: the norms of ∂h_T/∂h_k going back in time, shrinking or growing."""
    shown = ", ".join(f"k = {k}: {prose_number(f'{n:.4g}')}" for k, n in norms)
    values = {"bound": tr(ACTIVATIONS[act][1]), "jacobian": f"∂h{steps}/∂h_k", "norms": shown}
    # Translators: {bound} bounds the activation's derivative (σ'(a) ≤ 1/4); {jacobian} is ∂h3/∂h_k; {norms}
    # lists the norms such as "k = 2: 0.5, k = 1: 0.25"
    if norms[-1][1] < norms[0][1]:
        return tr("Backpropagation through time multiplies by ∂h_t/∂h_(t−1) = diag(act'(a_t))·W at every step back; "
                  "{bound}. The Frobenius norms of {jacobian} are {norms}: going back in time they shrink (vanishing "
                  "gradients when this continues).", **values)
    return tr("Backpropagation through time multiplies by ∂h_t/∂h_(t−1) = diag(act'(a_t))·W at every step back; "
              "{bound}. The Frobenius norms of {jacobian} are {norms}: going back in time they grow (exploding "
              "gradients when this continues).", **values)

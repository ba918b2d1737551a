"""An independent PyTorch (float64, autograd) evaluator for ``kind: rnn`` problems: the oracle.

Nothing here is imported from ``solver/``. Numbers, given vectors/matrices and the loss equation
are read with the test oracle of ``kind: graph`` (``graph_torch``: Python's ast with a whitelist,
never eval); the recurrences are computed here:

* ``cell: rnn`` — by hand with torch ops (the spec allows the row convention, which torch's
  ``nn.RNNCell`` has not), and for tanh/relu in the column convention cross-checked against
  ``torch.nn.RNNCell`` loaded with the same weights;
* ``cell: lstm`` / ``gru`` — ``torch.nn.LSTMCell`` / ``torch.nn.GRUCell`` loaded with
  weight_ih/weight_hh/bias_ih/bias_hh (zeros for a missing bias); the gate values, which the cells
  do not expose, are recomputed by hand from the cell's weights and the cell's previous state, and
  the hand recurrence is asserted to reproduce the cell's h (and c);
* ``factors: true`` (rnn cell) — the Jacobians ∂h_T/∂h_k under dlsolve's names ``dhT/dhk``, by
  ``torch.autograd.functional.jacobian`` of the recurrence restarted from h_k.

Answer layout (as dlsolve's JSON ``value``): float for 1×1, flat list for a column n×1, list of rows
otherwise — so a row-convention h_t (1×n, n > 1) is ``[[...]]``; a gradient has the shape of its
variable as given (bias vectors, h0 and c0 given as flat lists → flat lists).
"""

from __future__ import annotations

from typing import Any

import torch

from .graph_torch import _Evaluator, parse_equation, parse_given, parse_number, to_value

DTYPE = torch.float64
ACTIVATIONS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}


def _vector(raw: list) -> torch.Tensor:
    """A flat list → n×1 column (float64)."""
    return torch.tensor([[parse_number(v)] for v in raw], dtype=DTYPE)


def _sequence(raw: list) -> list[torch.Tensor]:
    """``x``: one vector per step (n×1 columns); a flat list of numbers = scalar inputs."""
    if all(not isinstance(v, list) for v in raw):
        return [torch.tensor([[parse_number(v)]], dtype=DTYPE) for v in raw]
    return [_vector(v) for v in raw]


def default_wrt(given: dict) -> list[str]:
    cell = given.get("cell", "rnn")
    names = ["W_hh", "W_xh", "b_h"] if cell == "rnn" else ["W_ih", "W_hh", "b_ih", "b_hh"]
    names += ["W_hy", "b_y"]
    return [n for n in names if n in given]


def evaluate(spec: dict) -> dict[str, Any]:
    """Every answer of an rnn spec: per-step values, the loss, and the gradients (torch autograd)."""
    given = spec["given"]
    cell = given.get("cell", "rnn")
    xs = _sequence(given["x"])
    leaves: dict[str, torch.Tensor] = {}

    def leaf(name: str, value: torch.Tensor) -> torch.Tensor:
        leaves[name] = value.detach().clone().requires_grad_(True)
        return leaves[name]

    def param(name: str, default: torch.Tensor | None = None) -> torch.Tensor | None:
        if name in given:
            raw = given[name]
            is_vector = isinstance(raw, list) and all(not isinstance(v, list) for v in raw)
            return leaf(name, _vector(raw) if is_vector else parse_given(raw))
        return None if default is None else leaf(name, default)

    values: dict[str, torch.Tensor] = {}  # answer name → tensor, in the layout of the answer
    extra: dict[str, torch.Tensor] = {}  # the Jacobians dh_T/dh_k (factors: true), named as dlsolve does
    env: dict[str, torch.Tensor] = {}  # names usable in the loss (h_t, y_t, c_t, targets)

    if cell == "rnn":
        act = ACTIVATIONS[given.get("activation", "tanh")]
        row = given.get("convention", "column") == "row"
        W_hh, W_xh = param("W_hh"), param("W_xh")
        hidden = W_hh.shape[1]
        b_h = param("b_h", torch.zeros(hidden, 1, dtype=DTYPE))
        h = param("h0", torch.zeros(hidden, 1, dtype=DTYPE))
        W_hy, b_y = param("W_hy"), None
        if W_hy is not None:
            b_y = param("b_y", torch.zeros(W_hy.shape[1] if row else W_hy.shape[0], 1, dtype=DTYPE))
        if row:
            h = h.T
        h_start = h
        for t, x in enumerate(xs, 1):
            if row:
                a = h @ W_hh + x.T @ W_xh + b_h.T
            else:
                a = W_hh @ h + W_xh @ x + b_h
            h_new = act(a)
            if not row and given.get("activation", "tanh") in ("tanh", "relu"):
                _check_against_rnn_cell(given.get("activation", "tanh"), W_hh, W_xh, b_h, h, x, h_new)
            h = h_new
            values[f"a{t}"], values[f"h{t}"] = a, h
            if W_hy is not None:
                values[f"y{t}"] = (h @ W_hy + b_y.T) if row else (W_hy @ h + b_y)
        if spec.get("factors"):
            hs = [h_start] + [values[f"h{t}"] for t in range(1, len(xs) + 1)]
            jacobians = _jacobians(act, W_hh, W_xh, b_h, hs, xs, row)
            extra.update(jacobians)
    elif cell in ("lstm", "gru"):
        values.update(_gated(cell, given, xs, param, leaves))
    else:
        raise ValueError(f"unknown cell {cell!r}")

    for name, value in values.items():
        if name[0] in "hyc" and name[1:].isdigit():
            env[name] = value
    for name, raw in (given.get("targets") or {}).items():
        env[str(name)] = parse_given(raw)

    answers: dict[str, Any] = {name: to_value(v) for name, v in {**values, **extra}.items()}
    loss_text = spec.get("loss")
    if loss_text is None:
        return answers
    loss_name, expression = parse_equation(loss_text)
    loss = _Evaluator(loss_text.strip(), env, None).eval(expression)
    assert loss.shape == (1, 1), f"the loss must be 1×1, got {tuple(loss.shape)}"
    loss.backward()
    answers[loss_name] = float(loss.detach())
    for name in spec.get("wrt") or default_wrt(given):
        g = leaves[name].grad
        g = torch.zeros_like(leaves[name]) if g is None else g
        answers[f"d{loss_name}/d{name}"] = to_value(g[:, None] if g.dim() == 1 else g)  # torch's 1-D biases → columns
    return answers


def _jacobians(act, W_hh, W_xh, b_h, hs: list[torch.Tensor], xs: list[torch.Tensor],
               row: bool) -> dict[str, torch.Tensor]:
    """``factors: true``: the Jacobians ∂h_T/∂h_k (entry [j, i] = ∂h_T[j]/∂h_k[i]) for k = T−1 … 0, by
    torch.autograd.functional.jacobian of the recurrence restarted from h_k; in the column convention
    this is ∏_{t=T…k+1} diag(act'(a_t))·W_hh."""
    steps = len(xs)
    W_hh, W_xh, b_h = W_hh.detach(), W_xh.detach(), b_h.detach()

    def run_from(k: int):
        def f(h: torch.Tensor) -> torch.Tensor:
            h = h[None, :] if row else h[:, None]
            for t in range(k + 1, steps + 1):
                x = xs[t - 1]
                h = act(h @ W_hh + x.T @ W_xh + b_h.T) if row else act(W_hh @ h + W_xh @ x + b_h)
            return h.reshape(-1)
        return f

    return {f"dh{steps}/dh{k}": torch.autograd.functional.jacobian(run_from(k), hs[k].detach().reshape(-1))
            for k in range(steps - 1, -1, -1)}


def _check_against_rnn_cell(activation, W_hh, W_xh, b_h, h, x, h_new) -> None:
    """The hand-written Elman step must equal torch.nn.RNNCell's (a self-check of the oracle)."""
    cell = torch.nn.RNNCell(W_xh.shape[1], W_hh.shape[0], bias=True, nonlinearity=activation, dtype=DTYPE)
    with torch.no_grad():
        cell.weight_ih.copy_(W_xh)
        cell.weight_hh.copy_(W_hh)
        cell.bias_ih.copy_(b_h[:, 0])
        cell.bias_hh.zero_()
        expected = cell(x[:, 0], h[:, 0].detach())
    assert torch.allclose(expected, h_new.detach()[:, 0], rtol=1e-12, atol=1e-14)


def _gated(cell_kind: str, given: dict, xs: list[torch.Tensor], param, leaves: dict) -> dict[str, torch.Tensor]:
    """LSTM / GRU through torch.nn.LSTMCell / GRUCell, gates recomputed by hand."""
    gates = 4 if cell_kind == "lstm" else 3
    W_hh = given["W_hh"]
    hidden = len(W_hh[0])
    inputs = xs[0].shape[0]
    module = (torch.nn.LSTMCell if cell_kind == "lstm" else torch.nn.GRUCell)(inputs, hidden, bias=True, dtype=DTYPE)
    with torch.no_grad():
        module.weight_ih.copy_(parse_given(given["W_ih"]))
        module.weight_hh.copy_(parse_given(given["W_hh"]))
        for name in ("b_ih", "b_hh"):
            bias = _vector(given[name])[:, 0] if name in given else torch.zeros(gates * hidden, dtype=DTYPE)
            getattr(module, name.replace("b_", "bias_")).copy_(bias)
    # the gradients asked for W_ih, W_hh, b_ih, b_hh are the cell parameters' own (stacked, torch layout)
    leaves.update(W_ih=module.weight_ih, W_hh=module.weight_hh, b_ih=module.bias_ih, b_hh=module.bias_hh)
    h = param("h0", torch.zeros(hidden, 1, dtype=DTYPE))
    c = param("c0", torch.zeros(hidden, 1, dtype=DTYPE)) if cell_kind == "lstm" else None
    W_hy = param("W_hy")
    b_y = param("b_y", torch.zeros(W_hy.shape[0], 1, dtype=DTYPE)) if W_hy is not None else None

    values: dict[str, torch.Tensor] = {}
    W_ih_, W_hh_, b_ih_, b_hh_ = module.weight_ih, module.weight_hh, module.bias_ih[:, None], module.bias_hh[:, None]
    for t, x in enumerate(xs, 1):
        gi = W_ih_ @ x + b_ih_
        gh = W_hh_ @ h + b_hh_
        if cell_kind == "lstm":
            pre = gi + gh
            i, f, g, o = (pre[k * hidden:(k + 1) * hidden] for k in range(4))
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            h_cell, c_cell = module(x[:, 0], (h[:, 0], c[:, 0]))
            c_hand = f * c + i * g
            h_hand = o * torch.tanh(c_hand)
            assert torch.allclose(c_cell.detach(), c_hand.detach()[:, 0], rtol=1e-12, atol=1e-14)
            assert torch.allclose(h_cell.detach(), h_hand.detach()[:, 0], rtol=1e-12, atol=1e-14)
            h, c = h_cell[:, None], c_cell[:, None]
            values.update({f"i{t}": i, f"f{t}": f, f"g{t}": g, f"o{t}": o, f"c{t}": c, f"h{t}": h})
        else:
            gi_r, gi_z, gi_n = (gi[k * hidden:(k + 1) * hidden] for k in range(3))
            gh_r, gh_z, gh_n = (gh[k * hidden:(k + 1) * hidden] for k in range(3))
            r = torch.sigmoid(gi_r + gh_r)
            z = torch.sigmoid(gi_z + gh_z)
            n = torch.tanh(gi_n + r * gh_n)
            h_hand = (1 - z) * n + z * h
            h_cell = module(x[:, 0], h[:, 0])
            assert torch.allclose(h_cell.detach(), h_hand.detach()[:, 0], rtol=1e-12, atol=1e-14)
            h = h_cell[:, None]
            values.update({f"r{t}": r, f"z{t}": z, f"n{t}": n, f"h{t}": h})
        if W_hy is not None:
            values[f"y{t}"] = W_hy @ h + b_y
    return values

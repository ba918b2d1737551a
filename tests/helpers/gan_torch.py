"""An independent PyTorch (float64, autograd) oracle for ``kind: gan``: one GAN training step.

Nothing here is imported from ``solver/``; the step is written from the spec (Goodfellow et al.
2014, Algorithm 1) with ``torch.nn`` modules and ``torch.optim.SGD``:

* each network is an ``nn.Sequential`` of ``nn.Linear`` (weights loaded from the spec, no bias
  unless one is given: an absent bias is fixed at 0 and not trained) and the activation module
  (``nn.ReLU``, ``nn.LeakyReLU(slope)``, ``nn.Sigmoid``, ``nn.Tanh``, ``nn.Identity``); the whole
  minibatch goes through at once, one sample per row (torch's row convention);
* the discriminator's last sigmoid is applied to its logit a, and the logs are taken as
  ``logsigmoid(a)`` = log D and ``logsigmoid(−a)`` = log(1 − D) (accurate when D is near 0 or 1);
* discriminator phase: V_D = mean log D(x_i) + mean log(1 − D(G(z_i))), generator frozen
  (``torch.no_grad``), one ``SGD(lr, maximize=True)`` step per ``d_steps`` on the same minibatch;
* generator phase through the current discriminator (frozen: not in the optimizer, its gradients
  discarded): V_G = mean log(1 − D(G(z_i))) (minimax) or −mean log D(G(z_i)) (non_saturating),
  one plain ``SGD(lr)`` descent step.

Answer names and layout follow dlsolve's JSON: float for 1×1, flat list for an n×1 column, list of
rows otherwise; a weight given as a flat list (one output unit, a row) is answered — with its
gradient — as a flat list. Bias names follow the weights (README: ``Wg1`` → ``bg1``, ``wd2`` →
``bd2``, any other name ``n`` → ``nb``). ``evaluate`` also returns ``Notes``: ``ambiguous`` — a (leaky)
ReLU input within 1e-9 of 0 but not exactly 0, where float64 and exact arithmetic may pick
different sides of the kink; ``fake_logit`` — the largest discriminator logit a on a generated
sample, where the objective takes log(1 − σ(a)) (a large a saturates the discriminator).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import torch
from torch import nn

from .graph_torch import to_value  # the JSON value layout, shared by the oracles

DTYPE = torch.float64
Value = float | list


def number(value: Any) -> float:
    """A spec number (int, decimal as written, or exact text such as "3/4") as float64."""
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, float):
        return float(Fraction(repr(value)))
    return float(Fraction(str(value).strip()))


@dataclass
class LayerInfo:
    linear: nn.Linear
    name: str
    bias_name: str | None
    flat: bool
    kinked: bool  # relu / leaky_relu: inputs near 0 are float-sensitive


ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity}


def _bias_name(name: str) -> str:
    return "b" + name[1:] if name[0] in "Ww" else name + "b"


def build(layers: list[dict], prefix: str) -> tuple[list[LayerInfo], list[nn.Module]]:
    """The layers of one network (weights loaded), and one activation module per layer."""
    infos, acts = [], []
    for k, layer in enumerate(layers, 1):
        raw = layer["weights"]
        flat = not any(isinstance(row, list) for row in raw)
        rows = [raw] if flat else raw
        weight = torch.tensor([[number(v) for v in row] for row in rows], dtype=DTYPE)
        bias = layer.get("bias")
        linear = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None, dtype=DTYPE)
        with torch.no_grad():
            linear.weight.copy_(weight)
            if bias is not None:
                linear.bias.copy_(torch.tensor([number(v) for v in bias], dtype=DTYPE))
        name = layer.get("name") or f"W{prefix}{k}"
        activation = layer.get("activation", "identity")
        if activation == "leaky_relu":
            acts.append(nn.LeakyReLU(number(layer.get("slope", 0.01))))
        else:
            acts.append(ACTIVATIONS[activation]())
        infos.append(LayerInfo(linear, name, _bias_name(name) if bias is not None else None, flat,
                               activation in ("relu", "leaky_relu")))
    return infos, acts


def _batch(raw: list) -> torch.Tensor:
    """A minibatch as an m×n tensor, one sample per row (a flat list of numbers: n = 1)."""
    return torch.tensor([[number(v) for v in s] if isinstance(s, list) else [number(s)] for s in raw], dtype=DTYPE)


class Net:
    def __init__(self, layers: list[dict], prefix: str):
        self.layers, self.acts = build(layers, prefix)
        self.ambiguous = False

    def parameters(self) -> list[nn.Parameter]:
        return [p for info in self.layers for p in info.linear.parameters()]

    def forward(self, h: torch.Tensor, logit: bool = False) -> torch.Tensor:
        """The network on a batch (rows); ``logit``: stop before the last activation."""
        for k, (info, act) in enumerate(zip(self.layers, self.acts)):
            a = info.linear(h)
            if info.kinked and bool(((a.abs() < 1e-9) & (a != 0)).any()):
                self.ambiguous = True
            if logit and k == len(self.layers) - 1:
                return a
            h = act(a)
        return h

    def named(self) -> list[tuple[str, torch.Tensor, bool]]:
        """(answer name, parameter as a matrix in the given orientation, flat) for every parameter."""
        out = []
        for info in self.layers:
            w = info.linear.weight
            out.append((info.name, w.T if info.flat else w, info.flat))
            if info.bias_name:
                out.append((info.bias_name, info.linear.bias[:, None], False))
        return out

    def grads(self) -> list[tuple[str, torch.Tensor]]:
        out = []
        for info in self.layers:
            g = info.linear.weight.grad
            out.append((info.name, g.T if info.flat else g))
            if info.bias_name:
                out.append((info.bias_name, info.linear.bias.grad[:, None]))
        return out


@dataclass
class Notes:
    ambiguous: bool
    fake_logit: float


def evaluate(given: dict) -> tuple[dict[str, Value], Notes]:
    """Every answer of the training step, and notes on where float64 comparisons are delicate."""
    gen, disc = Net(given["generator"], "g"), Net(given["discriminator"], "d")
    z, x = _batch(given["noise"]), _batch(given["data"])
    lr = number(given.get("lr", 1))
    d_steps = int(given.get("d_steps", 1))
    order = given.get("order", "discriminator_first")
    loss = given.get("generator_loss", "minimax")
    answers: dict[str, Value] = {}
    fake_logits: list[float] = []

    def d_phase(step: int) -> None:
        suffix = f"_{step}" if d_steps > 1 else ""
        optimizer = torch.optim.SGD(disc.parameters(), lr=lr, maximize=True)
        optimizer.zero_grad()
        with torch.no_grad():  # the generator is frozen
            fake = gen.forward(z)
        a_real, a_fake = disc.forward(x, logit=True), disc.forward(fake, logit=True)
        fake_logits.extend(a_fake.detach().flatten().tolist())
        v = nn.functional.logsigmoid(a_real).mean() + nn.functional.logsigmoid(-a_fake).mean()
        v.backward()
        answers["V_D" + suffix] = float(v.detach())
        for i in range(len(x)):
            answers[f"xg_{i + 1}{suffix}"] = to_value(fake[i:i + 1].T)  # G(z_i) as a column (one entry: a number)
            answers[f"Dr_{i + 1}{suffix}"] = float(torch.sigmoid(a_real[i, 0].detach()))
            answers[f"Df_{i + 1}{suffix}"] = float(torch.sigmoid(a_fake[i, 0].detach()))
        for name, g in disc.grads():
            answers[f"dV_D/d{name}{suffix}"] = to_value(g)
        optimizer.step()

    def g_phase() -> None:
        optimizer = torch.optim.SGD(gen.parameters(), lr=lr)
        optimizer.zero_grad()
        a_fake = disc.forward(gen.forward(z), logit=True)
        fake_logits.extend(a_fake.detach().flatten().tolist())
        if loss == "minimax":
            v = nn.functional.logsigmoid(-a_fake).mean()
        else:
            v = -nn.functional.logsigmoid(a_fake).mean()
        v.backward()
        for p in disc.parameters():  # the discriminator is frozen: drop what reached it
            p.grad = None
        answers["V_G"] = float(v.detach())
        for name, g in gen.grads():
            answers[f"dV_G/d{name}"] = to_value(g)
        optimizer.step()

    if order == "discriminator_first":
        for step in range(1, d_steps + 1):
            d_phase(step)
        g_phase()
    else:
        g_phase()
        for step in range(1, d_steps + 1):
            d_phase(step)
    for net in (disc, gen):
        for name, value, _ in net.named():
            answers[f"{name}_new"] = to_value(value)
    return answers, Notes(gen.ambiguous or disc.ambiguous, max(fake_logits))

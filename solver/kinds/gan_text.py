"""The prose of the ``gan`` kind, marked for translation: the procedure, the phases, the given layers."""

from __future__ import annotations

from typing import Any

from solver.i18n import mark, ntr, tr
from solver.trace import Phrase, Words, phrase

ACTIVATION_WORDS = {"relu": "ReLU", "sigmoid": "σ", "tanh": "tanh", "identity": mark("no activation")}
"""How a layer's activation is written in its description (translate with ``tr``)."""


def procedure_note(m: int, lr: Any, generator_loss: str, d_steps: int, discriminator_first: bool) -> Phrase:
    """How one training step goes: Algorithm 1 on this minibatch, the generator's loss and the order."""
    loss = (tr("descends mean log(1 − D(G(z_i))) (the minimax loss)") if generator_loss == "minimax" else
            tr("descends −mean log D(G(z_i)) (the non-saturating loss, stronger gradients early in training)"))
    # Translators: {steps} is "1 step" or "3 steps"
    steps = ntr("{n} step", "{n} steps", d_steps)
    order = (tr("first the discriminator ({steps}), then the generator", steps=steps) if discriminator_first
             else tr("first the generator, then the discriminator ({steps})", steps=steps))
    # Translators: {m} is the number of samples, {lr} the learning rate; {loss} says what the generator descends
    # ("descends −mean log D(G(z_i)) …"), {order} which network goes first
    note = phrase(tr("Goodfellow et al. (2014), Algorithm 1, on a minibatch of m = {m} noise samples z_i and {m} "
                     "real samples x_i, learning rate η = {lr}: the discriminator ascends V = (1/m)Σ log D(x_i) + "
                     "(1/m)Σ log(1 − D(G(z_i))) with the generator frozen; the generator {loss} through the updated, "
                     "frozen discriminator. Order: {order}."), m=str(m), lr=lr, loss=loss, order=order)
    more = (" " + tr("Each discriminator step reuses this minibatch."),) if d_steps > 1 else ()
    return Phrase(note.parts + more + (" " + tr("log is the natural logarithm; D(x) is the probability that x is "
                                                "real."),))


def phase_title(discriminator: bool, number: str, generator_loss: str) -> tuple[str, str]:
    """A phase's title and its drawing's (``Discriminator step 2: ascend V_D``, ``Discriminator step 2``)."""
    if not discriminator:
        # Translators: {loss} is minimax or non-saturating
        return tr("Generator step: descend V_G ({loss})", loss=generator_loss), tr("Generator step")
    if number:
        # Translators: {k} numbers the discriminator steps
        return tr("Discriminator step {k}: ascend V_D", k=number), tr("Discriminator step {k}", k=number)
    return tr("Discriminator step: ascend V_D"), tr("Discriminator step")


def layer_said(role: str, k: int, activation: str, slope: Any) -> Words:
    """A given weight's description: ``generator layer 1, ReLU``, ``… LeakyReLU with slope 1/100``."""
    generator = role == "generator"
    if activation == "leaky_relu":
        # Translators: {k} is a layer number, {slope} a number such as 1/100
        return (phrase(tr("generator layer {k}, LeakyReLU with slope {slope}"), k=str(k), slope=slope) if generator
                else phrase(tr("discriminator layer {k}, LeakyReLU with slope {slope}"), k=str(k), slope=slope))
    # Translators: {activation} is ReLU, σ, tanh or "no activation"
    act = tr(ACTIVATION_WORDS[activation])
    return (tr("generator layer {k}, {activation}", k=k, activation=act) if generator
            else tr("discriminator layer {k}, {activation}", k=k, activation=act))


def bias_said(role: str, k: int) -> str:
    """A given bias's description: ``generator layer 1 bias``."""
    return tr("generator layer {k} bias", k=k) if role == "generator" else tr("discriminator layer {k} bias", k=k)


def input_words(role: str, k: int) -> str:
    """What a layer reads, for an error message: the noise, the data, layer 1's output."""
    if k == 1:
        return tr("the noise") if role == "generator" else tr("the data")
    return tr("layer {k}'s output", k=k - 1)


def silent_note(samples: list[str]) -> str:
    """The samples that contribute nothing to the weight gradients (the note starts with a space), or ""."""
    if not samples:
        return ""
    # Translators: {samples} lists "sample 1 through G(z)" and so on
    return " " + tr("Contributing nothing to the weight gradients: {samples} — every layer's input is 0 there (z = 0 "
                    "through a bias-free ReLU net stays 0), so each weight gradient δ·hᵀ from it is 0.",
                    samples=", ".join(samples))

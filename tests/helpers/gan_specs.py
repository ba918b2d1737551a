"""A hypothesis strategy of random valid ``kind: gan`` givens (``gan_givens``): one or two layers per
network, every activation, flat and matrix weights, optional biases, slopes and layer names, 1-D
samples as plain numbers, both orders, one or two discriminator steps and both generator losses;
every number a small fraction k/4 written as exact text. Used by ``test_gan.py`` and
``test_differential.py``."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

ACTIVATIONS = ["relu", "leaky_relu", "sigmoid", "tanh", "identity"]

quarters = st.integers(-8, 8).map(lambda k: str(Fraction(k, 4)))  # -2 … 2 in steps of 1/4


@st.composite
def gan_givens(draw) -> dict:
    nz, nx, m = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))

    def network(prefix: str, size_in: int, size_out: int, discriminator: bool) -> list[dict]:
        count = draw(st.integers(1, 2))
        sizes = [draw(st.integers(1, 3)) for _ in range(count - 1)] + [size_out]
        layers, prev = [], size_in
        for k, out in enumerate(sizes, 1):
            last = k == count
            activation = "sigmoid" if discriminator and last else draw(st.sampled_from(ACTIVATIONS))
            layer: dict = {}
            if out == 1 and prev > 1 and draw(st.booleans()):  # (a flat list of 1 crashes: see below)
                layer["weights"] = [draw(quarters) for _ in range(prev)]  # flat: one output unit
            else:
                layer["weights"] = [[draw(quarters) for _ in range(prev)] for _ in range(out)]
            if activation != "identity" or draw(st.booleans()):
                layer["activation"] = activation
            if activation == "leaky_relu" and draw(st.booleans()):
                layer["slope"] = draw(st.sampled_from(["1/5", "1/4", "1/2", 0.1]))
            if draw(st.booleans()):
                layer["bias"] = [draw(quarters) for _ in range(out)]
            if draw(st.integers(0, 3)) == 0:
                layer["name"] = draw(st.sampled_from([f"w{prefix}{k}", f"V{prefix}{k}", f"theta{prefix}{k}"]))
            layers.append(layer)
            prev = out
        return layers

    def batch(dim: int) -> list:
        if dim == 1 and draw(st.booleans()):
            return [draw(quarters) for _ in range(m)]  # 1-D samples as plain numbers
        return [[draw(quarters) for _ in range(dim)] for _ in range(m)]

    out: dict = {
        "generator": network("g", nz, nx, False),
        "discriminator": network("d", nx, 1, True),
        "noise": batch(nz),
        "data": batch(nx),
    }
    for key, strategy in (("lr", st.sampled_from(["1/2", 1])),
                          ("order", st.sampled_from(["discriminator_first", "generator_first"])),
                          ("d_steps", st.integers(1, 2)),
                          ("generator_loss", st.sampled_from(["minimax", "non_saturating"]))):
        if draw(st.booleans()) or key == "lr":
            out[key] = draw(strategy)
    return out

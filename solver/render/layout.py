"""A layered (Sugiyama-style) layout of a :class:`~solver.trace.Drawing`, left to right.

Layers are the longest path from the inputs (an input sits one layer before its first consumer, so
a constant such as the 2 of ``(·)²`` stays next to its operation); an edge leaves its node
horizontally to just beyond its layer's widest node, so slanted segments run only between layers
(never through a node), and an edge that spans several layers crosses each layer on a track of
its own. Within a layer, nodes are ordered by a
few barycenter sweeps (the order with the fewest crossings wins) and then moved as close to their
neighbours as the node sizes allow. Everything is deterministic: ties keep the drawing's order.
Sizes are centimetres; y grows downwards (the TikZ renderer flips it). Where Graphviz's ``dot`` is
installed, :func:`place_by_dot` takes its coordinates and splines instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from solver.trace import Drawing

Size = Callable[[str], "tuple[float, float]"]

NODE_GAP = 0.45  # cm between two nodes of a layer
LAYER_GAP = 0.8  # cm between two layers (at least: edge labels may ask for more)
BEND_HEIGHT = 0.35  # cm a long edge's bend point takes in a layer
PORT = 0.12  # cm beyond a layer's widest node where an edge turns: slanted segments stay between the layers
SWEEPS = 4


@dataclass(frozen=True)
class Placement:
    """Node centres, the bend points of every edge, and the size of the whole picture (cm)."""

    positions: dict[str, tuple[float, float]]
    routes: dict[tuple[str, str], list[tuple[float, float]]]  # (source, target) → points between, left to right
    layers: dict[str, int]
    width: float
    height: float
    curved: bool = False  # routes are Bézier points from border to border (Graphviz), not bends between nodes


def layout(drawing: Drawing, size: Size | None = None) -> dict[str, tuple[float, float]]:
    """Node id → centre (x, y) in cm, inputs on the left; ``size(id)`` gives a node's (width, height)."""
    return place(drawing, size).positions


def default_size(drawing: Drawing) -> Size:
    """A rough size from the label's length (for callers that draw no values)."""
    return lambda node_id: (0.4 + 0.2 * len(drawing.node(node_id).label + drawing.node(node_id).op), 0.6)


def place(drawing: Drawing, size: Size | None = None,
          gap: Callable[[int], float] | None = None) -> Placement:
    """The full placement; ``gap(i)`` is the room edge labels need between layer i and i + 1."""
    size = size or default_size(drawing)
    layer_of = layers(drawing)
    chains, members = _chains(drawing, layer_of)
    order = _order(drawing, layer_of, chains, members)
    boxes = {v: (size(v) if v in layer_of else (0.0, BEND_HEIGHT)) for layer in order for v in layer}
    xs = _columns(order, boxes, gap)
    ys = _rows(order, boxes, _neighbours(drawing, chains))
    top = min(ys[v] - boxes[v][1] / 2 for layer in order for v in layer)
    ys = {v: round(y - top, 3) for v, y in ys.items()}
    positions = {v: (xs[layer_of[v]], ys[v]) for v in layer_of}
    half = [max(boxes[v][0] for v in layer) / 2 for layer in order]
    routes = {}
    for (source, target), bends in chains.items():
        first, last = layer_of[source], layer_of[target]
        points = [(round(xs[first] + half[first] + PORT, 3), ys[source])]
        for bend in bends:
            layer = members[bend]
            points += [(round(xs[layer] - half[layer] - PORT, 3), ys[bend]),
                       (round(xs[layer] + half[layer] + PORT, 3), ys[bend])]
        routes[(source, target)] = points + [(round(xs[last] - half[last] - PORT, 3), ys[target])]
    width = max(xs[i] + max(boxes[v][0] for v in layer) / 2 for i, layer in enumerate(order))
    height = max(ys[v] + boxes[v][1] / 2 for layer in order for v in layer)
    return Placement(positions, routes, layer_of, round(width, 3), round(height, 3))


def layers(drawing: Drawing) -> dict[str, int]:
    """Node id → layer: the longest path from the inputs; then every input moves right to just before its
    first consumer."""
    parents: dict[str, list[str]] = {node.id: [] for node in drawing.nodes}
    children: dict[str, list[str]] = {node.id: [] for node in drawing.nodes}
    for edge in drawing.edges:
        parents[edge.target].append(edge.source)
        children[edge.source].append(edge.target)
    layer: dict[str, int] = {}
    for node in _topological(drawing, parents):
        layer[node] = 1 + max((layer[p] for p in parents[node]), default=-1)
    for node in layer:
        if not parents[node] and children[node]:
            layer[node] = min(layer[c] for c in children[node]) - 1
    return layer


def _topological(drawing: Drawing, parents: dict[str, list[str]]) -> list[str]:
    """The nodes in an order where every parent comes first (the drawing's order where it allows)."""
    done: set[str] = set()
    out: list[str] = []

    def visit(node: str) -> None:
        stack = [(node, iter(parents[node]))]
        while stack:
            current, pending = stack[-1]
            parent = next((p for p in pending if p not in done), None)
            if parent is None:
                stack.pop()
                if current not in done:
                    done.add(current)
                    out.append(current)
            else:
                stack.append((parent, iter(parents[parent])))

    for n in drawing.nodes:
        visit(n.id)
    return out


def _chains(drawing: Drawing, layers: dict[str, int]) -> tuple[dict[tuple[str, str], list[str]], dict[str, int]]:
    """One bend point per layer a long edge crosses: (source, target) → bend ids; bend id → layer."""
    chains: dict[tuple[str, str], list[str]] = {}
    members: dict[str, int] = dict(layers)
    for i, edge in enumerate(drawing.edges):
        if (edge.source, edge.target) in chains:  # x·x: one line
            continue
        bends = [f"{edge.source}>{edge.target}#{i}@{k}" for k in range(layers[edge.source] + 1, layers[edge.target])]
        chains[(edge.source, edge.target)] = bends
        for k, bend in zip(range(layers[edge.source] + 1, layers[edge.target]), bends):
            members[bend] = k
    return chains, members


def _segments(chains: dict[tuple[str, str], list[str]]) -> list[tuple[str, str]]:
    """Every edge cut at its bends: pairs of vertices in adjacent layers."""
    out = []
    for (source, target), bends in chains.items():
        path = [source, *bends, target]
        out += list(itertools.pairwise(path))
    return out


def _neighbours(drawing: Drawing, chains: dict[tuple[str, str], list[str]]) -> dict[str, list[str]]:
    near: dict[str, list[str]] = {}
    for a, b in _segments(chains):
        near.setdefault(a, []).append(b)
        near.setdefault(b, []).append(a)
    return near


def _order(drawing: Drawing, layers: dict[str, int], chains: dict[tuple[str, str], list[str]],
           members: dict[str, int]) -> list[list[str]]:
    """Vertices per layer, ordered by barycenter sweeps; the order with the fewest crossings wins."""
    count = max(members.values()) + 1
    order: list[list[str]] = [[] for _ in range(count)]
    for v in members:  # nodes in the drawing's order, bends after them in edge order
        order[members[v]].append(v)
    segments = _segments(chains)
    ups: dict[str, list[str]] = {}
    downs: dict[str, list[str]] = {}
    for a, b in segments:
        downs.setdefault(a, []).append(b)
        ups.setdefault(b, []).append(a)
    best, best_crossings = [list(layer) for layer in order], _crossings(order, segments)
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        indices = range(1, count) if forward else range(count - 2, -1, -1)
        for i in indices:
            reference = {v: k for k, v in enumerate(order[i - 1 if forward else i + 1])}
            links = ups if forward else downs
            current = {v: k for k, v in enumerate(order[i])}

            order[i] = sorted(order[i], key=lambda v: (_barycenter(v, reference, links, current), current[v]))
        crossings = _crossings(order, segments)
        if crossings < best_crossings:
            best, best_crossings = [list(layer) for layer in order], crossings
    return best


def _crossings(order: list[list[str]], segments: list[tuple[str, str]]) -> int:
    """How many pairs of segments between adjacent layers cross."""
    index = {v: k for layer in order for k, v in enumerate(layer)}
    total = 0
    by_gap: dict[int, list[tuple[int, int]]] = {}
    layer_of = {v: i for i, layer in enumerate(order) for v in layer}
    for a, b in segments:
        by_gap.setdefault(layer_of[a], []).append((index[a], index[b]))
    for pairs in by_gap.values():
        for k, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[k + 1:]:
                total += (a1 - a2) * (b1 - b2) < 0
    return total


def _columns(order: list[list[str]], boxes: dict[str, tuple[float, float]],
             gap: Callable[[int], float] | None) -> dict[int, float]:
    """The x of every layer's centre line: widest node of each layer plus the gap after it."""
    xs, right = {}, 0.0
    for i, layer in enumerate(order):
        half = max(boxes[v][0] for v in layer) / 2
        xs[i] = round(right + half, 3)
        right = xs[i] + half + max(LAYER_GAP, gap(i) if gap else 0.0) + 2 * PORT
    return xs


def _rows(order: list[list[str]], boxes: dict[str, tuple[float, float]],
          near: dict[str, list[str]]) -> dict[str, float]:
    """The y of every vertex: stacked in order, then pulled towards its neighbours (no overlaps)."""
    ys: dict[str, float] = {}
    for layer in order:
        ys.update(zip(layer, _stack(layer, boxes, [0.0] * len(layer))))
    for sweep in range(2 * SWEEPS):
        indices = range(len(order)) if sweep % 2 == 0 else range(len(order) - 1, -1, -1)
        for i in indices:
            layer = order[i]
            wanted = [sum(ys[u] for u in near.get(v, [])) / len(near[v]) if near.get(v) else ys[v] for v in layer]
            ys.update(zip(layer, _stack(layer, boxes, wanted)))
    return ys


def _barycenter(v: str, reference: dict[str, int], links: dict[str, list[str]], current: dict[str, int]) -> float:
    """The mean position of ``v``'s neighbours in the reference layer (its own position if it has none)."""
    linked = [reference[u] for u in links.get(v, []) if u in reference]
    return sum(linked) / len(linked) if linked else float(current[v])


def _stack(layer: list[str], boxes: dict[str, tuple[float, float]], wanted: list[float]) -> list[float]:
    """Positions as close as possible (least squares) to ``wanted`` with every pair of neighbours apart
    by their half heights plus NODE_GAP: isotonic regression by pooling adjacent violators."""
    offsets = [0.0]
    for a, b in itertools.pairwise(layer):
        offsets.append(offsets[-1] + (boxes[a][1] + boxes[b][1]) / 2 + NODE_GAP)
    if all(w == 0.0 for w in wanted):  # the first stacking: centred on 0
        middle = offsets[-1] / 2
        return [o - middle for o in offsets]
    blocks: list[list[float]] = []  # [mean, weight]
    for w, o in zip(wanted, offsets):
        blocks.append([w - o, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, weight = blocks.pop()
            blocks[-1] = [(blocks[-1][0] * blocks[-1][1] + mean * weight) / (blocks[-1][1] + weight),
                          blocks[-1][1] + weight]
    shifted = [mean for mean, weight in blocks for _ in range(int(weight))]
    return [s + o for s, o in zip(shifted, offsets)]


# --- Graphviz's coordinates ------------------------------------------------------------------------

DOT_TIMEOUT = 20  # seconds dot may take to place a picture
POINTS_PER_CM = 72 / 2.54


def place_by_dot(drawing: Drawing, size: Size, labels: dict[tuple[str, str], tuple[float, float]] | None = None,
                 ) -> tuple[Placement, dict[tuple[str, str], tuple[float, float]]] | None:
    """The placement Graphviz's ``dot`` finds (nodes of the given sizes, edges as splines around them, each
    edge label of the given size where dot leaves room for it), with the labels' centres; None when dot is
    not installed or fails. ``routes`` then hold each edge's Bézier points, from source border to target border."""
    import json
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is None:
        return None
    labels = labels or {}
    inch = 2.54
    lines = ["digraph g {", "  graph [rankdir=LR, nodesep=0.12, ranksep=0.3, splines=true, ordering=out];",
             '  node [shape=box, fixedsize=true, label=""];', "  edge [arrowhead=none];"]
    for node in drawing.nodes:
        width, height = size(node.id)
        lines.append(f'  "{node.id}" [width={width / inch:.3f}, height={height / inch:.3f}];')
    pairs = list(dict.fromkeys((edge.source, edge.target) for edge in drawing.edges))
    for source, target in pairs:
        label = ""
        if (source, target) in labels:
            w, h = labels[(source, target)]
            label = (f' [label=<<TABLE BORDER="0" CELLPADDING="0" FIXEDSIZE="TRUE" WIDTH="{w * POINTS_PER_CM:.0f}" '
                     f'HEIGHT="{h * POINTS_PER_CM:.0f}"><TR><TD></TD></TR></TABLE>>]')
        lines.append(f'  "{source}" -> "{target}"{label};')
    try:
        done = subprocess.run([program, "-Tjson"], input="\n".join(lines + ["}"]).encode(), capture_output=True,
                              timeout=DOT_TIMEOUT, check=False)
        graph = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    if not graph:
        return None
    top = float(graph["bb"].split(",")[3])

    def point(text: str) -> tuple[float, float]:
        x, y = (float(v) for v in text.split(",")[-2:])
        return round(x / POINTS_PER_CM, 3), round((top - y) / POINTS_PER_CM, 3)

    objects = graph.get("objects", [])
    positions = {o["name"]: point(o["pos"]) for o in objects if o["name"] in {n.id for n in drawing.nodes}}
    routes, placed = {}, {}
    for edge in graph.get("edges", []):
        key = (objects[edge["tail"]]["name"], objects[edge["head"]]["name"])
        routes[key] = [point(p) for p in edge["pos"].split() if not p.startswith(("e,", "s,"))]
        if "lp" in edge:
            placed[key] = point(edge["lp"])
    if set(positions) != {n.id for n in drawing.nodes} or set(routes) != set(pairs):
        return None
    sizes = {v: size(v) for v in positions}
    width = max(x + sizes[v][0] / 2 for v, (x, y) in positions.items())
    height = max(y + sizes[v][1] / 2 for v, (x, y) in positions.items())
    return Placement(positions, routes, layers(drawing), round(width, 3), round(height, 3), curved=True), placed

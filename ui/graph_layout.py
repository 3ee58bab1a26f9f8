"""Where each node of a drawn subgraph goes, in pixels, so that no two labels overlap.

A spring layout alone piles hubs and their leaves on one spot, and Vega-Lite has no label placement for
text marks. So the layout is made in the chart's own pixel space: every node is a block (its circle plus
its label above it, sized from the label's length), blocks that overlap are pushed apart, and when a
canvas is too small for the blocks it grows taller. The chart then draws with fixed scales of exactly that
canvas, so what was separated here stays separated on screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

FONT_PX = 11  # label font size the chart uses
CHAR_PX = 6.8  # an upper bound on the advance of one character at FONT_PX in the app's sans-serif font
LABEL_PX = 14  # height of one label line
NODE_RADIUS = 10  # radius of the largest node circle (sources)
GAP = 3  # between a circle and its label
PAD = 4  # free space kept around every block
MAX_LABEL = 26  # characters written next to a node; the full name is in the tooltip


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in pixels (y grows downwards)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        """True when the two rectangles share any area."""
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1


def label_width(label: str) -> float:
    """Pixels a label takes at most."""
    return len(label) * CHAR_PX + 2


def block(x: float, y: float, label: str) -> Box:
    """The circle at (x, y) and its label centred above it, as one box."""
    half = max(label_width(label), 2 * NODE_RADIUS) / 2
    return Box(x - half, y - NODE_RADIUS - GAP - LABEL_PX, x + half, y + NODE_RADIUS)


def label_box(x: float, y: float, label: str) -> Box:
    """Just the label of the node at (x, y)."""
    half = label_width(label) / 2
    return Box(x - half, y - NODE_RADIUS - GAP - LABEL_PX, x + half, y - NODE_RADIUS - GAP)


def _spring(
    ids: Sequence[str], edges: Sequence[tuple[str, str]], seed: int
) -> dict[str, tuple[float, float]]:
    g = nx.Graph()
    g.add_nodes_from(ids)
    g.add_edges_from((a, b) for a, b in edges if a in g and b in g and a != b)
    pos = nx.spring_layout(g, seed=seed, k=2.2 / max(len(g), 1) ** 0.5, iterations=100)
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def _fit(
    unit: Mapping[str, tuple[float, float]], labels: Mapping[str, str], width: float, height: float
) -> dict[str, list[float]]:
    """Scale unit positions into the canvas, leaving room for each block inside it."""
    margin_x = max(label_width(lb) for lb in labels.values()) / 2 + PAD
    top, bottom = NODE_RADIUS + GAP + LABEL_PX + PAD, NODE_RADIUS + PAD
    xs = [p[0] for p in unit.values()]
    ys = [p[1] for p in unit.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    inner_w, inner_h = max(width - 2 * margin_x, 1.0), max(height - top - bottom, 1.0)
    return {
        n: [margin_x + (x - min(xs)) / span_x * inner_w, top + (y - min(ys)) / span_y * inner_h]
        for n, (x, y) in unit.items()
    }


def _clamp(pos: list[float], label: str, width: float, height: float) -> None:
    half = max(label_width(label), 2 * NODE_RADIUS) / 2 + PAD
    pos[0] = min(max(pos[0], half), width - half)
    pos[1] = min(max(pos[1], NODE_RADIUS + GAP + LABEL_PX + PAD), height - NODE_RADIUS - PAD)


def _padded(b: Box) -> Box:
    return Box(b.x0 - PAD / 2, b.y0 - PAD / 2, b.x1 + PAD / 2, b.y1 + PAD / 2)


def _separate(
    pos: dict[str, list[float]], labels: Mapping[str, str], width: float, height: float, rounds: int = 200
) -> bool:
    """Push overlapping blocks apart along their smaller overlap; True when none overlap any more."""
    ids = sorted(pos)
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                ba = _padded(block(*pos[a], labels[a]))
                bb = _padded(block(*pos[b], labels[b]))
                if not ba.overlaps(bb):
                    continue
                moved = True
                dx = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
                dy = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
                if dy <= dx:  # labels are wide and short: moving vertically is usually the cheaper way out
                    step = dy / 2 + 0.5
                    sign = 1.0 if pos[b][1] >= pos[a][1] else -1.0
                    pos[a][1] -= sign * step
                    pos[b][1] += sign * step
                else:
                    step = dx / 2 + 0.5
                    sign = 1.0 if pos[b][0] >= pos[a][0] else -1.0
                    pos[a][0] -= sign * step
                    pos[b][0] += sign * step
                _clamp(pos[a], labels[a], width, height)
                _clamp(pos[b], labels[b], width, height)
        if not moved:
            return True
    return not overlapping_pairs({n: (p[0], p[1]) for n, p in pos.items()}, labels)


def overlapping_pairs(
    pos: Mapping[str, tuple[float, float]], labels: Mapping[str, str]
) -> list[tuple[str, str]]:
    """Pairs of nodes whose blocks (circle plus label) overlap."""
    ids = sorted(pos)
    boxes = {n: block(*pos[n], labels[n]) for n in ids}
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :] if boxes[a].overlaps(boxes[b])]


def place(
    labels: Mapping[str, str],
    edges: Sequence[tuple[str, str]],
    *,
    width: float,
    height: float,
    seed: int = 7,
) -> tuple[dict[str, tuple[float, float]], float]:
    """Pixel positions for every node (keys of ``labels``) and the canvas height they need.

    Deterministic for the same input. The width is kept; the height grows by a quarter until the blocks
    fit without overlap (a grid, which always fits, is the last resort).
    """
    if not labels:
        return {}, height
    unit = _spring(sorted(labels), edges, seed)
    h = height
    for _ in range(8):
        pos = _fit(unit, labels, width, h)
        if _separate(pos, labels, width, h):
            return {n: (p[0], p[1]) for n, p in pos.items()}, h
        h *= 1.25
    return _grid(labels, width)


def _grid(labels: Mapping[str, str], width: float) -> tuple[dict[str, tuple[float, float]], float]:
    """Blocks in rows of equal cells: overlap-free by construction."""
    cell_w = max(max(label_width(lb) for lb in labels.values()), 2 * NODE_RADIUS) + 2 * PAD
    cell_h = 2 * NODE_RADIUS + GAP + LABEL_PX + 2 * PAD
    per_row = max(int(width // cell_w), 1)
    pos = {}
    for i, n in enumerate(sorted(labels)):
        row, col = divmod(i, per_row)
        pos[n] = (col * cell_w + cell_w / 2, row * cell_h + NODE_RADIUS + GAP + LABEL_PX + PAD)
    rows = (len(labels) + per_row - 1) // per_row
    return pos, rows * cell_h

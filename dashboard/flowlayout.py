"""Where the flow diagram puts each station and how it routes each arrow: pure geometry, no Plotly.

Stations go into columns by their depth in the flow (the longest chain of routes from a source),
so parallel branches (cathode and anode lines feeding the winder) sit side by side in lanes; a
line deeper than `max_columns` wraps onto further bands, read left to right, top to bottom, like
text. Routes to the next column are straight; a route that wraps to the next band, skips columns or
goes back (rework) is drawn as a right-angled path around the boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

BOX_WIDTH = 0.84  # in column widths
BOX_HEIGHT = 0.5  # in row heights
ROW = 1.35  # height of one lane: box, bottleneck mark above, walk arrow below
BAND_GAP = 0.45  # extra space between bands, where wrapping routes run

Point = tuple[float, float]


@dataclass(frozen=True)
class Route:
    source: str
    target: str
    points: list[Point]  # from the source's edge to the target's edge
    label: str = ""
    back: bool = False  # rework or a route against the flow (drawn dotted)


@dataclass(frozen=True)
class FlowLayout:
    positions: dict[str, Point]  # box centres
    columns: dict[str, int] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    width: int = 1  # columns used
    bottom: float = 0.0  # lowest y of any box centre

    def x_range(self) -> tuple[float, float]:
        return (-0.95, self.width - 0.35)

    def y_range(self) -> tuple[float, float]:
        return (self.bottom - 0.75, 0.85)


def flow_layout(order: Sequence[str], edges: Sequence[tuple[str, str, str]], max_columns: int = 7) -> FlowLayout:
    """Positions of `order` (stations in scenario order) and routes for `edges` ((from, to, label);
    a label marks a rework route)."""
    index = {name: i for i, name in enumerate(order)}
    forward = [(a, b) for a, b, label in edges if not label and a in index and b in index and index[b] > index[a]]
    layer = {name: 0 for name in order}
    for name in order:  # scenario order is a topological order of the forward routes
        for a, b in forward:
            if b == name:
                layer[name] = max(layer[name], layer[a] + 1)
    lanes: dict[str, int] = {}
    taken: dict[int, set[int]] = {}
    for name in order:
        used = taken.setdefault(layer[name], set())
        preferred = next((lanes[a] for a, b in forward if b == name and a in lanes), 0)
        lane = preferred if preferred not in used else next(n for n in range(len(order) + 1) if n not in used)
        used.add(lane)
        lanes[name] = lane
    depth = max(layer.values(), default=0) + 1
    bands = -(-depth // max_columns)
    band_lanes = [1 + max((lanes[n] for n in order if layer[n] // max_columns == band), default=0)
                  for band in range(bands)]
    band_top = [-(sum(band_lanes[:band]) * ROW + band * BAND_GAP) for band in range(bands)]
    positions = {n: (float(layer[n] % max_columns), band_top[layer[n] // max_columns] - lanes[n] * ROW) for n in order}
    columns = {n: layer[n] % max_columns for n in order}
    routes = [_route(a, b, label, positions, layer, band_top, band_lanes, max_columns)
              for a, b, label in edges if a in positions and b in positions]
    return FlowLayout(positions, columns, routes, min(depth, max_columns), min(y for _, y in positions.values()))


def _route(a: str, b: str, label: str, positions: dict[str, Point], layer: dict[str, int], band_top: list[float],
           band_lanes: list[int], max_columns: int) -> Route:
    (ax, ay), (bx, by) = positions[a], positions[b]
    half_w, half_h = BOX_WIDTH / 2, BOX_HEIGHT / 2
    band_a, band_b = layer[a] // max_columns, layer[b] // max_columns
    if not label and layer[b] == layer[a] + 1 and band_a == band_b:
        return Route(a, b, [(ax + half_w, ay), (bx - half_w, by)])
    if not label and band_b > band_a:  # wraps: out to the right, along the gap below the band, in from the left
        gap_y = band_top[band_a] - (band_lanes[band_a] - 1) * ROW - (ROW + BAND_GAP) / 2 - 0.05
        return Route(a, b, [(ax + half_w, ay), (ax + 0.5, ay), (ax + 0.5, gap_y), (bx - 0.5, gap_y), (bx - 0.5, by),
                            (bx - half_w, by)])
    top = max(ay, by) + half_h + 0.3  # over the boxes between (rework, or a route that skips columns)
    return Route(a, b, [(ax, ay + half_h), (ax, top), (bx, top), (bx, by + half_h)], label, back=bool(label))

"""The flow diagram's geometry: columns by depth in the flow, parallel branches in lanes, long
lines wrapped onto bands, and routes that never cut through a box."""

from __future__ import annotations

from dashboard.flowlayout import BOX_WIDTH, flow_layout


def chain(names: list[str]) -> list[tuple[str, str, str]]:
    return [(a, b, "") for a, b in zip(names, names[1:])]


def test_a_short_serial_line_is_one_row():
    layout = flow_layout(["a", "b", "c"], chain(["a", "b", "c"]))
    assert layout.positions == {"a": (0.0, 0.0), "b": (1.0, 0.0), "c": (2.0, 0.0)}
    assert layout.width == 3
    assert all(len(route.points) == 2 for route in layout.routes)  # straight arrows
    (x0, _), (x1, _) = layout.routes[0].points
    assert x0 == BOX_WIDTH / 2 and x1 == 1 - BOX_WIDTH / 2  # box edge to box edge


def test_parallel_branches_get_lanes_and_meet_at_the_assembly():
    order = ["c1", "c2", "a1", "a2", "wind", "end"]
    edges = chain(["c1", "c2", "wind", "end"]) + chain(["a1", "a2", "wind"])
    layout = flow_layout(order, edges)
    x = {n: p[0] for n, p in layout.positions.items()}
    y = {n: p[1] for n, p in layout.positions.items()}
    assert x == {"c1": 0, "c2": 1, "a1": 0, "a2": 1, "wind": 2, "end": 3}
    assert y["c1"] == y["c2"] == y["wind"] == y["end"] and y["a1"] == y["a2"] < y["c1"]


def test_a_long_line_wraps_onto_a_second_band_and_the_route_goes_round():
    names = [f"s{i}" for i in range(10)]
    layout = flow_layout(names, chain(names), max_columns=6)
    assert layout.width == 6
    assert layout.positions["s6"][0] == 0 and layout.positions["s6"][1] < layout.positions["s5"][1]
    wrap = next(r for r in layout.routes if r.source == "s5")
    assert len(wrap.points) == 6
    gap_y = wrap.points[2][1]
    assert layout.positions["s6"][1] < gap_y - 0.5 < gap_y < layout.positions["s5"][1] - 0.5  # between the bands


def test_rework_goes_back_over_the_boxes_labelled():
    layout = flow_layout(["a", "b", "c"], chain(["a", "b", "c"]) + [("c", "a", "rework 5 %")])
    rework = next(r for r in layout.routes if r.label)
    assert rework.back and rework.source == "c" and rework.target == "a"
    assert all(y > 0.25 for _, y in rework.points[1:3])  # above the boxes

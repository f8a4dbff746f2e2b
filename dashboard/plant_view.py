"""The plant view and the energy and cost charts of a results page (issue 16).

- `plant_figure`: a plant's lines side by side (one column of stations per line, in flow order) with the
  shared resources in a column between them, each shared station joined to the lines it serves;
- `cost_figure`: cost per good cell by station, stacked by kind (capital, labour, energy, material, scrap);
- `energy_band_figure`: kWh per kWh of cells of the plant and each line, with 95% CI bars, against the
  reference band (battery-process.md d.4: 20-40 kWh/kWh).

Pure functions of the stored RunResult (and the stored scenario for the plant's layout); nothing is
recomputed. `sections(result, scenario)` is what the results page adds.
"""

from __future__ import annotations

from typing import Any, Optional

import plotly.graph_objects as go
from dash import html

from twin.sim.results import Estimate, RunResult
from twin.spec.scenario import Scenario

from dashboard.components import graph

REFERENCE_BAND_KWH_PER_KWH = (20.0, 40.0)
"""shared/reference/battery-process.md d.4 [S22]: 20-40 kWh of electricity per kWh of cells."""

KIND_COLOURS = {"capital": "#1f77b4", "labour": "#ff7f0e", "energy": "#2ca02c", "material": "#9467bd",
                "scrap": "#d62728"}
LINE_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b")
SHARED_COLOUR = "#d62728"


def plant_figure(scenario: Scenario, result: Optional[RunResult] = None) -> go.Figure:
    """Each line a column of its stations; shared stations in the middle, linked to the lines they serve.
    A station's hover shows its utilisation when the result has it."""
    plant = scenario.plant
    figure = go.Figure()
    if plant is None:
        return figure
    lines = list(plant.lines)
    column = {line: float(i * 2) for i, line in enumerate(lines)}
    order = {s.name: i for i, s in enumerate(scenario.stations)}
    shared_x = (column[lines[0]] + column[lines[-1]]) / 2 if len(lines) > 1 else 1.0
    place: dict[str, tuple[float, float]] = {}
    for k, line in enumerate(lines):
        stations = sorted(plant.lines[line].stations, key=lambda n: order.get(n, 0))
        for y, name in enumerate(stations):
            place[name] = (column[line], -float(y))
        figure.add_trace(go.Scatter(
            x=[column[line]] * len(stations), y=[-float(y) for y in range(len(stations))], mode="markers+text",
            marker={"size": 14, "color": LINE_COLOURS[k % len(LINE_COLOURS)], "symbol": "square"},
            text=[n.split(".", 1)[1] for n in stations], textposition="middle right" if k == 0 else "middle left",
            name=line, hovertext=[_hover(n, result) for n in stations], hoverinfo="text"))
    for name, shared in plant.shared.items():
        depths = [place[ref][1] for ref in shared.from_ if ref in place] or [-float(order.get(name, 0))]
        place[name] = (shared_x, sum(depths) / len(depths))
    links_x: list[Optional[float]] = []
    links_y: list[Optional[float]] = []
    for name, shared in plant.shared.items():
        x, y = place[name]
        for line in {ref.split(".", 1)[0] for ref in shared.from_}:
            neighbours = [place[n] for n in plant.lines[line].stations if n in place]
            nearest = min(neighbours, key=lambda p: abs(p[1] - y)) if neighbours else (column[line], y)
            links_x += [x, nearest[0], None]
            links_y += [y, nearest[1], None]
    if links_x:
        figure.add_trace(go.Scatter(x=links_x, y=links_y, mode="lines", line={"color": SHARED_COLOUR, "dash": "dot"},
                                    hoverinfo="skip", showlegend=False))
    if plant.shared:
        names = list(plant.shared)
        figure.add_trace(go.Scatter(
            x=[place[n][0] for n in names], y=[place[n][1] for n in names], mode="markers+text",
            marker={"size": 22, "color": SHARED_COLOUR, "symbol": "diamond"}, text=names, textposition="top center",
            name="shared", hovertext=[_hover(n, result) + "<br>serves " + ", ".join(plant.shared[n].from_)
                                      for n in names], hoverinfo="text"))
    height = 120 + 28 * max((len(info.stations) for info in plant.lines.values()), default=1)
    figure.update_layout(
        title={"text": "The plant: lines side by side, shared resources between them", "x": 0, "font": {"size": 15}},
        template="plotly_white", height=height, margin={"l": 20, "r": 20, "t": 50, "b": 20},
        xaxis={"visible": False, "range": [-1.5, column[lines[-1]] + 1.5]}, yaxis={"visible": False},
        legend={"orientation": "h", "y": -0.02},
    )
    return figure


def _hover(name: str, result: Optional[RunResult]) -> str:
    if result is None or name not in result.stations or result.stations[name].utilization.mean is None:
        return name
    station = result.stations[name]
    text = f"{name}<br>utilisation {station.utilization.mean:.1%}"
    if station.energy_kwh is not None and station.energy_kwh.mean is not None:
        text += f"<br>energy {station.energy_kwh.mean:,.0f} kWh"
    return text


def cost_figure(result: RunResult) -> go.Figure:
    """GBP per good cell by station, stacked by kind; stations with no cost are left out."""
    stations = [n for n, s in result.stations.items()
                if s.cost_by_kind and sum((e.mean or 0.0) for e in s.cost_by_kind.values()) > 0]
    figure = go.Figure()
    for kind, colour in KIND_COLOURS.items():
        figure.add_trace(go.Bar(
            x=stations, y=[(result.stations[n].cost_by_kind.get(kind) or _zero()).mean or 0.0 for n in stations],
            name=kind, marker_color=colour))
    total = result.kpis.get("cost_per_good_cell_gbp")
    title = "Cost per good cell by station and kind"
    if total is not None and total.mean is not None:
        title += f" (all: {total.mean:.2f} GBP, incl. bought-in cell material and facility energy)"
    figure.update_layout(barmode="stack", template="plotly_white", height=420,
                         title={"text": title, "x": 0, "font": {"size": 15}},
                         margin={"l": 60, "r": 20, "t": 50, "b": 120}, yaxis_title="GBP per good cell",
                         legend={"orientation": "h", "y": 1.08})
    return figure


def _zero() -> Estimate:
    return Estimate(mean=0.0, ci95=(0.0, 0.0), values=[])


def energy_band_figure(result: RunResult) -> go.Figure:
    """kWh per kWh of cells, plant and lines, with 95% CIs, over the reference band."""
    rows: list[tuple[str, Estimate]] = []
    if "energy_kwh_per_kwh" in result.kpis:
        rows.append(("plant" if result.lines else "line", result.kpis["energy_kwh_per_kwh"]))
    rows += [(name, line.kpis["energy_kwh_per_kwh"]) for name, line in result.lines.items()
             if "energy_kwh_per_kwh" in line.kpis]
    names = [name for name, _ in rows]
    means = [e.mean or 0.0 for _, e in rows]
    figure = go.Figure(go.Bar(
        x=names, y=means, marker_color="#2ca02c", name="kWh / kWh",
        error_y={"type": "data", "visible": True,
                 "array": [(e.ci95[1] - e.mean) if e.ci95[1] is not None and e.mean is not None else 0 for _, e in rows],
                 "arrayminus": [(e.mean - e.ci95[0]) if e.ci95[0] is not None and e.mean is not None else 0
                                for _, e in rows]},
        text=[f"{m:.1f}" for m in means], textposition="inside"))
    low, high = REFERENCE_BAND_KWH_PER_KWH
    figure.add_hrect(y0=low, y1=high, fillcolor="#2ca02c", opacity=0.12, line_width=0,
                     annotation_text=f"reference {low:g}-{high:g} kWh/kWh (d.4)", annotation_position="top left")
    figure.update_layout(template="plotly_white", height=360,
                         title={"text": "Electricity per kWh of good cells", "x": 0, "font": {"size": 15}},
                         margin={"l": 60, "r": 20, "t": 50, "b": 40}, yaxis_title="kWh per kWh of cells",
                         yaxis={"range": [0, max([high * 1.25, *means]) * 1.05]})
    return figure


def sections(result: RunResult, scenario: Optional[Scenario]) -> list[Any]:
    """What the results page shows for energy, cost and (for a plant) the plant's layout."""
    parts: list[Any] = []
    if scenario is not None and scenario.plant is not None:
        parts.append(graph(plant_figure(scenario, result), "plant"))
    if "energy_kwh_per_kwh" in result.kpis:
        parts.append(html.Div([graph(energy_band_figure(result), "energy"), graph(cost_figure(result), "cost")],
                              className="two-graphs"))
    return parts

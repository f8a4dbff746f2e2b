"""Plotly figures of the dashboard: pure functions of the result models (RunResult, LossWaterfall,
BottleneckAnalysis, ComparisonResult, SweepPoint, Scenario), no I/O and no Dash, so each can be
tested, and reused in a notebook, as a plain function.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from twin.analysis.bottleneck import BottleneckAnalysis
from twin.experiments.compare import ComparisonResult
from twin.analysis.improvement import walk_arrows
from twin.sim.results import LossWaterfall
from twin.sim.results import BottleneckResult, Estimate, RunResult
from twin.spec.scenario import EXIT, Scenario
from twin.experiments.sweep import SweepPoint

from twin.sim.results import HEADLINE_KPIS
from dashboard.flowlayout import BOX_HEIGHT, BOX_WIDTH, ROW, Route, flow_layout
from dashboard.labels import STATE_COLOURS, STATE_LABELS, kpi, number, path_words, rounded

UTILISATION_SCALE = "Blues"  # idle pale, busy dark; red is kept for the bottleneck mark
SIGNIFICANT = "#1f77b4"
NOT_SIGNIFICANT = "#b0b0b0"
BOTTLENECK = "#c0392b"
MOMENTARY = "#e67e22"  # dashed orange: busiest right now, but not what limits output
SMALL_LOSS_SHARE = 0.005  # waterfall steps below this share of the ideal are pooled


def escape(text: str) -> str:
    """A user's name (station, source, route) as plain text in a figure: plotly renders a subset of
    HTML (<a href>, <b>, <br>) from text, so '<', '>' and '&' become entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}}, template="plotly_white",
        height=height, margin={"l": 60, "r": 20, "t": 50, "b": 40}, font={"size": 12},
    )
    return figure


def empty_figure(message: str, height: int = 240) -> go.Figure:
    """A blank figure that says why there is nothing to plot."""
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                          font={"size": 14, "color": "#666"})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return _layout(figure, "", height)


# -- one run ----------------------------------------------------------------------------------
def series_figure(result: RunResult, references: Sequence[tuple[float, str]] = ()) -> go.Figure:
    """Throughput and WIP over time (mean of the replications), the warm-up shaded: it is
    simulated but not counted. `references`: (good cells/h, label) lines such as the nameplate."""
    series = result.series
    if not series.times_h:
        return empty_figure("no time series in this result")
    in_days = series.times_h[-1] > 96
    factor, unit = (1 / 24, "d") if in_days else (1.0, "h")
    times = [t * factor for t in series.times_h]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           subplot_titles=("Throughput (good cells/h)", "WIP (cells in the line)"))
    figure.add_trace(go.Scatter(x=times, y=series.throughput_per_h, mode="lines", name="throughput",
                                line={"color": "#1f77b4"}, hovertemplate=f"%{{x:.3g}} {unit}: %{{y:,.0f}} cells/h"),
                     row=1, col=1)
    figure.add_trace(go.Scatter(x=times, y=series.wip_cells, mode="lines", name="WIP", line={"color": "#ff7f0e"},
                                hovertemplate=f"%{{x:.3g}} {unit}: %{{y:,.0f}} cells"), row=2, col=1)
    mean = result.kpis.get("throughput_per_h")
    if mean is not None and mean.mean is not None:
        figure.add_trace(go.Scatter(
            x=[result.warmup_h * factor, times[-1]], y=[mean.mean, mean.mean], mode="lines", name="mean after warm-up",
            line={"color": "#1f77b4", "dash": "dash", "width": 1}, hoverinfo="skip"), row=1, col=1)
    for value, label in references:
        figure.add_hline(y=value, line={"color": "#222", "dash": "dot", "width": 1}, row=1, col=1,
                         annotation_text=label, annotation_position="bottom right", annotation_font_size=11)
    if result.warmup_h > 0:
        for row in (1, 2):
            figure.add_vrect(x0=0, x1=result.warmup_h * factor, fillcolor="#999", opacity=0.15, line_width=0,
                             row=row, col=1)
        figure.add_annotation(x=result.warmup_h * factor / 2, y=1, xref="x", yref="y domain", showarrow=False,
                              text="warm-up (not counted)", font={"size": 11, "color": "#555"})
    figure.update_xaxes(title_text=f"time ({unit}, warm-up included)", row=2, col=1)
    figure.update_layout(showlegend=False)
    return _layout(figure, f"Over time (mean of {result.replications} replications)", 420)


def states_figure(result: RunResult, order: Sequence[str]) -> go.Figure:
    """Share of machine time in each state per station, stacked; stations top to bottom in flow order."""
    stations = [name for name in order if name in result.stations][::-1]
    figure = go.Figure()
    for state, label in STATE_LABELS.items():
        shares = [_mean(result.stations[n].states.get(state)) for n in stations]
        if not any(shares):
            continue
        lows_highs = [result.stations[n].states.get(state) for n in stations]
        figure.add_trace(go.Bar(
            y=[escape(n) for n in stations], x=[s * 100 for s in shares], orientation="h", name=label, marker_color=STATE_COLOURS[state],
            customdata=[_ci_text(e, 100) for e in lows_highs],
            hovertemplate=f"%{{y}} · {label}: %{{x:.1f}} % (95% CI %{{customdata}})<extra></extra>",
        ))
    figure.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.12, "x": 0, "yanchor": "top"})
    figure.update_xaxes(range=[0, 100], ticksuffix=" %")
    height = max(300, 110 + 40 * len(stations))
    figure = _layout(figure, "Station states (% of machine time, mean of the replications)", height)
    figure.update_layout(margin={"b": 70})
    return figure


def _mean(estimate: Optional[Estimate]) -> float:
    return 0.0 if estimate is None or estimate.mean is None else estimate.mean


def _ci_text(estimate: Optional[Estimate], scale: float = 1.0) -> str:
    if estimate is None or estimate.ci95[0] is None or estimate.ci95[1] is None:
        return "n/a"
    return f"{estimate.ci95[0] * scale:.3g}–{estimate.ci95[1] * scale:.3g}"


def flow_order(result: RunResult, scenario: Optional[Scenario]) -> list[str]:
    """Stations in flow order: the scenario's list, else the result's."""
    if scenario is not None:
        return [s.name for s in scenario.stations if s.name in result.stations]
    return list(result.stations)


def flow_figure(result: RunResult, scenario: Optional[Scenario], judged: Optional[BottleneckResult]) -> go.Figure:
    """The line as boxes in flow order (parallel branches in lanes, long lines wrapped), coloured by
    utilisation, the stored verdict marked (the throughput constraint solid, the momentary
    bottleneck dashed when it is another station), and each station's bottleneck-walk arrow
    (Roser): mostly starved points upstream, mostly blocked points downstream."""
    order = flow_order(result, scenario)
    placed = flow_layout(order, _edges(order, scenario))
    if judged is not None and judged.load:
        arrows = {n: judged.load[n].walk if n in judged.load else None for n in order}
    else:  # a result stored before the verdict kept its walk
        arrows = walk_arrows({n: {k: e.mean for k, e in result.stations[n].states.items()} for n in order})
    primary = judged.primary if judged else None
    momentary = judged.momentary if judged and judged.momentary != primary else None
    candidates = set(judged.unresolved) if judged and primary is None and len(judged.unresolved) > 1 else set()
    candidates.discard(momentary)
    utilisation = {n: _mean(result.stations[n].utilization) for n in order}
    colours = dict(zip(order, sample_colorscale(UTILISATION_SCALE, [min(max(utilisation[n], 0.0), 1.0) for n in order])))
    specs = {s.name: s for s in scenario.stations} if scenario is not None else {}
    figure = go.Figure()
    for route in placed.routes:
        _draw_route(figure, route)
    half_w, half_h = BOX_WIDTH / 2, BOX_HEIGHT / 2
    for name, (x, y) in placed.positions.items():
        marked = name == primary or name in candidates or name == momentary
        figure.add_shape(type="rect", x0=x - half_w, x1=x + half_w, y0=y - half_h, y1=y + half_h, fillcolor=colours[name],
                         line={"color": (MOMENTARY if name == momentary else BOTTLENECK) if marked else "#555",
                               "width": (4 if name == primary else 3) if marked else 1,
                               "dash": "solid" if name == primary or not marked else "dash"})
        spec = specs.get(name)
        detail = ""
        if spec is not None:
            detail = f"{spec.capacity} places" if spec.kind == "dwell" else f"{spec.machines} × {spec.kind}"
        text_colour = "white" if utilisation[name] > 0.6 else "#222"
        figure.add_annotation(x=x, y=y, showarrow=False, font={"size": 11, "color": text_colour},
                              text=f"<b>{escape(name)}</b><br>{escape(detail)}<br>util {utilisation[name] * 100:.0f} %")
        if marked:
            label = "<b>BOTTLENECK</b>" if name == primary else "momentary" if name == momentary else "<b>candidate</b>"
            figure.add_annotation(x=x, y=y + half_h + 0.14, showarrow=False,
                                  font={"size": 11, "color": MOMENTARY if name == momentary else BOTTLENECK}, text=label)
        walk = arrows.get(name)
        if walk is not None:
            sign = -1 if walk == "upstream" else 1
            figure.add_annotation(x=x + sign * 0.28, y=y - 0.5, ax=x - sign * 0.28, ay=y - 0.5, xref="x", yref="y",
                                  axref="x", ayref="y", showarrow=True, arrowhead=3, arrowsize=1.2, arrowwidth=2,
                                  arrowcolor="#444", text="")
            figure.add_annotation(x=x, y=y - 0.64, showarrow=False, font={"size": 10, "color": "#444"},
                                  text="starved" if walk == "upstream" else "blocked")
    if scenario is not None:
        for source in scenario.sources:
            if source.to in placed.positions:
                x, y = placed.positions[source.to]
                first = placed.columns[source.to] == 0
                figure.add_annotation(
                    x=x - half_w if first else x, y=y if first else y + half_h, ax=x - 0.9 if first else x,
                    ay=y if first else y + half_h + 0.35, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                    arrowhead=2, arrowcolor="#888", text=escape(source.name), font={"size": 10, "color": "#666"})
    figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False, marker={
        "colorscale": UTILISATION_SCALE, "cmin": 0, "cmax": 100, "color": [0], "showscale": True,
        "colorbar": {"title": {"text": "util %"}, "thickness": 12, "len": 0.9}}))
    figure.update_xaxes(visible=False, range=list(placed.x_range()), fixedrange=True)
    figure.update_yaxes(visible=False, range=list(placed.y_range()), fixedrange=True)
    rows = (placed.y_range()[1] - placed.y_range()[0]) / ROW
    title = ("The line (colour: utilisation; red: the throughput constraint; dashed: the momentary bottleneck; "
             "arrows below: the bottleneck walk)")
    return _layout(figure, title, int(90 + 150 * rows))


def _edges(order: Sequence[str], scenario: Optional[Scenario]) -> list[tuple[str, str, str]]:
    """(from, to, label) of every route: next stations, and rework loops (labelled)."""
    if scenario is None:
        return [(a, b, "") for a, b in zip(order, order[1:])]
    edges = []
    for index, spec in enumerate(scenario.stations):
        target = scenario.next_of(index)
        if target != EXIT:
            edges.append((spec.name, target, ""))
        rework = getattr(spec, "rework", None)  # machine, batch and assembly stations only
        if rework is not None:
            edges.append((spec.name, rework.to, f"rework {rework.fraction * 100:.0f} %"))
    return edges


def _draw_route(figure: go.Figure, route: Route) -> None:
    colour = "#888" if route.back else "#555"
    points = route.points
    if len(points) > 2:
        path = "M " + " L ".join(f"{x},{y}" for x, y in points[:-1])
        figure.add_shape(type="path", path=path, line={"color": colour, "width": 1.5, "dash": "dot" if route.back else None})
    (ax, ay), (x, y) = points[-2], points[-1]
    figure.add_annotation(x=x, y=y, ax=ax, ay=ay, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                          arrowhead=2, arrowwidth=1.5, arrowcolor=colour, text="")
    if route.label:
        (lx0, ly), (lx1, _) = points[1], points[2]
        figure.add_annotation(x=(lx0 + lx1) / 2, y=ly + 0.08, showarrow=False, text=escape(route.label),
                              font={"size": 10, "color": "#666"})


def waterfall_figure(waterfall: LossWaterfall) -> go.Figure:
    """From the bottleneck's ideal capacity down to the good output: where the cells went."""
    ideal = _mean(waterfall.ideal_per_h)
    labels, values, measures, hovers = [f"ideal capacity<br>({escape(waterfall.bottleneck)})"], [ideal], ["absolute"], [
        f"95% CI {_ci_text(waterfall.ideal_per_h)}"]
    pooled, pooled_count = 0.0, 0
    for step in waterfall.steps:
        loss = _mean(step.cells_per_h)
        if abs(loss) < SMALL_LOSS_SHARE * max(ideal, 1e-12):
            pooled += loss
            pooled_count += 1 if loss else 0
            continue
        where = "" if step.station == waterfall.bottleneck and step.cause != "scrap" else f" at {step.station}"
        labels.append(escape(f"{step.cause}{where}").replace(" (", "<br>("))
        values.append(-loss)
        measures.append("relative")
        hovers.append(f"95% CI {_ci_text(step.cells_per_h)} cells/h lost")
    if pooled_count:
        labels.append(f"{pooled_count} small loss{'es' if pooled_count > 1 else ''}")
        values.append(-pooled)
        measures.append("relative")
        hovers.append("each below 0.5% of the ideal")
    labels.append("good output")
    values.append(_mean(waterfall.actual_per_h))
    measures.append("total")
    hovers.append(f"95% CI {_ci_text(waterfall.actual_per_h)}")
    figure = go.Figure(go.Waterfall(
        x=labels, y=values, measure=measures, text=[number(abs(v), 3) for v in values], textposition="outside",
        customdata=hovers, hovertemplate="%{x}: %{y:,.1f} cells/h<br>%{customdata}<extra></extra>",
        decreasing={"marker": {"color": "#d55e00"}}, increasing={"marker": {"color": "#009e73"}},
        totals={"marker": {"color": "#1f77b4"}}, connector={"line": {"color": "#bbb"}},
    ))
    levels, level = [ideal], ideal
    for value, measure in zip(values[1:-1], measures[1:-1]):
        level += value
        levels.append(level)
    lowest, top = min(levels + [values[-1]]), max(levels)
    floor = max(0.0, lowest - 1.5 * (top - lowest))  # zoom in on the losses; say so in the title
    title = f"Loss waterfall: {waterfall.bottleneck}'s ideal capacity to good output"
    if floor > 0:
        title += f" (axis from {number(floor, 3)} cells/h)"
    figure.update_yaxes(title_text="cells/h", range=[floor, top + 0.12 * (top - floor)])
    return _layout(figure, title, 400)


def improvements_figure(analysis: BottleneckAnalysis) -> go.Figure:
    """The throughput gain of each improvement tried, with its paired 95% CI; significant in colour."""
    gains = analysis.improvements[::-1]
    if not gains:
        return empty_figure("no improvements were tried")
    means = [_mean(g.throughput_gain_per_h) for g in gains]
    errors_plus = [_half(g.throughput_gain_per_h, upper=True) for g in gains]
    errors_minus = [_half(g.throughput_gain_per_h, upper=False) for g in gains]
    figure = go.Figure(go.Bar(
        y=[escape(f"{g.station} ({g.change})") for g in gains], x=means, orientation="h",
        marker_color=[SIGNIFICANT if g.significant else NOT_SIGNIFICANT for g in gains],
        error_x={"type": "data", "array": errors_plus, "arrayminus": errors_minus, "color": "#333"},
        hovertemplate="%{y}: %{x:+,.1f} cells/h<extra></extra>",
    ))
    figure.add_vline(x=0, line_color="#333", line_width=1)
    figure.update_xaxes(title_text="throughput gain, cells/h (95% CI; grey: not significant)")
    return _layout(figure, "What each improvement buys", max(240, 80 + 40 * len(gains)))


def _half(estimate: Estimate, upper: bool) -> float:
    lo, hi = estimate.ci95
    if estimate.mean is None or lo is None or hi is None:
        return 0.0
    return hi - estimate.mean if upper else estimate.mean - lo


# -- several runs -----------------------------------------------------------------------------
def comparison_figure(comparisons: Sequence[ComparisonResult], keys: Sequence[str] = HEADLINE_KPIS) -> go.Figure:
    """Relative difference of each headline KPI against the base (% of the base mean), with the
    paired 95% CI; filled markers are significant."""
    if not comparisons:
        return empty_figure("pick at least two runs")
    figure = go.Figure()
    labels = [kpi(k).label for k in keys][::-1]
    for comparison in comparisons:
        xs, lows, highs, fills = [], [], [], []
        for key in keys[::-1]:
            item = comparison.kpis.get(key)
            base = item.base if item is not None else None
            if item is None or item.difference is None or not base:
                xs.append(None), lows.append(0.0), highs.append(0.0), fills.append(False)
                continue
            xs.append(100 * item.difference / abs(base))
            lo, hi = item.ci95
            lows.append(0.0 if lo is None else 100 * (item.difference - lo) / abs(base))
            highs.append(0.0 if hi is None else 100 * (hi - item.difference) / abs(base))
            fills.append(item.significant)
        name = f"run {comparison.whatif.run_id} vs {comparison.base.run_id}"
        figure.add_trace(go.Scatter(
            x=xs, y=labels, mode="markers", name=name,
            error_x={"type": "data", "array": highs, "arrayminus": lows},
            marker={"size": 11, "symbol": ["circle" if f else "circle-open" for f in fills], "line": {"width": 2}},
            hovertemplate=f"{name} · %{{y}}: %{{x:+.2f}} %<extra></extra>",
        ))
    figure.add_vline(x=0, line_color="#333", line_width=1)
    figure.update_xaxes(title_text="difference, % of the base mean (95% CI; filled: significant)")
    figure.update_layout(legend={"orientation": "h", "y": -0.25, "x": 0})
    return _layout(figure, "Differences against the base run", 340)


def sweep_figure(points: Sequence[SweepPoint], parameters: Sequence[str], key: str,
                 against_base: Optional[dict[int, Any]] = None,
                 references: Sequence[tuple[float, str]] = ()) -> go.Figure:
    """The KPI against the swept parameter (line with its CI band), or a heatmap for two parameters;
    with more, one line per combination of the others against the first. `against_base`: each
    point's paired comparison with the first point (run id -> ComparisonResult); the heatmap colours
    only the differences that are significant, so noise stays grey."""
    if not points:
        return empty_figure("no finished sweep points yet")
    if len(parameters) == 2:
        return _sweep_heatmap(points, parameters, key, against_base or {})
    figure = _sweep_lines(points, parameters, key)
    for value, label in references:  # in the KPI's stored unit; the chart shows value x scale
        figure.add_hline(y=value * kpi(key).scale, line={"color": "#222", "dash": "dot", "width": 1},
                         annotation_text=label, annotation_position="bottom right", annotation_font_size=11)
    return figure


def _axis_values(points: Sequence[SweepPoint], parameter: str) -> list[Any]:
    values = list(dict.fromkeys(_plain(p.settings.get(parameter)) for p in points))
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return sorted(values)
    return values


def _plain(value: Any) -> Any:
    """A sweep value usable as an axis value (numbers stay numbers, the rest becomes text)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _sweep_lines(points: Sequence[SweepPoint], parameters: Sequence[str], key: str) -> go.Figure:
    info = kpi(key)
    first, others = (parameters[0], list(parameters[1:])) if parameters else ("point", [])
    groups: dict[str, list[SweepPoint]] = {}
    for point in points:
        label = ", ".join(f"{path_words(p)} {point.settings.get(p)}" for p in others)
        groups.setdefault(label, []).append(point)
    figure = go.Figure()
    palette = ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9"]  # Okabe-Ito
    for index, (label, members) in enumerate(groups.items()):
        colour = palette[index % len(palette)]
        order = _axis_values(members, first) if parameters else list(range(len(members)))
        by_value = {(_plain(p.settings.get(first)) if parameters else i): p for i, p in enumerate(members)}
        xs = [v for v in order if v in by_value]
        estimates = [by_value[v].kpis.get(key) for v in xs]
        means = [None if e is None or e.mean is None else e.mean * info.scale for e in estimates]
        lows = [None if e is None or e.ci95[0] is None else e.ci95[0] * info.scale for e in estimates]
        highs = [None if e is None or e.ci95[1] is None else e.ci95[1] * info.scale for e in estimates]
        if all(v is not None for v in lows + highs):
            figure.add_trace(go.Scatter(x=xs + xs[::-1], y=highs + lows[::-1], fill="toself", mode="lines",
                                        line={"width": 0}, fillcolor=_transparent(colour), hoverinfo="skip",
                                        showlegend=False))
        figure.add_trace(go.Scatter(
            x=xs, y=means, mode="lines+markers", name=label or info.label, line={"color": colour},
            customdata=[_ci_text(e, info.scale) for e in estimates],
            hovertemplate=f"{path_words(first)} %{{x}}: %{{y:,.4g}} {info.unit} (95% CI %{{customdata}})<extra></extra>",
        ))
    values = _axis_values(points, first) if parameters else []
    if values and all(isinstance(v, int) for v in values):
        figure.update_xaxes(tickmode="array", tickvals=values)  # whole machines, not 5.5
    figure.update_xaxes(title_text=path_words(first))
    figure.update_yaxes(title_text=f"{info.label} ({info.unit})")
    figure.update_layout(showlegend=len(groups) > 1)
    return _layout(figure, f"{info.label} against {path_words(first)} (band: 95% CI)", 420)


def _transparent(hex_colour: str, alpha: float = 0.2) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


DIVERGING = [[0.0, "#b35806"], [0.5, "#f7f7f7"], [1.0, "#542788"]]  # orange-white-purple: colour-blind safe


def _sweep_heatmap(points: Sequence[SweepPoint], parameters: Sequence[str], key: str,
                   against_base: dict[int, Any]) -> go.Figure:
    """Each cell: the mean ± its CI half-width; coloured by its paired difference from the first point
    only where that difference is significant (else white: not told apart from the base)."""
    info = kpi(key)
    rows_param, cols_param = parameters
    ys, xs = _axis_values(points, rows_param), _axis_values(points, cols_param)
    z: list[list[Optional[float]]] = [[None] * len(xs) for _ in ys]
    text: list[list[str]] = [[""] * len(xs) for _ in ys]
    for index, point in enumerate(points):
        i, j = ys.index(_plain(point.settings.get(rows_param))), xs.index(_plain(point.settings.get(cols_param)))
        estimate = point.kpis.get(key)
        if estimate is None or estimate.mean is None:
            continue
        mean = estimate.mean * info.scale
        lo, hi = estimate.ci95
        shown = rounded(mean, None if lo is None else lo * info.scale, None if hi is None else hi * info.scale)
        half = _half(estimate, upper=True) * info.scale
        comparison = against_base.get(point.run_id) if point.run_id is not None else None
        difference = comparison.kpis.get(key) if comparison is not None else None
        if index == 0:
            z[i][j], mark = 0.0, "base"
        elif difference is not None and difference.difference is not None:
            z[i][j] = difference.difference * info.scale if difference.significant else 0.0
            mark = (f"{'+' if difference.difference > 0 else '−'}{rounded(abs(difference.difference) * info.scale, *(None if c is None else c * info.scale for c in difference.ci95))} vs base"
                    if difference.significant else "≈ base")
        else:
            z[i][j], mark = 0.0, "not paired"
        text[i][j] = f"{shown} ± {number(half, 2)}<br>{mark}" if half else f"{shown}<br>{mark}"
    spread = max((abs(v) for row in z for v in row if v is not None), default=0.0) or 1.0
    figure = go.Figure(go.Heatmap(
        z=z, x=[str(x) for x in xs], y=[str(y) for y in ys], text=text, texttemplate="%{text}", colorscale=DIVERGING,
        zmin=-spread, zmax=spread, colorbar={"title": {"text": f"significant<br>difference<br>{info.unit}"}},
        hovertemplate=f"{path_words(cols_param)} %{{x}}, {path_words(rows_param)} %{{y}}: %{{text}}<extra></extra>",
    ))
    figure.update_xaxes(title_text=path_words(cols_param), type="category")
    figure.update_yaxes(title_text=path_words(rows_param), type="category")
    return _layout(figure, f"{info.label} ({info.unit}) over {path_words(rows_param)} × {path_words(cols_param)}: "
                   "mean ± 95% CI; colour only where the paired difference from the base (first point) is significant",
                   460)

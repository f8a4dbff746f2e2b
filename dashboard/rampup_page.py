"""The ramp-up page (/rampup): stored transient runs (`twin run --period`, e.g.
scenarios/power_cell_line_rampup.yaml) as good cells per day per period with their 95% CI band, the
cumulative good cells against a target line, and each milestone's date with its probability; two
ramp-ups on one chart when two runs are chosen (?runs=ID,ID).

Figures are pure functions of twin.sim.results.RunResult (its `periods` and `milestones`, computed
once when the run was aggregated: nothing is recomputed here); `page` builds the view from
dashboard.data; `register` only binds the run picker to the URL. Every browser value is checked.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from twin.sim.results import Estimate, MilestoneResult, PeriodResult, RunResult

from dashboard import data, ids
from dashboard.components import graph, notice

HOURS_PER_WEEK = 168.0
COLOURS = ("#1f77b4", "#d62728")
BANDS = ("rgba(31,119,180,0.18)", "rgba(214,39,40,0.15)")
MAX_RUNS = 2

Labelled = tuple[str, RunResult]
"""A run's label (scenario and run id) with its result."""


# -- pure figures -----------------------------------------------------------------------------
UNITS = ((4 * HOURS_PER_WEEK, "week", HOURS_PER_WEEK), (48.0, "day", 24.0), (0.0, "hour", 1.0))
"""The time axis unit by the run's length: weeks for a ramp-up of months, days or hours for short runs."""


def time_unit(runs: Sequence[Labelled]) -> tuple[str, float]:
    """(unit name, hours per unit) for the longest of the runs."""
    end_h = max((r.periods[-1].end_h for _, r in runs if r.periods), default=0.0)
    return next((name, hours) for longest, name, hours in UNITS if end_h >= longest)


def _ends(periods: Sequence[PeriodResult], hours: float) -> list[float]:
    return [p.end_h / hours for p in periods]


def _band(figure: go.Figure, x: list[float], estimates: list[Estimate], label: str, k: int, unit: str) -> None:
    """The mean as a line and its 95% CI as a shaded band (where the CI is defined)."""
    means = [e.mean for e in estimates]
    lows = [e.ci95[0] if e.ci95[0] is not None else e.mean for e in estimates]
    highs = [e.ci95[1] if e.ci95[1] is not None else e.mean for e in estimates]
    colour, band = COLOURS[k % len(COLOURS)], BANDS[k % len(BANDS)]
    figure.add_trace(go.Scatter(x=x + x[::-1], y=highs + lows[::-1], mode="lines", fill="toself", fillcolor=band,
                                line={"width": 0}, hoverinfo="skip", name=f"{label}: 95% CI", showlegend=False))
    figure.add_trace(go.Scatter(x=x, y=means, mode="lines+markers", name=label, line={"color": colour, "width": 2},
                                marker={"size": 4},
                                hovertemplate=unit + " %{x:.1f}<br>%{y:,.0f}<extra>" + label + "</extra>"))


def _layout(figure: go.Figure, title: str, y_title: str, unit: str) -> go.Figure:
    figure.update_layout(title={"text": title, "x": 0, "font": {"size": 15}}, template="plotly_white", height=380,
                         margin={"l": 70, "r": 20, "t": 50, "b": 40}, xaxis_title=f"{unit}s since start of production",
                         yaxis_title=y_title, legend={"orientation": "h", "y": -0.22})
    return figure


def daily_output_figure(runs: Sequence[Labelled]) -> go.Figure:
    """Good cells per day in each period (mean and 95% CI band over replications), one line per run,
    with the milestone targets as dashed lines."""
    figure = go.Figure()
    unit, hours = time_unit(runs)
    targets: set[float] = set()
    for k, (label, result) in enumerate(runs):
        periods = result.periods or []
        _band(figure, _ends(periods, hours), [p.kpis["good_cells_per_day"] for p in periods], label, k, unit)
        targets |= {m.target_per_day for m in result.milestones or []}
    for target in sorted(targets):
        figure.add_hline(y=target, line={"dash": "dash", "color": "#555"}, annotation_text=f"target {target:,.0f}/day",
                         annotation_position="bottom right")
    return _layout(figure, "Good cells per day, per period (95% CI band over replications)", "good cells / day", unit)


def cumulative_figure(runs: Sequence[Labelled], target_per_day: Optional[float]) -> go.Figure:
    """Cumulative good cells since the start, against the target rate held from day one."""
    figure = go.Figure()
    unit, hours = time_unit(runs)
    end_h = 0.0
    for k, (label, result) in enumerate(runs):
        periods = result.periods or []
        _band(figure, _ends(periods, hours), [p.kpis["cumulative_good_cells"] for p in periods], label, k, unit)
        end_h = max(end_h, periods[-1].end_h if periods else 0.0)
    if target_per_day is not None and end_h > 0:
        start_h = min((r.periods[0].start_h for _, r in runs if r.periods), default=0.0)
        figure.add_trace(go.Scatter(
            x=[start_h / hours, end_h / hours], y=[0, target_per_day * (end_h - start_h) / 24],
            mode="lines", line={"dash": "dash", "color": "#555"}, name=f"target {target_per_day:,.0f}/day from day one"))
    return _layout(figure, "Cumulative good cells (95% CI band)", "good cells", unit)


def milestone_figure(runs: Sequence[Labelled]) -> go.Figure:
    """The probability that a milestone has been reached by the end of each period (the share of
    replications), per run and target."""
    figure = go.Figure()
    unit, hours = time_unit(runs)
    dashes = ("solid", "dot", "dash", "dashdot")
    for k, (label, result) in enumerate(runs):
        weeks = _ends(result.periods or [], hours)
        for j, m in enumerate(result.milestones or []):
            figure.add_trace(go.Scatter(
                x=weeks[:len(m.probability_by_period)], y=m.probability_by_period, mode="lines",
                line={"shape": "hv", "color": COLOURS[k % len(COLOURS)], "dash": dashes[j % len(dashes)]},
                name=f"{label}: {m.target_per_day:,.0f}/day"))
    figure.update_yaxes(range=[-0.02, 1.02], tickformat=".0%")
    return _layout(figure, f"Probability that the milestone is reached by each {unit}", "share of replications", unit)


def milestone_lines(label: str, result: RunResult) -> list[str]:
    """Each milestone in words: its date with a 95% CI, and its probability by the date asked."""
    unit = time_unit([(label, result)])
    return [f"{label}: {_milestone_text(m, *unit)}" for m in result.milestones or []]


def _milestone_text(m: MilestoneResult, unit: str, hours: float) -> str:
    """All replications reach it: the mean date with its CI. Only some do: the share that do and the
    median over all (censoring-aware), with the mean of those that do marked as conditional on reaching it."""
    p = m.probability_by
    chance = (f"probability {p.p:.0%} (95% CI {p.ci95[0]:.0%} to {p.ci95[1]:.0%}) of reaching it by {unit} "
              f"{p.by_h / hours:.4g}")
    if m.reached == 0 or m.end_h.mean is None:
        return f"{m.target_per_day:,.0f} good cells/day not reached in any replication; {chance}"
    low, high = m.end_h.ci95
    ci = (f" (95% CI {unit} {low / hours:.1f} to {high / hours:.1f})" if low is not None and high is not None else "")
    if m.reached == m.replications:
        return (f"{m.target_per_day:,.0f} good cells/day first reached by {unit} {m.end_h.mean / hours:.1f} on average"
                f"{ci}; {chance}")
    if m.median_end_h is None:
        median = "median beyond the run's end (fewer than half reach it)"
    else:
        upper = None if m.median_ci95 is None else m.median_ci95[1]
        bounds = ("" if m.median_ci95 is None else f", 95% CI {unit} {m.median_ci95[0] / hours:.1f} to "
                  + ("beyond the run's end" if upper is None else f"{unit} {upper / hours:.1f}"))
        median = f"median {unit} {m.median_end_h / hours:.1f} over all replications{bounds}"
    return (f"{m.target_per_day:,.0f} good cells/day reached in only {m.reached} of {m.replications} replications; "
            f"{chance}; {median}; conditional on reaching it, by {unit} {m.end_h.mean / hours:.1f} on average{ci}")


# -- the page ---------------------------------------------------------------------------------
def parse_runs(text: Any) -> list[int]:
    """Run ids from ?runs=1,2 (at most two; anything else is ignored)."""
    if not isinstance(text, str):
        return []
    found = []
    for part in text.split(",")[:MAX_RUNS]:
        part = part.strip()
        if part.isdigit() and len(part) < 19:
            found.append(int(part))
    return found


def page(settings: data.Settings, query: dict[str, str]) -> html.Div:
    """The picker of stored transient runs and, for the chosen ones (else the newest), the charts."""
    stored = data.transient_runs(settings)
    header = [html.H2("Ramp-up"),
              html.P("Transient runs (twin run FILE --period 1 wk): output per period with its 95% confidence band over "
                     "replications, cumulative good cells, and when each milestone is reached.", className="muted")]
    if not stored:
        return html.Div([*header, notice("No transient run stored yet: run `twin run "
                                         "scenarios/power_cell_line_rampup.yaml` (it has weekly periods).", "info")])
    by_id = {record.id: (record, result) for record, result in stored}
    wanted = [run_id for run_id in parse_runs(query.get("runs")) if run_id in by_id] or [stored[0][0].id]
    options = [{"label": f"{record.scenario_name} (run {record.id}, {record.done} replications)", "value": record.id}
               for record, _ in stored]
    picker = html.Label(["Runs (one or two)", dcc.Dropdown(options, wanted, id=ids.RAMPUP_SELECT, multi=True)],
                        className="rampup-picker")
    chosen = [(f"{by_id[i][0].scenario_name} (run {i})", by_id[i][1]) for i in wanted]
    targets = [m.target_per_day for _, result in chosen for m in result.milestones or []]
    lines = [line for label, result in chosen for line in milestone_lines(label, result)]
    return html.Div([
        *header, picker,
        html.Ul([html.Li(line) for line in lines], className="rampup-milestones") if lines
        else notice("No milestone: give the run a target (--target-per-day 137000).", "info"),
        graph(daily_output_figure(chosen), "rampup-daily"),
        graph(cumulative_figure(chosen, max(targets) if targets else None), "rampup-cumulative"),
        graph(milestone_figure(chosen), "rampup-milestones") if targets else html.Div(),
    ], className="rampup-page")


def register(app: Dash) -> None:
    """Bind the run picker to the URL (?runs=ID,ID): the page renders from the URL alone."""

    @app.callback(Output(ids.URL, "search", allow_duplicate=True), Input(ids.RAMPUP_SELECT, "value"),
                  prevent_initial_call=True)
    def _select(values: Any) -> str:
        chosen = [v for v in (values if isinstance(values, list) else [])
                  if isinstance(v, int) and not isinstance(v, bool) and v > 0][:MAX_RUNS]
        return f"?runs={','.join(str(v) for v in chosen)}" if chosen else ""

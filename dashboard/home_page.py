"""The home page (/): each line as a card that answers from its latest stored run (good cells per
day and GWh/yr with their 95% CIs against the nameplate, the bottleneck verdict in one sentence,
yield) with "Run again" and "What-if" at the top of the card; with no runs stored, one button that
runs every line, with a time estimate. Below, the other views (plan now; plant and ramp-up as
their pages land: add an entry to VIEWS).

A page module like plan_page: pure builders, the callbacks' work as plain functions, `register`
only binds. Reads through dashboard.data; runs are JobManager jobs owned by this browser, so they
show in the job list beside every page.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence
from urllib.parse import quote

from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html
from dash.exceptions import PreventUpdate

from twin.analysis.constraint import headline
from twin.sim.results import Estimate

from dashboard import data, form, guard, ids
from dashboard.facts import FACTS, LineFacts
from dashboard.components import notice
from dashboard.jobs import JobManager, JobRefused
from dashboard.labels import duration_words, rounded, when



VIEWS: list[tuple[str, Optional[str], str]] = [  # (title, href or None while it is not built, what it answers)
    ("Plan", "/plan", "How many machines reach a target output, with stated confidence."),
    ("Sweeps", "/sweep", "One or two parameters over a range: output with CI bands, or a heatmap."),
    ("Compare", "/compare", "Runs side by side against a base, paired by common random numbers."),
    ("Plant", "/scenarios?file=ukbic_plant.yaml", "Both lines with shared formation, aging, dry room and crews; "
     "its results page shows the plant, energy per kWh and cost per cell."),
    ("Ramp-up", "/rampup", "Good cells per day from start of production, week by week, and when nameplate is reached."),
]

PRIOR_S_PER_STATION_DAY = 0.0035
PRIOR_S_PER_MACHINE_DAY = 0.0004
"""Seconds of one worker per simulated day, per station and per machine (or rack), fitted to one
replication of each line on the team's 2-core machine (cylindrical 6.1 s, power-cell 8.8 s; the
gigafactory's 29.5 s comes out at 39 s); used until a stored run of the file says how long it took."""


# -- estimates --------------------------------------------------------------------------------------
def seconds_per_replication(line: data.LineFile) -> float:
    if line.seconds_per_replication is not None:
        return line.seconds_per_replication
    run = line.scenario.run
    warmup = run.warmup if isinstance(run.warmup, (int, float)) else run.length  # 'auto': pilots cost about that
    machines = sum(getattr(station, "machines", 1) or 1 for station in line.scenario.stations)
    days = (warmup + run.length) / 86400
    return days * (len(line.scenario.stations) * PRIOR_S_PER_STATION_DAY + machines * PRIOR_S_PER_MACHINE_DAY)


def ordered(lines: Sequence[data.LineFile]) -> list[data.LineFile]:
    """The lines with published figures first, in FACTS order, then the others by file name."""
    names = list(FACTS)
    return sorted(lines, key=lambda l: (names.index(l.scenario.name) if l.scenario.name in names else len(names),
                                        l.filename))


def first_run(lines: Sequence[data.LineFile]) -> list[data.LineFile]:
    """The lines the empty database offers to run: those FACTS marks, else all."""
    marked = [l for l in lines if FACTS.get(l.scenario.name, LineFacts(0, None, "")).first_run
              and l.scenario.name in FACTS]
    return marked or list(lines)


def estimate_s(lines: Sequence[data.LineFile], parallel: int) -> float:
    """Wall time to run every line once: each is one job on one worker, `parallel` jobs at a time."""
    costs = sorted((seconds_per_replication(l) * l.scenario.run.replications for l in lines), reverse=True)
    slots = [0.0] * max(parallel, 1)
    for cost in costs:  # longest first into the least loaded slot
        slots[slots.index(min(slots))] += cost
    return max(slots) if costs else 0.0


# -- builders ---------------------------------------------------------------------------------------
def _ci(estimate: Optional[Estimate], scale: float = 1.0) -> tuple[Optional[float], Optional[float], Optional[float]]:
    if estimate is None or estimate.mean is None:
        return None, None, None
    low, high = estimate.ci95
    return (estimate.mean * scale, None if low is None else low * scale, None if high is None else high * scale)


def _figure(label: str, estimate: Optional[Estimate], unit: str, scale: float = 1.0, extra: Any = None,
            name: str = "") -> html.Div:
    mean, low, high = _ci(estimate, scale)
    ci = f"95% CI {rounded(low, low, high)} – {rounded(high, low, high)}" if low is not None and high is not None \
        else "one replication: no CI"
    return html.Div([
        html.Div(label, className="line-figure-label"),
        html.Div([html.Span(rounded(mean, low, high), className="line-figure-value"), f" {unit}"]),
        html.Div(ci, className="muted small"),
        extra,
    ], className="line-figure", **{"data-figure": name})


def _against(value: Optional[tuple[Optional[float], Optional[float], Optional[float]]], target: Optional[float],
             what: str) -> Any:
    """'96 % of nameplate (CI 91–101 %)': the CI as a share of the published figure."""
    if target is None or value is None or value[0] is None:
        return None
    mean, low, high = (None if v is None else 100 * v / target for v in value)
    text = f"{rounded(mean, low, high)} % of {what}"
    if low is not None and high is not None:
        text += f" (CI {rounded(low, low, high)}–{rounded(high, low, high)} %)"
    width = max(0.0, min(100.0, (mean or 0) / 1.2))  # the bar spans 0-120 % of the figure
    return html.Div([
        html.Div([html.Div(className="meter-fill", style={"width": f"{width:.1f}%"}),
                  html.Div(className="meter-mark", style={"left": f"{100 / 1.2:.1f}%"}, title=what)],
                 className="meter", role="img", **{"aria-label": text}),
        html.Div(text, className="small"),
    ], className="against")


def line_card(line: data.LineFile) -> html.Article:
    scenario, record, result = line.scenario, line.record, line.result
    facts = FACTS.get(scenario.name)
    first = (scenario.description.strip().split(". ")[0].rstrip(".") + ".") if scenario.description.strip() else ""
    buttons = html.Div([
        html.Button("Run again" if record else "Run", id=ids.home_run(line.filename), n_clicks=0,
                    className="button button-primary",
                    title=f"{scenario.run.replications} replications, about "
                          f"{duration_words(seconds_per_replication(line) * scenario.run.replications)} on one worker"),
        dcc.Link("What-if…", href=f"/scenarios?file={quote(line.filename)}", className="button button-link",
                 title="Open the line's parameters to change some and run or save the what-if"),
    ], className="card-buttons")
    head = html.Div([html.H3(scenario.name), html.Span(line.filename, className="muted small")], className="card-head")
    parts: list[Any] = [head, buttons, html.P(first, className="card-blurb")]
    if record is None or result is None:
        parts.append(html.P(f"Not run yet: about {duration_words(seconds_per_replication(line) * scenario.run.replications)}"
                            f" for its {scenario.run.replications} replications.", className="muted"))
        return html.Article(parts, className="line-card", **{"data-line": line.filename})
    kpis = result.kpis
    per_day = _ci(kpis.get("throughput_per_h"), 24.0)
    gwh = _ci(kpis.get("gwh_per_year"))
    per_h = _ci(kpis.get("throughput_per_h"))
    ppm = "" if per_h[0] is None else (f"{rounded(per_h[0] / 60, *(None if v is None else v / 60 for v in per_h[1:]))}"
                                       f" cells/min · {rounded(*per_h)} cells/h")
    figures = html.Div([
        _figure("Good cells per day", kpis.get("throughput_per_h"), "cells/day", 24.0, html.Div([
            html.Div(ppm, className="muted small"),
            _against(per_day, facts.target_cells_per_day if facts else None, "the cells/day target")]), "cells-per-day"),
        _figure("Output", kpis.get("gwh_per_year"), "GWh/yr", 1.0,
                _against(gwh, facts.nameplate_gwh_per_year if facts else None, "nameplate"), "gwh"),
        _figure("Yield", kpis.get("yield"), "% good", 100.0, None, "yield"),
    ], className="line-figures")
    verdict = result.bottleneck
    parts += [
        figures,
        html.P([html.Strong("Bottleneck: "), headline(verdict)], className="card-verdict",
               **{"data-bottleneck": verdict.primary or ""}),
        html.P([dcc.Link(f"run {record.id}", href=f"/runs/{record.id}", className="run-link"),
                f" · {record.done} of {record.planned} replications · seed {record.seed} · {when(record.started_at)}"
                + (f" · {facts.source}" if facts else "")], className="muted small"),
    ]
    if record.status != "complete":
        parts.insert(3, notice(f"Partial: {record.status}, {record.done} of {record.planned} replications.", "warning"))
    return html.Article(parts, className="line-card", **{"data-line": line.filename, "data-run": str(record.id)})


def page(settings: data.Settings, parallel: int) -> html.Div:
    lines = ordered(data.line_files(settings))
    parts: list[Any] = [html.Div([
        html.H2("Lines"),
        html.P("Each line from its latest stored run: 95% confidence intervals over replications.", className="muted"),
    ], className="home-title")]
    if not lines:
        parts.append(notice("No line files in the scenarios directory.", "warning"))
    elif all(l.record is None for l in lines):
        offered = first_run(lines)
        both = "both lines" if len(offered) == 2 else f"{len(offered)} lines" if len(offered) > 1 else offered[0].filename
        parts.append(html.Div([
            html.Strong("No runs stored yet. "),
            f"Run {both} ({', '.join(l.scenario.name for l in offered)}) to see their output, bottleneck and "
            f"yield here: about {duration_words(estimate_s(offered, parallel))} on this machine, in the background.",
            html.Button(f"Run {both}", id=ids.HOME_RUN_ALL, n_clicks=0, className="button button-primary first-run"),
        ], className="notice notice-info first-run-row"))
    parts.append(html.Div(id=ids.HOME_MESSAGE))
    parts.append(html.Div([line_card(line) for line in lines], className="line-cards"))
    parts.append(html.H3("Views"))
    parts.append(html.Div([
        html.Div([dcc.Link(title, href=href) if href else html.Span(title, className="muted"),
                  html.P(blurb, className="muted small")], className="view-card" + ("" if href else " view-later"))
        for title, href, blurb in VIEWS], className="view-cards"))
    if not lines or any(l.record is not None for l in lines):
        parts.append(html.Button(id=ids.HOME_RUN_ALL, n_clicks=0, hidden=True))  # the callback's input, unused here
    return html.Div(parts, className="home")


# -- callbacks as plain functions ---------------------------------------------------------------
def start_lines(settings: data.Settings, jobs: JobManager, filenames: Sequence[str], owner: Optional[str]) -> Any:
    """Start a run of each named line file (as the file says), owned by this browser."""
    if not owner:
        raise PreventUpdate
    known = {l.filename: l for l in data.line_files(settings)}
    started, refused = [], []
    for filename in filenames:
        line = known.get(filename) if isinstance(filename, str) else None
        if line is None:
            refused.append(f"{str(filename)[:60]!r} is not a line file")
            continue
        try:
            jobs.start_run(form.scenario_yaml(line.scenario), line.scenario.name, owner=owner)
            started.append(line.scenario.name)
        except JobRefused as exc:
            refused.append(f"{filename}: {exc}")
    if refused:
        return notice("Not started: " + "; ".join(refused), "error")
    return notice(f"Started {', '.join(started)} in the background: see the job list.", "info")


def register(app: Dash, settings: data.Settings, jobs: JobManager) -> None:
    """Bind the Run buttons of the cards and the first-run button."""
    @app.callback(Output(ids.HOME_MESSAGE, "children"), Input({"type": ids.HOME_RUN, "file": ALL}, "n_clicks"),
                  Input(ids.HOME_RUN_ALL, "n_clicks"), State(ids.BROWSER, "data"), prevent_initial_call=True)
    def _run(clicks: list[Optional[int]], all_clicks: Optional[int], browser: Any) -> Any:
        triggered = callback_context.triggered_id
        owner = guard.browser_id(browser)
        if triggered == ids.HOME_RUN_ALL:
            if not all_clicks:
                raise PreventUpdate
            return start_lines(settings, jobs, [l.filename for l in first_run(data.line_files(settings))], owner)
        if not isinstance(triggered, dict) or not any(clicks):
            raise PreventUpdate
        return start_lines(settings, jobs, [triggered.get("file")], owner)


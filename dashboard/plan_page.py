"""The plan page (/plan): a target, the fields to vary with their ranges, a `twin plan` started in the
background, and the stored plans: the chosen values with their evidence and the cost against KPI
frontier of every evaluated configuration.

Builders and the figure are pure functions of twin.experiments.plan.PlanResult; `start_plan` and
`poll_plan` are the callbacks' work as plain functions (every browser value is checked here before
it reaches a command line); `register` only binds them. Reads are in dashboard.data, the job is a JobManager job (dashboard.jobs).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, dcc, html, no_update

from twin.experiments.plan import LINE_KPIS, KpiCheck, PlanError, PlanResult, parse_target, parse_vary

from dashboard import data, guard, ids
from dashboard.components import graph, notice
from dashboard.jobs import JobManager

POLL_MS = 2000
MAX_VARY_LINES = 30
STAGE_COLOURS = {"screen": "#b0b0b0", "confirm": "#1f77b4", "check": "#2ca02c"}
STAGE_LABELS = {"screen": "short runs (screening)", "confirm": "full runs", "check": "fresh-seed check"}


# -- pure builders ------------------------------------------------------------------------------
def frontier_figure(plan: PlanResult) -> go.Figure:
    """Cost against the target KPI of every evaluated configuration (95% CI bars), by stage, with the
    target as a line and the chosen plan marked."""
    figure = go.Figure()
    for stage, colour in STAGE_COLOURS.items():
        points = [c for c in plan.frontier if c.stage == stage and c.mean is not None]
        if not points:
            continue
        highs = [(c.ci95[1] - c.mean) if c.ci95[1] is not None else 0 for c in points]
        lows = [(c.mean - c.ci95[0]) if c.ci95[0] is not None else 0 for c in points]
        figure.add_trace(go.Scatter(
            x=[c.cost for c in points], y=[c.mean for c in points], mode="markers", name=STAGE_LABELS[stage],
            marker={"color": colour, "size": 9},
            error_y={"type": "data", "array": highs, "arrayminus": lows, "visible": True, "color": colour},
            text=[_settings_text(c.settings) for c in points], hovertemplate="%{text}<br>cost %{x}<br>%{y}<extra></extra>",
        ))
    if plan.best is not None and plan.check is not None and plan.check.mean is not None:
        figure.add_trace(go.Scatter(x=[plan.cost], y=[plan.check.mean], mode="markers", name="chosen plan",
                                    marker={"symbol": "star", "size": 18, "color": "#c0392b"}))
    figure.add_hline(y=plan.target.value, line={"dash": "dash", "color": "#c0392b"},
                     annotation_text=f"target {plan.target.value:g}", annotation_position="bottom right")
    figure.update_layout(
        title={"text": f"Cost against {plan.target.kpi} of the evaluated plans", "x": 0, "font": {"size": 15}},
        template="plotly_white", height=420, margin={"l": 60, "r": 20, "t": 50, "b": 40},
        xaxis_title=f"cost ({plan.cost_basis})", yaxis_title=plan.target.kpi, legend={"orientation": "h", "y": -0.2},
    )
    return figure


def _settings_text(settings: dict[str, int]) -> str:
    return "<br>".join(f"{'.'.join(path.split('.')[-2:])} = {value}" for path, value in settings.items())


def _interval(check: Optional[KpiCheck]) -> str:
    if check is None or check.mean is None:
        return "-"
    low, high = check.ci95
    return f"{check.mean:.4g} [{low:.4g}, {high:.4g}]" if low is not None and high is not None else f"{check.mean:.4g}"


def plan_view(plan: PlanResult, run_id: int) -> html.Div:
    """The answer, the chosen values beside bounds and evidence, and the frontier."""
    lowered = {item.path: item for item in plan.lowered}
    rows = []
    for item in plan.vary:
        low = lowered.get(item.path)
        evidence = "-" if low is None else low.evidence()
        rows.append(html.Tr([html.Td(item.path), html.Td(f"{item.low}..{item.high}"),
                             html.Td(str(plan.bounds.get(item.path, "-"))),
                             html.Td("-" if plan.best is None else str(plan.best[item.path]), className="plan-chosen"),
                             html.Td(evidence)]))
    table = html.Table([html.Thead(html.Tr([html.Th(h) for h in ("field", "range", "capacity bound", "chosen",
                                                                  "one step lower")])), html.Tbody(rows)],
                       className="table plan-table")
    check = plan.check
    facts = [f"{plan.evaluations} configurations, {plan.replications_run} replications, seed {plan.seed}"]
    if check is not None:
        facts.append(f"check on fresh seeds ({check.replications} replications): {plan.target.kpi} {_interval(check)} "
                     f"(95% CI), one-sided {plan.confidence:.0%} lower bound {check.lower_bound:.4g}; cost {plan.cost:,.6g} {plan.cost_basis}")
    return html.Div([
        notice(plan.message, "success" if plan.feasible else "warning"),
        html.Ul([html.Li(f) for f in facts], className="muted"),
        table,
        graph(frontier_figure(plan), "plan-frontier"),
        dcc.Link(f"Open the check run (run {run_id})", href=f"/runs/{run_id}", className="run-link"),
    ], className="plan-view")


def page(settings: data.Settings, query: dict[str, str]) -> html.Div:
    """The plan form and the stored plans (the one in ?plan=ID, else the newest)."""
    files = [f.filename for f in data.scenario_files(settings) if f.scenario is not None]
    plans = data.stored_plans(settings)
    chosen = _chosen(plans, query.get("plan"))
    form = html.Div([
        html.H2("Plan"),
        html.P("The cheapest values of the varied fields whose KPI reaches the target with the stated confidence: "
               "capacity arithmetic first, short runs under common random numbers, full runs for close calls, "
               "then a check on fresh seeds.", className="muted"),
        html.Div([
            html.Label(["Scenario", dcc.Dropdown(files, files[0] if files else None, id=ids.PLAN_FILE,
                                                 clearable=False)]),
            html.Label(["KPI", dcc.Dropdown(list(LINE_KPIS), "throughput_per_h", id=ids.PLAN_KPI, clearable=False)]),
            html.Label(["at least", dcc.Input(id=ids.PLAN_VALUE, type="number", value=None, debounce=True)]),
            html.Label(["confidence", dcc.Input(id=ids.PLAN_CONFIDENCE, type="number", value=0.9, min=0.5, max=0.99,
                                                step=0.01)]),
            html.Label(["search budget (replications)", dcc.Input(id=ids.PLAN_BUDGET, type="number", value=200,
                                                                  min=1, step=1)]),
        ], className="plan-inputs", style={"display": "grid", "gridTemplateColumns": "repeat(5, 1fr)", "gap": "12px"}),
        html.Label(["Fields to vary, one per line (PATH=LO..HI)",
                    dcc.Textarea(id=ids.PLAN_VARY, value="", placeholder="stations.formation.machines=150..260",
                                 style={"width": "100%", "height": "7em"})]),
        html.Button("Plan", id=ids.PLAN_BUTTON, className="button primary"),
        html.Div(id=ids.PLAN_MESSAGE),
        dcc.Store(id=ids.PLAN_JOB),
        dcc.Interval(id=ids.PLAN_INTERVAL, interval=POLL_MS, disabled=True),
    ], className="plan-form")
    options = [{"label": f"{plan.scenario}: {plan.target.kpi} >= {plan.target.value:g} ({created[:16]}, run {run_id})",
                "value": run_id} for run_id, created, plan in plans]
    stored = html.Div([
        html.H3("Stored plans"),
        dcc.Dropdown(options, chosen[0] if chosen else None, id=ids.PLAN_SELECT, clearable=False)
        if options else html.P("No plans stored yet.", className="muted"),
        plan_view(chosen[1], chosen[0]) if chosen else html.Div(),
    ])
    return html.Div([form, stored])


def _chosen(plans: Sequence[tuple[int, str, PlanResult]], wanted: Optional[str]) -> Optional[tuple[int, PlanResult]]:
    for run_id, _, plan in plans:
        if wanted is None or str(run_id) == wanted:
            return run_id, plan
    return (plans[0][0], plans[0][2]) if plans else None


# -- callbacks as plain functions ---------------------------------------------------------------
def start_plan(settings: data.Settings, jobs: JobManager, filename: Any, kpi: Any, value: Any, confidence: Any,
               vary_text: Any, budget: Any, owner: str = "") -> tuple[Any, Optional[str], bool]:
    """(message, job id, whether polling stays off) after checking every value the browser sent."""
    def refuse(text: str) -> tuple[Any, Optional[str], bool]:
        return notice(text, "error"), None, True

    if not isinstance(filename, str):
        return refuse("Choose a scenario file.")
    try:
        found = data.scenario_file(settings, filename)
    except data.DataError as exc:
        return refuse(str(exc))
    if found.scenario is None:
        return refuse(f"{filename} does not load: " + " / ".join(found.problems))
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return refuse("Give the target value (a number).")
    if not isinstance(confidence, (int, float)) or not 0.5 <= confidence < 1:
        return refuse("The confidence is a probability from 0.5 to 0.99.")
    if not isinstance(budget, int) or isinstance(budget, bool) or not 1 <= budget <= 100_000:
        return refuse("The search budget is a whole number of replications (1 to 100,000).")
    lines = [line.strip() for line in (vary_text if isinstance(vary_text, str) else "").splitlines() if line.strip()]
    if not lines:
        return refuse("Give at least one field to vary, e.g. stations.formation.machines=150..260.")
    if len(lines) > MAX_VARY_LINES:
        return refuse(f"At most {MAX_VARY_LINES} fields to vary.")
    try:
        target = parse_target(f"{kpi}={value}")
        for line in lines:
            parse_vary(line)
    except PlanError as exc:
        return refuse(str(exc))
    job = jobs.start_plan(found.scenario.model_dump_json(by_alias=True), filename, f"{target.kpi}={target.value!r}",
                          float(confidence), lines, budget, owner=owner)
    return notice(f"Planning {filename} for {target.kpi} >= {target.value:g} in the background…", "info"), job, False


def poll_plan(jobs: JobManager, job: Optional[str]) -> tuple[Any, bool]:
    """(message, whether polling stops) for the job this page started."""
    status = jobs.status(job) if isinstance(job, str) else None
    if status is None:
        return no_update, True
    if status.state == "queued":
        return notice("Queued: the plan starts when a running job finishes.", "info"), False
    if status.state == "running":
        return notice("Planning in the background… (short runs, then full runs and the fresh-seed check)", "info"), False
    if status.state in ("failed", "cancelled"):
        return notice(f"The plan did not finish: {status.message}", "error"), True
    return html.Span(["✓ plan finished · ", dcc.Link("show it", href=f"/plan?done={job[:8]}", className="run-link")],
                     className="success-text"), True


def register(app: Dash, settings: data.Settings, jobs: JobManager) -> JobManager:
    """Bind the plan page's callbacks; returns its job manager (to stop its jobs at shutdown)."""

    @app.callback(Output(ids.PLAN_MESSAGE, "children"), Output(ids.PLAN_JOB, "data"),
                  Output(ids.PLAN_INTERVAL, "disabled"), Input(ids.PLAN_BUTTON, "n_clicks"),
                  State(ids.PLAN_FILE, "value"), State(ids.PLAN_KPI, "value"), State(ids.PLAN_VALUE, "value"),
                  State(ids.PLAN_CONFIDENCE, "value"), State(ids.PLAN_VARY, "value"), State(ids.PLAN_BUDGET, "value"),
                  State(ids.BROWSER, "data"), prevent_initial_call=True)
    def _start(_: int, filename: Any, kpi: Any, value: Any, confidence: Any, vary: Any, budget: Any,
               browser: Any) -> Any:
        owner = guard.browser_id(browser) or ""  # the job list shows it among this browser's jobs
        return start_plan(settings, jobs, filename, kpi, value, confidence, vary, budget, owner)

    @app.callback(Output(ids.PLAN_MESSAGE, "children", allow_duplicate=True),
                  Output(ids.PLAN_INTERVAL, "disabled", allow_duplicate=True),
                  Input(ids.PLAN_INTERVAL, "n_intervals"), State(ids.PLAN_JOB, "data"), prevent_initial_call=True)
    def _poll(_: Any, job: Optional[str]) -> Any:
        return poll_plan(jobs, job)

    @app.callback(Output(ids.URL, "search", allow_duplicate=True), Input(ids.PLAN_SELECT, "value"),
                  prevent_initial_call=True)
    def _select(run_id: Any) -> str:
        return f"?plan={int(run_id)}" if isinstance(run_id, int) and not isinstance(run_id, bool) else ""

    return jobs

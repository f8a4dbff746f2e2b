"""Page builders: the app's shell and one function per page (Scenarios, Runs, a run's Results,
Compare, Sweep), each taking data already read by dashboard.data and returning Dash components.
Pure: no I/O, no callbacks; figures come from dashboard.figures, tables from dashboard.tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence
from urllib.parse import quote

from dash import dcc, html

from twin.spec.scenario import Scenario
from twin.store.database import RunRecord

from twin.sim.results import HEADLINE_KPIS
from dashboard import figures, form, ids, tables
from dashboard.components import graph, kpi_card, notice, options, progress, status_badge, table_block
from dashboard.data import is_variant
from dashboard.facts import reference_lines, wh_of
from dashboard.data import CompareView, RunView, ScenarioFile, StoredScenario, SweepGroup, SweepView
from dashboard.labels import duration_words, kpi, number, path_words, rounded, station_units, when
from dashboard.verdict import verdict_panel
from dashboard import plant_view

JOB_POLL_MS = 1000
PAGE_REFRESH_MS = 2000
JOBS_PANEL_MS = 1500
NAV = (("/", "Home"), ("/scenarios", "Scenarios"), ("/runs", "Runs"), ("/compare", "Compare"), ("/sweep", "Sweeps"),
       ("/plan", "Plan"), ("/rampup", "Ramp-up"), ("/validation", "Validation"))


def shell(db_label: str) -> html.Div:
    """What every page shares: the URL, the menu (the current page marked), the job list of this
    browser (it survives navigation and reload: the browser's id is in localStorage and the jobs are
    the server's), and the page's slot with a loading sign for slow pages."""
    return html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        dcc.Store(id=ids.BROWSER, storage_type="local"),
        html.Header([
            html.Div([html.Span("Coventry line twin", className="brand"),
                      html.Nav([dcc.Link(label, href=href, className="nav-link", id={"type": ids.NAV_LINK, "href": href})
                                for href, label in NAV], **{"aria-label": "pages"})],
                     className="header-left"),
            html.Span(f"results: {db_label}", className="header-db"),
        ], className="header"),
        html.Div([
            dcc.Loading(html.Main(id=ids.PAGE, className="page"), delay_show=400, type="circle",
                        target_components={ids.PAGE: "children"},
                        overlay_style={"visibility": "visible", "opacity": 0.55}, parent_className="page-slot"),
            html.Aside(html.Div(id=ids.JOBS_PROGRESS, className="jobs"), className="jobs-panel",
                       **{"aria-label": "jobs", "aria-live": "polite"}),
        ], className="body-row"),
        dcc.Interval(id=ids.PAGE_REFRESH, interval=PAGE_REFRESH_MS, disabled=True),
        dcc.Interval(id=ids.JOBS_INTERVAL, interval=JOBS_PANEL_MS),
    ])


def nav_classes(pathname: Optional[str], hrefs: Sequence[str]) -> list[str]:
    """The menu entries' classes: the one whose page is shown is 'active' (/runs/7 marks Runs)."""
    path = (pathname or "/").rstrip("/") or "/"
    best = max((h for h in hrefs if path == h or (h != "/" and path.startswith(h + "/"))), key=len, default=None)
    return ["nav-link active" if h == best else "nav-link" for h in hrefs]


def problem_page(title: str, message: str) -> html.Div:
    return html.Div([html.H2(title), notice(message, "error"), dcc.Link("Back to the scenarios", href="/scenarios")])


# -- Scenarios --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SelectedScenario:
    """The scenario the form edits and where it came from."""

    source: str  # "file:NAME.yaml" or "run:ID"
    title: str
    scenario: Scenario
    runs: list[RunRecord] = field(default_factory=list)  # stored runs of exactly this scenario


def scenarios_page(files: Sequence[ScenarioFile], stored: Sequence[StoredScenario],
                   selected: Optional[SelectedScenario], problem: Optional[str] = None, token: str = "") -> html.Div:
    """`token` identifies this page view: the server lists the runs it started by it."""
    listing = [html.H3("Scenario files")]
    listing += [html.Ul([_file_item(f, selected) for f in files], className="scenario-list")] if files else [
        html.P("No scenario files in the scenarios directory.", className="muted")]
    if stored:
        listing += [html.H3("Stored with runs"), html.Ul([
            html.Li([dcc.Link(s.name, href=f"/scenarios?run={s.latest_run}",
                              className="active" if selected and selected.source == f"run:{s.latest_run}" else None),
                     html.Div(_stored_note(s), className="muted small")])
            for s in stored], className="scenario-list")]
    main: list[Any] = []
    if problem:
        main.append(notice(problem, "error"))
    if selected is not None:
        main.append(scenario_editor(selected, token))
    elif not problem:
        main.append(html.P("Pick a scenario from the list to edit its key parameters, save a what-if or run it.",
                           className="muted"))
    return html.Div([html.Aside(listing, className="sidebar"), html.Section(main, className="content")],
                    className="two-columns")


def _breakable(name: str) -> list[Any]:
    """A long file name that may wrap after its underscores (not in the middle of a word)."""
    parts = name.split("_")
    out: list[Any] = []
    for i, part in enumerate(parts):
        out += [part + ("_" if i < len(parts) - 1 else "")] + ([html.Wbr()] if i < len(parts) - 1 else [])
    return out


def _stored_note(stored: StoredScenario) -> str:
    label = stored.label.replace("stations.", "").replace("sources.", "")
    runs = f"run {stored.latest_run}" + (f" and {stored.runs - 1} more" if stored.runs > 1 else "")
    return f"{label} · {runs}" if label else runs


def _file_item(item: ScenarioFile, selected: Optional[SelectedScenario]) -> html.Li:
    active = selected is not None and selected.source == f"file:{item.filename}"
    link = dcc.Link(_breakable(item.filename), href=f"/scenarios?file={quote(item.filename)}",
                    className="active" if active else None)
    if item.scenario is None:
        return html.Li([link, html.Span(" (invalid)", className="error-text")])
    return html.Li([link, html.Div(item.scenario.name, className="muted small")])


def scenario_editor(selected: SelectedScenario, token: str) -> html.Div:
    scenario = selected.scenario
    fields = form.form_fields(scenario)
    runs = [dcc.Link(f"run {r.id}", href=f"/runs/{r.id}", className="run-link") for r in reversed(selected.runs[-8:])]
    return html.Div([
        html.H2(scenario.name),
        html.P(scenario.description.strip() or "(no description)", className="description"),
        html.P([f"From {selected.title} · hash {scenario.content_hash()} · ", *(
            [html.Span("stored runs: "), *_joined(runs)] if runs else ["not run yet"])], className="muted"),
        dcc.Store(id=ids.FORM_DIRTY, data=False), dcc.Store(id=ids.FORM_SAVED),
        dcc.Store(id=ids.FORM_BASE, data={"source": selected.source, "name": scenario.name,
                                          "data": form.base_data(scenario), "initial": form.encode_initial(fields)}),
        html.H3("Key parameters"),
        html.P("Edit a value and leave the field (or press Enter): it is checked against the scenario schema. "
               "Durations take a unit ('45 s', '20 min', '8 h').", className="muted"),
        _station_grid(scenario, fields),
        html.Div([_line_fields(fields, "calendar", "Calendar"), _line_fields(fields, "run", "Run")],
                 className="line-fields"),
        html.Div(id=ids.FORM_SUMMARY, className="form-summary"),
        html.Div([
            html.Div([
                html.H3("Save as a what-if"),
                dcc.Input(id=ids.SAVE_NAME, type="text", placeholder="name, e.g. formation +10 racks", debounce=False,
                          className="text-input", name="whatif-name"),
                html.Button("Save as what-if", id=ids.SAVE_BUTTON, n_clicks=0, className="button"),
                html.Div(id=ids.SAVE_MESSAGE),
            ], className="action"),
            html.Div([
                html.H3("Run"),
                html.P("Runs in the background; the page stays usable and you can start several. Replications and "
                       "seed are run settings: changing only them runs the same scenario.", className="muted"),
                html.Button("Run", id=ids.RUN_BUTTON, n_clicks=0, className="button button-primary"),
                html.Div(id=ids.RUN_MESSAGE),
                dcc.Store(id=ids.PAGE_TOKEN, data=token),
                html.P("Progress, Stop and the results link are in the job list.", className="muted small"),
            ], className="action"),
        ], className="actions"),
    ])


def _joined(items: list[Any], separator: str = ", ") -> list[Any]:
    out: list[Any] = []
    for i, item in enumerate(items):
        out += [separator, item] if i else [item]
    return out


def _input(f: form.FormField) -> html.Div:
    return html.Div([
        dcc.Input(id=ids.field(f.section, f.name, f.param), value=f.value, type="text", debounce=True,
                  placeholder=f.hint, className="field-input", name=f"{f.name}.{f.param}", autoComplete="off"),
        html.Div(id=ids.field_error(f.section, f.name, f.param), className="field-error"),
    ], className="field")


def _station_grid(scenario: Scenario, fields: list[form.FormField]) -> html.Div:
    by_key = {f.key: f for f in fields}
    header = html.Tr([html.Th("Station")] + [html.Th(form.LABELS[p]) for p in form.STATION_PARAMS])
    rows = []
    for spec in scenario.stations:
        name_cell = html.Td([
            html.Div(spec.name, className="station-name"),
            html.Div(spec.kind + (f", batch {spec.batch.min}–{spec.batch.max}" if spec.kind == "batch" else ""), className="muted"),
            html.Div(id=ids.field_error("station", spec.name, form.ROW), className="field-error"),
        ])
        cells = []
        for param in form.STATION_PARAMS:
            f = by_key.get(("station", spec.name, param))
            cells.append(html.Td(_input(f) if f is not None else html.Span("–", className="muted")))
        rows.append(html.Tr([name_cell] + cells))
    note = "Machines: places for dwell stores. Cycle time: the mean (the distribution's shape is kept). " \
           "Buffer blank: unlimited. MTBF/MTTR: mean time between failures / to repair, both blank: no failures. " \
           "Shifts per day blank: round the clock. Warm-up 'auto': chosen by MSER-5."
    return html.Div([html.Div(html.Table([html.Thead(header), html.Tbody(rows)], className="form-table"),
                              className="table-scroll"), html.P(note, className="table-note")])


def _line_fields(fields: list[form.FormField], section: str, title: str) -> html.Fieldset:
    items = [html.Label([html.Span(form.LABELS[f.param]), _input(f)], className="line-field")
             for f in fields if f.section == section]
    return html.Fieldset([html.Legend(title), *items], className="line-fieldset")


def form_summary(general: Sequence[str], changes: Sequence[str], valid: bool) -> list[Any]:
    parts: list[Any] = []
    if general:
        parts.append(notice([html.Div(m) for m in general], "error"))
    elif not valid:
        parts.append(notice("Some values need fixing (see the messages next to the fields).", "warning"))
    if changes:
        parts.append(html.Div([html.Strong("Changes: "), "; ".join(changes)], className="changes"))
    return parts


def eta_text(done: int, planned: int, elapsed_s: Optional[float]) -> str:
    """'about 2 min left' from the pace so far (replications done in the time since the job started)."""
    if not done or elapsed_s is None or elapsed_s <= 0 or planned <= done:
        return ""
    left = elapsed_s / done * (planned - done)
    return f" · about {duration_words(left)} left"


def job_rows(rows: Sequence[dict[str, Any]]) -> list[html.Div]:
    """One line per background job: {title, state, run_id, done, planned, message, elapsed_s, href}."""
    out = []
    for row in rows:
        run_id = row.get("run_id")
        href = row.get("href") or (f"/runs/{run_id}" if run_id else None)
        what = row.get("what") or f"run {run_id}"
        link = dcc.Link(f"Open results of {what}", href=href, className="run-link") if href else None
        done, planned = row.get("done", 0), row.get("planned", 1)
        if row["state"] == "failed":
            body: list[Any] = [notice(f"Failed: {row.get('message') or 'see the server log'}", "error")]
        elif row["state"] == "done":
            body = [html.Span("✓ done · ", className="success-text"), link]
        elif row["state"] == "cancelled":
            kept = f" · {done} of {planned} replications kept" if run_id else ""
            body = [html.Span(f"stopped{kept}" if run_id else "cancelled before it started",
                              className="muted job-kept"), html.Br(), link]
        elif row["state"] == "queued":
            body = [progress(0, 1, "queued: starts when a running job finishes")]
        elif run_id is None:
            body = [progress(0, 1, "preparing (warm-up pilots, if any)…")]
        else:
            body = [progress(done, planned, f"{done} of {planned} replications stored"
                             + eta_text(done, planned, row.get("elapsed_s"))), link]
        if row["state"] in ("queued", "running") and row.get("job_id"):
            label = "Cancel" if row["state"] == "queued" else "Stop"
            body.append(html.Button(label, id={"type": ids.JOB_CANCEL, "job": row["job_id"]}, className="job-cancel",
                                    title="A stopped run keeps its finished replications"))
        out.append(html.Div([html.Div(row["title"], className="job-title"), *body], className="job",
                            **{"data-state": row["state"]}))
    return out


# -- Runs -------------------------------------------------------------------------------------
def runs_page(summaries: Sequence[tuple[RunRecord, str, Any]], message: Any = None) -> html.Div:
    """Stored runs, newest first; the variant runs of improvement rankings are counted, not listed (their
    evidence is on their base run's page). Refreshes itself while a run is going; a run can be deleted."""
    if not summaries:
        return html.Div([html.H2("Runs"), message, html.P(
            "No runs stored yet: run a scenario from the Scenarios page, or `twin run FILE --db DB`.", className="muted")])
    shown = [s for s in summaries if not is_variant(s[0])]
    hidden = len(summaries) - len(shown)
    running = any(status == "running" for _, status, _ in shown)
    deletable = [(r.id, run_label(r)) for r, status, _ in shown if status != "running"]
    return html.Div([
        html.Div([html.H2("Runs"), html.Span("refreshing while runs are going" if running else "",
                                             className="muted small")], className="title-row"),
        message,
        table_block(tables.runs_table(shown)),
        html.P((f"{hidden} variant runs of improvement rankings are not listed: each ranking shows them on its base "
                "run's page. " if hidden else "") + "To compare runs, open Compare and pick them.", className="muted"),
        html.Div([
            html.Label("Delete a stored run (with its replications and analyses):", htmlFor=ids.RUN_DELETE_SELECT),
            dcc.Dropdown(id=ids.RUN_DELETE_SELECT, options=options(deletable), placeholder="run to delete",
                         className="delete-select"),
            dcc.ConfirmDialogProvider(html.Button("Delete run", className="button button-danger"),
                                      id=ids.RUN_DELETE_BUTTON, message="Delete this run and its replications? "
                                      "This cannot be undone."),
        ], className="delete-row"),
    ])


# -- Results of one run -----------------------------------------------------------------------
def run_page(view: RunView) -> html.Div:
    record, result = view.record, view.result
    title = html.Div([html.H2(f"Run {record.id} · {record.scenario_name}"), status_badge(view.status)],
                     className="title-row")
    meta = html.P(
        f"{record.kind}{': ' + record.label if record.label else ''} · seed {record.seed} · "
        f"{record.done} of {record.planned} replications · warm-up {number(record.warmup_h)} h · observed "
        f"{number(record.length_h)} h · started {when(record.started_at)} · version {record.version}", className="muted")
    parts: list[Any] = [title, meta, dcc.Store(id=ids.RUN_ID, data=record.id)]
    if view.scenario is not None and view.scenario.description.strip():
        parts.insert(1, html.P(view.scenario.description.strip(), className="description"))
    if view.status.startswith("running"):
        parts.append(progress(record.done, record.planned, f"{record.done} of {record.planned} replications stored"
                              + (" (the process is gone: this is all there will be)" if "gone" in view.status else "")))
    if result is None:
        parts.append(notice("No finished replication yet: this page refreshes by itself.", "info"))
        return html.Div(parts)
    if record.status != "complete":
        parts.append(notice(f"Partial result: aggregated from the {record.done} finished replications.", "warning"))
    order = figures.flow_order(result, view.scenario)
    parts += [
        kpi_cards(view),
        bottleneck_sentence(view),
        graph(figures.flow_figure(result, view.scenario, view.verdict), "flow"),
        html.Div([graph(figures.series_figure(result, reference_lines(
            record.scenario_name, wh_of(view.scenario), "throughput_per_h")), "series"), graph(figures.states_figure(result, order), "states")],
                 className="two-graphs"),
    ]
    if view.waterfall is not None:
        parts += [graph(figures.waterfall_figure(view.waterfall), "waterfall"), table_block(
            tables.waterfall_table(view.waterfall),
            "Losses are negative; 'not yet out' closes the sum exactly (cells processed at the bottleneck but still "
            "in the line at the end).")]
    parts += plant_view.sections(result, view.scenario)
    parts.append(improvements_section(view))
    parts += [table_block(tables.kpi_table(result)), table_block(
        tables.station_table(result, order, view.bottleneck, station_units(view.scenario)),
        "Counts are rolls at the electrode stations (before the winder) and cells after. Hover a ? header for its "
        "definition; performance can exceed 100 % by chance (random cycle times shorter than their mean)."),
              table_block(tables.state_table(result, order))]
    parts.append(html.Div([
        html.Button("Download all replications (CSV)", id=ids.REPLICATIONS_BUTTON, n_clicks=0, className="button-small"),
        dcc.Download(id=ids.REPLICATIONS_DOWNLOAD)], className="downloads"))
    parts.append(compare_with(view))
    return html.Div(parts)


def per_day_text(estimate: Any) -> str:
    """Good cells/h as cells/day and cells/min (ppm), rounded to the CI like the headline."""
    if estimate is None or estimate.mean is None:
        return ""
    lo, hi = estimate.ci95

    def at(scale: float) -> str:
        return rounded(estimate.mean * scale, None if lo is None else lo * scale, None if hi is None else hi * scale)
    return f"= {at(24)} cells/day · {at(1 / 60)} cells/min"


def kpi_cards(view: RunView) -> html.Div:
    result = view.result
    if result is None:
        return html.Div()
    cards = [kpi_card(kpi(key).label, result.kpis.get(key), kpi(key).unit, kpi(key).scale,
                      also=per_day_text(result.kpis.get(key)) if key == "throughput_per_h" else "")
             for key in HEADLINE_KPIS[:3]]
    station = view.bottleneck or (view.verdict.momentary if view.verdict is not None else None)
    oee = result.stations[station].oee if station in result.stations else None
    leader_only = view.bottleneck is None and station is not None
    cards.append(kpi_card("OEE of the bottleneck", oee, "%", 100.0,
                          f"{station} (momentary; no constraint named)" if leader_only else station or ""))
    cards += [kpi_card(kpi(key).label, result.kpis.get(key), kpi(key).unit, kpi(key).scale) for key in HEADLINE_KPIS[3:]]
    material = result.kpis.get("material_yield")
    if material is not None and material.mean is not None:  # lines that give their electrode areas
        cards.append(kpi_card(kpi("material_yield").label, material, kpi("material_yield").unit,
                              kpi("material_yield").scale, "electrode area in good cells / area coated"))
    return html.Div(cards, className="kpi-cards")


def bottleneck_sentence(view: RunView) -> html.Div:
    """The stored verdict as a headline with its evidence beside it (dashboard.verdict)."""
    return verdict_panel(view.verdict if view.result is not None else None)


def improvements_section(view: RunView) -> html.Div:
    """The improvement ranking if stored; else a button that computes it (when the installed
    `twin` can); else nothing. The button, job store and interval always exist so the page's
    callback has its components."""
    show_button = view.analysis is None and view.record.status == "complete"
    variants = [dcc.Link(f"run {r.id}: {r.label.removeprefix('variant: ')}", href=f"/runs/{r.id}", className="run-link")
                for r in view.variants]
    return html.Div([
        html.P(["Variant runs of this ranking: ", *_joined(variants, " · ")], className="muted small variants")
        if variants else None,
        html.Div(improvements_panel(view.analysis) if view.analysis is not None else (
            [html.H3("Improvement ranking"),
             html.P("Tries a fair +10% capacity step at the most constraining stations with paired runs (same seed) "
                    "and ranks the gains.",
                    className="muted")] if show_button else []), id=ids.RANK_PANEL),
        html.Button("Rank improvements", id=ids.RANK_BUTTON, n_clicks=0, className="button",
                    style=None if show_button else {"display": "none"}),
        dcc.Store(id=ids.RANK_JOB),
        dcc.Interval(id=ids.RANK_INTERVAL, interval=JOB_POLL_MS, disabled=True),
    ], className="improvements", style=None if (show_button or view.analysis) else {"display": "none"})


def improvements_panel(analysis: Any) -> list[Any]:
    return [graph(figures.improvements_figure(analysis), "improvements"),
            table_block(tables.improvements_table(analysis))]


def compare_with(view: RunView) -> html.Div:
    others = view.others
    if not others:
        return html.Div()
    links = [dcc.Link(f"run {r.id} · {r.scenario_name}" + (f" ({r.label})" if r.label else ""),
                      href=f"/compare?runs={r.id},{view.record.id}", className="run-link compare-link") for r in others[:4]]
    return html.Div([
        html.H3("Compare with"),
        html.P(["As base: ", *_joined(links, " · ")]),
        html.P([dcc.Link("Compare several runs…", href=f"/compare?runs={view.record.id}")], className="muted"),
    ], className="compare-with")


# -- Compare ----------------------------------------------------------------------------------
def run_label(record: RunRecord) -> str:
    return (f"run {record.id} · {record.scenario_name}{' (' + record.label + ')' if record.label else ''} · "
            f"seed {record.seed} · {record.done} reps")


def compare_page(view: Optional[CompareView], choices: Sequence[RunRecord], selected: Sequence[int],
                 grid: Any = None) -> html.Div:
    """`grid`: the form that runs a scenario grid (dashboard.grid_form)."""
    picker = html.Div([
        html.Label("Runs to compare (the first is the base):"),
        dcc.Dropdown(id=ids.COMPARE_SELECT, options=options([(r.id, run_label(r)) for r in reversed(choices)]),
                     value=list(selected), multi=True, placeholder="pick two or more runs"),
    ], className="picker")
    parts: list[Any] = [html.H2("Compare runs"), grid, picker]
    if view is None or len(view.runs) < 2:
        parts.append(html.P("Pick at least two runs with finished replications.", className="muted"))
        if view is not None:
            parts += [notice(p, "warning") for p in view.problems]
        return html.Div(parts)
    parts += [notice(p, "warning") for p in view.problems]
    parts += [notice(n, "warning") for n in pairing_notes(view)]
    parts.append(graph(figures.comparison_figure(view.comparisons), "comparison"))
    for comparison in view.comparisons:
        parts.append(table_block(tables.comparison_table(comparison),
                                 f"{comparison.replications} paired replications; 'significant': the 95% CI of the "
                                 "mean difference excludes 0."))
    parts.append(table_block(tables.side_by_side_table(view.runs)))
    return html.Div(parts)


def pairing_notes(view: CompareView) -> list[str]:
    """Why a paired comparison may be weaker than it looks: different seeds, replication counts or warm-ups."""
    notes = []
    base, _ = view.runs[0]
    for record, _ in view.runs[1:]:
        if record.seed != base.seed:
            notes.append(
                f"Runs {base.id} and {record.id} used different seeds ({base.seed} and {record.seed}): their "
                "replications are independent, not paired by common random numbers. The differences below still "
                "estimate the change, but their CIs are much wider than a same-seed comparison would give; rerun "
                "one with the other's seed to compare sharply.")
        if record.done != base.done:
            notes.append(f"Runs {base.id} and {record.id} have {base.done} and {record.done} replications: only "
                         "replications with the same index are paired.")
        if abs(record.warmup_h - base.warmup_h) > 1e-9 or abs(record.length_h - base.length_h) > 1e-9:
            notes.append(f"Runs {base.id} and {record.id} differ in warm-up or run length.")
    return notes


# -- Sweep ------------------------------------------------------------------------------------
def sweep_page(groups: Sequence[SweepGroup], view: Optional[SweepView], kpi_key: str,
               start: Any = None, wh: Optional[float] = None) -> html.Div:
    """`start`: the form that starts a sweep (dashboard.sweep_form); `wh`: Wh per cell of the swept
    scenario (for the nameplate line in cells/h)."""
    parts: list[Any] = [html.H2("Sweeps"), start]
    if not groups:
        parts.append(html.P(["No sweeps stored yet. Start one above, or with ",
                             html.Code("twin sweep FILE --set stations.formation.machines=60,70,80 --db DB"),
                             " (two --set options give a heatmap)."], className="muted"))
        return html.Div(parts)
    parts.append(html.Div([
        html.Div([html.Label("Sweep"), dcc.Dropdown(
            id=ids.SWEEP_GROUP, clearable=False, value=view.group.group if view else None,
            options=options([(g.group, f"{g.scenario}: {' × '.join(path_words(p) for p in g.parameters) or '?'} "
                                       f"({len(g.run_ids)} points, "
                                       f"runs {min(g.run_ids)}–{max(g.run_ids)})") for g in groups]))], className="grow"),
        html.Div([html.Label("KPI"), dcc.Dropdown(
            id=ids.SWEEP_KPI, clearable=False, value=kpi_key,
            options=options([(k, f"{kpi(k).label} ({kpi(k).unit})") for k in HEADLINE_KPIS]))], className="narrow"),
    ], className="picker-row"))
    if view is None:
        parts.append(html.P("Pick a sweep.", className="muted"))
        return html.Div(parts)
    if view.pending:
        parts.append(notice(f"{view.pending} of {len(view.group.run_ids)} points have no finished replication yet.",
                            "info"))
    references = reference_lines(view.group.scenario, wh, kpi_key) if wh is not None or kpi_key == "gwh_per_year" \
        else []
    parts.append(graph(figures.sweep_figure(view.points, view.group.parameters, kpi_key, view.against_base,
                                            references), "sweep"))
    parts.append(table_block(tables.sweep_table(view.points, view.group.parameters)))
    return html.Div(parts)


def not_found(pathname: str) -> html.Div:
    return html.Div([html.H2("Page not found"), html.P(f"Nothing at {pathname}."),
                     dcc.Link("Go to the scenarios", href="/scenarios")])

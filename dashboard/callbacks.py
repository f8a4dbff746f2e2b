"""Callbacks: thin wiring between the browser and dashboard.data / dashboard.jobs / the page
builders. Each callback's work is a plain function of its inputs (and a `Context` saying where the
data is), testable without a browser; `register` only binds them to component ids.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional, Sequence
from urllib.parse import parse_qs, urlencode

from dash import ALL, MATCH, Dash, Input, Output, State, callback_context, dcc, no_update
from dash.exceptions import PreventUpdate

from twin.sim.results import HEADLINE_KPIS
from dashboard import data, form, grid_form, guard, home_page, ids, layout, plan_page, rampup_page, sweep_form, validation
from dashboard.components import notice
from dashboard.facts import wh_of
from dashboard.jobs import JobManager, JobRefused
from dashboard.tables import to_csv


LOG = logging.getLogger(__name__)


@dataclass
class Context:
    """What the callbacks need: where the data is, and the server's background jobs."""

    settings: data.Settings
    jobs: JobManager


# -- pages ------------------------------------------------------------------------------------
def render_page(ctx: Context, pathname: Optional[str], search: Optional[str]) -> tuple[Any, bool]:
    """(page content, whether the page's self-refresh stays off) for a URL."""
    path = (pathname or "/").rstrip("/") or "/"
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    try:
        if path == "/":
            return home_page.page(ctx.settings, ctx.jobs.limits.max_running), True
        if path == "/scenarios":
            return scenarios(ctx, query), True
        if path == "/runs":
            summaries = data.run_summaries(ctx.settings)
            return layout.runs_page(summaries), not any(status == "running" for _, status, _ in summaries)
        if path.startswith("/runs/"):
            return run(ctx, path.removeprefix("/runs/"))
        if path == "/compare":
            return compare(ctx, query.get("runs", "")), True
        if path == "/sweep":
            return sweep(ctx, query), True
        if path == "/plan":
            return plan_page.page(ctx.settings, query), True
        if path == "/rampup":
            return rampup_page.page(ctx.settings, query), True
        if path == "/validation":
            return validation.page(ctx.settings, query.get("file")), True
    except data.DataError as exc:
        return layout.problem_page("Cannot show this page", guard.public(str(exc), ctx.settings)), True
    except Exception:  # a page says something went wrong, never the exception's text (paths, internals)
        LOG.exception("rendering %s%s", path, search or "")
        return layout.problem_page("Cannot show this page", "An internal error occurred; the server's log has "
                                   "the details."), True
    return layout.not_found(path), True


def scenarios(ctx: Context, query: dict[str, str]) -> Any:
    files = data.scenario_files(ctx.settings)
    hashes = [f.scenario.content_hash() for f in files if f.scenario is not None]
    stored = data.stored_scenarios(ctx.settings, exclude_hashes=hashes)
    selected, problem = None, None
    try:
        if "file" in query:
            found = data.scenario_file(ctx.settings, query["file"])
            if found.scenario is None:
                problem = f"{found.filename} does not load: " + " / ".join(found.problems)
            else:
                selected = layout.SelectedScenario(f"file:{found.filename}", found.filename, found.scenario,
                                                   data.runs_of(ctx.settings, found.scenario.content_hash()))
        elif "run" in query:
            run_id = _int(query["run"], "run id")
            record = data.run_record(ctx.settings, run_id)
            scenario = data.stored_scenario(ctx.settings, run_id)
            runs = data.runs_of(ctx.settings, record.scenario_hash) if record else []
            selected = layout.SelectedScenario(f"run:{run_id}", f"the results database (run {run_id})", scenario, runs)
    except data.DataError as exc:
        problem = str(exc)
    problem = guard.public(problem, ctx.settings) if problem else problem
    return layout.scenarios_page(files, stored, selected, problem, token=uuid.uuid4().hex)


def run(ctx: Context, text: str) -> tuple[Any, bool]:
    view = data.run_view(ctx.settings, _int(text, "run id"))
    still_running = view.status == "running"
    return layout.run_page(view), not still_running


def delete_run(ctx: Context, run_id: Any) -> Any:
    """Delete a stored run the user picked; then the Runs page again with what happened."""
    checked = guard.run_id(run_id)
    if checked is None:
        raise PreventUpdate
    try:
        data.delete_run(ctx.settings, checked)
        said = notice(f"Deleted run {checked}.", "success")
    except data.DataError as exc:
        said = notice(f"Not deleted: {guard.public(str(exc), ctx.settings)}", "error")
    return layout.runs_page(data.run_summaries(ctx.settings), said)


def compare(ctx: Context, runs_text: str) -> Any:
    selected = [_int(part, "run id") for part in runs_text.split(",") if part.strip()]
    view = data.compare_view(ctx.settings, selected) if selected else None
    choices = [r for r in data.run_records(ctx.settings) if not data.is_variant(r)]
    return layout.compare_page(view, choices, selected, grid_form.panel(ctx.settings))


def sweep(ctx: Context, query: dict[str, str]) -> Any:
    groups = data.sweep_groups(ctx.settings)
    group = query.get("group") or (groups[0].group if groups else None)
    key = query.get("kpi") if query.get("kpi") in HEADLINE_KPIS else "throughput_per_h"
    view = data.sweep_view(ctx.settings, group) if group else None
    wh = None
    if view is not None and view.group.run_ids:
        try:
            wh = wh_of(data.stored_scenario(ctx.settings, view.group.run_ids[0]))
        except data.DataError:
            wh = None
    return layout.sweep_page(groups, view, key, sweep_form.panel(ctx.settings, query.get("file"), open_=not groups or "file" in query), wh)


def _int(text: str, what: str) -> int:
    """A run id from a URL: a positive whole number in SQLite's INTEGER range."""
    try:
        number = int(text.strip()) if len(text.strip()) < 20 else 0
    except ValueError:
        number = 0
    if guard.run_id(number) is None:
        raise data.DataError(f"{text[:40]!r} is not a {what}")
    return number


# -- the scenario form ------------------------------------------------------------------------
def _field_values(field_ids: Sequence[dict], values: Sequence[Any]) -> dict[form.FieldKey, Any]:
    return {(i["section"], i["name"], i["param"]): v for i, v in zip(field_ids, values)}


def _outcome(base: dict[str, Any], field_ids: Sequence[dict], values: Sequence[Any]) -> form.FormOutcome:
    return form.build(base["data"], form.decode_initial(base["initial"]), _field_values(field_ids, values))


def validate_form(base: Optional[dict[str, Any]], field_ids: Sequence[dict], values: Sequence[Any],
                  error_ids: Sequence[dict]) -> tuple[list[str], list[str], list[Any]]:
    """(message per error slot, class per input, summary) for the form's current values."""
    if not base:
        raise PreventUpdate
    outcome = _outcome(base, field_ids, values)
    messages = [outcome.errors.get((i["section"], i["name"], i["param"]), "") for i in error_ids]
    initial = form.decode_initial(base["initial"])
    classes = []
    for i, value in zip(field_ids, values):
        key = (i["section"], i["name"], i["param"])
        changed = ("" if value is None else str(value).strip()) != initial.get(key, "")
        classes.append("field-input" + (" invalid" if key in outcome.errors else "") + (" changed" if changed else ""))
    return messages, classes, layout.form_summary(outcome.general, outcome.changes, outcome.scenario is not None)


def save_whatif(ctx: Context, base: Optional[dict[str, Any]], field_ids: Sequence[dict], values: Sequence[Any],
                name: Optional[str]) -> Any:
    """Write the form as a new scenario file named from `name`; never overwrites. The base scenario
    is re-read on the server from the store's source (the browser's copy is never trusted), and the
    file is written by the YAML serializer (names cannot add lines)."""
    if not base:
        raise PreventUpdate
    try:
        name = guard.clean_name(name)
        base = guard.server_base(ctx.settings, base)
    except (guard.GuardError, data.DataError) as exc:
        return notice(f"Nothing was saved: {guard.public(str(exc), ctx.settings)}", "error")
    stem = form.slug(name)
    if not stem:
        return notice("Give the what-if a name (letters or digits) first.", "error")
    outcome = _outcome(base, field_ids, values)
    if outcome.scenario is None:
        return notice("Fix the values marked in the form first; nothing was saved.", "error")
    scenario = form.as_whatif(outcome.scenario, name, base["name"], outcome.changes)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    header = [f"What-if of {guard.source_label(base)}, saved from the dashboard {stamp} UTC."]
    full = form.scenario_yaml(scenario, header)
    small = None
    if base["source"].startswith("file:"):  # a `base:` file: only the changes; the base keeps its comments
        overlay = form.whatif_overlay(base["data"], form.base_data(outcome.scenario))
        if overlay is not None:
            small = form.whatif_file(base["source"].removeprefix("file:"), scenario, overlay,
                                     header + ["Only the changes are listed; everything else comes from the base file."])
    try:
        path = data.save_scenario_file(ctx.settings, stem, small or full)
        if small is not None and not data.same_scenario(path, scenario):
            data.replace_scenario_file(path, full)  # the merge said something else: the whole scenario instead
    except FileExistsError:
        return notice(f"A scenario file {stem}.yaml already exists: choose another name.", "error")
    except (OSError, data.DataError):
        LOG.exception("saving what-if %s", stem)
        return notice("Could not save the file (the server's log has the details).", "error")
    return notice(["Saved as ", dcc.Link(path.name, href=f"/scenarios?file={path.name}"),
                   "" if outcome.changes else " (no changes from the original)."], "success")


def start_run(ctx: Context, base: Optional[dict[str, Any]], field_ids: Sequence[dict], values: Sequence[Any],
              name: Optional[str], token: Optional[str]) -> tuple[Any, Any, bool]:
    """Start `twin run` on the form's scenario in the background, owned by the page `token`:
    (message, job rows, interval disabled)."""
    if not base or not isinstance(token, str) or not token:
        raise PreventUpdate
    try:
        name = guard.clean_name(name)
        base = guard.server_base(ctx.settings, base)
    except (guard.GuardError, data.DataError) as exc:
        return notice(f"Nothing was started: {guard.public(str(exc), ctx.settings)}", "error"), no_update, no_update
    outcome = _outcome(base, field_ids, values)
    if outcome.scenario is None:
        return notice("Fix the values marked in the form first; nothing was started.", "error"), no_update, no_update
    # run settings (replications, seed) are not scenario edits: the run keeps its scenario's hash and
    # is listed with its file; only the other fields make a what-if, named by what they changed
    initial = form.decode_initial(base["initial"])
    plain = [initial.get(key, value) if key in RUN_SETTINGS else value
             for key, value in zip(((i["section"], i["name"], i["param"]) for i in field_ids), values)]
    edits = _outcome(base, field_ids, plain)
    scenario = edits.scenario if edits.scenario is not None else outcome.scenario
    replications = outcome.scenario.run.replications
    seed = outcome.scenario.run.seed
    settings = [f"{replications} replications"] if replications != scenario.run.replications else []
    settings += [f"seed {seed}"] if seed != scenario.run.seed else []
    title = scenario.name
    if edits.changes:
        scenario = form.as_whatif(scenario, form.whatif_name(base["name"], edits.changes), base["name"], edits.changes)
        title = scenario.name
    title += f" ({', '.join(settings)})" if settings else ""
    try:
        ctx.jobs.start_run(form.scenario_yaml(scenario), title, owner=token, replications=replications, seed=seed)
    except JobRefused as exc:
        return notice(f"Not started: {exc}.", "error"), no_update, no_update
    rows, _ = poll_jobs(ctx, token)
    return "", rows, False


MAX_LISTED_JOBS = 12


RUN_SETTINGS = {("run", "run", "replications"), ("run", "run", "seed")}


def poll_jobs(ctx: Context, token: Optional[str]) -> tuple[list[Any], bool]:
    """Progress of the jobs this browser started: (rows, newest first; whether all have finished).
    A sweep's progress is the sum over its points; the ETA comes from the pace since it started."""
    rows, running = [], False
    now = time.time()
    for status in ctx.jobs.jobs_of(token or "") if isinstance(token, str) else []:
        run_id = status.run_ids[0] if status.run_ids else None
        row: dict[str, Any] = {"job_id": status.job_id, "title": status.title, "state": status.state, "run_id": run_id,
                               "message": status.message}
        started = getattr(status, "started_at", None)
        if started is not None:
            row["elapsed_s"] = (getattr(status, "ended_at", None) or now) - started
        records = [r for r in (data.run_record(ctx.settings, i) for i in status.run_ids) if r is not None]
        if records:
            row.update(done=sum(r.done for r in records), planned=sum(r.planned for r in records))
            if status.kind == "sweep" and records[0].group:
                row.update(href=f"/sweep?group={records[0].group}", what=f"the sweep ({len(records)} points)")
            if status.kind == "grid":
                row.update(href="/compare?runs=" + ",".join(str(r.id) for r in records),
                           what=f"the grid ({len(records) - 1} what-ifs against the base)")
            base = records[0].details.get("variant_of")
            if status.kind == "bottleneck" and isinstance(base, int):
                row.update(href=f"/runs/{base}", what=f"the ranking (run {base})")
        running = running or not status.finished
        rows.append(row)
    return layout.job_rows(rows[::-1][:MAX_LISTED_JOBS]), not running


def cancel_job(ctx: Context, token: Optional[str], triggered: Any, clicks: Sequence[Optional[int]]
               ) -> tuple[list[Any], bool]:
    """Stop or cancel the job whose button was pressed, if this page started it; then the rows."""
    if not token or not isinstance(triggered, dict) or not any(clicks):
        raise PreventUpdate
    job_id = triggered.get("job")
    if isinstance(job_id, str):
        ctx.jobs.cancel(job_id, owner=token)  # another page's job, or an unknown id: nothing happens
    return poll_jobs(ctx, token)


# -- results page -----------------------------------------------------------------------------
HIDDEN = {"display": "none"}


def rank_improvements(ctx: Context, trigger: Optional[str], run_id: Optional[int],
                      job: Optional[dict[str, Any]], owner: Optional[str] = None) -> tuple[Any, Any, bool, Any]:
    """Start `twin bottleneck` for the run (button) or report on it (interval):
    (job store, panel children, interval disabled, button style)."""
    run_id = guard.run_id(run_id)
    if run_id is None:
        raise PreventUpdate
    if trigger == ids.RANK_BUTTON:
        job_id = ctx.jobs.start_bottleneck(run_id, owner=owner) if owner else ctx.jobs.start_bottleneck(run_id)
        running = notice("Ranking improvements in the background (paired runs of each candidate)…", "info")
        return {"run": run_id, "job": job_id}, [running], False, HIDDEN  # hidden: one analysis at a time
    status = ctx.jobs.status(job["job"]) if isinstance(job, dict) and isinstance(job.get("job"), str) else None
    if status is None or not status.finished:
        raise PreventUpdate
    if status.state == "failed":
        said = guard.public(str(status.message or ""), ctx.settings)
        return no_update, notice(f"The bottleneck analysis failed: {said}", "error"), True, None

    analysis = data.improvements(ctx.settings, run_id)
    if analysis is None:
        return no_update, notice("The analysis finished but is not in the database.", "warning"), True, None
    return no_update, layout.improvements_panel(analysis), True, HIDDEN


def table_csv(table: Optional[dict[str, Any]]) -> dict[str, Any]:
    if not isinstance(table, dict) or not isinstance(table.get("columns"), list) or not isinstance(table.get("rows"), list):
        raise PreventUpdate
    return dcc.send_string(to_csv(table["columns"], table["rows"]), f"{form.slug(str(table.get('key', ''))) or 'table'}.csv")


def replications_csv(ctx: Context, run_id: Optional[int]) -> dict[str, Any]:
    run_id = guard.run_id(run_id)
    if run_id is None:
        raise PreventUpdate
    return dcc.send_string(data.replications_csv(ctx.settings, run_id), f"run-{run_id}-replications.csv")


def compare_search(selected: Optional[Sequence[int]]) -> str:
    return f"?runs={','.join(str(i) for i in selected)}" if selected else ""


def sweep_search(group: Optional[str], key: Optional[str]) -> str:
    return "?" + urlencode({k: v for k, v in (("group", group), ("kpi", key)) if v})


# -- binding ----------------------------------------------------------------------------------
UNSAVED_GUARD_JS = """
function(values, base) {
    var inputs = dash_clientside.callback_context.inputs_list[0] || [];
    var initial = {};
    ((base && base.initial) || []).forEach(function (row) { initial[row.slice(0, 3).join("|")] = row[3]; });
    var dirty = false;
    inputs.forEach(function (entry, i) {
        var id = entry.id, value = values[i] == null ? "" : String(values[i]).trim();
        if (value !== (initial[[id.section, id.name, id.param].join("|")] || "")) { dirty = true; }
    });
    window.twinDirty = dirty;
    if (!window.twinGuard) {
        window.twinGuard = true;
        window.addEventListener("beforeunload", function (event) {
            if (window.twinDirty && document.getElementById("form-summary")) { event.preventDefault(); event.returnValue = ""; }
        });
        document.addEventListener("click", function (event) {
            var link = event.target.closest && event.target.closest("a[href]");
            if (!link || !window.twinDirty || !document.getElementById("form-summary")) { return; }
            if (!window.confirm("This form has unsaved edits. Leave the page and lose them?")) {
                event.preventDefault(); event.stopPropagation();
            } else { window.twinDirty = false; }
        }, true);
    }
    return dirty;
}
"""

FIELDS = {"type": ids.FIELD, "section": ALL, "name": ALL, "param": ALL}
FIELD_ERRORS = {"type": ids.FIELD_ERROR, "section": ALL, "name": ALL, "param": ALL}


def _ids_of(entries: Sequence[dict]) -> list[dict]:
    return [entry["id"] for entry in entries]


def register(app: Dash, ctx: Context) -> None:
    @app.callback(Output(ids.PAGE, "children"), Output(ids.PAGE_REFRESH, "disabled"),
                  Input(ids.URL, "pathname"), Input(ids.URL, "search"), Input(ids.PAGE_REFRESH, "n_intervals"))
    def _page(pathname: Optional[str], search: Optional[str], _: Any) -> tuple[Any, bool]:
        return render_page(ctx, pathname, search)

    @app.callback(Output(FIELD_ERRORS, "children"), Output(FIELDS, "className"), Output(ids.FORM_SUMMARY, "children"),
                  Input(FIELDS, "value"), State(ids.FORM_BASE, "data"))
    def _validate(values: list[Any], base: Optional[dict]) -> tuple[list[str], list[str], list[Any]]:
        return validate_form(base, _ids_of(callback_context.inputs_list[0]), values,
                             _ids_of(callback_context.outputs_list[0]))

    # unsaved edits: the browser warns before a reload, a close or a link would lose them
    app.clientside_callback(UNSAVED_GUARD_JS, Output(ids.FORM_DIRTY, "data"), Input(FIELDS, "value"),
                            State(ids.FORM_BASE, "data"), prevent_initial_call=True)
    # a saved what-if is in its file, a started run's scenario in the database (/scenarios?run=ID):
    # either way the edits are no longer only in the form
    app.clientside_callback("""function(saved, ran) {
        var said = JSON.stringify(dash_clientside.callback_context.triggered_id === "save-message" ? saved : ran) || "";
        if (said.indexOf("notice-error") < 0) { window.twinDirty = false; }
        return true; }""", Output(ids.FORM_SAVED, "data"), Input(ids.SAVE_MESSAGE, "children"),
                            Input(ids.RUN_MESSAGE, "children"), prevent_initial_call=True)

    @app.callback(Output(ids.SAVE_MESSAGE, "children"), Input(ids.SAVE_BUTTON, "n_clicks"),
                  State(ids.FORM_BASE, "data"), State(FIELDS, "value"), State(ids.SAVE_NAME, "value"),
                  prevent_initial_call=True)
    def _save(_: int, base: Optional[dict], values: list[Any], name: Optional[str]) -> Any:
        return save_whatif(ctx, base, _ids_of(callback_context.states_list[1]), values, name)

    @app.callback(Output(ids.RUN_MESSAGE, "children"), Output(ids.JOBS_PROGRESS, "children", allow_duplicate=True),
                  Input(ids.RUN_BUTTON, "n_clicks"), State(ids.FORM_BASE, "data"), State(FIELDS, "value"),
                  State(ids.SAVE_NAME, "value"), State(ids.BROWSER, "data"), prevent_initial_call=True)
    def _run(clicks: int, base: Optional[dict], values: list[Any], name: Optional[str], token: Optional[str]) -> Any:
        if not clicks:  # the job list is in the shell: Dash calls this when the page inserts the button
            raise PreventUpdate
        return start_run(ctx, base, _ids_of(callback_context.states_list[1]), values, name,
                         guard.browser_id(token))[:2]

    # -- the shell: menu, browser id, job list (every page) --
    nav_hrefs = [href for href, _ in layout.NAV]

    @app.callback(Output({"type": ids.NAV_LINK, "href": ALL}, "className"), Input(ids.URL, "pathname"))
    def _nav(pathname: Optional[str]) -> list[str]:
        return layout.nav_classes(pathname, [i["href"] for i in _ids_of(callback_context.outputs_list)])

    @app.callback(Output(ids.BROWSER, "data"), Input(ids.URL, "pathname"), State(ids.BROWSER, "data"))
    def _browser(_: Any, known: Any) -> str:
        if guard.browser_id(known) is not None:
            raise PreventUpdate
        return uuid.uuid4().hex

    @app.callback(Output(ids.JOBS_PROGRESS, "children"), Input(ids.JOBS_INTERVAL, "n_intervals"),
                  Input(ids.BROWSER, "data"))
    def _poll(_: Any, token: Optional[str]) -> list[Any]:
        return poll_jobs(ctx, guard.browser_id(token))[0]

    @app.callback(Output(ids.JOBS_PROGRESS, "children", allow_duplicate=True),
                  Input({"type": ids.JOB_CANCEL, "job": ALL}, "n_clicks"), State(ids.BROWSER, "data"),
                  prevent_initial_call=True)
    def _cancel(clicks: list[Optional[int]], token: Optional[str]) -> list[Any]:
        return cancel_job(ctx, guard.browser_id(token), callback_context.triggered_id, clicks)[0]

    @app.callback(Output(ids.RANK_JOB, "data"), Output(ids.RANK_PANEL, "children"), Output(ids.RANK_INTERVAL, "disabled"),
                  Output(ids.RANK_BUTTON, "style"), Input(ids.RANK_BUTTON, "n_clicks"), Input(ids.RANK_INTERVAL, "n_intervals"),
                  State(ids.RUN_ID, "data"), State(ids.RANK_JOB, "data"), State(ids.BROWSER, "data"),
                  prevent_initial_call=True)
    def _rank(_: int, __: Any, run_id: Optional[int], job: Optional[dict], browser: Any) -> Any:
        return rank_improvements(ctx, callback_context.triggered_id, run_id, job, guard.browser_id(browser))

    @app.callback(Output({"type": ids.CSV_DOWNLOAD, "table": MATCH}, "data"),
                  Input({"type": ids.CSV_BUTTON, "table": MATCH}, "n_clicks"),
                  State({"type": ids.TABLE_DATA, "table": MATCH}, "data"), prevent_initial_call=True)
    def _csv(_: int, table: Optional[dict]) -> dict[str, Any]:
        return table_csv(table)

    @app.callback(Output(ids.REPLICATIONS_DOWNLOAD, "data"), Input(ids.REPLICATIONS_BUTTON, "n_clicks"),
                  State(ids.RUN_ID, "data"), prevent_initial_call=True)
    def _replications(_: int, run_id: Optional[int]) -> dict[str, Any]:
        return replications_csv(ctx, run_id)

    @app.callback(Output(ids.PAGE, "children", allow_duplicate=True), Input(ids.RUN_DELETE_BUTTON, "submit_n_clicks"),
                  State(ids.RUN_DELETE_SELECT, "value"), prevent_initial_call=True)
    def _delete(clicks: Optional[int], run_id: Any) -> Any:
        if not clicks:
            raise PreventUpdate
        return delete_run(ctx, run_id)

    @app.callback(Output(ids.URL, "search", allow_duplicate=True), Input(ids.COMPARE_SELECT, "value"),
                  prevent_initial_call=True)
    def _compare(selected: Optional[list[int]]) -> str:
        return compare_search(selected)

    @app.callback(Output(ids.URL, "search", allow_duplicate=True), Input(ids.SWEEP_GROUP, "value"),
                  Input(ids.SWEEP_KPI, "value"), prevent_initial_call=True)
    def _sweep(group: Optional[str], key: Optional[str]) -> str:
        return sweep_search(group, key)

    plan_page.register(app, ctx.settings, ctx.jobs)
    rampup_page.register(app)
    home_page.register(app, ctx.settings, ctx.jobs)
    sweep_form.register(app, ctx.settings, ctx.jobs)
    grid_form.register(app, ctx.settings, ctx.jobs)

"""A scenario grid from the browser (on the Compare page): one base file and many what-if files, run
in the background as one job of kind 'grid' (twin.service.tasks.run_grid) with the base's seed, so
every what-if pairs with the base replication by replication; the job list then links to the
Compare page with the base first and every what-if beside it.

`panel` is a pure builder, `start_grid` the callback's work as a plain function (every browser value
is checked here), `register` only binds it.
"""

from __future__ import annotations

from typing import Any, Optional

from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import data, form, guard, ids
from dashboard.components import not_started, notice, options
from dashboard.jobs import JobManager, JobRefused

MAX_WHATIFS = 12
MAX_REPLICATIONS = 50


def panel(settings: data.Settings) -> html.Details:
    files = [f.filename for f in data.scenario_files(settings) if f.scenario is not None]
    return html.Details([
        html.Summary("Run a scenario grid: many what-ifs against one base"),
        html.Div([
            html.Label(["Base", dcc.Dropdown(id=ids.GRID_BASE, options=options([(n, n) for n in files]),
                                             placeholder="base scenario file")]),
            html.Label(["What-ifs", dcc.Dropdown(id=ids.GRID_WHATIFS, options=options([(n, n) for n in files]),
                                                 multi=True, placeholder="what-if files")]),
            html.Label(["Replications", dcc.Input(id=ids.GRID_REPLICATIONS, type="number", min=2,
                                                  max=MAX_REPLICATIONS, step=1, value=5, className="text-input narrow")]),
        ], className="grid-row"),
        html.P("Every scenario runs with the base's seed (common random numbers): the differences are the changes', "
               "not luck's. Progress is in the job list; when it is done, its link opens the comparison.",
               className="muted small"),
        html.Button("Run the grid", id=ids.GRID_BUTTON, n_clicks=0, className="button button-primary"),
        html.Div(id=ids.GRID_MESSAGE),
    ], className="sweep-form grid-form")


def start_grid(settings: data.Settings, jobs: JobManager, base_file: Any, whatif_files: Any, replications: Any,
               owner: Optional[str]) -> Any:
    if not owner:
        raise PreventUpdate
    if not isinstance(base_file, str):
        return not_started("pick the base file.")
    if not isinstance(whatif_files, list) or not whatif_files or not all(isinstance(f, str) for f in whatif_files):
        return not_started("pick at least one what-if file.")
    whatif_files = [f for f in dict.fromkeys(whatif_files) if f != base_file]
    if not whatif_files:
        return not_started("pick at least one what-if other than the base.")
    if len(whatif_files) > MAX_WHATIFS:
        return not_started(f"at most {MAX_WHATIFS} what-ifs in one grid.")
    if not isinstance(replications, int) or isinstance(replications, bool) or not 2 <= replications <= MAX_REPLICATIONS:
        return not_started(f"replications: a whole number from 2 to {MAX_REPLICATIONS} (a CI needs two).")
    scenarios = []
    for name in [base_file, *whatif_files]:
        try:
            found = data.scenario_file(settings, name)
        except data.DataError as exc:
            return not_started(guard.public(str(exc), settings))
        if found.scenario is None:
            return not_started(f"{name} does not load.")
        scenarios.append(found.scenario)
    title = f"grid: {scenarios[0].name} against " + ", ".join(s.name for s in scenarios[1:])
    try:
        jobs.start_grid(form.scenario_yaml(scenarios[0]), [form.scenario_yaml(s) for s in scenarios[1:]], title,
                        owner=owner, replications=replications)
    except JobRefused as exc:
        return not_started(f"{exc}.")
    return notice(f"Started: {len(scenarios)} scenarios × {replications} replications in the background "
                  "(see the job list).", "info")


def register(app: Dash, settings: data.Settings, jobs: JobManager) -> None:
    """Bind the grid's Run button."""
    @app.callback(Output(ids.GRID_MESSAGE, "children"), Input(ids.GRID_BUTTON, "n_clicks"),
                  State(ids.GRID_BASE, "value"), State(ids.GRID_WHATIFS, "value"), State(ids.GRID_REPLICATIONS, "value"),
                  State(ids.BROWSER, "data"), prevent_initial_call=True)
    def _start(clicks: Optional[int], base: Any, whatifs: Any, replications: Any, browser: Any) -> Any:
        if not clicks:
            raise PreventUpdate
        return start_grid(settings, jobs, base, whatifs, replications, guard.browser_id(browser))

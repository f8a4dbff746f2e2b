"""Starting a sweep from the browser (the Sweeps page's form): a scenario file, one or two fields
picked by station and parameter name (never typed as dotted paths), their values, and the
replications; the sweep runs in the background as a JobManager job of kind 'sweep' (the same
twin.service.tasks.run_sweep as `twin sweep`) and shows in the job list beside every page.

`panel` is a pure builder, `start_sweep` and `stations_of` are the callbacks' work as plain functions
(every browser value is checked here), `register` only binds them.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from dash import ALL, Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from twin.experiments.sweep import SweepError, parse_assignment, sweep_points

from dashboard import data, form, guard, ids
from dashboard.components import not_started, notice, options
from dashboard.jobs import JobManager, JobRefused
from dashboard.labels import PARAMETER_WORDS, path_words

PARAMETERS = ("machines", "buffer", "yield")
"""Station fields a sweep may vary from the browser: whole-value fields a list of numbers can set."""
AXES = (0, 1)
MAX_VALUES = 12
MAX_POINTS = 40
MAX_REPLICATIONS = 50


def _station_options(scenario: Any) -> list[dict[str, Any]]:
    return options([(s.name, f"{s.name} ({s.kind})") for s in scenario.stations]) if scenario is not None else []


def panel(settings: data.Settings, chosen: Optional[str] = None, open_: bool = True) -> html.Details:
    """The form (folded away under its title when `open_` is false: sweeps are stored to look at)."""
    files = [f for f in data.scenario_files(settings) if f.scenario is not None]
    names = [f.filename for f in files]
    filename = chosen if chosen in names else (names[0] if names else None)
    scenario = next((f.scenario for f in files if f.filename == filename), None)
    axes = []
    for axis in AXES:
        axes.append(html.Div([
            html.Span("First field" if axis == 0 else "Second field (optional: a heatmap)", className="axis-title"),
            html.Label(["Station", dcc.Dropdown(id=ids.sweep_axis(ids.SWEEP_STATION, axis),
                                                options=_station_options(scenario), clearable=axis == 1,
                                                placeholder="station")]),
            html.Label(["Parameter", dcc.Dropdown(id=ids.sweep_axis(ids.SWEEP_PARAM, axis), clearable=axis == 1,
                                                  options=options([(p, PARAMETER_WORDS[p]) for p in PARAMETERS]),
                                                  value="machines" if axis == 0 else None, placeholder="parameter")]),
            html.Label(["Values", dcc.Input(id=ids.sweep_axis(ids.SWEEP_VALUES, axis), type="text",
                                            placeholder="e.g. 5, 6, 7, 8", className="text-input wide",
                                            debounce=False)]),
        ], className="sweep-axis"))
    return html.Details([
        html.Summary("Start a sweep"),
        html.Div([
            html.Label(["Scenario", dcc.Dropdown(id=ids.SWEEP_FILE, options=options([(n, n) for n in names]),
                                                 value=filename, clearable=False)], className="sweep-file"),
            html.Label(["Replications per point", dcc.Input(
                id=ids.SWEEP_REPLICATIONS, type="number", min=2, max=MAX_REPLICATIONS, step=1,
                value=scenario.run.replications if scenario is not None else 5, className="text-input narrow")]),
        ], className="sweep-row"),
        html.Div(axes, className="sweep-axes"),
        html.P("Every combination runs with the same seed (common random numbers), so points differ by the change, "
               "not by luck. Progress and Stop are in the job list.", className="muted small"),
        html.Button("Start sweep", id=ids.SWEEP_BUTTON, n_clicks=0, className="button button-primary"),
        html.Div(id=ids.SWEEP_MESSAGE),
    ], className="sweep-form", open=open_)


# -- callbacks as plain functions ---------------------------------------------------------------
def stations_of(settings: data.Settings, filename: Any) -> list[dict[str, Any]]:
    if not isinstance(filename, str):
        raise PreventUpdate
    try:
        found = data.scenario_file(settings, filename)
    except data.DataError:
        raise PreventUpdate from None
    return _station_options(found.scenario)


def start_sweep(settings: data.Settings, jobs: JobManager, filename: Any, stations: Sequence[Any],
                parameters: Sequence[Any], values: Sequence[Any], replications: Any, owner: Optional[str]) -> Any:
    """Check every value, then queue the sweep as this browser's job; returns the message."""
    if not owner:
        raise PreventUpdate
    if not isinstance(filename, str):
        return not_started("choose a scenario file.")
    try:
        found = data.scenario_file(settings, filename)
    except data.DataError as exc:
        return not_started(guard.public(str(exc), settings))
    if found.scenario is None:
        return not_started(f"{filename} does not load.")
    scenario = found.scenario
    known = {s.name for s in scenario.stations}
    assignments: list[tuple[str, list[Any]]] = []
    for axis, (station, parameter, text) in enumerate(zip(stations, parameters, values)):
        if axis > 0 and not station and not (isinstance(text, str) and text.strip()):
            continue  # the second field is optional
        which = "first" if axis == 0 else "second"
        if station not in known:
            return not_started(f"pick the {which} field's station.")
        if parameter not in PARAMETERS:
            return not_started(f"pick the {which} field's parameter.")
        if not isinstance(text, str) or not text.strip() or len(text) > 400:
            return not_started(f"give the {which} field's values, separated by commas.")
        path = f"stations.{station}.{parameter}"
        try:
            _, parsed = parse_assignment(f"{path}={text}")
        except SweepError as exc:
            return not_started(str(exc).replace(f"--set {path}=", path_words(path) + " "))
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in parsed):
            return not_started(f"{path_words(path)}: the values are numbers, separated by commas.")
        if len(parsed) > MAX_VALUES or len(set(parsed)) != len(parsed):
            return not_started(f"{path_words(path)}: at most {MAX_VALUES} different values.")
        assignments.append((path, parsed))
    if not assignments:
        return not_started("pick a field to sweep.")
    if len({p for p, _ in assignments}) != len(assignments):
        return not_started("the two fields are the same; pick two different ones.")
    if not isinstance(replications, int) or isinstance(replications, bool) or not 2 <= replications <= MAX_REPLICATIONS:
        return not_started(f"replications per point: a whole number from 2 to {MAX_REPLICATIONS} (a CI needs two).")
    points = 1
    for _, values_ in assignments:
        points *= len(values_)
    if points > MAX_POINTS:
        return not_started(f"{points} points: at most {MAX_POINTS} from the dashboard.")
    try:
        sweep_points(scenario, assignments)  # every point validates as a scenario file would
    except SweepError as exc:
        return not_started(str(exc).replace("--set ", ""))
    title = f"sweep of {scenario.name}: " + " × ".join(
        f"{path_words(p)} {', '.join(str(v) for v in vs)}" for p, vs in assignments)
    try:
        jobs.start_sweep(form.scenario_yaml(scenario), assignments, title, owner=owner, replications=replications)
    except JobRefused as exc:
        return not_started(f"{exc}.")
    return notice(f"Started: {points} points × {replications} replications in the background (see the job list).",
                  "info")


def register(app: Dash, settings: data.Settings, jobs: JobManager) -> None:
    """Bind the form's callbacks."""
    @app.callback(Output({"type": ids.SWEEP_STATION, "axis": ALL}, "options"), Input(ids.SWEEP_FILE, "value"),
                  prevent_initial_call=True)
    def _stations(filename: Any) -> list[list[dict[str, Any]]]:
        found = stations_of(settings, filename)
        return [found for _ in AXES]

    @app.callback(Output(ids.SWEEP_MESSAGE, "children"), Input(ids.SWEEP_BUTTON, "n_clicks"),
                  State(ids.SWEEP_FILE, "value"), State({"type": ids.SWEEP_STATION, "axis": ALL}, "value"),
                  State({"type": ids.SWEEP_PARAM, "axis": ALL}, "value"),
                  State({"type": ids.SWEEP_VALUES, "axis": ALL}, "value"), State(ids.SWEEP_REPLICATIONS, "value"),
                  State(ids.BROWSER, "data"), prevent_initial_call=True)
    def _start(clicks: Optional[int], filename: Any, stations: list[Any], parameters: list[Any], values: list[Any],
               replications: Any, browser: Any) -> Any:
        if not clicks:
            raise PreventUpdate
        return start_sweep(settings, jobs, filename, stations, parameters, values, replications,
                           guard.browser_id(browser))

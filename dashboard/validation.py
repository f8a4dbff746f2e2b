"""The Validation page: a twin checked against a line's event log (`twin validate-against --json`).

Reports are JSON files named `*.validation.json` in the scenarios directory, written by
`twin validate-against LOG FILE --json > scenarios/NAME.validation.json`. The page lists them and
shows one: the verdict per KPI, and the log's daily output over the twin's band. A report is read
as data (dashboard.data reads it, capped in size, and only a listed file can be named), nothing is
simulated or recomputed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Optional
from urllib.parse import quote

import numpy as np
import plotly.graph_objects as go
from dash import dcc, html
from pydantic import BaseModel, ConfigDict, ValidationError
from scipy import stats

from dashboard import data
from dashboard.components import graph, notice

SUFFIX = data.VALIDATION_SUFFIX
LOG_COLOUR = "#c0392b"
TWIN_COLOUR = "#1f77b4"


class KpiRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kpi: str
    unit: str
    log: float
    twin_mean: float
    ci95: tuple[Optional[float], Optional[float]]
    inside_ci: bool
    inside_prediction: bool
    verdict: str


class ReportFile(BaseModel):
    """The fields of a validation report the page shows."""

    model_config = ConfigDict(extra="ignore")

    log: str
    scenario: str
    log_start: str
    hours: float
    replications: int
    kpis: list[KpiRow]
    log_daily_cells: list[float]
    twin_daily_cells: list[list[float]]
    notes: list[str] = []


def parse_report(name: str, text: str) -> ReportFile:
    """A report's JSON text as data; ValueError with a readable message otherwise."""
    try:
        return ReportFile.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: not a readable JSON file ({exc.msg}, line {exc.lineno})") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ValueError(f"{name}: not a validation report ({'.'.join(map(str, error['loc']))}: {error['msg']})") from None


def daily_band_figure(report: ReportFile) -> go.Figure:
    """The log's good cells per day over the twin's mean and the 95 % range of one replication."""
    figure = go.Figure()
    days = len(report.log_daily_cells)
    start = dt.datetime.fromisoformat(report.log_start)
    x = [(start + dt.timedelta(days=d)).strftime("%a %d %b") for d in range(days)]
    twin = np.array([r[:days] for r in report.twin_daily_cells if len(r) >= days], dtype=float)
    if len(twin) >= 2 and days:
        mean = twin.mean(axis=0)
        half = stats.t.ppf(0.975, len(twin) - 1) * twin.std(axis=0, ddof=1) * math.sqrt(1 + 1 / len(twin))
        figure.add_trace(go.Scatter(x=x, y=mean + half, mode="lines", line={"width": 0}, showlegend=False,
                                    hoverinfo="skip"))
        figure.add_trace(go.Scatter(x=x, y=np.maximum(mean - half, 0), mode="lines", line={"width": 0}, fill="tonexty",
                                    fillcolor="rgba(31,119,180,0.2)", name="twin: 95% range of one replication"))
        figure.add_trace(go.Scatter(x=x, y=mean, mode="lines", line={"color": TWIN_COLOUR},
                                    name=f"twin: mean of {len(twin)} replications"))
    figure.add_trace(go.Scatter(x=x, y=report.log_daily_cells, mode="lines+markers", line={"color": LOG_COLOUR},
                                name="line's log"))
    figure.update_layout(title={"text": "Good cells per day: the line's log over the twin's band", "x": 0},
                         template="plotly_white", height=360, margin={"l": 60, "r": 20, "t": 50, "b": 40},
                         yaxis_title="good cells / day", legend={"orientation": "h", "y": -0.2})
    return figure


def _value(value: Optional[float], unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.4f}" if unit == "share" else f"{value:,.4g}"


def kpi_table(report: ReportFile) -> html.Table:
    head = html.Thead(html.Tr([html.Th(c) for c in ("KPI", "unit", "log", "twin mean", "95% CI", "verdict")]))
    rows = [
        html.Tr([html.Td(k.kpi), html.Td(k.unit), html.Td(_value(k.log, k.unit)), html.Td(_value(k.twin_mean, k.unit)),
                 html.Td(f"{_value(k.ci95[0], k.unit)} .. {_value(k.ci95[1], k.unit)}"),
                 html.Td(k.verdict, className=None if k.inside_ci else "error-text")],
                className="marked" if not k.inside_ci else None, **{"data-inside": "yes" if k.inside_ci else "no"})
        for k in report.kpis
    ]
    return html.Div(html.Table([head, html.Tbody(rows)], className="data-table", **{"data-table": "validation"}),
                    className="table-scroll")


def page(settings: data.Settings, selected: Optional[str]) -> html.Div:
    """The list of reports, and the chosen one (by default the first)."""
    names = data.validation_report_names(settings)
    parts: list = [html.H2("Validation against the line")]
    if not names:
        parts.append(html.P([
            "No validation report yet. Calibrate from a line's event log and check the twin against it:",
            html.Pre(f"twin calibrate LOG --base FILE -o fitted.yaml\n"
                     f"twin validate-against LOG fitted.yaml --json > {settings.scenarios_dir.name}/NAME{SUFFIX}"),
        ], className="muted"))
        return html.Div(parts)
    name = selected if selected is not None else names[0]
    parts.append(html.Ul([html.Li(dcc.Link(n.removesuffix(SUFFIX), href=f"/validation?file={quote(n)}",
                                           className="active" if n == name else None)) for n in names],
                         className="scenario-list"))
    try:
        report = parse_report(name, data.validation_report_text(settings, name))
    except (ValueError, data.DataError) as exc:
        parts.append(notice(str(exc), "error"))
        return html.Div(parts)
    inside = sum(k.inside_ci for k in report.kpis)
    parts += [
        html.P(f"{report.scenario} against {report.log}: {report.hours:,.1f} h from {report.log_start}, "
               f"{report.replications} replications. {inside} of {len(report.kpis)} KPIs inside the twin's 95% CI; "
               f"{sum(k.inside_prediction for k in report.kpis)} within one replication's 95% range.", className="muted"),
        *[notice(n, "info") for n in report.notes],
        graph(daily_band_figure(report), "validation-daily"),
        kpi_table(report),
    ]
    return html.Div(parts)

"""Small building blocks the page builders share: a table with its CSV export, KPI cards with their
confidence intervals, a progress bar, a graph, a notice. Pure: data in, Dash components out."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import plotly.graph_objects as go
from dash import dcc, html

from twin.sim.results import Estimate

from dashboard import ids
from dashboard.labels import interval, number, rounded
from dashboard.tables import Table

GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}


def graph(figure: go.Figure, name: str) -> html.Div:
    """A figure; `name` labels it for tests and screenshots (data-graph)."""
    return html.Div(dcc.Graph(figure=figure, config=GRAPH_CONFIG), className="graph", **{"data-graph": name})


def notice(text: Any, kind: str = "info") -> html.Div:
    """A short message: 'info', 'warning', 'error' or 'success'."""
    return html.Div(text, className=f"notice notice-{kind}", role="alert" if kind == "error" else "status")


def not_started(text: str) -> html.Div:
    """Why a job from a browser form was refused (the message every start form shows)."""
    return notice(f"Not started: {text}", "error")


def progress(done: int, planned: int, text: str) -> html.Div:
    """Replications stored of planned, as a bar and in words."""
    return html.Div([
        html.Progress(value=str(done), max=str(max(planned, 1)), className="progress"),
        html.Span(text, className="progress-text"),
    ], className="progress-row")


def table_block(table: Table, note: Optional[str] = None) -> html.Div:
    """The table as HTML with a 'CSV' button that downloads exactly its rows."""
    header = html.Div([
        html.H3(table.title),
        html.Button("Download CSV", id=ids.csv_button(table.key), className="button-small", n_clicks=0),
        dcc.Download(id=ids.csv_download(table.key)),
        dcc.Store(id=ids.table_data(table.key), data=table.as_data()),
    ], className="table-header")
    head = html.Thead(html.Tr([html.Th([c, html.Span("?", className="hint")], title=table.notes[c], tabIndex=0)
                               if c in table.notes else html.Th(c) for c in table.columns]))
    body = html.Tbody([
        html.Tr([_cell(table, column, value) for column, value in zip(table.columns, row)],
                className="marked" if table.marked and table.marked[i] else None)
        for i, row in enumerate(table.rows)
    ])
    parts: list[Any] = [header, html.Div(html.Table([head, body], className="data-table"), className="table-scroll")]
    if note:
        parts.append(html.P(note, className="table-note"))
    return html.Div(parts, className="table-block", **{"data-table": table.key})


def _cell(table: Table, column: str, value: Any) -> html.Td:
    if column in table.links and value is not None:
        return html.Td(dcc.Link(str(value), href=table.links[column].format(value)))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return html.Td(value if isinstance(value, int) else number(value, 3), className="number")
    return html.Td("–" if value is None else str(value))


def kpi_card(title: str, estimate: Optional[Estimate], unit: str, scale: float = 1.0, note: str = "",
             also: str = "") -> html.Div:
    """A headline number rounded to what its 95% confidence interval supports, the CI underneath;
    `also`: the same quantity in other units (cells/day beside cells/h)."""
    if estimate is None or estimate.mean is None:
        value, ci = "–", "not measured"
    else:
        lo, hi = (None if v is None else v * scale for v in estimate.ci95)
        value = rounded(estimate.mean * scale, lo, hi)
        ci = "95% CI " + (f"{rounded(lo, lo, hi)} – {rounded(hi, lo, hi)}" if lo is not None and hi is not None
                          else interval(lo, hi))
    return html.Div([
        html.Div(title, className="kpi-title"),
        html.Div([html.Span(value, className="kpi-value"), html.Span(f" {unit}", className="kpi-unit")]),
        html.Div(also, className="kpi-also") if also else None,
        html.Div(ci, className="kpi-ci"),
        html.Div(note, className="kpi-note") if note else None,
    ], className="kpi-card")


def status_badge(status: str) -> html.Span:
    kind = status.split(" ")[0]
    return html.Span(status, className=f"badge badge-{kind}")


def options(items: Sequence[tuple[Any, str]]) -> list[dict[str, Any]]:
    """Dropdown options from (value, label) pairs."""
    return [{"value": value, "label": label} for value, label in items]

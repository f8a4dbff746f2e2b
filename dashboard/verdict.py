"""The results page's bottleneck headline with its evidence beside it: the verdict the run stored
(twin.analysis.constraint), never recomputed. The headline says which station limits output, the
momentary bottleneck and, when they differ, why; the evidence table beside it shows, for the few
stations that matter, the load against calendar capacity, the bottleneck walk, the active-period
share and the paired +10% gain where it was run. Pure: a stored result in, Dash components out."""

from __future__ import annotations

from typing import Any, Optional

from dash import html

from twin.analysis.constraint import headline, next_sentence
from twin.sim.results import BottleneckResult, Estimate

EVIDENCE_ROWS = 5
WALK = {"upstream": "← starved", "downstream": "→ blocked", None: "·"}


def _percent(estimate: Optional[Estimate]) -> str:
    if estimate is None or estimate.mean is None:
        return "–"
    lo, hi = estimate.ci95
    half = f" ± {(hi - lo) / 2 * 100:.1f}" if lo is not None and hi is not None else ""
    return f"{estimate.mean * 100:.1f}{half}"


def verdict_panel(verdict: Optional[BottleneckResult]) -> html.Div:
    """Headline (left) and evidence (right), one row, so both are seen without scrolling."""
    if verdict is None:
        return html.Div()
    text: list[Any] = [html.P([html.Strong("Bottleneck: "), headline(verdict)], className="verdict-headline")]
    if verdict.momentary is not None:
        share = verdict.share.get(verdict.momentary)
        text.append(html.P(["Momentary bottleneck (active period method): ", html.Strong(verdict.momentary),
                            f", the bottleneck {_percent(share)} % of the time."]))
    elif verdict.candidates:
        text.append(html.P("Momentary bottleneck: none significant; candidates " + ", ".join(verdict.candidates) + "."))
    if verdict.why:
        text.append(html.P(["Why they differ: ", verdict.why], className="verdict-why"))
    following = next_sentence(verdict)
    if following:
        text.append(html.P(following, className="muted"))
    if verdict.paired_replications:
        text.append(html.P(f"Decided by paired runs: {verdict.paired_replications} extra replications.", className="muted"))
    return html.Div([html.Div(text, className="verdict-text"), evidence_table(verdict)],
                    className="bottleneck-sentence verdict-row", **{"data-bottleneck": verdict.primary or "",
                                                                    "data-momentary": verdict.momentary or ""})


def evidence_rows(verdict: BottleneckResult) -> list[str]:
    """The stations the evidence shows: the most constraining few, and the momentary bottleneck."""
    names = list(verdict.constraint_ranking[:EVIDENCE_ROWS]) or list(verdict.ranking[:EVIDENCE_ROWS])
    for extra in (verdict.momentary, verdict.primary):
        if extra is not None and extra not in names:
            names.append(extra)
    return names


def evidence_table(verdict: BottleneckResult) -> html.Div:
    gains = {g.station: g for g in verdict.sensitivity}
    header = ["station", "load / capacity %", "walk", "active share %"] + (["paired gain cells/h"] if gains else [])
    rows = []
    for name in evidence_rows(verdict):
        load = verdict.load.get(name)
        cells: list[Any] = [name + (" ◆" if name == verdict.primary else "") + (" ●" if name == verdict.momentary else ""),
                            _percent(load.load_ratio) if load else "–", WALK[load.walk] if load else "–",
                            _percent(verdict.share.get(name))]
        if gains:
            gain = gains.get(name)
            mean = gain.throughput_gain_per_h.mean if gain else None
            cells.append("–" if mean is None else f"{mean:+,.3g}" + ("" if gain.significant else " n.s.") + f" · {gain.step}")
        rows.append(html.Tr([html.Td(c, className="number" if i else None) for i, c in enumerate(cells)],
                            className="marked" if name == verdict.primary else None))
    return html.Div([
        html.Table([html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(rows)], className="data-table"),
        html.P("◆ limits output · ● momentary bottleneck · load against capacity over the hours on shift and up",
               className="table-note"),
    ], className="verdict-evidence", **{"data-table": "verdict-evidence"})

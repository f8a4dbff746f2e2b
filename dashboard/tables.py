"""The dashboard's tables as plain data: pure functions from result models to a `Table` (columns
and rows of numbers and text), which the page builders render and the CSV export writes as shown.
Numbers are kept as numbers (already in the unit the column names), so the CSV is machine-readable.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from twin.analysis.bottleneck import BottleneckAnalysis
from twin.experiments.compare import ComparisonResult
from twin.sim.results import LossWaterfall
from twin.sim.results import Estimate, RunResult
from twin.store.database import RunRecord
from twin.experiments.sweep import SweepPoint

from twin.sim.results import HEADLINE_KPIS
from dashboard.labels import KPIS, STATE_LABELS, STATION_NOTES, kpi, number, path_words, when


@dataclass(frozen=True)
class Table:
    key: str  # identifies the table on its page and names the CSV file
    title: str
    columns: list[str]
    rows: list[list[Any]]
    marked: list[bool] = field(default_factory=list)  # rows to highlight (significant, bottleneck)
    links: dict[str, str] = field(default_factory=dict)  # column -> URL template, '{}' = the cell
    notes: dict[str, str] = field(default_factory=dict)  # column -> what it means (the header's tooltip)

    def as_data(self) -> dict[str, Any]:
        """What the page keeps for the CSV export (JSON-ready)."""
        return {"key": self.key, "columns": self.columns, "rows": self.rows}


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return out.getvalue()


def _ci(estimate: Estimate, scale: float = 1.0) -> list[Optional[float]]:
    """[mean, CI low, CI high] times `scale` (a negative scale keeps low below high)."""
    mean, lo, hi = (None if v is None else v * scale for v in (estimate.mean, *estimate.ci95))
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    return [mean, lo, hi]


# -- one run ----------------------------------------------------------------------------------
def kpi_table(result: RunResult) -> Table:
    rows = []
    for key, estimate in result.kpis.items():
        info = kpi(key)
        rows.append([info.label, info.unit, *_ci(estimate, info.scale), key])
    return Table("kpis", "Line KPIs (mean and 95% CI over replications)",
                 ["KPI", "unit", "mean", "CI low", "CI high", "field"], rows)


STATION_COLUMNS = (  # utilisation is not shown apart: it equals availability here (see STATION_NOTES)
    ("availability", "availability %", 100.0),
    ("performance", "performance %", 100.0), ("quality", "quality %", 100.0), ("oee", "OEE %", 100.0),
    ("throughput_per_h", "out /h", 1.0), ("wip_cells", "WIP", 1.0), ("queue_cells", "queue", 1.0),
    ("waiting_time_h", "wait h", 1.0), ("failures", "failures", 1.0), ("scrapped_cells", "scrapped", 1.0),
)


def station_table(result: RunResult, order: Sequence[str], bottleneck: Optional[str],
                  units: Optional[dict[str, str]] = None) -> Table:
    """Station KPIs (means), stations in flow order, the bottleneck (the stored constraint) marked,
    with each station's stored load against calendar capacity and active-period share. `units`:
    what each station's counts count (dashboard.labels.station_units: rolls or cells)."""
    rows, marked = [], []
    for name in order:
        station = result.stations[name]
        share = result.bottleneck.share.get(name)
        load = result.bottleneck.load.get(name)
        row: list[Any] = [name, (units or {}).get(name, "cells")]
        row += [None if getattr(station, attr).mean is None else getattr(station, attr).mean * scale
                for attr, _, scale in STATION_COLUMNS]
        row.append(None if load is None or load.load_ratio.mean is None else load.load_ratio.mean * 100)
        row.append(None if share is None or share.mean is None else share.mean * 100)
        rows.append(row)
        marked.append(name == bottleneck)
    return Table("stations", "Stations (means over replications)",
                 ["station", "unit", *(label for _, label, _ in STATION_COLUMNS), "load / capacity %", "active share %"],
                 rows, marked, notes=STATION_NOTES)


def state_table(result: RunResult, order: Sequence[str]) -> Table:
    states = list(STATE_LABELS)
    rows = [[name, *(_state(result, name, s) for s in states)] for name in order]
    return Table("states", "Station states (% of machine time)",
                 ["station", *(STATE_LABELS[s] for s in states)], rows)


def _state(result: RunResult, station: str, state: str) -> Optional[float]:
    estimate = result.stations[station].states.get(state)
    return None if estimate is None or estimate.mean is None else estimate.mean * 100


def waterfall_table(waterfall: LossWaterfall) -> Table:
    rows = [["ideal capacity", waterfall.bottleneck, *_ci(waterfall.ideal_per_h)]]
    rows += [[step.cause, step.station, *_ci(step.cells_per_h, -1.0)] for step in waterfall.steps]
    rows.append(["good output", "line", *_ci(waterfall.actual_per_h)])
    return Table("losses", f"Loss waterfall from {waterfall.bottleneck}'s ideal capacity (cells/h)",
                 ["step", "station", "cells/h", "CI low", "CI high"], rows)


def improvements_table(analysis: BottleneckAnalysis) -> Table:
    rows, marked = [], []
    for gain in analysis.improvements:
        rows.append([gain.station, gain.change, *_ci(gain.throughput_gain_per_h), "yes" if gain.significant else "no"])
        marked.append(gain.significant)
    return Table("improvements", "What improving each candidate buys (paired runs, cells/h)",
                 ["station", "change", "gain cells/h", "CI low", "CI high", "significant"], rows, marked)


# -- several runs -----------------------------------------------------------------------------
def runs_table(runs: Sequence[tuple[RunRecord, str, Optional[RunResult]]]) -> Table:
    """(record, status, result) per run, newest first."""
    rows = []
    for record, status, result in runs:
        throughput = result.kpis["throughput_per_h"].mean if result is not None else None
        rows.append([
            record.id, record.scenario_name, record.kind, record.label, record.seed, status,
            f"{record.done}/{record.planned}", throughput,
            result.bottleneck.primary if result is not None else None,
            when(record.started_at),
        ])
    return Table("runs", "Stored runs",
                 ["run", "scenario", "kind", "label", "seed", "status", "replications", "throughput cells/h",
                  "bottleneck", "started"], rows, links={"run": "/runs/{}"})


def comparison_table(comparison: ComparisonResult) -> Table:
    """Paired differences what-if - base per line KPI, significant rows marked."""
    rows, marked = [], []
    base_id, whatif_id = comparison.base.run_id, comparison.whatif.run_id
    for key, item in comparison.kpis.items():
        info = kpi(key)
        s = info.scale
        lo, hi = item.ci95
        rows.append([
            info.label, info.unit, _times(item.base, s), _times(item.whatif, s), _times(item.difference, s),
            _times(lo, s), _times(hi, s), _times(item.relative, 100.0), "yes" if item.significant else "no",
        ])
        marked.append(item.significant)
    return Table(f"compare-{base_id}-{whatif_id}", f"Run {whatif_id} vs run {base_id} (what-if - base)",
                 ["KPI", "unit", f"run {base_id}", f"run {whatif_id}", "difference", "CI low", "CI high",
                  "relative %", "significant"], rows, marked)


def _times(value: Optional[float], scale: float) -> Optional[float]:
    return None if value is None else value * scale


def side_by_side_table(runs: Sequence[tuple[RunRecord, RunResult]]) -> Table:
    """Headline KPIs of every run, mean and CI as text, plus the bottleneck."""
    rows = []
    for key in HEADLINE_KPIS:
        info = kpi(key)
        row: list[Any] = [f"{info.label} ({info.unit})"]
        for _, result in runs:
            estimate = result.kpis.get(key)
            row.append("–" if estimate is None else _mean_ci_text(estimate, info.scale))
        rows.append(row)
    rows.append(["bottleneck (constraint)", *(r.bottleneck.primary or "–" for _, r in runs)])
    rows.append(["replications", *(r.replications for _, r in runs)])
    rows.append(["seed", *(r.seed for _, r in runs)])
    return Table("side-by-side", "Side by side (mean [95% CI])",
                 ["KPI", *(f"run {rec.id}: {rec.scenario_name}" for rec, _ in runs)], rows)


def _mean_ci_text(estimate: Estimate, scale: float) -> str:
    mean, lo, hi = _ci(estimate, scale)
    if lo is None or hi is None:
        return number(mean)
    return f"{number(mean)} [{number(lo)}, {number(hi)}]"


def sweep_table(points: Sequence[SweepPoint], parameters: Sequence[str]) -> Table:
    rows = []
    for point in points:
        row: list[Any] = [point.run_id, *(str(point.settings.get(p)) for p in parameters)]
        for key in HEADLINE_KPIS:
            estimate = point.kpis.get(key)
            row += _ci(estimate, kpi(key).scale) if estimate is not None else [None, None, None]
        row.append(point.bottleneck)
        rows.append(row)
    kpi_columns = [f"{KPIS[k].label} {KPIS[k].unit}{suffix}" for k in HEADLINE_KPIS for suffix in ("", " CI low", " CI high")]
    return Table("sweep", "Sweep points (mean and 95% CI)", ["run", *(path_words(p) for p in parameters), *kpi_columns,
                                                             "bottleneck"], rows,
                 links={"run": "/runs/{}"})

"""Check the twin against the line: the KPIs of a line's event log against the same KPIs of the
scenario run over the log's calendar, with confidence intervals (docs/calibration.md).

Both sides use one definition of each KPI:
- throughput: good cells leaving the stations that send to the exit, per day;
- WIP: time-average product cells inside the line (released or made, not yet out or scrapped);
- lead time: WIP / throughput (Little's law, hours), so a log without release times has one too;
- state shares: share of each station's machine time in each state.

The twin runs R replications whose observation window has the log's length and starts at the
same point of the weekly shift calendar as the log (the twin's calendar starts on a Monday 00:00;
its warm-up is stretched to whole weeks plus that offset). The log's value is compared with the
replications' mean and its 95 % CI, and with the 95 % prediction interval of one replication:
a line's log is one realisation, so a value outside the CI of the mean but inside the prediction
interval is what chance gives; outside both, the twin misses.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Generator, Optional

import numpy as np
from scipy import stats

from stations.states import STATE_NAMES
from twin.analysis.calibration import timelines
from twin.analysis.eventdata import EventData
from twin.analysis.statistics import estimate
from twin.sim.build import Model
from twin.sim.engine import simulate
from twin.sim.eventlog import LOT_EVENTS
from twin.sim.kpis import replication_kpis
from twin.spec.scenario import EXIT, Scenario

DAY_S = 86400.0
WEEK_S = 7 * DAY_S
ARRIVE, START, SCRAP, LEAVE = (LOT_EVENTS.index(e) for e in ("arrive", "start", "scrap", "leave"))


@dataclass
class KpiCheck:
    kpi: str
    unit: str
    log: float
    twin_mean: float
    ci95: tuple[float, float]
    prediction95: tuple[float, float]
    inside_ci: bool
    inside_prediction: bool
    verdict: str


@dataclass
class ValidationReport:
    log: str
    scenario: str
    log_start: str
    hours: float
    replications: int
    warmup_h: float
    kpis: list[KpiCheck] = field(default_factory=list)
    log_daily_cells: list[float] = field(default_factory=list)
    twin_daily_cells: list[list[float]] = field(default_factory=list)  # per replication
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- the log's side ------------------------------------------------------------------------------------
def _exit_codes(scenario: Scenario) -> list[int]:
    return [i for i in range(len(scenario.stations)) if scenario.next_of(i) == EXIT]


def log_kpis(data: EventData, scenario: Scenario, skip_s: float = 0.0) -> tuple[dict[str, float], list[float]]:
    """The log's KPIs over [skip_s, end] and its good cells per whole day of that window."""
    begin, end = skip_s, data.end_s
    window = end - begin
    if window <= 0:
        raise ValueError(f"the log is {data.end_s / 3600:.1f} h long: nothing is left after skipping {skip_s / 3600:.1f} h")
    t, cells, event, station = data.lot_time_s, data.lot_cells.astype(float), data.lot_event, data.lot_station
    products = {p.name for p in scenario.all_products}
    is_product = np.array([name in products for name in data.products], dtype=bool)[data.lot_product] \
        if len(data.products) else np.zeros(len(t), dtype=bool)
    exits = np.isin(station, _exit_codes(scenario))
    out = (event == LEAVE) & exits
    names = [s.name for s in scenario.stations]
    fed = [names.index(s.to) for s in scenario.sources if s.to in names]
    assemblies = [i for i, s in enumerate(scenario.stations) if s.kind == "assembly"]
    entered = is_product & (((event == ARRIVE) & np.isin(station, fed)) | ((event == START) & np.isin(station, assemblies)))
    left = out | (is_product & (event == SCRAP))
    change = np.where(entered, cells, 0.0) - np.where(left, cells, 0.0)
    level = np.cumsum(change)
    inside = (t >= begin) & (t < end)
    # time-average of the step function level(t) over the window
    level_at_begin = level[t < begin][-1] if np.any(t < begin) else 0.0
    times = np.concatenate(([begin], t[inside], [end]))
    levels = np.concatenate(([level_at_begin], level[inside]))
    wip = float(np.sum(levels * np.diff(times)) / window)
    good = float(cells[out & inside].sum())
    throughput_per_day = good / window * DAY_S
    days = int(window // DAY_S)
    daily = [float(cells[out & (t >= begin + d * DAY_S) & (t < begin + (d + 1) * DAY_S)].sum()) for d in range(days)]
    kpis = {"throughput_per_day": throughput_per_day, "wip_cells": wip,
            "lead_time_h": wip / throughput_per_day * 24 if throughput_per_day > 0 else math.nan}
    for code, (station_code, line) in timelines(data).items():
        del code
        name = scenario.stations[station_code].name
        starts = line.times
        ends = np.append(line.times[1:], data.end_s)
        overlap = np.clip(np.minimum(ends, end) - np.maximum(starts, begin), 0, None)
        for i, state in enumerate(STATE_NAMES):
            key = f"{name}.{state}"
            kpis[key] = kpis.get(key, 0.0) + float(overlap[line.states == i].sum())
        kpis[f"{name}._total"] = kpis.get(f"{name}._total", 0.0) + float(overlap.sum())
    for station in scenario.stations:
        total = kpis.pop(f"{station.name}._total", 0.0)
        for state in STATE_NAMES:
            key = f"{station.name}.{state}"
            if key in kpis:
                kpis[key] = kpis[key] / total if total > 0 else math.nan
    return kpis, daily


# -- the twin's side ------------------------------------------------------------------------------------
class DailyOutput:
    """Engine observer: good cells out in each whole day of the observation window (reads counters only)."""

    def __init__(self, begin_s: float, days: int) -> None:
        self.begin_s = begin_s
        self.days = days
        self.cumulative: list[int] = []

    def attach(self, model: Model) -> None:
        model.env.process(self._sample(model))

    def _sample(self, model: Model) -> Generator[Any, Any, None]:
        env, line = model.env, model.line
        yield env.timeout(self.begin_s)
        for _ in range(self.days + 1):
            self.cumulative.append(line.cells(line.good))
            yield env.timeout(DAY_S)

    def finish(self, model: Model) -> None:
        if len(self.cumulative) == self.days:  # the last day ends with the run: its sample is due at the end
            self.cumulative.append(model.line.cells(model.line.good))

    def daily(self) -> list[float]:
        return [float(b - a) for a, b in zip(self.cumulative, self.cumulative[1:])][: self.days]


def calendar_warmup(scenario: Scenario, log_start: dt.datetime, warmup_s: float) -> float:
    """A warm-up of at least `warmup_s` that ends at the log's point of the weekly calendar."""
    if scenario.calendar is None:
        return warmup_s
    monday = dt.datetime.combine(log_start.date() - dt.timedelta(days=log_start.weekday()), dt.time())
    offset = (log_start - monday).total_seconds()
    return offset + WEEK_S * math.ceil(max(0.0, warmup_s - offset) / WEEK_S)


def _check(kpi: str, unit: str, log_value: float, values: list[float]) -> KpiCheck:
    data = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    summary = estimate(list(data))
    mean = float(summary.mean) if summary.mean is not None else math.nan
    low, high = (float(x) if x is not None else math.nan for x in summary.ci95)
    n = len(data)
    if n >= 2:
        half = float(stats.t.ppf(0.975, n - 1) * data.std(ddof=1) * math.sqrt(1 + 1 / n))
    else:
        half = math.nan
    prediction = (mean - half, mean + half)
    inside = bool(low <= log_value <= high) or (math.isclose(log_value, mean, abs_tol=1e-12) and low == high)
    in_prediction = bool(prediction[0] <= log_value <= prediction[1]) or inside
    if inside:
        verdict = "inside the 95% CI"
    else:
        gap = log_value - (high if log_value > high else low)
        relative = (log_value - mean) / mean if mean else math.nan
        verdict = (f"off by {gap:+.4g} {unit} beyond the CI ({relative:+.1%} of the mean); "
                   + ("within" if in_prediction else "outside") + " one replication's 95% range")
    return KpiCheck(kpi, unit, float(log_value), mean, (low, high), prediction, inside, in_prediction, verdict)


def validate(data: EventData, scenario: Scenario, replications: Optional[int] = None, warmup_s: float = 0.0,
             skip_s: float = 0.0, seed: Optional[int] = None) -> ValidationReport:
    """Compare the log in `data` with `replications` replications of `scenario` over its calendar."""
    count = replications or scenario.run.replications
    log_values, log_daily = log_kpis(data, scenario, skip_s)
    window = data.end_s - skip_s
    start = data.start + dt.timedelta(seconds=skip_s)
    warmup = calendar_warmup(scenario, start, warmup_s)
    run = scenario.run.model_copy(update={"warmup": warmup, "length": window})
    twin = scenario.model_copy(update={"run": run})
    report = ValidationReport(data.source, scenario.name, start.isoformat(), window / 3600, count, warmup / 3600,
                              log_daily_cells=log_daily)
    if scenario.calendar is not None and warmup != warmup_s:
        report.notes.append(f"warm-up {warmup / 3600:.1f} h so the window starts at the log's point of the weekly calendar "
                            f"({start:%a %H:%M})")
    results = []
    for r in range(count):
        daily = DailyOutput(warmup, len(log_daily))
        model, series = simulate(twin, r, seed, observers=[daily])
        results.append(replication_kpis(model, series, r))
        report.twin_daily_cells.append(daily.daily())
    throughput = [x.line.throughput_per_h * 24 for x in results]
    wip = [x.line.wip_cells for x in results]
    lead = [w / t * 24 if t > 0 else math.nan for w, t in zip(wip, throughput)]
    report.kpis.append(_check("throughput", "cells/day", log_values["throughput_per_day"], throughput))
    report.kpis.append(_check("WIP", "cells", log_values["wip_cells"], wip))
    report.kpis.append(_check("lead time (Little)", "h", log_values["lead_time_h"], lead))
    for station in scenario.stations:
        for state in STATE_NAMES:
            key = f"{station.name}.{state}"
            if key not in log_values:
                continue
            values = [x.stations[station.name].states[state] for x in results]
            if max(max(values), log_values[key]) < 0.001:
                continue
            report.kpis.append(_check(f"{station.name} {state}", "share", log_values[key], values))
    return report

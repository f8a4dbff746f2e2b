"""KPIs of one replication, derived from the finished model's monitors (pure arithmetic, no SimPy).

Definitions follow shared/reference/methods.md: state shares from the machine timelines, OEE as
ISO 22400 availability x performance x quality, the bottleneck by the active period method.
"""

from __future__ import annotations

import math

import numpy as np

from stations.states import OFF_SHIFT, STATE_NAMES, WORKING
from twin.sim.active_period import active_period_shares
from twin.sim.build import Model
from stations.monitors import Series
from twin.sim.results import (
    CrewReplication, LineReplication, ProductReplication, ReplicationResult, SeriesReplication, StationReplication,
)

HOURS_PER_YEAR = 8760.0


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def line_kpis(model: Model) -> LineReplication:
    line = model.line
    window = line.snapshot(model.env.now).since(line.baseline)
    return window_kpis(line, window, material_yield=_material_yield(model, window.good))


def window_kpis(line, window, material_yield: float = math.nan) -> LineReplication:
    """The line KPIs of one window of counts (`LineSnapshot.since`): the run after its warm-up, or a period.
    The material yield is a steady-state ratio of the whole run (cells out were coated weeks earlier), so a
    period leaves it NaN."""
    window_h = window.time / 3600
    good = line.cells(window.good)
    scrapped = line.cells(window.scrapped)
    energy_wh = sum(g * item.wh_per_cell for g, item in zip(window.good, line.items) if item.is_cells)
    return LineReplication(
        throughput_per_h=_ratio(good, window_h),
        gwh_per_year=_ratio(energy_wh, window_h) * HOURS_PER_YEAR / 1e9,
        yield_=_ratio(good, good + scrapped),
        wip_cells=_ratio(window.wip_area, window.time),
        lead_time_h=_ratio(line.cells(window.good_lead_time_s), good) / 3600,
        released_cells=line.cells(window.released) + line.cells(window.created),
        good_cells=good,
        scrapped_cells=scrapped,
        material_yield=material_yield,
        grades={name: _ratio(g, window_h) for name, g in zip(line.grades, window.good_by_grade)},
    )


def _material_yield(model: Model, good: list) -> float:
    """Electrode m2 in the window's good cells / m2 coated in the window (NaN unless the scenario
    gives both areas). A steady-state ratio: the cells out were coated ~3 weeks earlier."""
    scenario = model.scenario
    per_cell = {p.name: p.electrode_m2_per_cell for p in scenario.all_products}
    coaters = [s for s in scenario.stations if getattr(s, "coated_m2_per_lot", None)]
    if not coaters or any(per_cell[item.name] is None for item in model.line.items if item.is_cells):
        return math.nan
    in_cells = sum(g * per_cell[item.name] for g, item in zip(good, model.line.items) if item.is_cells)
    now = model.env.now
    coated = 0.0
    for spec in coaters:
        monitor = model.stations[spec.name].monitor
        coated += monitor.snapshot(now).minus(monitor.baseline).processed_cells * spec.coated_m2_per_lot
    return _ratio(in_cells, coated)


def product_kpis(model: Model) -> dict[str, ProductReplication]:
    """Throughput, energy and lead time per product (a line with one product repeats the line KPIs)."""
    line = model.line
    window = line.snapshot(model.env.now).since(line.baseline)
    window_h = window.time / 3600
    result = {}
    for i, item in enumerate(line.items):
        if not item.is_cells:
            continue
        result[item.name] = ProductReplication(
            throughput_per_h=_ratio(window.good[i], window_h),
            gwh_per_year=_ratio(window.good[i] * item.wh_per_cell, window_h) * HOURS_PER_YEAR / 1e9,
            lead_time_h=_ratio(window.good_lead_time_s[i], window.good[i]) / 3600,
            scrapped_cells=window.scrapped[i],
        )
    return result


def crew_kpis(model: Model) -> dict[str, CrewReplication]:
    now = model.env.now
    return {
        name: CrewReplication(utilization=crew.utilization(now), repairs=crew.repairs)
        for name, crew in model.crews.items()
    }


def station_kpis(model: Model) -> dict[str, StationReplication]:
    now = model.env.now
    start = model.line.baseline.time
    window_s = now - start
    names = list(model.stations)
    periods = []
    for name in names:
        starts, ends = model.stations[name].monitor.active_periods(now)
        periods.append((np.asarray(starts), np.asarray(ends)))
    shares = active_period_shares(periods, start, now)
    result = {}
    for k, name in enumerate(names):
        station = model.stations[name]
        monitor = station.monitor
        flows = monitor.snapshot(now).minus(monitor.baseline)
        seconds = station.state_seconds(now)
        total = sum(seconds)
        planned = total - seconds[OFF_SHIFT]
        working = seconds[WORKING]
        availability = _ratio(working, planned)
        performance = _ratio(flows.ideal_work_s, working)
        quality = _ratio(flows.processed_cells - flows.scrapped, flows.processed_cells)
        starts, ends = periods[k]
        result[name] = StationReplication(
            throughput_per_h=_ratio(flows.cells_out, window_s / 3600),
            utilization=availability,
            availability=availability,
            performance=performance,
            quality=quality,
            oee=availability * performance * quality,
            states={state: _ratio(seconds[i], total) for i, state in enumerate(STATE_NAMES)},
            active_period_mean_h=float(np.mean(ends - starts)) / 3600 if len(starts) else 0.0,
            bottleneck_sole=float(shares.sole[k]),
            bottleneck_shifting=float(shares.shifting[k]),
            wip_cells=_ratio(flows.wip_area, window_s),
            queue_cells=_ratio(flows.queue_area, window_s),
            waiting_time_h=_ratio(flows.wait_cell_s, flows.waited_cells) / 3600,
            scrapped_cells=flows.scrapped,
            expired_cells=flows.expired,
            failures=flows.failures,
            repair_wait_h=_ratio(flows.repair_wait_s, flows.failures) / 3600 if flows.failures else 0.0,
            capacity_per_h=station.capacity_units() * 3600 * _ratio(flows.processed_cells, flows.ideal_work_s),
            processed_per_h=_ratio(flows.processed_cells, window_s / 3600),
        )
    return result


def series_kpis(series: Series) -> SeriesReplication:
    times = np.asarray(series.times_s)
    dt = np.diff(times)
    return SeriesReplication(
        times_h=(times[1:] / 3600).tolist(),
        throughput_per_h=(np.diff(series.good) / (dt / 3600)).tolist(),
        wip_cells=(np.diff(series.wip_area) / dt).tolist(),
    )


def replication_kpis(model: Model, series: Series, replication: int) -> ReplicationResult:
    return ReplicationResult(
        replication=replication,
        line=line_kpis(model),
        products=product_kpis(model),
        crews=crew_kpis(model),
        stations=station_kpis(model),
        series=series_kpis(series),
    )

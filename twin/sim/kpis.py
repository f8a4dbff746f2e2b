"""KPIs of one replication, derived from the finished model's monitors (pure arithmetic, no SimPy).

Definitions follow shared/reference/methods.md: state shares from the machine timelines, OEE as
ISO 22400 availability x performance x quality, the bottleneck by the active period method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from stations.states import OFF_SHIFT, STATE_NAMES, WORKING
from twin.sim.active_period import active_period_shares
from twin.sim.build import Model, PlantMonitor
from twin.sim.economics import CELL_MATERIAL, COST_KINDS, FACILITY, StationLedger, Totals, ledger, totals
from stations.monitors import Series
from twin.sim.results import (
    CrewReplication, LineReplication, ProductReplication, ReplicationResult, SeriesReplication, StationReplication,
)

HOURS_PER_YEAR = 8760.0


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def line_kpis(model: Model, economy: Optional["Economy"] = None) -> LineReplication:
    """The scenario's line KPIs (a plant's totals), energy and cost included."""
    economy = economy or Economy.of(model)
    line = model.line
    window = line.snapshot(model.env.now).since(line.baseline)
    cells = [i for i, item in enumerate(line.items) if item.is_cells]
    return _line_replication(line, window, cells, window.wip_area, list(window.good_by_grade), economy.plant,
                             _material_yield(model, window.good))


def window_kpis(line, window) -> LineReplication:
    """The line KPIs of one period of a transient run (`LineSnapshot.since`). Energy, cost and the material
    yield are whole-run figures (the material yield is a steady-state ratio: cells out were coated weeks
    earlier), so a period leaves them NaN."""
    cells = [i for i, item in enumerate(line.items) if item.is_cells]
    return _line_replication(line, window, cells, window.wip_area, list(window.good_by_grade), None, math.nan)


def plant_line_kpis(model: Model, economy: Optional["Economy"] = None) -> dict[str, LineReplication]:
    """Each line of a plant measured as a line run is, from its lots' items (a line file: {})."""
    plant = model.scenario.plant
    line = model.line
    if plant is None or not isinstance(line, PlantMonitor):
        return {}
    economy = economy or Economy.of(model)
    now = model.env.now
    window = line.snapshot(now).since(line.baseline)
    index = {item.name: i for i, item in enumerate(line.items)}
    result = {}
    for name, info in plant.lines.items():
        cells = [index[n] for n in info.items if n in index and line.items[index[n]].is_cells]
        wip_area = sum(line.wip_of[i].area_until(now) - line.wip_baseline[i] for i in cells)
        grades = [sum(line.grade_of[i][g] - line.grade_baseline[i][g] for i in cells) for g in range(len(line.grades))]
        result[name] = _line_replication(line, window, cells, wip_area, grades, economy.lines[name],
                                         _material_yield(model, window.good, cells, set(info.stations)))
    return result


def _line_replication(line, window, cells: list[int], wip_area: float, grades: list[int],
                      totals: Optional[Totals], material_yield: float) -> LineReplication:
    window_h = window.time / 3600
    good = sum(window.good[i] for i in cells)
    scrapped = sum(window.scrapped[i] for i in cells)
    good_kwh = sum(window.good[i] * line.items[i].wh_per_cell for i in cells) / 1000
    counts = dict(
        throughput_per_h=_ratio(good, window_h),
        gwh_per_year=_ratio(good_kwh * 1000, window_h) * HOURS_PER_YEAR / 1e9,
        yield_=_ratio(good, good + scrapped),
        wip_cells=_ratio(wip_area, window.time),
        lead_time_h=_ratio(sum(window.good_lead_time_s[i] for i in cells), good) / 3600,
        released_cells=sum(window.released[i] + window.created[i] for i in cells),
        good_cells=good,
        scrapped_cells=scrapped,
        material_yield=material_yield,
        grades={name: _ratio(g, window_h) for name, g in zip(line.grades, grades)},
    )
    if totals is None:
        return LineReplication(**counts)
    return LineReplication(
        **counts,
        energy_kwh=totals.energy_kwh,
        energy_kwh_per_good_cell=_ratio(totals.energy_kwh, good),
        energy_kwh_per_kwh=_ratio(totals.energy_kwh, good_kwh),
        facility_kwh=totals.facility_kwh,
        cost_gbp=totals.cost_gbp,
        cost_per_good_cell_gbp=_ratio(totals.cost_gbp, good),
        cost_per_kwh_gbp=_ratio(totals.cost_gbp, good_kwh),
        cost_by_kind={kind: _ratio(gbp, good) for kind, gbp in totals.cost_by_kind_gbp.items()},
        wip_capital_gbp=totals.wip_capital_gbp,
    )


def _material_yield(model: Model, good: list, cells: Optional[list[int]] = None,
                    stations: Optional[set[str]] = None) -> float:
    """Electrode m2 in the window's good cells / m2 coated in the window (NaN unless the scenario
    gives both areas), over the given items and coaters (default: all; a plant line: its own).
    A steady-state ratio: the cells out were coated ~3 weeks earlier."""
    scenario = model.scenario
    items = model.line.items
    cells = [i for i, item in enumerate(items) if item.is_cells] if cells is None else cells
    per_cell = {p.name: p.electrode_m2_per_cell for p in scenario.all_products}
    coaters = [s for s in scenario.stations if getattr(s, "coated_m2_per_lot", None)
               and (stations is None or s.name in stations)]
    if not coaters or any(per_cell.get(items[i].name) is None for i in cells):
        return math.nan
    in_cells = sum(good[i] * per_cell[items[i].name] for i in cells)
    now = model.env.now
    coated = 0.0
    for spec in coaters:
        monitor = model.stations[spec.name].monitor
        coated += monitor.snapshot(now).minus(monitor.baseline).processed_cells * spec.coated_m2_per_lot
    return _ratio(in_cells, coated)


@dataclass(frozen=True)
class Economy:
    """Energy and cost of one replication: the ledger rows and their totals for the plant and each line."""

    rows: dict[str, StationLedger]
    plant: Totals
    lines: dict[str, Totals]

    @staticmethod
    def of(model: Model) -> "Economy":
        scenario = model.scenario
        line = model.line
        window = line.snapshot(model.env.now).since(line.baseline)
        index = {item.name: i for i, item in enumerate(line.items)}
        started_item = [window.released[i] + window.created[i] if item.is_cells else 0
                        for i, item in enumerate(line.items)]
        plant = scenario.plant
        if plant is None:
            started_by_line = {"": float(sum(started_item))}
            started = {s.name: started_by_line[""] for s in scenario.stations}
        else:
            started_by_line = {name: float(sum(started_item[index[n]] for n in info.items if n in index))
                               for name, info in plant.lines.items()}
            started = {s: started_by_line[name] for name, info in plant.lines.items() for s in info.stations}
        rows = ledger(model, window.time, started, started_by_line)
        facility = {name: rows[FACILITY + name].energy_kwh for name in scenario.facility}
        whole = totals(rows, dict.fromkeys(rows, 1.0), facility)
        lines: dict[str, Totals] = {}
        if plant is not None:
            good_kwh = {name: sum(window.good[index[n]] * line.items[index[n]].wh_per_cell
                                  for n in info.items if n in index) for name, info in plant.lines.items()}
            all_kwh = sum(good_kwh.values())
            for name, info in plant.lines.items():
                share = good_kwh[name] / all_kwh if all_kwh > 0 else 1.0 / len(plant.lines)
                weights = dict.fromkeys(info.stations, 1.0)
                weights[CELL_MATERIAL + name] = 1.0
                for shared in plant.shared:
                    weights[shared] = share
                for load in scenario.facility:
                    weights[FACILITY + load] = 1.0 if load.startswith(name + ".") else (
                        0.0 if "." in load and load.split(".", 1)[0] in plant.lines else share)
                own_facility = {load: rows[FACILITY + load].energy_kwh * weights[FACILITY + load]
                                for load in scenario.facility if weights[FACILITY + load] > 0}
                lines[name] = totals(rows, weights, own_facility)
        return Economy(rows, whole, lines)


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
    economy = Economy.of(model)
    good = model.line.cells(model.line.snapshot(model.env.now).since(model.line.baseline).good)
    stations = {
        name: station.model_copy(update={
            "energy_kwh": economy.rows[name].energy_kwh,
            "cost_by_kind": {kind: _ratio(gbp, good) for kind, gbp in economy.plant.station_cost_gbp.get(
                name, dict.fromkeys(COST_KINDS, 0.0)).items()},
        })
        for name, station in station_kpis(model).items()
    }
    return ReplicationResult(
        replication=replication,
        line=line_kpis(model, economy),
        lines=plant_line_kpis(model, economy),
        products=product_kpis(model),
        crews=crew_kpis(model),
        stations=stations,
        series=series_kpis(series),
    )

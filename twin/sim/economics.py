"""Energy and cost of one finished replication, from the stations' state timelines and flow counters.

Nothing here runs during the simulation: a station's energy is its power in each state times the
machine time it spent there (the timelines the OEE already uses), less formation's recovered
discharge energy; facility loads draw round the clock. Cost adds straight-line capital, operators
on shift, energy at the plant's price and material per cell; a scrapped cell is valued at what was
spent on it up to and including the step that scrapped it, and the parts of the total are reported
net of that scrap value so that capital + labour + energy + material + scrap = total.

A plant's lines are told apart by their stations and items (twin.spec.plant); a shared station's
energy and cost, and plant-wide facility loads, are split between the lines in proportion to each
line's good output in kWh.
"""

from __future__ import annotations

import math
from typing import Optional
from dataclasses import dataclass, field

from stations.states import OFF_SHIFT, STATE_NAMES
from twin.spec.scenario import AssemblyStationSpec, EXIT, Scenario

COST_KINDS = ("capital", "labour", "energy", "material", "scrap")
"""The parts of a cost, in the order charts stack them."""

FACILITY = "facility:"
CELL_MATERIAL = "cell material:"
"""Rows of the cost ledger that are not stations."""


@dataclass
class StationLedger:
    """Energy (kWh) and gross cost (GBP) of one station in the statistics window."""

    energy_kwh: float = 0.0
    cost: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COST_KINDS, 0.0))
    scrapped_cells: float = 0.0
    value_per_cell: float = 0.0  # cost spent on a cell up to and including this step (cell stations)
    wip_capital_gbp: float = 0.0


def cell_stations(scenario: Scenario) -> set[str]:
    """Stations that hold cells (not electrode rolls): everything an assembly or a cell source feeds."""
    routes = {s.name: set(scenario.routes_of(i)) | {t for p in s.by_product for t in scenario.routes_of(i, p)}
              for i, s in enumerate(scenario.stations)}
    start = [s.name for s in scenario.stations if isinstance(s, AssemblyStationSpec)]
    start += [src.to for src in scenario.sources if src.material is None]
    found: set[str] = set()
    while start:
        name = start.pop()
        if name == EXIT or name in found:
            continue
        found.add(name)
        start.extend(routes.get(name, ()))
    return found


def upstream(scenario: Scenario) -> dict[str, set[str]]:
    """Each station and the stations whose lots can reach it (itself included)."""
    feeders: dict[str, set[str]] = {s.name: set() for s in scenario.stations}
    for i, s in enumerate(scenario.stations):
        targets = set(scenario.routes_of(i)) | {t for p in s.by_product for t in scenario.routes_of(i, p)}
        for target in targets:
            if target in feeders:
                feeders[target].add(s.name)
    result: dict[str, set[str]] = {}
    for name in feeders:
        seen, stack = {name}, [name]
        while stack:
            for feeder in feeders[stack.pop()]:
                if feeder not in seen:
                    seen.add(feeder)
                    stack.append(feeder)
        result[name] = seen
    return result


def ledger(model, window_s: float, started: dict[str, float], started_by_line: dict[str, float]
           ) -> dict[str, StationLedger]:
    """Energy and cost per station, plus a FACILITY + name row per facility load and a CELL_MATERIAL
    + line row per line ('' for a line file), over the window. `started[station]`: cells started
    (released or made) by the station's line, over which an electrode station's cost is spread."""
    cells_started = sum(started_by_line.values())
    scenario: Scenario = model.scenario
    now = model.env.now
    prices = scenario.prices
    wh = _wh_per_cell(scenario)
    result: dict[str, StationLedger] = {}
    processed: dict[str, float] = {}
    for spec in scenario.stations:
        station = model.stations[spec.name]
        seconds = station.state_seconds(now)
        flows = station.monitor.snapshot(now).minus(station.monitor.baseline)
        entry = StationLedger()
        if spec.power is not None:
            entry.energy_kwh = sum(spec.power.kw(state) * seconds[i] for i, state in enumerate(STATE_NAMES)) / 3600
        if spec.recovery:
            entry.energy_kwh -= spec.recovery * flows.processed_cells * wh.get(spec.name, 0.0) / 1000
        entry.cost["energy"] = entry.energy_kwh * prices.energy
        if spec.cost is not None:
            units = max(station.capacity_units(), 1)
            on_shift_h = (sum(seconds) - seconds[OFF_SHIFT]) / units / 3600
            entry.cost["capital"] = spec.cost.capex * window_s / spec.cost.life
            entry.cost["labour"] = spec.cost.labour_per_shift * on_shift_h * prices.labour
            entry.cost["material"] = spec.cost.material_per_cell * flows.processed_cells
        entry.scrapped_cells = flows.scrapped + flows.expired
        processed[spec.name] = flows.processed_cells
        result[spec.name] = entry
    for name, load in scenario.facility.items():
        facility = result[FACILITY + name] = StationLedger()
        facility.energy_kwh = load.power * window_s / 3600
        facility.cost["energy"] = facility.energy_kwh * prices.energy
    for line, count in started_by_line.items():
        result[CELL_MATERIAL + line] = StationLedger()
        result[CELL_MATERIAL + line].cost["material"] = prices.cell_material * count
    cells = cell_stations(scenario)
    order = {spec.name: i for i, spec in enumerate(scenario.stations)}
    def value_along(feeders, own: Optional[set[str]]) -> float:
        """Material plus the cost each feeder adds per cell, over the feeders a line's cells pass
        (own: that line's stations and the shared ones; None: a line file, every feeder)."""
        value = prices.cell_material
        for feeder in sorted(feeders, key=order.__getitem__):  # file order: the same sum in a plant as alone
            if own is not None and feeder not in own:
                continue
            per = processed[feeder] if feeder in cells else started.get(feeder, cells_started)
            value += _gross(result[feeder]) / per if per > 0 else 0.0
        return value

    plant = scenario.plant
    shared = set(plant.shared) if plant is not None else set()
    own_of = {line: set(info.stations) | shared for line, info in plant.lines.items()} if plant is not None else {}
    line_of = {s: line for line, info in plant.lines.items() for s in info.stations} if plant is not None else {}
    for name, feeders in upstream(scenario).items():
        if name not in cells:
            continue
        if plant is None:
            value = value_along(feeders, None)
        elif name in line_of:
            value = value_along(feeders, own_of[line_of[name]])
        else:  # a shared station: its lines' values, weighted by the cells each line started
            lines = [ref.split(".", 1)[0] for ref in plant.shared[name].from_]
            weights = [started_by_line.get(line, 0.0) for line in lines]
            total = sum(weights)
            value = sum(w * value_along(feeders, own_of[line]) for w, line in zip(weights, lines)) / total \
                if total > 0 else value_along(feeders, own_of[lines[0]])
        entry = result[name]
        entry.value_per_cell = value
        entry.cost["scrap"] = entry.scrapped_cells * value
        wip = model.stations[name].monitor
        wip_area = wip.snapshot(now).wip_area - wip.baseline.wip_area
        entry.wip_capital_gbp = value * wip_area / window_s if window_s > 0 else math.nan
    return result


def _gross(entry: StationLedger) -> float:
    return sum(entry.cost[k] for k in COST_KINDS if k != "scrap")


def _wh_per_cell(scenario: Scenario) -> dict[str, float]:
    """Wh of the cells a station processes: its line's product (a shared station: the mean of its lines')."""
    products = scenario.all_products
    if scenario.plant is None:
        return {s.name: products[0].wh_per_cell for s in scenario.stations}
    by_item = {p.name: p.wh_per_cell for p in products}
    of_line = {line: [by_item[i] for i in info.items if i in by_item] for line, info in scenario.plant.lines.items()}
    result = {}
    for line, info in scenario.plant.lines.items():
        for name in info.stations:
            result[name] = of_line[line][0] if of_line[line] else 0.0
    for name, shared in scenario.plant.shared.items():
        values = [of_line[ref.split(".", 1)[0]][0] for ref in shared.from_ if of_line[ref.split(".", 1)[0]]]
        result[name] = sum(values) / len(values) if values else 0.0
    return result


@dataclass(frozen=True)
class Totals:
    """Energy and cost of a line or a plant over the window, and per good cell / kWh."""

    energy_kwh: float
    facility_kwh: dict[str, float]
    cost_gbp: float
    cost_by_kind_gbp: dict[str, float]
    wip_capital_gbp: float
    station_cost_gbp: dict[str, dict[str, float]]  # station -> kind -> GBP, net of scrap; scrap where it happened


def totals(entries: dict[str, StationLedger], weights: dict[str, float], facility: dict[str, float]) -> Totals:
    """Sum `entries` (row -> ledger) each times its weight (1 for a line's own rows, its share for a
    shared one); scrap is taken out of the other parts so the parts sum to the total."""
    gross = sum(_gross(e) * weights.get(name, 0.0) for name, e in entries.items())
    scrap = sum(e.cost["scrap"] * weights.get(name, 0.0) for name, e in entries.items())
    net = 1.0 - scrap / gross if gross > 0 else 1.0
    stations: dict[str, dict[str, float]] = {}
    by_kind = dict.fromkeys(COST_KINDS, 0.0)
    for name, entry in entries.items():
        w = weights.get(name, 0.0)
        if w == 0.0:
            continue
        row = {k: (entry.cost[k] * net if k != "scrap" else entry.cost[k]) * w for k in COST_KINDS}
        stations[name] = row
        for k in COST_KINDS:
            by_kind[k] += row[k]
    return Totals(
        energy_kwh=sum(e.energy_kwh * weights.get(n, 0.0) for n, e in entries.items()),
        facility_kwh=facility,
        cost_gbp=sum(by_kind.values()),
        cost_by_kind_gbp=by_kind,
        wip_capital_gbp=sum(e.wip_capital_gbp * weights.get(n, 0.0) for n, e in entries.items()),
        station_cost_gbp=stations,
    )

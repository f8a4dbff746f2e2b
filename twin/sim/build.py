"""Build the runtime model of one replication from a scenario: the only place specs become SimPy objects."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from simpy import Environment

from stations.assembly import AssemblyInput, AssemblyStation
from stations.base import BatchBuffer, Buffer, StationRuntime
from stations.batch import BatchStation
from stations.calendar import ShiftCalendar, subtract, weekly_intervals
from stations.crew import Crew
from stations.dwell import DwellStation
from stations.machine import MachineStation
from stations.sink import Exit
from stations.source import LotMaker, start_source
from stations.monitors import Item, LineMonitor, StationMonitor
from twin.spec.rng import Streams
from twin.spec.scenario import EXIT, CalendarSpec, Scenario

BEHAVIOURS = {"machine": MachineStation, "batch": BatchStation, "dwell": DwellStation, "assembly": AssemblyStation}


@dataclass
class Model:
    env: Environment
    scenario: Scenario
    line: LineMonitor
    stations: dict[str, StationRuntime]
    crews: dict[str, Crew] = field(default_factory=dict)
    calendar: ShiftCalendar | None = None

    def reset_statistics(self) -> None:
        now = self.env.now
        self.line.reset(now)
        for station in self.stations.values():
            station.reset(now)
        for crew in self.crews.values():
            crew.reset(now)


def line_items(scenario: Scenario) -> tuple[list[Item], list[int]]:
    """Products (cells) first, then materials; and the units one lot of each carries."""
    items = [Item(p.name, True, p.wh_per_cell) for p in scenario.all_products]
    units = [p.cells_per_lot for p in scenario.all_products]
    for source in scenario.sources:
        if source.material and source.material not in [i.name for i in items]:
            items.append(Item(source.material, False))
            units.append(source.units_per_lot)
    return items, units


def build_calendar(spec: CalendarSpec, horizon_s: float) -> ShiftCalendar:
    on = weekly_intervals(
        horizon_s, spec.shifts_per_day, spec.shift_length, spec.first_shift_start, spec.days_per_week,
        [(b.start, b.length) for b in spec.breaks],
    )
    holes = []
    for window in (*spec.maintenance, *spec.holidays):
        start = window.start
        while start < horizon_s:
            holes.append((start, start + window.length))
            if window.every is None:
                break
            start += window.every
    return ShiftCalendar(subtract(on, holes), spec.finish_lot)


def build(scenario: Scenario, streams: Streams) -> Model:
    env = Environment()
    items, units = line_items(scenario)
    item_index = {item.name: i for i, item in enumerate(items)}
    line = LineMonitor(items)
    horizon = scenario.run.warmup + scenario.run.length + 7 * 86400.0
    calendar = build_calendar(scenario.calendar, horizon) if scenario.calendar else None
    crews = {
        name: Crew(env, name, spec.size, calendar if spec.shifts else None) for name, spec in scenario.crews.items()
    }
    stations: dict[str, StationRuntime] = {}
    for spec in scenario.stations:
        capacity = math.inf if spec.buffer is None else spec.buffer
        monitor = StationMonitor(spec.name, (spec.capacity if spec.kind == "dwell" else spec.machines) or 1)
        if spec.kind == "dwell":
            stations[spec.name] = DwellStation(env, spec, Buffer(env, capacity, monitor, line), monitor, line, streams)
            continue
        options = dict(
            calendar=calendar if scenario.follows_calendar(spec) else None,
            crew=crews[spec.failures.repair_crew] if spec.failures and spec.failures.repair_crew else None,
            item_index=item_index,
        )
        if spec.kind == "assembly":
            inputs = {name: AssemblyInput(env, capacity, monitor, line) for name in spec.inputs or {}}
            product = item_index[spec.product] if spec.product else 0
            stations[spec.name] = AssemblyStation(
                env, spec, next(iter(inputs.values())), monitor, line, streams,
                inputs=inputs, product_item=product, **options,
            )
        elif spec.kind == "batch":
            buffer = BatchBuffer(env, capacity, monitor, line, spec.batch.min, spec.batch.max)  # type: ignore[union-attr]
            stations[spec.name] = BatchStation(env, spec, buffer, monitor, line, streams, **options)
        else:
            stations[spec.name] = MachineStation(env, spec, Buffer(env, capacity, monitor, line), monitor, line, streams, **options)
    exit_ = Exit(env, line)
    for index, spec in enumerate(scenario.stations):
        target = scenario.next_of(index)
        stations[spec.name].destination = exit_ if target == EXIT else stations[target].input_buffer(spec.name)  # type: ignore[assignment]
        if spec.rework is not None:
            stations[spec.name].rework_target = stations[spec.rework.to].input_buffer(spec.name)  # type: ignore[attr-defined]
    for station in stations.values():
        station.start()
    for source in scenario.sources:
        make = LotMaker(source, item_index, units, streams)
        start_source(env, source, stations[source.to].input_buffer(source.name), make, streams)
    return Model(env=env, scenario=scenario, line=line, stations=stations, crews=crews, calendar=calendar)

"""Build the runtime model of one replication from a scenario: the only place specs become SimPy objects."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from stations.assembly import AssemblyInput, AssemblyStation
from stations.base import BatchBuffer, Buffer, StationRuntime
from stations.batch import BatchStation
from stations.calendar import ShiftCalendar, subtract, weekly_intervals
from stations.crew import Crew
from stations.dwell import DwellStation
from stations.event_queue import TwinEnvironment
from stations.machine import MachineStation
from stations.sink import Exit
from stations.source import LotMaker, start_source
from stations.flow import Expiry, Router
from stations.monitors import Item, Level, LineMonitor, StationMonitor
from stations.ramp import apply_ramp
from twin.sim.priority import PriorityBatchBuffer, PriorityBuffer, ranks
from twin.spec.rng import Streams
from twin.spec.scenario import (
    EXIT, AssemblyStationSpec, BatchStationSpec, CalendarSpec, DwellStationSpec, MachineStationSpec, Scenario,
    StationSpec,
)


@dataclass
class Model:
    env: TwinEnvironment
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


class PlantMonitor(LineMonitor):
    """A line monitor that also keeps cells in the line and good cells per grade for each item, so a
    plant's lines (told apart by their items) get their own WIP and grades."""

    def __init__(self, items: list[Item], grades: tuple[str, ...] = ()) -> None:
        super().__init__(items, grades)
        self.wip_of = [Level() for _ in items]
        self.grade_of = [[0] * len(grades) for _ in items]
        self.wip_baseline = [0.0] * len(items)
        self.grade_baseline = [[0] * len(grades) for _ in items]

    def _enter(self, lot, now: float) -> None:
        super()._enter(lot, now)
        self.wip_of[lot.item].add(lot.cells, now)

    def _leave(self, lot, units: int, now: float) -> None:
        super()._leave(lot, units, now)
        self.wip_of[lot.item].add(-units, now)

    def exit(self, lot, now: float) -> None:
        if lot.grade >= 0:
            self.grade_of[lot.item][lot.grade] += lot.cells
        super().exit(lot, now)

    def reset(self, now: float) -> None:
        super().reset(now)
        self.wip_baseline = [level.area_until(now) for level in self.wip_of]
        self.grade_baseline = [list(g) for g in self.grade_of]


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


@dataclass
class BuildContext:
    """What a station builder needs besides its spec: the shared runtime of one replication."""

    env: TwinEnvironment
    scenario: Scenario
    line: LineMonitor
    streams: Streams
    item_index: dict[str, int]
    calendar: ShiftCalendar | None
    crews: dict[str, Crew]
    calendars: dict[str, ShiftCalendar] = field(default_factory=dict)

    def calendar_of(self, spec: StationSpec) -> ShiftCalendar | None:
        """The station's named calendar, the scenario's, or None (round the clock)."""
        if self.scenario.calendar_of(spec) is None:
            return None
        return self.calendars[spec.calendar] if spec.calendar is not None else self.calendar

    def options(self, spec: StationSpec) -> dict:
        """Calendar, repair crew and item index of a processing station."""
        failures = getattr(spec, "failures", None)
        return dict(
            calendar=self.calendar_of(spec),
            crew=self.crews[failures.repair_crew] if failures and failures.repair_crew else None,
            item_index=self.item_index,
        )


    def queue(self, spec: StationSpec, capacity: float, monitor: StationMonitor, *batch: int) -> Buffer:
        """The station's input buffer: first come, first served, or by line for a shared station
        with `priority:` (twin.sim.priority)."""
        plant = self.scenario.plant
        shared = plant.shared.get(spec.name) if plant is not None else None
        if shared is None or not shared.priority:
            return (BatchBuffer if batch else Buffer)(self.env, capacity, monitor, self.line, *batch)
        buffer = (PriorityBatchBuffer if batch else PriorityBuffer)(self.env, capacity, monitor, self.line, *batch)
        buffer.rank = ranks(list(shared.priority), {k: list(v.items) for k, v in plant.lines.items()}, self.item_index)
        return buffer


def _capacity(spec: StationSpec) -> float:
    return math.inf if spec.buffer is None else spec.buffer


def _machine(ctx: BuildContext, spec: MachineStationSpec, monitor: StationMonitor) -> StationRuntime:
    buffer = ctx.queue(spec, _capacity(spec), monitor)
    return MachineStation(ctx.env, spec, buffer, monitor, ctx.line, ctx.streams, **ctx.options(spec))


def _batch(ctx: BuildContext, spec: BatchStationSpec, monitor: StationMonitor) -> StationRuntime:
    buffer = ctx.queue(spec, _capacity(spec), monitor, spec.batch.min, spec.batch.max)
    return BatchStation(ctx.env, spec, buffer, monitor, ctx.line, ctx.streams, **ctx.options(spec))


def _dwell(ctx: BuildContext, spec: DwellStationSpec, monitor: StationMonitor) -> StationRuntime:
    buffer = ctx.queue(spec, _capacity(spec), monitor)
    return DwellStation(ctx.env, spec, buffer, monitor, ctx.line, ctx.streams, item_index=ctx.item_index)


def _assembly(ctx: BuildContext, spec: AssemblyStationSpec, monitor: StationMonitor) -> StationRuntime:
    inputs = {name: AssemblyInput(ctx.env, _capacity(spec), monitor, ctx.line) for name in spec.inputs}
    product = ctx.item_index[spec.product] if spec.product else 0
    return AssemblyStation(
        ctx.env, spec, next(iter(inputs.values())), monitor, ctx.line, ctx.streams,
        inputs=inputs, product_item=product, **ctx.options(spec),
    )


BUILDERS: dict[str, Callable[[BuildContext, Any, StationMonitor], StationRuntime]] = {
    "machine": _machine, "batch": _batch, "dwell": _dwell, "assembly": _assembly,
}
"""The one place a station kind meets its behaviour: kind -> builder of its runtime station."""


def build(scenario: Scenario, streams: Streams) -> Model:
    env = TwinEnvironment()  # SimPy's, with its pending events in a compiled queue
    items, units = line_items(scenario)
    item_index = {item.name: i for i, item in enumerate(items)}
    line = (PlantMonitor if scenario.plant is not None else LineMonitor)(items, scenario.grade_names())
    horizon = scenario.run.warmup + scenario.run.length + 7 * 86400.0
    calendar = build_calendar(scenario.calendar, horizon) if scenario.calendar else None
    crews = {
        name: Crew(env, name, spec.size, calendar if spec.shifts else None) for name, spec in scenario.crews.items()
    }
    calendars = {name: build_calendar(spec, horizon) for name, spec in scenario.calendars.items()}
    ctx = BuildContext(env, scenario, line, streams, item_index, calendar, crews, calendars)
    stations: dict[str, StationRuntime] = {}
    for spec in scenario.stations:
        monitor = StationMonitor(spec.name, spec.parallel_units)
        stations[spec.name] = BUILDERS[spec.kind](ctx, spec, monitor)
        start_s = spec.start if spec.start is not None else (scenario.start if spec.kind != "dwell" else None)
        if spec.ramp is not None or start_s:  # ramp-up: wrapped samplers, the station loops unchanged
            apply_ramp(stations[spec.name], spec, streams, start_s)
    exit_ = Exit(env, line)
    for index, spec in enumerate(scenario.stations):
        _connect(ctx, index, stations, exit_, items)
        rework = getattr(spec, "rework", None)
        if rework is not None:
            stations[spec.name].rework_target = stations[rework.to].input_buffer(spec.name)  # type: ignore[attr-defined]
    for station in stations.values():
        station.start()
    for source in scenario.sources:
        make = LotMaker(source, item_index, units, streams)
        start_source(env, source, stations[source.to].input_buffer(source.name), make, streams)
    return Model(env=env, scenario=scenario, line=line, stations=stations, crews=crews, calendar=calendar)


def _connect(ctx: BuildContext, index: int, stations: dict[str, StationRuntime], exit_: Exit, items: list[Item]) -> None:
    """Where station `index` sends lots of each item (one buffer, or a Router drawing by shares),
    and what its buffers do with a lot whose Q-time ran out."""
    spec = ctx.scenario.stations[index]
    station = stations[spec.name]

    def buffer(target: str):
        return exit_ if target == EXIT else stations[target].input_buffer(spec.name)

    def destination(product: str | None):
        routes = ctx.scenario.routes_of(index, product)
        if len(routes) == 1:
            return buffer(next(iter(routes)))
        owner = spec.name if product is None or product not in spec.by_product else f"{spec.name}/{product}"
        return Router([buffer(t) for t in routes], list(routes.values()), ctx.streams.generator(owner, "route"))

    default = destination(None)
    per_item = [destination(item.name) if item.name in spec.by_product else default for item in items]
    if all(target is default for target in per_item) and not isinstance(default, Router):
        station.destination = default  # type: ignore[assignment]
    else:
        station.destination = per_item[0]  # type: ignore[assignment]
        station.route_by_item = per_item
    limits = [
        (spec.for_product(item.name).max_wait if item.name in spec.by_product else spec.max_wait) or math.inf
        for item in items
    ]
    if any(limit < math.inf for limit in limits):
        target = buffer(spec.on_expiry) if spec.on_expiry is not None else None
        expiry = Expiry(limits, station.monitor, ctx.line, target)
        for waiting in _input_buffers(station):
            waiting.expiry = expiry


def _input_buffers(station: StationRuntime) -> list:
    inputs = getattr(station, "inputs", None)
    return list(inputs.values()) if inputs else [station.buffer]

"""Dwell store: holds each lot for its cycle time (wetting rest, aging), with room for `capacity` lots.

A store with thousands of places is not thousands of machines: occupancy is counted, each lot's
end of dwell is one timer callback, and the slot states (dwelling = working, finished but held =
blocked, empty = starved) are time-weighted counts. The store is active for the bottleneck
analysis only while every place holds a dwelling lot.
"""

from __future__ import annotations

from typing import Generator, Optional

from simpy import Environment, Event

from stations.base import BLOCKED, STARVED, WORKING, Buffer, Lot, StationRuntime
from stations.processing import CycleTime, per_item
from stations.quality import Scrap, scrap_bad_cells
from stations.monitors import Level, LineMonitor, StationMonitor
from twin.spec.rng import Streams
from twin.spec.scenario import StationSpec


class DwellStation(StationRuntime):
    def __init__(
        self,
        env: Environment,
        spec: StationSpec,
        buffer: Buffer,
        monitor: StationMonitor,
        line: LineMonitor,
        streams: Streams,
        item_index: Optional[dict[str, int]] = None,
    ) -> None:
        super().__init__(env, spec.name, buffer, monitor)
        self.spec = spec
        self.line = line
        self.capacity: int = spec.capacity  # type: ignore[assignment]
        self.cycle = CycleTime(spec.cycle_time, streams.generator(spec.name, "cycle"))
        self.scrap = Scrap(spec.yield_, streams.generator(spec.name, "quality")) if spec.yield_ < 1 else None
        self.cycle_of, self.scrap_of = per_item(spec, self.cycle, self.scrap, item_index or {}, streams)
        self.occupied = 0
        self.dwelling = Level()
        self.held = Level()
        self.room: Optional[Event] = None  # the loader waits on this while the store is full
        self.stats_since = 0.0

    def capacity_units(self) -> int:
        return self.capacity

    def start(self) -> None:
        self.env.process(self._load())

    def _load(self) -> Generator[Event, object, None]:
        env, buffer, monitor = self.env, self.buffer, self.monitor
        while True:
            if self.occupied >= self.capacity:
                self.room = Event(env)
                yield self.room
            lot = buffer.try_get()
            if lot is None:
                lot = yield buffer.get_event()
            now = env.now
            self.occupied += 1
            self.dwelling.add(1, now)
            monitor.machine_idle_changed(False, now)
            if monitor.events is not None:
                monitor.events.lot(self.name, lot, "start", now)
            env.timeout(self.cycle_of[lot.item].draw(lot.cells)).callbacks.append(lambda _, lot=lot: self._dwell_over(lot))

    def _dwell_over(self, lot: Lot) -> None:
        now = self.env.now
        self.dwelling.add(-1, now)
        self.monitor.machine_idle_changed(True, now)
        self.monitor.processed_cells += lot.cells
        if self.monitor.events is not None:
            self.monitor.events.lot(self.name, lot, "finish", now)
        self.monitor.ideal_work_s += self.cycle_of[lot.item].ideal_s(lot.cells)
        if not scrap_bad_cells(self.scrap_of[lot.item], lot, self.monitor, self.line, now):
            self._free_place()
            return
        destination = self.route(lot)
        if destination.try_put(lot):  # type: ignore[union-attr]
            self._leave(lot)
        else:
            self.held.add(1, now)
            destination.put_event(lot).callbacks.append(lambda _: self._leave_held(lot))  # type: ignore[union-attr]

    def _leave_held(self, lot: Lot) -> None:
        self.held.add(-1, self.env.now)
        self._leave(lot)

    def _leave(self, lot: Lot) -> None:
        self.monitor.depart(lot.cells, self.env.now)
        if self.monitor.events is not None:
            self.monitor.events.lot(self.name, lot, "leave", self.env.now)
        self._free_place()

    def _free_place(self) -> None:
        self.occupied -= 1
        if self.room is not None:
            room, self.room = self.room, None
            room.succeed()

    def state_seconds(self, now: float) -> list[float]:
        seconds = [0.0] * 7
        seconds[WORKING] = self.dwelling.area_until(now)
        seconds[BLOCKED] = self.held.area_until(now)
        seconds[STARVED] = self.capacity * (now - self.stats_since) - seconds[WORKING] - seconds[BLOCKED]
        return seconds

    def reset(self, now: float) -> None:
        self.monitor.reset(now)
        for level in (self.dwelling, self.held):
            level.area = 0.0
            level.since = now
        self.stats_since = now

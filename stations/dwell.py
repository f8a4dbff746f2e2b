"""Dwell store: holds each lot for its cycle time (wetting rest, aging), with room for `capacity` lots.

A store with thousands of places is not thousands of machines: occupancy is counted, each lot's
end of dwell is one timer callback, and the slot states (dwelling = working, finished but held =
blocked, empty = starved) are time-weighted counts. The store is active for the bottleneck
analysis only while every place holds a dwelling lot.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Optional

from simpy import Event
from simpy.core import URGENT

from stations.base import BLOCKED, STARVED, WORKING, Buffer, Lot, StationRuntime, put_into
from stations.events import new_event, schedule_at, timeout
from stations.fifo import Fifo, new_line
from stations.processing import CycleTime, per_item
from stations.quality import Scrap, scrap_bad_cells
from stations.monitors import Level, LineMonitor, StationMonitor
from twin.spec.distributions import ConstantSampler
from twin.spec.rng import Streams
from twin.spec.scenario import StationSpec

if TYPE_CHECKING:
    from stations.event_queue import TwinEnvironment  # annotations only


class _Loader:
    """The store's place in its buffer's queue of getters: the buffer hands it a lot with
    `succeed(lot)`, as it would a waiting machine's event, and the store starts it at once."""

    __slots__ = ("store",)

    def __init__(self, store: "DwellStation") -> None:
        self.store = store

    def succeed(self, lot: Lot) -> None:
        self.store._start(lot)
        self.store._load()


class DwellStation(StationRuntime):
    def __init__(
        self,
        env: TwinEnvironment,
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
        self.full = False  # a place frees -> load the next lot
        self.loader = _Loader(self)
        self.stats_since = 0.0
        # a constant dwell per lot ends in arrival order: one pending timer, for the head (a wrapped,
        # time-varying cycle time keeps one timer per lot)
        self.fifo: Optional[Fifo] = new_line() if all(  # (end, place in line, lot) per lot, in order
            type(cycle) is CycleTime and isinstance(cycle.sampler, ConstantSampler) and not cycle.per_cell
            for cycle in self.cycle_of
        ) else None
        self.head_timed = False  # the one pending timer of the FIFO is scheduled
        self.on_head_over = self._head_over  # the timer's callback, made once

    def capacity_units(self) -> int:
        return self.capacity

    def start(self) -> None:
        """Load the first lots when the run starts (as a process would), once the sources are attached."""
        first = Event(self.env)
        first._ok, first._value = True, None
        first.callbacks.append(lambda _: self._load())
        self.env.schedule(first, URGENT)

    def _load(self) -> None:
        """Fill free places from the buffer; when it is empty, wait in it for the next lot.

        No SimPy process: the buffer hands an arriving lot straight to the store (`_Loader`), and a
        place that frees loads the next waiting lot itself, so a lot costs one timer and no wake-up.
        """
        buffer = self.buffer
        while self.occupied < self.capacity:
            lot = buffer.try_get()
            if lot is None:
                buffer.getters.append(self.loader)  # type: ignore[arg-type]
                return
            self._start(lot)
        self.full = True

    def _start(self, lot: Lot) -> None:
        env, monitor = self.env, self.monitor
        now = env._now
        self.occupied += 1
        self.dwelling.add(1, now)
        monitor.machine_idle_changed(False, now)
        if monitor.events is not None:
            monitor.events.lot(self.name, lot, "start", now)
        cycle = self.cycle_of[lot.item]
        duration = cycle.draw(lot.cells)
        fifo, end = self.fifo, now + duration
        if fifo is None or (fifo and end < fifo.last()[0]):  # out of order: a timer of its own
            timeout(env, duration).callbacks.append(partial(self._dwell_over, lot))
            return
        fifo.append((end, env._eid.take(), lot))  # its place among same-instant events, as its own timeout's
        if not self.head_timed:
            self._time_head()

    def _time_head(self) -> None:
        """One timer, due exactly when the head lot's dwell ends and in its place among events due at
        that instant (as its own timeout would be), so results equal one timeout per lot."""
        timer = new_event(self.env)
        timer._ok, timer._value = True, None  # a triggered timeout, scheduled by hand at an absolute time
        timer.callbacks.append(self.on_head_over)
        end, eid, _ = self.fifo.first()  # type: ignore[union-attr]
        schedule_at(self.env, timer, end, eid)
        self.head_timed = True

    def _head_over(self, _event: Event) -> None:
        fifo = self.fifo
        self.head_timed = False
        self._dwell_over(fifo.popleft()[2])  # type: ignore[union-attr]
        if fifo and not self.head_timed:  # (a lot loaded by the freed place may have timed itself)
            self._time_head()

    def _dwell_over(self, lot: Lot, _event: Optional[Event] = None) -> None:
        now = self.env._now
        self.dwelling.add(-1, now)
        self.monitor.machine_idle_changed(True, now)
        self.monitor.processed_cells += lot.cells
        if self.monitor.events is not None:
            self.monitor.events.lot(self.name, lot, "finish", now)
        cycle = self.cycle_of[lot.item]
        self.monitor.ideal_work_s += cycle.ideal_s(lot.cells)
        if not scrap_bad_cells(self.scrap_of[lot.item], lot, self.monitor, self.line, now):
            self._free_place()
            return
        destination = self.route(lot)
        if put_into(destination, lot):
            self._leave(lot)
        else:
            self.held.add(1, now)
            destination.put_event(lot).callbacks.append(partial(self._leave_held, lot))  # type: ignore[union-attr]

    def _leave_held(self, lot: Lot, _event: Optional[Event] = None) -> None:
        self.held.add(-1, self.env._now)
        self._leave(lot)

    def _leave(self, lot: Lot) -> None:
        self.monitor.depart(lot.cells, self.env._now)
        if self.monitor.events is not None:
            self.monitor.events.lot(self.name, lot, "leave", self.env._now)
        self._free_place()

    def _free_place(self) -> None:
        self.occupied -= 1
        if self.full:
            self.full = False
            self._load()

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

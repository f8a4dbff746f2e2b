"""Machine pool: identical machines sharing one input buffer, each processing one lot at a time."""

from __future__ import annotations

from typing import Generator, Optional

from simpy import Event

from stations.base import WORKING, Machine
from stations.interruptions import Breakdowns
from stations.processing import ProcessingStation
from stations.quality import scrap_bad_cells


class MachineStation(ProcessingStation):
    def start(self) -> None:
        for machine in self.machines:
            clock = self.clocks[machine.index]
            lean = clock is None or (clock.calendar is None and not clock.breakdowns.calendar_clock)  # type: ignore[union-attr]
            self.env.process(self._run_lean(machine, clock and clock.breakdowns) if lean else self._run(machine))

    def _run_lean(self, machine: Machine, breakdowns: Optional[Breakdowns]) -> Generator[Event, object, None]:
        """The loop of a machine without shifts or calendar-clock failures, with the
        moves of `take`, `process` and `MachineClock.work` written out: the same events in the same
        order, without a generator per move. An operating-clock failure that falls inside a cycle is
        sequenced here: work up to it, the repair, then the rest of the work."""
        env, buffer, cycle_of, monitor = self.env, self.buffer, self.cycle_of, self.monitor
        timeout, try_get, get_event, set_state = env.timeout, buffer.try_get, buffer.get_event, machine.set_state
        try_send, idle = self.try_send, self.idle_state()
        changeover, last_item, index = self.changeover, self.last_item, machine.index
        scrap_of, line, destination = self.scrap_of, self.line, self.destination
        # no rework, grading, packing, routing, splitting or conveyor: `try_send` comes down to this
        plain_send = (self.rework is None and self.grader is None and self.regrouper is None
                      and self.route_by_item is None and not self.spec.split and self.transfer is None)
        while True:
            lot = try_get()
            if lot is None:
                set_state(idle)
                lot = yield get_event()
            cells, cycle = lot.cells, cycle_of[lot.item]
            if monitor.events is not None:
                monitor.events.lot(self.name, lot, "start", env.now, machine=machine.index)
            duration = cycle.draw(cells)
            if changeover is not None:  # as `process`: a setup when the product changes
                previous = last_item[index]
                last_item[index] = lot.item
                if previous is not None and previous != lot.item:
                    yield from self.set_up(machine, changeover.time_s(previous, lot.item))
            set_state(WORKING)
            if breakdowns is None:
                yield timeout(duration)
            else:
                while True:  # MachineClock.work on the operating clock, without shifts
                    fail_left = breakdowns.ttf_left
                    if not fail_left > 0.0:
                        fail_left = 0.0
                    step = duration if duration <= fail_left else fail_left
                    if step > 0:
                        yield timeout(step)
                        breakdowns.ttf_left -= step
                    if step >= duration:
                        break
                    duration -= step
                    yield from breakdowns.repair(machine, WORKING)
            monitor.ideal_work_s += cycle.ideal_s(cells)
            if not plain_send:
                rest = try_send(machine, lot)
                if rest is not None:
                    yield from rest
                continue
            now = env.now
            monitor.processed_cells += lot.cells
            if monitor.events is not None:
                monitor.events.lot(self.name, lot, "finish", now)
            scrap = scrap_of[lot.item]
            if scrap is not None and not scrap_bad_cells(scrap, lot, monitor, line, now):
                continue
            if destination.try_put(lot):  # type: ignore[union-attr]
                monitor.depart(lot.cells, now)
                if monitor.events is not None:
                    monitor.events.lot(self.name, lot, "leave", now)
            else:
                yield from self._wait_for_room(machine, lot, destination)  # type: ignore[arg-type]

    def _run(self, machine: Machine) -> Generator[Event, object, None]:
        buffer, cycle_of, monitor = self.buffer, self.cycle_of, self.monitor
        while True:
            lot = yield from self.take(machine, buffer.try_get, buffer.get_event, buffer.cancel_get)
            cells, cycle = lot.cells, cycle_of[lot.item]
            if monitor.events is not None:
                monitor.events.lot(self.name, lot, "start", self.env.now, machine=machine.index)
            yield from self.process(machine, cycle.draw(cells), lot.item)
            monitor.ideal_work_s += cycle.ideal_s(cells)
            yield from self.send_on(machine, lot)

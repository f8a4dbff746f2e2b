"""Machine pool: identical machines sharing one input buffer, each processing one lot at a time."""

from __future__ import annotations

from typing import Generator

from simpy import Event

from stations.base import WORKING, Machine, put_into
from stations.lot import as_lot
from stations.events import timeout
from stations.interruptions import DEADLINE, WAIT_ARMED
from stations.process import StationProcess
from stations.processing import ProcessingStation
from stations.quality import scrap_bad_cells


class MachineStation(ProcessingStation):
    def start(self) -> None:
        for machine in self.machines:
            StationProcess(self.env, self._run(machine.index))

    def _run(self, index: int) -> Generator[Event, object, None]:
        """A machine's loop: take a lot, process it, send it on. The moves of `take`, `process` and
        `MachineClock.work` are written out for the usual case (a lot waiting, a cycle that ends before
        the shift and the next failure), so the hot path costs no generator per lot; the rest goes
        through the same moves as written, so the events and their order are those of the moves."""
        machine = self.machine_at(index)
        clock = self.clock_at(index)
        env, buffer, monitor = self.env, self.buffer, self.monitor
        idle = self.idle_state()
        changeover, last_item = self.changeover, self.last_item
        scrap_of, line, destination = self.scrap_of, self.line, self.destination
        calendar = None  # (assigned apart, so that the compiled loop holds them typed)
        breakdowns = None
        if clock is not None:
            calendar = clock.calendar
            breakdowns = clock.breakdowns
        operating = breakdowns is not None and not breakdowns.calendar_clock
        pauses_work = clock is not None and clock.pauses_work
        timed_idle = clock is not None and clock.timed_idle
        # no rework, grading, packing, routing, splitting or conveyor: `try_send` comes down to this
        plain_send = (self.rework is None and self.grader is None and self.regrouper is None
                      and self.route_by_item is None and not self.spec.split and self.transfer is None)

        cancel_get = buffer.cancel_get

        def renew() -> tuple[bool, object]:
            again = buffer.try_get()
            return (True, again) if again is not None else (False, buffer.get_event())

        while True:
            if calendar is not None and not calendar.is_on(env._now):  # MachineClock.ready
                yield from clock.off_shift(machine.state)  # type: ignore[union-attr]
            taken = buffer.try_get()
            if taken is None:
                machine.set_state(idle)
                if timed_idle:  # `clock.wait`'s usual first step made here (see `_wait_for_room`)
                    request = buffer.get_event()
                    if clock.arm(request, cancel_get) == WAIT_ARMED:  # type: ignore[union-attr]
                        taken = yield request
                        clock._waiting = None  # type: ignore[union-attr]
                        if taken is DEADLINE:
                            taken = yield from clock.after_deadline(idle, cancel_get, renew)  # type: ignore[union-attr]
                    else:
                        taken = yield from clock.wait(request, cancel_get, renew)  # type: ignore[union-attr]
                else:
                    taken = yield buffer.get_event()
            lot = as_lot(taken)
            cells, cycle = lot.cells, self.cycle_for(lot.item)
            if monitor.events is not None:
                monitor.events.lot(self.name, lot, "start", env._now, machine=index)
            duration = cycle.draw(cells)
            if changeover is not None:  # as `process`: a setup when the product changes
                previous = last_item[index]
                last_item[index] = lot.item
                if previous is not None and previous != lot.item:
                    yield from self.set_up(machine, changeover.time_s(previous, lot.item))
            machine.set_state(WORKING)
            if clock is None:
                yield timeout(env, duration)
            elif operating and not pauses_work:
                while True:  # MachineClock.work on the operating clock, without shifts
                    fail_left = breakdowns.ttf_left  # type: ignore[union-attr]
                    if not fail_left > 0.0:
                        fail_left = 0.0
                    step = duration if duration <= fail_left else fail_left
                    if step > 0:
                        yield timeout(env, step)
                        breakdowns.ttf_left -= step  # type: ignore[union-attr]
                    if step >= duration:
                        break
                    duration -= step
                    yield from breakdowns.repair(machine, WORKING)  # type: ignore[union-attr]
            elif 0 < duration <= clock.clear_ahead(env._now):
                # the first step of MachineClock.work when the whole cycle fits before the shift end
                # and the next failure
                yield timeout(env, duration)
                clock.processed(duration)
            else:
                yield from clock.work(duration, WORKING)
            monitor.ideal_work_s += cycle.ideal_s(cells)
            if not plain_send:
                rest = self.try_send(machine, lot)
                if rest is not None:
                    yield from rest
                continue
            now = env._now
            monitor.processed_cells += lot.cells
            if monitor.events is not None:
                monitor.events.lot(self.name, lot, "finish", now)
            scrap = scrap_of[lot.item]
            if scrap is not None and not scrap_bad_cells(scrap, lot, monitor, line, now):
                continue
            if put_into(destination, lot):
                monitor.depart(lot.cells, now)
                if monitor.events is not None:
                    monitor.events.lot(self.name, lot, "leave", now)
            else:
                yield from self._wait_for_room(machine, lot, destination)  # type: ignore[arg-type]

    def _run_by_moves(self, machine: Machine) -> Generator[Event, object, None]:
        """The same loop as the station's moves (`take`, `process`, `send_on`), one generator each: the
        specification `_run` writes out for speed. Tests hold the two to the same results."""
        buffer, cycle_of, monitor = self.buffer, self.cycle_of, self.monitor
        while True:
            # (lambdas, not `buffer.try_get`: compiled, a C method cannot be handed on as a Python one)
            lot = yield from self.take(machine, lambda: buffer.try_get(), lambda: buffer.get_event(), buffer.cancel_get)
            cells, cycle = lot.cells, cycle_of[lot.item]
            if monitor.events is not None:
                monitor.events.lot(self.name, lot, "start", self.env._now, machine=machine.index)
            yield from self.process(machine, cycle.draw(cells), lot.item)
            monitor.ideal_work_s += cycle.ideal_s(cells)
            yield from self.send_on(machine, lot)

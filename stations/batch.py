"""Batch processor: each machine loads min..max waiting lots and processes them together
(vacuum ovens, formation racks). Lots arriving during processing wait for the next load."""

from __future__ import annotations

from typing import Generator

from simpy import Event

from stations.base import STARVED, WAITING_BATCH, WORKING, BatchBuffer
from stations.interruptions import DEADLINE, WAIT_ARMED
from stations.lot import as_lot
from stations.process import StationProcess
from stations.processing import ProcessingStation


class BatchStation(ProcessingStation):
    buffer: BatchBuffer

    def start(self) -> None:
        for machine in self.machines:
            StationProcess(self.env, self._run(machine.index))

    def idle_state(self) -> int:
        return WAITING_BATCH if self.buffer.waiting_lots() else STARVED

    def batch_buffer(self) -> BatchBuffer:
        """The input buffer, declared a batch buffer (its calls from the loop are C calls)."""
        return self.buffer

    def _run(self, index: int) -> Generator[Event, object, None]:
        """Each load: take min..max lots, process them together, send each on. The moves of `take`
        and `process` are written out as in `MachineStation._run` (no generator per load in the usual
        case): the same steps in the same order."""
        machine = self.machine_at(index)
        clock = self.clock_at(index)
        buffer = self.batch_buffer()
        env, monitor = self.env, self.monitor
        batch_max = self.spec.batch.max  # type: ignore[union-attr]
        calendar = None  # (assigned apart, so that the compiled loop holds it typed)
        if clock is not None:
            calendar = clock.calendar
        cancel = buffer.cancel_get

        def request_take() -> Event:
            return buffer.get_batch_event(machine)

        def renew() -> tuple[bool, object]:
            again = buffer.try_get_batch()
            return (True, again) if again is not None else (False, request_take())

        while True:
            if calendar is not None and not calendar.is_on(env._now):  # `take`: MachineClock.ready
                yield from clock.off_shift(machine.state)  # type: ignore[union-attr]
            lots = buffer.try_get_batch()
            if lots is None:
                machine.set_state(self.idle_state())
                request = request_take()
                if clock is None or not clock.timed_idle:
                    lots = yield request
                elif clock.arm(request, cancel) == WAIT_ARMED:
                    lots = yield request
                    clock._waiting = None
                    if lots is DEADLINE:
                        lots = yield from clock.after_deadline(machine.state, cancel, renew)
                else:
                    lots = yield from clock.wait(request, cancel, renew)
            if monitor.events is not None:
                for lot in lots:  # type: ignore[union-attr]
                    monitor.events.lot(self.name, lot, "start", env._now, machine=index)
            first = as_lot(lots[0])  # type: ignore[index]
            cycle = self.cycle_for(first.item)  # a load runs its first lot's product recipe
            duration = cycle.draw(1)
            if self.changeover is not None:
                yield from self.process(machine, duration, first.item)
            else:  # `process` without a changeover, with no generator
                timer = self.cycle_timer(machine, clock, duration)
                if timer is None:
                    yield from clock.work(duration, WORKING)  # type: ignore[union-attr]
                else:
                    yield timer
                    if clock is not None:
                        clock.processed(duration)
            monitor.ideal_work_s += cycle.mean_s * len(lots) / batch_max  # type: ignore[arg-type]
            for lot in lots:  # type: ignore[union-attr]
                rest = self.try_send(machine, lot)
                if rest is not None:
                    yield from rest

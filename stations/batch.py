"""Batch processor: each machine loads min..max waiting lots and processes them together
(vacuum ovens, formation racks). Lots arriving during processing wait for the next load."""

from __future__ import annotations

from typing import Generator

from simpy import Event

from stations.base import STARVED, WAITING_BATCH, WORKING, BatchBuffer, Machine
from stations.processing import ProcessingStation


class BatchStation(ProcessingStation):
    buffer: BatchBuffer

    def start(self) -> None:
        for machine in self.machines:
            self.env.process(self._run(machine))

    def _run(self, machine: Machine) -> Generator[Event, object, None]:
        env = self.env
        buffer = self.buffer
        batch_max = self.spec.batch.max  # type: ignore[union-attr]
        breakdowns = self.breakdowns[machine.index]
        while True:
            lots = buffer.try_get_batch()
            if lots is None:
                machine.set_state(WAITING_BATCH if buffer.waiting_lots() else STARVED)
                request = buffer.get_batch_event(machine)
                if breakdowns is None:
                    lots = yield request
                else:
                    lots = yield from breakdowns.wait(
                        machine, request, buffer.cancel_get,
                        lambda: (True, got) if (got := buffer.try_get_batch()) is not None
                        else (False, buffer.get_batch_event(machine)),
                    )
            machine.set_state(WORKING)
            work = self.cycle.draw(1)
            if breakdowns is None:
                yield env.timeout(work)
            else:
                yield from breakdowns.work(machine, work)
            self.monitor.ideal_work_s += self.cycle.mean_s * len(lots) / batch_max
            for lot in lots:
                destination = self.finish(lot)
                if destination is not None:
                    yield from self.hand_on(machine, lot, destination)

"""Batch processor: each machine loads min..max waiting lots and processes them together
(vacuum ovens, formation racks). Lots arriving during processing wait for the next load."""

from __future__ import annotations

from typing import Generator

from simpy import Event

from stations.base import STARVED, WAITING_BATCH, BatchBuffer, Machine
from stations.process import StationProcess
from stations.processing import ProcessingStation


class BatchStation(ProcessingStation):
    buffer: BatchBuffer

    def start(self) -> None:
        for machine in self.machines:
            StationProcess(self.env, self._run(machine))

    def idle_state(self) -> int:
        return WAITING_BATCH if self.buffer.waiting_lots() else STARVED

    def _run(self, machine: Machine) -> Generator[Event, object, None]:
        buffer = self.buffer
        batch_max = self.spec.batch.max  # type: ignore[union-attr]
        while True:
            lots = yield from self.take(
                machine, buffer.try_get_batch, lambda: buffer.get_batch_event(machine), buffer.cancel_get
            )
            if self.monitor.events is not None:
                for lot in lots:
                    self.monitor.events.lot(self.name, lot, "start", self.env._now, machine=machine.index)
            cycle = self.cycle_for(lots[0].item)  # a load runs its first lot's product recipe
            yield from self.process(machine, cycle.draw(1), lots[0].item)
            self.monitor.ideal_work_s += cycle.mean_s * len(lots) / batch_max
            for lot in lots:
                rest = self.try_send(machine, lot)
                if rest is not None:
                    yield from rest

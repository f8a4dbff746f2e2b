"""Machine pool: identical machines sharing one input buffer, each processing one lot at a time."""

from __future__ import annotations

from typing import Generator

from simpy import Event

from stations.base import STARVED, WORKING, Machine
from stations.processing import ProcessingStation


class MachineStation(ProcessingStation):
    def start(self) -> None:
        for machine in self.machines:
            self.env.process(self._run(machine))

    def _run(self, machine: Machine) -> Generator[Event, object, None]:
        env = self.env
        buffer = self.buffer
        cycle = self.cycle
        monitor = self.monitor
        breakdowns = self.breakdowns[machine.index]
        while True:
            lot = buffer.try_get()
            if lot is None:
                machine.set_state(STARVED)
                request = buffer.get_event()
                if breakdowns is None:
                    lot = yield request
                else:
                    lot = yield from breakdowns.wait(
                        machine, request, buffer.cancel_get,
                        lambda: (True, got) if (got := buffer.try_get()) is not None else (False, buffer.get_event()),
                    )
            machine.set_state(WORKING)
            cells = lot.cells
            work = cycle.draw(cells)
            if breakdowns is None:
                yield env.timeout(work)
            else:
                yield from breakdowns.work(machine, work)
            monitor.ideal_work_s += cycle.ideal_s(cells)
            destination = self.finish(lot)
            if destination is not None:
                yield from self.hand_on(machine, lot, destination)

"""Machine pool: identical machines sharing one input buffer, each processing one lot at a time."""

from __future__ import annotations

from typing import Generator

from simpy import Event

from stations.base import WORKING, Machine
from stations.processing import ProcessingStation


class MachineStation(ProcessingStation):
    def start(self) -> None:
        for machine in self.machines:
            self.env.process(self._run(machine))

    def _run(self, machine: Machine) -> Generator[Event, object, None]:
        buffer, cycle_of, monitor = self.buffer, self.cycle_of, self.monitor
        plain = self.clocks[machine.index] is None and self.changeover is None
        while True:
            lot = yield from self.take(machine, buffer.try_get, buffer.get_event, buffer.cancel_get)
            cells, cycle = lot.cells, cycle_of[lot.item]
            if monitor.events is not None:
                monitor.events.lot(self.name, lot, "start", self.env.now, machine=machine.index)
            if plain:  # the common case without shifts, failures or changeovers, kept lean
                machine.set_state(WORKING)
                yield self.env.timeout(cycle.draw(cells))
            else:
                yield from self.process(machine, cycle.draw(cells), lot.item)
            monitor.ideal_work_s += cycle.ideal_s(cells)
            yield from self.send_on(machine, lot)

"""What machine and batch stations share: cycle times, failures, scrap, rework and moving a lot on.

`ProcessingStation` holds the per-station random samplers and the two moves every machine makes,
getting work and handing a finished lot downstream (blocked until there is room), so the
behaviours in machine.py and batch.py only describe what is particular to them.
"""

from __future__ import annotations

import math
from typing import Generator, Optional

from simpy import Environment, Event

from stations.base import BLOCKED, Buffer, Lot, Machine, StationRuntime
from stations.failures import Breakdowns
from stations.quality import Rework, Scrap
from twin.monitors import LineMonitor, StationMonitor
from twin.rng import Streams
from twin.scenario import StationSpec


class CycleTime:
    """Processing time of a job; with `per: cell`, the sum of one time per cell in the lot.

    The sum over n cells is drawn as n*mean + sqrt(n)*(x - mean) from one draw x: the same mean
    and variance as the exact sum (exact for n = 1), at the cost of one draw per lot.
    """

    def __init__(self, spec, generator) -> None:
        self.sampler = spec.sampler(generator)
        self.mean_s = spec.mean_s
        self.per_cell = spec.per == "cell"

    def draw(self, cells: int) -> float:
        x = self.sampler.draw()
        if self.per_cell and cells != 1:
            return cells * self.mean_s + math.sqrt(cells) * (x - self.mean_s)
        return x

    def ideal_s(self, cells: int) -> float:
        return self.mean_s * cells if self.per_cell else self.mean_s


class ProcessingStation(StationRuntime):
    def __init__(
        self,
        env: Environment,
        spec: StationSpec,
        buffer: Buffer,
        monitor: StationMonitor,
        line: LineMonitor,
        streams: Streams,
    ) -> None:
        super().__init__(env, spec.name, buffer, monitor)
        self.spec = spec
        self.line = line
        self.machines = [Machine(env, self, i) for i in range(spec.machines)]
        self.cycle = CycleTime(spec.cycle_time, streams.generator(spec.name, "cycle"))
        self.scrap = Scrap(spec.yield_, streams.generator(spec.name, "quality")) if spec.yield_ < 1 else None
        self.rework = Rework(spec.rework.fraction, streams.generator(spec.name, "routing")) if spec.rework else None
        self.rework_target: Optional[Buffer] = None  # set by twin.model
        self.breakdowns: list[Optional[Breakdowns]] = [
            Breakdowns(
                env, spec.failures,
                streams.generator(spec.name, "failure", i), streams.generator(spec.name, "repair", i), monitor,
            )
            if spec.failures
            else None
            for i in range(spec.machines)
        ]

    def state_seconds(self, now: float) -> list[float]:
        totals = [0.0] * 7
        for machine in self.machines:
            for state, seconds in enumerate(machine.close(now)):
                totals[state] += seconds
        return totals

    def reset(self, now: float) -> None:
        self.monitor.reset(now)
        for machine in self.machines:
            machine.reset(now)

    def capacity_units(self) -> int:
        return len(self.machines)

    # shared moves ------------------------------------------------------------------------
    def finish(self, lot: Lot) -> Optional[Buffer]:
        """Scrap and routing after processing; the buffer the lot goes to, or None if all of it was scrapped."""
        now = self.env.now
        self.monitor.processed_cells += lot.cells
        if self.scrap is not None:
            bad = self.scrap.bad_cells(lot.cells)
            if bad:
                lot.cells -= bad
                self.monitor.scrap(bad, now)
                self.line.scrap(lot, bad, now)
                if lot.cells == 0:
                    if lot.source is not None:
                        lot.source.lot_left(lot)
                    return None
        if self.rework is not None and self.rework.chosen():
            self.monitor.depart(lot.cells, now)
            self.rework_target.put_rework(lot)  # type: ignore[union-attr]
            return None
        return self.destination

    def hand_on(self, machine: Machine, lot: Lot, destination: Buffer) -> Generator[Event, None, None]:
        """Move a finished lot downstream; the machine is blocked until there is room."""
        if not destination.try_put(lot):
            machine.set_state(BLOCKED)
            breakdowns = self.breakdowns[machine.index]
            request = destination.put_event(lot)
            if breakdowns is None:
                yield request
            else:
                yield from breakdowns.wait(
                    machine, request, destination.cancel_put,
                    lambda: (True, None) if destination.try_put(lot) else (False, destination.put_event(lot)),
                )
        self.monitor.depart(lot.cells, self.env.now)

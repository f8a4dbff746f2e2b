"""An observer of twin.sim.engine.simulate that checks the model's invariants while it runs: a
probe process samples the state at off-grid times (never coinciding with the
engine's own event times, so it sees a settled instant), and buffers record their peak occupancy
on every append. The probe draws no random numbers, so the run is the engine's run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from stations.base import BLOCKED, STARVED, WAITING_BATCH, BatchBuffer, Buffer
from stations.dwell import DwellStation
from stations.fifo import Fifo
from stations.processing import ProcessingStation
from stations.sink import Exit
from twin.sim.build import Model
from twin.sim.engine import simulate
from twin.spec.scenario import Scenario

PROBES = 97  # samples per run; a prime, with an irrational offset, so samples miss event times
OFFSET = math.pi  # seconds


class PeakFifo(Fifo):
    """A buffer's line that remembers the most items it ever held (the buffer level, pathwise)."""

    def __init__(self) -> None:
        super().__init__()
        self.peak = 0

    def append(self, item) -> None:
        super().append(item)
        if len(self) > self.peak:
            self.peak = len(self)


@dataclass
class Violations:
    found: list[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> None:
        if not ok and len(self.found) < 20:
            self.found.append(message)


def _cells(lots) -> int:
    return sum(lot.cells for lot in lots)


def _total(line, counter) -> float:
    """A line counter in cells: a number, or per item (products and materials) summed over products."""
    return counter if isinstance(counter, (int, float)) else line.cells(counter)


def line_balance(line, snapshot=None) -> tuple[float, float]:
    """(cells that joined the line, cells that left it) from t=0, from the LineMonitor's counters
    (or from a LineSnapshot of them). Cells join by release (or assembly); they leave good, scrapped
    (or consumed by an assembly). Their difference is the line's WIP."""
    c = line if snapshot is None else snapshot
    joined = _total(line, c.released) + _total(line, getattr(c, "created", 0))
    left = _total(line, c.good) + _total(line, c.scrapped) + _total(line, getattr(c, "consumed", 0))
    return joined, left


def good_cells(line) -> float:
    return _total(line, line.good)


def station_balance(monitor) -> tuple[float, float]:
    """(cells that came to the station, cells that left it or are still there)."""
    came = monitor.cells_in + getattr(monitor, "created", 0)
    gone = (monitor.cells_out + monitor.scrapped + getattr(monitor, "expired", 0) + getattr(monitor, "consumed", 0)
            + monitor.wip.value)
    return came, gone


def _would_block(destination) -> bool:
    """True if a lot offered to `destination` now would have to wait (what BLOCKED asserts)."""
    if isinstance(destination, Exit):
        return False
    if isinstance(destination, BatchBuffer):
        return len(destination.items) >= destination.capacity
    return not destination.getters and len(destination.items) >= destination.capacity


def check_state(model: Model, v: Violations) -> None:
    """Invariants that hold at every settled instant."""
    now = model.env.now
    line = model.line
    at = f"t={now / 3600:.4f} h"
    joined, left = line_balance(line)
    v.check(joined == left + line.wip.value,
            f"{at}: cells released {joined} != left (good + scrapped) {left} + inside {line.wip.value}")
    in_stations = sum(s.monitor.wip.value + s.monitor.in_transit for s in model.stations.values())
    v.check(line.wip.value == in_stations, f"{at}: line wip {line.wip.value} != sum of station wip {in_stations}")
    little = line.departed_cell_s + line.wip.value * now - line.release_time_sum
    v.check(math.isclose(line.wip.area_until(now), little, rel_tol=1e-9, abs_tol=1e-6 * max(now, 1.0)),
            f"{at}: wip integral {line.wip.area_until(now)} != time spent inside {little}")
    for name, station in model.stations.items():
        m, buffer = station.monitor, station.buffer
        came, gone = station_balance(m)
        v.check(came == gone, f"{at} {name}: in {m.cells_in} != out {m.cells_out} + scrapped {m.scrapped} "
                              f"+ at station {m.wip.value}")
        v.check(m.wip.value >= 0 and m.queue.value >= 0, f"{at} {name}: negative level")
        waiting = _cells(buffer.items) + _cells(buffer.rework)
        v.check(m.queue.value == waiting, f"{at} {name}: queue level {m.queue.value} != cells waiting {waiting}")
        v.check(m.queue.value <= m.wip.value, f"{at} {name}: more cells queued than at the station")
        v.check(len(buffer.items) <= buffer.capacity,
                f"{at} {name}: {len(buffer.items)} lots in a buffer of {buffer.capacity}")
        upstream_blocked = bool(buffer.putters)
        if isinstance(station, DwellStation):
            v.check(0 <= station.occupied <= station.capacity,
                    f"{at} {name}: {station.occupied} lots in a store of {station.capacity}")
            v.check(station.dwelling.value + station.held.value == station.occupied,
                    f"{at} {name}: dwelling {station.dwelling.value} + held {station.held.value} != occupied {station.occupied}")
            if station.occupied < station.capacity:  # work conservation: a free place takes a waiting lot
                v.check(buffer.waiting_lots() == 0 and not upstream_blocked and buffer.new_lot is None,
                        f"{at} {name}: a place is free while lots wait")
            if station.held.value > 0:
                v.check(_would_block(station.destination), f"{at} {name}: lot held although downstream has room")
        elif isinstance(station, ProcessingStation):
            for machine in station.machines:
                if machine.state == BLOCKED:
                    v.check(_would_block(station.destination),
                            f"{at} {name}[{machine.index}]: blocked although downstream has room")
                if isinstance(buffer, BatchBuffer):
                    if machine.state in (STARVED, WAITING_BATCH):
                        v.check(buffer.waiting_lots() < buffer.batch_min and buffer.new_lot is None,
                                f"{at} {name}[{machine.index}]: waits with {buffer.waiting_lots()} lots queued "
                                f"(batch min {buffer.batch_min})")
                elif machine.state == STARVED:
                    v.check(buffer.waiting_lots() == 0 and not upstream_blocked and buffer.new_lot is None,
                            f"{at} {name}[{machine.index}]: starved while {buffer.waiting_lots()} lots wait "
                            f"({len(buffer.putters)} blocked upstream)")


class InvariantProbe:
    """Attached to a run by the engine's observer hook: samples `check_state` PROBES times at
    off-grid instants and, at the end, checks every buffer's peak against its capacity."""

    def __init__(self, end_s: float) -> None:
        self.end_s = end_s
        self.violations = Violations()

    def attach(self, model: Model) -> None:
        for station in model.stations.values():
            buffer: Buffer = station.buffer
            peak = PeakFifo()  # a CONWIP loop may already have queued lots at build
            for lot in buffer.items:
                peak.append(lot)
            buffer.items = peak
        model.env.process(self._probe(model, self.end_s / PROBES))

    def _probe(self, model: Model, every_s: float):
        yield model.env.timeout(OFFSET)
        while True:
            check_state(model, self.violations)
            yield model.env.timeout(every_s)

    def finish(self, model: Model) -> None:
        for name, station in model.stations.items():
            buffer = station.buffer
            self.violations.check(buffer.items.peak <= buffer.capacity,
                                  f"{name}: buffer peaked at {buffer.items.peak} lots, capacity {buffer.capacity}")


def run_probed(scenario: Scenario, replication: int) -> tuple[Model, Violations]:
    """The engine's run of a replication, with the invariant probe attached."""
    probe = InvariantProbe(scenario.run.warmup + scenario.run.length)
    model, _ = simulate(scenario, replication, observers=[probe])
    return model, probe.violations

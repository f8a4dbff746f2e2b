"""Sources: where lots enter the line (saturated supply, timed arrivals, or a CONWIP loop)."""

from __future__ import annotations

from typing import Generator

from simpy import Environment, Event

from stations.base import Buffer, Lot, ReleasePolicy
from twin.rng import Streams
from twin.scenario import SourceSpec


def start_source(env: Environment, spec: SourceSpec, target: Buffer, cells_per_lot: int, streams: Streams) -> None:
    """Attach the release rule of `spec` to the buffer of the station it feeds."""
    if spec.release == "saturated":
        target.new_lot = lambda: Lot(cells_per_lot)
    elif spec.interarrival is not None:
        sampler = spec.interarrival.sampler(streams.generator(spec.name, "arrival"))
        env.process(_arrivals(env, target, cells_per_lot, sampler, spec.max_lots))
    else:
        ConwipLoop(target, cells_per_lot, spec.conwip or 0)


def _arrivals(env: Environment, target: Buffer, cells_per_lot: int, sampler, max_lots) -> Generator[Event, None, None]:
    """Timed releases; a full first buffer holds the source back (it is blocked, not losing lots)."""
    released = 0
    while max_lots is None or released < max_lots:
        yield env.timeout(sampler.draw())
        lot = Lot(cells_per_lot)
        if not target.try_put(lot):
            yield target.put_event(lot)
        released += 1


class ConwipLoop(ReleasePolicy):
    """Keeps `lots` lots of this source in the line: each one leaving releases a new one."""

    def __init__(self, target: Buffer, cells_per_lot: int, lots: int) -> None:
        self.target = target
        self.cells_per_lot = cells_per_lot
        for _ in range(lots):
            self._release()

    def _release(self) -> None:
        lot = Lot(self.cells_per_lot, self)
        if not self.target.try_put(lot):
            self.target.put_event(lot)  # accepted as soon as a slot frees; nobody needs to wait on it

    def lot_left(self, lot: Lot) -> None:
        self._release()

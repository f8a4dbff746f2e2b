"""Sources: where lots enter the line (saturated supply, timed arrivals, or a CONWIP loop), and
which product or material each released lot carries (fixed, a random mix, or a campaign)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Callable, Generator, Optional

import numpy as np
from simpy import Event

from stations.base import Buffer, Lot
from stations.lot import ReleasePolicy
from stations.events import timeout
from stations.process import StationProcess
from stations.draws import BlockDraws
from twin.spec.rng import Streams
from twin.spec.scenario import SourceSpec

if TYPE_CHECKING:
    from stations.event_queue import TwinEnvironment  # annotations only


class LotMaker:
    """Makes the next lot of a source: its item (product or material) and size."""

    def __init__(self, spec: SourceSpec, item_index: dict[str, int], lot_units: list[int], streams: Streams) -> None:
        self.source: Optional[ReleasePolicy] = None
        if spec.material is not None:
            item = item_index[spec.material]
            self._next_item: Callable[[], int] = lambda: item
        elif spec.mix is not None:
            names = sorted(spec.mix)  # not the file's key order: results must not depend on it
            cumulative = np.cumsum([spec.mix[n] for n in names]) / sum(spec.mix.values())
            items = [item_index[n] for n in names]
            uniform = BlockDraws(streams.generator(spec.name, "routing").random)
            self._next_item = lambda: items[min(int(np.searchsorted(cumulative, uniform.draw(), side="right")), len(items) - 1)]
        elif spec.campaign is not None:
            sequence = itertools.cycle([item_index[step.product] for step in spec.campaign for _ in range(step.lots)])
            self._next_item = lambda: next(sequence)
        else:
            item = item_index[spec.product] if spec.product else 0
            self._next_item = lambda: item
        self.lot_units = lot_units

    def __call__(self) -> Lot:
        item = self._next_item()
        return Lot(self.lot_units[item], item, self.source)


def start_source(
    env: TwinEnvironment, spec: SourceSpec, target: Buffer, make: LotMaker, streams: Streams
) -> None:
    """Attach the release rule of `spec` to the buffer of the station it feeds."""
    if spec.release == "saturated":
        target.new_lot = make
    elif spec.interarrival is not None:
        sampler = spec.interarrival.sampler(streams.generator(spec.name, "arrival"))
        StationProcess(env, _arrivals(env, target, make, sampler, spec.max_lots))
    else:
        ConwipLoop(target, make, spec.conwip or 0)


def _arrivals(env: TwinEnvironment, target: Buffer, make: LotMaker, sampler, max_lots) -> Generator[Event, None, None]:
    """Timed releases; a full first buffer holds the source back (it is blocked, not losing lots)."""
    released = 0
    while max_lots is None or released < max_lots:
        yield timeout(env, sampler.draw())
        lot = make()
        if not target.try_put(lot):
            yield target.put_event(lot)
        released += 1


class ConwipLoop(ReleasePolicy):
    """Keeps `lots` lots of this source in the line: each one leaving releases a new one."""

    def __init__(self, target: Buffer, make: LotMaker, lots: int) -> None:
        self.target = target
        self.make = make
        make.source = self
        for _ in range(lots):
            self._release()

    def _release(self) -> None:
        lot = self.make()
        if not self.target.try_put(lot):
            self.target.put_event(lot)  # accepted as soon as a slot frees; nobody needs to wait on it

    def lot_left(self, lot: Lot) -> None:
        self._release()

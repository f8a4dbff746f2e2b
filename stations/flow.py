"""Where a finished lot goes and in what shape: routing by shares, regrouping into full lots, Q-times.

- `Router`: a lot's next station drawn by shares (`next: {ocv_ok: 0.97, retest: 0.03}`), one
  uniform draw per lot from the station's own stream, so the shares are met as a binomial.
- `Regrouper`: cells leaving a station are packed into full lots of `size` (one product per lot,
  `regroup: 256`). A partial lot waits at the station (its cells stay in the station's WIP) until
  it fills, or until a lot of another product arrives (a product switch ends a campaign), which
  releases it as it is. Merged lots carry the cell-weighted mean of their cells' release and
  count times, so lead times and Little's identity are unchanged by the packing.
- `Expiry`: what a buffer does with a lot that waited longer than the station's `max_wait`
  (scrap it, counted as `expired_cells`, or send it to the `on_expiry` station).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np

from stations.base import Lot
from stations.lot import make_lot
from stations.draws import BlockDraws

if TYPE_CHECKING:
    from stations.base import Buffer
    from stations.monitors import LineMonitor, StationMonitor


class Router:
    """Chooses each lot's destination with probability `shares[i]` (shares sum to 1)."""

    def __init__(self, targets: list, shares: list[float], generator: np.random.Generator) -> None:
        self.targets = targets
        self.cumulative = (np.cumsum(shares) / sum(shares)).tolist()  # Python floats: compared per lot
        self.uniform = BlockDraws(generator.random)
        self.counts = [0] * len(targets)  # lots sent to each target

    def choose(self):
        u = self.uniform.draw()
        for index, edge in enumerate(self.cumulative):
            if u < edge:
                break
        else:
            index = len(self.targets) - 1
        self.counts[index] += 1
        return self.targets[index]


class Regrouper:
    """Packs a station's finished cells into full lots of `size` per product."""

    def __init__(self, size: int, line: "LineMonitor") -> None:
        self.size = size
        self.line = line
        self.pools: dict[int, list[Lot]] = {}
        self.cells: dict[int, int] = {}
        self.partial_lots = 0  # lots released before they filled (product switches)
        self.partial_cells = 0

    def waiting_cells(self) -> int:
        return sum(self.cells.values())

    def add(self, lot: Lot) -> list[Lot]:
        """Take in a finished lot; the lots that leave now: full lots of its product, and the partial
        lots of any other product (the product changed)."""
        leaving: list[Lot] = []
        for item in [i for i, cells in self.cells.items() if cells and i != lot.item]:
            self.partial_lots += 1
            self.partial_cells += self.cells[item]
            leaving.append(self._pack(item, self.cells[item]))
        if not self.line.is_cells[lot.item]:  # materials (rolls) are not packed
            return [*leaving, lot]
        self.pools.setdefault(lot.item, []).append(lot)
        self.cells[lot.item] = self.cells.get(lot.item, 0) + lot.cells
        while self.cells[lot.item] >= self.size:
            leaving.append(self._pack(lot.item, self.size))
        return leaving

    def _pack(self, item: int, cells: int) -> Lot:
        """A lot of `cells` cells taken from the pool's oldest lots (a lot emptied by it is gone: its
        source is told, so a CONWIP loop closes at this station)."""
        pool = self.pools[item]
        taken = 0
        released = counted = 0.0
        while taken < cells:
            first = pool[0]
            n = min(first.cells, cells - taken)
            released += n * first.released_at
            counted += n * first.counted_at
            taken += n
            first.cells -= n
            if first.cells == 0:
                del pool[0]
                if first.source is not None:
                    first.source.lot_left(first)
        self.cells[item] -= cells
        packed = make_lot(cells, item, None)
        packed.released_at = released / cells
        packed.counted_at = counted / cells
        return packed


class Expiry:
    """A lot that waited longer than its item's `max_wait_s` for its station: scrapped, or sent to `target`."""

    def __init__(self, max_wait_s: list[float], monitor: "StationMonitor", line: "LineMonitor",
                 target: Optional["Buffer"] = None) -> None:
        self.max_wait_s = max_wait_s  # per item (products by_product, materials the station's own)
        self.one_limit = len(set(max_wait_s)) <= 1
        self.monitor = monitor
        self.line = line
        self.target = target

    def expired(self, lot: Lot, now: float) -> bool:
        return now - lot.queued_at > self.max_wait_s[lot.item]

    def handle(self, lot: Lot, now: float) -> None:
        if self.target is None:
            self.monitor.expire(lot.cells, now)
            self.line.scrap(lot, lot.cells, now)
            if lot.source is not None:
                lot.source.lot_left(lot)
            return
        self.monitor.depart(lot.cells, now)
        target = self.target
        if not target.try_put(lot):
            target.put_event(lot)  # accepted when a slot frees; nothing waits on it



class Grader:
    """Sorts the cells of a finished lot into grades (multinomial with the grade shares): the lot
    leaves as one lot per grade, each carrying its grade to the line's end (`kpis.grades`)."""

    def __init__(self, shares: dict[str, float], line: "LineMonitor", generator: np.random.Generator) -> None:
        self.line = line
        self.grades = [line.grades.index(name) for name in shares]
        total = sum(shares.values())
        self.p = np.asarray([share / total for share in shares.values()])
        self.generator = generator

    def sort(self, lot: Lot) -> list[Lot]:
        if not self.line.is_cells[lot.item]:
            return [lot]
        counts = self.generator.multinomial(lot.cells, self.p).tolist()  # Python ints: cheaper to loop over
        pieces: list[Lot] = []
        for grade, cells in zip(self.grades, counts):
            if cells == 0:
                continue
            piece = make_lot(cells, lot.item, None if pieces else lot.source)
            piece.released_at, piece.counted_at, piece.grade = lot.released_at, lot.counted_at, grade
            pieces.append(piece)
        return pieces

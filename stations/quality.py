"""Per-lot random decisions after processing: how many cells are scrapped, whether a lot is reworked.

Scrap is binomial over the lot's cells (a lot of one cell is a Bernoulli trial), drawn in blocks per
lot size because lots shrink as they flow and a numpy call per lot would be slow.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from stations.draws import BlockDraws


class Scrap:
    """Bad cells in a processed lot, each cell good with probability `yield_`."""

    def __init__(self, yield_: float, generator: np.random.Generator) -> None:
        self.p_bad = 1.0 - yield_
        self.generator = generator
        self.by_size: dict[int, BlockDraws] = {}

    def bad_cells(self, cells: int) -> int:
        if self.p_bad <= 0.0:
            return 0
        sampler = self.by_size.get(cells)
        if sampler is None:  # blocks of binomial(cells, p_bad) draws (a partial: a cpdef method holds no closure)
            sampler = BlockDraws(partial(self.generator.binomial, cells, self.p_bad))
            self.by_size[cells] = sampler
        return sampler.draw()


def scrap_bad_cells(scrap: "Scrap | None", lot, monitor, line, now: float) -> bool:
    """Remove a processed lot's bad cells from the lot, its station and the line; False if the
    whole lot was scrapped (its source is told, so a CONWIP loop releases a new one)."""
    if scrap is None:
        return True
    bad = scrap.bad_cells(lot.cells)  # a C call (a ramp's RampedScrap is a Scrap too)
    if bad:
        lot.cells -= bad
        monitor.scrap(bad, now)
        if monitor.events is not None:
            monitor.events.lot(monitor.name, lot, "scrap", now, cells=bad)
        line.scrap(lot, bad, now)
        if lot.cells == 0:
            if lot.source is not None:
                lot.source.lot_left(lot)
            return False
    return True


class Rework:
    """Whether a finished lot goes back for rework, with probability `fraction`."""

    def __init__(self, fraction: float, generator: np.random.Generator) -> None:
        self.fraction = fraction
        self.uniform = BlockDraws(generator.random)

    def chosen(self) -> bool:
        return self.uniform.draw() < self.fraction

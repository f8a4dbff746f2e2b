"""Per-lot random decisions after processing: how many cells are scrapped, whether a lot is reworked.

Scrap is binomial over the lot's cells (a lot of one cell is a Bernoulli trial), drawn in blocks per
lot size because lots shrink as they flow and a numpy call per lot would be slow.
"""

from __future__ import annotations

import numpy as np

from twin.distributions import BLOCK_SIZE, BlockSampler


class Scrap:
    """Bad cells in a processed lot, each cell good with probability `yield_`."""

    def __init__(self, yield_: float, generator: np.random.Generator) -> None:
        self.p_bad = 1.0 - yield_
        self.generator = generator
        self.by_size: dict[int, BlockSampler] = {}

    def bad_cells(self, cells: int) -> int:
        if self.p_bad <= 0.0:
            return 0
        sampler = self.by_size.get(cells)
        if sampler is None:
            p, gen = self.p_bad, self.generator
            sampler = BlockSampler(lambda size, n=cells: gen.binomial(n, p, size))
            self.by_size[cells] = sampler
        return sampler.draw()


class Rework:
    """Whether a finished lot goes back for rework, with probability `fraction`."""

    def __init__(self, fraction: float, generator: np.random.Generator) -> None:
        self.fraction = fraction
        self.uniform = BlockSampler(lambda size: generator.random(size))

    def chosen(self) -> bool:
        return self.uniform.draw() < self.fraction


__all__ = ["Scrap", "Rework", "BLOCK_SIZE"]

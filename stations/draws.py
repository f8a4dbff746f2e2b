"""Random values read in C (issue 15): a sampler's stream in blocks, with no Python call per value.

A `twin.spec.distributions.BlockSampler` hands out its values through a generator's `__next__`, a
Python-level call for every cycle time, scrap count and routing draw. `BlockDraws` reads the same
stream in the same blocks of BLOCK_SIZE, filled at the same moments (when the first value of a block
is wanted), so every value and every state of the numpy stream is as before; compiled, `draw` is a C
call from the station that holds it typed.
"""

from __future__ import annotations

from typing import Callable

from twin.spec.distributions import BLOCK_SIZE, BlockSampler


class BlockDraws:
    """The values `fill(BLOCK_SIZE)` makes, one block after another, one per `draw`."""

    __slots__ = ("fill", "block", "next_index")

    def __init__(self, fill: Callable) -> None:
        self.fill = fill
        self.block: list = []
        self.next_index = 0

    def draw(self):
        if self.next_index == len(self.block):
            self.block = self.fill(BLOCK_SIZE).tolist()
            self.next_index = 0
        value = self.block[self.next_index]
        self.next_index += 1
        return value


def read_in_c(sampler):
    """`sampler`'s draws as a `BlockDraws` when it is a block sampler (which must not be drawn from
    afterwards: the stream has one reader), else `sampler` itself (a constant, a ramp's wrapper)."""
    return BlockDraws(sampler.fill) if type(sampler) is BlockSampler else sampler

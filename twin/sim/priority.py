"""Queues that serve some lines first: the `priority:` option of a plant's shared station.

A shared station takes its lots first come, first served by default. With `priority: [power,
cylindrical]` the next lot it takes is the longest-waiting lot of the first line listed that has one
waiting, then of the next (non-preemptive: a lot in process is never interrupted; reworked lots still
go first). Only the choice among waiting lots changes, so these are the plain buffers with another
`_take_waiting`.
"""

from __future__ import annotations

from typing import Optional

from stations.base import BatchBuffer, Buffer, Lot


class _ByRank:
    """`_take_waiting` by the rank of each lot's item (lower first; FIFO within a rank)."""

    __slots__ = ()

    def _take_waiting(self) -> Optional[Lot]:
        while True:
            if self.rework:  # type: ignore[attr-defined]
                lot = self.rework.popleft()  # type: ignore[attr-defined]
            elif self.items:  # type: ignore[attr-defined]
                items, rank = self.items, self.rank  # type: ignore[attr-defined]
                best = min(range(len(items)), key=lambda i: (rank[items[i].item], i))
                lot = items[best]
                del items[best]
            else:
                return None
            self._left_queue(lot)  # type: ignore[attr-defined]
            now = self.env.now  # type: ignore[attr-defined]
            if self.expiry is None or not self.expiry.expired(lot, now):  # type: ignore[attr-defined]
                return lot
            self.expiry.handle(lot, now)  # type: ignore[attr-defined]


class PriorityBuffer(_ByRank, Buffer):
    __slots__ = ("rank",)


class PriorityBatchBuffer(_ByRank, BatchBuffer):
    __slots__ = ("rank",)


def ranks(lines_in_order: list[str], items_of_line: dict[str, list[str]], item_index: dict[str, int]) -> list[int]:
    """Rank of every item: its line's position in the priority list (lines not listed come last)."""
    rank = [len(lines_in_order)] * len(item_index)
    for position, line in enumerate(lines_in_order):
        for name in items_of_line.get(line, ()):
            if name in item_index:
                rank[item_index[name]] = position
    return rank

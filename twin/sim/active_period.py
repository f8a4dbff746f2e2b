"""Roser's active period method: which station is the bottleneck at each instant, sole or shifting.

A station is active while none of its machines waits for work or for room downstream. At each
instant the bottleneck is the active station whose current active period (the whole period, not
the elapsed part) is the longest. Where the periods of the old and the new bottleneck overlap, the
bottleneck is shifting between them; elsewhere it is sole. Vectorised with numpy because a year of
a line has millions of periods.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BottleneckShares:
    sole: np.ndarray  # fraction of the window each station is the sole bottleneck
    shifting: np.ndarray  # fraction of the window each station shares a shifting bottleneck


def active_period_shares(
    periods: list[tuple[np.ndarray, np.ndarray]], start: float, end: float
) -> BottleneckShares:
    """`periods[k]` = (starts, ends) of station k's active periods within [start, end]: disjoint, in order."""
    k = len(periods)
    window = end - start
    if window <= 0 or k == 0:
        return BottleneckShares(np.zeros(k), np.zeros(k))
    starts = [np.asarray(p[0], dtype=float) for p in periods]
    ends = [np.asarray(p[1], dtype=float) for p in periods]
    offsets = np.cumsum([0] + [len(s) for s in starts])
    all_starts, all_ends = np.concatenate(starts + [np.empty(0)]), np.concatenate(ends + [np.empty(0)])
    breaks = np.unique(np.concatenate([[start, end], all_starts, all_ends]))
    breaks = breaks[(breaks >= start) & (breaks <= end)]
    lengths = np.diff(breaks)
    mids = breaks[:-1] + lengths / 2

    bottleneck, period = longest_covering(starts, ends, offsets, mids)

    # a change of bottleneck station between adjacent intervals is a shift; the overlap of the
    # two periods involved is the shifting time of both stations
    change = np.flatnonzero(np.diff(period) != 0) + 1
    a, b = bottleneck[change - 1], bottleneck[change]
    pa, pb = period[change - 1], period[change]
    real = (a >= 0) & (b >= 0) & (a != b)
    a, b, pa, pb = a[real], b[real], pa[real], pb[real]
    overlap_lo = np.maximum(np.maximum(all_starts[pa], all_starts[pb]), start)
    overlap_hi = np.minimum(np.minimum(all_ends[pa], all_ends[pb]), end)
    keep = overlap_hi > overlap_lo
    first = np.searchsorted(breaks, overlap_lo[keep])
    last = np.searchsorted(breaks, overlap_hi[keep])
    involved = (a[keep], b[keep])
    sole, shifting = np.zeros(k), np.zeros(k)
    for station in range(k):
        opens = np.concatenate([first[side == station] for side in involved])
        closes = np.concatenate([last[side == station] for side in involved])
        depth = np.cumsum(np.bincount(opens, minlength=len(mids) + 1) - np.bincount(closes, minlength=len(mids) + 1))
        in_shift = depth[:-1] > 0
        sole[station] = lengths[(bottleneck == station) & ~in_shift].sum() / window
        shifting[station] = lengths[in_shift].sum() / window
    return BottleneckShares(sole, shifting)


def longest_covering(starts: list[np.ndarray], ends: list[np.ndarray], offsets: np.ndarray, mids: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The bottleneck of each elementary interval, and which period (global index: `offsets[station]`
    plus its place) makes it so: the longest period covering the interval's midpoint (start <= mid <
    end), the first station on a tie; -1 where no station is active.

    A station's periods are disjoint and in order, so period j covers the run of midpoints from the
    first at or after its start to the last before its end: two binary searches per period into the
    midpoints, not one per midpoint and station into the periods."""
    bottleneck = np.full(len(mids), -1, dtype=np.int32)
    period = np.full(len(mids), -1, dtype=np.int64)
    best = np.full(len(mids), -1.0)
    for station in range(len(starts)):
        first = np.searchsorted(mids, starts[station], side="left")
        count = np.searchsorted(mids, ends[station], side="left") - first
        covering = np.flatnonzero(count > 0)
        if not len(covering):
            continue
        count = count[covering]
        owner = np.repeat(covering, count)  # the period covering each interval below, by position
        interval = np.repeat(first[covering] - np.cumsum(count) + count, count) + np.arange(count.sum())
        duration = ends[station][owner] - starts[station][owner]
        longer = duration > best[interval]
        interval = interval[longer]
        best[interval] = duration[longer]
        bottleneck[interval] = station
        period[interval] = offsets[station] + owner[longer]
    return bottleneck, period

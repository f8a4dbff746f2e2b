"""Shift calendars at run time: the on-shift intervals of the whole run, and questions about them.

The spec (twin.spec.scenario.CalendarSpec) is expanded once into sorted, merged on-intervals over the
run's horizon, so the engine's questions ("on now?", "when does this shift end?", "when is the
next start?") are binary searches.
"""

from __future__ import annotations

import bisect
import math

SECONDS_PER_DAY = 86400.0


class ShiftCalendar:
    def __init__(self, intervals: list[tuple[float, float]], finish_lot: bool = False) -> None:
        merged: list[list[float]] = []
        for start, end in sorted(intervals):
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]
        self.finish_lot = finish_lot
        self._on_from, self._on_until = math.inf, -math.inf  # the on-interval last asked about

    def _index(self, t: float) -> int:
        """Index of the last interval starting at or before t (-1 if none)."""
        return bisect.bisect_right(self.starts, t) - 1

    def _on_interval(self, t: float) -> bool:
        """Whether t is on shift; remembers its interval, since the next questions are about nearby times."""
        i = self._index(t)
        if i >= 0 and t < self.ends[i]:
            self._on_from, self._on_until = self.starts[i], self.ends[i]
            return True
        return False

    def is_on(self, t: float) -> bool:
        return self._on_from <= t < self._on_until or self._on_interval(t)

    def shift_end(self, t: float) -> float:
        """End of the on-interval containing t (t itself if off)."""
        if self._on_from <= t < self._on_until or self._on_interval(t):
            return self._on_until
        return t

    def next_on(self, t: float) -> float:
        """Start of the next on-interval at or after t (t if on now; inf if none)."""
        if self.is_on(t):
            return t
        i = bisect.bisect_right(self.starts, t)
        return self.starts[i] if i < len(self.starts) else math.inf

    def on_seconds(self, a: float, b: float) -> float:
        """On-shift seconds within [a, b]."""
        total = 0.0
        for start, end in zip(self.starts, self.ends):
            if end <= a:
                continue
            if start >= b:
                break
            total += min(end, b) - max(start, a)
        return total


def weekly_intervals(
    horizon_s: float,
    shifts_per_day: int,
    shift_length_s: float,
    first_shift_start_s: float,
    days_per_week: int,
    breaks: list[tuple[float, float]],
) -> list[tuple[float, float]]:
    """On-intervals of a weekly shift pattern (the run starts on a Monday at 00:00; Sunday's night
    shift, if any, runs into it)."""
    intervals = []
    days = int(math.ceil(horizon_s / SECONDS_PER_DAY)) + 1
    for day in range(-1, days):
        if day % 7 >= days_per_week:
            continue
        for shift in range(shifts_per_day):
            start = day * SECONDS_PER_DAY + first_shift_start_s + shift * shift_length_s
            pieces = [(start, start + shift_length_s)]
            for offset, length in breaks:
                pieces = subtract(pieces, [(start + offset, start + offset + length)])
            intervals.extend((max(a, 0.0), b) for a, b in pieces if b > 0)
    return intervals


def subtract(intervals: list[tuple[float, float]], holes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of `intervals` outside every hole."""
    result = list(intervals)
    for hole_start, hole_end in holes:
        cut = []
        for start, end in result:
            if hole_end <= start or hole_start >= end:
                cut.append((start, end))
                continue
            if start < hole_start:
                cut.append((start, hole_start))
            if hole_end < end:
                cut.append((hole_end, end))
        result = cut
    return result

"""Monitors: counters, time-weighted levels and active periods, recorded while the model runs.

They are cheap to update (a few float operations per event) and know nothing of KPIs: twin.kpis
turns a finished monitor into numbers. Counters are cumulative from time zero; the warm-up
truncation takes a baseline snapshot rather than zeroing them, so identities such as
"released = good + scrapped + in system" stay checkable over the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Level:
    """A time-weighted level (cells in a station, lots in a queue): value and its integral."""

    __slots__ = ("value", "area", "since")

    def __init__(self) -> None:
        self.value = 0.0
        self.area = 0.0
        self.since = 0.0

    def add(self, delta: float, now: float) -> None:
        self.area += self.value * (now - self.since)
        self.since = now
        self.value += delta

    def area_until(self, now: float) -> float:
        return self.area + self.value * (now - self.since)


class LineMonitor:
    """Cells released, good, scrapped and in the system, for the whole line."""

    def __init__(self) -> None:
        self.released = 0
        self.good = 0
        self.scrapped = 0
        self.wip = Level()
        self.good_lead_time_s = 0.0  # sum over good cells of (exit - release)
        self.departed_cell_s = 0.0  # sum over departed cells (good or scrapped) of time inside
        self.release_time_sum = 0.0  # sum over cells inside of their release time (for Little's identity)
        self.baseline = LineSnapshot()

    def release(self, lot, now: float) -> None:
        self.released += lot.cells
        self.wip.add(lot.cells, now)
        self.release_time_sum += lot.cells * now

    def scrap(self, lot, cells: int, now: float) -> None:
        self.scrapped += cells
        self.wip.add(-cells, now)
        self.departed_cell_s += cells * (now - lot.released_at)
        self.release_time_sum -= cells * lot.released_at

    def exit(self, lot, now: float) -> None:
        cells = lot.cells
        self.good += cells
        self.wip.add(-cells, now)
        inside = cells * (now - lot.released_at)
        self.good_lead_time_s += inside
        self.departed_cell_s += inside
        self.release_time_sum -= cells * lot.released_at

    def snapshot(self, now: float) -> "LineSnapshot":
        return LineSnapshot(
            time=now, released=self.released, good=self.good, scrapped=self.scrapped,
            wip_area=self.wip.area_until(now), good_lead_time_s=self.good_lead_time_s,
        )

    def reset(self, now: float) -> None:
        self.baseline = self.snapshot(now)


@dataclass(frozen=True)
class LineSnapshot:
    time: float = 0.0
    released: int = 0
    good: int = 0
    scrapped: int = 0
    wip_area: float = 0.0
    good_lead_time_s: float = 0.0


class StationMonitor:
    """Flows, levels and active periods of one station."""

    def __init__(self, name: str, machines: int) -> None:
        self.name = name
        self.cells_in = 0
        self.cells_out = 0
        self.lots_out = 0
        self.scrapped = 0
        self.processed_cells = 0  # cells whose processing finished (good or bad)
        self.ideal_work_s = 0.0  # ideal (mean) processing time of the work done, for OEE performance
        self.failures = 0
        self.wip = Level()  # cells at the station: queue, in process, finished but blocked
        self.queue = Level()  # cells waiting in the buffer
        self.wait_cell_s = 0.0
        self.waited_cells = 0
        self.baseline = StationSnapshot()
        # active periods: the station is active while none of its machines is idle
        self.idle_machines = machines
        self.active_since: float | None = None if machines else 0.0
        self.period_starts: list[float] = []
        self.period_ends: list[float] = []

    # flows ---------------------------------------------------------------------------------
    def arrive(self, cells: int, now: float, queued: bool) -> None:
        self.cells_in += cells
        self.wip.add(cells, now)
        if queued:
            self.queue.add(cells, now)
        else:
            self.waited_cells += cells

    def leave_queue(self, lot, now: float) -> None:
        cells = lot.cells
        self.queue.add(-cells, now)
        self.wait_cell_s += cells * (now - lot.queued_at)
        self.waited_cells += cells

    def scrap(self, cells: int, now: float) -> None:
        self.scrapped += cells
        self.wip.add(-cells, now)

    def depart(self, cells: int, now: float) -> None:
        self.cells_out += cells
        self.lots_out += 1
        self.wip.add(-cells, now)

    # active periods ------------------------------------------------------------------------
    def machine_idle_changed(self, idle: bool, now: float) -> None:
        if idle:
            if self.idle_machines == 0 and self.active_since is not None:
                if now > self.active_since:
                    self.period_starts.append(self.active_since)
                    self.period_ends.append(now)
                self.active_since = None
            self.idle_machines += 1
        else:
            self.idle_machines -= 1
            if self.idle_machines == 0:
                self.active_since = now

    def active_periods(self, now: float) -> tuple[list[float], list[float]]:
        """The active periods since the reset, the open one closed at `now`."""
        starts, ends = list(self.period_starts), list(self.period_ends)
        if self.active_since is not None and now > self.active_since:
            starts.append(self.active_since)
            ends.append(now)
        return starts, ends

    # statistics window ---------------------------------------------------------------------
    def snapshot(self, now: float) -> "StationSnapshot":
        return StationSnapshot(
            cells_in=self.cells_in, cells_out=self.cells_out, lots_out=self.lots_out,
            scrapped=self.scrapped, processed_cells=self.processed_cells, ideal_work_s=self.ideal_work_s,
            failures=self.failures, wip_area=self.wip.area_until(now), queue_area=self.queue.area_until(now),
            wait_cell_s=self.wait_cell_s, waited_cells=self.waited_cells,
        )

    def reset(self, now: float) -> None:
        self.baseline = self.snapshot(now)
        self.period_starts, self.period_ends = [], []
        if self.active_since is not None:
            self.active_since = now


@dataclass(frozen=True)
class StationSnapshot:
    cells_in: int = 0
    cells_out: int = 0
    lots_out: int = 0
    scrapped: int = 0
    processed_cells: int = 0
    ideal_work_s: float = 0.0
    failures: int = 0
    wip_area: float = 0.0
    queue_area: float = 0.0
    wait_cell_s: float = 0.0
    waited_cells: int = 0

    def minus(self, other: "StationSnapshot") -> "StationSnapshot":
        return StationSnapshot(**{k: getattr(self, k) - getattr(other, k) for k in self.__dataclass_fields__})


@dataclass
class Series:
    """Cumulative line counters sampled at regular times (for plots and warm-up detection)."""

    times_s: list[float] = field(default_factory=list)
    good: list[int] = field(default_factory=list)
    wip_area: list[float] = field(default_factory=list)
    wip: list[float] = field(default_factory=list)

"""Monitors: counters, time-weighted levels and active periods, recorded while the model runs.

They are cheap to update (a few float operations per event) and know nothing of KPIs: twin.sim.kpis
turns a finished monitor into numbers. Counters are cumulative from time zero; the warm-up
truncation takes a baseline snapshot rather than zeroing them, so identities such as
"released = good + scrapped + in system" stay checkable over the whole run.
"""

from __future__ import annotations

from array import array
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


@dataclass(frozen=True)
class Item:
    """What a lot carries: cells of a product, or units of a material (an electrode roll)."""

    name: str
    is_cells: bool
    wh_per_cell: float = 0.0


class LineMonitor:
    """Units released, made, used, good, scrapped and inside the line, per item; cells for the KPIs.

    Each lot counts from the moment its units join the line (`counted_at`: release, or creation by
    an assembly) until they leave it (exit, scrap, or consumption by an assembly).
    """

    def __init__(self, items: list[Item], grades: tuple[str, ...] = ()) -> None:
        n = len(items)
        self.items = items
        self.is_cells = tuple(item.is_cells for item in items)  # per item: counted as cells (else a material)
        self.grades = grades  # grade names of the line's grading stations
        # per item (per grade) counts and sums as arrays of C numbers: compiled, each update is a C
        # addition with no Python number made (an index, a sum and a tuple of them read as a list's)
        self.good_by_grade = array("q", [0] * len(grades))
        self.released = array("q", [0] * n)
        self.created = array("q", [0] * n)
        self.consumed = array("q", [0] * n)
        self.good = array("q", [0] * n)
        self.scrapped = array("q", [0] * n)
        self.inside = array("q", [0] * n)
        self.wip = Level()  # product cells in the line
        self.good_lead_time_s = array("d", [0.0] * n)  # sum over good units of (exit - release)
        self.departed_cell_s = 0.0  # sum over cells that left of the time they were counted inside
        self.release_time_sum = 0.0  # sum over cells inside of their counted_at (for Little's identity)
        self.baseline = LineSnapshot()

    def _enter(self, lot, now: float) -> None:
        self.inside[lot.item] += lot.cells
        if self.is_cells[lot.item]:
            wip = self.wip  # Level.add written out: these run several times per lot
            wip.area += wip.value * (now - wip.since)
            wip.since = now
            wip.value += lot.cells
            cells, counted_at = lot.cells, lot.counted_at
            self.release_time_sum += cells * counted_at

    def _leave(self, lot, units: int, now: float) -> None:
        self.inside[lot.item] -= units
        if self.is_cells[lot.item]:
            wip = self.wip
            wip.area += wip.value * (now - wip.since)
            wip.since = now
            cells, counted_at = units, lot.counted_at
            wip.value += -cells
            self.departed_cell_s += cells * (now - counted_at)
            self.release_time_sum -= cells * counted_at

    def release(self, lot, now: float) -> None:
        self.released[lot.item] += lot.cells
        self._enter(lot, now)

    def create(self, lot, now: float) -> None:
        self.created[lot.item] += lot.cells
        self._enter(lot, now)

    def consume(self, lot, now: float) -> None:
        self.consumed[lot.item] += lot.cells
        self._leave(lot, lot.cells, now)

    def scrap(self, lot, units: int, now: float) -> None:
        self.scrapped[lot.item] += units
        self._leave(lot, units, now)

    def exit(self, lot, now: float) -> None:
        self.good[lot.item] += lot.cells
        if lot.grade >= 0:
            self.good_by_grade[lot.grade] += lot.cells
        self.good_lead_time_s[lot.item] += lot.cells * (now - lot.released_at)
        self._leave(lot, lot.cells, now)

    def cells(self, counts: tuple[int, ...] | list[int]) -> int:
        """Sum of `counts` over product items (cells), leaving materials out."""
        return sum(c for c, item in zip(counts, self.items) if item.is_cells)

    def snapshot(self, now: float) -> "LineSnapshot":
        return LineSnapshot(
            time=now, released=tuple(self.released), created=tuple(self.created), consumed=tuple(self.consumed),
            good=tuple(self.good), scrapped=tuple(self.scrapped), wip_area=self.wip.area_until(now),
            good_lead_time_s=tuple(self.good_lead_time_s), good_by_grade=tuple(self.good_by_grade),
        )

    def reset(self, now: float) -> None:
        self.baseline = self.snapshot(now)


@dataclass(frozen=True)
class LineSnapshot:
    time: float = 0.0
    released: tuple[int, ...] = ()
    created: tuple[int, ...] = ()
    consumed: tuple[int, ...] = ()
    good: tuple[int, ...] = ()
    scrapped: tuple[int, ...] = ()
    wip_area: float = 0.0
    good_lead_time_s: tuple[float, ...] = ()
    good_by_grade: tuple[int, ...] = ()

    def since(self, earlier: "LineSnapshot") -> "LineSnapshot":
        """Counts in the window from `earlier` to this snapshot."""
        def minus(a: tuple, b: tuple) -> tuple:
            return tuple(x - y for x, y in zip(a, b)) if b else a

        return LineSnapshot(
            time=self.time - earlier.time, released=minus(self.released, earlier.released),
            created=minus(self.created, earlier.created), consumed=minus(self.consumed, earlier.consumed),
            good=minus(self.good, earlier.good), scrapped=minus(self.scrapped, earlier.scrapped),
            wip_area=self.wip_area - earlier.wip_area,
            good_lead_time_s=minus(self.good_lead_time_s, earlier.good_lead_time_s),
            good_by_grade=minus(self.good_by_grade, earlier.good_by_grade),
        )


class StationMonitor:
    """Flows, levels and active periods of one station."""

    def __init__(self, name: str, machines: int) -> None:
        self.name = name
        self.events = None  # an event log's sink (`lot(station, lot, event, now, machine=None)`), or None
        self.cells_in = 0
        self.cells_out = 0
        self.lots_out = 0
        self.scrapped = 0
        self.expired = 0  # cells scrapped because their Q-time (max_wait) ran out before processing
        self.processed_cells = 0  # cells whose processing finished (good or bad)
        self.ideal_work_s = 0.0  # ideal (mean) processing time of the work done, for OEE performance
        self.failures = 0
        self.repair_wait_s = 0.0  # time failed machines waited for a technician
        self.consumed = 0  # units used up by this assembly station
        self.created = 0  # units this station made (assembly output, split pieces beyond the first)
        self.in_transit = 0  # cells that left on a conveyor (transfer_time) and have not arrived yet
        self.wip = Level()  # cells at the station: queue, in process, finished but blocked
        self.queue = Level()  # cells waiting in the buffer
        self.wait_cell_s = 0.0
        self.waited_cells = 0
        self.baseline = StationSnapshot()
        # active periods: the station is active while none of its machines is idle
        self.idle_machines = machines
        self.active_since: float | None = None if machines else 0.0
        self.period_starts = array("d")
        self.period_ends = array("d")

    # flows ---------------------------------------------------------------------------------
    def arrive(self, cells: int, now: float, queued: bool) -> None:
        self.cells_in += cells
        wip = self.wip  # Level.add written out: these run several times per lot
        wip.area += wip.value * (now - wip.since)
        wip.since = now
        wip.value += cells
        if queued:
            queue = self.queue
            queue.area += queue.value * (now - queue.since)
            queue.since = now
            queue.value += cells
        else:
            self.waited_cells += cells

    def make(self, cells: int, now: float) -> None:
        """Units made here (assembly output) join the station's stock."""
        self.created += cells
        self.wip.add(cells, now)

    def use_up(self, cells: int, now: float) -> None:
        """Units consumed here by an assembly leave the station's stock."""
        self.consumed += cells
        self.wip.add(-cells, now)

    def leave_queue(self, lot, now: float) -> None:
        cells = lot.cells
        queue = self.queue
        queue.area += queue.value * (now - queue.since)
        queue.since = now
        queue.value += -cells
        self.wait_cell_s += cells * (now - lot.queued_at)
        self.waited_cells += cells

    def scrap(self, cells: int, now: float) -> None:
        self.scrapped += cells
        self.wip.add(-cells, now)

    def expire(self, cells: int, now: float) -> None:
        self.expired += cells
        self.wip.add(-cells, now)

    def depart(self, cells: int, now: float) -> None:
        self.cells_out += cells
        self.lots_out += 1
        wip = self.wip
        wip.area += wip.value * (now - wip.since)
        wip.since = now
        wip.value += -cells

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
            scrapped=self.scrapped, expired=self.expired, processed_cells=self.processed_cells, ideal_work_s=self.ideal_work_s,
            failures=self.failures, repair_wait_s=self.repair_wait_s, consumed=self.consumed, created=self.created,
            wip_area=self.wip.area_until(now), queue_area=self.queue.area_until(now),
            wait_cell_s=self.wait_cell_s, waited_cells=self.waited_cells,
        )

    def reset(self, now: float) -> None:
        self.baseline = self.snapshot(now)
        self.period_starts, self.period_ends = array("d"), array("d")
        if self.active_since is not None:
            self.active_since = now


@dataclass(frozen=True)
class StationSnapshot:
    cells_in: int = 0
    cells_out: int = 0
    lots_out: int = 0
    scrapped: int = 0
    expired: int = 0
    processed_cells: int = 0
    ideal_work_s: float = 0.0
    failures: int = 0
    repair_wait_s: float = 0.0
    consumed: int = 0
    created: int = 0
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

"""Ramp-up at run time: a station's samplers wrapped with time- or volume-aware versions (issue 14).

A station with a `ramp:` or a `start:` is built as usual, then `apply_ramp` swaps its per-item cycle
time and scrap samplers and its machines' failure samplers for wrappers that read the ramp's curve
when they are drawn, and gives its machines a commissioning calendar. The station loops are not
touched, so a station without a ramp runs exactly the code and the numbers it ran before.

When each curve is read:
  speed   when a lot starts (its cycle time is divided by the speed then, for the whole lot);
  yield   when a lot finishes (the scrap draw): at that time (by: time), or at the lot's middle cell
          of the station's cumulative processed cells (by: cells);
  mtbf    when a time to failure is drawn (at the start and after each repair);
  mttr    when a repair starts.
With `by: cells` the volume is the cells whose processing finished at this station (StationMonitor's
processed_cells, good or bad): a lot counts once it is done, which for a station of one machine and
lots of one cell is the number of cells started before the lot.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

from stations.base import StationRuntime
from stations.calendar import ShiftCalendar
from stations.interruptions import MachineClock
from stations.processing import CycleTime
from stations.quality import Scrap
from stations.draws import BlockDraws
from twin.spec.ramp import Curve, RampSpec, is_constant, value_at
from twin.spec.rng import Streams


class CurveReader:
    """`value_at(curve, x)`, value for value, for a reader whose x mostly grows (the clock, a station's
    cumulative cells): it keeps the segment of its last read, so a read is two comparisons and the
    interpolation instead of a scan. The ramp is read several times per lot, on every ramped station."""

    __slots__ = ("xs", "vs", "segment")

    def __init__(self, curve: Curve) -> None:
        self.xs = [x for x, _ in curve]
        self.vs = [v for _, v in curve]
        self.segment = 1  # the index of the point that ends the segment of the last read

    def __call__(self, x: float) -> float:
        xs, vs = self.xs, self.vs
        if x <= xs[0]:
            return vs[0]
        if x >= xs[-1]:
            return vs[-1]
        i = self.segment
        if not (xs[i - 1] <= x < xs[i]):  # value_at's segment: the first whose end lies beyond x
            i = 1
            while not x < xs[i]:
                i += 1
            self.segment = i
        x0, v0 = xs[i - 1], vs[i - 1]
        return v0 + (vs[i] - v0) * (x - x0) / (xs[i] - x0)


class RampedCycleTime(CycleTime):
    """A cycle time divided by the speed the ramp gives when the lot starts; the ideal time (for OEE
    performance) stays the nominal one, so a slow start shows as a performance loss. A `CycleTime`
    (its draws are then C calls from the machine loop) that draws through its `base`."""

    def __init__(self, base, speed: Callable[[float], float], position: Callable[[int], float]) -> None:
        self.base = base
        self.speed = speed
        self.position = position
        self.mean_s = base.mean_s
        self.per_cell = base.per_cell

    def draw(self, cells: int) -> float:
        return self.base.draw(cells) / self.speed(self.position(0))

    def ideal_s(self, cells: int) -> float:
        return self.base.ideal_s(cells)


class RampedScrap(Scrap):
    """Bad cells of a finished lot with the yield the ramp gives at its finish (or middle cell): a
    `Scrap` (so the per-lot call is a C call) that draws with its own, changing probability.

    A lot of one cell is a Bernoulli trial drawn from a block of uniforms; a larger lot a binomial
    with this lot's own probability (one numpy call: the probability changes from lot to lot)."""

    def __init__(self, yield_at: Callable[[float], float], position: Callable[[int], float], generator) -> None:
        self.yield_at = yield_at
        self.position = position
        self.generator = generator
        self.uniform = BlockDraws(generator.random)

    def bad_cells(self, cells: int) -> int:
        p_bad = 1.0 - self.yield_at(self.position(cells))
        if p_bad <= 0.0:
            return 0
        if cells == 1:
            return 1 if self.uniform.draw() < p_bad else 0
        return int(self.generator.binomial(cells, p_bad))


class ScaledSampler:
    """A duration sampler whose draws are multiplied by the ramp's factor when drawn."""

    def __init__(self, base, factor: Callable[[], float]) -> None:
        self.base = base
        self.factor = factor

    def draw(self) -> float:
        return self.base.draw() * self.factor()


def commissioned(calendar: Optional[ShiftCalendar], start_s: float) -> ShiftCalendar:
    """The calendar with nothing on before `start_s` (round the clock after it if there was none)."""
    if calendar is None:
        return ShiftCalendar([(start_s, math.inf)])
    intervals = [(max(a, start_s), b) for a, b in zip(calendar.starts, calendar.ends) if b > start_s]
    return ShiftCalendar(intervals, calendar.finish_lot)


def apply_ramp(station: StationRuntime, spec, streams: Streams, start_s: Optional[float]) -> None:
    """Wrap `station`'s samplers with its `spec.ramp` and hold its machines off shift before `start_s`."""
    ramp: Optional[RampSpec] = spec.ramp
    env, monitor = station.env, station.monitor
    if ramp is not None:
        if ramp.by == "time":
            def position(cells: int) -> float:
                return env._now
        else:
            def position(cells: int) -> float:  # processed_cells already counts a finishing lot
                return monitor.processed_cells - cells / 2.0

        _wrap_yield(station, spec, ramp, position, streams)
        if ramp.speed is not None and not (is_constant(ramp.speed) and ramp.speed[0][1] == 1.0):
            curve = ramp.speed
            speed = CurveReader(curve)
            wrapped: dict[int, RampedCycleTime] = {}
            station.cycle_of = [  # type: ignore[attr-defined]
                wrapped.setdefault(id(c), RampedCycleTime(c, speed, position))
                for c in station.cycle_of  # type: ignore[attr-defined]
            ]
        for clock in getattr(station, "clocks", ()):
            if clock is not None and clock.breakdowns is not None:
                _wrap_failures(clock.breakdowns, ramp, position)
    if start_s:
        for i, machine in enumerate(getattr(station, "machines", ())):
            clock = station.clocks[i]  # type: ignore[attr-defined]
            calendar = commissioned(clock.calendar if clock else None, start_s)
            station.clocks[i] = MachineClock(env, machine, calendar, clock.breakdowns if clock else None)  # type: ignore[attr-defined]


def _wrap_yield(station, spec, ramp: RampSpec, position, streams: Streams) -> None:
    if ramp.yield_ is None and ramp.wright is None:
        return
    generator = streams.generator(spec.name, "quality")
    if ramp.wright is not None:
        wright, mature = ramp.wright, ramp.wright.mature_yield or spec.yield_
        yield_at: Callable[[float], float] = lambda x: wright.yield_at(x, mature)  # noqa: E731
        scrap = RampedScrap(yield_at, position, generator)
    elif is_constant(ramp.yield_):  # type: ignore[arg-type]
        value = ramp.yield_[0][1]  # type: ignore[index]
        scrap = Scrap(value, generator) if value < 1 else None  # exactly the plain parameter
    else:
        curve: Curve = ramp.yield_  # type: ignore[assignment]
        scrap = RampedScrap(CurveReader(curve), position, generator)
    station.scrap = scrap
    station.scrap_of = [scrap] * len(station.scrap_of)


def _wrap_failures(breakdowns, ramp: RampSpec, position) -> None:
    for name, attribute in (("mtbf", "ttf"), ("mttr", "ttr")):
        curve = getattr(ramp, name)
        if curve is None or (is_constant(curve) and curve[0][1] == 1.0):
            continue
        reader = CurveReader(curve)
        setattr(breakdowns, attribute, ScaledSampler(getattr(breakdowns, attribute),
                                                     lambda reader=reader: reader(position(0))))
        if name == "mtbf":  # the first time to failure was drawn when the machine was built
            breakdowns.ttf_left *= value_at(curve, position(0))
            breakdowns.next_at = breakdowns.env._now + breakdowns.ttf_left

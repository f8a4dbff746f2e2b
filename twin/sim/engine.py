"""Run one replication: build, warm up, reset statistics, run, collect. The only place env.run is called.

Observers attach from outside the behaviour they watch (desmod's probes): each is handed the built
model before the first event and the finished model after the last, so a test's invariant checks
or an event log never copy this run loop. An observer must draw no random numbers of the model's,
so an observed run is the same run.

The event loop is watched: a model that keeps processing events without simulated time moving (a
zero cycle time on a saturated line, a zero interarrival time) would otherwise never return, so
after ZERO_TIME_EVENTS events at one instant the run stops with a SimulationError naming the time
and what was scheduled. A line whose work-in-process grows past MAX_LOTS_IN_LINE cells' worth of
lots (a source releasing far faster than the line can take) stops the same way.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator, Protocol, Sequence

from simpy import Event

from twin.sim.kpis import replication_kpis
from twin.sim.periods import PeriodProbe
from twin.sim.build import Model, build
from twin.sim.errors import SimulationError  # noqa: F401  (raised here; callers may import it from here)
from stations.event_queue import TwinEnvironment
from stations.monitors import Series
from stations.process import step_events
from twin.sim.results import ReplicationResult
from twin.spec.rng import Streams
from twin.spec.scenario import Scenario

SERIES_POINTS = 200

ZERO_TIME_EVENTS = 1_000_000
"""Events processed without simulated time moving before the run is declared stuck in a loop."""

CHECK_EVERY_EVENTS = 100_000
"""How often (in events) the loop checks for progress and runaway work-in-process."""

MAX_LOTS_IN_LINE = 5_000_000
"""Lots inside the line at once; more means the release is unbounded (the engine would run out of memory)."""

GC_THRESHOLD_0 = 50_000
"""Allocations between two young-generation collections while the model runs (Python's default: 700)."""




class _Reached(Exception):
    """Raised by the stop marker's callback: every event before `until` has been processed."""


def _stop(_event: Event) -> None:
    raise _Reached


def _run_until(model: Model, until: float) -> None:
    """`env.run(until=until)`, processing the same events in the same order, with the guards above.

    A stop marker is scheduled at `until` ahead of every other event due then (priority -1 sorts
    before SimPy's URGENT 0), so the loop steps in chunks of CHECK_EVERY_EVENTS without peeking at
    the queue before each event: the events processed are exactly those due before `until`. The
    queue is never empty before the marker, so SimPy's EmptySchedule cannot arise; no process here
    stops the simulation, so neither can StopSimulation. The steps themselves are
    `stations.process.step_events`, compiled with the stations' loops it resumes.
    """
    env: TwinEnvironment = model.env
    if until <= env.now:
        env.run(until=until)  # SimPy's own error for a time not in the future
    marker = Event(env)
    marker._ok, marker._value = True, None  # a successful event: SimPy raises nothing for it
    marker.callbacks.append(_stop)
    env._queue.push(until, -1, next(env._eid), marker)  # at `until` exactly, before all due then
    same_time_events, last_now = 0, env.now
    with _collector_relaxed():
        try:
            while True:
                step_events(env, CHECK_EVERY_EVENTS, _crash)  # Environment.step, CHECK_EVERY_EVENTS times
                same_time_events = same_time_events + CHECK_EVERY_EVENTS if env.now == last_now else 0
                last_now = env.now
                if same_time_events >= ZERO_TIME_EVENTS:
                    raise SimulationError(_zero_time_message(model))
                if _waiting_lots(model) > MAX_LOTS_IN_LINE:
                    raise SimulationError(f"more than {MAX_LOTS_IN_LINE:,} lots are waiting in the line at "
                                          f"t = {env.now / 3600:.6g} h: a source releases without bound; give it a "
                                          "longer interarrival time, max_lots or a conwip limit")
        except _Reached:
            pass


def _crash(event: Event) -> None:
    """A failed event nobody handled stops the run, as in `Environment.step`: a copy of its exception."""
    error = type(event._value)(*event._value.args)
    error.__cause__ = event._value
    raise error


@contextmanager
def _collector_relaxed() -> Iterator[None]:
    """Python's cyclic garbage collector, relaxed while the model runs.

    The model's objects (stations, buffers, thousands of lots in stores) live for the whole run,
    yet every full collection walks all of them again: at ten times the plant this made the run
    time grow faster than the plant. Freezing what exists before the run moves it out of the
    collector's sight, and a higher first threshold collects the short-lived garbage (finished
    events, lots) less often. Neither changes a single simulated number.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD_0, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _waiting_lots(model: Model) -> int:
    """Lots in the stations' input buffers (an assembly's inputs included)."""
    total = 0
    for station in model.stations.values():
        buffers = getattr(station, "inputs", None) or {"": station.buffer}
        total += sum(len(getattr(buffer, "items", ())) for buffer in buffers.values())
    return total


def _zero_time_message(model: Model) -> str:
    spec = model.scenario
    zero = [s.name for s in spec.stations if s.cycle_time.mean_s == 0]
    zero_sources = [s.name for s in spec.sources if s.interarrival is not None and s.interarrival.mean_s == 0]
    where = []
    if zero:
        where.append(f"zero cycle time at {', '.join(zero)}")
    if zero_sources:
        where.append(f"zero interarrival time at source {', '.join(zero_sources)}")
    cause = "; ".join(where) if where else "events that schedule each other with no delay"
    return (f"the simulation stopped advancing at t = {model.env.now / 3600:.6g} h: {ZERO_TIME_EVENTS:,} events "
            f"without time moving ({cause}); give those durations a positive value")


class Observer(Protocol):
    def attach(self, model: Model) -> None:
        """Called once the model is built, before any event (may start SimPy processes)."""

    def finish(self, model: Model) -> None:
        """Called once the run has reached its end."""


def _sample_series(model: Model, series: Series, every_s: float):
    """Cumulative good output and WIP integral at regular times (warm-up included)."""
    env, line = model.env, model.line
    while True:
        now = env.now
        series.times_s.append(now)
        series.good.append(line.cells(line.good))
        series.wip_area.append(line.wip.area_until(now))
        series.wip.append(line.wip.value)
        yield env.timeout(every_s)


def simulate(scenario: Scenario, replication: int, seed: int | None = None,
             observers: Sequence[Observer] = ()) -> tuple[Model, Series]:
    """Run replication `replication` of `scenario` and return the finished model and its series."""
    run = scenario.run
    keys = scenario.plant.stream_keys if scenario.plant is not None else None
    streams = Streams(run.seed if seed is None else seed, replication, keys)
    model = build(scenario, streams)
    for observer in observers:
        observer.attach(model)
    series = Series()
    end = run.warmup + run.length
    model.env.process(_sample_series(model, series, end / SERIES_POINTS))
    if run.warmup > 0:
        _run_until(model, run.warmup)
    model.reset_statistics()
    _run_until(model, end)

    if series.times_s[-1] < end:  # run(until=end) stops before events due at `end`
        series.times_s.append(end)
        series.good.append(model.line.cells(model.line.good))
        series.wip_area.append(model.line.wip.area_until(end))
        series.wip.append(model.line.wip.value)
    for observer in observers:
        observer.finish(model)
    return model, series


def run_replication(scenario: Scenario, replication: int, seed: int | None = None) -> ReplicationResult:
    """KPIs of one replication (a pure function of scenario, seed and replication index)."""
    if scenario.run.period is None:
        model, series = simulate(scenario, replication, seed)
        return replication_kpis(model, series, replication)
    probe = PeriodProbe(scenario)  # a transient run: line KPIs per period as well
    model, series = simulate(scenario, replication, seed, observers=[probe])
    return replication_kpis(model, series, replication).model_copy(update={"periods": probe.periods(model)})

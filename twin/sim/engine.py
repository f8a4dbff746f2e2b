"""Run one replication: build, warm up, reset statistics, run, collect. The only place env.run is called.

Observers attach from outside the behaviour they watch (desmod's probes): each is handed the built
model before the first event and the finished model after the last, so a test's invariant checks
or an event log never copy this run loop. An observer must draw no random numbers of the model's,
so an observed run is the same run.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from twin.sim.kpis import replication_kpis
from twin.sim.build import Model, build
from stations.monitors import Series
from twin.sim.results import ReplicationResult
from twin.spec.rng import Streams
from twin.spec.scenario import Scenario

SERIES_POINTS = 200


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
    streams = Streams(run.seed if seed is None else seed, replication)
    model = build(scenario, streams)
    for observer in observers:
        observer.attach(model)
    series = Series()
    end = run.warmup + run.length
    model.env.process(_sample_series(model, series, end / SERIES_POINTS))
    if run.warmup > 0:
        model.env.run(until=run.warmup)
    model.reset_statistics()
    model.env.run(until=end)
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
    model, series = simulate(scenario, replication, seed)
    return replication_kpis(model, series, replication)

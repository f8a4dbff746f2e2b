"""Per-period line KPIs of a transient run (issue 14): a probe that snapshots the line's counters at
every period boundary after the warm-up, attached to the run from outside (an engine observer).

The probe draws no random numbers and only adds its own timer events, so a run with periods makes
exactly the numbers of the same run without them. Period k covers [warm-up + k x period, warm-up +
(k + 1) x period); the last one ends at the run's end and may be shorter.
"""

from __future__ import annotations

from typing import Generator

from simpy import Event

from stations.monitors import LineSnapshot
from twin.sim.build import Model
from twin.sim.kpis import window_kpis
from twin.sim.results import PeriodReplication
from twin.spec.scenario import Scenario


class PeriodProbe:
    """Snapshots of the line at each period's end (the first period starts at the statistics baseline)."""

    def __init__(self, scenario: Scenario) -> None:
        run = scenario.run
        self.period_s = float(run.period)  # type: ignore[arg-type]
        self.start_s = float(run.warmup)  # type: ignore[arg-type]
        self.end_s = self.start_s + run.length
        self.snapshots: list[LineSnapshot] = []

    def attach(self, model: Model) -> None:
        model.env.process(self._sample(model))

    def _sample(self, model: Model) -> Generator[Event, object, None]:
        env, line = model.env, model.line
        boundary = self.start_s + self.period_s
        while boundary < self.end_s:
            yield env.timeout(boundary - env.now)
            self.snapshots.append(line.snapshot(env.now))
            boundary = self.start_s + (len(self.snapshots) + 1) * self.period_s  # no drift from summed steps

    def finish(self, model: Model) -> None:
        self.snapshots.append(model.line.snapshot(model.env.now))

    def periods(self, model: Model) -> list[PeriodReplication]:
        """Line KPIs of every period, from the baseline taken at the end of the warm-up."""
        line, result = model.line, []
        previous = line.baseline
        for snapshot in self.snapshots:
            result.append(PeriodReplication(start_h=previous.time / 3600, end_h=snapshot.time / 3600,
                                            kpis=window_kpis(line, snapshot.since(previous))))
            previous = snapshot
        return result

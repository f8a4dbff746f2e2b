"""The bottleneck report of a line: which station holds it back (with significance), the loss
waterfall from the bottleneck's ideal output to the actual output, the bottleneck walk arrows, and
what improving each candidate station buys, by paired runs under common random numbers."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from pydantic import Field

from twin.analysis.verdict import verdict
from twin.analysis.improvement import Gain, Improvement, rank_improvements, walk_arrows
from twin.analysis.losses import LossWaterfall, loss_waterfall
from twin.sim.results import Estimate, ReplicationResult, Result
from twin.spec.scenario import Scenario
from twin.analysis.statistics import estimate


class StationBottleneck(Result):
    sole: Estimate = Field(description="Share of time the station is the sole bottleneck.")
    shifting: Estimate = Field(description="Share of time the station is a shifting bottleneck.")
    total: Estimate = Field(description="sole + shifting.")
    active_period_mean_h: Estimate = Field(description="Mean active period, hours.")
    walk: Optional[str] = Field(description="'upstream' (mostly starved), 'downstream' (mostly blocked) or None.")


class BottleneckAnalysis(Result):
    scenario: str
    replications: int
    primary: Optional[str] = Field(description="The bottleneck, named only when significantly ahead of the runner-up.")
    candidates: list[str] = Field(description="Stations that cannot be told apart from the leader.")
    ranking: list[str] = Field(description="Stations by mean bottleneck share, largest first.")
    stations: dict[str, StationBottleneck]
    waterfall: LossWaterfall
    improvements: list[Gain] = Field(description="Throughput gain of improving each candidate, largest first.")


def analyse(
    scenario: Scenario,
    base: list[ReplicationResult],
    replicate: Callable[[Scenario], list[ReplicationResult]],
    how: Improvement = "rate",
    top: Optional[int] = 5,
) -> BottleneckAnalysis:
    """Analyse the base replications; `replicate` runs improved variants with the base's seed."""
    names = list(base[0].stations)
    shares = {n: [r.stations[n].bottleneck_sole + r.stations[n].bottleneck_shifting for r in base] for n in names}
    judged = verdict(shares)
    mean_states = {n: {k: estimate([r.stations[n].states[k] for r in base]).mean for k in base[0].stations[n].states}
                   for n in names}
    arrows = walk_arrows(mean_states)
    stations = {
        n: StationBottleneck(
            sole=estimate([r.stations[n].bottleneck_sole for r in base]),
            shifting=estimate([r.stations[n].bottleneck_shifting for r in base]),
            total=estimate(shares[n]),
            active_period_mean_h=estimate([r.stations[n].active_period_mean_h for r in base]),
            walk=arrows[n],
        )
        for n in names
    }
    leader = judged.ranking[0]
    # try the improvement where the line is most constrained: bottleneck share first, then how busy
    # a station is (stations that are never the bottleneck tie on share 0)
    busy = {n: float(np.mean([r.stations[n].states["working"] + r.stations[n].states["down"] for r in base]))
            for n in names}
    by_promise = sorted(names, key=lambda n: (-float(np.mean(shares[n])), -busy[n]))
    candidates = by_promise if top is None else by_promise[:top]
    return BottleneckAnalysis(
        scenario=scenario.name,
        replications=len(base),
        primary=judged.primary,
        candidates=judged.candidates,
        ranking=judged.ranking,
        stations=stations,
        waterfall=loss_waterfall(scenario, base, judged.primary or leader),
        improvements=rank_improvements(scenario, base, candidates, how, replicate),
    )

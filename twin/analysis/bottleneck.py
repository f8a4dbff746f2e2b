"""The bottleneck report of a line: the stored verdict (throughput constraint and momentary
bottleneck, twin.analysis.constraint), the loss waterfall from the constraint's ideal output to the
actual output, the bottleneck walk arrows, and what a fair capacity step at each station buys, by
paired runs under common random numbers."""

from __future__ import annotations

from typing import Callable, Optional

from pydantic import Field

from twin.analysis.verdict import verdict
from twin.analysis.improvement import Gain, Improvement, rank_improvements, walk_arrows
from twin.analysis.losses import LossWaterfall, loss_waterfall
from twin.analysis.constraint import judge_by_load, paired_runs
from twin.sim.results import BottleneckResult, Estimate, ReplicationResult, Result
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
    primary: Optional[str] = Field(description="The throughput constraint, as the run stored it (bottleneck.primary).")
    momentary: Optional[str] = Field(None, description="The momentary bottleneck (active-period leader), as stored.")
    candidates: list[str] = Field(description="Stations whose active-period share cannot be told apart from the leader.")
    ranking: list[str] = Field(description="Stations by mean active-period share, largest first.")
    verdict: Optional[BottleneckResult] = Field(None, description="The run's stored verdict this analysis read.")
    stations: dict[str, StationBottleneck]
    waterfall: LossWaterfall
    improvements: list[Gain] = Field(description="Throughput gain of improving each candidate, largest first.")


def analyse(
    scenario: Scenario,
    base: list[ReplicationResult],
    replicate: Callable[[Scenario], list[ReplicationResult]],
    how: Improvement = "fair",
    top: Optional[int] = 5,
    stored: Optional[BottleneckResult] = None,
) -> BottleneckAnalysis:
    """Analyse the base replications; `replicate` runs improved variants with the base's seed.
    The verdict is the run's stored one (`stored`; the cheap part is recomputed only for a run that
    has none); stations are tried in its constraint ranking (load against calendar capacity, so
    screening costs nothing), and fair steps the verdict already paired are reused, not rerun."""
    names = list(base[0].stations)
    shares = {n: [r.stations[n].bottleneck_sole + r.stations[n].bottleneck_shifting for r in base] for n in names}
    if stored is None or stored.method == "not stored":
        judged = verdict(shares)
        stored = judge_by_load(base, judged.primary, judged.candidates, judged.ranking,
                               {n: estimate(shares[n]) for n in names})
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
    order = stored.constraint_ranking or names
    candidates = order if top is None else order[:top]
    reuse = {g.station: g for g in stored.sensitivity} if how in ("fair", "rate") else {}
    def variant_runs(variant: Scenario) -> list[ReplicationResult]:
        with paired_runs(False):  # a variant's own verdict is not what this analysis asks
            return replicate(variant)

    tried = rank_improvements(scenario, base, [n for n in candidates if n not in reuse], how, variant_runs)
    gains = sorted(tried + [Gain(station=g.station, change=g.step, throughput_gain_per_h=g.throughput_gain_per_h,
                                 significant=g.significant) for n, g in reuse.items() if n in candidates],
                   key=lambda g: -(g.throughput_gain_per_h.mean or 0.0))
    marked = stored.primary or stored.momentary or (stored.ranking[0] if stored.ranking else names[0])
    return BottleneckAnalysis(
        scenario=scenario.name,
        replications=len(base),
        primary=stored.primary,
        momentary=stored.momentary,
        candidates=stored.candidates,
        ranking=stored.ranking,
        verdict=stored,
        stations=stations,
        waterfall=loss_waterfall(scenario, base, marked),
        improvements=gains,
    )

"""Improvement potential: what a given improvement at each station buys the line, estimated by
paired runs under common random numbers (same seed and replication indices as the base run).

An improvement is '+10% rate' (every cycle time divided by 1.1) or '+1 machine' (for a dwell
store, +10% places). Because every station keeps its own random streams, base and variant
share all other random numbers and the paired difference has a narrow CI.
"""

from __future__ import annotations

import math
from typing import Callable, Literal, Optional

from pydantic import Field

from twin.sim.results import Estimate, ReplicationResult, Result
from twin.spec.scenario import Scenario, StationSpec
from twin.analysis.statistics import estimate

Improvement = Literal["rate", "machine"]
DURATION_FIELDS = ("value", "mean", "low", "mode", "high", "scale")


class Gain(Result):
    station: str
    change: str = Field(description="The improvement tried, in words.")
    throughput_gain_per_h: Estimate = Field(description="Paired difference in good cells per hour (variant - base).")
    significant: bool = Field(description="The 95% CI of the gain excludes zero.")


def _faster(dist, factor: float):
    """The same distribution with every duration divided by `factor` (cv and shape unchanged)."""
    data = dist.model_dump()
    for key in DURATION_FIELDS:
        if key in data:
            data[key] = f"{getattr(dist, key) / factor!r} s"
    if "values" in data:
        data["values"] = [f"{v / factor!r} s" for v in dist.values]
    return type(dist).model_validate(data)


def improved_station(spec: StationSpec, how: Improvement, rate_factor: float = 1.1) -> tuple[StationSpec, str]:
    if how == "rate":
        return spec.model_copy(update={"cycle_time": _faster(spec.cycle_time, rate_factor)}), \
            f"+{(rate_factor - 1) * 100:.0f}% rate"
    if spec.kind == "dwell":
        places = math.ceil((spec.capacity or 1) * rate_factor)
        return spec.model_copy(update={"capacity": places}), f"+{places - (spec.capacity or 0)} places"
    return spec.model_copy(update={"machines": spec.machines + 1}), "+1 machine"


def improved(scenario: Scenario, station: str, how: Improvement) -> tuple[Scenario, str]:
    """The scenario with one station improved (re-validated, so the variant is a legal scenario)."""
    stations, change = [], ""
    for spec in scenario.stations:
        if spec.name == station:
            spec, change = improved_station(spec, how)
        stations.append(spec)
    variant = Scenario.model_validate(scenario.model_copy(update={"stations": tuple(stations)}).model_dump(by_alias=True))
    return variant, change


def rank_improvements(
    scenario: Scenario,
    base: list[ReplicationResult],
    candidates: list[str],
    how: Improvement,
    replicate: Callable[[Scenario], list[ReplicationResult]],
) -> list[Gain]:
    """Gains of improving each candidate, largest first. `replicate` runs a variant with the base's
    seed and replication count (the caller chooses the executor)."""
    gains = []
    base_th = [r.line.throughput_per_h for r in base]
    for station in candidates:
        variant, change = improved(scenario, station, how)
        runs = replicate(variant)
        diff = estimate([v.line.throughput_per_h - b for v, b in zip(runs, base_th)])
        lo, hi = diff.ci95
        gains.append(Gain(
            station=station, change=change, throughput_gain_per_h=diff,
            significant=lo is not None and hi is not None and (lo > 0 or hi < 0),
        ))
    return sorted(gains, key=lambda g: -(g.throughput_gain_per_h.mean or 0.0))


def walk_arrows(states: dict[str, dict[str, Optional[float]]], threshold: float = 0.02) -> dict[str, Optional[str]]:
    """Roser's bottleneck walk per station: mostly starved points upstream (the constraint is before
    it), mostly blocked points downstream; neither (both below `threshold`) means it may be the constraint."""
    arrows: dict[str, Optional[str]] = {}
    for name, shares in states.items():
        starved = (shares.get("starved") or 0.0) + (shares.get("waiting_batch") or 0.0)
        blocked = shares.get("blocked") or 0.0
        if max(starved, blocked) < threshold:
            arrows[name] = None
        else:
            arrows[name] = "upstream" if starved >= blocked else "downstream"
    return arrows

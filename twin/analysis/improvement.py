"""Improvement potential: what a given improvement at each station buys the line, estimated by
paired runs under common random numbers (same seed and replication indices as the base run).

An improvement is the fair capacity step (`fair_step`: +10% rate at machines and assemblies,
+10% racks or places per load at batch stations, +10% places at dwell stores) or '+1 machine'
(for a dwell store, +10% places). Because every station keeps its own random streams, base and variant
share all other random numbers and the paired difference has a narrow CI.
"""

from __future__ import annotations

import math
from typing import Callable, Literal, Optional

from pydantic import Field

from twin.sim.results import Estimate, ReplicationResult, Result
from twin.spec.scenario import Scenario, StationSpec
from twin.analysis.statistics import estimate

Improvement = Literal["fair", "rate", "machine"]
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


def _half_up(x: float) -> int:
    """x to the nearest whole number, halves up (6.5 racks -> 7): Python's round() takes halves to the
    even neighbour, which made the table say +6 racks where the paired runs, given 1.1 - 1 =
    0.10000000000000009, simulated +7."""
    return math.floor(x + 0.5)


def fair_step(spec: StationSpec, fraction: float = 0.10) -> tuple[StationSpec, str]:
    """The station with about `fraction` more capacity, in the one currency its kind allows, so
    steps at different stations compare: machines and assemblies +10% rate; a batch station +10%
    batch capacity (racks, or places per load), never a shorter recipe; a dwell store +10% places,
    never a shorter dwell (that changes the product, not the capacity)."""
    if spec.kind in ("machine", "assembly"):
        return spec.model_copy(update={"cycle_time": _faster(spec.cycle_time, 1 + fraction)}), \
            f"+{fraction * 100:.0f}% rate"
    if spec.kind == "dwell":
        places = spec.capacity or 1
        more = max(1, _half_up(places * fraction))
        return spec.model_copy(update={"capacity": places + more}), f"+{more} places (+{more / places:.0%})"
    racks = max(1, _half_up(spec.machines * fraction))
    per_load = max(1, _half_up(spec.batch.max * fraction))
    if abs(racks / spec.machines - fraction) <= abs(per_load / spec.batch.max - fraction):
        noun = "rack" if spec.template == "formation" else "machine"
        return spec.model_copy(update={"machines": spec.machines + racks}), \
            f"+{racks} {noun}{'s' if racks > 1 else ''} (+{racks / spec.machines:.0%})"
    bigger = spec.batch.max + per_load
    update = {"batch": spec.batch.model_copy(update={"max": bigger})}
    if spec.buffer is not None and spec.buffer < bigger:
        update["buffer"] = bigger  # a batch station's buffer must hold a full batch
    return spec.model_copy(update=update), f"+{per_load} lot{'s' if per_load > 1 else ''} per load (+{per_load / spec.batch.max:.0%})"


def improved_station(spec: StationSpec, how: Improvement, rate_factor: float = 1.1) -> tuple[StationSpec, str]:
    """`how` 'rate' (or 'fair') is the fair capacity step; 'machine' is +1 machine (+10% places for a store)."""
    if how in ("rate", "fair"):
        return fair_step(spec, rate_factor - 1)
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

"""The momentary bottleneck over replications: which station leads the active-period shares, and
whether it leads significantly (paired t-interval of the share difference above zero). The
throughput constraint, which a run reports as `bottleneck.primary`, is twin.analysis.constraint."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.analysis.statistics import half_width


@dataclass(frozen=True)
class BottleneckVerdict:
    primary: str | None  # named only when significantly ahead of the runner-up
    candidates: list[str]  # stations not significantly behind the leader
    ranking: list[str]  # all stations, largest mean share first


def verdict(shares: dict[str, list[float]]) -> BottleneckVerdict:
    """Name the primary bottleneck only when its share (sole + shifting) is significantly larger
    than the runner-up's: the paired difference over replications has a 95% t-interval above zero.
    Otherwise return the leaders that cannot be told apart as candidates."""
    ranking = sorted(shares, key=lambda name: -float(np.mean(shares[name])))
    if not ranking or float(np.mean(shares[ranking[0]])) <= 0:
        return BottleneckVerdict(None, [], ranking)
    leader = np.asarray(shares[ranking[0]], dtype=float)
    candidates = [ranking[0]]
    for name in ranking[1:]:
        diff = leader - np.asarray(shares[name], dtype=float)
        if len(diff) < 2 or diff.mean() - half_width(diff) <= 0:
            candidates.append(name)
    primary = ranking[0] if len(candidates) == 1 else None
    return BottleneckVerdict(primary, candidates, ranking)

"""Transient output analysis (issue 14): per-period KPIs over replications, cumulative good cells and
milestones, from the per-period line KPIs each replication measured (twin.sim.periods).

A ramp-up has no steady state, so nothing here cuts a warm-up: every period is estimated on its own
across replications (independent replications of a terminating run: a t-interval per period), and a
milestone is a date per replication (the end of its first period at or above the target), so its
uncertainty is the spread of that date over replications, plus the share of replications that reach
it by a date with a Wilson interval.

Censoring: a replication that does not reach the target within the run has no date, only "later than
the run's end". The mean of the dates of the replications that did reach it is then conditional on
reaching it (and optimistic as an answer to "when"), so it is flagged `conditional`. The median over
all replications stays honest under this censoring (every censored date lies above every observed
one): it is reported when at least half reach the target, with a distribution-free 95% interval from
order statistics whose upper end may lie beyond the run.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

from twin.analysis.statistics import estimate
from twin.sim.results import MilestoneResult, PeriodResult, Probability, ReplicationResult

HOURS_PER_DAY = 24.0
Z95 = 1.959963984540054


def period_results(replications: Sequence[ReplicationResult]) -> Optional[list[PeriodResult]]:
    """Mean and 95% CI of every line KPI per period, with good cells per day and cumulative good cells
    (None when the replications carry no periods)."""
    per_rep = [r.periods for r in replications]
    if not per_rep or any(p is None for p in per_rep):
        return None
    count = min(len(p) for p in per_rep)  # type: ignore[arg-type]
    cumulative = [0.0] * len(per_rep)
    result = []
    for k in range(count):
        rows = [p[k] for p in per_rep]  # type: ignore[index]
        dumped = [row.kpis.model_dump(by_alias=True) for row in rows]
        kpis = {key: estimate([d[key] for d in dumped]) for key, value in dumped[0].items()
                if isinstance(value, (int, float)) and not isinstance(value, bool)}
        for grade in dumped[0].get("grades", {}):
            kpis[f"grades.{grade}"] = estimate([d["grades"][grade] for d in dumped])
        kpis["good_cells_per_day"] = estimate([_per_day(row.kpis.good_cells, row.end_h - row.start_h) for row in rows])
        cumulative = [c + row.kpis.good_cells for c, row in zip(cumulative, rows)]
        kpis["cumulative_good_cells"] = estimate(cumulative)
        result.append(PeriodResult(start_h=rows[0].start_h, end_h=rows[0].end_h, kpis=kpis))
    return result


def _per_day(cells: float, hours: float) -> float:
    return cells / hours * HOURS_PER_DAY if hours > 0 else math.nan


def milestones(replications: Sequence[ReplicationResult], targets_per_day: Sequence[float],
               by_h: Optional[float] = None) -> Optional[list[MilestoneResult]]:
    """For each target: the first period whose good cells per day reach it, per replication and for the
    mean; the share of replications that reach it by `by_h` (default: the run's end)."""
    periods = period_results(replications)
    if periods is None or not targets_per_day:
        return None
    n = len(replications)
    daily = [[_per_day(p.kpis.good_cells, p.end_h - p.start_h) for p in r.periods] for r in replications]  # type: ignore[union-attr]
    ends = [p.end_h for p in periods]
    when = by_h if by_h is not None else ends[-1]
    result = []
    for target in targets_per_day:
        reached_at: list[Optional[float]] = []
        for rep in daily:
            first = next((k for k, value in enumerate(rep[:len(ends)]) if value >= target), None)
            reached_at.append(None if first is None else ends[first])
        mean_first = next((k for k, p in enumerate(periods)
                           if (p.kpis["good_cells_per_day"].mean or 0.0) >= target), None)
        by_period = [sum(1 for t in reached_at if t is not None and t <= end) / n for end in ends]
        hits = sum(1 for t in reached_at if t is not None and t <= when + 1e-9)
        reached = sum(1 for t in reached_at if t is not None)
        median_h, median_ci = censored_median(reached_at)
        result.append(MilestoneResult(
            target_per_day=target, period=mean_first, end_h=estimate(reached_at),
            reached=reached, replications=n,
            probability_by=Probability(p=hits / n, ci95=wilson(hits, n), by_h=when),
            probability_by_period=by_period,
            conditional=reached < n, median_end_h=median_h, median_ci95=median_ci,
        ))
    return result


def censored_median(dates_h: Sequence[Optional[float]]
                    ) -> tuple[Optional[float], Optional[tuple[float, Optional[float]]]]:
    """Median over all replications of a date that some never reach (None: later than the run's end):
    the first date by which at least half of them reach it (x_(ceil(n/2)), as a Kaplan-Meier median, so
    it is one of the period ends), and its distribution-free 95% interval (x_(j), x_(n-j+1)) from order
    statistics, its upper end None when it lies beyond the run. The median is None unless at least half
    reach the date; the interval is None then too, and when too few replications give one (fewer than 6)."""
    n = len(dates_h)
    ordered = sorted(math.inf if d is None else d for d in dates_h)
    if n == 0 or 2 * sum(1 for d in dates_h if d is not None) < n:
        return None, None
    median = float(ordered[(n + 1) // 2 - 1])  # the first date by which half the replications reach it
    j = median_rank(n)
    if j is None:
        return median, None
    upper = ordered[n - j]
    return median, (float(ordered[j - 1]), None if math.isinf(upper) else float(upper))


def median_rank(n: int, alpha: float = 0.05) -> Optional[int]:
    """The largest j with P(Binomial(n, 1/2) <= j - 1) <= alpha / 2: (x_(j), x_(n-j+1)) then covers the
    median with probability at least 1 - alpha, whatever the distribution (None: n too small)."""
    j, tail = None, 0.0
    for k in range(n // 2 + 1):
        tail += math.comb(n, k) / 2 ** n
        if tail > alpha / 2:
            break
        j = k + 1
    return j


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial share (sound at 0 and 1, unlike the normal interval)."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return (max(0.0, centre - half), min(1.0, centre + half))

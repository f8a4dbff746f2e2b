"""Buffer allocation: share a fixed total of buffer slots among the varied buffers to maximise a KPI
(`twin plan ... --vary 'stations.*.buffer=0..20' --total-buffer N`), the classic problem of these lines.

Start from an even split, then move one slot at a time from one buffer to another while a move
raises the KPI: every candidate move is screened on short runs under common random numbers, and the
best one is taken only when its paired difference against the current allocation is positive at the
plan's confidence (one-sided paired t over the same replications). The final allocation gets full
runs and a check on fresh seeds, like any plan. Moves are tried between every pair of buffers while
there are few (at most PAIRS_ALL buffers); with more, slots go only to the buffers of the likeliest
bottlenecks (plan._suspects).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import numpy as np
from scipy.special import stdtrit

from twin.spec.scenario import Scenario

if TYPE_CHECKING:  # the plan module imports this one lazily; no loop at import time
    from twin.experiments.plan import PlanResult, _Runner

PAIRS_ALL = 6
MAX_MOVES = 200


def even_split(lows: list[int], highs: list[int], total: int) -> tuple[int, ...]:
    """`total` slots as evenly as the ranges allow (each at least its low, at most its high)."""
    from twin.experiments.plan import PlanError  # noqa: PLC0415

    if sum(lows) > total or sum(highs) < total:
        raise PlanError(f"--total-buffer {total}: the ranges allow {sum(lows)} to {sum(highs)} slots in all")
    values = list(lows)
    while sum(values) < total:
        open_ = [i for i, v in enumerate(values) if v < highs[i]]
        smallest = min(values[i] for i in open_)
        for i in open_:
            if values[i] == smallest and sum(values) < total:
                values[i] += 1
    return tuple(values)


def allocate_buffers(runner: "_Runner", scenario: Scenario, total: int, phase: Callable[[str, int], None]) -> "PlanResult":
    from twin.experiments import plan  # noqa: PLC0415

    ranges = runner.ranges
    key = even_split([r.low for r in ranges], [r.high for r in ranges], total)
    count = runner.options.screen_replications
    phase("buffer moves (short runs)", runner.options.budget_runs)
    try:
        for _ in range(MAX_MOVES):
            runner.ensure([key], count, "screen")
            receivers = (set(range(len(ranges))) if len(ranges) <= PAIRS_ALL
                         else plan._suspects(runner, key, "screen"))
            moves = [tuple(v + (1 if k == j else -1 if k == i else 0) for k, v in enumerate(key))
                     for i in range(len(ranges)) for j in receivers
                     if i != j and key[i] - 1 >= ranges[i].low and key[j] + 1 <= ranges[j].high]
            if not moves:
                break
            runner.ensure(moves, count, "screen")
            base = np.array(runner.values(key, "screen"))
            best = max(moves, key=lambda m: float(np.nanmean(runner.values(m, "screen"))))
            gain = np.array(runner.values(best, "screen")) - base
            if not _positive(gain, runner.options.confidence):
                break
            key = best
    except plan._Budget:
        pass
    phase("full runs and the fresh-seed check", runner.options.replications or scenario.run.replications)
    runner.decide(key, budgeted=False)
    count = max(runner.options.replications or scenario.run.replications, 5)
    runner.ensure([key], count, "check", budgeted=False)
    check = runner.check(key, "check")
    result = plan._result(runner, scenario, {}, key, check, [])
    settings = ", ".join(f"{p}={v}" for p, v in runner.settings(key).items())
    met = "meets" if check.meets else "does not meet"
    return result.model_copy(update={
        "feasible": True,
        "message": f"best allocation of {total} buffer slots found: {settings}; {runner.target.kpi} "
                   f"{plan._show(check)} on fresh seeds ({met} {runner.target.value:g} at {runner.options.confidence:.0%})",
    })


def _positive(differences: np.ndarray, confidence: float) -> bool:
    """A one-sided paired t test: the mean difference is above zero at `confidence`."""
    data = differences[np.isfinite(differences)]
    if len(data) < 2:
        return False
    spread = float(np.std(data, ddof=1))
    if spread == 0:
        return float(data.mean()) > 0
    return float(data.mean()) - float(stdtrit(len(data) - 1, confidence)) * spread / math.sqrt(len(data)) > 0

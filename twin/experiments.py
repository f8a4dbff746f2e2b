"""Experiments: replications of a scenario as independent tasks, and their aggregation with CIs.

One replication is one task; the result of a task depends only on (scenario, seed, replication
index), so running them in one process or in several gives identical numbers.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Optional

import numpy as np

from twin import __version__
from twin.engine import run_replication
from twin.results import (
    BottleneckResult, Estimate, ReplicationResult, RunResult, SeriesReplication, StationResult,
)
from twin.scenario import Scenario
from twin.statistics import estimate

LINE_KPIS = ("throughput_per_h", "gwh_per_year", "yield", "wip_cells", "lead_time_h",
             "released_cells", "good_cells", "scrapped_cells")
STATION_SCALARS = ("throughput_per_h", "utilization", "availability", "performance", "quality", "oee",
                   "active_period_mean_h", "wip_cells", "queue_cells", "waiting_time_h", "scrapped_cells",
                   "failures")


def run_replications(
    scenario: Scenario,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    workers: int = 1,
    on_done: Optional[Callable[[ReplicationResult], None]] = None,
) -> list[ReplicationResult]:
    """Run replications 0..n-1 (in `workers` processes) and return them in index order."""
    count = scenario.run.replications if replications is None else replications
    root = scenario.run.seed if seed is None else seed
    results: list[ReplicationResult] = []
    if workers <= 1 or count == 1:
        for index in range(count):
            result = run_replication(scenario, index, root)
            results.append(result)
            if on_done:
                on_done(result)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run_replication, scenario, index, root) for index in range(count)]
            for future in futures:
                result = future.result()
                results.append(result)
                if on_done:
                    on_done(result)
    return results


def aggregate(scenario: Scenario, replications: list[ReplicationResult], seed: int) -> RunResult:
    """Means and 95% CIs over replications of every line and station KPI."""
    lines = [r.line.model_dump(by_alias=True) for r in replications]
    kpis = {key: estimate([line[key] for line in lines]) for key in LINE_KPIS}
    stations: dict[str, StationResult] = {}
    shares: dict[str, Estimate] = {}
    for name in replications[0].stations:
        per_rep = [r.stations[name] for r in replications]
        fields = {key: estimate([getattr(s, key) for s in per_rep]) for key in STATION_SCALARS}
        states = {state: estimate([s.states[state] for s in per_rep]) for state in per_rep[0].states}
        bottleneck = {
            "sole": estimate([s.bottleneck_sole for s in per_rep]),
            "shifting": estimate([s.bottleneck_shifting for s in per_rep]),
        }
        shares[name] = estimate([s.bottleneck_sole + s.bottleneck_shifting for s in per_rep])
        stations[name] = StationResult(states=states, bottleneck=bottleneck, **fields)
    ranking = sorted(shares, key=lambda n: -(shares[n].mean or 0.0))
    return RunResult(
        scenario=scenario.name,
        scenario_hash=scenario.content_hash(),
        seed=seed,
        replications=len(replications),
        version=__version__,
        warmup_h=scenario.run.warmup / 3600,
        length_h=scenario.run.length / 3600,
        kpis=kpis,
        stations=stations,
        bottleneck=BottleneckResult(
            primary=ranking[0] if ranking and (shares[ranking[0]].mean or 0) > 0 else None,
            ranking=ranking,
            share=shares,
        ),
        series=_mean_series([r.series for r in replications]),
    )


def _mean_series(series: list[SeriesReplication]) -> SeriesReplication:
    return SeriesReplication(
        times_h=series[0].times_h,
        throughput_per_h=np.mean([s.throughput_per_h for s in series], axis=0).tolist(),
        wip_cells=np.mean([s.wip_cells for s in series], axis=0).tolist(),
    )


def run_experiment(
    scenario: Scenario,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    workers: int = 1,
    on_done: Optional[Callable[[ReplicationResult], None]] = None,
) -> RunResult:
    """Replicate a scenario and report every KPI with its confidence interval."""
    root = scenario.run.seed if seed is None else seed
    return aggregate(scenario, run_replications(scenario, replications, root, workers, on_done), root)

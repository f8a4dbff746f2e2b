"""Aggregation of replications into a RunResult: means and t-based 95% CIs of every KPI, the
momentary bottleneck and the throughput constraint as far as the cheap signals decide it
(twin.analysis.constraint; paired runs, which need the scenario, are added by twin.experiments).
Pure (no SimPy), so `twin runs` can aggregate the replications of an unfinished run without the engine."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from pydantic import BaseModel

from twin import __version__
from twin.analysis.stuck import stuck_warnings
from twin.analysis.constraint import judge_by_load
from twin.analysis.verdict import verdict
from twin.analysis.periods import milestones, period_results
from twin.sim.results import (
    HEADLINE_KPIS,
    BottleneckResult, Estimate, LineResult, ReplicationResult, RunResult, SeriesReplication, StationResult,
)
from twin.analysis.statistics import estimate

LINE_KPIS = (*HEADLINE_KPIS, "released_cells", "good_cells", "scrapped_cells")


def aggregate_replications(
    replications: list[ReplicationResult], *, scenario_name: str, scenario_hash: str, seed: int,
    warmup_h: float, length_h: float, version: str = __version__,
    targets_per_day: Sequence[float] = (), target_by_h: Optional[float] = None,
) -> RunResult:
    """`aggregate` from the stored facts of a run (no Scenario needed: a stored run may predate
    today's schema). Replications are taken in index order, whatever order they finished in."""
    replications = sorted(replications, key=lambda r: r.replication)
    stations: dict[str, StationResult] = {}
    shares: dict[str, Estimate] = {}
    share_values: dict[str, list[float]] = {}
    for name in replications[0].stations:
        per_rep = [r.stations[name] for r in replications]
        scalars = {k: v for k, v in _estimates(per_rep).items() if k in StationResult.model_fields}
        states = {state: estimate([s.states[state] for s in per_rep]) for state in per_rep[0].states}
        bottleneck = {
            "sole": estimate([s.bottleneck_sole for s in per_rep]),
            "shifting": estimate([s.bottleneck_shifting for s in per_rep]),
        }
        share_values[name] = [s.bottleneck_sole + s.bottleneck_shifting for s in per_rep]
        shares[name] = estimate(share_values[name])
        costs = {kind: estimate([s.cost_by_kind[kind] for s in per_rep]) for kind in per_rep[0].cost_by_kind}
        stations[name] = StationResult(states=states, bottleneck=bottleneck, cost_by_kind=costs, **scalars)
    judged = verdict(share_values)
    kpis = _line_estimates([r.line for r in replications])
    lines = {
        line: LineResult(kpis=_line_estimates([r.lines[line] for r in replications]),
                         stations=[name for name in stations if name.startswith(line + ".")])
        for line in replications[0].lines
    }
    warnings, withheld = stuck_warnings(kpis, stations, length_h)
    groups = {  # per-product and per-crew KPIs, for result models that have them
        key: {name: _estimates([getattr(r, key)[name] for r in replications]) for name in getattr(replications[0], key)}
        for key in ("products", "crews") if key in RunResult.model_fields and hasattr(replications[0], key)
    }
    return RunResult(
        scenario=scenario_name,
        scenario_hash=scenario_hash,
        seed=seed,
        replications=len(replications),
        version=version,
        warmup_h=warmup_h,
        length_h=length_h,
        kpis=kpis,
        stations=stations,
        bottleneck=_withheld(judge_by_load(replications, judged.primary, judged.candidates, judged.ranking, shares),
                             withheld),
        warnings=warnings,
        lines=lines,
        series=_mean_series([r.series for r in replications]),
        periods=period_results(replications),
        milestones=milestones(replications, targets_per_day, target_by_h),
        **groups,
    )


def _withheld(judged: BottleneckResult, reason: Optional[str]) -> BottleneckResult:
    """No station is named on a line that is stuck or made nothing: the shares and loads stay as
    evidence, the verdict is null with the reason."""
    if reason is None:
        return judged
    return judged.model_copy(update={"primary": None, "momentary": None, "candidates": [], "unresolved": [],
                                     "why": None, "next": None, "reason": reason})


GROUPED_LINE_KPIS = ("grades", "facility_kwh", "cost_by_kind")
"""Mappings of a line's replication flattened into kpis as '<group>.<name>' (kpis stays one flat mapping)."""


def _line_estimates(lines: Sequence[BaseModel]) -> dict[str, Estimate]:
    """The line KPIs, with good output per grade as 'grades.<name>', facility energy as
    'facility_kwh.<load>' and cost per good cell as 'cost_by_kind.<kind>'."""
    kpis = _estimates(lines)
    for group in GROUPED_LINE_KPIS:
        for name in getattr(lines[0], group, {}):
            kpis[f"{group}.{name}"] = estimate([getattr(line, group)[name] for line in lines])
    return kpis


def _estimates(items: Sequence[BaseModel]) -> dict[str, Estimate]:
    """An estimate of every numeric field of per-replication models (by their JSON names), so a
    field added to a result model is aggregated without a change here."""
    dumped = [item.model_dump(by_alias=True) for item in items]
    return {
        key: estimate([d[key] for d in dumped])
        for key, value in dumped[0].items()
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    }


def _mean_series(series: list[SeriesReplication]) -> SeriesReplication:
    return SeriesReplication(
        times_h=series[0].times_h,
        throughput_per_h=np.mean([s.throughput_per_h for s in series], axis=0).tolist(),
        wip_cells=np.mean([s.wip_cells for s in series], axis=0).tolist(),
    )

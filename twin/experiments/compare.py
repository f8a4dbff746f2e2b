"""Paired comparison of two scenarios under common random numbers (methods.md, "Output analysis").

Replication i of the base and of the what-if run with the same root seed and index, so every
station the change leaves alone draws the same random numbers in both (twin.spec.rng keys streams by
station name): the difference per replication then carries little noise, and its t-interval is
much narrower than the one from independent runs. "Significant" means the 95% CI of the mean
difference excludes 0.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field

from twin.analysis.aggregate import LINE_KPIS
from twin.sim.results import HEADLINE_KPIS
from twin.sim.results import ReplicationResult
from twin.analysis.statistics import estimate


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KpiComparison(Model):
    base: Optional[float] = Field(description="Mean of the base scenario.")
    whatif: Optional[float] = Field(description="Mean of the what-if scenario.")
    difference: Optional[float] = Field(description="Mean of the paired differences (what-if - base).")
    ci95: tuple[Optional[float], Optional[float]] = Field(description="t-based 95% CI of the mean difference.")
    relative: Optional[float] = Field(description="difference / base mean.")
    significant: bool = Field(description="The CI excludes 0.")
    differences: list[Optional[float]] = Field(description="What-if - base, one per replication.")


class ComparedRun(Model):
    scenario: str
    scenario_hash: str
    seed: int
    warmup_h: float
    run_id: Optional[int] = Field(None, description="Id in the results database, when stored.")


class ComparisonResult(Model):
    base: ComparedRun
    whatif: ComparedRun
    replications: int
    common_random_numbers: bool = Field(description="Both scenarios used the same seed and indices.")
    kpis: dict[str, KpiComparison]


def paired(base: Sequence[Optional[float]], whatif: Sequence[Optional[float]]) -> KpiComparison:
    """Paired-difference summary; pairs where either value is undefined are skipped."""
    differences = [
        None if not _defined(b) or not _defined(w) else float(w) - float(b) for b, w in zip(base, whatif)
    ]
    diff = estimate(differences)
    lo, hi = diff.ci95
    base_mean, whatif_mean = estimate(base).mean, estimate(whatif).mean
    return KpiComparison(
        base=base_mean,
        whatif=whatif_mean,
        difference=diff.mean,
        ci95=diff.ci95,
        relative=diff.mean / base_mean if diff.mean is not None and base_mean else None,
        significant=lo is not None and hi is not None and (lo > 0 or hi < 0),
        differences=differences,
    )


def _defined(value: Optional[float]) -> bool:
    return value is not None and math.isfinite(value)


def _kpi_names(lines: list[tuple[dict, dict]]) -> list[str]:
    """The numeric line KPIs both scenarios report, in the result model's order; a KPI neither scenario
    measures (NaN in every replication of both, e.g. the material yield without electrode areas) is left out."""
    if not lines:
        return list(LINE_KPIS)
    base, whatif = lines[0]
    numeric = [k for k, v in base.items() if k in whatif and isinstance(v, (int, float)) and not isinstance(v, bool)]
    return [k for k in numeric if not all(math.isnan(b[k]) and math.isnan(w[k]) for b, w in lines)]


PER_LINE_KPIS = (*HEADLINE_KPIS, "energy_kwh_per_kwh", "cost_per_good_cell_gbp")
"""A plant's per-line KPIs a comparison reports, as 'lines.<line>.<kpi>' after the plant totals."""


def _flat(result: ReplicationResult) -> dict:
    """The line (plant total) KPIs, then each plant line's PER_LINE_KPIS."""
    flat = result.line.model_dump(by_alias=True)
    for name, line in result.lines.items():
        dumped = line.model_dump(by_alias=True)
        flat.update({f"lines.{name}.{key}": dumped[key] for key in PER_LINE_KPIS})
    return flat


def compare_replications(
    base: list[ReplicationResult], whatif: list[ReplicationResult], base_run: ComparedRun, whatif_run: ComparedRun,
) -> ComparisonResult:
    """Line KPIs of the two scenarios, replication by replication (matched by index)."""
    by_index = {r.replication: r for r in whatif}
    pairs = [(b, by_index[b.replication]) for b in sorted(base, key=lambda r: r.replication) if b.replication in by_index]
    lines = [(_flat(b), _flat(w)) for b, w in pairs]
    return ComparisonResult(
        base=base_run,
        whatif=whatif_run,
        replications=len(pairs),
        common_random_numbers=base_run.seed == whatif_run.seed,
        kpis={key: paired([b[key] for b, _ in lines], [w[key] for _, w in lines]) for key in _kpi_names(lines)},
    )

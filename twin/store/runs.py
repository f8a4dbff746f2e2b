"""Views of stored runs for `twin runs`: a summary row per run, a run's result, CSV rows.

A complete run has its aggregated RunResult stored; a run that was interrupted or killed has only
its finished replications, so its result is aggregated here from whatever replications exist.
Reads through twin.store.database only.
"""

from __future__ import annotations

import csv
import math
from typing import IO, Any, Optional

from twin.analysis.aggregate import aggregate_replications
from twin.sim.results import HEADLINE_KPIS, ReplicationResult, RunResult
from twin.spec.scenario import Scenario
from twin.store.database import RunRecord, Store

TARGETS_KEY = "milestone_targets"
"""The run details' key holding what the milestones were asked for, so that a stored run aggregated
again from its replications (interrupted, or a stored aggregate older than today's result model)
reports the same milestones as the run did."""


def status_of(record: RunRecord) -> str:
    """The stored status, saying so when a 'running' run's process is gone (it was killed)."""
    return "running (process gone)" if record.process_gone else record.status


def run_result(store: Store, record: RunRecord) -> Optional[RunResult]:
    """The stored result of a complete run, else the aggregate of its finished replications
    (None if there are none yet)."""
    if record.status == "complete":
        stored = store.result(record.id)
        if stored is not None:
            return stored
    replications = store.replications(record.id)
    return aggregate_from(record, replications) if replications else None


def target_details(scenario: Scenario) -> dict[str, Any]:
    """The run details that keep a transient run's milestone targets (empty without targets)."""
    targets = scenario.run.target_per_day
    if not targets:
        return {}
    by = scenario.run.target_by
    return {TARGETS_KEY: {"target_per_day": [float(t) for t in targets],
                          "target_by_h": None if by is None else float(by) / 3600}}


def targets_of(record: RunRecord) -> tuple[tuple[float, ...], Optional[float]]:
    """(targets per day, date in hours or None) as stored with the run; a run stored before the
    targets were kept (or without any) has none, and is aggregated without milestones."""
    stored = record.details.get(TARGETS_KEY)
    if not isinstance(stored, dict):
        return (), None
    targets, by_h = stored.get("target_per_day"), stored.get("target_by_h")
    if not isinstance(targets, list) or not all(_number(t) and t > 0 for t in targets):
        return (), None
    return tuple(float(t) for t in targets), float(by_h) if _number(by_h) else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def aggregate_from(record: RunRecord, replications: list[ReplicationResult]) -> RunResult:
    """The run's result from its stored facts: the replications, and the milestone targets it ran with."""
    targets, by_h = targets_of(record)
    return aggregate_replications(
        replications, scenario_name=record.scenario_name, scenario_hash=record.scenario_hash, seed=record.seed,
        warmup_h=record.warmup_h, length_h=record.length_h, version=record.version,
        targets_per_day=targets, target_by_h=by_h,
    )


def describe(record: RunRecord, result: Optional[RunResult]) -> dict[str, Any]:
    """A JSON-ready summary: identity, status, progress and the headline KPIs (mean and CI)."""
    return {
        "id": record.id,
        "kind": record.kind,
        "group": record.group,
        "label": record.label,
        "scenario": record.scenario_name,
        "scenario_hash": record.scenario_hash,
        "seed": record.seed,
        "version": record.version,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "status": record.status,
        "process_gone": record.process_gone,
        "replications_done": record.done,
        "replications_planned": record.planned,
        "warmup_h": record.warmup_h,
        "length_h": record.length_h,
        "details": record.details,
        "kpis": {
            key: {"mean": result.kpis[key].mean, "ci95": list(result.kpis[key].ci95)} for key in HEADLINE_KPIS
        } if result is not None else None,
        "bottleneck": result.bottleneck.primary if result is not None else None,
    }


def summaries(store: Store) -> list[tuple[RunRecord, Optional[RunResult]]]:
    return [(record, run_result(store, record)) for record in store.runs()]


def write_csv(replications: list[ReplicationResult], out: IO[str]) -> int:
    """One row per replication: line KPIs, then 'station.kpi', 'station.state.name', 'product.name.kpi'
    and 'crew.name.kpi' columns (every numeric field, so new result fields appear). Returns rows."""
    rows = [flat_row(result) for result in replications]
    header = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return len(rows)


def flat_row(result: ReplicationResult) -> dict[str, Any]:
    row: dict[str, Any] = {"replication": result.replication, **_numbers(result.line.model_dump(by_alias=True))}
    for name, station in result.stations.items():
        fields = station.model_dump(by_alias=True)
        row.update({f"{name}.{key}": value for key, value in _numbers(fields).items()})
        row.update({f"{name}.state.{state}": value for state, value in fields.get("states", {}).items()})
    for group, prefix in (("products", "product"), ("crews", "crew")):
        for name, item in getattr(result, group, {}).items():
            row.update({f"{prefix}.{name}.{key}": value for key, value in _numbers(item.model_dump(by_alias=True)).items()})
    return row


def _numbers(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}

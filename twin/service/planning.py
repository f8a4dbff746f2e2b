"""A plan (twin.experiments.plan) with the results store as its memory, and the entry points that the
CLI and a background job call.

Every configuration the plan simulates becomes a stored run of kind 'plan' (label: its settings and
stage), so a plan stopped half way resumes from the store: a replication of the same scenario (the
hash covers the overrides and the run length), seed and package version is identical by
construction, and is read back instead of simulated. The PlanResult is stored with the check run.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Optional, Sequence

from twin import __version__
from twin.experiments.plan import PlanOptions, PlanResult, Target, VaryRange, find_plan
from twin.experiments.replications import aggregate
from twin.service.session import Session, session
from twin.sim.results import ReplicationResult
from twin.spec.scenario import Scenario
from twin.store.database import Store


class StoreMemory:
    """twin.experiments.plan.ReplicationMemory on the results store."""

    def __init__(self, store: Store, group: str) -> None:
        self.store, self.group = store, group
        self.check_run: Optional[int] = None
        self._index: Optional[dict[tuple[str, int], list[int]]] = None

    def _runs(self, scenario_hash: str, seed: int) -> list[int]:
        if self._index is None:  # one scan of the stored plan runs, at the first look-up
            self._index = {}
            for record in self.store.runs():
                if record.kind == "plan" and record.version == __version__:
                    self._index.setdefault((record.scenario_hash, record.seed), []).append(record.id)
        return self._index.get((scenario_hash, seed), [])

    def recall(self, scenario: Scenario, seed: int, label: str) -> dict[int, ReplicationResult]:
        found: dict[int, ReplicationResult] = {}
        for run_id in self._runs(scenario.content_hash(), seed):
            for result in self.store.replications(run_id):
                found.setdefault(result.replication, result)
            if label.endswith("(check)"):
                self.check_run = run_id
        return found

    def keep(self, scenario: Scenario, seed: int, label: str, results: list[ReplicationResult]) -> None:
        run_id = self.store.create_run(scenario, seed=seed, planned=len(results), warmup_h=float(scenario.run.warmup) / 3600,
                                       kind="plan", label=label, group=self.group)
        for result in results:
            self.store.add_replication(run_id, result)
        # by load only: the paired +10 % runs that would resolve a close verdict cost as much again per
        # unresolved station, in this process, for every configuration the plan tries (a plan's runs are
        # variants of one analysis; `twin bottleneck --run ID` asks for the paired runs when wanted)
        self.store.finish_run(run_id, aggregate(scenario, results, seed, paired=False))
        if self._index is not None:
            self._index.setdefault((scenario.content_hash(), seed), []).append(run_id)
        if label.endswith("(check)"):
            self.check_run = run_id


def plan_in_session(current: Session, scenario: Scenario, target: Target, ranges: Sequence[VaryRange],
                    options: PlanOptions) -> tuple[PlanResult, Optional[int]]:
    """Run a plan on a session's executor with its store and progress bar; returns the result and
    the id of the check run it is stored with (None when not storing or when there is no plan)."""
    memory = StoreMemory(current.store, uuid.uuid4().hex[:12]) if current.store is not None else None
    result = find_plan(scenario, target, ranges, options, current.executor, memory,
                       on_replication=current.progress.advance, on_phase=current.progress.start)
    run_id = memory.check_run if memory is not None else None
    if run_id is not None and current.store is not None:
        current.store.save_plan(run_id, result)
    return result, run_id


def run_plan_job(scenario: Scenario, target: Target, ranges: Sequence[VaryRange], options: PlanOptions,
                 db: Optional[str], workers: int = 1, scheduler: Optional[str] = None,
                 on_progress: Optional[Callable[[str, int, int], None]] = None) -> dict[str, Any]:
    """A plan as a background job (the dashboard's): no progress bar; `on_progress(phase, done,
    total)` as replications finish. Returns {"plan": PlanResult as JSON data, "run_id": ...}."""
    with session(workers, scheduler, db, show_progress=False) as current:
        if on_progress is not None:
            state = {"phase": "", "done": 0, "total": 0}

            def start(phase: str, total: int) -> None:
                state.update(phase=phase, done=0, total=total)
                on_progress(phase, 0, total)

            def advance() -> None:
                state["done"] += 1
                on_progress(state["phase"], state["done"], state["total"])

            current.progress.start, current.progress.advance = start, advance  # type: ignore[method-assign]
        result, run_id = plan_in_session(current, scenario, target, ranges, options)
    return {"plan": result.model_dump(mode="json"), "run_id": run_id}

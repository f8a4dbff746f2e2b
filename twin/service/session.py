"""What a command does around an experiment: an executor, the results database, a progress bar.

A `Session` plans scenarios (warm-up pilots included), runs their replications on its executor,
stores each replication the moment it finishes and each run's result when it completes, and on
Ctrl-C or SIGTERM marks its unfinished runs 'interrupted' (their finished replications stay).
twin.cli.main builds one per command; nothing here parses options or prints results.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Sequence

from twin.experiments.executors import Executor, make_executor
from twin.experiments.replications import (
    PILOTS, Plan, PrecisionOutcome, aggregate, plan_experiments, run_plans, run_to_precision,
)
from twin.service.progress import ProgressBar
from twin.sim.results import ReplicationResult, RunResult
from twin.spec.scenario import Scenario
from twin.store.database import Store, StoreError
from twin.store.runs import target_details


class Session:
    """One command's executor, store (None: do not store) and progress bar."""

    def __init__(self, executor: Executor, store: Optional[Store], progress: ProgressBar) -> None:
        self.executor = executor
        self.store = store
        self.progress = progress
        self.open_runs: set[int] = set()  # stored runs not yet complete

    def plan(self, scenarios: Sequence[Scenario], seeds: Sequence[int]) -> list[Plan]:
        pilots = sum(s.run.warmup == "auto" for s in scenarios)
        if pilots:
            self.progress.start("warm-up pilots (MSER-5)", pilots * PILOTS)
        return plan_experiments(scenarios, seeds, self.executor, on_pilot=self.progress.advance)

    def begin(self, plan: Plan, planned: int, *, kind: str = "run", label: str = "", group: Optional[str] = None,
              details: Optional[dict[str, Any]] = None) -> Optional[int]:
        """Record a run as started; returns its id (None when not storing)."""
        run_id = None
        if self.store is not None:
            details = {"warmup": plan.warmup.model_dump(), "executor": self.executor.name,
                       **target_details(plan.scenario), **(details or {})}
            run_id = self.store.create_run(plan.scenario, seed=plan.seed, planned=planned,
                                           warmup_h=plan.warmup.warmup_h, kind=kind, label=label, group=group,
                                           details=details)
            self.open_runs.add(run_id)
        return run_id

    def record(self, run_id: Optional[int], result: ReplicationResult) -> None:
        if run_id is not None and self.store is not None:
            self.store.add_replication(run_id, result)
        self.progress.advance()

    def replicate(self, plans: Sequence[Plan], counts: Sequence[int], run_ids: Sequence[Optional[int]]
                  ) -> list[list[ReplicationResult]]:
        """Replications 0..count-1 of each plan, each stored as it finishes."""
        self.progress.start("simulating", sum(counts))
        return run_plans(plans, counts, self.executor, lambda k, result: self.record(run_ids[k], result))

    def replicate_to_precision(self, plan: Plan, run_id: Optional[int], precision: float, initial: int,
                               max_replications: int) -> tuple[list[ReplicationResult], PrecisionOutcome]:
        self.progress.start(f"simulating to ±{precision:.1%}", initial)
        return run_to_precision(plan, precision, initial, max_replications, self.executor,
                                on_done=lambda result: self.record(run_id, result), on_batch=self.progress.set_total)

    def finish(self, plan: Plan, run_id: Optional[int], replications: list[ReplicationResult],
               **details: Any) -> RunResult:
        """Aggregate a run and store it as complete."""
        result = aggregate(plan.scenario, replications, plan.seed, plan.warmup.warmup_h, executor=self.executor)
        if run_id is not None and self.store is not None:
            if details:
                self.store.update_details(run_id, **details)
            self.store.finish_run(run_id, result)
            self.open_runs.discard(run_id)
        return result

    def abandon(self, status: str) -> dict[int, int]:
        """Mark unfinished runs `status`; returns run id -> replications they keep."""
        kept: dict[int, int] = {}
        if self.store is not None:
            for run_id in self.open_runs:
                self.store.set_status(run_id, status)
                kept[run_id] = self.store.run(run_id).done  # the database's count: a signal may have
                # arrived between a replication's commit and any bookkeeping here
        self.open_runs.clear()
        return kept


@contextmanager
def session(workers: int, scheduler: Optional[str], db: Optional[str], show_progress: bool) -> Iterator[Session]:
    """Open executor, store and progress bar; SIGTERM counts as Ctrl-C. Raises ExecutorError or
    StoreError (bad scheduler or database) before any work starts. On an interruption, unfinished runs
    are marked 'interrupted' and KeyboardInterrupt propagates (with `.kept`: run id -> replications)."""
    store = Store(db) if db is not None else None
    try:
        with make_executor(workers, scheduler) as executor, ProgressBar(show_progress) as progress, _sigterm():
            current = Session(executor, store, progress)
            try:
                yield current
            except KeyboardInterrupt as exc:
                exc.kept = current.abandon("interrupted")  # type: ignore[attr-defined]
                raise
            except BaseException:
                try:
                    current.abandon("failed")
                except StoreError:
                    pass  # the error being raised says more than this one
                raise
    finally:
        if store is not None:
            store.close()


@contextmanager
def _sigterm() -> Iterator[None]:
    """Treat SIGTERM (kill, a job scheduler's stop) like Ctrl-C, so the run is marked interrupted."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

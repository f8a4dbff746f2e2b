"""Experiments: replications of scenarios as independent tasks, warm-up choice, and aggregation.

One replication is one task whose result depends only on (scenario, seed, replication index), so
any executor (twin.experiments.executors: this process, local processes, Dask) gives identical numbers, and
results are always put back in index order before any statistic is computed. A `Plan` is a
scenario with its warm-up fixed: taken from the file, or chosen by MSER-5 (twin.analysis.warmup) from pilot
replications when the file says `warmup: auto`. Sequential replications add tasks in batches whose
sizes depend only on results so far, never on the executor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from twin.sim.engine import run_replication
from twin.experiments.executors import Executor, InlineExecutor, make_executor
from twin.analysis.aggregate import aggregate_replications
from twin.analysis.constraint import PAIRED_RUNS, paired_runs, resolve  # noqa: F401 (paired_runs re-exported)
from twin.analysis.improvement import fair_step, improved
from twin.analysis.losses import loss_waterfall
from twin.sim.results import BottleneckResult, LossWaterfall, ReplicationResult, RunResult
from twin.spec.scenario import Scenario
from twin.analysis.statistics import half_width
from twin.analysis.warmup import WarmupChoice, warmup_from_series

"""The line KPIs a comparison reports (aggregation itself takes every numeric field)."""
PILOTS = 5
PILOT_FIRST_INDEX = 1_000_000
"""Pilot replications use their own streams (indices from here), so the warm-up they choose is not
fitted to the very replications it is then applied to."""
MIN_SEQUENTIAL = 3

OnDone = Callable[[ReplicationResult], None]


@dataclass(frozen=True)
class Task:
    """One replication: a scenario with a fixed warm-up, a root seed and a replication index."""

    scenario: Scenario
    replication: int
    seed: int


def run_task(task: Task) -> ReplicationResult:
    return run_replication(task.scenario, task.replication, task.seed)


def run_tasks(
    tasks: Sequence[Task],
    executor: Optional[Executor] = None,
    on_done: Optional[Callable[[int, ReplicationResult], None]] = None,
) -> list[ReplicationResult]:
    """Run `tasks` and return their results in task order; `on_done(position, result)` is called
    as each one finishes (in completion order)."""
    results: list[Optional[ReplicationResult]] = [None] * len(tasks)
    for position, result in (executor or InlineExecutor()).imap(run_task, list(tasks)):
        results[position] = result
        if on_done:
            on_done(position, result)
    return results  # type: ignore[return-value]  # every position filled


def with_warmup(scenario: Scenario, warmup_s: float) -> Scenario:
    """The scenario with a fixed warm-up (seconds) in place of its own or of 'auto'."""
    return scenario.model_copy(update={"run": scenario.run.model_copy(update={"warmup": float(warmup_s)})})


@dataclass(frozen=True)
class Plan:
    """A scenario ready to replicate: the scenario as loaded (its name and hash identify the run),
    the warm-up it will use, and the root seed."""

    scenario: Scenario
    warmup: WarmupChoice
    seed: int

    @property
    def resolved(self) -> Scenario:
        return with_warmup(self.scenario, self.warmup.warmup_s)

    def tasks(self, first: int, count: int) -> list[Task]:
        resolved = self.resolved
        return [Task(resolved, index, self.seed) for index in range(first, first + count)]


def plan_experiments(
    scenarios: Sequence[Scenario],
    seeds: Sequence[int],
    executor: Optional[Executor] = None,
    pilots: int = PILOTS,
    on_pilot: Optional[Callable[[], None]] = None,
) -> list[Plan]:
    """Fix the warm-up of each scenario; the pilots of every 'auto' scenario run as one task list.

    A pilot replication starts empty, has no warm-up and lasts run.length; the mean over pilots
    of its throughput and WIP series feeds MSER-5, and the later of the two cuts is the warm-up."""
    auto = [k for k, s in enumerate(scenarios) if s.run.warmup == "auto"]
    tasks = [
        Task(with_warmup(scenarios[k], 0.0), PILOT_FIRST_INDEX + p, seeds[k]) for k in auto for p in range(pilots)
    ]
    results = run_tasks(tasks, executor, (lambda *_: on_pilot()) if on_pilot else None)
    choices = {k: _mser_choice(results[i * pilots:(i + 1) * pilots]) for i, k in enumerate(auto)}
    return [
        Plan(s, choices.get(k) or WarmupChoice(method="fixed", warmup_h=float(s.run.warmup) / 3600), seeds[k])
        for k, s in enumerate(scenarios)
    ]


def _mser_choice(pilots: list[ReplicationResult]) -> WarmupChoice:
    series = [r.series for r in pilots]
    mean = {
        "throughput": np.mean([s.throughput_per_h for s in series], axis=0),
        "wip": np.mean([s.wip_cells for s in series], axis=0),
    }
    return warmup_from_series(series[0].times_h, mean, len(pilots))


def plan_experiment(scenario: Scenario, seed: Optional[int] = None, executor: Optional[Executor] = None,
                    pilots: int = PILOTS) -> Plan:
    return plan_experiments([scenario], [scenario.run.seed if seed is None else seed], executor, pilots)[0]


def run_plans(
    plans: Sequence[Plan],
    counts: Sequence[int],
    executor: Optional[Executor] = None,
    on_done: Optional[Callable[[int, ReplicationResult], None]] = None,
    first: int = 0,
) -> list[list[ReplicationResult]]:
    """Replications first..first+count-1 of each plan, all as one task list (so they share the
    workers); `on_done(plan_index, result)` as each finishes. Returns each plan's results in order."""
    owners = [k for k, count in enumerate(counts) for _ in range(count)]
    tasks = [task for plan, count in zip(plans, counts) for task in plan.tasks(first, count)]
    report = (lambda position, result: on_done(owners[position], result)) if on_done else None
    results = run_tasks(tasks, executor, report)
    grouped: list[list[ReplicationResult]] = [[] for _ in plans]
    for owner, result in zip(owners, results):
        grouped[owner].append(result)
    return grouped


class PrecisionOutcome(BaseModel):
    """Where sequential replications stopped and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kpi: str = Field(description="Line KPI whose CI half-width was targeted.")
    target: float = Field(description="Target half-width relative to the mean (0.01 = 1%).")
    achieved: Optional[float] = Field(description="Relative half-width reached (None if undefined).")
    reached: bool = Field(description="Whether the target was met (else the maximum stopped the run).")
    replications: int = Field(description="Replications run.")
    max_replications: int = Field(description="The cap on replications.")


def relative_half_width(values: Sequence[float]) -> Optional[float]:
    """95% CI half-width over |mean|; 0 when every value is the same, None when undefined."""
    data = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if len(data) < 2:
        return None
    half = half_width(data)
    if half == 0:
        return 0.0
    mean = abs(float(data.mean()))
    return half / mean if mean > 0 else None


def next_count(done: int, relative: Optional[float], target: float, maximum: int) -> int:
    """Replications to have after the next batch: the projection n (h/target)^2, at least one more,
    at most double (an early estimate of the variance is rough) and never above the maximum."""
    projected = done * 2 if relative is None else math.ceil(done * (relative / target) ** 2)
    return min(maximum, max(done + 1, min(2 * done, projected)))


def run_to_precision(
    plan: Plan,
    precision: float,
    initial: int,
    max_replications: int,
    executor: Optional[Executor] = None,
    on_done: Optional[OnDone] = None,
    on_batch: Optional[Callable[[int], None]] = None,
    kpi: str = "throughput_per_h",
) -> tuple[list[ReplicationResult], PrecisionOutcome]:
    """Add replications until the `kpi` CI half-width is at most `precision` x |mean|, or
    `max_replications`. `on_batch(total)` announces each new planned total (for progress bars)."""
    results: list[ReplicationResult] = []
    target_count = min(max(initial, MIN_SEQUENTIAL), max_replications)
    while True:
        if on_batch:
            on_batch(target_count)
        results += run_plans([plan], [target_count - len(results)], executor,
                             (lambda _, r: on_done(r)) if on_done else None, first=len(results))[0]
        relative = relative_half_width([r.line.model_dump(by_alias=True)[kpi] for r in results])
        reached = relative is not None and relative <= precision
        if reached or len(results) >= max_replications:
            return results, PrecisionOutcome(kpi=kpi, target=precision, achieved=relative, reached=reached,
                                             replications=len(results), max_replications=max_replications)
        target_count = next_count(len(results), relative, precision, max_replications)


def aggregate(
    scenario: Scenario, replications: list[ReplicationResult], seed: int, warmup_h: Optional[float] = None,
    executor: Optional[Executor] = None, paired: Optional[bool] = None,
) -> RunResult:
    """Means and 95% CIs over replications of every line and station KPI, and the bottleneck
    verdict. `warmup_h` is the warm-up used (needed when the scenario says 'auto'). When the load
    against calendar capacity cannot name the constraint, the few stations it cannot separate get
    a fair +10% capacity step each, replicated with the same seed and replication indices (paired,
    common random numbers) on `executor` (default: this process), unless `paired` is False (or
    `paired_runs(False)` is in force: variants of an analysis do not need their own verdict)."""
    if warmup_h is None:
        if scenario.run.warmup == "auto":
            raise ValueError("the scenario's warm-up is 'auto': pass the warm-up its plan chose")
        warmup_h = float(scenario.run.warmup) / 3600
    result = aggregate_replications(
        replications, scenario_name=scenario.name, scenario_hash=scenario.content_hash(), seed=seed,
        warmup_h=warmup_h, length_h=scenario.run.length / 3600,
        targets_per_day=scenario.run.target_per_day or (),
        target_by_h=None if scenario.run.target_by is None else scenario.run.target_by / 3600,
    )
    steps = {spec.name: fair_step(spec)[1] for spec in scenario.stations}
    verdict = result.bottleneck.model_copy(update={
        "load": {n: load.model_copy(update={"step": steps.get(n, "")}) for n, load in result.bottleneck.load.items()}})
    not_run = _why_not_paired(scenario, len(replications), PAIRED_RUNS.get() if paired is None else paired)
    if verdict.unresolved and not_run is None:
        verdict = resolve(verdict, paired_gains(scenario, replications, seed, warmup_h, verdict.unresolved, executor),
                          replications)
    elif verdict.unresolved:
        verdict = verdict.model_copy(update={"paired_not_run": not_run})
    return result.model_copy(update={"bottleneck": verdict, "losses": _waterfall(scenario, replications, verdict)})


def _why_not_paired(scenario: Scenario, replications: int, asked: bool) -> Optional[str]:
    """Why this run makes no paired runs (None: it makes them when the load cannot decide)."""
    if scenario.run.period is not None:  # paired +10% runs would cost as much again per station
        return "a ramp-up's verdict is by load only; `twin bottleneck --run ID` makes them"
    if not asked:
        return "this run is a variant of an analysis; `twin bottleneck --run ID` makes them"
    if replications < 2:
        return "they need at least 2 replications"
    return None


def _waterfall(scenario: Scenario, replications: Sequence[ReplicationResult], verdict: BottleneckResult
               ) -> Optional[LossWaterfall]:
    """The loss waterfall below the constraint (else the momentary bottleneck), stored with the run
    so that no reader recomputes it."""
    station = verdict.primary or verdict.momentary
    if station is None:
        return None
    try:
        return loss_waterfall(scenario, list(replications), station)
    except (KeyError, ValueError, ZeroDivisionError):
        return None


def paired_gains(
    scenario: Scenario, replications: Sequence[ReplicationResult], seed: int, warmup_h: float,
    stations: Sequence[str], executor: Optional[Executor] = None,
) -> dict[str, tuple[str, list[float]]]:
    """Station -> (fair step, per-replication gain in good cells/h) by paired runs: each variant
    replicates the base's replication indices with the base's seed, all as one task list."""
    variants = [improved(scenario, name, "fair") for name in stations]
    tasks = [Task(with_warmup(variant, warmup_h * 3600), r.replication, seed)
             for variant, _ in variants for r in replications]
    results = run_tasks(tasks, executor)
    n = len(replications)
    return {
        name: (step, [v.line.throughput_per_h - b.line.throughput_per_h
                      for v, b in zip(results[k * n:(k + 1) * n], replications)])
        for k, (name, (_, step)) in enumerate(zip(stations, variants))
    }


def run_replications(
    scenario: Scenario,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    workers: int = 1,
    on_done: Optional[OnDone] = None,
    executor: Optional[Executor] = None,
) -> list[ReplicationResult]:
    """Replications 0..n-1 in index order (a warm-up of 'auto' is chosen first by MSER-5)."""
    return _replicate(scenario, replications, seed, workers, on_done, executor)[1]


def run_experiment(
    scenario: Scenario,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    workers: int = 1,
    on_done: Optional[OnDone] = None,
    executor: Optional[Executor] = None,
) -> RunResult:
    """Replicate a scenario and report every KPI with its confidence interval."""
    plan, results = _replicate(scenario, replications, seed, workers, on_done, executor)
    return aggregate(scenario, results, plan.seed, plan.warmup.warmup_h)


def _replicate(scenario: Scenario, replications: Optional[int], seed: Optional[int], workers: int,
               on_done: Optional[OnDone], executor: Optional[Executor]) -> tuple[Plan, list[ReplicationResult]]:
    with _executor(executor, workers) as running:
        plan = plan_experiment(scenario, seed, running)
        count = scenario.run.replications if replications is None else replications
        return plan, run_plans([plan], [count], running, (lambda _, r: on_done(r)) if on_done else None)[0]


class _Borrowed(Executor):
    """A caller's executor, used without closing it."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self.name = executor.name

    def imap(self, fn: Callable[[Task], ReplicationResult], items: Sequence[Task]) -> Iterator[tuple[int, ReplicationResult]]:
        return self._executor.imap(fn, items)


def _executor(executor: Optional[Executor], workers: int) -> Executor:
    return _Borrowed(executor) if executor is not None else make_executor(workers)

"""The work behind `twin run`, `twin bottleneck` and `twin sweep`, callable by any front end.

The CLI calls these in its own process; the dashboard calls them in a worker process
(dashboard.jobs). Both learn a stored run's id the moment it exists through `on_run`, as data,
and read progress from the results database, so no front end parses another's text output.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable, Literal, Optional, Sequence

from twin.analysis.bottleneck import BottleneckAnalysis, analyse
from twin.experiments.compare import ComparedRun, ComparisonResult, compare_replications
from twin.experiments.replications import Plan, PrecisionOutcome, with_warmup
from twin.experiments.sweep import SweepError, SweepResult, label, sweep_point, sweep_points
from twin.service.session import Session
from twin.sim.results import ReplicationResult, RunResult
from twin.spec.scenario import Scenario

OnRun = Callable[[int], None]
"""Told the id of each stored run as soon as the database has it."""


class TaskError(ValueError):
    """A request the task cannot carry out (a user error: the front end shows the message)."""


@dataclass(frozen=True)
class RunOutcome:
    run_id: Optional[int]  # None when the session does not store
    plan: Plan
    result: RunResult
    precision: Optional[PrecisionOutcome]


def run_scenario(session: Session, scenario: Scenario, *, replications: Optional[int] = None,
                 seed: Optional[int] = None, precision: Optional[float] = None, max_replications: int = 200,
                 on_run: OnRun = lambda run_id: None) -> RunOutcome:
    """Simulate a scenario: its replications (or enough for `precision`), stored as they finish."""
    root = scenario.run.seed if seed is None else seed
    count = replications or scenario.run.replications
    plan = session.plan([scenario], [root])[0]
    run_id = session.begin(plan, max_replications if precision else count,
                           details={"precision": precision} if precision else None)
    if run_id is not None:
        on_run(run_id)
    outcome = None
    if precision:
        results, outcome = session.replicate_to_precision(plan, run_id, precision, count, max_replications)
    else:
        results = session.replicate([plan], [count], [run_id])[0]
    result = session.finish(plan, run_id, results, **({"precision": outcome.model_dump()} if outcome else {}))
    return RunOutcome(run_id, plan, result, outcome)


@dataclass(frozen=True)
class CompareOutcome:
    plans: list[Plan]  # base, what-if
    comparison: ComparisonResult


def compare_scenarios(session: Session, base: Scenario, whatif: Scenario, *, replications: Optional[int] = None,
                      seed: Optional[int] = None, independent: bool = False,
                      on_run: OnRun = lambda run_id: None) -> CompareOutcome:
    """Replications of a base and a what-if with the same seeds (common random numbers; or
    independent seeds), both stored as one group, and their paired comparison."""
    root = base.run.seed if seed is None else seed
    seeds = [root, root + 1 if independent else root]
    count = replications or base.run.replications
    if count < 2:
        raise TaskError("a comparison needs at least 2 replications for a confidence interval")
    group = uuid.uuid4().hex[:12]
    plans = session.plan([base, whatif], seeds)
    ids = [session.begin(p, count, kind="compare", label=role, group=group) for p, role in zip(plans, ("base", "what-if"))]
    for run_id in ids:
        if run_id is not None:
            on_run(run_id)
    results = session.replicate(plans, [count, count], ids)
    for plan, run_id, reps in zip(plans, ids, results):
        session.finish(plan, run_id, reps)
    sides = [ComparedRun(scenario=p.scenario.name, scenario_hash=p.scenario.content_hash(), seed=p.seed,
                         warmup_h=p.warmup.warmup_h, run_id=run_id) for p, run_id in zip(plans, ids)]
    return CompareOutcome(list(plans), compare_replications(results[0], results[1], sides[0], sides[1]))


def rank_improvements(session: Session, *, scenario: Optional[Scenario] = None, stored_run: Optional[int] = None,
                      how: Literal["fair", "rate", "machine"] = "fair", top: Optional[int] = 5,
                      replications: Optional[int] = None, seed: Optional[int] = None,
                      on_run: OnRun = lambda run_id: None) -> BottleneckAnalysis:
    """The bottleneck report of a scenario (simulated here) or of a stored run (its scenario and
    replications): base and variant runs are stored as one group, the analysis under the base run."""
    if (scenario is None) == (stored_run is None):
        raise TaskError("give a scenario FILE or --run ID (a stored run), not both")
    base: list[ReplicationResult] = []
    result: Optional[RunResult] = None
    if stored_run is not None:
        if session.store is None:
            raise TaskError("analysing a stored run needs the results database")
        record = session.store.run(stored_run)
        stored = session.store.replications(stored_run)
        base = [r for i, r in enumerate(stored) if all(b.replication == j for j, b in enumerate(stored[: i + 1]))]
        if len(base) < 2:
            raise TaskError(f"run {stored_run} has {len(base)} finished replications; the analysis needs at least 2")
        scenario = with_warmup(session.store.scenario(stored_run), record.warmup_h * 3600)
        root, count = record.seed, len(base)
        result = session.store.result(stored_run)
    else:
        assert scenario is not None
        root = scenario.run.seed if seed is None else seed
        count = replications or scenario.run.replications
        if count < 2:
            raise TaskError("the analysis needs at least 2 replications for confidence intervals")
    group = uuid.uuid4().hex[:12]
    plan = session.plan([scenario], [root])[0]
    run_id = stored_run
    if stored_run is None:
        run_id = session.begin(plan, count, kind="bottleneck", label="base", group=group)
        if run_id is not None:
            on_run(run_id)
        base = session.replicate([plan], [count], [run_id])[0]
        result = session.finish(plan, run_id, base)
    fixed = plan.warmup.warmup_h * 3600

    def replicate(variant: Scenario) -> list[ReplicationResult]:
        variant_plan = session.plan([with_warmup(variant, fixed)], [root])[0]
        change = describe_change(plan.scenario, variant)
        variant_id = session.begin(variant_plan, count, kind="bottleneck", label=f"variant: {change}", group=group,
                                   details={"variant_of": run_id, "change": change})
        if variant_id is not None:
            on_run(variant_id)  # a front end follows the ranking's progress run by run
        runs = session.replicate([variant_plan], [count], [variant_id])[0]
        session.finish(variant_plan, variant_id, runs)
        return runs

    verdict = result.bottleneck if result is not None and result.replications == len(base) else None
    analysis = analyse(plan.scenario, base, replicate, how, top, verdict)  # the run's stored verdict
    if session.store is not None and run_id is not None:
        session.store.save_analysis(run_id, analysis)
    return analysis


def describe_change(base: Scenario, variant: Scenario) -> str:
    """What a variant changed, in words: 'winding machines 1 → 2', 'winding +10 % rate' (a shorter
    mean cycle time), else the station's name; stations compared field by field."""
    said = []
    for old in base.stations:
        new = next((s for s in variant.stations if s.name == old.name), None)
        if new is None or new == old:
            continue
        before, after = old.model_dump(by_alias=True), new.model_dump(by_alias=True)
        if before.get("machines") != after.get("machines"):
            said.append(f"{old.name} machines {before.get('machines')} → {after.get('machines')}")
        elif before.get("cycle_time") != after.get("cycle_time"):
            old_mean, new_mean = _mean_s(old), _mean_s(new)
            said.append(f"{old.name} {old_mean / new_mean - 1:+.0%} rate" if old_mean and new_mean
                        else f"{old.name} cycle time")
        else:
            said.append(f"{old.name} " + ", ".join(k for k in after if before.get(k) != after.get(k)))
    return "; ".join(said) or "no change"


def _mean_s(station: Any) -> Optional[float]:
    cycle = getattr(station, "cycle_time", None)
    mean = getattr(cycle, "mean", None) if cycle is not None else None
    try:
        return float(mean() if callable(mean) else mean) if mean is not None else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class SweepOutcome:
    run_ids: list[Optional[int]]
    result: SweepResult


def run_sweep(session: Session, scenario: Scenario, assignments: Sequence[tuple[str, list[Any]]], *,
              replications: Optional[int] = None, seed: Optional[int] = None,
              on_run: OnRun = lambda run_id: None) -> SweepOutcome:
    """Every combination of the assignments' values (full factorial, twin.experiments.sweep) with the
    same seed at every point (common random numbers), each point stored as a run of kind 'sweep'
    in one group with its settings as data; as `twin sweep` does. Raises TaskError for a bad path."""
    try:
        points = sweep_points(scenario, [(path, list(values)) for path, values in assignments])
    except SweepError as exc:
        raise TaskError(str(exc)) from None
    scenarios = [point for _, point in points]
    seeds = [point.run.seed if seed is None else seed for point in scenarios]
    counts = [replications or point.run.replications for point in scenarios]
    group = uuid.uuid4().hex[:12]
    plans = session.plan(scenarios, seeds)
    ids = [session.begin(p, n, kind="sweep", label=label(settings), group=group, details={"sweep_settings": settings})
           for p, n, (settings, _) in zip(plans, counts, points)]
    for run_id in ids:
        if run_id is not None:
            on_run(run_id)
    results = session.replicate(plans, counts, ids)
    finished = [session.finish(p, run_id, reps) for p, run_id, reps in zip(plans, ids, results)]
    result = SweepResult(scenario=scenario.name, seed=seeds[0], parameters=[path for path, _ in assignments],
                         points=[sweep_point(settings, r, run_id)
                                 for (settings, _), r, run_id in zip(points, finished, ids)])
    return SweepOutcome(ids, result)


def run_grid(session: Session, base: Scenario, whatifs: Sequence[Scenario], *, replications: Optional[int] = None,
             seed: Optional[int] = None, on_run: OnRun = lambda run_id: None) -> list[Optional[int]]:
    """A scenario grid: the base and every what-if with the base's seed (common random numbers, so
    each what-if pairs with the base replication by replication), stored as one group of kind
    'compare' (labels 'base' and 'what-if'); returns the run ids, base first."""
    if not whatifs:
        raise TaskError("a grid needs at least one what-if beside its base")
    root = base.run.seed if seed is None else seed
    count = replications or base.run.replications
    if count < 2:
        raise TaskError("a comparison needs at least 2 replications for a confidence interval")
    group = uuid.uuid4().hex[:12]
    scenarios = [base, *whatifs]
    plans = session.plan(scenarios, [root] * len(scenarios))
    ids = [session.begin(p, count, kind="compare", label="base" if i == 0 else "what-if", group=group)
           for i, p in enumerate(plans)]
    for run_id in ids:
        if run_id is not None:
            on_run(run_id)
    results = session.replicate(plans, [count] * len(plans), ids)
    for plan, run_id, reps in zip(plans, ids, results):
        session.finish(plan, run_id, reps)
    return ids

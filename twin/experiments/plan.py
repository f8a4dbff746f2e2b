"""Planning: the cheapest configuration of some integer fields that meets a KPI target, with evidence.

`twin plan FILE --target throughput_per_h=20 --vary stations.s1.machines=1..12 ...` is answered in
four steps, each cheaper than the next is careful:

1. **Capacity arithmetic.** One screening run with every varied field at the top of its range
   measures, per station, the ideal machine time its work needs per good cell out of the line
   (`processed_per_h x units / capacity_per_h`, so yields, splits, batches and roll-to-cell
   conversion are all in it). A station with availability A (failures, shifts) then needs at least
   `work_per_cell x target / A` units: no configuration below that can meet the target, so the
   search starts there and never simulates below it. The same run tells an unreachable target.
2. **Search on short runs** (screening: few replications, a quarter of the run length) under common
   random numbers (every configuration uses the same seed and replication indices, so differences
   between configurations are not noise between streams): greedy ascent from the bound, adding
   the unit with the largest KPI gain per cost until the screened mean reaches the target, then an
   Optuna TPE study (constrained: objective cost, constraint target - mean) looking for cheaper
   feasible configurations in the box between bound and greedy point. Configurations dominated by a
   screened miss, or not cheaper than the incumbent, are told to Optuna without simulating.
3. **Ranking and selection on full runs**: screened-feasible candidates in order of cost get the
   file's run length and replications; close calls (the one-sided confidence bound straddles the
   target) get more replications, doubling up to a maximum, until they are decided. The cheapest
   that meets is chosen; then each varied field is lowered by one step, and either the lowered plan
   meets (it is cheaper: take it and try again) or the miss is the evidence.
4. **Independent check**: the chosen plan again with a fresh root seed; "meets" means the
   one-sided lower confidence bound of the KPI's long-run mean (at `confidence`) is at least the
   target, so the probability statement is about this fresh run, not the one that chose the plan.

Replications are tasks on any executor (twin.experiments.executors), so a plan runs on Dask like a
sweep; a `ReplicationMemory` (the service layer's results store) lets a stopped plan resume
without re-simulating what it already ran.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Optional, Protocol, Sequence

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field
from scipy.special import stdtrit

from twin.analysis.statistics import estimate
from twin.experiments.executors import Executor, InlineExecutor
from twin.experiments.replications import Task, plan_experiment, run_tasks, with_warmup
from twin.experiments.sweep import SweepError, apply_overrides
from twin.sim.results import Estimate, LineReplication, ReplicationResult
from twin.spec.scenario import Scenario, capital_cost_per_year_gbp

UNIT_FIELDS = ("machines", "capacity")
"""Fields that count machines, racks or places: capacity arithmetic bounds them, cost 1 per unit."""
BUFFER_UNIT_COST = 0.01
"""Default cost of one buffer slot, against 1 for a machine: small, so that buffers break ties."""
BUFFER_SLOT_CAPEX_GBP = 200.0
"""Capital of one buffer slot (a tray place on a conveyor or in a store) when the plan is costed in
GBP: the catalogue's price of an aging tower place (assumption); small against any machine."""
THROUGHPUT_KPIS = ("throughput_per_h", "gwh_per_year")
"""KPIs proportional to good output: the only ones capacity arithmetic can bound."""
CHECK_SEED_OFFSET = 7_919
"""The check run's root seed is the plan's seed plus this: streams independent of every search run."""
SCREEN_REPLICATIONS = 4
SCREEN_FRACTION = 0.25
"""Screening runs observe this share of the file's run length (after the same warm-up)."""
SUSPECTS = 3
"""A step of the greedy ascent tries the fields of this many stations: the likeliest bottlenecks."""
SELECT_CANDIDATES = 4
"""Screened hits, cheapest first, that get full runs before the search falls back to full-run steps."""
OPTUNA_TRIALS = 40
"""At most this many Optuna trials after the greedy ascent (most are answered without simulating)."""
JOINT_BELOW = 0.25
"""The ascent's joint step is tried when no single step closes this share of the gap to the target."""


class PlanError(ValueError):
    """A --vary, --target or cost file that cannot apply (one line, for the CLI's exit 2)."""


# -- the request -----------------------------------------------------------------------------------
class VaryRange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = Field(description="Dotted scenario path of an integer field (stations.formation.machines).")
    low: int = Field(description="Smallest value tried.")
    high: int = Field(description="Largest value tried.")
    step: int = Field(1, ge=1, description="Values tried are low, low+step, ... up to high.")


class Target(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kpi: str = Field(description="A line KPI (throughput_per_h, gwh_per_year, yield, ...).")
    value: float = Field(description="The plan must reach KPI >= value.")


LINE_KPIS = tuple(f.alias or name for name, f in LineReplication.model_fields.items())
_VARY = re.compile(r"^\s*([^=\s]+)\s*=\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*(?::\s*(\d+)\s*)?$")


def parse_vary(text: str) -> VaryRange:
    """'stations.s1.machines=1..12' (or '=0..40:5' for a step of 5) -> VaryRange."""
    match = _VARY.match(text)
    if not match:
        raise PlanError(f"--vary {text!r}: write PATH=LO..HI with whole numbers, e.g. stations.formation.machines=60..90")
    path, low, high, step = match.group(1), int(match.group(2)), int(match.group(3)), int(match.group(4) or 1)
    if low > high:
        raise PlanError(f"--vary {text!r}: LO ({low}) is larger than HI ({high})")
    if step < 1:
        raise PlanError(f"--vary {text!r}: the step must be at least 1")
    return VaryRange(path=path, low=low, high=high, step=step)


def parse_target(text: str) -> Target:
    """'throughput_per_h=20' -> Target; the KPI must be a line KPI."""
    kpi, sep, value = text.partition("=")
    kpi = kpi.strip()
    if not sep or not kpi:
        raise PlanError(f"--target {text!r}: write KPI=VALUE, e.g. throughput_per_h=20 or gwh_per_year=10")
    if kpi not in LINE_KPIS:
        raise PlanError(f"--target {text!r}: unknown KPI {kpi!r} (one of: {', '.join(LINE_KPIS)})")
    try:
        number = float(value)
    except ValueError:
        raise PlanError(f"--target {text!r}: {value.strip()!r} is not a number") from None
    if not math.isfinite(number):
        raise PlanError(f"--target {text!r}: the value must be finite")
    return Target(kpi=kpi, value=number)


def expand_ranges(scenario: Scenario, ranges: Sequence[VaryRange]) -> list[VaryRange]:
    """Each range with a '*' station (stations.*.buffer) as one range per station that has the field
    set in the file; every path checked at both ends of its range by re-validating the scenario."""
    expanded: list[VaryRange] = []
    for item in ranges:
        parts = item.path.split(".")
        if len(parts) == 3 and parts[0] == "stations" and any(c in parts[1] for c in "*?["):
            names = [s.name for s in scenario.stations if fnmatch.fnmatchcase(s.name, parts[1])
                     and getattr(s, parts[2], None) is not None]
            if not names:
                raise PlanError(f"--vary {item.path}: no station matches {parts[1]!r} with {parts[2]!r} set")
            expanded += [item.model_copy(update={"path": f"stations.{name}.{parts[2]}"}) for name in names]
        else:
            expanded.append(item)
    paths = [item.path for item in expanded]
    if len(set(paths)) != len(paths):
        raise PlanError("a path is given twice in --vary")
    for item in expanded:
        current = _current(scenario, item.path)
        if not isinstance(current, int) or isinstance(current, bool):
            raise PlanError(f"--vary {item.path}: the field is {current!r} in the scenario, not a whole number")
        for value in {item.low, item.high}:
            try:
                apply_overrides(scenario, {item.path: value})
            except SweepError as exc:
                raise PlanError(str(exc).replace("--set", "--vary", 1)) from None
    return expanded


def _current(scenario: Scenario, path: str) -> Any:
    """The value at a dotted path (stations and sources by name), or raise PlanError."""
    try:
        node: Any = scenario.model_dump(mode="json", by_alias=True)
        for key in path.split("."):
            if isinstance(node, list):
                names = [item.get("name") for item in node]
                node = node[names.index(key)] if key in names else node[int(key)]
            else:
                node = node[key]
        return node
    except (KeyError, ValueError, IndexError, TypeError):
        try:
            apply_overrides(scenario, {path: 0})
        except SweepError as exc:
            raise PlanError(str(exc).replace("--set", "--vary", 1)) from None
        raise PlanError(f"--vary {path}: no such field") from None


# -- cost ----------------------------------------------------------------------------------------
class CostModel(BaseModel):
    """Cost per unit of each varied field: machines, racks and places 1, buffer slots 0.01, unless a
    cost file says otherwise (`path-or-pattern: cost per unit`, e.g. `stations.formation.machines: 12`
    or `stations.*.buffer: 0.05`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unit_costs: dict[str, float] = Field(default_factory=dict, description="Path or fnmatch pattern -> cost per unit.")
    basis: str = Field("units", description="What a cost counts: 'units' (machines, racks and places; buffer "
                       "slots 0.01), 'GBP/yr' (the stations' declared capital per year) or 'cost file'.")

    def unit(self, path: str) -> float:
        for pattern, cost in self.unit_costs.items():
            if path == pattern or fnmatch.fnmatchcase(path, pattern):
                return cost
        return BUFFER_UNIT_COST if path.endswith(".buffer") else 1.0

    def of(self, settings: dict[str, int]) -> float:
        return float(sum(self.unit(path) * value for path, value in settings.items()))


def station_costs(scenario: Scenario, ranges: Sequence["VaryRange"]) -> Optional[CostModel]:
    """The plan costed by the stations' own `cost:` (capital per year, straight line), when every
    station with a varied machine or place field declares one: per unit, the station's capital per
    year over its machines (places) in the file; a buffer slot BUFFER_SLOT_CAPEX_GBP over 10 years.
    None when any of them has no capital (then counting units is the only fair common measure)."""
    by_name = {s.name: s for s in scenario.stations}
    costs: dict[str, float] = {}
    for r in ranges:
        name, _, key = r.path.removeprefix("stations.").rpartition(".")
        station = by_name.get(name)
        if station is None:
            return None
        if key == "buffer":
            costs[r.path] = BUFFER_SLOT_CAPEX_GBP / 10
            continue
        units = getattr(station, key, None)
        capital = capital_cost_per_year_gbp(station)
        if not isinstance(units, int) or units < 1 or capital <= 0:
            return None
        costs[r.path] = capital / units
    return CostModel(unit_costs=costs, basis="GBP/yr") if costs else None


def load_costs(path: str | Path) -> CostModel:
    """Read a cost file (YAML mapping of path or pattern to a non-negative cost per unit)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"--cost {path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise PlanError(f"--cost {path}{where}: not valid YAML") from None
    if not isinstance(data, dict) or not data:
        raise PlanError(f"--cost {path}: write one 'path: cost per unit' per line, e.g. stations.formation.machines: 12")
    costs: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise PlanError(f"--cost {path}: {key}: the cost must be a non-negative number (got {value!r})")
        costs[str(key)] = float(value)
    return CostModel(unit_costs=costs, basis="cost file")


# -- results -------------------------------------------------------------------------------------
class KpiCheck(BaseModel):
    """A configuration's KPI over replications and whether it meets the target at the confidence."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    settings: dict[str, int]
    cost: float
    stage: Literal["screen", "confirm", "check"] = Field(description="Short screening runs, full runs, or the fresh-seed check.")
    replications: int
    mean: Optional[float]
    ci95: tuple[Optional[float], Optional[float]] = Field(description="Two-sided 95% CI of the mean.")
    lower_bound: Optional[float] = Field(description="One-sided lower confidence bound at the plan's confidence.")
    upper_bound: Optional[float] = Field(description="One-sided upper confidence bound at the plan's confidence.")
    meets: bool = Field(description="lower_bound >= target: the long-run mean reaches it with the stated confidence.")


class LoweredCheck(BaseModel):
    """Evidence that one varied field cannot go one step lower."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    value: int = Field(description="The lowered value.")
    reason: Literal["range", "capacity", "simulation"] = Field(
        description="'range': below the --vary range; 'capacity': below the capacity bound (no simulation can meet "
        "it); 'simulation': simulated under common random numbers and not meeting the target (the lowered plan, or "
        "one with at least as much of every field: `check.settings` says which).")
    bound: Optional[int] = Field(None, description="The capacity bound of the field, when reason is 'capacity'.")
    check: Optional[KpiCheck] = Field(None, description="The runs that missed, when reason is 'simulation': the lowered "
                                      "plan's, or a plan's with at least as much of every field.")

    def evidence(self) -> str:
        """Why the field cannot go one step lower, in words (the CLI table and the plan page say the same)."""
        if self.reason == "range":
            return "below the range"
        if self.reason == "capacity":
            return f"below the capacity bound {self.bound}"
        if self.check is None or self.check.mean is None:
            return "misses"
        low, high = self.check.ci95
        interval = f" [{low:.4g}, {high:.4g}]" if low is not None and high is not None else ""
        return f"misses: {self.check.mean:.4g}{interval}"


class PlanResult(BaseModel):
    """What `twin plan --json` prints and the store keeps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    scenario_hash: str
    seed: int
    target: Target
    confidence: float
    vary: list[VaryRange]
    feasible: bool = Field(description="Whether a plan that meets the target was found and passed the check.")
    message: str = Field(description="One line: the answer, or why there is none.")
    best: Optional[dict[str, int]] = Field(description="The chosen value of each varied field.")
    kpis: dict[str, Estimate] = Field(default_factory=dict, description="Line KPIs of the chosen plan's check run.")
    cost: Optional[float] = Field(description="Cost of the chosen plan, in `cost_basis`.")
    cost_basis: str = Field("units", description="What the costs count: 'units' (machines, racks, places; buffer "
                            "slots 0.01 each), 'GBP/yr' (declared capital per year) or 'cost file'.")
    evaluations: int = Field(description="Distinct configurations evaluated (simulated, or read back from the store).")
    replications_run: int = Field(description="Replications behind the answer (screening, full and check runs).")
    replications_recalled: int = Field(0, description="Of those, read back from the results store (a resumed plan).")
    bounds: dict[str, int] = Field(description="Capacity-arithmetic lower bound of each machine/place field.")
    check: Optional[KpiCheck] = Field(description="The chosen plan's independent run with fresh seeds.")
    lowered: list[LoweredCheck] = Field(default_factory=list, description="Each field one step lower misses.")
    runners_up: list[KpiCheck] = Field(default_factory=list, description="Next cheapest plans that met on full runs.")
    frontier: list[KpiCheck] = Field(default_factory=list, description="Every evaluated plan (cost against KPI).")
    total_buffer: Optional[int] = Field(None, description="Buffer allocation: the fixed total of the varied buffers.")


# -- running configurations ----------------------------------------------------------------------
class ReplicationMemory(Protocol):
    """Replications kept between runs (the results store): what a stopped plan does not redo."""

    def recall(self, scenario: Scenario, seed: int, label: str) -> dict[int, ReplicationResult]: ...

    def keep(self, scenario: Scenario, seed: int, label: str, results: list[ReplicationResult]) -> None: ...


@dataclass
class PlanOptions:
    """How hard to look; defaults suit a line that runs in seconds."""

    confidence: float = 0.9
    budget_runs: int = 400
    """Most replications of the short-run search; full runs of candidates, evidence and check come on top."""
    screen_replications: int = SCREEN_REPLICATIONS
    screen_fraction: float = SCREEN_FRACTION
    replications: Optional[int] = None
    """Full-run replications to start with (default: the file's, at least 5)."""
    max_replications: int = 20
    seed: Optional[int] = None
    costs: Optional[CostModel] = None
    """None: the stations' declared capital (`station_costs`) where every varied station has one, else units."""
    total_buffer: Optional[int] = None


Key = tuple[int, ...]
OnReplication = Callable[[], None]
OnPhase = Callable[[str, int], None]


class _Budget(Exception):
    """The search's replication budget is spent."""


class _Runner:
    """Runs configurations under common random numbers and remembers every replication."""

    def __init__(self, base: Scenario, ranges: list[VaryRange], target: Target, options: PlanOptions, seed: int,
                 executor: Executor, memory: Optional[ReplicationMemory], on_replication: Optional[OnReplication]):
        self.base, self.ranges, self.target, self.seed = base, ranges, target, seed
        self.options = dataclasses.replace(options)  # its budget moves during the plan; the caller's stays
        self.executor, self.memory, self.on_replication = executor, memory, on_replication
        self.lengths = {"screen": base.run.length * options.screen_fraction, "confirm": base.run.length,
                        "check": base.run.length}
        self.results: dict[tuple[str, Key], list[ReplicationResult]] = {}
        self.used = 0  # replications simulated by the search (not counting those recalled)
        self.simulated: set[Key] = set()
        self.recalled = 0
        self.bounds: dict[str, int] = {}  # capacity bound of each machine/place field, once measured

    def settings(self, key: Key) -> dict[str, int]:
        return {r.path: v for r, v in zip(self.ranges, key)}

    def scenario(self, key: Key, stage: str) -> Scenario:
        scenario = apply_overrides(self.base, self.settings(key))
        run = scenario.run.model_copy(update={"length": float(self.lengths[stage])})
        return scenario.model_copy(update={"run": run})

    def ensure(self, keys: Sequence[Key], count: int, stage: str, budgeted: bool = True) -> None:
        """At least `count` replications of each configuration at `stage`, all as one task list."""
        seed = self.seed + CHECK_SEED_OFFSET if stage == "check" else self.seed
        tasks: list[Task] = []
        owners: list[tuple[str, Key]] = []
        for key in dict.fromkeys(keys):
            have = self.results.setdefault((stage, key), [])
            if len(have) >= count:
                continue
            scenario = self.scenario(key, stage)
            if self.memory is not None:  # replications a stopped plan (or this one) already stored
                recalled = self.memory.recall(scenario, seed, _label(self.settings(key)) + f" ({stage})")
                for index in range(len(have), count):
                    if index not in recalled:
                        break
                    have.append(recalled[index])
                    self.recalled += 1
            missing = range(len(have), count)
            if budgeted and self.used + len(missing) > self.options.budget_runs:
                raise _Budget()
            tasks += [Task(scenario, index, seed) for index in missing]
            owners += [(stage, key)] * len(missing)
        if not tasks:
            return
        self.used += len(tasks) if budgeted else 0
        done = run_tasks(tasks, self.executor, (lambda *_: self.on_replication()) if self.on_replication else None)
        fresh: dict[tuple[str, Key], list[ReplicationResult]] = {}
        for owner, result in zip(owners, done):
            self.results[owner].append(result)
            fresh.setdefault(owner, []).append(result)
            self.simulated.add(owner[1])
        if self.memory is not None:
            for (stage_name, key), results in fresh.items():
                self.memory.keep(self.scenario(key, stage_name), seed, _label(self.settings(key)) + f" ({stage_name})",
                                 results)

    def simulated_keys(self, stage: str) -> list[Key]:
        return [key for (s, key), results in self.results.items() if s == stage and results]

    def values(self, key: Key, stage: str) -> list[float]:
        return [_kpi(r, self.target.kpi) for r in self.results.get((stage, key), [])]

    def check(self, key: Key, stage: str) -> KpiCheck:
        values = self.values(key, stage)
        finite = [v for v in values if math.isfinite(v)]
        mean = float(np.mean(finite)) if finite else None
        lower = upper = None
        if len(finite) >= 2:
            spread = float(stdtrit(len(finite) - 1, self.options.confidence) * np.std(finite, ddof=1)
                           / math.sqrt(len(finite)))
            lower, upper = mean - spread, mean + spread  # type: ignore[operator]
        two_sided = estimate(values)
        return KpiCheck(settings=self.settings(key), cost=self.options.costs.of(self.settings(key)), stage=stage,
                        replications=len(values), mean=mean, ci95=two_sided.ci95, lower_bound=lower,
                        upper_bound=upper, meets=lower is not None and lower >= self.target.value)

    def screened_mean(self, key: Key) -> float:
        values = [v for v in self.values(key, "screen") if math.isfinite(v)]
        return float(np.mean(values)) if values else -math.inf

    def decide(self, key: Key, stage: str = "confirm", budgeted: bool = True) -> KpiCheck:
        """Full runs of a configuration, with more replications while the call is close."""
        count = max(self.options.replications or self.base.run.replications, 5)
        while True:
            self.ensure([key], count, stage, budgeted)
            result = self.check(key, stage)
            close = (result.lower_bound is not None and result.upper_bound is not None
                     and result.lower_bound < self.target.value <= result.upper_bound)
            if not close or count >= self.options.max_replications:
                return result
            count = min(2 * count, self.options.max_replications)


def _kpi(result: ReplicationResult, kpi: str) -> float:
    value = result.line.model_dump(by_alias=True)[kpi]
    return float(value) if value is not None else math.nan


def _label(settings: dict[str, int]) -> str:
    return ", ".join(f"{path}={value}" for path, value in settings.items())


# -- capacity arithmetic -------------------------------------------------------------------------
def capacity_bounds(scenario: Scenario, ranges: Sequence[VaryRange], results: Sequence[ReplicationResult],
                    target: Target) -> dict[str, int]:
    """Units (machines or places) each varied station needs at least for the target, from runs of
    `scenario`: the ideal unit time per good cell it measured, over the availability its failures and
    shifts leave. The smallest over replications is used, so noise makes the bound looser, not wrong."""
    if target.kpi not in THROUGHPUT_KPIS or not results:
        return {}
    bounds: dict[str, int] = {}
    specs = {s.name: s for s in scenario.stations}
    for item in ranges:
        parts = item.path.split(".")
        if len(parts) != 3 or parts[0] != "stations" or parts[2] not in UNIT_FIELDS or parts[1] not in specs:
            continue
        spec = specs[parts[1]]
        units = spec.capacity if spec.kind == "dwell" else spec.machines
        failures = getattr(spec, "failures", None)  # dwell stores do not fail
        up_share = 1.0 if failures is None else failures.ttf.mean_s / (failures.ttf.mean_s + failures.ttr.mean_s)
        needs = []
        for result in results:
            station, line_value = result.stations.get(spec.name), _kpi(result, target.kpi)
            if station is None or not (line_value > 0) or not (station.capacity_per_h > 0):
                continue
            work_rate = station.processed_per_h * units / station.capacity_per_h  # units busy at ideal speed
            on_shift = 1.0 - station.states.get("off_shift", 0.0)
            if on_shift <= 0:
                continue
            needs.append(work_rate * target.value / line_value / (up_share * on_shift))
        if needs:
            least = min(needs)
            steps = max(0, math.ceil((least - item.low) / item.step - 1e-9))
            bounds[item.path] = item.low + steps * item.step
    return bounds


# -- the search ----------------------------------------------------------------------------------
def find_plan(
    scenario: Scenario,
    target: Target,
    ranges: Sequence[VaryRange],
    options: Optional[PlanOptions] = None,
    executor: Optional[Executor] = None,
    memory: Optional[ReplicationMemory] = None,
    on_replication: Optional[OnReplication] = None,
    on_phase: Optional[OnPhase] = None,
) -> PlanResult:
    """The cheapest configuration of `ranges` whose `target` KPI reaches the target value with the
    options' confidence, checked on fresh seeds; or a result with feasible=False that says why."""
    options = options or PlanOptions()
    if not 0.5 <= options.confidence < 1:
        raise PlanError(f"--confidence {options.confidence}: give a probability in [0.5, 1)")
    ranges = expand_ranges(scenario, ranges)
    if options.costs is None:
        options = dataclasses.replace(options, costs=station_costs(scenario, ranges) or CostModel())
    seed = scenario.run.seed if options.seed is None else options.seed
    running = executor or InlineExecutor()
    if scenario.run.warmup == "auto":
        scenario = with_warmup(scenario, plan_experiment(scenario, seed, running).warmup.warmup_s)
    phase = on_phase or (lambda *_: None)
    runner = _Runner(scenario, list(ranges), target, options, seed, running, memory, on_replication)
    if options.total_buffer is not None:
        return allocate_buffers(runner, scenario, options.total_buffer, phase)
    top: Key = tuple(r.high for r in ranges)
    phase("capacity screening", options.screen_replications)
    runner.ensure([top], options.screen_replications, "screen", budgeted=False)
    bounds = capacity_bounds(runner.scenario(top, "screen"), ranges, runner.results[("screen", top)], target)
    runner.bounds = bounds
    start: Key = tuple(max(r.low, bounds.get(r.path, r.low)) for r in ranges)
    over = [r.path for r, s in zip(ranges, start) if s > r.high]
    if over:
        return _infeasible(runner, scenario, bounds, f"{', '.join(over)} would need more than the top of its range "
                           f"(capacity bound {', '.join(str(bounds[p]) for p in over)})")
    if runner.screened_mean(top) < target.value:  # short runs say no: full runs must say it with confidence
        phase("full runs of the largest plan", max(options.replications or scenario.run.replications, 5))
        top_check = runner.decide(top, budgeted=False)
    if runner.screened_mean(top) < target.value and not top_check.meets:
        return _infeasible(runner, scenario, bounds, f"even with every varied field at the top of its range, "
                           f"{target.kpi} is {_show(top_check)}, short of {target.value:g} at {options.confidence:.0%}"
                           f"{_held_back_by(runner.results[('confirm', top)], ranges)}")
    phase("searching (short runs)", options.budget_runs)
    try:
        greedy = _ascend(runner, start, "screen")
        _optuna(runner, start, greedy)
    except _Budget:
        pass
    phase("ranking and selection (full runs)", options.budget_runs - runner.used)
    chosen = _select(runner, top)
    chosen, lowered = _trim(runner, chosen, bounds)
    phase("independent check (fresh seeds)", max(options.replications or scenario.run.replications, 5))
    runner.ensure([chosen], max(options.replications or scenario.run.replications, 5), "check", budgeted=False)
    check = runner.check(chosen, "check")
    return _result(runner, scenario, bounds, chosen, check, lowered)


def _held_back_by(results: list[ReplicationResult], ranges: Sequence[VaryRange]) -> str:
    """'; the bottleneck is s3 (not varied)': the station with the largest bottleneck share."""
    names = {name for r in results for name in r.stations}
    if not names:
        return ""
    share = {n: float(np.nanmean([r.stations[n].bottleneck_sole + r.stations[n].bottleneck_shifting
                                  for r in results if n in r.stations])) for n in names}
    worst = max(sorted(share), key=lambda n: share[n])
    varied = any(r.path.startswith(f"stations.{worst}.") for r in ranges)
    return f"; the bottleneck there is {worst}" + ("" if varied else " (not varied)")


def _show(check: KpiCheck) -> str:
    low, high = check.ci95
    interval = f" (95% CI {low:.4g}..{high:.4g})" if low is not None and high is not None else ""
    return f"{check.mean:.4g}{interval}" if check.mean is not None else "undefined"


def _ascend(runner: _Runner, key: Key, stage: str) -> Key:
    """Raise the likeliest bottlenecks until the stage says feasible, taking at each step the
    cheapest candidate that reaches the target, else the one with the largest KPI gain per cost.

    Each candidate raises one suspect field. When none of them closes JOINT_BELOW of the gap, one
    more candidate raises together the suspects and every field still at its capacity bound. A
    machine or place field is raised by the share the line is short (target / mean, at least one
    step): a station that alone held the line back needs at least that much more capacity. The
    joint step is what moves a line whose stations all sit at their bounds: there no single one
    gains on its own (two electrode lines feeding one winder must both grow), and one unit at a
    time would take a step per unit short."""
    ranges, costs, target = runner.ranges, runner.options.costs, runner.target.value
    count = runner.options.screen_replications

    def feasible(k: Key) -> bool:
        if stage == "screen":
            runner.ensure([k], count, stage)
            return runner.screened_mean(k) >= target
        return runner.decide(k, stage).meets

    while not feasible(key):
        now = runner.screened_mean(key) if stage == "screen" else (runner.check(key, stage).mean or -math.inf)
        short = target / now if math.isfinite(now) and now > 0 else 1.0

        def raised(i: int) -> int:
            r, value = ranges[i], key[i]
            extra = value * (short - 1) if r.path.rpartition(".")[2] in UNIT_FIELDS else 0.0
            return min(r.high, value + max(1, math.ceil(extra / r.step - 1e-9)) * r.step)

        room = [i for i, r in enumerate(ranges) if key[i] + r.step <= r.high]
        suspects = _suspects(runner, key, stage)
        fields = [i for i in room if i in suspects]
        together = [i for i in room if i in suspects or (ranges[i].path in runner.bounds
                                                         and key[i] <= runner.bounds[ranges[i].path])]
        joint = tuple(raised(i) if i in together else v for i, v in enumerate(key))
        steps = list(dict.fromkeys(key[:i] + (raised(i),) + key[i + 1:] for i in fields))
        if len(together) <= 1 and not steps:
            return key
        score: dict[Key, float] = {}

        def measure(keys: list[Key]) -> None:
            if stage == "screen":
                runner.ensure(keys, count, stage)
                score.update({s: runner.screened_mean(s) for s in keys})
            else:
                score.update({s: runner.decide(s, stage).mean or -math.inf for s in keys})

        measure(steps)
        best_gain = max((score[s] - now for s in steps), default=-math.inf)
        if len(together) > 1 and joint not in score and best_gain < JOINT_BELOW * (target - now):
            measure([joint])
            steps.append(joint)

        def gain_per_cost(s: Key) -> tuple[float, float]:
            extra = costs.of(runner.settings(s)) - costs.of(runner.settings(key))
            return ((score[s] - now) / max(extra, 1e-9), -extra)

        reaching = [s for s in steps if score[s] >= target]  # the cheapest of these ends the ascent
        key = (min(reaching, key=lambda s: (costs.of(runner.settings(s)), s)) if reaching
               else max(steps, key=gain_per_cost))
    return key


def _suspects(runner: _Runner, key: Key, stage: str) -> set[int]:
    """The varied fields worth a step: those of the SUSPECTS stations with the largest bottleneck share
    (sole + shifting, active period method) in the configuration's runs, busiest first on ties, so a
    step costs a few simulations however many fields vary. Fields of no station: always."""
    results = runner.results.get((stage, key), [])
    station_of = {i: r.path.split(".")[1] for i, r in enumerate(runner.ranges)
                  if r.path.startswith("stations.") and r.path.count(".") == 2}
    if not results or len(station_of) <= SUSPECTS:
        return set(range(len(runner.ranges)))

    def share(name: str) -> tuple[float, float]:
        stations = [r.stations[name] for r in results if name in r.stations]
        return (float(np.nanmean([s.bottleneck_sole + s.bottleneck_shifting for s in stations])),
                float(np.nanmean([s.utilization for s in stations])))

    ranked = sorted(set(station_of.values()), key=share, reverse=True)[:SUSPECTS]
    return {i for i in range(len(runner.ranges)) if station_of.get(i, ranked[0]) in ranked}


def _optuna(runner: _Runner, start: Key, greedy: Key) -> None:
    """Cheaper feasible configurations in the box start..greedy(+1 step): a constrained TPE study.
    Trials that are dominated by a screened miss or not cheaper than the best screened hit are told
    without simulating; the rest are screened in batches of two (the executor's parallel width)."""
    import optuna  # noqa: PLC0415 - a heavy import, only when a plan runs

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ranges, costs, target = runner.ranges, runner.options.costs, runner.target.value
    top = tuple(min(r.high, g + r.step) for r, g in zip(ranges, greedy))
    if all(s == t for s, t in zip(start, top)):
        return
    sampler = optuna.samplers.TPESampler(seed=runner.seed, n_startup_trials=8)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.enqueue_trial({r.path: g for r, g in zip(ranges, greedy)})
    count = runner.options.screen_replications
    for _ in range(OPTUNA_TRIALS // 2):
        trials = [study.ask() for _ in range(2)]
        keys = [tuple(t.suggest_int(r.path, s, max(s, hi), step=r.step) for r, s, hi in zip(ranges, start, top))
                for t in trials]
        hits = [k for k in runner.simulated_keys("screen") if runner.screened_mean(k) >= target]
        best_cost = min((costs.of(runner.settings(k)) for k in hits), default=math.inf)
        misses = [k for k in runner.simulated_keys("screen") if runner.screened_mean(k) < target]
        to_run = [k for k in keys if costs.of(runner.settings(k)) < best_cost
                  and not any(all(a <= b for a, b in zip(k, m)) for m in misses)]
        runner.ensure(to_run, count, "screen")
        for trial, key in zip(trials, keys):
            cost = costs.of(runner.settings(key))
            if ("screen", key) in runner.results and runner.results[("screen", key)]:
                shortfall = target - runner.screened_mean(key)
            else:  # known without simulating: dominated by a miss (short), or no cheaper than a hit (pruned)
                shortfall = 1.0 if any(all(a <= b for a, b in zip(key, m)) for m in misses) else 0.0
            trial.set_constraint("shortfall", float(shortfall))  # <= 0: feasible
            study.tell(trial, cost)


def _select(runner: _Runner, top: Key) -> Key:
    """The cheapest configuration that meets on full runs: screened hits in order of cost (each
    decided with more replications when close), else a greedy ascent on full runs."""
    costs = runner.options.costs
    hits = sorted((k for k in runner.simulated_keys("screen") if runner.screened_mean(k) >= runner.target.value),
                  key=lambda k: (costs.of(runner.settings(k)), k))
    for key in hits[:SELECT_CANDIDATES]:
        if runner.decide(key, budgeted=False).meets:
            return key
    start = hits[0] if hits else tuple(r.low for r in runner.ranges)
    runner.options.budget_runs = runner.used + runner.options.budget_runs  # a fresh budget for full-run steps
    try:
        key = _ascend(runner, start, "confirm")
    except _Budget:
        return top
    return key if runner.check(key, "confirm").meets else top


def _dominating_miss(runner: _Runner, key: Key) -> Optional[KpiCheck]:
    """The full runs of a plan with at least as much of every field as `key` that missed the target
    (the nearest such), or None. A line with fewer machines or places everywhere makes no more, the
    rule Optuna's dominated trials are told by: after a field moves down, the misses that stopped the
    other fields still stand without simulating their lowered plans again (each close call costs up
    to --max-replications full runs)."""
    misses = [k for stage, k in runner.results if stage == "confirm" and k != key
              and all(a >= b for a, b in zip(k, key)) and not runner.check(k, "confirm").meets]
    if not misses:
        return None
    return runner.check(min(misses, key=lambda k: (sum(a - b for a, b in zip(k, key)), k)), "confirm")


def _trim(runner: _Runner, key: Key, bounds: dict[str, int]) -> tuple[Key, list[LoweredCheck]]:
    """Lower each field by one step while the plan still meets; the misses that stop it are the evidence."""
    while True:
        lowered: list[LoweredCheck] = []
        moved = False
        for i, item in enumerate(runner.ranges):
            value = key[i] - item.step
            if value < item.low:
                lowered.append(LoweredCheck(path=item.path, value=value, reason="range"))
                continue
            if item.path in bounds and value < bounds[item.path]:
                lowered.append(LoweredCheck(path=item.path, value=value, reason="capacity", bound=bounds[item.path]))
                continue
            smaller = key[:i] + (value,) + key[i + 1:]
            # the evidence: a miss of a plan with as much of every field, else the lowered plan's own
            # runs (not cut short by the budget)
            result = _dominating_miss(runner, smaller) or runner.decide(smaller, budgeted=False)
            if result.meets:
                key, moved = smaller, True
                break
            lowered.append(LoweredCheck(path=item.path, value=value, reason="simulation", check=result))
        if not moved:
            return key, lowered


def _result(runner: _Runner, scenario: Scenario, bounds: dict[str, int], chosen: Key, check: KpiCheck,
            lowered: list[LoweredCheck]) -> PlanResult:
    from twin.analysis.aggregate import aggregate_replications  # noqa: PLC0415

    costs = runner.options.costs
    checked = aggregate_replications(runner.results[("check", chosen)], scenario_name=scenario.name,
                                     scenario_hash=scenario.content_hash(), seed=runner.seed + CHECK_SEED_OFFSET,
                                     warmup_h=float(scenario.run.warmup) / 3600, length_h=scenario.run.length / 3600)
    confirmed = [runner.check(k, "confirm") for stage, k in runner.results if stage == "confirm"]
    runners_up = sorted((c for c in confirmed if c.meets and c.settings != runner.settings(chosen)),
                        key=lambda c: c.cost)[:3]
    target = runner.target
    if check.meets:
        message = (f"cheapest plan found: {_label(runner.settings(chosen))} (cost {costs.of(runner.settings(chosen)):,.6g} {costs.basis}); "
                   f"{target.kpi} {_show(check)} on fresh seeds meets {target.value:g} at {runner.options.confidence:.0%}")
    else:
        message = (f"the chosen plan {_label(runner.settings(chosen))} did not pass the independent check: {target.kpi} "
                   f"{_show(check)}, lower bound {check.lower_bound} < {target.value:g}; raise --replications")
    return PlanResult(
        scenario=scenario.name, scenario_hash=scenario.content_hash(), seed=runner.seed, target=target,
        confidence=runner.options.confidence, vary=runner.ranges, feasible=check.meets, message=message,
        best=runner.settings(chosen), kpis=dict(checked.kpis), cost=costs.of(runner.settings(chosen)),
        cost_basis=costs.basis,
        evaluations=_evaluations(runner), replications_run=_replications_run(runner),
        replications_recalled=runner.recalled, bounds=bounds, check=check,
        lowered=lowered, runners_up=runners_up, frontier=_frontier(runner), total_buffer=runner.options.total_buffer,
    )


def _infeasible(runner: _Runner, scenario: Scenario, bounds: dict[str, int], why: str) -> PlanResult:
    return PlanResult(
        scenario=scenario.name, scenario_hash=scenario.content_hash(), seed=runner.seed, target=runner.target,
        confidence=runner.options.confidence, vary=runner.ranges, feasible=False,
        message=f"no plan meets {runner.target.kpi} >= {runner.target.value:g}: {why}", best=None, cost=None,
        cost_basis=runner.options.costs.basis,
        evaluations=_evaluations(runner), replications_run=_replications_run(runner),
        replications_recalled=runner.recalled, bounds=bounds, check=None,
        frontier=_frontier(runner), total_buffer=runner.options.total_buffer,
    )


def _evaluations(runner: _Runner) -> int:
    return len({key for (_, key), results in runner.results.items() if results})


def _replications_run(runner: _Runner) -> int:
    return sum(len(v) for v in runner.results.values())


def _frontier(runner: _Runner) -> list[KpiCheck]:
    """Each evaluated configuration once, at its most careful stage."""
    best: dict[Key, KpiCheck] = {}
    order = {"screen": 0, "confirm": 1, "check": 2}
    for stage, key in runner.results:
        if runner.results[(stage, key)] and (key not in best or order[stage] > order[best[key].stage]):
            best[key] = runner.check(key, stage)
    return sorted(best.values(), key=lambda c: (c.cost, c.mean or 0.0))


# -- buffer allocation (--total-buffer) ---------------------------------------------------------
# Buffer allocation: share a fixed total of buffer slots among the varied buffers to maximise a KPI
# (`twin plan ... --vary 'stations.*.buffer=0..20' --total-buffer N`), the classic problem of these lines.
# 
# Start from an even split, then move one slot at a time from one buffer to another while a move
# raises the KPI: every candidate move is screened on short runs under common random numbers, and the
# best one is taken only when its paired difference against the current allocation is positive at the
# plan's confidence (one-sided paired t over the same replications). The final allocation gets full
# runs and a check on fresh seeds, like any plan. Moves are tried between every pair of buffers while
# there are few (at most PAIRS_ALL buffers); with more, slots go only to the buffers of the likeliest
# bottlenecks (plan._suspects).

PAIRS_ALL = 6
MAX_MOVES = 200


def even_split(lows: list[int], highs: list[int], total: int) -> tuple[int, ...]:
    """`total` slots as evenly as the ranges allow (each at least its low, at most its high)."""
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


def allocate_buffers(runner: _Runner, scenario: Scenario, total: int, phase: Callable[[str, int], None]) -> PlanResult:
    ranges = runner.ranges
    key = even_split([r.low for r in ranges], [r.high for r in ranges], total)
    count = runner.options.screen_replications
    phase("buffer moves (short runs)", runner.options.budget_runs)
    try:
        for _ in range(MAX_MOVES):
            runner.ensure([key], count, "screen")
            receivers = (set(range(len(ranges))) if len(ranges) <= PAIRS_ALL
                         else _suspects(runner, key, "screen"))
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
    except _Budget:
        pass
    phase("full runs and the fresh-seed check", runner.options.replications or scenario.run.replications)
    runner.decide(key, budgeted=False)
    count = max(runner.options.replications or scenario.run.replications, 5)
    runner.ensure([key], count, "check", budgeted=False)
    check = runner.check(key, "check")
    result = _result(runner, scenario, {}, key, check, [])
    settings = ", ".join(f"{p}={v}" for p, v in runner.settings(key).items())
    met = "meets" if check.meets else "does not meet"
    return result.model_copy(update={
        "feasible": True,
        "message": f"best allocation of {total} buffer slots found: {settings}; {runner.target.kpi} "
                   f"{_show(check)} on fresh seeds ({met} {runner.target.value:g} at {runner.options.confidence:.0%})",
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

"""Everything the dashboard reads or writes: the results database (through twin.store.database and
twin.store.runs), the scenario files and the what-if files it saves. The only dashboard module with I/O;
it returns result models and small dataclasses, so the page builders and figures stay pure.

Every function opens the database for its own call (SQLite connections belong to one thread, and
the server answers requests on many) read-only in spirit: it never creates the file, and a missing
database simply means no runs yet.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from pydantic import ValidationError

from twin.analysis.bottleneck import BottleneckAnalysis
from twin.experiments.compare import ComparedRun, ComparisonResult, compare_replications
from twin.sim.results import LossWaterfall
from twin.sim.results import BottleneckResult, ReplicationResult, RunResult
from twin.store.runs import aggregate_from, run_result, status_of, write_csv
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import ScenarioError, load_scenario, max_file_bytes
from twin.store.database import DEFAULT_PATH, RunRecord, Store, StoreError
from twin.experiments.sweep import SweepPoint, sweep_point

DEFAULT_DB = DEFAULT_PATH
SCENARIO_SUFFIXES = (".yaml", ".yml")


class DataError(Exception):
    """Something the page should say instead of showing (unknown run, unreadable file)."""


@dataclass(frozen=True)
class Settings:
    """Where this dashboard reads and writes."""

    db_path: Path
    scenarios_dir: Path


# -- the database -----------------------------------------------------------------------------
@contextmanager
def _store(settings: Settings) -> Iterator[Optional[Store]]:
    """The results database, or None while it does not exist yet."""
    if not settings.db_path.exists():
        yield None
        return
    try:
        store = Store(settings.db_path, create=False, read_only=True)  # the pages only read
    except StoreError as exc:
        raise DataError(str(exc)) from None
    try:
        yield store
    finally:
        store.close()


def _replications(store: Store, record: RunRecord) -> list[ReplicationResult]:
    try:
        return store.replications(record.id)
    except ValidationError as exc:
        raise DataError(f"run {record.id} was stored by twin {record.version} in a form this version cannot read "
                        f"({_first_error(exc)})") from None


def _result(store: Store, record: RunRecord) -> Optional[RunResult]:
    """The run's result as twin.store.runs gives it; if the stored aggregate predates today's result
    model, aggregated again from the replications (which carry every measured field)."""
    try:
        return run_result(store, record)
    except ValidationError:
        replications = _replications(store, record)
        return aggregate_from(record, replications) if replications else None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


def run_records(settings: Settings) -> list[RunRecord]:
    """Every stored run, oldest first (none while there is no database)."""
    with _store(settings) as store:
        return [] if store is None else store.runs()


def run_summaries(settings: Settings) -> list[tuple[RunRecord, str, Optional[RunResult]]]:
    """(record, status, result) of every run, newest first."""
    with _store(settings) as store:
        if store is None:
            return []
        summaries = []
        for record in reversed(store.runs()):
            try:
                summaries.append((record, status_of(record), _result(store, record)))
            except DataError:
                summaries.append((record, "unreadable (older version)", None))
        return summaries


def transient_runs(settings: Settings) -> list[tuple[RunRecord, RunResult]]:
    """(record, result) of every stored run with per-period results (a ramp-up), newest first."""
    return [(record, result) for record, _, result in run_summaries(settings)
            if result is not None and result.periods]


def run_record(settings: Settings, run_id: int) -> Optional[RunRecord]:
    """The run's record (its progress: done of planned), None if unknown."""
    with _store(settings) as store:
        if store is None:
            return None
        try:
            return store.run(run_id)
        except StoreError:
            return None


def bottleneck_analysis(store: Store, run_id: int) -> Optional[BottleneckAnalysis]:
    """The stored bottleneck analysis of a run (`twin bottleneck`), or None when it has none."""
    try:
        return store.analysis(run_id)
    except (StoreError, ValidationError):
        return None


@dataclass(frozen=True)
class RunView:
    """What the results page shows about one run."""

    record: RunRecord
    status: str
    result: Optional[RunResult]
    scenario: Optional[Scenario]  # None if today's schema rejects the stored scenario
    replications: list[ReplicationResult]
    verdict: Optional[BottleneckResult]  # the verdict the run stored (never recomputed here)
    waterfall: Optional[LossWaterfall]
    analysis: Optional[BottleneckAnalysis]
    others: list[RunRecord] = field(default_factory=list)  # runs it can be compared with, best first
    variants: list[RunRecord] = field(default_factory=list)  # the variant runs of its improvement ranking

    @property
    def bottleneck(self) -> Optional[str]:
        """The station the page marks: the throughput constraint (None when the run names none)."""
        return None if self.verdict is None else self.verdict.primary


def run_view(settings: Settings, run_id: int) -> RunView:
    with _store(settings) as store:
        if store is None:
            raise DataError(f"there is no results database at {settings.db_path} yet")
        try:
            record = store.run(run_id)
        except StoreError as exc:
            raise DataError(str(exc)) from None
        replications = _replications(store, record)
        result = _result(store, record)
        try:
            scenario: Optional[Scenario] = store.scenario(run_id)
        except ValidationError:
            scenario = None
        analysis = bottleneck_analysis(store, run_id)
        everything = store.runs()
        others = [r for r in everything if r.id != run_id and r.done > 0 and not _variant(r)]
        variants = [r for r in everything if _variant(r) and r.details.get("variant_of") == run_id]
    judged = result.bottleneck if result is not None else None
    waterfall = result.losses if result is not None else None  # stored with the run: never recomputed here
    others.sort(key=lambda r: (r.seed != record.seed, r.kind == "sweep",
                               not _related(r.scenario_name, record.scenario_name), -r.id))
    return RunView(record, status_of(record), result, scenario, replications, judged, waterfall, analysis, others,
                   variants)


def is_variant(record: RunRecord) -> bool:
    """A variant `twin bottleneck` ran to rank improvements ('variant: winding +10 % rate'): a stored
    run, but not one a user asked for; shown under its analysis, not as a loose run."""
    return record.kind == "bottleneck" and record.label.startswith("variant")


_variant = is_variant


def _related(name: str, other: str) -> bool:
    """Same scenario, or a what-if named after it ('fast-line (edited)')."""
    return name.startswith(other) or other.startswith(name)


def improvements(settings: Settings, run_id: int) -> Optional[BottleneckAnalysis]:
    with _store(settings) as store:
        return None if store is None else bottleneck_analysis(store, run_id)


def replications_csv(settings: Settings, run_id: int) -> str:
    """Per-replication KPIs of a run, as `twin runs export` writes them."""
    with _store(settings) as store:
        record = None if store is None else store.run(run_id)
        replications = [] if store is None or record is None else _replications(store, record)
    out = io.StringIO()
    write_csv(replications, out)
    return out.getvalue()


# -- comparisons ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompareView:
    runs: list[tuple[RunRecord, RunResult]]  # the first is the base
    comparisons: list[ComparisonResult]  # every other run against the base
    problems: list[str]


def compare_view(settings: Settings, run_ids: Sequence[int]) -> CompareView:
    """Each run after the first against the first, paired replication by replication."""
    runs: list[tuple[RunRecord, RunResult]] = []
    replications: list[list[ReplicationResult]] = []
    problems: list[str] = []
    with _store(settings) as store:
        for run_id in dict.fromkeys(run_ids):
            try:
                record = store.run(run_id) if store is not None else None
            except StoreError:
                record = None
            try:
                result = _result(store, record) if store is not None and record is not None else None
                reps = _replications(store, record) if store is not None and record is not None else []
            except DataError as exc:
                problems.append(str(exc))
                continue
            if record is None or result is None:
                problems.append(f"run {run_id} is not stored or has no finished replications")
                continue
            runs.append((record, result))
            replications.append(reps)
    comparisons = []
    if runs:
        base, base_reps = runs[0][0], replications[0]
        for (record, _), reps in zip(runs[1:], replications[1:]):
            comparisons.append(compare_replications(base_reps, reps, _compared(base), _compared(record)))
    return CompareView(runs, comparisons, problems)


def _compared(record: RunRecord) -> ComparedRun:
    return ComparedRun(scenario=record.scenario_name, scenario_hash=record.scenario_hash, seed=record.seed,
                       warmup_h=record.warmup_h, run_id=record.id)


# -- sweeps -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepGroup:
    group: str
    scenario: str
    run_ids: list[int]
    parameters: list[str]


@dataclass(frozen=True)
class SweepView:
    group: SweepGroup
    points: list[SweepPoint]  # in run order (the sweep's full-factorial order)
    pending: int  # points without a finished replication yet
    against_base: dict[int, ComparisonResult] = field(default_factory=dict)
    """Each point (by run id) against the sweep's first point, paired replication by replication
    (every point has the same seed: common random numbers). Computed here as the Compare page does."""


def sweep_settings(record: RunRecord) -> dict[str, Any]:
    """A sweep point's settings (path -> value) as `twin sweep` stored them; a run stored before
    the settings were kept as data shows its label as one setting."""
    stored = record.details.get("sweep_settings")
    if isinstance(stored, dict):
        return stored
    return {"settings": record.label} if record.label else {}


def sweep_groups(settings: Settings) -> list[SweepGroup]:
    """Stored sweeps (runs of kind 'sweep' sharing a group), newest first."""
    groups: dict[str, list[RunRecord]] = {}
    for record in run_records(settings):
        if record.kind == "sweep" and record.group:
            groups.setdefault(record.group, []).append(record)
    found = [
        SweepGroup(group, records[0].scenario_name, [r.id for r in records], list(sweep_settings(records[0])))
        for group, records in groups.items()
    ]
    return sorted(found, key=lambda g: -max(g.run_ids))


def sweep_view(settings: Settings, group: str) -> Optional[SweepView]:
    with _store(settings) as store:
        if store is None:
            return None
        records = [r for r in store.runs() if r.kind == "sweep" and r.group == group]
        if not records:
            return None
        points, pending = [], 0
        replications: dict[int, list[ReplicationResult]] = {}
        for record in records:
            try:
                result = _result(store, record)
                replications[record.id] = _replications(store, record)
            except DataError:
                result = None
            if result is None:
                pending += 1
                continue
            points.append(sweep_point(sweep_settings(record), result, record.id))
    info = SweepGroup(group, records[0].scenario_name, [r.id for r in records], list(sweep_settings(records[0])))
    against: dict[int, ComparisonResult] = {}
    by_id = {r.id: r for r in records}
    if points and points[0].run_id is not None:
        base = by_id[points[0].run_id]
        for point in points[1:]:
            other = by_id[point.run_id] if point.run_id is not None else None
            if other is not None and other.seed == base.seed and replications.get(other.id):
                against[other.id] = compare_replications(replications[base.id], replications[other.id],
                                                         _compared(base), _compared(other))
    return SweepView(info, points, pending, against)


# -- scenario files ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ScenarioFile:
    filename: str
    scenario: Optional[Scenario]
    problems: list[str]  # why it does not load, if it does not


@dataclass(frozen=True)
class StoredScenario:
    """A scenario known only from the database (run from elsewhere, or its file changed since)."""

    name: str
    scenario_hash: str
    latest_run: int
    runs: int
    label: str  # the latest run's label ('what-if', a sweep point's settings, ...)


def scenario_files(settings: Settings) -> list[ScenarioFile]:
    directory = settings.scenarios_dir
    if not directory.is_dir():
        return []
    paths = sorted(p for p in directory.iterdir() if p.suffix in SCENARIO_SUFFIXES and p.is_file())
    return [_load_file(p) for p in paths]


def _load_file(path: Path) -> ScenarioFile:
    try:
        return ScenarioFile(path.name, load_scenario(path), [])
    except ScenarioError as exc:
        return ScenarioFile(path.name, None, exc.messages)


def scenario_file(settings: Settings, filename: str) -> ScenarioFile:
    """A file of the scenarios directory by its bare name (nothing outside it can be named)."""
    if Path(filename).name != filename or Path(filename).suffix not in SCENARIO_SUFFIXES:
        raise DataError(f"{filename!r} is not a scenario file name")
    path = settings.scenarios_dir / filename
    if not path.is_file():
        raise DataError(f"no scenario file {filename} in {settings.scenarios_dir}")
    return _load_file(path)


def stored_scenarios(settings: Settings, exclude_hashes: Sequence[str] = ()) -> list[StoredScenario]:
    """Distinct scenarios of stored runs (by content hash), newest first, leaving out `exclude_hashes`."""
    found: dict[str, StoredScenario] = {}
    for record in run_records(settings):
        if record.scenario_hash in exclude_hashes or _variant(record):
            continue
        seen = found.get(record.scenario_hash)
        count = 1 if seen is None else seen.runs + 1
        found[record.scenario_hash] = StoredScenario(record.scenario_name, record.scenario_hash, record.id, count,
                                                     record.label)
    return sorted(found.values(), key=lambda s: -s.latest_run)


def stored_scenario(settings: Settings, run_id: int) -> Scenario:
    with _store(settings) as store:
        if store is None:
            raise DataError(f"there is no results database at {settings.db_path} yet")
        try:
            return store.scenario(run_id)
        except StoreError as exc:
            raise DataError(str(exc)) from None
        except ValidationError as exc:
            raise DataError(f"run {run_id}'s scenario no longer validates: {exc.errors()[0]['msg']}") from None


def runs_of(settings: Settings, scenario_hash: str) -> list[RunRecord]:
    return [r for r in run_records(settings) if r.scenario_hash == scenario_hash]


def save_scenario_file(settings: Settings, stem: str, text: str) -> Path:
    """Write a new scenario file `stem`.yaml; never overwrites (raises FileExistsError)."""
    if not stem or Path(stem).name != stem:
        raise DataError(f"{stem!r} is not a file name")
    settings.scenarios_dir.mkdir(parents=True, exist_ok=True)
    path = settings.scenarios_dir / f"{stem}.yaml"
    with open(path, "x", encoding="utf-8") as out:  # 'x': fails if the file exists, atomically
        out.write(text)
    return path


def same_scenario(path: Path, scenario: Scenario) -> bool:
    """Whether the file at `path` (a what-if merged over its base) loads as exactly `scenario`."""
    loaded = _load_file(path).scenario
    return loaded is not None and loaded.content_hash() == scenario.content_hash()


def replace_scenario_file(path: Path, text: str) -> None:
    """Overwrite a file this server has just created (save_scenario_file's), nothing else."""
    path.write_text(text, encoding="utf-8")


# -- plans (dashboard.plan_page) ----------------------------------------------------------------
def stored_plans(settings: Settings) -> list[tuple[int, str, Any]]:
    """Every stored plan, newest first: (check run id, created at, twin.experiments.plan.PlanResult)."""
    with _store(settings) as store:
        if store is None:
            return []
        try:
            return store.plans()
        except (StoreError, ValidationError) as exc:
            raise DataError(f"cannot read the stored plans: {exc}") from None


# -- validation reports (twin validate-against --json) ---------------------------------------------
VALIDATION_SUFFIX = ".validation.json"


def validation_report_names(settings: Settings) -> list[str]:
    """The `*.validation.json` files of the scenarios directory, by bare name."""
    directory = settings.scenarios_dir
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.glob(f"*{VALIDATION_SUFFIX}") if p.is_file())


def validation_report_text(settings: Settings, name: str) -> str:
    """The text of one listed report (nothing else can be named; the scenario files' size cap applies)."""
    if name not in validation_report_names(settings):
        raise DataError(f"no validation report named {name!r}")
    path = settings.scenarios_dir / name
    try:
        if path.stat().st_size > max_file_bytes():
            raise DataError(f"{name}: larger than {max_file_bytes() // (1024 * 1024)} MB")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{name}: not readable ({type(exc).__name__})") from None


# -- the home page (dashboard.home_page) ------------------------------------------------------------
@dataclass(frozen=True)
class LineFile:
    """A scenario file that is a line of its own (it names no `base:`), with its latest stored run."""

    filename: str
    scenario: Scenario
    record: Optional[RunRecord]  # the newest run of exactly this scenario with a finished replication (not a sweep point)
    result: Optional[RunResult]
    seconds_per_replication: Optional[float]  # measured on this machine by its stored complete runs


def _names_a_base(path: Path) -> bool:
    """Whether the file is a what-if (a top-level `base:` key) or a plant of several lines (`lines:`),
    not a line of its own; read as text, cheaply."""
    try:
        with open(path, encoding="utf-8") as text:
            return any(line.startswith(("base:", "lines:")) for line in text)
    except (OSError, UnicodeDecodeError):
        return False


def line_files(settings: Settings) -> list[LineFile]:
    """The line files of the scenarios directory, each with its newest stored run (one database read)."""
    directory = settings.scenarios_dir
    paths = sorted(p for p in directory.iterdir() if p.suffix in SCENARIO_SUFFIXES and p.is_file()) \
        if directory.is_dir() else []
    files = [f for f in (_load_file(p) for p in paths if not _names_a_base(p)) if f.scenario is not None]
    with _store(settings) as store:
        records = [] if store is None else store.runs()
        found = []
        for item in files:
            assert item.scenario is not None
            content = item.scenario.content_hash()
            mine = [r for r in records if r.scenario_hash == content]
            own = [r for r in mine if r.kind != "sweep" and not _variant(r)] or mine  # a sweep point equal to the file: last resort
            latest = next((r for r in reversed(own) if r.done > 0), None)
            result = None
            if latest is not None and store is not None:
                try:
                    result = _result(store, latest)
                except DataError:
                    latest = None
            found.append(LineFile(item.filename, item.scenario, latest, result, _pace(mine)))
    return found


def _pace(records: Sequence[RunRecord]) -> Optional[float]:
    """Seconds per replication of the newest complete run (wall clock, one worker), else None."""
    from datetime import datetime

    for record in reversed(records):
        if record.status == "complete" and record.finished_at and record.done:
            try:
                took = datetime.fromisoformat(record.finished_at) - datetime.fromisoformat(record.started_at)
            except ValueError:
                continue
            return max(took.total_seconds(), 0.0) / record.done
    return None


def delete_run(settings: Settings, run_id: int) -> None:
    """Forget a stored run (the Runs page's Delete); raises DataError when it cannot."""
    if not settings.db_path.exists():
        raise DataError("there is no results database yet")
    try:
        with Store(settings.db_path, create=False) as store:
            store.delete_run(run_id)
    except StoreError as exc:
        raise DataError(str(exc)) from None

"""The `twin` command: run, compare, sweep and plan scenarios; list and export stored runs.

Every user error (a bad file, option, --set path, run id, database or scheduler) ends with a
message and exit code 2, never a traceback; Ctrl-C ends with 130 after saying which stored runs
keep which replications. Results go to stdout only when complete; progress and notes go to
stderr. The work itself is in twin.service.session (executor, store, progress) and twin.experiments.replications.
"""

from __future__ import annotations

import importlib
import json
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import click
from rich.console import Console

from twin.experiments.executors import ClusterLost, ExecutorError, workers_warning
from twin.sim.engine import SimulationError
from twin.spec.numbers import MAX_REPLICATIONS, MAX_SEED
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import ScenarioError, load_scenario
from twin.store.database import DEFAULT_PATH, StoreError

USER_ERROR = 2
RUN_ID = click.IntRange(min=1, max=2**63 - 1)
"""Run ids are SQLite INTEGERs: a larger number cannot name a run (and would overflow the query)."""


class _Fraction(click.FloatRange):
    """A finite fraction in (0, 1]: click's FloatRange lets NaN through (every comparison is false)."""

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        number = super().convert(value, param, ctx)
        if number != number:
            self.fail(f"{value!r} is not a number", param, ctx)
        return number
INTERRUPTED = 130
NO_PLAN = 1
"""`twin plan` found no configuration that meets the target (the answer, not an error)."""


def _fail(messages: list[str]) -> None:
    for message in messages:
        click.echo(f"error: {message}", err=True)
    sys.exit(USER_ERROR)


def _load(path: str) -> Scenario:
    try:
        return load_scenario(Path(path))
    except ScenarioError as exc:
        _fail(exc.messages)
        raise  # unreachable


def _note(message: str) -> None:
    click.echo(message, err=True)


def _stdout(min_width: int = 120) -> Console:
    """Console for results; wide tables keep their rows on one line even in a pipe or file."""
    return Console(width=max(min_width, Console().width))


# -- shared options ------------------------------------------------------------------------------
def _executor_options(command: Callable) -> Callable:
    command = click.option(
        "--scheduler", envvar="TWIN_SCHEDULER", metavar="ADDRESS",
        help="Dask scheduler (tcp://host:8786) running the replications; default: this machine. [env: TWIN_SCHEDULER]",
    )(command)
    return click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True,
                        help="Local processes running replications in parallel (without --scheduler).")(command)


def _db_option(default: Optional[str] = DEFAULT_PATH) -> Callable:
    return click.option("--db", envvar="TWIN_DB", default=default, show_default=default is not None,
                        metavar="PATH", help="Results database (SQLite file). [env: TWIN_DB]")


def _store_options(command: Callable) -> Callable:
    command = click.option("--no-store", is_flag=True, help="Do not record the run in the results database.")(command)
    return _db_option()(command)


def _replication_options(command: Callable) -> Callable:
    command = click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED),
                           help="Override the file's root seed (below 2^63).")(command)
    return click.option("--replications", "-r", type=click.IntRange(min=1, max=MAX_REPLICATIONS),
                        help="Override the file's replications.")(command)


_json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document on stdout.")


@contextmanager
def _session(workers: int, scheduler: Optional[str], db: str, no_store: bool, as_json: bool) -> Iterator[Any]:
    """twin.service.session.session with the CLI's error handling."""
    from twin.service.session import session

    warning = None if scheduler else workers_warning(workers)
    if warning:
        _note(warning)
    try:
        with session(workers, scheduler, None if no_store else db, show_progress=not as_json) as current:
            yield current
    except (ExecutorError, StoreError, SimulationError) as exc:
        _fail([str(exc)])
    except ClusterLost as exc:  # one line: what happened and what was kept
        kept_by_run: dict[int, int] = getattr(exc, "kept", {})
        listed = "; ".join(f"run {run_id} keeps {count} finished replications (status 'interrupted')"
                           for run_id, count in kept_by_run.items())
        _fail([f"{exc}; {listed or 'nothing stored'}"])
    except KeyboardInterrupt as exc:
        kept: dict[int, int] = getattr(exc, "kept", {})

        if kept:
            listed = ", ".join(f"run {run_id} keeps {count} finished replications" for run_id, count in kept.items())
            _note(f"interrupted: {listed} (status 'interrupted'; see `twin runs show ID`)")
        else:
            _note("interrupted: nothing stored")
        sys.exit(INTERRUPTED)


def _announce(run_ids: list[Optional[int]], db: str) -> None:
    stored = [str(run_id) for run_id in run_ids if run_id is not None]
    if stored:
        _note(f"run{'s' if len(stored) > 1 else ''} {', '.join(stored)} stored in {db}")


class _TwinGroup(click.Group):
    """The command group, with commands that live in a layer the CLI must not import (the
    dashboard) registered by name and loaded only when that command runs."""

    LAZY = {"dashboard": ("dashboard.serve", "dashboard_command")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        if name in self.LAZY:
            module, attribute = self.LAZY[name]
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group(cls=_TwinGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coventry-line-twin")
def main() -> None:
    """Digital twin of lithium-ion cell production lines (discrete-event simulation)."""


# -- run ----------------------------------------------------------------------------------------
@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@_replication_options
@_executor_options
@click.option("--precision", type=_Fraction(min=0, min_open=True, max=1), metavar="FRACTION",
              help="Add replications until the throughput CI half-width is at most this share of the mean "
                   "(0.01 = 1%); --replications is then the initial number.")
@click.option("--max-replications", type=click.IntRange(min=2, max=MAX_REPLICATIONS), default=200, show_default=True,
              help="Most replications --precision may run.")
@_store_options
@_json_option
@click.option("--events", "events_path", type=click.Path(dir_okay=False), metavar="PATH",
              help="Also write one replication's event log (machine states, lot events) to PATH: "
                   "Parquet if it ends in .parquet, else CSV (docs/calibration.md).")
@click.option("--events-replication", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="The replication whose event log --events writes.")
@click.option("--start", "events_start", default="2026-11-02T00:00", show_default=True, metavar="ISO",
              help="Date and time of simulated time zero in the event log (ISO 8601; the calendar starts on a Monday 00:00).")
@click.option("--period", "period_text", metavar="DURATION",
              help="Transient run: report every line KPI per period of this length ('1 wk'); overrides run.period.")
@click.option("--target-per-day", "targets", type=click.FloatRange(min=0, min_open=True), multiple=True,
              metavar="CELLS", help="Milestone: the first period whose good cells per day reach CELLS (repeatable; "
              "needs a period); overrides run.target_per_day.")
@click.option("--target-by", "target_by_text", metavar="DURATION",
              help="Report the probability of reaching each milestone by this time since the start ('26 wk').")
def run(file: str, replications: Optional[int], seed: Optional[int], workers: int, scheduler: Optional[str],
        precision: Optional[float], max_replications: int, db: str, no_store: bool, as_json: bool,
        events_path: Optional[str], events_replication: int, events_start: str, period_text: Optional[str],
        targets: tuple[float, ...], target_by_text: Optional[str]) -> None:
    """Simulate the scenario FILE and report KPIs with 95% confidence intervals."""
    from twin.cli.period_report import print_periods
    from twin.cli.report import precision_note, print_report, warmup_note

    from twin.service.tasks import run_scenario

    scenario = _transient(_load(file), file, period_text, targets, target_by_text)
    start = _event_start(events_start) if events_path else None
    with _session(workers, scheduler, db, no_store, as_json) as session:
        done = run_scenario(session, scenario, replications=replications, seed=seed, precision=precision,
                            max_replications=max_replications, on_run=lambda run_id: _announce([run_id], db))
    result, plan, outcome = done.result, done.plan, done.precision
    if events_path and start is not None:
        from twin.sim.eventlog import write_event_log

        rows = write_event_log(plan.resolved, events_replication, Path(events_path), start, plan.seed)
        _note(f"event log of replication {events_replication}: {rows:,} rows in {events_path}")
    if outcome is not None:
        _note(precision_note(outcome))
    if as_json:
        click.echo(result.model_dump_json(indent=2))
        return
    console = _stdout()
    print_report(result, console)
    print_periods(result, console)
    console.print(warmup_note(plan.warmup))
    if outcome is not None:
        console.print(precision_note(outcome))


def _transient(scenario: Scenario, file: str, period: Optional[str], targets: tuple[float, ...],
               by: Optional[str]) -> Scenario:
    """The scenario with --period, --target-per-day and --target-by in its `run:` (validated as the
    file's own keys would be: a one-line error naming the option)."""
    from pydantic import ValidationError

    changes: dict[str, Any] = {}
    for option, key, value in (("--period", "period", period), ("--target-by", "target_by", by)):
        if value is not None:
            changes[key] = value
    if targets:
        changes["target_per_day"] = list(targets)
    if not changes:
        return scenario
    data = scenario.model_dump(mode="json", by_alias=True)
    data["run"] = {**data["run"], **changes}
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        names = {"period": "--period", "target_by": "--target-by", "target_per_day": "--target-per-day"}
        messages = []
        for error in exc.errors(include_url=False):
            loc = [str(part) for part in error["loc"]]
            key = loc[1] if len(loc) > 1 and loc[0] == "run" else ""
            where = names.get(key, f"{file}: {'.'.join(loc)}")
            messages.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        _fail(messages[:1])
        raise  # unreachable


def _event_start(text: str):
    """The --start date-time, or a one-line error."""
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        _fail([f"--start: '{text}' is not an ISO 8601 date-time (e.g. 2026-11-02T06:00)"])


# -- compare ------------------------------------------------------------------------------------
@main.command()
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("whatif", type=click.Path(dir_okay=False))
@_replication_options
@click.option("--independent", is_flag=True,
              help="Run the what-if with another seed (no common random numbers), to see what CRN buys.")
@_executor_options
@_store_options
@_json_option
def compare(base: str, whatif: str, replications: Optional[int], seed: Optional[int], independent: bool,
            workers: int, scheduler: Optional[str], db: str, no_store: bool, as_json: bool) -> None:
    """Compare the what-if scenario WHATIF with BASE: paired differences per replication under
    common random numbers, their 95% CI, and whether each change is significant."""
    from twin.cli.report import print_comparison, warmup_note
    from twin.service.tasks import TaskError, compare_scenarios

    scenarios = [_load(base), _load(whatif)]
    try:
        with _session(workers, scheduler, db, no_store, as_json) as session:
            done = compare_scenarios(session, scenarios[0], scenarios[1], replications=replications, seed=seed,
                                     independent=independent, on_run=lambda run_id: _announce([run_id], db))
    except TaskError as exc:
        _fail([str(exc)])
    comparison, plans = done.comparison, done.plans
    if as_json:
        click.echo(comparison.model_dump_json(indent=2))
        return
    console = _stdout(min_width=160)  # a plant's KPI names (lines.cylindrical.throughput_per_h) stay whole
    print_comparison(comparison, console)
    for role, plan in zip(("base", "what-if"), plans):
        console.print(f"{role}: {warmup_note(plan.warmup)}")


# -- sweep --------------------------------------------------------------------------------------
@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--set", "assignments", multiple=True, required=True, metavar="PATH=V1,V2,...",
              help="A scenario field by dotted path (stations and sources by name, e.g. "
                   "stations.formation.machines=60,70,80 or run.length='30 d'); repeat for a full factorial.")
@_replication_options
@_executor_options
@_store_options
@_json_option
def sweep(file: str, assignments: tuple[str, ...], replications: Optional[int], seed: Optional[int], workers: int,
          scheduler: Optional[str], db: str, no_store: bool, as_json: bool) -> None:
    """Run every combination of the --set values (common random numbers across points) and
    report KPIs with 95% CIs per point."""
    from twin.cli.report import print_sweep
    from twin.experiments.sweep import SweepError, SweepResult, label, parse_assignment, sweep_point, sweep_points

    scenario = _load(file)
    try:
        parsed = [parse_assignment(text) for text in assignments]
        points = sweep_points(scenario, parsed)
    except SweepError as exc:
        _fail([str(exc)])
    scenarios = [point for _, point in points]
    seeds = [point.run.seed if seed is None else seed for point in scenarios]
    counts = [replications or point.run.replications for point in scenarios]
    group = uuid.uuid4().hex[:12]
    with _session(workers, scheduler, db, no_store, as_json) as session:
        plans = session.plan(scenarios, seeds)
        ids = [session.begin(p, n, kind="sweep", label=label(settings), group=group,
                             details={"sweep_settings": settings})
               for p, n, (settings, _) in zip(plans, counts, points)]
        _announce(ids, db)
        results = session.replicate(plans, counts, ids)
        run_results = [session.finish(p, run_id, reps) for p, run_id, reps in zip(plans, ids, results)]
    result = SweepResult(
        scenario=scenario.name, seed=seeds[0], parameters=[path for path, _ in parsed],
        points=[sweep_point(settings, r, run_id) for (settings, _), r, run_id in zip(points, run_results, ids)],
    )
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        print_sweep(result, _stdout(min_width=200))


# -- plan ---------------------------------------------------------------------------------------
@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--target", "target_text", required=True, metavar="KPI=VALUE",
              help="The line KPI to reach, e.g. throughput_per_h=20 or gwh_per_year=10 (KPI >= VALUE).")
@click.option("--confidence", type=float, default=0.9, show_default=True,
              help="Probability that the plan's long-run mean reaches the target (one-sided CI bound).")
@click.option("--vary", "vary_texts", multiple=True, required=True, metavar="PATH=LO..HI",
              help="A whole-number field to choose, e.g. stations.formation.machines=150..260 (':STEP' after HI "
                   "for a step; stations.*.buffer for every station's buffer); repeat.")
@click.option("--cost", "cost_file", type=click.Path(dir_okay=False), metavar="PATH",
              help="YAML cost file: 'path-or-pattern: cost per unit' (default: the stations' declared capital per "
                   "year, GBP, when every varied station has a `cost:`; else 1 per machine, rack or place and 0.01 "
                   "per buffer slot).")
@click.option("--budget-runs", type=click.IntRange(min=1), default=400, show_default=True,
              help="Most replications of the short-run search (full runs of the candidates, the evidence and "
                   "the check come on top).")
@click.option("--max-replications", type=click.IntRange(min=2), default=20, show_default=True,
              help="Most full-run replications a close call gets before it counts as a miss.")
@click.option("--total-buffer", type=click.IntRange(min=0), metavar="N",
              help="Buffer allocation: share N buffer slots among the varied buffers to maximise the KPI.")
@_replication_options
@_executor_options
@_store_options
@_json_option
def plan(file: str, target_text: str, confidence: float, vary_texts: tuple[str, ...], cost_file: Optional[str],
         budget_runs: int, max_replications: int, total_buffer: Optional[int], replications: Optional[int], seed: Optional[int], workers: int,
         scheduler: Optional[str], db: str, no_store: bool, as_json: bool) -> None:
    """Find the cheapest values of the --vary fields whose KPI meets --target with --confidence:
    capacity arithmetic, short runs under common random numbers, full runs for close calls, and a
    check on fresh seeds. Each field one step lower is shown to miss."""
    from twin.cli.plan_report import print_plan
    from twin.experiments.plan import PlanError, PlanOptions, expand_ranges, load_costs, parse_target, parse_vary
    from twin.service.planning import plan_in_session

    scenario = _load(file)
    try:
        target = parse_target(target_text)
        ranges = expand_ranges(scenario, [parse_vary(text) for text in vary_texts])
        costs = load_costs(cost_file) if cost_file else None
        if not 0.5 <= confidence < 1:
            raise PlanError(f"--confidence {confidence}: give a probability in [0.5, 1)")
        if total_buffer is not None and not all(r.path.endswith(".buffer") for r in ranges):
            raise PlanError("--total-buffer shares buffer slots: vary buffers only (e.g. --vary 'stations.*.buffer=0..20')")
    except PlanError as exc:
        _fail([str(exc)])
    options = PlanOptions(confidence=confidence, budget_runs=budget_runs, replications=replications, seed=seed,
                          max_replications=max_replications,
                          costs=costs, total_buffer=total_buffer)
    with _session(workers, scheduler, db, no_store, as_json) as session:
        try:
            result, run_id = plan_in_session(session, scenario, target, ranges, options)
        except PlanError as exc:
            _fail([str(exc)])
    if run_id is not None:
        _note(f"plan stored with run {run_id} in {db}")
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        print_plan(result, _stdout())
    if not result.feasible:
        sys.exit(NO_PLAN)


# -- bottleneck ---------------------------------------------------------------------------------
@main.command()
@click.argument("file", type=click.Path(dir_okay=False), required=False)
@click.option("--run", "run_id", type=RUN_ID, metavar="ID",
              help="Analyse a stored run (its scenario and replications) instead of simulating FILE.")
@click.option("--improve", "how", type=click.Choice(["fair", "rate", "machine"]), default="fair", show_default=True,
              help="The step tried at each station: 'fair' (+10% rate at machines and assemblies, +10% racks or "
                   "places per load at batch stations, +10% places at stores; 'rate' is the same), or +1 machine.")
@click.option("--top", type=click.IntRange(min=0), default=5, show_default=True,
              help="Stations to try, most constraining first by load against calendar capacity (0: every station).")
@_replication_options
@_executor_options
@_db_option()
@_json_option
def bottleneck(file: Optional[str], run_id: Optional[int], how: str, top: int, replications: Optional[int],
               seed: Optional[int], workers: int, scheduler: Optional[str], db: str, as_json: bool) -> None:
    """Which station holds the line back, by how much, and what fixing it buys: the run's stored
    verdict (throughput constraint and momentary bottleneck), the loss waterfall, the bottleneck
    walk, and the throughput gain of a fair capacity step at each station (paired runs under common
    random numbers). The base run, the variants and the analysis are stored in the results database."""
    from twin.cli.report import print_bottleneck
    from twin.service.tasks import TaskError, rank_improvements

    if (file is None) == (run_id is None):
        _fail(["give a scenario FILE or --run ID (a stored run), not both"])
    if run_id is not None:
        with _open_store(db) as store:  # a clear error for a missing database or run, before any work
            store.run(run_id)
    scenario = _load(file) if file is not None else None
    try:
        with _session(workers, scheduler, db, False, as_json) as session:
            analysis = rank_improvements(session, scenario=scenario, stored_run=run_id, how=how,  # type: ignore[arg-type]
                                         top=None if top == 0 else top, replications=replications, seed=seed,
                                         on_run=lambda stored: _announce([stored], db))
    except TaskError as exc:
        _fail([str(exc)])
    if as_json:
        click.echo(analysis.model_dump_json(indent=2))
    else:
        print_bottleneck(analysis, _stdout())


# -- runs ---------------------------------------------------------------------------------------
@contextmanager
def _open_store(db: str) -> Iterator[Any]:
    from twin.store.database import Store

    try:
        with Store(db, create=False, read_only=True) as store:  # reading only: works on a file we cannot write
            yield store
    except StoreError as exc:
        _fail([str(exc)])


@main.group(invoke_without_command=True)
@_db_option()
@_json_option
@click.pass_context
def runs(ctx: click.Context, db: str, as_json: bool) -> None:
    """List stored runs: id, scenario, time, status, replications and key KPIs."""
    ctx.obj = db
    if ctx.invoked_subcommand is not None:
        return
    from twin.cli.report import print_runs
    from twin.store.runs import describe, summaries

    if not Path(db).exists():
        click.echo("[]" if as_json else f"no runs stored yet (no database at {db})")
        return
    with _open_store(db) as store:
        rows = [describe(record, result) for record, result in summaries(store)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif not rows:
        click.echo(f"no runs stored yet in {db}")
    else:
        print_runs(rows, _stdout(min_width=200))


@runs.command("show")
@click.argument("run_id", metavar="ID", type=RUN_ID)
@_db_option(default=None)
@_json_option
@click.pass_context
def runs_show(ctx: click.Context, run_id: int, db: Optional[str], as_json: bool) -> None:
    """Show the result of run ID (aggregated from its finished replications if it did not complete)."""
    from twin.cli.period_report import print_periods
    from twin.cli.report import print_report
    from twin.store.runs import describe, run_result, status_of

    with _open_store(db or ctx.obj) as store:
        record = store.run(run_id)
        result = run_result(store, record)
    if as_json:
        click.echo(json.dumps({"run": describe(record, result),
                               "result": None if result is None else result.model_dump(mode="json", by_alias=True)},
                              indent=2))
        return
    console = _stdout()
    console.print(
        f"run {record.id} ({record.kind}{': ' + record.label if record.label else ''}), started {record.started_at}, "
        f"status [bold]{status_of(record)}[/bold], {_progress(record)}, version {record.version}"
    )
    for note in _notes(record.details):
        console.print(note)
    if result is None:
        console.print("no finished replications yet")
        return
    if record.status != "complete":
        console.print(f"partial result: aggregated from the {record.done} finished replications")
    print_report(result, console)
    print_periods(result, console)


def _progress(record: Any) -> str:
    if record.details.get("precision"):
        return f"{record.done} replications finished (sequential, at most {record.planned})"
    return f"{record.done} of {record.planned} replications finished"


def _notes(details: dict[str, Any]) -> list[str]:
    """The warm-up and precision lines of a stored run's details."""
    from twin.experiments.replications import PrecisionOutcome
    from twin.cli.report import precision_note, warmup_note
    from twin.analysis.warmup import WarmupChoice

    notes = []
    if isinstance(details.get("warmup"), dict):
        notes.append(warmup_note(WarmupChoice.model_validate(details["warmup"])))
    if isinstance(details.get("precision"), dict):
        notes.append(precision_note(PrecisionOutcome.model_validate(details["precision"])))
    return notes


@runs.command("export")
@click.argument("run_id", metavar="ID", type=RUN_ID)
@click.option("--csv", "csv_path", required=True, metavar="PATH", help="CSV file to write ('-': stdout).")
@click.option("--force", is_flag=True, help="Overwrite the CSV file if it exists.")
@_db_option(default=None)
@click.pass_context
def runs_export(ctx: click.Context, run_id: int, csv_path: str, db: Optional[str], force: bool) -> None:
    """Write run ID's per-replication KPIs (line and stations) as CSV; an existing file is kept unless --force."""
    from twin.store.runs import write_csv

    with _open_store(db or ctx.obj) as store:
        replications = store.replications(run_id)
    if not replications:
        _fail([f"run {run_id} has no finished replications to export"])
    if csv_path == "-":
        write_csv(replications, sys.stdout)
        return
    try:
        with open(csv_path, "w" if force else "x", newline="", encoding="utf-8") as out:
            count = write_csv(replications, out)
    except FileExistsError:
        _fail([f"{csv_path} exists: give --force to overwrite it, or another path"])
    except OSError as exc:
        _fail([f"cannot write {csv_path}: {exc.strerror}"])

    _note(f"wrote {count} replications of run {run_id} to {csv_path}")


# -- calibration from a line's event log ---------------------------------------------------------
_map_option = click.option("--map", "map_path", type=click.Path(dir_okay=False), metavar="MAP.yaml",
                           help="Column map of an MES export: column names, state and event names, time format.")


@main.command()
@click.argument("log", type=click.Path(dir_okay=False))
@click.option("--base", "base_path", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="The scenario whose values are replaced by the fitted ones.")
@click.option("-o", "--output", "out_path", required=True, type=click.Path(dir_okay=False), metavar="OUT.yaml",
              help="Where the calibrated scenario is written.")
@_map_option
@_json_option
def calibrate(log: str, base_path: str, out_path: str, map_path: Optional[str], as_json: bool) -> None:
    """Fit cycle, failure, repair and setup times and yields per station from the event LOG."""
    from twin.cli.calibration_report import print_calibration
    from twin.service.calibration import CalibrationFailed, calibrate_file

    _load(base_path)
    try:
        result = calibrate_file(Path(log), Path(base_path), Path(out_path), Path(map_path) if map_path else None)
    except CalibrationFailed as exc:
        _fail([str(exc)])
        raise  # unreachable
    for warning in result.warnings:
        _note(f"warning: {warning}")
    _note(f"wrote the calibrated scenario to {out_path}")
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    print_calibration(result, _stdout())


@main.command("validate-against")
@click.argument("log", type=click.Path(dir_okay=False))
@click.argument("file", type=click.Path(dir_okay=False))
@_map_option
@click.option("--replications", "-r", type=click.IntRange(min=2), help="Override the file's replications.")
@click.option("--seed", type=click.IntRange(min=0), help="Override the file's root seed.")
@click.option("--warmup", "warmup", metavar="DURATION",
              help="Twin warm-up before the log's window, e.g. '14 d' (default: the scenario's).")
@click.option("--skip", "skip", default="0 s", show_default=True, metavar="DURATION",
              help="Leave out the start of the log (e.g. a line that started empty).")
@_json_option
def validate_against(log: str, file: str, map_path: Optional[str], replications: Optional[int], seed: Optional[int],
                     warmup: Optional[str], skip: str, as_json: bool) -> None:
    """Run the scenario FILE over the event LOG's calendar and compare KPIs: the log's value against
    the twin's mean with its 95% CI, and a verdict per KPI."""
    from twin.cli.calibration_report import print_validation
    from twin.service.calibration import CalibrationFailed, validate_file
    from twin.spec.units import parse_duration

    _load(file)
    try:
        warmup_s = parse_duration(warmup) if warmup is not None else None
        skip_s = parse_duration(skip)
    except ValueError as exc:
        _fail([f"--warmup/--skip: {exc}"])
        raise  # unreachable
    try:
        report = validate_file(Path(log), Path(file), Path(map_path) if map_path else None, replications,
                               warmup_s, skip_s, seed)
    except CalibrationFailed as exc:
        _fail([str(exc)])
        raise  # unreachable
    for note in report.notes:
        _note(note)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    print_validation(report, _stdout())


# -- scenario files -----------------------------------------------------------------------------
@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Check the scenario FILE without running it."""
    scenario = _load(file)
    click.echo(
        f"{file}: valid scenario {scenario.name!r} ({len(scenario.stations)} stations, "
        f"{len(scenario.sources)} sources, hash {scenario.content_hash()})"
    )


@main.command()
def schema() -> None:
    """Print the scenario file's JSON schema, every field described."""
    click.echo(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
"""Background jobs of the dashboard server: runs, sweeps, plans and bottleneck analyses in worker processes.

A process rather than a thread: a run is CPU-bound Python, so in the server's process it would slow
every page. Each job calls the service layer (twin.service.tasks) in its own process and sends back,
as data over a pipe, the id of each run it stored and how it ended; progress (replications stored of
planned) is read by the page from the results database. Jobs beyond `max_running` wait in a queue
(visible as 'queued'); a job can be cancelled (a running one is stopped with SIGTERM, so its run is
marked 'interrupted' and keeps its finished replications); asking for a run identical to one
queued or running returns that job instead of starting a second. Limits on replications and run
length per job keep one form value from exhausting the server. A reaper thread collects what
running jobs said and joins finished workers within a second, whether or not a page asks (no
zombie processes).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Optional

_CONTEXT = multiprocessing.get_context("spawn")  # no fork of a threaded server

STATES = ("queued", "running", "done", "failed", "cancelled")


@dataclass(frozen=True)
class JobLimits:
    """What one dashboard job may ask for (the CLI has no such limits)."""

    max_replications: int = 200
    max_length_h: float = 5 * 8766.0  # five years of simulated time
    max_running: int = max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    kind: str  # "run", "sweep", "grid", "bottleneck" or "plan"
    title: str
    state: str  # one of STATES
    run_ids: list[int] = field(default_factory=list)  # runs the job stored (as soon as it says so)
    message: str = ""  # why it failed, for the page: never a server path or exception text
    started_at: Optional[float] = None  # epoch seconds the worker started (for the ETA)
    ended_at: Optional[float] = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")


class JobRefused(ValueError):
    """The request breaks a limit; the message says which, for the page."""


@dataclass
class _Job:
    kind: str
    title: str
    owner: str
    request: dict[str, Any]
    key: str  # what makes two requests the same job
    state: str = "queued"
    run_ids: list[int] = field(default_factory=list)
    message: str = ""
    process: Optional[Any] = None
    pipe: Optional[Connection] = None
    started_at: Optional[float] = None
    ended_at: Optional[float] = None


class JobManager:
    """The jobs this server started; safe to use from the server's request threads."""

    def __init__(self, db_path: Path | str, limits: JobLimits = JobLimits()) -> None:
        self.db_path = Path(db_path).resolve()
        self.limits = limits
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._reaper: Optional[threading.Thread] = None

    # -- starting ---------------------------------------------------------------------------------
    def start_run(self, scenario_yaml: str, title: str, owner: str = "", replications: Optional[int] = None,
                  seed: Optional[int] = None) -> str:
        """Queue a run of the scenario (YAML text); returns the job id. `replications` and `seed` are
        run settings (not scenario edits: the run keeps the scenario's hash). The scenario is validated
        in the worker, which reports a bad one as a failed job with the loader's message."""
        from twin.spec.scenario import Scenario  # the spec layer only: cheap
        from twin.spec.yaml_io import ScenarioError, parse_model

        try:
            scenario = parse_model(scenario_yaml, Scenario, "the scenario")
        except ScenarioError:
            scenario = None  # the worker reports it with the loader's message
        if scenario is not None:
            replications = replications or scenario.run.replications
            seed = scenario.run.seed if seed is None else seed
            self._check(scenario, replications)
            key = f"run:{scenario.content_hash()}:{seed}:{replications}"
        else:
            key = f"run:invalid:{uuid.uuid4().hex}"
        request = {"scenario_yaml": scenario_yaml, "replications": replications, "seed": seed}
        return self._queue("run", title, owner, request, key)

    def start_sweep(self, scenario_yaml: str, assignments: list[tuple[str, list[Any]]], title: str, owner: str = "",
                    replications: Optional[int] = None, seed: Optional[int] = None) -> str:
        """Queue a sweep (twin.service.tasks.run_sweep): every combination of the assignments'
        values, common random numbers across points. Limits count replications over all points."""
        from twin.spec.scenario import Scenario
        from twin.spec.yaml_io import parse_model

        scenario = parse_model(scenario_yaml, Scenario, "the scenario")  # the page sends a validated scenario
        points = 1
        for _, values in assignments:
            points *= max(len(values), 1)
        replications = replications or scenario.run.replications
        seed = scenario.run.seed if seed is None else seed
        self._check(scenario, replications * points)
        request = {"scenario_yaml": scenario_yaml, "assignments": [[p, list(v)] for p, v in assignments],
                   "replications": replications, "seed": seed}
        key = f"sweep:{scenario.content_hash()}:{assignments!r}:{replications}:{seed}"
        return self._queue("sweep", title, owner, request, key)

    def start_grid(self, base_yaml: str, whatif_yamls: list[str], title: str, owner: str = "",
                   replications: Optional[int] = None) -> str:
        """Queue a scenario grid (twin.service.tasks.run_grid): the base and each what-if with the
        base's seed, one group, to compare side by side. Limits count replications over all runs."""
        from twin.spec.scenario import Scenario
        from twin.spec.yaml_io import parse_model

        scenarios = [parse_model(text, Scenario, "the scenario") for text in [base_yaml, *whatif_yamls]]
        replications = replications or scenarios[0].run.replications
        for scenario in scenarios:
            self._check(scenario, replications * len(scenarios))
        request = {"base_yaml": base_yaml, "whatif_yamls": list(whatif_yamls), "replications": replications}
        key = "grid:" + ":".join(s.content_hash() for s in scenarios) + f":{replications}"
        return self._queue("grid", title, owner, request, key)

    def _check(self, scenario: Any, replications: int) -> None:
        if replications > self.limits.max_replications:
            raise JobRefused(f"at most {self.limits.max_replications} replications per job from the dashboard")
        if (scenario.run.warmup + scenario.run.length) / 3600 > self.limits.max_length_h:
            raise JobRefused(f"at most {self.limits.max_length_h:,.0f} h of warm-up and run length from the dashboard")

    def start_bottleneck(self, run_id: int, owner: str = "") -> str:
        """Queue the improvement ranking of a stored run (the analysis is stored under the run)."""
        return self._queue("bottleneck", f"bottleneck analysis of run {run_id}", owner, {"run_id": int(run_id)},
                           f"bottleneck:{int(run_id)}")

    def start_plan(self, scenario_json: str, label: str, target: str, confidence: float, vary: list[str],
                   budget_runs: int, owner: str = "") -> str:
        """Queue a plan (`twin plan`'s search) of a validated scenario (its JSON); the page has
        checked every value."""
        request = {"scenario_json": scenario_json, "target": target, "confidence": float(confidence),
                   "vary": list(vary), "budget_runs": int(budget_runs)}
        key = "plan:" + repr(sorted(request.items()))
        return self._queue("plan", f"plan of {label} for {target}", owner, request, key)

    def _queue(self, kind: str, title: str, owner: str, request: dict[str, Any], key: str) -> str:
        with self._lock:
            for job_id, job in self._jobs.items():
                if job.key == key and job.state in ("queued", "running"):
                    return job_id  # the same work is already under way: no second copy
            job_id = uuid.uuid4().hex
            self._jobs[job_id] = _Job(kind, title, owner, request, key)
            self._advance()
            self._watch()
        return job_id

    def _watch(self) -> None:
        """Start the reaper thread if none is running (inside the lock)."""
        if self._reaper is None or not self._reaper.is_alive():
            self._reaper = threading.Thread(target=self._reap, name="dashboard-job-reaper", daemon=True)
            self._reaper.start()

    def _reap(self) -> None:
        """Advance the jobs every half second until none is queued or running: finished workers are
        joined at once and queued jobs start without a page having to ask."""
        while True:
            time.sleep(0.5)
            with self._lock:
                self._advance()
                if not any(job.state in ("queued", "running") for job in self._jobs.values()):
                    self._reaper = None
                    return

    # -- asking -----------------------------------------------------------------------------------
    def status(self, job_id: str) -> Optional[JobStatus]:
        """The job's state now (None for an id this server does not know, e.g. after a restart)."""
        with self._lock:
            self._advance()
            job = self._jobs.get(job_id)
            return None if job is None else self._status(job_id, job)

    def jobs_of(self, owner: str) -> list[JobStatus]:
        """The jobs `owner` started, oldest first."""
        with self._lock:
            self._advance()
            return [self._status(job_id, job) for job_id, job in self._jobs.items() if owner and job.owner == owner]

    def cancel(self, job_id: str, owner: Optional[str] = None) -> Optional[JobStatus]:
        """Cancel a queued job, or stop a running one (its run keeps its finished replications).
        With `owner`, only that owner's job: a page can stop only the jobs it started."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or (owner is not None and job.owner != owner):
                return None
            if job.state == "queued":
                job.state = "cancelled"
            elif job.state == "running" and job.process is not None:
                job.process.terminate()
                job.process.join(timeout=15)
                self._collect(job)
                job.state, job.message = "cancelled", "stopped; finished replications are kept"
                job.ended_at = job.ended_at or time.time()
            self._advance()
            return self._status(job_id, job)

    def stop_all(self) -> None:
        """Stop every job (the server is shutting down); each marks its run 'interrupted' and keeps
        its finished replications."""
        with self._lock:
            for job in self._jobs.values():
                if job.state == "queued":
                    job.state = "cancelled"
            running = [job for job in self._jobs.values() if job.state == "running"]
        for job in running:
            job.process.terminate()
        for job in running:
            job.process.join(timeout=10)
            if job.process.is_alive():
                job.process.kill()
                job.process.join()
        with self._lock:
            for job in running:
                self._collect(job)
                if job.state == "running":
                    job.state, job.message = "failed", "stopped with the server"

    # -- inside the lock --------------------------------------------------------------------------
    def _status(self, job_id: str, job: _Job) -> JobStatus:
        return JobStatus(job_id, job.kind, job.title, job.state, list(job.run_ids), job.message, job.started_at,
                         job.ended_at)

    def _advance(self) -> None:
        """Collect what running jobs said, reap the finished ones, start queued ones in free slots."""
        for job in self._jobs.values():
            if job.state == "running":
                self._collect(job)
        running = sum(job.state == "running" for job in self._jobs.values())
        for job in self._jobs.values():
            if running >= self.limits.max_running:
                break
            if job.state == "queued":
                self._launch(job)
                running += 1

    def _launch(self, job: _Job) -> None:
        receive, send = _CONTEXT.Pipe(duplex=False)
        job.process = _CONTEXT.Process(target=_work, args=(job.kind, job.request, str(self.db_path), send), daemon=True)
        job.process.start()
        send.close()  # the child holds its own end
        job.pipe, job.state = receive, "running"
        job.started_at = time.time()

    def _collect(self, job: _Job) -> None:
        assert job.pipe is not None and job.process is not None
        try:
            while job.pipe.poll():
                what, value = job.pipe.recv()
                if what == "run":
                    job.run_ids.append(int(value))
                elif what in ("done", "failed"):
                    job.state, job.message = what, str(value)
        except (EOFError, OSError):
            pass  # the worker has gone; its exit code says how
        if job.state == "running" and not job.process.is_alive():
            job.process.join()
            job.state = "failed"
            job.message = job.message or "the job stopped before it finished"
        if job.state != "running":
            job.ended_at = job.ended_at or time.time()
            job.process.join(timeout=5)  # reaped: no zombie
            job.pipe.close()


def _work(kind: str, request: dict[str, Any], db_path: str, pipe: Connection) -> None:
    """The worker process: one service task; tells the server each stored run and how it ended."""
    import logging

    from twin.experiments.plan import PlanError
    from twin.service.session import session
    from twin.service.tasks import TaskError, rank_improvements, run_grid, run_scenario, run_sweep
    from twin.sim.errors import SimulationError
    from twin.spec.scenario import Scenario
    from twin.spec.yaml_io import ScenarioError, parse_model
    from twin.store.database import StoreError

    def told(run_id: int) -> None:
        pipe.send(("run", run_id))

    try:
        if kind == "plan":
            _plan(request, db_path, told)
            pipe.send(("done", ""))
            return
        with session(workers=1, scheduler=None, db=db_path, show_progress=False) as current:
            if kind == "run":
                scenario = parse_model(request["scenario_yaml"], Scenario, "the scenario")
                run_scenario(current, scenario, replications=request.get("replications"), seed=request.get("seed"),
                             on_run=told)
            elif kind == "grid":
                base = parse_model(request["base_yaml"], Scenario, "the base")
                whatifs = [parse_model(text, Scenario, "a what-if") for text in request["whatif_yamls"]]
                run_grid(current, base, whatifs, replications=request["replications"], on_run=told)
            elif kind == "sweep":
                scenario = parse_model(request["scenario_yaml"], Scenario, "the scenario")
                run_sweep(current, scenario, [(p, v) for p, v in request["assignments"]],
                          replications=request["replications"], seed=request["seed"], on_run=told)
            else:
                rank_improvements(current, stored_run=request["run_id"], on_run=told)
        pipe.send(("done", ""))
    except ScenarioError as exc:
        pipe.send(("failed", "\n".join(exc.messages)))
    except (TaskError, StoreError, PlanError, SimulationError) as exc:
        pipe.send(("failed", str(exc)))
    except KeyboardInterrupt:  # SIGTERM: the session has marked the run interrupted
        pipe.send(("failed", "stopped; finished replications are kept"))
    except Exception:  # noqa: BLE001  (the page gets a plain sentence; the server log gets the details)
        logging.getLogger(__name__).exception("dashboard job failed")
        pipe.send(("failed", "the job failed with an internal error (see the server log)"))
    finally:
        pipe.close()


def _plan(request: dict[str, Any], db_path: str, told: Any) -> None:
    """The plan job: the same search as `twin plan`, through the service layer."""
    from twin.experiments.plan import PlanOptions, expand_ranges, parse_target, parse_vary
    from twin.service.planning import run_plan_job
    from twin.spec.scenario import Scenario

    scenario = Scenario.model_validate_json(request["scenario_json"])
    ranges = expand_ranges(scenario, [parse_vary(text) for text in request["vary"]])
    options = PlanOptions(confidence=request["confidence"], budget_runs=request["budget_runs"])
    done = run_plan_job(scenario, parse_target(request["target"]), ranges, options, db_path)
    if done.get("run_id") is not None:
        told(done["run_id"])

"""Background jobs: `twin run` (and `twin bottleneck`) as subprocesses of the dashboard server.

A subprocess rather than a thread: a run is CPU-bound Python, so in the server's process it would
slow every page; as its own process it runs beside the server, several users can run at once, and
the CLI stores each replication the moment it finishes, so progress (replications stored of
planned) is read from the results database by the page, not from here. This module only starts
the commands and says whether each has finished, which run it stored and, if it failed, why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

RUN_STORED = re.compile(r"^runs? ([\d, ]+) stored in ", re.MULTILINE)


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    kind: str  # "run" or "bottleneck"
    title: str
    state: str  # "running", "done" or "failed"
    run_ids: list[int] = field(default_factory=list)  # runs the job stored (as soon as it says so)
    message: str = ""  # why it failed

    @property
    def finished(self) -> bool:
        return self.state != "running"


@dataclass
class _Job:
    kind: str
    title: str
    process: subprocess.Popen
    workdir: Path
    owner: str
    run_ids: list[int] = field(default_factory=list)
    final: Optional[JobStatus] = None


class JobManager:
    """The jobs this server started; safe to use from the server's request threads."""

    def __init__(self, db_path: Path, python: str = sys.executable) -> None:
        self.db_path = Path(db_path).resolve()
        self.python = python
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    def start_run(self, scenario_yaml: str, title: str, owner: str = "") -> str:
        """Run the scenario (YAML text) with `twin run`; returns the job id. `owner` (a page's
        token) lets that page list its jobs from here rather than from state the browser keeps."""
        workdir = Path(tempfile.mkdtemp(prefix="twin-dashboard-job-"))
        path = workdir / "scenario.yaml"
        path.write_text(scenario_yaml, encoding="utf-8")
        return self._start("run", title, owner, workdir, ["run", str(path), "--db", str(self.db_path), "--json"])

    def start_bottleneck(self, run_id: int, owner: str = "") -> str:
        """Rank improvements of a stored run with `twin bottleneck` (it stores the analysis)."""
        workdir = Path(tempfile.mkdtemp(prefix="twin-dashboard-job-"))
        return self._start("bottleneck", f"bottleneck analysis of run {run_id}", owner, workdir,
                           ["bottleneck", "--run", str(run_id), "--db", str(self.db_path)], run_ids=[run_id])

    def _start(self, kind: str, title: str, owner: str, workdir: Path, arguments: list[str],
               run_ids: Optional[list[int]] = None) -> str:
        log = open(workdir / "stderr.log", "w", encoding="utf-8")
        try:
            process = subprocess.Popen(
                [self.python, "-m", "twin.cli.main", *arguments], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=log, cwd=workdir, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        finally:
            log.close()  # the child has its own handle
        job_id = uuid.uuid4().hex
        with self._lock:
            self._jobs[job_id] = _Job(kind, title, process, workdir, owner, list(run_ids or []))
        return job_id

    def status(self, job_id: str) -> Optional[JobStatus]:
        """The job's state now (None for an id this server does not know, e.g. after a restart)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else self._refresh(job_id, job)

    def jobs_of(self, owner: str) -> list[JobStatus]:
        """The jobs `owner` started, oldest first."""
        with self._lock:
            return [self._refresh(job_id, job) for job_id, job in self._jobs.items() if owner and job.owner == owner]

    def _refresh(self, job_id: str, job: _Job) -> JobStatus:
        if job.final is not None:
            return job.final
        code = job.process.poll()
        log = _read(job.workdir / "stderr.log")
        if job.kind == "run":
            found = [int(n) for match in RUN_STORED.findall(log) for n in match.split(",") if n.strip()]
            job.run_ids = found or job.run_ids
        if code is None:
            return JobStatus(job_id, job.kind, job.title, "running", list(job.run_ids))
        state = "done" if code == 0 else "failed"
        message = "" if code == 0 else _failure(log, code)
        job.final = JobStatus(job_id, job.kind, job.title, state, list(job.run_ids), message)
        shutil.rmtree(job.workdir, ignore_errors=True)  # the scenario copy and the log: all read now
        return job.final

    def stop_all(self) -> None:
        """Stop every job still running (the server is shutting down); each marks its run
        'interrupted' and keeps its finished replications."""
        with self._lock:
            jobs = dict(self._jobs)
        for job in jobs.values():
            if job.process.poll() is None:
                job.process.terminate()
        for job_id, job in jobs.items():
            try:
                job.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                job.process.kill()
                job.process.wait()
            with self._lock:
                self._refresh(job_id, job)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _failure(log: str, code: int) -> str:
    """The command's own error lines, else the end of what it wrote."""
    lines = [line.removeprefix("error: ") for line in log.splitlines() if line.startswith("error: ")]
    if not lines:
        lines = [line for line in log.splitlines() if line.strip()][-5:]
    return "\n".join(lines) or f"the command ended with exit code {code}"

"""The plan page's background job: `twin plan` as a subprocess of the server, like dashboard.jobs runs
`twin run` (a plan is CPU-bound for minutes, so it must not run in the server's process). With --json
the command writes only a few lines to stderr (a note, or its one-line error), read from a pipe when
it ends. The lead may move the job onto the service layer's worker (twin.service.planning.run_plan_job);
the page only needs start() and status().
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence


@dataclass(frozen=True)
class PlanJobStatus:
    state: str  # "running", "done" (a plan, feasible or not) or "failed" (the command's error)
    message: str = ""


class PlanJobs:
    """The plans this server started; safe to use from the server's request threads."""

    def __init__(self, db_path: Path, python: str = sys.executable) -> None:
        self.db_path, self.python = Path(db_path).resolve(), python
        self._jobs: dict[str, subprocess.Popen] = {}
        self._final: dict[str, PlanJobStatus] = {}
        self._lock = threading.Lock()

    def start(self, scenario_path: Path, target: str, confidence: float, vary: Sequence[str], budget_runs: int) -> str:
        """`twin plan` on a scenario file; returns the job id."""
        arguments = ["plan", str(scenario_path), "--target", target, "--confidence", str(confidence),
                     "--budget-runs", str(budget_runs), "--db", str(self.db_path), "--json"]
        for text in vary:
            arguments += ["--vary", text]
        process = subprocess.Popen([self.python, "-m", "twin.cli.main", *arguments], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir(),
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"}, text=True)
        job_id = uuid.uuid4().hex
        with self._lock:
            self._jobs[job_id] = process
        return job_id

    def status(self, job_id: str) -> Optional[PlanJobStatus]:
        with self._lock:
            if job_id in self._final:
                return self._final[job_id]
            if job_id not in self._jobs:
                return None
            process = self._jobs[job_id]
            code = process.poll()
            if code is None:
                return PlanJobStatus("running")
            _, log = process.communicate()
            errors = [line.removeprefix("error: ") for line in log.splitlines() if line.startswith("error: ")]
            final = PlanJobStatus("done") if code in (0, 1) else PlanJobStatus(
                "failed", "; ".join(errors) or f"the plan ended with exit code {code}")
            self._final[job_id] = final
            return final

    def stop_all(self) -> None:
        with self._lock:
            processes = [process for process in self._jobs.values() if process.poll() is None]
        for process in processes:
            process.terminate()

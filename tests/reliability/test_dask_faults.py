"""A Dask cluster that loses a worker mid-run, then goes away altogether (issue 13).

Real processes (a `dask scheduler` and two `dask worker --no-nanny`, so a killed worker stays
dead), a real `twin run --scheduler` in a subprocess, and SIGKILL: after the first stored
replication one worker is killed (its replication is rerun on the other), after the third the
scheduler and the last worker. The command must exit by itself with one error line, and the run
must be stored 'interrupted' with its finished replications intact (equal to the same replications
computed here). The time from the cluster kill to the exit is printed (never asserted)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from twin.sim.engine import run_replication
from twin.spec.yaml_io import load_scenario
from twin.store.database import Store

pytestmark = pytest.mark.slow  # a Dask cluster killed on purpose: CI runs it, the fast loop does not

ROOT = Path(__file__).parents[2]
FAST_LINE = ROOT / "tests" / "e2e" / "fast_line.yaml"
HANG_GUARD_S = 180  # only so that a regression fails instead of hanging the suite


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT),
            "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}


def _start(*arguments: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *arguments], env=_env(), stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _done(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM replications").fetchone()[0]
    except sqlite3.Error:
        return 0


def _wait_for(condition, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + HANG_GUARD_S
    while not condition():
        assert process.poll() is None, f"twin run ended before {what}: {process.stderr.read()}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("lost, message", [("scheduler", "is gone"), ("workers", "no Dask worker is left")])
def test_a_lost_worker_is_rerun_and_a_lost_cluster_stops_the_run_keeping_its_replications(tmp_path, lost, message):
    """`lost`: after the third replication, the scheduler and the last worker are killed, or only
    the last worker (the scheduler stays up with no one to run the tasks)."""
    scenario_path = tmp_path / "line.yaml"
    data = yaml.safe_load(FAST_LINE.read_text())
    # replications long enough (about 0.4 s each) that the kill after the third lands before the eighth is done
    data["run"].update(replications=8, warmup="12 h", length="20 d")
    scenario_path.write_text(yaml.safe_dump(data, sort_keys=False))
    scheduler_file = tmp_path / "scheduler.json"
    db = tmp_path / "results.sqlite"
    cluster = [_start("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(scheduler_file), log=tmp_path / "scheduler.log")]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline, (tmp_path / "scheduler.log").read_text()
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for n in range(2):
            cluster.append(_start("distributed.cli.dask_worker", "--scheduler-file", str(scheduler_file),
                                  "--nthreads", "1", "--no-nanny", "--no-dashboard", log=tmp_path / f"worker{n}.log"))
        run = subprocess.Popen([sys.executable, "-m", "twin.cli", "run", str(scenario_path), "--scheduler", address,
                                "--db", str(db), "--json"], env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            _wait_for(lambda: _done(db) >= 1, "the first replication", run)
            _kill(cluster[1])  # one worker (no nanny to restart it)
            _wait_for(lambda: _done(db) >= 3, "the third replication", run)
            killed_at = time.monotonic()
            if lost == "scheduler":
                _kill(cluster[0])
            _kill(cluster[2])  # the last worker
            _, stderr = run.communicate(timeout=HANG_GUARD_S)
            exit_s = time.monotonic() - killed_at
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    finally:
        for process in cluster:
            _kill(process)
    print(f"\n{lost} lost: twin run exited {exit_s:.1f} s after the kill; stderr:\n{stderr}")
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("run 1 stored in")]
    assert run.returncode == 2, stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr, stderr
    assert message in lines[0] and "interrupted" in lines[0] and "keeps" in lines[0]
    with Store(db, create=False) as store:
        [record] = store.runs()
        kept = store.replications(record.id)
    assert record.status == "interrupted" and record.done == len(kept) >= 3 and record.done < 8
    scenario = load_scenario(scenario_path)
    first = kept[0]
    assert first == run_replication(scenario, first.replication)  # intact: what the replication computes

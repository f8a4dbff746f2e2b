"""Pool workers die with their parent: SIGKILL a `twin run --workers 2` mid-run and its worker
processes end by themselves (the time is printed, never asserted; a generous guard fails a hang)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
GUARD_S = 60


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "pidfd_open") or not Path("/proc").is_dir(), reason="Linux only")
def test_workers_of_a_killed_run_exit(tmp_path):
    data = yaml.safe_load((ROOT / "tests" / "e2e" / "fast_line.yaml").read_text())
    data["run"].update(length="120 d", replications=2)
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(data))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen([sys.executable, "-m", "twin.cli", "run", str(path), "--no-store", "-w", "2"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + GUARD_S
    try:
        while len(workers) < 2:  # the fork server's children
            assert time.monotonic() < deadline and run.poll() is None, "the workers never started"
            workers = [w for server in _children(run.pid) for w in _children(server)]
            time.sleep(0.2)
        handles = [os.pidfd_open(w) for w in workers]
        killed_at = time.monotonic()
        run.send_signal(signal.SIGKILL)
        run.wait()
        left = set(handles)
        while left and time.monotonic() < killed_at + GUARD_S:
            ready, _, _ = select.select(list(left), [], [], 1.0)
            left -= set(ready)
        print(f"\nworkers exited {time.monotonic() - killed_at:.2f} s after their parent was killed")
        assert not left, "a worker outlived its parent"
    finally:
        if run.poll() is None:
            run.kill()
        for worker in workers:
            try:
                os.kill(worker, signal.SIGKILL)
            except ProcessLookupError:
                pass

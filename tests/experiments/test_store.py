"""The results database: what a run stores, that results read back exactly, that a run killed
midway keeps its finished replications (nothing corrupt, `twin runs` lists it), that Ctrl-C marks
a run interrupted, and that two processes writing at once lose nothing."""

from __future__ import annotations

import json
import math
import multiprocessing
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.experiments.lines import build, serial_line, write
from twin.cli.main import main
from twin.sim.engine import run_replication
from twin.experiments.replications import aggregate
from twin.sim.results import ReplicationResult
from twin.store.database import Store, StoreError, from_json

POLL_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def replication() -> ReplicationResult:
    return run_replication(build(serial_line(length_h=20.0)), 0, 1)


def _copy(result: ReplicationResult, index: int) -> ReplicationResult:
    return result.model_copy(update={"replication": index})


def test_a_run_stores_scenario_replications_and_result(tmp_path, replication):
    scenario = build(serial_line())
    with Store(tmp_path / "r.sqlite") as store:
        run_id = store.create_run(scenario, seed=11, planned=2, warmup_h=5.0, details={"note": 1})
        assert store.run(run_id).status == "running" and store.run(run_id).done == 0
        store.add_replication(run_id, _copy(replication, 1))
        store.add_replication(run_id, _copy(replication, 0))
        result = aggregate(scenario, store.replications(run_id), 11)
        store.finish_run(run_id, result)
        record = store.run(run_id)
        assert (record.status, record.done, record.planned, record.seed) == ("complete", 2, 2, 11)
        assert record.scenario_hash == scenario.content_hash() and record.version and record.details == {"note": 1}
        assert [r.replication for r in store.replications(run_id)] == [0, 1]
        assert store.replications(run_id)[0] == replication  # the series included
        assert store.result(run_id) == result
        assert store.scenario(run_id) == scenario
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_nan_and_infinity_read_back_as_numbers(tmp_path, replication):
    odd = replication.model_copy(update={"line": replication.line.model_copy(
        update={"lead_time_h": math.nan, "yield_": math.inf})})
    with Store(tmp_path / "r.sqlite") as store:
        run_id = store.create_run(build(serial_line()), seed=1, planned=1, warmup_h=0.0)
        store.add_replication(run_id, odd)
        back = store.replications(run_id)[0]
    assert math.isnan(back.line.lead_time_h) and back.line.yield_ == math.inf


def test_unknown_run_and_unusable_files_are_clear_errors(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        with pytest.raises(StoreError, match="no run with id 7"):
            store.run(7)
    with pytest.raises(StoreError, match="no results database"):
        Store(tmp_path / "missing.sqlite", create=False)
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just some text " * 100)
    with pytest.raises(StoreError, match="not a database"):
        Store(text)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="not a twin results database"):
        Store(other)
    with pytest.raises(StoreError, match="directory"):
        Store(tmp_path)


def _wait_for_replications(db: Path, count: int, process: subprocess.Popen) -> int:
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        if db.exists():
            try:
                with Store(db, create=False) as store:
                    runs = store.runs()
                    if runs and runs[0].done >= count:
                        return runs[0].id
            except StoreError:
                pass  # the file exists but the schema is not committed yet
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} replications stored after {POLL_TIMEOUT_S} s")


def _start_run(tmp_path: Path, replications: int = 2000, length_h: float = 400.0) -> tuple[subprocess.Popen, Path]:
    scenario = write(serial_line(length_h=length_h, replications=replications), tmp_path / "long.yaml")
    db = tmp_path / "runs.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "twin.cli.main", "run", str(scenario), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    return process, db


def test_a_run_killed_midway_keeps_its_finished_replications(tmp_path):
    process, db = _start_run(tmp_path)
    run_id = _wait_for_replications(db, 5, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    process.stderr.close()

    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = raw.execute("SELECT replication, result_json FROM replications WHERE run_id = ?", (run_id,)).fetchall()
    assert len(rows) >= 5
    assert sorted(index for index, _ in rows) == list(range(len(rows)))  # one worker: in order, no gaps
    for index, text in rows:  # every row is a whole, valid replication
        assert from_json(ReplicationResult, text).replication == index  # the document carries its schema version

    runner = CliRunner()
    listed = json.loads(runner.invoke(main, ["runs", "--json", "--db", str(db)]).stdout)
    assert [(r["id"], r["status"], r["process_gone"], r["replications_done"]) for r in listed] == [
        (run_id, "running", True, len(rows))]
    assert "running (process gone)" in runner.invoke(main, ["runs", "--db", str(db)]).stdout
    shown = runner.invoke(main, ["runs", "show", str(run_id), "--json", "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["result"]["replications"] == len(rows)
    text = runner.invoke(main, ["runs", "show", str(run_id), "--db", str(db)])
    assert f"aggregated from the {len(rows)} finished replications" in text.stdout


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_says_so_and_keeps_its_replications(tmp_path, stop):
    process, db = _start_run(tmp_path)
    run_id = _wait_for_replications(db, 3, process)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    with Store(db, create=False) as store:
        record = store.run(run_id)
        assert record.status == "interrupted" and record.done >= 3
        assert f"run {run_id} keeps {record.done} finished replications" in stderr


def _write_many(path: str, label: str, count: int, start: multiprocessing.synchronize.Event) -> None:
    result = run_replication(build(serial_line(length_h=20.0)), 0, 1)
    start.wait()
    with Store(path) as store:
        run_id = store.create_run(build(serial_line()), seed=1, planned=count, warmup_h=0.0, label=label)
        for index in range(count):
            store.add_replication(run_id, _copy(result, index))
        store.finish_run(run_id, aggregate(build(serial_line()), store.replications(run_id), 1))


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    db = str(tmp_path / "shared.sqlite")
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    writers = [context.Process(target=_write_many, args=(db, label, 150, start)) for label in ("one", "two")]
    for writer in writers:
        writer.start()
    start.set()  # both open the (not yet existing) database and write at the same moment
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    with Store(db, create=False) as store:
        runs = store.runs()
        assert sorted(r.label for r in runs) == ["one", "two"]
        for record in runs:
            assert (record.status, record.done) == ("complete", 150)
            assert [r.replication for r in store.replications(record.id)] == list(range(150))


def _create(path: str, start: multiprocessing.synchronize.Event) -> None:
    start.wait()
    with Store(path) as store:
        store.create_run(build(serial_line()), seed=1, planned=1, warmup_h=0.0)


@pytest.mark.slow
def test_processes_creating_the_same_new_database_at_once_all_succeed(tmp_path):
    """Switching a new file to WAL takes a lock SQLite's busy timeout does not wait for."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    for attempt in range(6):
        db = str(tmp_path / f"new{attempt}.sqlite")
        start = context.Event()
        creators = [context.Process(target=_create, args=(db, start)) for _ in range(4)]
        for creator in creators:
            creator.start()
        start.set()
        for creator in creators:
            creator.join(timeout=60)
        assert [c.exitcode for c in creators] == [0, 0, 0, 0]
        with Store(db, create=False) as store:
            assert len(store.runs()) == 4


@pytest.mark.slow
def test_two_cli_runs_at_once_both_complete(tmp_path):
    scenario = write(serial_line(replications=15), tmp_path / "tiny.yaml")
    db = tmp_path / "runs.sqlite"
    command = [sys.executable, "-m", "twin.cli.main", "run", str(scenario), "--db", str(db), "--json"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert json.loads(outputs[0][0]) == json.loads(outputs[1][0])
    with Store(db, create=False) as store:
        assert [(r.status, r.done) for r in store.runs()] == [("complete", 15), ("complete", 15)]


def test_the_default_database_is_ignored_by_git():
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    for name in ("twin-results.sqlite", "twin-results.sqlite-wal", "twin-results.sqlite-shm"):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=root).returncode == 0, name

"""The results database defends itself: schema versions checked and migrated, a damaged file
never written to, read-only opening for listing and export, and export never overwrites silently."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from tests.experiments.lines import build, serial_line
from twin.cli.main import main
from twin.sim.engine import run_replication
from twin.sim.results import ReplicationResult
from twin.store.database import DOCUMENT_VERSION, SCHEMA_VERSION, Store, StoreError


@pytest.fixture(scope="module")
def replication() -> ReplicationResult:
    return run_replication(build(serial_line(length_h=5.0)), 0, 1)


def _stored(path, replication, count: int = 3) -> int:
    with Store(path) as store:
        run_id = store.create_run(build(serial_line(length_h=5.0)), seed=1, planned=count, warmup_h=0.0)
        for index in range(count):
            store.add_replication(run_id, replication.model_copy(update={"replication": index}))
    return run_id


def test_documents_carry_their_version_and_old_ones_are_migrated(tmp_path, replication):
    path = tmp_path / "r.sqlite"
    run_id = _stored(path, replication)
    with sqlite3.connect(path) as con:
        text = con.execute("SELECT result_json FROM replications LIMIT 1").fetchone()[0]
        assert json.loads(text)["schema_version"] == DOCUMENT_VERSION
        # make it a version 1 file: no document version, user_version 1, no analyses table
        old = json.loads(text)
        old.pop("schema_version")
        con.execute("UPDATE replications SET result_json = ?", (json.dumps(old),))
        con.execute("DROP TABLE analyses")
        con.execute("PRAGMA user_version = 1")
    with Store(path) as store:
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [r.replication for r in store.replications(run_id)] == [0, 0, 0]
        assert store.analysis(run_id) is None


def test_a_newer_database_or_document_is_refused(tmp_path, replication):
    path = tmp_path / "r.sqlite"
    run_id = _stored(path, replication)
    with sqlite3.connect(path) as con:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer twin"):
        Store(path)
    with sqlite3.connect(path) as con:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        text = json.loads(con.execute("SELECT result_json FROM replications LIMIT 1").fetchone()[0])
        con.execute("UPDATE replications SET result_json = ?", (json.dumps({**text, "schema_version": 99}),))
    with Store(path) as store, pytest.raises(StoreError, match="schema version 99"):
        store.replications(run_id)


def test_a_damaged_database_is_never_written_to(tmp_path, replication):
    path = tmp_path / "r.sqlite"
    _stored(path, replication, count=12)
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'replications'").fetchone()[0]
    raw = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    raw[start: start + page_size] = b"\x0d" + b"\xff" * (page_size - 1)  # the table's root page: garbage
    path.write_bytes(bytes(raw))
    before = path.read_bytes()
    with pytest.raises(StoreError, match="damaged"):
        with Store(path) as store:
            store.create_run(build(serial_line(length_h=5.0)), seed=1, planned=1, warmup_h=0.0)
    assert path.read_bytes() == before


def test_listing_and_export_open_the_file_read_only(tmp_path, replication):
    path = tmp_path / "r.sqlite"
    run_id = _stored(path, replication)
    with Store(path, read_only=True) as store:
        assert store.run(run_id).done == 3
        with pytest.raises(StoreError, match="read-only"):
            store.set_status(run_id, "failed")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store._db.execute("DELETE FROM runs")
    out = CliRunner().invoke(main, ["runs", "--db", str(path), "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)[0]["id"] == run_id


def test_export_refuses_to_overwrite_without_force(tmp_path, replication):
    path = tmp_path / "r.sqlite"
    run_id = _stored(path, replication)
    target = tmp_path / "out.csv"
    target.write_text("precious\n")
    out = CliRunner().invoke(main, ["runs", "export", str(run_id), "--csv", str(target), "--db", str(path)])
    assert out.exit_code == 2 and "--force" in out.output and target.read_text() == "precious\n"
    out = CliRunner().invoke(main, ["runs", "export", str(run_id), "--csv", str(target), "--db", str(path), "--force"])
    assert out.exit_code == 0 and target.read_text().count("\n") == 4

"""The results database: the only module that reads or writes it (SQLite, one file, stdlib sqlite3).

A run row holds what reproduces and identifies a run (the scenario as loaded, its hash, the seed,
the package version, the warm-up used), its status (running -> complete | interrupted | failed) and,
once complete, the aggregated RunResult. Each replication is its own row, written in its own
transaction as soon as it finishes, so a run that is stopped or killed keeps every finished
replication and nothing half-written. WAL mode lets the dashboard read while runs write; a busy
timeout lets several processes write at once. Results are stored as their pydantic JSON (NaN kept),
so fields added to the result models flow through without a schema change.

Versions: the file's `user_version` is its schema version, checked on open (a newer one is refused,
an older one migrated by MIGRATIONS); each stored JSON document carries "schema_version" (absent in
documents written before it existed, which read as version 1). Before its first write a Store runs
`PRAGMA quick_check` and refuses a damaged file, which SQLite would otherwise keep writing to until
nothing in it can be read. `read_only=True` opens the file with a `mode=ro` URI (listing and
export work on a file this user cannot write).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Optional, TypeVar

from pydantic import BaseModel

from twin import __version__
from twin.sim.results import ReplicationResult, RunResult
from twin.spec.scenario import Scenario

DEFAULT_PATH = "twin-results.sqlite"
APPLICATION_ID = 0x7477696E  # 'twin': marks the file as ours
SCHEMA_VERSION = 2
"""1: runs, replications (analyses added later, created on open); 2: the same tables, documents
carry "schema_version"."""
DOCUMENT_VERSION = 2
"""The "schema_version" written into every stored JSON document (a document without it is 1)."""
BUSY_TIMEOUT_S = 60.0
STATUSES = ("running", "complete", "interrupted", "failed")

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,                 -- run | compare | sweep
    grp TEXT,                           -- runs of one compare or sweep share it
    label TEXT NOT NULL,                -- 'base', 'what-if', 'formation.machines=60', ...
    scenario_name TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    scenario_json TEXT NOT NULL,        -- the scenario as loaded (fields the file set)
    seed INTEGER NOT NULL,
    version TEXT NOT NULL,
    started_at TEXT NOT NULL,           -- ISO 8601, UTC
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted', 'failed')),
    planned INTEGER NOT NULL,           -- replications planned (the maximum for a precision target)
    warmup_h REAL NOT NULL,
    length_h REAL NOT NULL,
    details_json TEXT NOT NULL,         -- warm-up choice, precision outcome, executor, ...
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    result_json TEXT                    -- the aggregated RunResult once complete
);
CREATE TABLE IF NOT EXISTS replications (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    replication INTEGER NOT NULL,
    finished_at TEXT NOT NULL,
    result_json TEXT NOT NULL,          -- the ReplicationResult (line, stations, series)
    PRIMARY KEY (run_id, replication)
);
CREATE TABLE IF NOT EXISTS analyses (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                 -- 'bottleneck'
    created_at TEXT NOT NULL,
    result_json TEXT NOT NULL           -- e.g. a BottleneckAnalysis
);
"""
ANALYSES_TABLE = SCHEMA[SCHEMA.index("CREATE TABLE IF NOT EXISTS analyses"):]


class StoreError(Exception):
    """The database cannot be used (unreadable, not ours) or a run id is unknown."""


def to_json(model: BaseModel) -> str:
    """Model JSON that reads back exactly (NaN and infinities stay numbers, not null), stamped
    with the document version."""
    return json.dumps({"schema_version": DOCUMENT_VERSION, **model.model_dump(mode="json", by_alias=True)},
                      separators=(",", ":"))


M = TypeVar("M", bound=BaseModel)


def from_json(model: type[M], text: str) -> M:
    """A stored document as `model`; version 1 documents (no "schema_version") read as they are,
    a newer version than this code knows is refused."""
    data = json.loads(text)
    version = data.pop("schema_version", 1) if isinstance(data, dict) else 1
    if not isinstance(version, int) or version > DOCUMENT_VERSION:
        raise StoreError(f"a stored {model.__name__} has schema version {version!r}, newer than this twin reads "
                         f"({DOCUMENT_VERSION}): upgrade twin")
    return model.model_validate(data)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunRecord:
    """One stored run, without its replications."""

    id: int
    kind: str
    group: Optional[str]
    label: str
    scenario_name: str
    scenario_hash: str
    seed: int
    version: str
    started_at: str
    finished_at: Optional[str]
    status: str
    planned: int
    done: int
    warmup_h: float
    length_h: float
    details: dict[str, Any]
    host: str
    pid: int

    @property
    def process_gone(self) -> bool:
        """A 'running' run whose process on this host no longer exists (killed, or the machine
        restarted): its finished replications are all there will be."""
        if self.status != "running" or self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


class Store:
    """A results database; opening creates it (and its tables) unless `create` is False."""

    def __init__(self, path: str | Path = DEFAULT_PATH, create: bool = True, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._checked = False  # quick_check done (before the first write)
        if (not create or read_only) and not self.path.exists():
            raise StoreError(f"no results database at {self.path}")
        if self.path.is_dir():
            raise StoreError(f"cannot open the results database {self.path}: it is a directory")
        try:
            if read_only:
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            else:
                self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the results database {self.path}: {exc}") from None
        try:
            self._prepare(create and not read_only)
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreError(f"cannot use {self.path} as a results database: {exc}") from None
        except StoreError:
            self._db.close()
            raise

    def _prepare(self, create: bool) -> None:
        """Check (or create) the schema. Two processes creating the same new file at once can meet
        a lock that SQLite's busy timeout does not cover (switching to WAL): retry until it clears."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                return self._prepare_once(create)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _prepare_once(self, create: bool) -> None:
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        application_id = self._db.execute("PRAGMA application_id").fetchone()[0]
        if tables and application_id != APPLICATION_ID:
            raise StoreError(f"{self.path} is an SQLite database, but not a twin results database")
        if tables:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path} was written by a newer twin (database schema {version}; this one "
                                 f"reads up to {SCHEMA_VERSION}): upgrade twin")
            if (version < SCHEMA_VERSION or "analyses" not in tables) and not self.read_only:
                self._migrate(version, tables)
            return
        if not create:
            raise StoreError(f"{self.path} is not a twin results database (empty)")
        self._db.execute("PRAGMA journal_mode = WAL")  # persistent: set once, when the file is made
        with self._transaction():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate(self, version: int, tables: set[str]) -> None:
        """Bring an older database to SCHEMA_VERSION in one transaction (each step idempotent)."""
        with self._transaction():
            if "analyses" not in tables:  # schema 1 files made before analyses were stored
                self._db.execute(ANALYSES_TABLE.rstrip().rstrip(";").replace("IF NOT EXISTS ", ""))
            # 1 -> 2: documents gain "schema_version" as they are written; old ones read as version 1.
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def check_integrity(self) -> None:
        """Refuse a damaged file (PRAGMA quick_check), once, before this Store first writes to it."""
        if self._checked:
            return
        try:
            problems = [row[0] for row in self._db.execute("PRAGMA quick_check(5)").fetchall()]
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
        if problems != ["ok"]:
            raise StoreError(f"the results database {self.path} is damaged ({'; '.join(problems)[:300]}); nothing "
                             "was written to it: restore a copy, or give another --db")
        self._checked = True

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE takes the write lock up front (waiting for another
        writer up to the busy timeout) so it can never fail halfway on a lock upgrade. The first
        write of a Store checks the file's integrity first."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        self.check_integrity()
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to {self.path}: {exc}") from None
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"cannot write to {self.path}: {exc}") from None
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------------
    def create_run(
        self, scenario: Scenario, *, seed: int, planned: int, warmup_h: float, kind: str = "run",
        label: str = "", group: Optional[str] = None, details: Optional[dict[str, Any]] = None,
    ) -> int:
        """Record the start of a run (status 'running'); returns its id."""
        row = (
            kind, group, label, scenario.name, scenario.content_hash(),
            scenario.model_dump_json(by_alias=True, exclude_unset=True), seed, __version__, _now(), planned,
            warmup_h, scenario.run.length / 3600, json.dumps(details or {}), socket.gethostname(), os.getpid(),
        )
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (kind, grp, label, scenario_name, scenario_hash, scenario_json, seed, version,"
                " started_at, status, planned, warmup_h, length_h, details_json, host, pid)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid)

    def add_replication(self, run_id: int, result: ReplicationResult) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO replications (run_id, replication, finished_at, result_json) VALUES (?, ?, ?, ?)",
                (run_id, result.replication, _now(), to_json(result)),
            )

    def update_details(self, run_id: int, **details: Any) -> None:
        with self._transaction() as db:
            current = json.loads(self._row(run_id)["details_json"])
            db.execute("UPDATE runs SET details_json = ? WHERE id = ?", (json.dumps({**current, **details}), run_id))

    def finish_run(self, run_id: int, result: RunResult) -> None:
        """Mark a run complete with its aggregated result."""
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET status = 'complete', finished_at = ?, result_json = ? WHERE id = ?",
                (_now(), to_json(result), run_id),
            )

    def set_status(self, run_id: int, status: str) -> None:
        """'interrupted' (stopped by the user) or 'failed' (an error); finished replications stay."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        with self._transaction() as db:
            db.execute("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", (status, _now(), run_id))

    def save_analysis(self, run_id: int, analysis: BaseModel, kind: str = "bottleneck") -> None:
        """Keep an analysis of a run (the latest of a kind is the one shown)."""
        self._row(run_id)
        with self._transaction() as db:
            db.execute("INSERT INTO analyses (run_id, kind, created_at, result_json) VALUES (?, ?, ?, ?)",
                       (run_id, kind, _now(), to_json(analysis)))

    def delete_run(self, run_id: int) -> None:
        """Forget a run with its replications and analyses (the user's clean-up). A run still being
        written by a live process is refused: its worker would go on adding replications."""
        record = self._record(self._row(run_id))
        if record.status == "running" and not record.process_gone:
            raise StoreError(f"run {run_id} is still running: stop it first")
        with self._transaction() as db:
            db.execute("DELETE FROM analyses WHERE run_id = ?", (run_id,))
            db.execute("DELETE FROM replications WHERE run_id = ?", (run_id,))
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    def save_plan(self, run_id: int, plan: BaseModel) -> None:
        """Keep a plan (twin.experiments.plan.PlanResult) with the run that checked its choice."""
        self.save_analysis(run_id, plan, kind="plan")

    # -- reading ------------------------------------------------------------------------------
    def plans(self) -> list[tuple[int, str, Any]]:
        """Every stored plan, newest first: (run id of its check run, created at, PlanResult)."""
        from twin.experiments.plan import PlanResult

        rows = self._query("SELECT run_id, created_at, result_json FROM analyses WHERE kind = 'plan' ORDER BY rowid DESC")
        return [(row["run_id"], row["created_at"], from_json(PlanResult, row["result_json"])) for row in rows]

    def analysis(self, run_id: int, kind: str = "bottleneck") -> Optional[Any]:
        """The latest stored analysis of a run (a BottleneckAnalysis for kind 'bottleneck'), or None."""
        from twin.analysis.bottleneck import BottleneckAnalysis

        rows = self._query("SELECT result_json FROM analyses WHERE run_id = ? AND kind = ? ORDER BY rowid DESC LIMIT 1",
                           (run_id, kind))
        return from_json(BottleneckAnalysis, rows[0]["result_json"]) if rows else None

    _RUN_COLUMNS = (
        "runs.id, kind, grp, label, scenario_name, scenario_hash, seed, version, started_at, runs.finished_at,"
        " status, planned, warmup_h, length_h, details_json, host, pid,"
        " (SELECT COUNT(*) FROM replications WHERE run_id = runs.id) AS done"
    )

    def runs(self) -> list[RunRecord]:
        """Every stored run, oldest first."""
        rows = self._query(f"SELECT {self._RUN_COLUMNS} FROM runs ORDER BY runs.id")
        return [self._record(row) for row in rows]

    def run(self, run_id: int) -> RunRecord:
        return self._record(self._row(run_id))

    def replications(self, run_id: int) -> list[ReplicationResult]:
        """The run's finished replications, in index order."""
        self._row(run_id)
        rows = self._query("SELECT result_json FROM replications WHERE run_id = ? ORDER BY replication", (run_id,))
        return [from_json(ReplicationResult, row["result_json"]) for row in rows]

    def result(self, run_id: int) -> Optional[RunResult]:
        """The aggregated result of a complete run (None before it completes)."""
        text = self._row(run_id)["result_json"]
        return None if text is None else from_json(RunResult, text)


    def scenario(self, run_id: int) -> Scenario:
        return Scenario.model_validate_json(self._row(run_id)["scenario_json"])

    def _row(self, run_id: int) -> sqlite3.Row:
        rows = self._query(f"SELECT {self._RUN_COLUMNS}, scenario_json, result_json FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise StoreError(f"no run with id {run_id} in {self.path}")
        return rows[0]

    def _query(self, sql: str, parameters: tuple = ()) -> list[sqlite3.Row]:
        try:
            return self._db.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot read {self.path}: {exc}") from None

    @staticmethod
    def _record(row: sqlite3.Row) -> RunRecord:
        return RunRecord(
            id=row["id"], kind=row["kind"], group=row["grp"], label=row["label"], scenario_name=row["scenario_name"],
            scenario_hash=row["scenario_hash"], seed=row["seed"], version=row["version"],
            started_at=row["started_at"], finished_at=row["finished_at"], status=row["status"],
            planned=row["planned"], done=row["done"], warmup_h=row["warmup_h"], length_h=row["length_h"],
            details=json.loads(row["details_json"]), host=row["host"], pid=row["pid"],
        )

"""The event log: it changes nothing in the run, and what it writes follows the documented schema."""

from __future__ import annotations

import csv
import datetime as dt

import pyarrow.parquet as pq
import pytest

from stations.states import STATE_NAMES
from tests.calibration.lines import small_line
from twin.sim.engine import run_replication, simulate
from twin.sim.eventlog import COLUMNS, LOT_EVENTS, EventLog
from twin.sim.kpis import replication_kpis


def test_a_logged_run_is_the_same_run(tmp_path):
    scenario = small_line(length_h=60)
    plain = run_replication(scenario, 1)
    model, series = simulate(scenario, 1, observers=[EventLog(tmp_path / "log.csv", batch_rows=1000)])
    assert replication_kpis(model, series, 1).model_dump() == plain.model_dump()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_log_follows_the_schema(tmp_path, suffix):
    scenario = small_line(length_h=30)
    path = tmp_path / f"log{suffix}"
    log = EventLog(path, dt.datetime(2026, 11, 2, 6, 0), batch_rows=500)  # several batches
    model, _ = simulate(scenario, 0, observers=[log])
    if suffix == ".csv":
        with open(path, newline="") as handle:
            rows = list(csv.DictReader(handle))
        stamps = [dt.datetime.fromisoformat(r["timestamp"]) for r in rows]
    else:
        table = pq.read_table(path)
        rows = table.to_pylist()
        stamps = [r["timestamp"] for r in rows]
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == log.rows > 1000
    assert stamps[0] == dt.datetime(2026, 11, 2, 6, 0)
    assert stamps[-1] == dt.datetime(2026, 11, 2, 6, 0) + dt.timedelta(hours=30)
    assert stamps == sorted(stamps)
    states = [r for r in rows if r["state"] not in (None, "")]
    lots = [r for r in rows if r["event"] not in (None, "")]
    assert len(states) + len(lots) == len(rows)
    assert {r["state"] for r in states} <= set(STATE_NAMES)
    assert {r["event"] for r in lots} == set(LOT_EVENTS)
    assert {r["station"] for r in rows} == {"press", "tester"}
    # the log's scrap and output agree with the run's own counters
    scrapped = sum(int(r["cells"]) for r in lots if r["event"] == "scrap")
    assert scrapped == sum(model.line.scrapped)
    out = sum(int(r["cells"]) for r in lots if r["event"] == "leave" and r["station"] == "tester")
    assert out == sum(model.line.good)

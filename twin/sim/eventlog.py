"""The twin's event log: machine state changes and lot events of one replication, in the schema a
line's MES export is read in (docs/calibration.md), so the twin's log and the line's log go through
the same calibration and validation code.

One file holds both kinds of row, with the union of their columns (a cell that does not apply to a
row is empty):

- machine state changes: `timestamp, station, machine, state` (`state` one of stations.states);
  each machine's timeline opens with a row at the start of the log and is closed by a row (its
  state at that moment) at the end of the observation, so the log's end is known;
- lot events: `timestamp, station, lot, product, cells, event` with `event` in arrive, start,
  finish, scrap, leave (`machine` filled on start and finish where a machine processes the lot;
  `cells` on scrap is the number of cells scrapped, otherwise the lot's cells).

The log is an engine observer: it draws no random numbers and changes nothing in the run, and it
streams rows to disk in batches (Parquet through pyarrow when the path ends in .parquet, CSV
otherwise), so a year of the power-cell line never sits in memory.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Optional

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from stations.states import STATE_NAMES
from twin.sim.build import Model
from twin.spec.scenario import Scenario

COLUMNS = ("timestamp", "station", "machine", "state", "lot", "product", "cells", "event")
STATE_COLUMNS = ("timestamp", "station", "machine", "state")
LOT_COLUMNS = ("timestamp", "station", "lot", "product", "cells", "event")
LOT_EVENTS = ("arrive", "start", "finish", "scrap", "leave")
DEFAULT_START = dt.datetime(2026, 11, 2, 0, 0)  # a Monday 00:00: the shift calendar's time zero
BATCH_ROWS = 200_000


def parse_start(text: str) -> dt.datetime:
    """An ISO 8601 date or date-time (a time zone is kept; a naive time is local plant time)."""
    return dt.datetime.fromisoformat(text)


class EventLog:
    """Engine observer that writes the event log of the replication it watches to `path`."""

    def __init__(self, path: Path, start: dt.datetime = DEFAULT_START, batch_rows: int = BATCH_ROWS) -> None:
        self.path = Path(path)
        self.start = start
        self.parquet = self.path.suffix.lower() == ".parquet"
        self.batch_rows = batch_rows
        self.rows = 0
        self._tags = itertools.count()
        self._products: list[str] = []
        self._machine_of: dict[int, int] = {}  # lot tag -> machine that started it (for its finish row)
        self._writer = None
        self._closed = False
        self._clear()

    def _clear(self) -> None:
        self._cols: dict[str, list] = {name: [] for name in COLUMNS}

    # -- what the stations call ------------------------------------------------------------------
    def state(self, machine, state: int, now: float) -> None:
        cols = self._cols
        cols["timestamp"].append(now)
        cols["station"].append(machine.station.name)
        cols["machine"].append(machine.index)
        cols["state"].append(STATE_NAMES[state])
        cols["lot"].append(None)
        cols["product"].append(None)
        cols["cells"].append(None)
        cols["event"].append(None)
        if len(cols["timestamp"]) >= self.batch_rows:
            self._flush()

    def lot(self, station: str, lot, event: str, now: float, machine: Optional[int] = None,
            cells: Optional[int] = None) -> None:
        tag = lot.tag
        if tag is None:
            tag = lot.tag = next(self._tags)
        if event == "start" and machine is not None:
            self._machine_of[tag] = machine
        elif event == "finish":
            machine = self._machine_of.pop(tag, None)
        cols = self._cols
        cols["timestamp"].append(now)
        cols["station"].append(station)
        cols["machine"].append(machine)
        cols["state"].append(None)
        cols["lot"].append(tag)
        cols["product"].append(self._products[lot.item])
        cols["cells"].append(lot.cells if cells is None else cells)
        cols["event"].append(event)
        if len(cols["timestamp"]) >= self.batch_rows:
            self._flush()

    # -- observer ------------------------------------------------------------------------------
    def attach(self, model: Model) -> None:
        self._products = [item.name for item in model.line.items]
        now = model.env.now
        for station in model.stations.values():
            station.monitor.events = self
            for machine in getattr(station, "machines", ()):
                machine.events = self
                self.state(machine, machine.state, now)

    def finish(self, model: Model) -> None:
        end = model.scenario.run.warmup + model.scenario.run.length
        for station in model.stations.values():
            station.monitor.events = None
            for machine in getattr(station, "machines", ()):
                machine.events = None
                self.state(machine, machine.state, end)
        self.close()

    # -- writing -------------------------------------------------------------------------------
    def _table(self) -> pa.Table:
        cols = self._cols
        seconds = np.asarray(cols["timestamp"], dtype=float)
        offset = self.start.utcoffset()
        if self.parquet:  # a real timestamp column: UTC instants, the offset kept as the column's zone
            utc = self.start - offset if offset is not None else self.start
            stamps = np.datetime64(utc.replace(tzinfo=None), "us") + np.round(seconds * 1e6).astype("timedelta64[us]")
            zone = None if offset is None else self.start.strftime("%z")
            timestamp = pa.array(stamps, type=pa.timestamp("us", tz=zone and f"{zone[:3]}:{zone[3:]}"))
        else:  # ISO 8601 text in plant time, with the offset when the start has one
            local = np.datetime64(self.start.replace(tzinfo=None), "us")
            text = np.datetime_as_string(local + np.round(seconds * 1e6).astype("timedelta64[us]"), unit="ms")
            if offset is not None:
                zone = self.start.strftime("%z")
                text = np.char.add(text, f"{zone[:3]}:{zone[3:]}")
            timestamp = pa.array(text, type=pa.string())
        return pa.table({
            "timestamp": timestamp,
            "station": pa.array(cols["station"], type=pa.string()),
            "machine": pa.array(cols["machine"], type=pa.int32()),
            "state": pa.array(cols["state"], type=pa.string()),
            "lot": pa.array(cols["lot"], type=pa.int64()),
            "product": pa.array(cols["product"], type=pa.string()),
            "cells": pa.array(cols["cells"], type=pa.int64()),
            "event": pa.array(cols["event"], type=pa.string()),
        })

    def _flush(self) -> None:
        if not self._cols["timestamp"] and self._writer is not None:
            return
        table = self._table()
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = (pq.ParquetWriter(self.path, table.schema) if self.parquet
                            else pacsv.CSVWriter(self.path, table.schema))
        self._writer.write_table(table)
        self.rows += table.num_rows
        self._clear()

    def close(self) -> None:
        """Write what is left and close the file (the header alone for an empty run); idempotent."""
        if self._closed:
            return
        self._closed = True
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def write_event_log(scenario: Scenario, replication: int, path: Path, start: dt.datetime = DEFAULT_START,
                    seed: Optional[int] = None) -> int:
    """Run replication `replication` of `scenario` (its warm-up resolved) with a log; rows written."""
    from twin.sim.engine import simulate

    log = EventLog(path, start)
    try:
        simulate(scenario, replication, seed, observers=[log])
    finally:
        log.close()
    return log.rows

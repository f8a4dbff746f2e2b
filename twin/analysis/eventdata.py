"""Reading a line's event log (the twin's own, or an MES export through a column map) into compact
arrays, with the schema checks that stop a bad log before anything is fitted from it.

The log is read in batches (pyarrow), and each batch is reduced to numeric arrays at once, so a
multi-gigabyte export needs memory for the numbers only, not for its text. Every problem raises
`LogError` with one line that names the file and, where there is one, the data row (1 = the first
row after the header).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stations.states import STATE_NAMES
from twin.sim.eventlog import COLUMNS, LOT_EVENTS

READ_BLOCK_BYTES = 64 << 20
STATE_ROW_COLUMNS = ("timestamp", "station", "machine", "state")
LOT_ROW_COLUMNS = ("timestamp", "station", "lot", "product", "cells", "event")


class LogError(ValueError):
    """A log that cannot be used, with one readable line."""


class ColumnMap(BaseModel):
    """How an MES export differs from the twin's schema (`--map map.yaml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str] = Field(
        default_factory=dict, description="Twin column -> the export's column name (timestamp, station, machine, "
        "state, lot, product, cells, event); a column not listed keeps its twin name.")
    states: dict[str, str] = Field(
        default_factory=dict, description="Export state name (e.g. SEMI E10 PRODUCTIVE) -> twin state.")
    events: dict[str, str] = Field(
        default_factory=dict, description="Export lot event name (e.g. TRACK_IN) -> arrive, start, finish, scrap, leave.")
    stations: dict[str, str] = Field(default_factory=dict, description="Export station name -> scenario station.")
    time_format: Optional[str] = Field(
        None, description="strptime format of the timestamps (default: ISO 8601).")
    timezone: Optional[str] = Field(
        None, description="IANA zone of timestamps without an offset (e.g. Europe/London); default: as written.")


def load_map(path: Path) -> ColumnMap:
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LogError(f"{path}: cannot read the column map: {str(exc).splitlines()[0]}") from None
    try:
        mapping = ColumnMap.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise LogError(f"{path}: {where}: {error['msg']}") from None
    unknown = set(mapping.columns) - set(COLUMNS)
    if unknown:
        raise LogError(f"{path}: columns: unknown twin column '{sorted(unknown)[0]}' (one of {', '.join(COLUMNS)})")
    for name, state in mapping.states.items():
        if state not in STATE_NAMES:
            raise LogError(f"{path}: states.{name}: '{state}' is not a twin state ({', '.join(STATE_NAMES)})")
    for name, event in mapping.events.items():
        if event not in LOT_EVENTS:
            raise LogError(f"{path}: events.{name}: '{event}' is not a lot event ({', '.join(LOT_EVENTS)})")
    return mapping


@dataclass
class EventData:
    """A log as arrays: seconds from its first row, codes into the name lists."""

    source: str
    start: dt.datetime  # the first row's time (naive UTC when the log has offsets)
    end_s: float  # the last row's time: the end of the observation
    stations: list[str]
    products: list[str]
    # state rows
    state_time_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    state_station: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    state_machine: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    state: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    # lot rows
    lot_time_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    lot_station: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    lot_machine: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))  # -1: not given
    lot_id: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    lot_product: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    lot_cells: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    lot_event: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    lot_row: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # data row in the file
    resolution_s: float = 1e-6  # the timestamps' resolution (1e-3 for milliseconds): a floor on every CI
    machine_names: list[str] = field(default_factory=list)  # by machine code (codes are per station and machine)

    @property
    def rows(self) -> int:
        return len(self.state_time_s) + len(self.lot_time_s)

    def station_code(self, name: str) -> Optional[int]:
        return self.stations.index(name) if name in self.stations else None


class _Codes:
    """Names to small integers, in order of first appearance."""

    def __init__(self, names: Optional[list[str]] = None) -> None:
        self.names: list[str] = list(names or [])
        self.index = {name: i for i, name in enumerate(self.names)}

    def codes(self, values: np.ndarray) -> np.ndarray:
        uniques, first, inverse = np.unique(values, return_index=True, return_inverse=True)
        table = np.empty(len(uniques), dtype=np.int32)
        for i in np.argsort(first, kind="stable").tolist():  # new names coded in order of appearance
            name = uniques[i]
            code = self.index.get(name)
            if code is None:
                code = self.index[name] = len(self.names)
                self.names.append(name)
            table[i] = code
        return table[inverse]


def _lookup(values: np.ndarray, table: dict[str, int], rows: np.ndarray, first_row: int, message) -> np.ndarray:
    """Codes of `values` through `table`; the first unknown value is reported with its row."""
    uniques, inverse = np.unique(np.array(["" if v is None else str(v) for v in values.tolist()], dtype=str),
                                 return_inverse=True)
    codes = np.empty(len(uniques), dtype=np.int32)
    for i, name in enumerate(uniques.tolist()):
        if name not in table:
            k = int(np.flatnonzero(inverse == i)[0])
            raise LogError(message(name, first_row + int(rows[k])))
        codes[i] = table[name]
    return codes[inverse]


def _batches(path: Path) -> Iterator[pa.RecordBatch]:
    if path.suffix.lower() == ".parquet":
        try:
            yield from pq.ParquetFile(path).iter_batches(batch_size=1 << 20)
        except (pa.ArrowException, OSError) as exc:
            raise LogError(f"{path}: not a readable Parquet file: {str(exc).splitlines()[0]}") from None
        return
    try:
        reader = pacsv.open_csv(
            path, read_options=pacsv.ReadOptions(block_size=READ_BLOCK_BYTES),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in ("timestamp", "station", "machine", "state", "lot", "product", "event")},
                                                 strings_can_be_null=True),
        )
        for batch in reader:
            yield batch
    except pa.ArrowInvalid as exc:
        text = str(exc).splitlines()[0]
        if "Empty CSV file" in text:
            raise LogError(f"{path}: the log is empty (no header, no rows)") from None
        raise LogError(f"{path}: not a readable CSV file: {text}") from None


def _column(batch: pa.RecordBatch, name: str) -> pa.Array:
    return batch.column(batch.schema.get_field_index(name))


def _strings(array: pa.Array) -> np.ndarray:
    return np.asarray(array.cast(pa.string()).to_pylist(), dtype=object)


class _Clock:
    """Timestamps to seconds since the log's first row; each bad one is named by its row."""

    def __init__(self, source: str, mapping: ColumnMap) -> None:
        self.source = source
        self.format = mapping.time_format
        self.zone = None
        if mapping.timezone:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                self.zone = ZoneInfo(mapping.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise LogError(f"{source}: timezone: unknown time zone '{mapping.timezone}'") from None
        self.origin_us: Optional[int] = None
        self.origin: Optional[dt.datetime] = None

    def _parse_one(self, text: Any, row: int) -> int:
        if text is None or text == "":
            raise LogError(f"{self.source}: row {row}: timestamp is empty")
        try:
            value = dt.datetime.strptime(text, self.format) if self.format else dt.datetime.fromisoformat(text)
        except (TypeError, ValueError):
            expected = f"the time format '{self.format}'" if self.format else "an ISO 8601 date-time"
            raise LogError(f"{self.source}: row {row}: timestamp '{text}' is not {expected}") from None
        if value.tzinfo is None and self.zone is not None:
            value = value.replace(tzinfo=self.zone)
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return int((value - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1))

    def micros(self, array: pa.Array, first_row: int) -> np.ndarray:
        if pa.types.is_timestamp(array.type):
            if array.null_count:
                bad = int(np.flatnonzero(np.asarray(array.is_null()))[0])
                raise LogError(f"{self.source}: row {first_row + bad}: timestamp is empty")
            return np.asarray(array.cast(pa.timestamp("us", tz=array.type.tz)).cast(pa.int64()))
        texts = array.cast(pa.string())
        if self.format is None and self.zone is None:
            try:  # fast path: naive ISO 8601 text
                values = np.asarray(texts.to_numpy(zero_copy_only=False).astype("datetime64[us]"), dtype=np.int64)
                if not np.any(values == np.iinfo(np.int64).min):
                    return values
            except (ValueError, TypeError):
                pass
        return np.array([self._parse_one(t, first_row + i) for i, t in enumerate(texts.to_pylist())], dtype=np.int64)


def read_log(path: Path, stations: list[str], mapping: Optional[ColumnMap] = None) -> EventData:
    """Read and check the log at `path` against the scenario's `stations`; raises LogError."""
    path = Path(path)
    source = str(path)
    mapping = mapping or ColumnMap()
    if not path.is_file():
        raise LogError(f"{source}: no such file")
    if path.stat().st_size == 0:
        raise LogError(f"{source}: the log is empty (no header, no rows)")
    names = {twin: mapping.columns.get(twin, twin) for twin in COLUMNS}
    clock = _Clock(source, mapping)
    station_codes = _Codes(list(stations))
    known_stations = len(stations)
    product_codes = _Codes()
    machine_codes = _Codes()  # one code per (station, machine name)
    state_index = {name: i for i, name in enumerate(STATE_NAMES)}
    state_index.update({name: STATE_NAMES.index(twin) for name, twin in mapping.states.items()})
    event_index = {name: i for i, name in enumerate(LOT_EVENTS)}
    event_index.update({name: LOT_EVENTS.index(twin) for name, twin in mapping.events.items()})
    parts: dict[str, list[np.ndarray]] = {}
    lot_codes = _Codes()
    row = 1
    last_us: Optional[int] = None
    checked_header = False
    units = [1_000_000, 1_000, 1]  # microseconds per second, millisecond, microsecond
    for batch in _batches(path):
        if not checked_header:
            present = set(batch.schema.names)
            has_states = names["state"] in present
            has_lots = names["event"] in present
            if not has_states and not has_lots:
                raise LogError(f"{source}: missing column '{names['state']}' and '{names['event']}': a log needs "
                               f"machine states, lot events or both (columns found: {', '.join(batch.schema.names)})")
            needed = {names[c] for c in (*(STATE_ROW_COLUMNS if has_states else ()), *(LOT_ROW_COLUMNS if has_lots else ()))}
            missing = sorted(needed - present)
            if missing:
                raise LogError(f"{source}: missing column '{missing[0]}' (columns found: {', '.join(batch.schema.names)})")
            checked_header = True
        n = batch.num_rows
        if n == 0:
            continue
        micros = clock.micros(_column(batch, names["timestamp"]), row)
        if clock.origin_us is None:
            clock.origin_us = int(micros[0])
        back = np.flatnonzero(np.diff(micros) < 0)
        if last_us is not None and micros[0] < last_us:
            raise LogError(f"{source}: row {row}: timestamp earlier than the row before (the log must be sorted by time)")
        if len(back):
            raise LogError(f"{source}: row {row + int(back[0]) + 1}: timestamp earlier than the row before "
                           "(the log must be sorted by time)")
        last_us = int(micros[-1])
        for unit in list(units):  # the coarsest unit every timestamp is a multiple of
            if np.any((micros - clock.origin_us) % unit):
                units.remove(unit)
        seconds = (micros - clock.origin_us) / 1e6
        station_text = _strings(_column(batch, names["station"]))
        if mapping.stations:
            station_text = np.array([mapping.stations.get(s, s) for s in station_text.tolist()], dtype=object)
        if any(s is None for s in station_text.tolist()):
            bad = next(i for i, s in enumerate(station_text.tolist()) if s is None)
            raise LogError(f"{source}: row {row + bad}: station is empty")
        station = station_codes.codes(station_text.astype(str))
        unknown = np.flatnonzero(station >= known_stations)
        if len(unknown):
            i = int(unknown[0])
            raise LogError(f"{source}: row {row + i}: unknown station '{station_text[i]}' (the scenario's stations: "
                           f"{', '.join(stations)}; an MES name can be mapped under 'stations:' in --map)")
        state_text = _strings(_column(batch, names["state"])) if has_states else np.full(n, None, dtype=object)
        event_text = _strings(_column(batch, names["event"])) if has_lots else np.full(n, None, dtype=object)
        is_state = np.array([s is not None and s != "" for s in state_text.tolist()], dtype=bool)
        is_lot = np.array([e is not None and e != "" for e in event_text.tolist()], dtype=bool)
        both = np.flatnonzero(is_state & is_lot)
        if len(both):
            raise LogError(f"{source}: row {row + int(both[0])}: a row has both a state and a lot event")
        neither = np.flatnonzero(~is_state & ~is_lot)
        if len(neither):
            absent = [names[c] for c, present_ in (("state", has_states), ("event", has_lots)) if not present_]
            also = f" (the log has no '{absent[0]}' column)" if absent else ""
            raise LogError(f"{source}: row {row + int(neither[0])}: a row has neither a state nor a lot event{also}")
        machine_text = (_strings(_column(batch, names["machine"])) if names["machine"] in batch.schema.names
                        else np.full(n, None, dtype=object))
        machine_key = np.array([f"{st}\t{'' if m is None else m}" for st, m in zip(station.tolist(), machine_text.tolist())],
                               dtype=object)
        has_machine = np.array([m is not None and m != "" for m in machine_text.tolist()], dtype=bool)
        if is_state.any():
            rows_s = np.flatnonzero(is_state)
            codes = _lookup(state_text[rows_s], state_index, rows_s, row, lambda name, at: (
                f"{source}: row {at}: unknown state '{name}' (twin states: {', '.join(STATE_NAMES)}; "
                "map other names under 'states:' in --map)"))
            no_machine = np.flatnonzero(~has_machine[rows_s])
            if len(no_machine):
                raise LogError(f"{source}: row {row + int(rows_s[no_machine[0]])}: a state row needs its machine")
            parts.setdefault("state_time_s", []).append(seconds[rows_s])
            parts.setdefault("state_station", []).append(station[rows_s])
            parts.setdefault("state_machine", []).append(machine_codes.codes(machine_key[rows_s].astype(str)))
            parts.setdefault("state", []).append(codes.astype(np.int8))
        if is_lot.any():
            rows_l = np.flatnonzero(is_lot)
            events = _lookup(event_text[rows_l], event_index, rows_l, row, lambda name, at: (
                f"{source}: row {at}: unknown lot event '{name}' (one of {', '.join(LOT_EVENTS)}; "
                "map other names under 'events:' in --map)"))
            lots = _strings(_column(batch, names["lot"]))[rows_l]
            cells = np.asarray(_column(batch, names["cells"]).cast(pa.float64()).fill_null(np.nan))[rows_l]
            bad = np.flatnonzero(~np.isfinite(cells) | (cells < 0))
            if len(bad):
                raise LogError(f"{source}: row {row + int(rows_l[bad[0]])}: cells must be a count of 0 or more")
            no_lot = [k for k, name in enumerate(lots.tolist()) if name is None or name == ""]
            if no_lot:
                raise LogError(f"{source}: row {row + int(rows_l[no_lot[0]])}: a lot event needs its lot")
            machines = np.full(len(rows_l), -1, dtype=np.int32)
            given = has_machine[rows_l]
            if given.any():
                machines[given] = machine_codes.codes(machine_key[rows_l][given].astype(str))
            product_text = _strings(_column(batch, names["product"]))[rows_l]
            products = product_codes.codes(np.array(["" if p is None else str(p) for p in product_text.tolist()], dtype=str))
            parts.setdefault("lot_time_s", []).append(seconds[rows_l])
            parts.setdefault("lot_station", []).append(station[rows_l])
            parts.setdefault("lot_machine", []).append(machines)
            parts.setdefault("lot_id", []).append(lot_codes.codes(lots.astype(str)).astype(np.int64))
            parts.setdefault("lot_product", []).append(products)
            parts.setdefault("lot_cells", []).append(cells.astype(np.int64))
            parts.setdefault("lot_event", []).append(events.astype(np.int8))
            parts.setdefault("lot_row", []).append(rows_l.astype(np.int64) + row)
        row += n
    if clock.origin_us is None:
        raise LogError(f"{source}: the log has no rows")
    arrays = {key: np.concatenate(value) for key, value in parts.items()}
    origin = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=clock.origin_us)
    data = EventData(source=source, start=origin, end_s=(last_us - clock.origin_us) / 1e6,  # type: ignore[operator]
                     stations=list(stations), products=product_codes.names, **arrays,
                     machine_names=[key.split("\t", 1)[1] for key in machine_codes.names],
                     resolution_s=max(units) / 1e6 if units else 1e-6)
    return data

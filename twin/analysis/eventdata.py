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
import pyarrow.compute as pc
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


def _encode(array: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Dictionary codes of a column (-1 where it is null or empty) and its distinct values as text."""
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    encoded = pc.dictionary_encode(array)
    indices = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    values = [str(v) for v in encoded.dictionary.to_pylist()]
    empty = [i for i, v in enumerate(values) if v.strip() == ""]
    if empty:
        indices[np.isin(indices, empty)] = -1
    return indices, values


def _through(indices: np.ndarray, values: list[str], table: dict[str, int], unknown: int = -2) -> np.ndarray:
    """Codes of each row through `table` (-1 where the cell is empty, `unknown` where not in the table)."""
    lookup = np.array([table.get(v, unknown) for v in values] + [-1], dtype=np.int64)
    return lookup[indices]  # index -1 picks the trailing -1


def _global(indices: np.ndarray, values: list[str], codes: "_Codes") -> np.ndarray:
    """Codes that stay the same across batches, new names numbered in order of appearance (-1 where empty)."""
    present = np.flatnonzero(indices >= 0)
    table = np.full(len(values) + 1, -1, dtype=np.int64)
    used, first = np.unique(indices[present], return_index=True)
    if len(used):
        order = used[np.argsort(first, kind="stable")]
        table[order] = codes.codes(np.array([values[u] for u in order.tolist()], dtype=str))
    return table[indices]


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
    station_table = {name: i for i, name in enumerate(stations)}
    station_table.update({mes: station_table[twin] for mes, twin in mapping.stations.items() if twin in station_table})
    product_codes = _Codes()
    lot_codes = _Codes()
    machine_codes = _Codes()  # one code per (station, machine name)
    state_index = {name: i for i, name in enumerate(STATE_NAMES)}
    state_index.update({name: STATE_NAMES.index(twin) for name, twin in mapping.states.items()})
    event_index = {name: i for i, name in enumerate(LOT_EVENTS)}
    event_index.update({name: LOT_EVENTS.index(twin) for name, twin in mapping.events.items()})
    parts: dict[str, list[np.ndarray]] = {}
    row = 1
    last_us: Optional[int] = None
    checked_header = False
    units = [1_000_000, 1_000, 1]  # microseconds per second, millisecond, microsecond
    has_states = has_lots = False
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
        if last_us is not None and micros[0] < last_us:
            raise LogError(f"{source}: row {row}: timestamp earlier than the row before (the log must be sorted by time)")
        back = np.flatnonzero(np.diff(micros) < 0)
        if len(back):
            raise LogError(f"{source}: row {row + int(back[0]) + 1}: timestamp earlier than the row before "
                           "(the log must be sorted by time)")
        last_us = int(micros[-1])
        for unit in list(units):  # the coarsest unit every timestamp is a multiple of
            if np.any((micros - clock.origin_us) % unit):
                units.remove(unit)
        seconds = (micros - clock.origin_us) / 1e6

        def first_bad(mask: np.ndarray) -> int:
            return row + int(np.flatnonzero(mask)[0])

        station_idx, station_values = _encode(_column(batch, names["station"]))
        station = _through(station_idx, station_values, station_table)
        if np.any(station == -1):
            raise LogError(f"{source}: row {first_bad(station == -1)}: station is empty")
        if np.any(station == -2):
            at = int(np.flatnonzero(station == -2)[0])
            raise LogError(f"{source}: row {row + at}: unknown station '{station_values[station_idx[at]]}' (the "
                           f"scenario's stations: {', '.join(stations)}; an MES name can be mapped under 'stations:' in --map)")
        if has_states:
            state_idx, state_values = _encode(_column(batch, names["state"]))
            state = _through(state_idx, state_values, state_index)
        else:
            state = np.full(n, -1, dtype=np.int64)
        if has_lots:
            event_idx, event_values = _encode(_column(batch, names["event"]))
            event = _through(event_idx, event_values, event_index)
        else:
            event = np.full(n, -1, dtype=np.int64)
        if np.any(state == -2):
            at = int(np.flatnonzero(state == -2)[0])
            raise LogError(f"{source}: row {row + at}: unknown state '{state_values[state_idx[at]]}' (twin states: "
                           f"{', '.join(STATE_NAMES)}; map other names under 'states:' in --map)")
        if np.any(event == -2):
            at = int(np.flatnonzero(event == -2)[0])
            raise LogError(f"{source}: row {row + at}: unknown lot event '{event_values[event_idx[at]]}' (one of "
                           f"{', '.join(LOT_EVENTS)}; map other names under 'events:' in --map)")
        is_state, is_lot = state >= 0, event >= 0
        if np.any(is_state & is_lot):
            raise LogError(f"{source}: row {first_bad(is_state & is_lot)}: a row has both a state and a lot event")
        if np.any(~is_state & ~is_lot):
            absent = [names[c] for c, present_ in (("state", has_states), ("event", has_lots)) if not present_]
            also = f" (the log has no '{absent[0]}' column)" if absent else ""
            raise LogError(f"{source}: row {first_bad(~is_state & ~is_lot)}: a row has neither a state nor a lot event{also}")
        if names["machine"] in batch.schema.names:
            machine_idx, machine_values = _encode(_column(batch, names["machine"]))
        else:
            machine_idx, machine_values = np.full(n, -1, dtype=np.int64), []
        has_machine = machine_idx >= 0
        machine = np.full(n, -1, dtype=np.int64)
        if has_machine.any():
            pair = station * (len(machine_values) + 1) + machine_idx
            pairs, inverse = np.unique(pair[has_machine], return_inverse=True)
            keys = np.array([f"{p // (len(machine_values) + 1)}\t{machine_values[p % (len(machine_values) + 1)]}"
                             for p in pairs.tolist()], dtype=str)
            machine[has_machine] = machine_codes.codes(keys)[inverse]
        if is_state.any():
            rows_s = np.flatnonzero(is_state)
            if np.any(~has_machine[rows_s]):
                raise LogError(f"{source}: row {row + int(rows_s[~has_machine[rows_s]][0])}: a state row needs its machine")
            parts.setdefault("state_time_s", []).append(seconds[rows_s])
            parts.setdefault("state_station", []).append(station[rows_s].astype(np.int32))
            parts.setdefault("state_machine", []).append(machine[rows_s].astype(np.int32))
            parts.setdefault("state", []).append(state[rows_s].astype(np.int8))
        if is_lot.any():
            rows_l = np.flatnonzero(is_lot)
            cells = np.asarray(_column(batch, names["cells"]).cast(pa.float64()).fill_null(np.nan)
                               .to_numpy(zero_copy_only=False))[rows_l]
            bad = ~np.isfinite(cells) | (cells < 0)
            if bad.any():
                raise LogError(f"{source}: row {row + int(rows_l[bad][0])}: cells must be a count of 0 or more")
            lot_idx, lot_values = _encode(_column(batch, names["lot"]))
            lots = _global(lot_idx, lot_values, lot_codes)[rows_l]
            if np.any(lots < 0):
                raise LogError(f"{source}: row {row + int(rows_l[lots < 0][0])}: a lot event needs its lot")
            product_idx, product_values = _encode(_column(batch, names["product"]))
            product_idx = np.where(product_idx >= 0, product_idx, len(product_values))
            products = _global(product_idx, [*product_values, ""], product_codes)[rows_l]
            parts.setdefault("lot_time_s", []).append(seconds[rows_l])
            parts.setdefault("lot_station", []).append(station[rows_l].astype(np.int32))
            parts.setdefault("lot_machine", []).append(machine[rows_l].astype(np.int32))
            parts.setdefault("lot_id", []).append(lots.astype(np.int64))
            parts.setdefault("lot_product", []).append(products.astype(np.int32))
            parts.setdefault("lot_cells", []).append(cells.astype(np.int64))
            parts.setdefault("lot_event", []).append(event[rows_l].astype(np.int8))
            parts.setdefault("lot_row", []).append(rows_l.astype(np.int64) + row)
        row += n
    if clock.origin_us is None:
        raise LogError(f"{source}: the log has no rows")
    arrays = {key: np.concatenate(value) for key, value in parts.items()}
    origin = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=clock.origin_us)
    return EventData(source=source, start=origin, end_s=(last_us - clock.origin_us) / 1e6,  # type: ignore[operator]
                     stations=list(stations), products=product_codes.names, **arrays,
                     machine_names=[key.split("\t", 1)[1] for key in machine_codes.names],
                     resolution_s=max(units) / 1e6 if units else 1e-6)

"""Reading logs: an MES export through --map, and every kind of bad log stopped with one line naming
the row, exit 2 and nothing written."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner

from tests.calibration.lines import small_line
from tests.calibration.test_round_trip import write_scenario
from twin.analysis import eventdata
from twin.analysis.calibration import calibrate
from twin.analysis.eventdata import read_log
from twin.cli.main import main
from twin.sim.eventlog import write_event_log

E10 = {"working": "PRODUCTIVE", "setup": "ENGINEERING", "starved": "STANDBY", "blocked": "STANDBY_BLOCKED",
       "down": "UNSCHEDULED_DOWN", "off_shift": "NON_SCHEDULED", "waiting_batch": "STANDBY_BATCH"}
TXN = {"arrive": "MOVE_IN", "start": "TRACK_IN", "finish": "TRACK_OUT", "scrap": "SCRAP", "leave": "MOVE_OUT"}
AREA = {"press": "PRS", "tester": "EOL"}
COLUMN_MAP = {
    "columns": {"timestamp": "Event Time", "station": "Area", "machine": "Tool", "state": "E10 State",
                "lot": "Lot ID", "product": "Part No", "cells": "Qty", "event": "Transaction"},
    "states": {mes: twin for twin, mes in E10.items()},
    "events": {mes: twin for twin, mes in TXN.items()},
    "stations": {mes: twin for twin, mes in AREA.items()},
    "time_format": "%d/%m/%Y %H:%M:%S.%f",
    "timezone": "Europe/Berlin",
}


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """The twin's log of 300 h of the small line, and the same events as a made-up MES export:
    other column names, E10 state names, transaction codes, tool names, local Berlin time."""
    folder = tmp_path_factory.mktemp("logs")
    scenario = small_line(length_h=300)
    twin_log = folder / "twin.csv"
    write_event_log(scenario, 0, twin_log, dt.datetime(2026, 11, 2))
    mes = folder / "mes.csv"
    berlin = ZoneInfo("Europe/Berlin")
    with open(twin_log, newline="") as source, open(mes, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(list(COLUMN_MAP["columns"].values()))
        for row in csv.DictReader(source):
            utc = dt.datetime.fromisoformat(row["timestamp"]).replace(tzinfo=dt.timezone.utc)
            local = utc.astimezone(berlin).strftime("%d/%m/%Y %H:%M:%S.%f")[:-3]
            tool = f"{AREA[row['station']]}-{int(row['machine']) + 1:02d}" if row["machine"] else ""
            writer.writerow([local, AREA[row["station"]], tool, E10.get(row["state"], ""),
                             f"L{int(row['lot']):06d}" if row["lot"] else "", row["product"], row["cells"],
                             TXN.get(row["event"], "")])
    column_map = folder / "map.yaml"
    column_map.write_text(yaml.safe_dump(COLUMN_MAP))
    base = write_scenario(scenario, folder / "line.yaml")
    return scenario, twin_log, mes, column_map, base


def test_an_mes_export_goes_through_the_map_and_fits_the_same(logs):
    scenario, twin_log, mes, column_map, _ = logs
    names = [s.name for s in scenario.stations]
    ours = calibrate(read_log(twin_log, names), scenario)
    theirs_data = read_log(mes, names, eventdata.load_map(column_map))
    assert theirs_data.start == dt.datetime(2026, 11, 2)  # Berlin local time back to UTC
    theirs = calibrate(theirs_data, scenario)
    assert [(f.station, f.what, f.n, f.family) for f in theirs.durations] == \
        [(f.station, f.what, f.n, f.family) for f in ours.durations]
    for a, b in zip(theirs.durations, ours.durations):
        assert a.mean_s == pytest.approx(b.mean_s, rel=1e-9)
    assert [y.scrapped_cells for y in theirs.yields] == [y.scrapped_cells for y in ours.yields]
    assert {f.what for f in theirs.durations} == {"cycle_time", "setup", "ttf", "ttr"}
    assert theirs.warnings == ours.warnings


def test_the_mes_export_through_the_cli(logs, tmp_path):
    _, _, mes, column_map, base = logs
    out = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(main, ["calibrate", str(mes), "--base", str(base), "-o", str(out),
                                       "--map", str(column_map), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["log"] == "mes.csv" and {d["what"] for d in report["durations"]} == {"cycle_time", "setup", "ttf", "ttr"}
    text = out.read_text()
    assert "# fitted from mes.csv: n=" in text and "KS D=" in text


def test_reading_in_small_blocks_gives_the_same_data(logs, monkeypatch):
    """The log is streamed: a file read in many blocks gives exactly what one block gives."""
    scenario, twin_log, *_ = logs
    names = [s.name for s in scenario.stations]
    whole = read_log(twin_log, names)
    monkeypatch.setattr(eventdata, "READ_BLOCK_BYTES", 1 << 16)
    pieces = read_log(twin_log, names)
    for key in ("state_time_s", "state", "state_machine", "lot_time_s", "lot_id", "lot_cells", "lot_event", "lot_row"):
        assert (getattr(whole, key) == getattr(pieces, key)).all(), key


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


BAD = {
    "unsorted": (lambda rows: rows[:50] + [rows[60]] + rows[50:60] + rows[61:], "row 51: timestamp earlier"),
    "unknown station": (lambda rows: rows[:20] + [rows[20].replace('"tester"', '"pressx"', 1)
                                                  .replace('"press"', '"pressx"', 1)] + rows[21:],
                        "row 20: unknown station 'pressx'"),
    "unknown state": (lambda rows: [r.replace('"starved"', '"idle"') for r in rows], "row 1: unknown state 'idle'"),
    "bad timestamp": (lambda rows: rows[:30] + [rows[30].replace("2026-11-02T", "2026-13-02T", 1)] + rows[31:],
                      "row 30: timestamp '2026-13-02T"),
    "no event column": (lambda rows: [",".join(r.split(",")[:-1]) for r in rows], "(the log has no 'event' column)"),
    "missing column": (lambda rows: [",".join(r.split(",")[:1] + r.split(",")[2:]) for r in rows],
                       "missing column 'station'"),
    "header only": (lambda rows: rows[:1], "the log has no rows"),
    "empty": (lambda rows: [], "the log is empty"),
    "overlapping lots": (lambda rows: _overlap(rows), "overlapping lots"),
}


def _overlap(rows: list[str]) -> list[str]:
    """Drop the first finish at the press: its machine then starts a second lot while busy."""
    first = next(i for i, r in enumerate(rows) if '"press",0,,' in r and r.endswith('"finish"'))
    return rows[:first] + rows[first + 1:]


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_log_stops_with_one_line_and_writes_nothing(logs, tmp_path, kind):
    _, twin_log, _, _, base = logs
    edit, expected = BAD[kind]
    bad = tmp_path / "bad.csv"
    rows = edit(_lines(twin_log))
    bad.write_text("\n".join(rows) + ("\n" if rows else ""))
    out = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(main, ["calibrate", str(bad), "--base", str(base), "-o", str(out)])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip().splitlines()
    assert len(message) == 1 and expected in message[0], message
    assert not out.exists()
    assert "Traceback" not in result.output


def test_a_bad_map_is_one_line(logs, tmp_path):
    _, _, mes, _, base = logs
    bad_map = tmp_path / "map.yaml"
    bad_map.write_text(yaml.safe_dump({"states": {"PRODUCTIVE": "busy"}}))
    result = CliRunner().invoke(main, ["calibrate", str(mes), "--base", str(base), "-o", str(tmp_path / "o.yaml"),
                                       "--map", str(bad_map)])
    assert result.exit_code == 2 and "states.PRODUCTIVE: 'busy' is not a twin state" in result.stderr

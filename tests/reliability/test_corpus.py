"""The corpus of issue 13: every hostile input the adversarial pass found, each with the clean
outcome it must give now (exit 2 and a one-line message naming the problem, or a run that finishes
and says what is stuck). Scenario cases are mutations of the browser tests' fast line, shortened
to a few hours, run in-process through the real CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from click.testing import CliRunner

import twin.sim.engine as engine
from twin.cli.main import main
from twin.experiments.executors import LocalExecutor
from twin.spec.numbers import MAX_MACHINES

FAST_LINE = Path(__file__).parents[1] / "e2e" / "fast_line.yaml"


def base() -> dict[str, Any]:
    data = yaml.safe_load(FAST_LINE.read_text())
    data["run"].update(length="4 h", warmup="30 min", replications=2)
    return data


def twin(*arguments: str) -> Any:
    return CliRunner().invoke(main, [str(a) for a in arguments])


def assert_clean_error(result: Any, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors or result.output.startswith("Usage:"), result.output
    for needle in needles:
        assert needle in result.output, result.output


def station(data: dict, name: str) -> dict:
    return next(s for s in data["stations"] if s["name"] == name)


EDITS: dict[str, tuple[Callable[[dict], None], tuple[str, ...]]] = {
    "yield: true": (lambda d: station(d, "filling").update({"yield": True}), ("yield: expected a number, not true",)),
    "machines: true": (lambda d: station(d, "formation").update(machines=True), ("machines: expected a number",)),
    "machines: 1000000": (lambda d: station(d, "formation").update(machines=1_000_000), (f"less than or equal to {MAX_MACHINES}",)),
    "cells_per_lot: 1e20": (lambda d: d["product"].update(cells_per_lot=10**20), ("cells_per_lot",)),
    "cv: 1e200": (lambda d: station(d, "winding")["cycle_time"].update(cv=1e200), ("cv",)),
    "cv: 1e-200": (lambda d: station(d, "winding")["cycle_time"].update(cv=1e-200), ("cv",)),
    "cv: .inf": (lambda d: station(d, "winding")["cycle_time"].update(cv=float("inf")), ("cv",)),
    "wh_per_cell: .inf": (lambda d: d["product"].update(wh_per_cell=float("inf")), ("wh_per_cell",)),
    "weibull shape: .inf": (lambda d: station(d, "winding")["failures"].update(
        ttf={"dist": "weibull", "shape": float("inf"), "scale": "4 h"}), ("shape",)),
    "mix: {a: .nan}": (lambda d: d["sources"][0].update(mix={"a": float("nan")}), ("finite number",)),
    "seed: 2^63": (lambda d: d["run"].update(seed=2**63), ("seed",)),
    "warmup: 1e300 s": (lambda d: d["run"].update(warmup="1e300 s"), ("warmup",)),
    "length: 1e12 h": (lambda d: d["run"].update(length="1e12 h"), ("length",)),
    "replications: 1e9": (lambda d: d["run"].update(replications=10**9), ("replications",)),
    "maintenance every 1 s": (lambda d: d.update(calendar={"shifts_per_day": 3, "maintenance": [
        {"start": "0 s", "length": "0.5 s", "every": "1 s"}]}), ("every",)),
    "negative break start": (lambda d: d.update(calendar={"shifts_per_day": 2, "breaks": [
        {"start": "-1 h", "length": "10 min"}]}), ("breaks[0].start",)),
    "negative maintenance start": (lambda d: d.update(calendar={"shifts_per_day": 2, "maintenance": [
        {"start": "-1 h", "length": "10 min"}]}), ("maintenance[0].start",)),
    "start: 200 yr": (lambda d: station(d, "filling").update(start="200 yr"), (
        "stations[1].start: must be at most 100 yr (the longest run) (got '200 yr')",)),
    "length: 9e6 h": (lambda d: d["run"].update(length="9000000 h"), ("run.length: must be at most 100 yr (the longest run) (got 1027.4 yr)",)),
    "wright below the station's yield": (lambda d: station(d, "filling").update(ramp={"by": "cells", "wright": {
        "initial_yield": 0.97, "initial_cells": 100, "cut_per_doubling": 0.2}}), (
        "ramp.wright.initial_yield: the curve's mature yield (the station's yield, 0.94",
        "below the initial yield (0.97)", "never learn")),
    "wright mature below initial": (lambda d: station(d, "filling").update(ramp={"by": "cells", "wright": {
        "initial_yield": 0.9, "initial_cells": 100, "cut_per_doubling": 0.2, "mature_yield": 0.8}}), (
        "ramp.wright.mature_yield: the mature yield (0.8) is below the initial yield (0.9)",)),
    "name with a newline": (lambda d: d.update(name="x\nbase: /etc/passwd"), ("name",)),
    "50 kB description": (lambda d: d.update(description="x" * 50_000), ("description",)),
}


@pytest.mark.parametrize("case", list(EDITS))
def test_a_hostile_value_is_a_clean_error(case, tmp_path):
    edit, needles = EDITS[case]
    data = base()
    edit(data)
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert_clean_error(twin("validate", path), *needles)
    assert_clean_error(twin("run", path, "--no-store"), *needles)


def billion_laughs() -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 9):
        previous, name = chr(96 + i), chr(97 + i)
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
    return text


TEXTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "billion laughs under an unknown key": (
        "name: x\nunknown:\n" + "".join("  " + line + "\n" for line in billion_laughs().splitlines()), ("aliases",)),
    "1,000 levels of nesting": ("name: " + "[" * 1000 + "]" * 1000 + "\n", ("nests more than",)),
    "duplicate keys": ("name: a\nrun: {length: 1 h}\nname: b\n", ("line 1", ":3:", "duplicate key 'name'")),
    "recursive alias": ("name: &a [*a]\n", ("contains itself",)),
    "base with a NUL": ('base: "\\0"\nname: x\n', ("base",)),
}


PLANT_DIR = Path(__file__).parents[1] / "e2e" / "plant"


@pytest.mark.parametrize("edit, needle", [
    (lambda d: d["shared"][0].update(priority=["east", "east"]),
     "plant.yaml:15: shared[0].priority[1]: 'east' is listed twice"),
    (lambda d: d["lines"]["west"].update(file="lines"), "lines.west.file: 'lines' is a directory"),
])
def test_a_plant_file_refuses_a_repeated_priority_and_a_directory_for_a_line(edit, needle, tmp_path):
    (tmp_path / "small_line.yaml").write_text((PLANT_DIR / "small_line.yaml").read_text())
    (tmp_path / "lines").mkdir()
    data = yaml.safe_load((PLANT_DIR / "small_plant.yaml").read_text())
    data["shared"][0] = dict(data["shared"][0])
    edit(data)
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    for command in (("validate", path), ("run", path, "--no-store")):
        result = twin(*command)
        assert_clean_error(result, needle)
        assert result.output.count("\n") == 1


@pytest.mark.parametrize("case", list(TEXTS))
def test_a_hostile_document_is_a_clean_error(case, tmp_path):
    text, needles = TEXTS[case]
    path = tmp_path / "case.yaml"
    path.write_text(text)
    assert_clean_error(twin("validate", path), *needles)


def test_devices_fifos_and_oversized_files_are_refused_unread(tmp_path, monkeypatch):
    assert_clean_error(twin("validate", "/dev/zero"), "not a regular file")
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert_clean_error(twin("validate", fifo), "not a regular file")  # never opened: it would block
    path = tmp_path / "line.yaml"
    path.write_text(FAST_LINE.read_text())
    monkeypatch.setenv("TWIN_MAX_FILE_MB", "0.001")
    assert_clean_error(twin("validate", path), "limit", "TWIN_MAX_FILE_MB")
    monkeypatch.setenv("TWIN_MAX_FILE_MB", "1")
    assert twin("validate", path).exit_code == 0


@pytest.mark.parametrize("arguments, needle", [
    (["--precision", "nan"], "--precision"),
    (["--seed", str(2**63)], "--seed"),
    (["-r", str(10**9)], "--replications"),
    (["--scheduler", "tls://127.0.0.1:8786"], "only tcp://"),
    (["--scheduler", "tcp://127.0.0.1:1"], "cannot reach"),
    (["--scheduler", "not an address"], "tcp://host:port"),
])
def test_hostile_options_are_one_line_errors(arguments, needle):
    result = twin("run", FAST_LINE, "--no-store", *arguments)
    assert_clean_error(result, needle)
    assert len([line for line in result.output.splitlines() if line.strip()]) <= 3  # click's usage lines at most


def test_a_run_id_beyond_sqlite_is_refused(tmp_path):
    assert_clean_error(twin("runs", "show", 2**63, "--db", tmp_path / "r.sqlite"), "range")


@pytest.mark.parametrize("case, edit, needle", [
    ("zero cycle times", lambda d: [s.update(cycle_time="0 s", failures=None) for s in d["stations"]],
     "zero cycle time at winding"),
    ("zero interarrival", lambda d: d["sources"][0].update(release=None, interarrival="0 s"),
     "zero interarrival time at source electrodes"),
])
def test_a_zero_time_loop_stops_with_a_clear_error(case, edit, needle, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "ZERO_TIME_EVENTS", 20_000)  # the guard's threshold, small to keep the test fast
    monkeypatch.setattr(engine, "CHECK_EVERY_EVENTS", 5_000)
    data = base()
    edit(data)
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert_clean_error(twin("run", path, "--no-store"), "stopped advancing", needle)


def deadlock(d: dict) -> None:
    d["sources"] = [{"name": "electrodes", "to": "a", "conwip": 40}]
    d["stations"] = [{"name": "a", "cycle_time": "10 s", "buffer": 1, "next": "b"},
                     {"name": "b", "cycle_time": "10 s", "buffer": 1, "next": "a"}]


def unfed_assembly(d: dict) -> None:
    d["stations"].insert(0, {"name": "ghost", "cycle_time": "1 s", "next": "can"})
    d["stations"].insert(2, {"name": "can", "kind": "assembly", "inputs": {"winding": 1, "ghost": 1},
                             "cells_out": 32, "cycle_time": "1 s"})


def routing_loop(d: dict) -> None:
    d["sources"][0] = {"name": "electrodes", "to": "winding", "conwip": 3}
    station(d, "eol_test")["next"] = "winding"


@pytest.mark.parametrize("case, edit, needle", [
    ("deadlocked CONWIP loop", deadlock, "deadlock: blocked the whole time"),
    ("assembly never fed", unfed_assembly, "starved the whole time (never fed): ghost, can"),
    ("routing loop with no exit", routing_loop, "waiting the whole time for a full batch"),
])
def test_a_line_that_makes_nothing_says_what_is_stuck(case, edit, needle, tmp_path):
    data = base()
    edit(data)
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = twin("run", path, "--no-store", "--json")
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert run["bottleneck"]["primary"] is None and run["bottleneck"]["candidates"] == []
    assert "no good cells" in run["bottleneck"]["reason"]
    assert any(needle in warning for warning in run["warnings"]), run["warnings"]
    shown = twin("run", path, "--no-store")
    assert "warning: no good cell left the line" in " ".join(shown.output.split())
    assert "Bottleneck (throughput constraint): No station is named: the line made no good cells" in " ".join(
        shown.output.split())


def test_a_pool_never_starts_more_processes_than_tasks():
    with LocalExecutor(1000) as executor:
        assert sorted(executor.imap(abs, [-1, -2])) == [(0, 1), (1, 2)]
        assert executor._pool is not None and executor._pool._processes == 2
    result = twin("run", FAST_LINE, "--no-store", "-r", "2", "--workers", str((os.cpu_count() or 1) + 1), "--json")
    assert result.exit_code == 0 and "is more than this machine's" in result.stderr

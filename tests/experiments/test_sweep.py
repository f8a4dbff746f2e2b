"""Sweeps: dotted paths address any scenario field (stations and sources by name), values are typed
by re-validating the scenario, the points are the full factorial, and bad paths or values are
clear errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.experiments.lines import build, serial_line, write
from twin.cli.main import main
from twin.experiments.sweep import SweepError, apply_overrides, parse_assignment, sweep_points


@pytest.fixture
def scenario():
    return build(serial_line())


def test_values_are_parsed_as_yaml_and_split_outside_braces():
    assert parse_assignment("stations.b.machines=4,5,6") == ("stations.b.machines", [4, 5, 6])
    assert parse_assignment("stations.c.cycle_time={dist: exponential, mean: 4 min},5 min") == (
        "stations.c.cycle_time", [{"dist": "exponential", "mean": "4 min"}, "5 min"])
    assert parse_assignment("run.warmup=auto") == ("run.warmup", ["auto"])


def test_paths_reach_stations_sources_run_and_defaults(scenario):
    changed = apply_overrides(scenario, {
        "stations.b.machines": 6, "stations.c.buffer": 0, "run.length": "20 h", "run.warmup": "auto",
        "sources.supply.release": "saturated", "product.cells_per_lot": 4, "stations.b.yield": 0.97,
        "stations.a.cycle_time.mean": "4 min",
    })
    assert changed.station("b").machines == 6 and changed.station("c").buffer == 0
    assert changed.station("b").yield_ == 0.97 and changed.station("a").cycle_time.mean == 240.0
    assert changed.run.length == 20 * 3600 and changed.run.warmup == "auto"
    assert changed.product.cells_per_lot == 4  # a section the file left out
    assert scenario.station("b").machines == 4  # the original is untouched


def test_full_factorial_first_path_slowest(scenario):
    points = sweep_points(scenario, [("stations.b.machines", [4, 5]), ("stations.b.yield", [0.9, 1.0])])
    assert [settings for settings, _ in points] == [
        {"stations.b.machines": 4, "stations.b.yield": 0.9}, {"stations.b.machines": 4, "stations.b.yield": 1.0},
        {"stations.b.machines": 5, "stations.b.yield": 0.9}, {"stations.b.machines": 5, "stations.b.yield": 1.0},
    ]
    assert [(s.station("b").machines, s.station("b").yield_) for _, s in points] == [(4, 0.9), (4, 1.0), (5, 0.9), (5, 1.0)]


@pytest.mark.parametrize("path, value, message", [
    ("stations.bb.machines", 2, "no entry named 'bb' (did you mean 'b'?)"),
    ("stations.b.machine", 2, "no field 'machine' (did you mean 'machines'?)"),
    ("stations.b.machines", "many", "stations.b.machines: Input should be a valid integer"),
    ("stations.b.yield", 1.5, "stations.b.yield: Input should be less than or equal to 1"),
    ("run.lenght", "2 h", "did you mean 'length'?"),
    ("stations.b", 3, "stations.b is a whole station"),
    ("stations.b.failures.ttf", "1 h", "stations.b.failures is not set"),
])
def test_bad_paths_and_values_say_what_is_wrong(scenario, path, value, message):
    with pytest.raises(SweepError) as error:
        apply_overrides(scenario, {path: value})
    assert message in str(error.value)


def test_cli_sweep_table_json_and_stored_points(tmp_path):
    path = write(serial_line(replications=4), tmp_path / "tiny.yaml")
    db = tmp_path / "runs.sqlite"
    runner = CliRunner()
    out = runner.invoke(main, ["sweep", str(path), "--set", "stations.b.machines=4,5", "--set",
                               "stations.c.buffer=1,3", "--json", "--db", str(db)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["parameters"] == ["stations.b.machines", "stations.c.buffer"]
    assert [p["settings"] for p in data["points"]] == [
        {"stations.b.machines": m, "stations.c.buffer": b} for m in (4, 5) for b in (1, 3)]
    for point in data["points"]:
        throughput = point["kpis"]["throughput_per_h"]
        assert point["replications"] == 4 and throughput["ci95"][0] < throughput["mean"] < throughput["ci95"][1]
    means = [p["kpis"]["throughput_per_h"]["mean"] for p in data["points"]]
    assert means[2] > means[0]  # one more machine at the bottleneck
    stored = json.loads(runner.invoke(main, ["runs", "--json", "--db", str(db)]).stdout)
    assert [r["label"] for r in stored] == [
        "stations.b.machines=4, stations.c.buffer=1", "stations.b.machines=4, stations.c.buffer=3",
        "stations.b.machines=5, stations.c.buffer=1", "stations.b.machines=5, stations.c.buffer=3"]
    assert len({r["group"] for r in stored}) == 1 and [r["id"] for r in stored] == [p["run_id"] for p in data["points"]]
    text = runner.invoke(main, ["sweep", str(path), "--set", "stations.b.machines=4,5", "--no-store", "-r", "2"])
    assert text.exit_code == 0 and "b.machines" in text.stdout


@pytest.mark.parametrize("assignment, message", [
    ("stations.x.machines=1", "no entry named 'x'"),
    ("stations.b.machines=0", "greater than or equal to 1"),
    ("stations.b.machines", "write PATH=VALUE"),
    ("stations.b.machines={bad", "cannot read value"),
])
def test_cli_sweep_bad_set_exits_2_without_traceback(tmp_path, assignment, message):
    path = write(serial_line(replications=2), tmp_path / "tiny.yaml")
    out = CliRunner().invoke(main, ["sweep", str(path), "--set", assignment, "--no-store"])
    assert out.exit_code == 2
    assert message in out.stderr and "Traceback" not in out.output

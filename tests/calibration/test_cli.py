"""The calibration commands end to end: run --events, calibrate, validate-against."""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq
from click.testing import CliRunner

from tests.calibration.lines import small_line
from tests.calibration.test_round_trip import write_scenario
from twin.cli.main import main


def test_run_writes_the_chosen_replication_s_log(tmp_path):
    scenario = write_scenario(small_line(length_h=40, replications=2), tmp_path / "line.yaml")
    runner = CliRunner()
    logs = {}
    for replication, name in ((0, "r0.csv"), (1, "r1.parquet")):
        result = runner.invoke(main, ["run", str(scenario), "--no-store", "--events", str(tmp_path / name),
                                      "--events-replication", str(replication), "--start", "2026-11-09T00:00"])
        assert result.exit_code == 0, result.output
        logs[replication] = tmp_path / name
    with open(logs[0], newline="") as handle:
        first = list(csv.DictReader(handle))
    second = pq.read_table(logs[1]).to_pylist()
    assert first[0]["timestamp"] == "2026-11-09T00:00:00.000"
    assert str(second[-1]["timestamp"]) == "2026-11-10 16:00:00"
    assert len(first) != len(second)  # two replications, two different logs


def test_a_bad_start_is_one_line(tmp_path):
    scenario = write_scenario(small_line(length_h=10), tmp_path / "line.yaml")
    result = CliRunner().invoke(main, ["run", str(scenario), "--no-store", "--events", str(tmp_path / "x.csv"),
                                       "--start", "02/11/2026"])
    assert result.exit_code == 2 and "--start: '02/11/2026' is not an ISO 8601 date-time" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_calibrate_then_validate_against_the_same_log(tmp_path):
    truth = small_line(length_h=150, replications=4)
    line = write_scenario(truth, tmp_path / "line.yaml")
    log = tmp_path / "line.csv"
    runner = CliRunner()
    assert runner.invoke(main, ["run", str(line), "--no-store", "-r", "2", "--events", str(log)]).exit_code == 0
    fitted = tmp_path / "fitted.yaml"
    result = runner.invoke(main, ["calibrate", str(log), "--base", str(line), "-o", str(fitted)])
    assert result.exit_code == 0, result.output
    assert "Fitted from line.csv" in result.stdout
    result = runner.invoke(main, ["validate-against", str(log), str(fitted), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["replications"] == 4 and report["hours"] == 150
    kpis = {k["kpi"]: k for k in report["kpis"]}
    assert {"throughput", "WIP", "lead time (Little)", "press working", "tester down"} <= set(kpis)
    for k in kpis.values():
        assert k["inside_ci"] == (k["ci95"][0] <= k["log"] <= k["ci95"][1])
        assert k["verdict"].startswith("inside") == k["inside_ci"]
    assert len(report["log_daily_cells"]) == 6 and len(report["twin_daily_cells"]) == 4
    assert all(len(days) == 6 for days in report["twin_daily_cells"])
    table = runner.invoke(main, ["validate-against", str(log), str(fitted), "-r", "3"])
    assert table.exit_code == 0 and "KPIs inside the twin's 95% CI" in table.stdout

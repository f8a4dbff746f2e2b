"""The experiment commands end to end (click's runner): `twin run` stores by default and says its
run id on stderr, --precision, `warmup: auto`, `twin runs` / `runs show` / `runs export`, --json
everywhere, and bad input ending with a message and exit code 2, never a traceback."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from tests.experiments.lines import dwell_line, serial_line, write
from twin.cli.main import main
from twin.sim.results import RunResult


@pytest.fixture
def tiny(tmp_path):
    return write(serial_line(replications=5), tmp_path / "tiny.yaml")


def test_run_stores_by_default_and_prints_the_run_id_on_stderr(tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TWIN_DB", raising=False)
    out = CliRunner().invoke(main, ["run", str(tiny), "--json"])
    assert out.exit_code == 0, out.output
    result = RunResult.model_validate_json(out.stdout)  # stdout is the result only
    assert out.stderr.strip() == "run 1 stored in twin-results.sqlite"  # and no progress bar with --json
    assert (tmp_path / "twin-results.sqlite").exists()
    shown = json.loads(CliRunner().invoke(main, ["runs", "show", "1", "--json"]).stdout)
    assert shown["run"]["status"] == "complete" and shown["run"]["replications_done"] == 5
    assert RunResult.model_validate(shown["result"]) == result


def test_db_from_environment_and_no_store(tiny, tmp_path, monkeypatch):
    db = tmp_path / "env.sqlite"
    monkeypatch.setenv("TWIN_DB", str(db))
    assert CliRunner().invoke(main, ["run", str(tiny), "--json"]).exit_code == 0
    assert len(json.loads(CliRunner().invoke(main, ["runs", "--json"]).stdout)) == 1
    out = CliRunner().invoke(main, ["run", str(tiny), "--json", "--no-store"])
    assert out.exit_code == 0 and out.stderr == ""
    assert len(json.loads(CliRunner().invoke(main, ["runs", "--json"]).stdout)) == 1


def test_precision_adds_replications_until_the_target(tiny, tmp_path):
    db = tmp_path / "r.sqlite"
    out = CliRunner().invoke(main, ["run", str(tiny), "--precision", "0.03", "--json", "--db", str(db)])
    assert out.exit_code == 0, out.output
    result = RunResult.model_validate_json(out.stdout)
    throughput = result.kpis["throughput_per_h"]
    assert result.replications > 5
    assert (throughput.ci95[1] - throughput.ci95[0]) / 2 <= 0.03 * throughput.mean
    assert "reached" in out.stderr
    run = json.loads(CliRunner().invoke(main, ["runs", "--json", "--db", str(db)]).stdout)[0]
    assert run["details"]["precision"]["reached"] is True
    assert run["replications_done"] == result.replications and run["replications_planned"] == 200
    capped = CliRunner().invoke(main, ["run", str(tiny), "--precision", "0.0001", "--max-replications", "7",
                                       "--no-store", "--json"])
    assert RunResult.model_validate_json(capped.stdout).replications == 7 and "NOT reached" in capped.stderr


def test_auto_warmup_is_reported(tmp_path):
    path = write(dwell_line(dwell_h=10.0, length_h=100.0), tmp_path / "dwell.yaml")
    db = tmp_path / "r.sqlite"
    out = CliRunner().invoke(main, ["run", str(path), "-r", "3", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "Warm-up 10 h chosen by MSER-5 from 5 pilot replications" in out.stdout
    run = json.loads(CliRunner().invoke(main, ["runs", "--json", "--db", str(db)]).stdout)[0]
    assert run["warmup_h"] == 10.0 and run["details"]["warmup"]["method"] == "mser5"
    as_json = CliRunner().invoke(main, ["run", str(path), "-r", "3", "--json", "--no-store"])
    assert RunResult.model_validate_json(as_json.stdout).warmup_h == 10.0


def test_runs_list_show_and_export(tiny, tmp_path):
    db = tmp_path / "r.sqlite"
    runner = CliRunner()
    for _ in range(2):
        assert runner.invoke(main, ["run", str(tiny), "--db", str(db)]).exit_code == 0
    listed = runner.invoke(main, ["runs", "--db", str(db)])
    assert listed.exit_code == 0 and "tiny" in listed.stdout and "complete" in listed.stdout and "5/5" in listed.stdout
    rows = json.loads(runner.invoke(main, ["runs", "--json", "--db", str(db)]).stdout)
    assert [r["id"] for r in rows] == [1, 2]
    assert set(rows[0]["kpis"]) >= {"throughput_per_h", "gwh_per_year", "yield", "wip_cells", "lead_time_h"}
    assert rows[0]["bottleneck"] == "b"
    shown = runner.invoke(main, ["runs", "show", "2", "--db", str(db)])
    assert shown.exit_code == 0 and "run 2" in shown.stdout and "Line KPIs" in shown.stdout

    out = tmp_path / "out.csv"
    exported = runner.invoke(main, ["runs", "export", "1", "--csv", str(out), "--db", str(db)])
    assert exported.exit_code == 0 and "wrote 5 replications" in exported.stderr
    table = list(csv.DictReader(out.open()))
    assert [row["replication"] for row in table] == ["0", "1", "2", "3", "4"]
    assert {"throughput_per_h", "b.utilization", "b.state.working"} <= set(table[0])
    mean = sum(float(row["throughput_per_h"]) for row in table) / len(table)
    assert mean == pytest.approx(rows[0]["kpis"]["throughput_per_h"]["mean"])
    to_stdout = runner.invoke(main, ["runs", "export", "1", "--csv", "-", "--db", str(db)])
    assert list(csv.DictReader(io.StringIO(to_stdout.stdout))) == table


def test_runs_on_a_missing_database_is_an_empty_list(tmp_path):
    missing = str(tmp_path / "none.sqlite")
    assert CliRunner().invoke(main, ["runs", "--json", "--db", missing]).stdout.strip() == "[]"
    assert "no runs stored yet" in CliRunner().invoke(main, ["runs", "--db", missing]).stdout


@pytest.mark.parametrize("args, message", [
    (["runs", "show", "42"], "no run with id 42"),
    (["runs", "export", "42", "--csv", "x.csv"], "no run with id 42"),
    (["runs", "show", "1", "--db", "{garbage}"], "not a database"),
    (["runs", "--db", "{garbage}"], "not a database"),
    (["run", "{tiny}", "--db", "{garbage}"], "not a database"),
    (["run", "{tiny}", "--db", "{dir}"], "directory"),
    (["runs", "show", "1", "--db", "{missing}"], "no results database"),
    (["run", "{tiny}", "--no-store", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
])
def test_bad_input_exits_2_with_a_message(tiny, tmp_path, monkeypatch, args, message):
    monkeypatch.setattr("twin.experiments.executors.CONNECT_TIMEOUT_S", 1.0)  # nothing listens there: fail fast
    db = tmp_path / "r.sqlite"
    assert CliRunner().invoke(main, ["run", str(tiny), "--db", str(db), "-r", "2"]).exit_code == 0
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_text("this is not SQLite " * 200)
    paths = {"tiny": str(tiny), "garbage": str(garbage), "dir": str(tmp_path), "missing": str(tmp_path / "no.sqlite")}
    args = [a.format(**paths) for a in args]
    if "--db" not in args:
        args += ["--db", str(db)]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 2, out.output
    assert message in out.stderr and "Traceback" not in out.output

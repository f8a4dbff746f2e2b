"""The `twin` command: validate, run (--json), schema, and clean errors (exit code 2, no traceback)
for bad files and bad options. Most cases go through click's CliRunner; a few run the command in a
subprocess (`python -m twin.cli.main`), as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from twin.cli.main import main

GOOD = """\
name: cli test line
description: two machines and a formation store
product: {cells_per_lot: 4, wh_per_cell: 18}
run: {length: 120 h, warmup: 10 h, replications: 3, seed: 7}
sources:
  - {name: supply, to: winding, release: saturated}
stations:
  - name: winding
    cycle_time: {dist: exponential, mean: 30 min}
    failures:
      ttf: {dist: exponential, mean: 20 h}
      ttr: {dist: lognormal, mean: 1 h, cv: 0.5}
    buffer: 4
  - name: filling
    machines: 2
    cycle_time: {dist: gamma, mean: 50 min, cv: 0.3}
    yield: 0.98
  - name: formation
    kind: dwell
    capacity: 3
    cycle_time: {dist: triangular, low: 60 min, mode: 80 min, high: 100 min}
"""

BAD = {
    "missing length": GOOD.replace("length: 120 h, ", ""),
    "bare number": GOOD.replace("length: 120 h", "length: 120"),
    "misspelled key": GOOD.replace("cycle_time: {dist: gamma", "cycle_tme: {dist: gamma"),
    "negative machines": GOOD.replace("machines: 2", "machines: -2"),
    "unknown station": GOOD.replace("to: winding", "to: windng"),
    "yaml syntax": GOOD.replace("stations:\n", "stations: [\n"),
    "not a mapping": "- just\n- a list\n",
    "empty": "",
}

KPIS = ("throughput_per_h", "gwh_per_year", "yield", "wip_cells", "lead_time_h")


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "line.yaml"
    path.write_text(GOOD, encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_user_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_validate_accepts_a_good_file(good_file):
    result = invoke("validate", good_file)
    assert result.exit_code == 0, result.output
    assert "valid scenario 'cli test line'" in result.stdout
    assert "3 stations, 1 sources" in result.stdout
    assert "hash " in result.stdout


def test_run_json_reports_every_kpi_with_confidence_intervals(good_file):
    result = invoke("run", good_file, "--json", "-r", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("scenario", "scenario_hash", "seed", "replications", "version", "kpis", "stations", "bottleneck"):
        assert key in data, key
    assert data["scenario"] == "cli test line"
    assert data["replications"] == 2 and data["seed"] == 7
    assert len(data["scenario_hash"]) == 16
    for kpi in KPIS:
        estimate = data["kpis"][kpi]
        assert set(estimate) >= {"mean", "ci95", "values"}, kpi
        assert len(estimate["values"]) == 2 and len(estimate["ci95"]) == 2, kpi
        low, high = estimate["ci95"]
        assert low <= estimate["mean"] <= high, kpi
    assert data["kpis"]["throughput_per_h"]["mean"] > 0
    assert set(data["stations"]) == {"winding", "filling", "formation"}
    for name, station in data["stations"].items():
        states = station["states"]
        assert {"working", "starved", "blocked", "down"} <= set(states), name
        assert abs(sum(s["mean"] for s in states.values()) - 1) < 1e-9, name
    assert data["bottleneck"]["primary"] in data["stations"]


def test_run_json_is_reproducible_and_honours_seed_override(good_file):
    first = json.loads(invoke("run", good_file, "--json", "-r", "2").stdout)
    again = json.loads(invoke("run", good_file, "--json", "-r", "2").stdout)
    assert first == again
    other = json.loads(invoke("run", good_file, "--json", "-r", "2", "--seed", "8").stdout)
    assert other["seed"] == 8
    assert other["kpis"]["throughput_per_h"]["values"] != first["kpis"]["throughput_per_h"]["values"]


def test_run_with_workers_gives_the_same_result(good_file):
    local = json.loads(invoke("run", good_file, "--json", "-r", "3").stdout)
    pooled = json.loads(invoke("run", good_file, "--json", "-r", "3", "-w", "2").stdout)
    assert local == pooled


def test_run_prints_a_report(good_file):
    result = invoke("run", good_file, "-r", "2")
    assert result.exit_code == 0, result.output
    assert "winding" in result.stdout and "formation" in result.stdout


def _undescribed(node, path="#") -> list[str]:
    """Properties anywhere in a JSON schema without a description."""
    missing = []
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if not (isinstance(prop, dict) and prop.get("description")):
                missing.append(f"{path}/properties/{name}")
        for key, child in node.items():
            missing += _undescribed(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            missing += _undescribed(child, f"{path}/{index}")
    return missing


def test_schema_describes_every_property():
    result = invoke("schema")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert {"name", "run", "sources", "stations"} <= set(schema["properties"])
    assert set(schema["required"]) >= {"name", "run", "sources", "stations"}
    assert _undescribed(schema) == []
    # the property walk reaches the nested specs too
    for kind in ("Machine", "Batch", "Dwell", "Assembly"):  # one spec per station kind
        assert "cycle_time" in schema["$defs"][f"{kind}StationSpec"]["properties"]


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_files_exit_2_without_traceback(tmp_path, case, command):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD[case], encoding="utf-8")
    assert_user_error(invoke(command, path), "error:", str(path))


def test_messages_name_line_and_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD["misspelled key"], encoding="utf-8")
    result = invoke("validate", path)
    assert_user_error(result, f"{path}:16: stations[1].cycle_tme: unknown key 'cycle_tme' (did you mean 'cycle_time'?)")
    path.write_text(BAD["bare number"], encoding="utf-8")
    assert_user_error(invoke("validate", path), f"{path}:4: run.length:", "unit")
    path.write_text(BAD["negative machines"], encoding="utf-8")
    assert_user_error(invoke("validate", path), f"{path}:15: stations[1].machines:")
    path.write_text(BAD["yaml syntax"], encoding="utf-8")
    assert_user_error(invoke("validate", path), "YAML syntax error")
    path.write_text(BAD["unknown station"], encoding="utf-8")
    assert_user_error(invoke("validate", path), "'windng'", "did you mean 'winding'?")


def test_unreadable_and_missing_files_exit_2(tmp_path):
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x81 not utf-8")
    assert_user_error(invoke("validate", binary), "cannot read")
    assert_user_error(invoke("run", tmp_path / "missing.yaml"), "no such file")
    result = invoke("validate", tmp_path)  # a directory
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize("options", [["-r", "0"], ["--seed", "-1"], ["-w", "0"], ["--bogus"]])
def test_bad_options_exit_2(good_file, options):
    result = invoke("run", good_file, *options)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def _twin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "twin.cli.main", *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.mark.slow  # several seconds: the full suite runs it, the fast loop does not
def test_command_in_a_subprocess_end_to_end(good_file, tmp_path):
    ok = _twin("validate", good_file)
    assert ok.returncode == 0, ok.stderr
    assert "valid scenario" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD["misspelled key"], encoding="utf-8")
    for command in ("validate", "run"):
        result = _twin(command, bad)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        assert result.stdout == ""
        assert "unknown key 'cycle_tme'" in result.stderr
    version = _twin("--version")
    assert version.returncode == 0 and version.stdout.strip()

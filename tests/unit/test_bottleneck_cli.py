"""`twin bottleneck`: the analysis from the command line, stored with its run, and re-run on a stored run."""

from __future__ import annotations

import json

from click.testing import CliRunner

from twin.cli.main import main
from twin.store.database import Store

LINE = """
name: three-stations
run: {warmup: 50 h, length: 1000 h, replications: 4, seed: 5}
sources: [{name: supply, to: first, release: saturated}]
stations:
  - {name: first, cycle_time: {dist: exponential, mean: 1 h}}
  - {name: middle, buffer: 2, cycle_time: {dist: exponential, mean: 1.5 h}}
  - {name: last, buffer: 2, cycle_time: {dist: exponential, mean: 1 h}}
"""


def test_bottleneck_command_ranks_improvements_and_stores_the_analysis(tmp_path):
    scenario = tmp_path / "line.yaml"
    scenario.write_text(LINE)
    db = tmp_path / "runs.sqlite"
    result = CliRunner().invoke(main, ["bottleneck", str(scenario), "--db", str(db), "--json", "--top", "2"])
    assert result.exit_code == 0, result.output
    analysis = json.loads(result.stdout)
    assert analysis["primary"] == "middle"
    assert analysis["improvements"][0]["station"] == "middle"
    assert analysis["improvements"][0]["significant"] is True
    assert len(analysis["improvements"]) == 2
    with Store(db) as store:
        base = next(r for r in store.runs() if r.label == "base")
        stored = store.analysis(base.id)
        assert stored is not None and stored.primary == "middle"
        assert {r.kind for r in store.runs()} == {"bottleneck"}

    again = CliRunner().invoke(main, ["bottleneck", "--run", str(base.id), "--db", str(db), "--json", "--top", "1"])
    assert again.exit_code == 0, again.output
    # the stored run's replications with the same seed: the same verdict and the same gain
    assert json.loads(again.stdout)["improvements"][0] == analysis["improvements"][0]


def test_bottleneck_command_needs_exactly_one_of_file_and_run(tmp_path):
    result = CliRunner().invoke(main, ["bottleneck", "--db", str(tmp_path / "x.sqlite")])
    assert result.exit_code == 2
    assert "give a scenario FILE or --run ID" in result.output


def test_twin_run_reports_the_constraint_and_the_momentary_bottleneck_under_their_contract_names(tmp_path):
    scenario = tmp_path / "line.yaml"
    scenario.write_text(LINE)
    out = CliRunner().invoke(main, ["run", str(scenario), "--no-store", "--json"])
    assert out.exit_code == 0, out.output
    verdict = json.loads(out.stdout)["bottleneck"]
    assert {"primary", "momentary", "candidates"} <= set(verdict)
    assert verdict["primary"] == "middle" and verdict["momentary"] == "middle"
    assert set(verdict["constraint_ranking"]) == {"first", "middle", "last"}
    text = CliRunner().invoke(main, ["run", str(scenario), "--no-store"], terminal_width=200)
    assert text.exit_code == 0, text.output
    assert "Bottleneck (throughput constraint): middle limits output" in " ".join(text.stdout.split())
    assert "Momentary bottleneck (active period method): middle" in " ".join(text.stdout.split())

"""Plant files: composed from line files, every reference error located in the file and line it is in."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from twin.cli.main import main
from twin.spec.yaml_io import ScenarioError, load_scenario

LINE = """name: {name}
run: {{length: 10 h, seed: 1}}
sources: [{{name: arrivals, to: station, interarrival: {{dist: exponential, mean: 2 h}}}}]
stations:
  - {{name: station, cycle_time: {{dist: exponential, mean: 1 h}}, power: {{working: 12 kW}}}}
  - {{name: test, cycle_time: 6 min, next: {next}}}
facility: {{dry_room: {{power: 5 kW}}}}
"""


def _files(tmp_path: Path, plant: str, next_a: str = "exit") -> Path:
    (tmp_path / "a.yaml").write_text(LINE.format(name="a", next=next_a))
    (tmp_path / "b.yaml").write_text(LINE.format(name="b", next="exit"))
    path = tmp_path / "plant.yaml"
    path.write_text("name: plant\nlines:\n  a: {file: a.yaml}\n  b: {file: b.yaml}\n" + plant
                    + "run: {length: 10 h, seed: 1}\n")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


def test_stations_sources_and_loads_are_named_line_dot_name_and_a_shared_station_serves_both(tmp_path):
    scenario = load_scenario(_files(tmp_path, "shared:\n  - {name: test, from: [a.test, b.test], machines: 1}\n"))
    assert [s.name for s in scenario.stations] == ["a.station", "test", "b.station"]
    assert [s.name for s in scenario.sources] == ["a.arrivals", "b.arrivals"]
    assert set(scenario.facility) == {"a.dry_room", "b.dry_room"}
    assert scenario.station("b.station").next == "test"
    assert scenario.plant.lines["b"].stations == ("b.station",)
    assert scenario.plant.stream_keys["a.station"] == "station" and "b.station" not in scenario.plant.stream_keys


def test_a_plant_load_replaces_the_lines_loads_of_that_name(tmp_path):
    scenario = load_scenario(_files(tmp_path, "facility: {dry_room: {power: 8 kW}}\n"))
    assert set(scenario.facility) == {"dry_room"}


def test_an_unknown_station_in_from_names_the_plant_file_line_and_the_closest_station(tmp_path):
    path = _files(tmp_path, "shared:\n  - name: test\n    from: [a.test, b.tset]\n")
    assert _error(path) == f"{path}:7: shared[0].from[1]: line 'b' has no station 'tset' (did you mean 'test'?)"


def test_a_reference_error_inside_a_line_file_names_that_file_and_line(tmp_path):
    path = _files(tmp_path, "", next_a="nowhere")
    assert _error(path).startswith(f"{tmp_path / 'a.yaml'}:6: stations[1].next: unknown station 'nowhere'")


def test_a_missing_line_file_is_named_at_its_plant_line(tmp_path):
    path = _files(tmp_path, "")
    (tmp_path / "b.yaml").unlink()
    assert _error(path).startswith(f"{path}:4: lines.b.file: no such file 'b.yaml'")


def test_twin_validate_takes_a_plant_file_and_refuses_a_bad_one_in_one_line(tmp_path):
    good = CliRunner().invoke(main, ["validate", str(_files(tmp_path, ""))])
    assert good.exit_code == 0 and "valid scenario 'plant' (4 stations" in good.output
    bad = CliRunner().invoke(main, ["validate", str(_files(tmp_path, "shared:\n  - {name: x, from: [c.test]}\n"))])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1 and "unknown line in 'c.test'" in bad.output


def test_a_sweep_path_names_a_plant_station_by_its_line_dot_name(tmp_path):
    from twin.experiments.sweep import apply_overrides

    scenario = load_scenario(_files(tmp_path, ""))
    assert apply_overrides(scenario, {"stations.b.test.machines": 3}).station("b.test").machines == 3


def test_a_shared_station_takes_one_station_from_each_of_two_lines(tmp_path):
    """Two stations of one line (or a single line) merged would reroute that line's lots."""
    path = _files(tmp_path, "shared:\n  - name: pool\n    from: [a.station, a.test]\n")
    assert _error(path) == (f"{path}:7: shared[0].from: a shared station takes one station from each of two or "
                            "more lines (got lines a, a)")


def test_stations_that_differ_in_what_a_shared_station_applies_to_all_must_be_settled_on_the_entry(tmp_path):
    """Without this the merged station would take the first `from` station's power (or ramp, failures,
    start), so the answer would depend on the order of `from`."""
    (tmp_path / "a.yaml").write_text(LINE.format(name="a", next="exit"))
    (tmp_path / "b.yaml").write_text(LINE.format(name="b", next="exit").replace("working: 12 kW", "working: 20 kW"))
    path = tmp_path / "plant.yaml"
    head = "name: plant\nlines:\n  a: {file: a.yaml}\n  b: {file: b.yaml}\nshared:\n  - name: pool\n"
    path.write_text(head + "    from: [a.station, b.station]\nrun: {length: 10 h, seed: 1}\n")
    assert _error(path) == (f"{path}:7: shared[0].from: the stations differ in 'power', which the shared station "
                            "applies to every line's lots: give 'power' on the shared entry")
    path.write_text(head + "    from: [a.station, b.station]\n    power: {working: 15 kW}\nrun: {length: 10 h, seed: 1}\n")
    assert load_scenario(path).station("pool").power.working == 15


def test_a_lines_start_of_production_holds_in_the_plant(tmp_path):
    (tmp_path / "a.yaml").write_text(LINE.format(name="a", next="exit").replace("run: {", "start: 1 d\nrun: {"))
    (tmp_path / "b.yaml").write_text(LINE.format(name="b", next="exit"))
    path = tmp_path / "plant.yaml"
    path.write_text("name: plant\nlines:\n  a: {file: a.yaml}\n  b: {file: b.yaml}\nrun: {length: 10 h, seed: 1}\n")
    scenario = load_scenario(path)
    assert [s.start for s in scenario.stations] == [86400, 86400, None, None]


def test_a_merged_station_of_catalogue_stations_is_costed_at_its_merged_size():
    """Line 2 on Line 1's coaters: one coater left, so one coater's capital (not the two lines')."""
    plant = load_scenario("scenarios/ukbic_plant_shared_coaters.yaml")
    line = load_scenario("scenarios/cylindrical_line.yaml")
    coater = plant.station("coating_cathode")
    assert coater.machines == 1
    assert coater.cost.capex == line.station("coating_cathode").cost.capex / line.station("coating_cathode").machines


def test_a_plant_comparison_in_a_pipe_keeps_every_kpi_name_whole(tmp_path):
    for name in ("cylindrical", "power_cell"):
        (tmp_path / f"{name}.yaml").write_text(LINE.format(name=name, next="exit"))
    plant = tmp_path / "plant.yaml"
    plant.write_text("name: plant\nlines:\n  cylindrical: {file: cylindrical.yaml}\n  power_cell: {file: power_cell.yaml}\n"
                     "run: {length: 10 h, seed: 1}\n")
    out = CliRunner().invoke(main, ["compare", str(plant), str(plant), "-r", "2", "--no-store"])  # not a terminal
    assert out.exit_code == 0, out.output
    assert "lines.power_cell.throughput_per_h" in out.stdout and "…" not in out.stdout

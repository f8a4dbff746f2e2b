"""Starting a sweep from the browser: fields are picked by station and parameter name, every value
the browser sends is checked before a job is queued, and the job is a 'sweep' of this browser."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from dash.exceptions import PreventUpdate

from dashboard import data, sweep_form
from tests.dashboard.test_callbacks import FakeJobs, text_of

OWNER = "c" * 32


class SweepJobs(FakeJobs):
    def __init__(self) -> None:
        super().__init__()
        self.sweeps: list[tuple[str, list, str, str, Any]] = []

    def start_sweep(self, scenario_yaml: str, assignments: list, title: str, owner: str = "",
                    replications: Any = None, seed: Any = None) -> str:
        self.sweeps.append((scenario_yaml, assignments, title, owner, replications))
        return f"sweep-{len(self.sweeps)}"


def start(settings: data.Settings, jobs: SweepJobs, stations=("formation", None), parameters=("machines", None),
          values=("5, 6, 8", None), replications: Any = 3, filename: Any = "tiny_line.yaml") -> str:
    return text_of(sweep_form.start_sweep(settings, jobs, filename, list(stations), list(parameters), list(values),
                                          replications, OWNER))


def test_a_sweep_is_queued_by_station_and_parameter_name(stored):
    jobs = SweepJobs()
    assert "3 points × 3 replications" in start(stored, jobs)
    scenario_yaml, assignments, title, owner, replications = jobs.sweeps[0]
    assert assignments == [("stations.formation.machines", [5, 6, 8])] and owner == OWNER and replications == 3
    assert title == "sweep of fast-line: formation machines 5, 6, 8"
    assert yaml.safe_load(scenario_yaml)["name"] == "fast-line"
    assert "4 points" in start(stored, jobs, ("formation", "filling"), ("machines", "buffer"), ("5, 8", "5, 20"))
    assert jobs.sweeps[1][1] == [("stations.formation.machines", [5, 8]), ("stations.filling.buffer", [5, 20])]
    assert [o["value"] for o in sweep_form.stations_of(stored, "tiny_line.yaml")] == [
        "winding", "filling", "formation", "eol_test"]


@pytest.mark.parametrize("change, said", [
    ({"stations": ("nowhere", None)}, "pick the first field's station"),
    ({"parameters": ("__class__", None)}, "pick the first field's parameter"),
    ({"values": ("", None)}, "give the first field's values"),
    ({"values": ("5, six", None)}, "the values are numbers"),
    ({"values": ("0, 5", None)}, "formation.machines"),  # 0 machines: the schema's own message
    ({"values": (",".join(str(i) for i in range(1, 20)), None)}, "at most 12 different values"),
    ({"stations": ("formation", "formation"), "parameters": ("machines", "machines"), "values": ("5", "6")},
     "the two fields are the same"),
    ({"replications": 1}, "a CI needs two"),
    ({"replications": True}, "a CI needs two"),
    ({"filename": "../../etc/passwd"}, "not a scenario file name"),
    ({"stations": ("formation", "filling"), "parameters": ("machines", "buffer"),
      "values": ("1,2,3,4,5,6,7", "1,2,3,4,5,6,7")}, "49 points"),
])
def test_every_browser_value_is_checked_before_a_job_starts(stored, change, said):
    jobs = SweepJobs()
    assert said in start(stored, jobs, **change)
    assert jobs.sweeps == []


def test_no_browser_id_starts_nothing(stored):
    with pytest.raises(PreventUpdate):
        sweep_form.start_sweep(stored, SweepJobs(), "tiny_line.yaml", ["formation"], ["machines"], ["5"], 3, None)


class GridJobs(FakeJobs):
    def __init__(self) -> None:
        super().__init__()
        self.grids: list[tuple[str, list[str], str, str, Any]] = []

    def start_grid(self, base_yaml: str, whatif_yamls: list[str], title: str, owner: str = "",
                   replications: Any = None) -> str:
        self.grids.append((base_yaml, whatif_yamls, title, owner, replications))
        return "grid-1"


def test_a_scenario_grid_runs_many_whatifs_against_one_base(stored, tmp_path):
    from dashboard import grid_form

    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    text = (stored.scenarios_dir / "tiny_line.yaml").read_text()
    (scenarios / "tiny_line.yaml").write_text(text)
    (scenarios / "more_racks.yaml").write_text("base: tiny_line.yaml\nname: more racks\n"
                                                "stations:\n  - {name: formation, machines: 8}\n")
    settings = data.Settings(stored.db_path, scenarios)
    jobs = GridJobs()
    said = grid_form.start_grid(settings, jobs, "tiny_line.yaml", ["more_racks.yaml", "tiny_line.yaml"], 3, OWNER)
    assert "2 scenarios × 3 replications" in text_of(said)  # the base is not its own what-if
    base_yaml, whatifs, title, owner, replications = jobs.grids[0]
    assert title == "grid: fast-line against more racks" and owner == OWNER and replications == 3
    assert yaml.safe_load(whatifs[0])["stations"][2]["machines"] == 8
    for base, whatifs_, reps, said in (("tiny_line.yaml", [], 3, "at least one what-if"),
                                       ("tiny_line.yaml", ["tiny_line.yaml"], 3, "other than the base"),
                                       ("tiny_line.yaml", ["more_racks.yaml"], 1, "a CI needs two"),
                                       ("../x.yaml", ["more_racks.yaml"], 3, "not a scenario file name")):
        assert said in text_of(grid_form.start_grid(settings, jobs, base, whatifs_, reps, OWNER))
    assert len(jobs.grids) == 1

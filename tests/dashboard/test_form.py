"""The what-if form as plain functions: its fields, edits becoming a valid scenario, every kind of
bad value becoming a message on the right field (never an exception), and what-if files that load
back as the same scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import form
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario, parse_model


def edit(scenario: Scenario, **changes: str) -> form.FormOutcome:
    """Build the form of `scenario` with `changes` given as station__param=text (or calendar__x, run__x)."""
    fields = form.form_fields(scenario)
    initial = {f.key: f.value for f in fields}
    values: dict = dict(initial)
    for name, text in changes.items():
        where, param = name.split("__")
        section = where if where in ("calendar", "run") else "station"
        key = (section, where, param)
        assert key in values, f"no field {key}"
        values[key] = text
    return form.build(form.base_data(scenario), initial, values)


def test_fields_show_the_key_parameters_of_every_station(fast_line):
    values = {f.key: f.value for f in form.form_fields(fast_line)}
    assert values[("station", "formation", "machines")] == "6"
    assert values[("station", "formation", "cycle_time")] == "2 h"
    assert values[("station", "winding", "cycle_time")] == "3.75 s"
    assert values[("station", "winding", "buffer")] == ""  # unlimited
    assert values[("station", "filling", "yield")] == "0.94"
    assert (values[("station", "winding", "mtbf")], values[("station", "winding", "mttr")]) == ("4 h", "15 min")
    assert values[("station", "formation", "mtbf")] == ""  # no failures
    assert values[("calendar", "calendar", "shifts_per_day")] == ""  # round the clock
    assert values[("run", "run", "replications")] == "4" and values[("run", "run", "warmup")] == "12 h"


def test_dwell_stations_edit_places_and_have_no_failure_fields():
    scenario = Scenario.model_validate({
        "name": "d", "run": {"length": "10 h"}, "sources": [{"name": "s", "to": "rest", "interarrival": "1 h"}],
        "stations": [{"name": "rest", "kind": "dwell", "capacity": 40, "cycle_time": "14 d"}]})
    keys = {f.key: f.value for f in form.form_fields(scenario)}
    assert keys[("station", "rest", "machines")] == "40"
    assert ("station", "rest", "mtbf") not in keys
    outcome = edit(scenario, rest__machines="50")
    assert outcome.scenario is not None and outcome.scenario.stations[0].capacity == 50


def test_an_untouched_form_is_the_scenario_itself(fast_line):
    outcome = edit(fast_line)
    assert outcome.scenario == fast_line and not outcome.errors and not outcome.changes


def test_edits_become_a_valid_scenario_and_are_listed(fast_line):
    outcome = edit(fast_line, formation__machines="8", winding__cycle_time="3.5 s", filling__buffer="",
                   filling__yield="0.96", calendar__shifts_per_day="3", run__replications="2")
    s = outcome.scenario
    assert s is not None, outcome.errors
    assert s.station("formation").machines == 8
    assert s.station("winding").cycle_time.mean_s == pytest.approx(3.5)
    assert s.station("winding").cycle_time.cv == 0.1  # the distribution's shape is kept
    assert s.station("filling").buffer is None and s.station("filling").yield_ == 0.96
    assert s.calendar is not None and s.calendar.shifts_per_day == 3
    assert s.run.replications == 2
    assert "formation machines: 6 -> 8" in outcome.changes


def test_failures_are_added_changed_and_removed(fast_line):
    added = edit(fast_line, formation__mtbf="12 h", formation__mttr="1 h").scenario
    assert added is not None and added.station("formation").failures.ttf.mean_s == 12 * 3600
    assert added.station("formation").failures.ttr.dist == "exponential"
    changed = edit(fast_line, winding__mttr="30 min").scenario
    assert changed.station("winding").failures.ttr.mean_s == 1800
    assert changed.station("winding").failures.ttf.mean_s == 4 * 3600
    removed = edit(fast_line, winding__mtbf="", winding__mttr="").scenario
    assert removed is not None and removed.station("winding").failures is None


@pytest.mark.parametrize("changes, key, words", [
    ({"formation__machines": "abc"}, ("station", "formation", "machines"), "valid integer"),
    ({"formation__machines": "0"}, ("station", "formation", "machines"), "greater than or equal to 1"),
    ({"formation__machines": ""}, ("station", "formation", "machines"), "required"),
    ({"formation__machines": "2.5"}, ("station", "formation", "machines"), "integer"),
    ({"filling__yield": "1.5"}, ("station", "filling", "yield"), "less than or equal to 1"),
    ({"filling__buffer": "-1"}, ("station", "filling", "buffer"), "greater than or equal to 0"),
    ({"winding__cycle_time": "fast"}, ("station", "winding", "cycle_time"), "not a duration"),
    ({"winding__cycle_time": "3 parsecs"}, ("station", "winding", "cycle_time"), "unknown time unit"),
    ({"winding__cycle_time": "0 s"}, ("station", "winding", "cycle_time"), "longer than 0"),
    ({"winding__mttr": ""}, ("station", "winding", "mttr"), "both MTBF and MTTR"),
    ({"formation__mtbf": "5 h"}, ("station", "formation", "mttr"), "both MTBF and MTTR"),
    ({"formation__buffer": "3"}, ("station", "formation", "buffer"), "full batch"),  # the station's own rule
    ({"calendar__shifts_per_day": "4"}, ("calendar", "calendar", "shifts_per_day"), "longer than a day"),
    ({"calendar__shifts_per_day": "x"}, ("calendar", "calendar", "shifts_per_day"), "valid integer"),
    ({"run__warmup": "soon"}, ("run", "run", "warmup"), "not a duration"),
    ({"run__length": "0 h"}, ("run", "run", "length"), "greater than 0"),
    ({"run__replications": ""}, ("run", "run", "replications"), "required"),
])
def test_a_bad_value_is_a_message_on_its_field_never_an_exception(fast_line, changes, key, words):
    outcome = edit(fast_line, **changes)
    assert outcome.scenario is None
    assert words in outcome.errors.get(key, ""), outcome.errors
    assert not outcome.general


def test_several_bad_values_are_all_reported(fast_line):
    outcome = edit(fast_line, formation__machines="abc", filling__yield="2", run__seed="-1")
    assert set(outcome.errors) == {("station", "formation", "machines"), ("station", "filling", "yield"),
                                   ("run", "run", "seed")}


def test_errors_map_to_fields_rows_or_the_whole_scenario():
    data = {"stations": [{"name": "a"}, {"name": "b"}]}
    shown = {("station", "b", "buffer"), ("station", "a", "machines")}
    assert form.field_of(("stations", 1, "buffer"), data, shown) == ("station", "b", "buffer")
    assert form.field_of(("stations", 0, "dwell", "capacity"), data, shown) == ("station", "a", "machines")  # places
    assert form.field_of(("stations", 0, "batch", "batch", "max"), data, shown) == ("station", "a", "row")  # no field
    assert form.field_of(("stations", 1, "machine", "yield"), data, shown) == ("station", "b", "row")  # not shown
    assert form.field_of(("stations", 1, "batch", "buffer"), data, shown) == ("station", "b", "buffer")  # kind tag
    assert form.field_of(("stations", 1, "batch"), data, shown) == ("station", "b", "row")
    assert form.field_of(("stations", 0, "machine", "failures", "ttr", "exponential", "mean"), data,
                         shown | {("station", "a", "mttr")}) == ("station", "a", "mttr")
    assert form.field_of((), data, shown) is None
    assert form.field_of(("sources", 0, "to"), data, shown) is None



def test_mean_of_distributions_without_a_mean_field_scales_every_duration():
    weibull = {"dist": "weibull", "shape": 2.0, "scale": "10 h"}
    scaled = form.with_mean(weibull, 8.862 * 3600, "17.724 h")  # twice the mean
    assert scaled["shape"] == 2.0 and float(scaled["scale"].split()[0]) == pytest.approx(20 * 3600, rel=1e-3)
    uniform = form.with_mean({"dist": "uniform", "low": "1 h", "high": "3 h"}, 7200.0, "1 h")
    assert [float(uniform[k].split()[0]) for k in ("low", "high")] == pytest.approx([1800.0, 5400.0])
    empirical = form.with_mean({"dist": "empirical", "values": ["1 s", "3 s"]}, 2.0, "4 s")
    assert [float(v.split()[0]) for v in empirical["values"]] == pytest.approx([2.0, 6.0])
    assert form.with_mean({"dist": "constant", "value": "2 h"}, 7200.0, "3 h") == {"dist": "constant", "value": "3 h"}


def test_slug_makes_a_safe_file_stem():
    assert form.slug("Formation +10 racks!") == "formation-10-racks"
    assert form.slug("../../etc/passwd") == "etc-passwd"
    assert form.slug("   ") == "" and form.slug("***") == ""
    assert len(form.slug("x" * 200)) == 60


def test_a_saved_whatif_loads_back_as_the_same_scenario(fast_line):
    outcome = edit(fast_line, formation__machines="8", winding__mtbf="6 h")
    whatif = form.as_whatif(outcome.scenario, "Eight racks", fast_line.name, outcome.changes)
    assert whatif.name == "Eight racks" and "formation machines: 6 -> 8" in whatif.description
    text = form.scenario_yaml(whatif, ["What-if of fast_line.yaml"])
    assert text.startswith("# What-if of fast_line.yaml\n")
    assert "cycle_time: {dist: lognormal" in text  # distributions on one line, as the hand-written files
    assert parse_model(text, Scenario) == whatif


def test_initial_values_survive_a_json_store(fast_line):
    fields = form.form_fields(fast_line)
    assert form.decode_initial(form.encode_initial(fields)) == {f.key: f.value for f in fields}


SCENARIOS = sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_file_opens_in_the_form_and_saves_back_unchanged(path):
    scenario = load_scenario(path)
    outcome = edit(scenario)
    assert outcome.scenario == scenario and not outcome.errors and not outcome.general
    assert parse_model(form.scenario_yaml(scenario), Scenario) == scenario


def test_a_whatif_overlay_lists_only_the_changes_or_says_it_cannot():
    from dashboard.form import whatif_overlay

    before = {"name": "a", "run": {"length": 10, "seed": 1}, "stations": [{"name": "x", "machines": 1, "buffer": 4},
                                                                          {"name": "y", "machines": 2}]}
    after = {"name": "b", "run": {"length": 20, "seed": 1}, "stations": [{"name": "x", "machines": 1, "buffer": 4},
                                                                         {"name": "y", "machines": 3}]}
    assert whatif_overlay(before, after) == {"run": {"length": 20}, "stations": [{"name": "y", "machines": 3}]}
    assert whatif_overlay(before, {**after, "calendar": {"shifts_per_day": 2}})["calendar"] == {"shifts_per_day": 2}
    dropped = {**after, "stations": [{"name": "x", "machines": 1}, {"name": "y", "machines": 3}]}
    assert whatif_overlay(before, dropped) is None  # a key cannot be removed from one station: write it all
    assert whatif_overlay(before, {"name": "a", "stations": before["stations"]}) == {"run": None}

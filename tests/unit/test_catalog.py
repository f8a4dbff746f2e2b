"""The process catalogue and the two ways a scenario file reuses what is written elsewhere: a station's
`template:` (catalogue defaults under the file's keys) and a what-if's `base:` (another file under
this one's changes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from twin.spec import catalog
from twin.spec.scenario import Scenario, validate_station
from twin.spec.yaml_io import ScenarioError, load_scenario, parse_model

# what a scenario has to add to a template before it is a whole station
NEEDS = {
    "winding": {"inputs": {"c": 1, "a": 1}, "cells_out": 100},
    "stacking": {"inputs": {"c": 1, "a": 1}, "cells_out": 10},
    "formation": {"machines": 10, "batch": {"min": 4, "max": 4}},
    "wetting": {"capacity": 100},
    "aging": {"capacity": 1000},
}
SOURCE_MARK = re.compile(r"\[S\d+\]|assumption|DERIVED|\((?:a|b|c|d|e)(?:\.\d)?[,;) ]")


@pytest.mark.parametrize("name", catalog.names())
def test_every_template_makes_a_valid_station(name):
    assert set(NEEDS.get(name, {})) <= set(catalog.template(name).leaves)  # what the file must add is documented
    spec = validate_station({"name": name, "template": name, **NEEDS.get(name, {})})
    assert spec.template == name
    assert spec.cycle_time.mean_s > 0


@pytest.mark.parametrize("name", catalog.names())
def test_every_default_says_where_its_number_comes_from(name):
    template = catalog.template(name)
    assert set(template.defaults) - {"kind"} <= set(template.sources), "a default without a source"
    for key, source in template.sources.items():
        assert SOURCE_MARK.search(source), f"{name}.{key}: {source!r} names no source tag, section or 'assumption'"


def test_the_catalogue_covers_the_process_chain():
    chain = {
        "electrode": ["mixing", "coating_drying", "calendering", "slitting", "vacuum_drying"],
        "assembly": ["winding", "can_welding", "filling", "crimping"],
        "finishing": ["wetting", "formation", "aging", "eol_test", "grading"],
    }
    for area, steps in chain.items():
        for step in steps:
            assert catalog.template(step).area == area
    assert {t.name for t in catalog.CATALOG.values() if t.optional} == {"notching", "stacking", "degassing"}


def test_file_keys_win_and_nested_ones_replace_the_template_whole():
    spec = validate_station({
        "name": "w", "template": "filling", "yield": 0.95, "cycle_time": "3 s", "failures": None, "machines": 2,
    })
    assert spec.yield_ == 0.95 and spec.machines == 2 and spec.failures is None
    assert spec.cycle_time.dist == "constant" and spec.cycle_time.mean_s == 3.0  # no 'cv' or 'per' leaks in
    untouched = validate_station({"name": "w", "template": "filling"})
    assert untouched.yield_ == 0.99 and untouched.failures is not None and untouched.cycle_time.per == "cell"
    by_field_name = validate_station({"name": "w", "template": "filling", "yield_": 0.5})
    assert by_field_name.yield_ == 0.5


def test_a_template_does_not_change_the_catalogue():
    validate_station({"name": "w", "template": "winding", "cycle_time": "1 s", **NEEDS["winding"]})
    assert catalog.template("winding").defaults["cycle_time"]["mean"] == "3.75 s"


LINE = """\
name: t
run: {{length: 1 d}}
sources: [{{name: s, to: a, release: saturated}}]
stations:
  - {{name: a, template: can_welding}}
  - {{name: b, template: {template}, machines: 3}}
"""


def test_an_unknown_template_names_the_closest_one_and_the_line():
    with pytest.raises(ScenarioError) as error:
        parse_model(LINE.format(template="formaton"), Scenario)
    assert error.value.messages == [
        "<text>:6: stations[1].template: unknown template 'formaton' (did you mean 'formation'?)"]


def test_a_template_round_trips_through_yaml():
    scenario = parse_model(LINE.format(template="eol_test"), Scenario)
    text = yaml.safe_dump(scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True), sort_keys=False)
    assert "template: eol_test" in text
    again = parse_model(text, Scenario)
    assert again == scenario and again.content_hash() == scenario.content_hash()


def test_the_schema_describes_the_template_key():
    described = Scenario.model_json_schema(by_alias=True)["$defs"]["MachineStationSpec"]["properties"]["template"]
    assert "catalogue" in described["description"] and "formation" in described["description"]


# -- base: a what-if over another file -----------------------------------------------------------
BASE = """\
name: base-line
description: the base
calendar: {shifts_per_day: 3}
run: {length: 2 d, seed: 5}
sources: [{name: s, to: a, release: saturated}]
stations:
  - {name: a, cycle_time: 1 min}
  - {name: b, cycle_time: 2 min, buffer: 4, yield: 0.9}
  - {name: c, cycle_time: 30 s}
"""


def _files(tmp_path: Path, **texts: str) -> Path:
    for name, text in texts.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_what_if_changes_only_what_it_lists(tmp_path):
    _files(tmp_path, base=BASE, whatif="""\
base: base.yaml
name: more-buffer
calendar: {shifts_per_day: 2}
stations:
  - {name: b, buffer: 40}
""")
    base, whatif = load_scenario(tmp_path / "base.yaml"), load_scenario(tmp_path / "whatif.yaml")
    assert whatif.name == "more-buffer" and whatif.description == "the base"
    assert whatif.calendar.shifts_per_day == 2 and whatif.run == base.run
    assert whatif.station("b").buffer == 40 and whatif.station("b").yield_ == 0.9
    assert [s.name for s in whatif.stations] == ["a", "b", "c"]
    unchanged = whatif.model_copy(update={
        "name": base.name, "calendar": base.calendar,
        "stations": tuple(base.stations[i] if s.name != "b" else s.model_copy(update={"buffer": 4})
                          for i, s in enumerate(whatif.stations)),
    })
    assert unchanged == base


def test_a_what_if_key_replaces_a_station_key_whole_and_null_removes_it(tmp_path):
    _files(tmp_path, base=BASE, whatif="""\
base: base.yaml
calendar: null
stations:
  - {name: a, cycle_time: {dist: exponential, mean: 2 min}}
  - {name: b, buffer: null}
""")
    whatif = load_scenario(tmp_path / "whatif.yaml")
    assert whatif.calendar is None and whatif.station("b").buffer is None
    assert whatif.station("a").cycle_time.dist == "exponential"


def test_what_ifs_chain_and_paths_are_relative_to_the_file(tmp_path):
    (tmp_path / "lines").mkdir()
    _files(tmp_path / "lines", base=BASE)
    _files(tmp_path, first="base: lines/base.yaml\nstations: [{name: c, cycle_time: 10 s}]\n",
           second="base: first.yaml\nrun: {seed: 9}\n")
    second = load_scenario(tmp_path / "second.yaml")
    assert second.run.seed == 9 and second.run.length == 2 * 86400
    assert second.station("c").cycle_time.mean_s == 10.0


def test_a_missing_base_file_is_named(tmp_path):
    _files(tmp_path, whatif="name: x\nbase: nowhere.yaml\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(tmp_path / "whatif.yaml")
    [message] = error.value.messages
    assert message.startswith(f"{tmp_path / 'whatif.yaml'}:2: base: no such file 'nowhere.yaml'")


def test_a_cycle_of_bases_is_refused(tmp_path):
    _files(tmp_path, a="base: b.yaml\n", b="base: c.yaml\n", c="base: a.yaml\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(tmp_path / "a.yaml")
    [message] = error.value.messages
    assert "cycle (a.yaml -> b.yaml -> c.yaml -> a.yaml)" in message
    _files(tmp_path, itself="base: itself.yaml\n")
    with pytest.raises(ScenarioError, match=r"cycle \(itself.yaml -> itself.yaml\)"):
        load_scenario(tmp_path / "itself.yaml")


def test_a_what_if_cannot_add_a_station_and_hears_the_closest_name(tmp_path):
    _files(tmp_path, base=BASE, whatif="base: base.yaml\nstations:\n  - {name: bb, buffer: 1}\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(tmp_path / "whatif.yaml")
    [message] = error.value.messages
    assert message.startswith(f"{tmp_path / 'whatif.yaml'}:3: stations[0].name: the base has no station 'bb'")
    assert "(did you mean 'b'?)" in message


def test_errors_point_into_the_file_that_holds_them(tmp_path):
    _files(tmp_path, base=BASE.replace("buffer: 4", "buffer: -4"), whatif="base: base.yaml\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(tmp_path / "whatif.yaml")
    assert error.value.messages[0].startswith(f"{tmp_path / 'base.yaml'}:8: stations[1].buffer:")
    _files(tmp_path, base=BASE, whatif="base: base.yaml\n\nstations:\n  - {name: c, buffer: -1}\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(tmp_path / "whatif.yaml")
    assert error.value.messages[0].startswith(f"{tmp_path / 'whatif.yaml'}:4: stations[2].buffer:")


def test_base_needs_a_file_to_be_relative_to():
    with pytest.raises(ScenarioError, match="only a scenario file can name a base"):
        parse_model("base: x.yaml\nname: y\n", Scenario)

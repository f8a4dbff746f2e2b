"""Station specs are a discriminated union keyed by `kind` (a template's kind when the file gives
none, machine by default), and every error carries its key in pydantic's own `loc`: a field of one
kind, a check across two fields, and a cross-reference between specs alike."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from twin.spec.errors import SPEC_ERROR
from twin.spec.scenario import (
    AssemblyStationSpec, BatchStationSpec, DwellStationSpec, MachineStationSpec, Scenario, field_path,
    validate_station,
)
from twin.spec.yaml_io import ScenarioError, parse_model

SOURCE = [{"name": "s", "to": "a", "release": "saturated"}]


def _scenario(*stations: dict) -> dict:
    return {"name": "t", "run": {"length": "1 d"}, "sources": SOURCE, "stations": list(stations)}


def _only_error(data: dict) -> dict:
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    # (a list whose only item failed is also reported as too short: the loader drops that one)
    [error] = [e for e in info.value.errors(include_url=False) if e["type"] != "too_short"]
    return error


@pytest.mark.parametrize("station, spec_class", [
    ({"name": "a", "cycle_time": "1 h"}, MachineStationSpec),
    ({"name": "a", "kind": "batch", "batch": {"max": 4}, "cycle_time": "1 h"}, BatchStationSpec),
    ({"name": "a", "kind": "dwell", "capacity": 3, "cycle_time": "1 h"}, DwellStationSpec),
    ({"name": "a", "template": "aging", "capacity": 9}, DwellStationSpec),  # the template's kind
    ({"name": "a", "template": "formation", "batch": {"max": 64}}, BatchStationSpec),
    ({"name": "a", "template": "eol_test"}, MachineStationSpec),
])
def test_a_station_is_the_kind_it_or_its_template_names_else_a_machine(station, spec_class):
    assert type(validate_station(station)) is spec_class


def test_a_cross_reference_error_names_its_key_in_the_loc():
    error = _only_error(_scenario({"name": "a", "cycle_time": "1 h", "next": "nowhere"}))
    assert error["loc"] == ("stations", 0, "next") and error["type"] == SPEC_ERROR
    assert error["msg"].startswith("unknown station 'nowhere'")


def test_a_check_across_two_fields_names_the_field_it_is_about():
    error = _only_error(_scenario({"name": "a", "kind": "batch", "batch": {"max": 4}, "buffer": 2, "cycle_time": "1 h"}))
    assert field_path(error["loc"]) == ("stations", 0, "buffer") and "full batch (4)" in error["msg"]


@pytest.mark.parametrize("key, value, words", [
    ("failures", {"ttf": "1 d", "ttr": "1 h"}, "does not fail"),
    ("machines", 2, "'capacity', not 'machines'"),
    ("split", 2, "does not support 'split'"),
])
def test_a_key_of_another_kind_is_refused_at_its_own_location(key, value, words):
    error = _only_error(_scenario({"name": "a", "kind": "dwell", "capacity": 2, "cycle_time": "1 h", key: value}))
    assert field_path(error["loc"]) == ("stations", 0, key) and words in error["msg"]


def test_batch_rules_on_a_machine_name_the_kinds_they_belong_to():
    error = _only_error(_scenario({"name": "a", "cycle_time": "1 h", "batch": {"max": 2}}))
    assert field_path(error["loc"]) == ("stations", 0, "batch")
    assert error["msg"] == "'batch' applies to batch stations only (this one is machine)"


def test_an_unknown_kind_is_reported_on_the_kind_key_with_its_line():
    text = "name: t\nrun: {length: 1 d}\nsources: [{name: s, to: a, release: saturated}]\nstations:\n" \
           "  - name: a\n    kind: oven\n    cycle_time: 1 h\n"
    with pytest.raises(ScenarioError) as info:
        parse_model(text, Scenario)
    [message] = info.value.messages
    assert message.startswith("<text>:6: stations[0].kind: kind must be one of: machine, batch, dwell, assembly")


def test_an_old_dump_with_every_kind_s_keys_as_null_still_loads():
    """Results stored before the union hold flat station dumps (capacity: null on a machine)."""
    old = {"name": "a", "kind": "machine", "cycle_time": "1 h", "capacity": None, "batch": None,
           "inputs": None, "cells_out": None, "product": None}
    assert type(validate_station(old)) is MachineStationSpec
    dwell = {"name": "a", "kind": "dwell", "capacity": 2, "cycle_time": "1 h", "machines": None, "failures": None}
    assert type(validate_station(dwell)) is DwellStationSpec


def test_an_assembly_needs_its_inputs_and_cells_out():
    with pytest.raises(ValidationError) as info:
        validate_station({"name": "w", "kind": "assembly", "cycle_time": "1 s"})
    missing = {field_path(e["loc"]) for e in info.value.errors()}
    assert missing == {("inputs",), ("cells_out",)} or {loc[-1] for loc in missing} == {"inputs", "cells_out"}
    assert type(validate_station({"name": "w", "kind": "assembly", "cycle_time": "1 s", "inputs": {"s": 1},
                                  "cells_out": 2})) is AssemblyStationSpec

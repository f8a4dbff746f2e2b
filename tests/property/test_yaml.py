"""Scenario files: a scenario survives the trip to YAML and back, and bad input of any kind ends in
a ScenarioError whose messages point at the problem (file line and field path) - and, through the
`twin` command, in exit code 2 without a traceback.

Bad inputs are made by mutating valid generated scenarios: a required key dropped, a key
misspelled, a bare number where a duration is expected, a negative value, a reference to a station
that does not exist; plus arbitrary text and arbitrary YAML structures.
"""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import assume, example, given
from hypothesis import strategies as st

from twin.cli.main import main
from twin.spec.scenario import Scenario
from twin.spec.units import parse_duration
from twin.spec.yaml_io import ScenarioError, parse_model

from tests.property.strategies import bounded, scenario_dicts

pytestmark = pytest.mark.slow  # hypothesis searches: CI runs them, the fast loop (-m "not slow") does not

WHERE = re.compile(r"^<text>:(\d+): (\S.*?): ")  # "<text>:LINE: field.path: what is wrong"


# -- round trip ---------------------------------------------------------------------------------
def _dump(scenario: Scenario, **options) -> str:
    return yaml.safe_dump(scenario.model_dump(mode="json", by_alias=True, **options), sort_keys=False, allow_unicode=True)


@bounded(60)
@given(data=scenario_dicts(warmup=True) | scenario_dicts())
def test_yaml_round_trip_without_defaults(data):
    scenario = Scenario.model_validate(data)
    again = parse_model(_dump(scenario, exclude_defaults=True), Scenario)
    assert again == scenario
    assert again.content_hash() == scenario.content_hash()
    # and the written form is a fixed point
    assert _dump(again, exclude_defaults=True) == _dump(scenario, exclude_defaults=True)


@bounded(50)
@given(data=scenario_dicts())
def test_yaml_round_trip_of_the_full_dump(data):
    """model_dump() with every default written out (what a store or the dashboard would save)."""
    scenario = Scenario.model_validate(data)
    again = parse_model(_dump(scenario), Scenario)
    assert again == scenario
    assert again.content_hash() == scenario.content_hash()


# -- mutations ----------------------------------------------------------------------------------
def _paths(value, prefix=()):
    """Every path to a mapping key or list item in `value`, with the value there."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield prefix + (key,), child
        yield from _paths(child, prefix + (key,))


def _parent(data, path):
    for part in path[:-1]:
        data = data[part]
    return data


def _format(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _is_duration(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_duration(value)
        return True
    except ValueError:
        return False


def _invalid(data) -> bool:
    try:
        Scenario.model_validate(data)
        return False
    except Exception:
        return True


FIELD_NAMES = {"name", "description", "product", "run", "sources", "stations", "cells_per_lot", "wh_per_cell",
               "warmup", "length", "replications", "seed", "to", "release", "interarrival", "conwip", "max_lots",
               "ttf", "ttr", "clock", "fraction", "min", "max", "kind", "machines", "buffer", "cycle_time",
               "failures", "yield", "rework", "next", "batch", "capacity", "per", "dist", "value", "mean", "low",
               "high", "mode", "cv", "shape", "scale", "values"}


@st.composite
def misspellings(draw, key: str) -> str:
    i = draw(st.integers(0, max(0, len(key) - 1)))
    how = draw(st.sampled_from(["drop", "double", "swap", "insert", "upper"]))
    if how == "drop" and len(key) > 1:
        new = key[:i] + key[i + 1:]
    elif how == "swap" and i + 1 < len(key):
        new = key[:i] + key[i + 1] + key[i] + key[i + 2:]
    elif how == "insert":
        new = key[:i] + draw(st.sampled_from("aeiouxz_")) + key[i:]
    elif how == "upper":
        new = key.capitalize() if key[:1].islower() else key + "s"
    else:
        new = key[:i + 1] + key[i:]
    return new


@st.composite
def mutated(draw):
    """(kind, mutated scenario dict, path of the change) for an invalid variant of a valid scenario."""
    data = draw(scenario_dicts(max_stations=4))
    bad = copy.deepcopy(data)
    kind = draw(st.sampled_from(["drop", "misspell", "bare number", "negative"]))
    paths = list(_paths(bad))
    original = None
    if kind == "drop":
        path = draw(st.sampled_from([p for p, _ in paths if isinstance(p[-1], str)]))
        del _parent(bad, path)[path[-1]]
    elif kind == "misspell":
        path = draw(st.sampled_from([p for p, _ in paths if isinstance(p[-1], str)]))
        new = draw(misspellings(path[-1]))
        assume(new not in FIELD_NAMES)
        parent = _parent(bad, path)
        original = path[-1]
        parent[new] = parent.pop(original)
        path = path[:-1] + (new,)
    elif kind == "bare number":
        path = draw(st.sampled_from([p for p, v in paths if _is_duration(v)]))
        seconds = parse_duration(_parent(bad, path)[path[-1]])
        _parent(bad, path)[path[-1]] = draw(st.sampled_from([seconds, int(seconds), seconds / 3600]))
    else:
        numbers = [p for p, v in paths if (isinstance(v, (int, float)) and not isinstance(v, bool)) or _is_duration(v)]
        path = draw(st.sampled_from(numbers))
        value = _parent(bad, path)[path[-1]]
        if isinstance(value, str):
            new_value = draw(st.sampled_from(["-5 min", "-1 s", "-0.5 h"]))
        elif isinstance(value, int):
            new_value = draw(st.integers(-10, -1))
        else:
            new_value = draw(st.sampled_from([-0.5, -1.0, -1e-3]))
        _parent(bad, path)[path[-1]] = new_value
    assume(_invalid(bad))
    return kind, bad, path, original


def _messages(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_model(text, Scenario)
    messages = info.value.messages
    assert messages and all(isinstance(m, str) and m for m in messages)
    assert str(info.value) == "\n".join(messages)
    return messages


@bounded(80)
@given(case=mutated())
def test_bad_scenarios_give_errors_naming_line_and_field(case):
    kind, bad, path, original = case
    text = yaml.safe_dump(bad, sort_keys=False, allow_unicode=True)
    messages = _messages(text)
    lines = text.count("\n") + 1
    for message in messages:
        where = WHERE.match(message)
        assert where, message
        assert 1 <= int(where.group(1)) <= lines, message
    # the field: its parent at least (a missing or wrong key can make the parent invalid as a whole;
    # a wrong list item, the spec holding the list)
    owner = path[:-2] if isinstance(path[-1], int) else path[:-1]
    parent = _format(owner) or str(path[-1])
    assert any(parent in m for m in messages), (parent, messages)
    if kind == "misspell" and original != "dist":
        # (without its 'dist' tag a distribution is not one of the kinds, so its other keys are not
        # checked: the message names the missing tag instead)
        assert any(f"unknown key {path[-1]!r}" in m for m in messages), messages


ONE_STATION = "name: x\nrun: {length: 10 h}\nsources: [{name: s, to: a, release: saturated}]\nstations: [%s]\n"


@pytest.mark.parametrize("cycle_time, field", [
    ("{dist: empirical, values: [-5 min]}", "stations[0].cycle_time"),  # found by hypothesis (ttr.values)
    ("{dist: uniform, low: 2 h, high: 1 h}", "stations[0].cycle_time"),
    ("{dist: triangular, low: 1 h, mode: 3 h, high: 2 h}", "stations[0].cycle_time"),
])
def test_distribution_errors_name_the_field_as_written(cycle_time, field):
    messages = _messages(ONE_STATION % f"{{name: a, cycle_time: {cycle_time}}}")
    assert any(WHERE.match(m) and WHERE.match(m).group(2) == field for m in messages), messages


@pytest.mark.parametrize("station", [
    "{name: a, cycle_time: {dist: exponential, mean: 1 h, bogus: 1}}",
    "{name: a, cycle_time: 3600}",
    "{name: a, machines: -1, cycle_time: 1 h}",
])
def test_one_bad_item_is_not_reported_as_an_empty_list(station):
    messages = _messages(ONE_STATION % station)
    assert not any("at least 1 item" in m for m in messages), messages


@st.composite
def unknown_references(draw):
    data = draw(scenario_dicts(max_stations=4))
    bad = copy.deepcopy(data)
    names = {s["name"] for s in data["stations"]}
    target = draw(st.sampled_from(["nowhere", "Exit", "winding2"] + [n + "x" for n in sorted(names)]))
    assume(target not in names)
    places = [("sources", i, "to") for i in range(len(bad["sources"]))]
    places += [("stations", i, "next") for i in range(len(bad["stations"]))]
    places += [("stations", i, "rework", "to") for i, s in enumerate(bad["stations"]) if "rework" in s]
    path = draw(st.sampled_from(places))
    _parent(bad, path)[path[-1]] = target
    return bad, path, target


@bounded(40)
@given(case=unknown_references())
def test_unknown_station_references_are_named(case):
    bad, path, target = case
    messages = _messages(yaml.safe_dump(bad, sort_keys=False))
    assert any(repr(target) in m and "unknown station" in m for m in messages), messages
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    assert any(f": {field}: " in m for m in messages), messages  # e.g. "sources[0].to: unknown station ..."


def _key_line(text: str, path) -> int:
    """1-based line of the key at `path` in YAML `text`."""
    node = yaml.compose(text)
    line = None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    line, node = key.start_mark.line + 1, value
                    break
        else:
            node = node.value[part]
    return line


@bounded(20, shrink=False)
@given(case=unknown_references())
def test_unknown_station_references_point_at_their_line(case):
    bad, path, target = case
    text = yaml.safe_dump(bad, sort_keys=False)
    messages = _messages(text)
    line = _key_line(text, path)
    assert any(m.startswith(f"<text>:{line}: ") and repr(target) in m for m in messages), (line, messages)


# -- arbitrary input ----------------------------------------------------------------------------
yaml_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
yaml_trees = st.recursive(
    yaml_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10) | st.integers(), children, max_size=4),
    max_leaves=20,
)


@bounded(100)
@given(text=st.text(max_size=200))
@example("")
@example("- a\n- b")
@example("just a string")
@example("name: [unclosed")
@example("\tname: x")
@example("name: x\n  bad indent: y")
@example("1: 2\nnull: 3\n.nan: 4")
@example("? [a, b]\n: c")
def test_any_text_is_a_scenario_error(text):
    messages = _messages(text)
    assert all(m.startswith("<text>") for m in messages), messages


@bounded(60)
@given(tree=yaml_trees | st.dictionaries(st.sampled_from(sorted(FIELD_NAMES)), yaml_trees, max_size=6))
def test_any_yaml_structure_is_a_scenario_error(tree):
    text = yaml.safe_dump(tree)
    try:
        parse_model(text, Scenario)
    except ScenarioError as error:
        assert all(m.startswith("<text>") for m in error.messages)
        if not isinstance(tree, dict):
            assert any("expected a mapping" in m for m in error.messages)


@pytest.mark.parametrize("text", ["&a [*a]", "name: &a {x: *a}\nrun: {length: 1 h}"])
def test_recursive_yaml_alias_is_a_scenario_error(text):
    try:
        parse_model(text, Scenario)
    except ScenarioError:
        return
    except RecursionError:
        failed = "RecursionError"  # (re-raised without its 1,000 frames, which pytest takes 30 s to format)
    else:
        failed = "no error"
    raise AssertionError(f"{text!r}: {failed} instead of ScenarioError")


VALID = """\
name: tiny
run: {length: %s}
sources: [{name: src, to: a, release: saturated}]
stations: [{name: a, cycle_time: %s}]
"""


@pytest.mark.parametrize("length, cycle", [("1e999 h", "1 h"), ("10 h", "1e400 s")])
def test_infinite_durations_are_rejected(length, cycle):
    messages = _messages(VALID % (length, cycle))
    assert any("run.length" in m or "cycle_time" in m for m in messages)


# -- through the command line -------------------------------------------------------------------
def _invoke(args: list[str], content: bytes) -> "object":
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bad.yaml"
        path.write_bytes(content)
        return CliRunner().invoke(main, [args[0], str(path), *args[1:]])


def _assert_clean_user_error(result) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "error" in result.output.lower()


@bounded(40)
@given(case=mutated(), command=st.sampled_from([["validate"], ["run"], ["run", "--json", "-r", "1"]]))
def test_cli_rejects_bad_scenarios_with_exit_code_2(case, command):
    _, bad, _, _ = case
    result = _invoke(command, yaml.safe_dump(bad, sort_keys=False, allow_unicode=True).encode())
    _assert_clean_user_error(result)
    assert result.stdout == ""  # nothing on stdout unless complete


@bounded(40)
@given(content=st.binary(max_size=200) | st.text(max_size=200).map(str.encode), command=st.sampled_from(["validate", "run"]))
@example(b"\xff\xfe\x00garbage", "validate")
@example(b"", "run")
def test_cli_rejects_garbage_files_with_exit_code_2(content, command):
    _assert_clean_user_error(_invoke([command], content))

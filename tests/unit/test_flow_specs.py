"""The YAML of issue 12 (named calendars, regroup, by_product, max_wait/on_expiry, routed `next`)
loads as written, and each mistake is reported at its own key through pydantic's loc."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from twin.sim.engine import simulate
from twin.spec.scenario import Scenario, field_path
from twin.spec.yaml_io import ScenarioError, parse_model

FIXED_FORMAT = """\
name: issue 12 format
products: [{name: power, cells_per_lot: 4}, {name: energy, cells_per_lot: 4}]
calendars:
  electrode: {shifts_per_day: 3, shift_length: 8 h, days_per_week: 6}
  assembly:  {shifts_per_day: 2, shift_length: 8 h, days_per_week: 5}
run: {length: 2 wk, replications: 2}
sources: [{name: s, to: crimping, interarrival: 10 min, mix: {power: 1, energy: 1}}]
stations:
  - name: crimping
    cycle_time: 1 min
    calendar: assembly
    regroup: 16
  - name: formation
    cycle_time: 10 h
    by_product:
      power: {cycle_time: 14 h, yield: 0.985}
      energy: {cycle_time: 20 h}
    machines: 200
  - name: winding
    cycle_time: 1 min
    max_wait: 48 h
    calendar: electrode
  - name: ocv_check
    cycle_time: 1 min
    next: {aging_exit: 0.97, retest: 0.03}
  - {name: retest, cycle_time: 5 min, next: exit}
  - {name: aging_exit, cycle_time: 1 s, next: exit}
"""


def _error(data_change: str, old: str) -> dict:
    with pytest.raises(ValidationError) as info:
        parse = __import__("yaml").safe_load(FIXED_FORMAT.replace(old, data_change))
        Scenario.model_validate(parse)
    [error] = [e for e in info.value.errors(include_url=False) if e["type"] != "too_short"]
    return {"loc": field_path(tuple(error["loc"])), "msg": error["msg"]}


def test_the_fixed_format_loads_and_means_what_the_issue_says():
    scenario = parse_model(FIXED_FORMAT, Scenario)
    crimping, formation, winding, check = scenario.stations[:4]
    assert crimping.regroup == 16 and scenario.calendar_of(crimping) == scenario.calendars["assembly"]
    assert formation.for_product("power").cycle_time.mean_s == 14 * 3600
    assert formation.for_product("power").yield_ == 0.985 and formation.for_product("energy").yield_ == 1.0
    assert formation.for_product("energy").cycle_time.mean_s == 20 * 3600
    assert winding.max_wait == 48 * 3600 and scenario.calendar_of(winding) == scenario.calendars["electrode"]
    assert scenario.routes_of(3) == {"aging_exit": 0.97, "retest": 0.03}
    assert scenario.calendar_of(scenario.station("retest")) is None  # no `calendar:`: round the clock


def test_each_station_follows_its_named_calendar():
    model, _ = simulate(parse_model(FIXED_FORMAT, Scenario), 0)
    crimping = model.stations["crimping"].state_seconds(model.env.now)
    winding = model.stations["winding"].state_seconds(model.env.now)
    share_off = lambda s: s[5] / sum(s)  # noqa: E731 (off_shift)
    assert share_off(crimping) == pytest.approx(1 - 2 * 8 * 5 / (24 * 7), abs=0.01)  # 80 of 168 h on
    assert share_off(winding) == pytest.approx(1 - 3 * 8 * 6 / (24 * 7), abs=0.01)  # 144 of 168 h on


@pytest.mark.parametrize("old, new, loc, words", [
    ("{aging_exit: 0.97, retest: 0.03}", "{aging_exit: 0.9, retest: 0.03}", ("stations", 3, "next"), "sum to 0.93"),
    ("{aging_exit: 0.97, retest: 0.03}", "{aging_exitt: 0.97, retest: 0.03}", ("stations", 3, "next", "aging_exitt"),
     "did you mean 'aging_exit'"),
    ("energy: {cycle_time: 20 h}", "energy: {machines: 3}", ("stations", 1, "by_product", "energy", "machines"),
     "cannot differ by product"),
    ("energy: {cycle_time: 20 h}", "energy: {cycle_time: -2 h}", ("stations", 1, "by_product", "energy", "cycle_time"),
     ""),
    ("energy: {cycle_time: 20 h}", "enrgy: {cycle_time: 20 h}", ("stations", 1, "by_product", "enrgy"),
     "unknown product 'enrgy'"),
    ("calendar: electrode", "calendar: electrod", ("stations", 2, "calendar"), "did you mean 'electrode'"),
    ("max_wait: 48 h", "on_expiry: retest", ("stations", 2, "on_expiry"), "needs a 'max_wait'"),
    ("max_wait: 48 h", "max_wait: 48 h\n    on_expiry: redry", ("stations", 2, "on_expiry"), "unknown station"),
])
def test_a_mistake_is_reported_at_its_key(old, new, loc, words):
    error = _error(new, old)
    assert error["loc"][:len(loc)] == loc and words in error["msg"], error


def test_a_dwell_store_does_not_regroup():
    error = _error("  - {name: aging_exit, kind: dwell, capacity: 5, cycle_time: 1 s, next: exit, regroup: 4}",
                   "  - {name: aging_exit, cycle_time: 1 s, next: exit}")
    assert error["loc"] == ("stations", 5, "regroup") and "does not support 'regroup'" in error["msg"]


def test_lots_whose_q_time_runs_out_go_to_on_expiry_instead_of_scrap():
    """Crimping works 80 of 168 h a week, so lots released overnight wait longer than 1 h."""
    scrapped = parse_model(FIXED_FORMAT.replace("regroup: 16", "regroup: 16\n    max_wait: 1 h"), Scenario)
    model, _ = simulate(scrapped, 0)
    expired = model.stations["crimping"].monitor.expired
    assert expired > 0 and model.line.cells(model.line.scrapped) >= expired
    routed = parse_model(FIXED_FORMAT.replace("regroup: 16", "regroup: 16\n    max_wait: 1 h\n    on_expiry: retest"),
                         Scenario)
    model, _ = simulate(routed, 0)
    assert model.stations["crimping"].monitor.expired == 0  # routed, not scrapped
    assert model.stations["retest"].monitor.cells_in >= expired / 2  # (the same lots, give or take the mix)


def test_the_yaml_loader_names_the_line_of_a_by_product_mistake():
    with pytest.raises(ScenarioError) as info:
        parse_model(FIXED_FORMAT.replace("energy: {cycle_time: 20 h}", "energy: {machines: 3}"), Scenario)
    [message] = info.value.messages
    assert message.startswith("<text>:17: stations[1].by_product.energy.machines: 'machines' cannot differ")

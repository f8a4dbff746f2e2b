"""Properties of ramp-up (issue 14): a constant ramp is the plain parameter, periods partition the
run's output, and ramped stations conserve cells."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conservation import assert_units_conserved
from tests.property.strategies import bounded, durations, replications, scenario_dicts
from twin.sim.engine import run_replication, simulate
from twin.spec.scenario import Scenario

pytestmark = pytest.mark.slow  # hypothesis searches: CI runs them, the fast loop does not


@st.composite
def _xs(draw, by: str, count: int) -> list[Any]:
    """Strictly increasing first-column values: durations (by: time) or cell counts (by: cells)."""
    if by == "time":
        hours = draw(st.lists(st.integers(0, 400), min_size=count, max_size=count, unique=True).map(sorted))
        return [f"{h} h" for h in hours]
    return draw(st.lists(st.integers(0, 5000), min_size=count, max_size=count, unique=True).map(sorted))


@st.composite
def _curve(draw, by: str, values) -> list[list[Any]]:
    count = draw(st.integers(1, 4))
    xs = draw(_xs(by, count))
    return [[x, draw(values)] for x in xs]


@st.composite
def _with_ramps(draw, constant: bool) -> dict:
    """A scenario whose machine, batch and assembly stations get ramps (and some a late start); with
    `constant`, every curve holds the plain value (the station's yield, multipliers 1)."""
    data = draw(scenario_dicts(warmup=False))
    for station in data["stations"]:
        if draw(st.integers(0, 3)) == 0:
            continue
        by = draw(st.sampled_from(["time", "cells"]))
        ramp: dict[str, Any] = {"by": by}
        plain_yield = station.get("yield", 1.0)
        if not station.get("by_product") or not constant:
            ramp["yield"] = draw(_curve(by, st.just(plain_yield) if constant
                                        else st.sampled_from([0.3, 0.6, 0.9, 0.99, 1.0])))
        if draw(st.booleans()):
            ramp["speed"] = draw(_curve(by, st.just(1.0) if constant else st.sampled_from([0.25, 0.5, 1.0, 1.5])))
        if station.get("failures"):
            for key in ("mtbf", "mttr"):
                if draw(st.booleans()):
                    ramp[key] = draw(_curve(by, st.just(1.0) if constant else st.sampled_from([0.2, 1.0, 3.0])))
        if len(ramp) > 1:
            station["ramp"] = ramp
        if not constant and station.get("kind") != "dwell" and draw(st.integers(0, 3)) == 0:
            station["start"] = draw(durations(3600, 100 * 3600))
    return data


def _plain(data: dict) -> dict:
    stripped = json.loads(json.dumps(data))
    for station in stripped["stations"]:
        station.pop("ramp", None)
    return stripped


@bounded(40)
@given(data=_with_ramps(constant=True), replication=replications())
def test_a_constant_ramp_equals_the_plain_parameter_value_for_value(data, replication):
    ramped = run_replication(Scenario.model_validate(data), replication)
    plain = run_replication(Scenario.model_validate(_plain(data)), replication)
    assert ramped.model_dump_json() == plain.model_dump_json()


@bounded(40)
@given(data=_with_ramps(constant=False), replication=replications(), warm=st.booleans(),
       period_h=st.integers(5, 120))
def test_periods_partition_the_good_cells_of_the_run(data, replication, warm, period_h):
    length_h = Scenario.model_validate(data).run.length / 3600
    data["run"]["period"] = f"{min(period_h, length_h)!r} h"  # a period longer than the run is refused
    if warm:
        data["run"]["warmup"] = "20 h"
    result = run_replication(Scenario.model_validate(data), replication)
    assert result.periods
    assert sum(p.kpis.good_cells for p in result.periods) == result.line.good_cells
    assert sum(p.kpis.scrapped_cells for p in result.periods) == result.line.scrapped_cells
    assert result.periods[0].start_h == pytest.approx(20.0 if warm else 0.0)
    for before, after in zip(result.periods, result.periods[1:]):
        assert before.end_h == after.start_h


@bounded(40)
@given(data=_with_ramps(constant=False), replication=replications())
def test_ramped_stations_conserve_cells(data, replication):
    model, _ = simulate(Scenario.model_validate(data), replication)
    assert_units_conserved(model)

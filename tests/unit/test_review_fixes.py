"""Edge cases found in review: calendar failures that fall due off shift, batch machines waiting
across a shift end or repair, and dwell stores refusing what they cannot do."""

from __future__ import annotations

import pytest

from twin.sim.engine import run_replication
from twin.spec.scenario import Scenario


def scenario(stations, sources, **extra) -> Scenario:
    return Scenario.model_validate({
        "name": "edge", "run": {"warmup": "0 h", "length": "4 wk", "replications": 1, "seed": 3},
        "sources": sources, "stations": stations, **extra,
    })


def test_a_failure_due_overnight_costs_its_repair_not_the_night():
    """Found in the morning, a calendar failure is repaired (1 min) and the job takes its 1 h."""
    failing = {"name": "m", "cycle_time": "1 h",
               "failures": {"ttf": "12 h", "ttr": "1 min", "clock": "calendar"}}
    s = scenario([failing], [{"name": "s", "to": "m", "release": "saturated"}], calendar={"shifts_per_day": 1})
    result = run_replication(s, 0)
    # 28 shifts of 8 h; at most one job per failure is cut short by its 1 min repair
    assert result.line.good_cells >= 28 * 7
    assert result.stations["m"].performance == pytest.approx(1.0, abs=0.01)


def test_a_batch_machine_waiting_across_repairs_still_shows_batch_filling():
    batch = {"name": "oven", "kind": "batch", "batch": {"min": 2, "max": 2}, "cycle_time": "1 min"}
    arrivals = [{"name": "s", "to": "oven", "interarrival": "5 h"}]
    plain = run_replication(scenario([batch], arrivals), 0).stations["oven"].states
    failing = {**batch, "failures": {"ttf": "1 h", "ttr": "1 s", "clock": "calendar"}}
    with_failures = run_replication(scenario([failing], arrivals), 0).stations["oven"].states
    assert with_failures["waiting_batch"] == pytest.approx(plain["waiting_batch"], abs=0.01)


@pytest.mark.parametrize("key, value", [("split", 2), ("transfer_time", "1 h"), ("rework", {"fraction": 0.1, "to": "a"})])
def test_a_dwell_store_refuses_what_it_cannot_do(key, value):
    with pytest.raises(ValueError, match=f"does not support '{key}'"):
        scenario([{"name": "a", "cycle_time": "1 h"},
                  {"name": "rest", "kind": "dwell", "capacity": 5, "cycle_time": "1 d", key: value}],
                 [{"name": "s", "to": "a", "release": "saturated"}])

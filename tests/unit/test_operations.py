"""Shift calendars, repair crews, products and changeovers, assembly, splitting and transfers, on
small lines whose result is known in advance."""

from __future__ import annotations

import pytest

from tests.conservation import assert_units_conserved
from twin.sim.engine import run_replication, simulate
from twin.spec.scenario import Scenario


def line(stations, sources, length="4 wk", **extra) -> Scenario:
    """The window starts 30 s in, so no completion falls on its edges (1-minute and whole-hour cycles)."""
    return Scenario.model_validate({
        "name": "ops", "run": {"warmup": "30 s", "length": length, "replications": 1, "seed": 11},
        "sources": sources, "stations": stations, **extra,
    })


SATURATED = [{"name": "supply", "to": "m", "release": "saturated"}]
ONE_MINUTE = [{"name": "m", "cycle_time": "1 min"}]


def throughput(s: Scenario) -> float:
    return run_replication(s, 0).line.throughput_per_h


# -- shift calendar -------------------------------------------------------------------------

def test_two_shifts_on_five_days_give_exactly_their_share_of_round_the_clock_output():
    round_the_clock = throughput(line(ONE_MINUTE, SATURATED))
    assert round_the_clock == pytest.approx(60.0)
    two_shifts = line(ONE_MINUTE, SATURATED, calendar={"shifts_per_day": 2, "days_per_week": 5})
    assert throughput(two_shifts) == pytest.approx(round_the_clock * (16 * 5) / (24 * 7))
    states = run_replication(two_shifts, 0).stations["m"].states
    assert states["off_shift"] == pytest.approx(1 - (16 * 5) / (24 * 7))
    assert sum(states.values()) == pytest.approx(1.0)


def test_third_shift_adds_half_of_two_shifts_output():
    two = throughput(line(ONE_MINUTE, SATURATED, calendar={"shifts_per_day": 2}))
    three = throughput(line(ONE_MINUTE, SATURATED, calendar={"shifts_per_day": 3}))
    assert three == pytest.approx(1.5 * two)


def test_breaks_maintenance_and_holidays_remove_their_time():
    calendar = {
        "shifts_per_day": 3,
        "breaks": [{"start": "4 h", "length": "30 min"}],
        "maintenance": [{"start": "2 d", "length": "4 h", "every": "1 wk"}],
        "holidays": [{"start": "14 d", "length": "1 d"}],
    }
    # 28 days less 84 breaks, 4 maintenance windows (each holding a night-shift break at 02:00) and
    # a holiday holding three breaks: time removed twice is only lost once
    on_hours = 28 * 24 - 84 * 0.5 - 4 * (4 - 0.5) - (24 - 3 * 0.5)
    assert throughput(line(ONE_MINUTE, SATURATED, calendar=calendar)) == pytest.approx(60 * on_hours / (28 * 24))


@pytest.mark.parametrize("finish_lot", [False, True])
def test_a_lot_in_process_at_shift_end_waits_or_is_finished(finish_lot):
    seven_minutes = [{"name": "m", "cycle_time": "7 min"}]
    s = line(seven_minutes, SATURATED, calendar={"shifts_per_day": 1, "finish_lot": finish_lot})
    states = run_replication(s, 0).stations["m"].states
    on_share = 8 / 24
    if finish_lot:  # 480 min is not a multiple of 7: the last lot of each shift runs 2 min past its end
        assert states["working"] == pytest.approx(on_share * 483 / 480)
    else:  # work stops exactly at the shift end and resumes at the next start
        assert states["working"] == pytest.approx(on_share)


def test_stations_off_the_calendar_run_round_the_clock():
    stations = [{"name": "m", "cycle_time": "1 min", "shifts": False}]
    s = line(stations, SATURATED, calendar={"shifts_per_day": 1})
    assert throughput(s) == pytest.approx(60.0)


# -- repair crews ---------------------------------------------------------------------------

def test_a_crew_on_shifts_repairs_only_during_shifts():
    failing = [{
        "name": "m", "cycle_time": "1 min", "shifts": False,
        "failures": {"ttf": {"dist": "exponential", "mean": "5 h"}, "ttr": "1 h", "repair_crew": "day_crew"},
    }]
    s = line(failing, SATURATED, length="8 wk", calendar={"shifts_per_day": 1},
             crews={"day_crew": {"size": 1, "shifts": True}})
    model, _ = simulate(s, 0)
    crew = model.crews["day_crew"]
    assert crew.repairs > 50
    result = run_replication(s, 0)
    # each repair takes 1 h of crew time; machines waiting overnight show up as repair waiting time
    assert result.crews["day_crew"].utilization == pytest.approx(crew.repairs * 3600 / (56 * 8 * 3600), rel=0.02)
    assert result.stations["m"].repair_wait_h > 1.0


# -- products and changeovers ---------------------------------------------------------------

TWO_PRODUCTS = [{"name": "energy", "wh_per_cell": 18}, {"name": "power", "wh_per_cell": 16}]
ALTERNATING = [{"name": "supply", "to": "m", "release": "saturated",
                "campaign": [{"product": "energy", "lots": 1}, {"product": "power", "lots": 1}]}]


def test_changeover_reduces_capacity_by_exactly_the_setup_share():
    s = line([{"name": "m", "cycle_time": "1 h", "setup": {"time": "30 min"}}], ALTERNATING, products=TWO_PRODUCTS)
    result = run_replication(s, 0)
    assert result.line.throughput_per_h == pytest.approx(1 / 1.5, rel=1e-3)
    assert result.stations["m"].states["setup"] == pytest.approx(1 / 3, rel=1e-3)
    assert result.products["energy"].throughput_per_h == pytest.approx(result.products["power"].throughput_per_h, abs=1 / 672)


def test_from_to_setup_table_applies_per_direction():
    setup = {"from_to": {"energy": {"power": "30 min"}, "power": {"energy": "1 h"}}}
    s = line([{"name": "m", "cycle_time": "1 h", "setup": setup}], ALTERNATING, products=TWO_PRODUCTS)
    assert throughput(s) == pytest.approx(2 / 3.5, rel=1e-3)


def test_campaigns_change_over_once_per_campaign():
    campaign = [{"name": "supply", "to": "m", "release": "saturated",
                 "campaign": [{"product": "energy", "lots": 9}, {"product": "power", "lots": 9}]}]
    s = line([{"name": "m", "cycle_time": "1 h", "setup": {"time": "1 h"}}], campaign, products=TWO_PRODUCTS)
    assert throughput(s) == pytest.approx(9 / 10, rel=1e-2)


def test_product_mix_is_released_in_its_shares():
    mix = [{"name": "supply", "to": "m", "release": "saturated", "mix": {"energy": 3, "power": 1}}]
    result = run_replication(line(ONE_MINUTE, mix, products=TWO_PRODUCTS), 0)
    energy, power = result.products["energy"].throughput_per_h, result.products["power"].throughput_per_h
    assert energy / (energy + power) == pytest.approx(0.75, abs=0.01)  # 40,320 lots: sd of the share is 0.002
    assert result.line.gwh_per_year == pytest.approx(
        result.products["energy"].gwh_per_year + result.products["power"].gwh_per_year
    )


# -- assembly, split, transfer --------------------------------------------------------------

def electrode_line(cathode_time="1 h", anode_time="30 min", split=None):
    winder = {"name": "winding", "kind": "assembly", "inputs": {"coat_c": 1, "coat_a": 2}, "cells_out": 100,
              "cycle_time": "10 min", "yield": 0.9}
    if split:
        winder["split"] = split
    return line(
        [
            {"name": "coat_c", "cycle_time": cathode_time, "next": "winding", "yield": 0.95},
            {"name": "coat_a", "cycle_time": anode_time, "next": "winding"},
            winder,
            {"name": "test", "cycle_time": "1 min"},
        ],
        [
            {"name": "cathode", "to": "coat_c", "release": "saturated", "material": "cathode_roll"},
            {"name": "anode", "to": "coat_a", "release": "saturated", "material": "anode_roll"},
        ],
        products=[{"name": "cell", "cells_per_lot": 10}],
    )


@pytest.mark.parametrize("cathode_time, anode_time", [("1 h", "30 min"), ("1 h", "20 min"), ("20 min", "1 h")])
def test_assembly_never_builds_more_than_its_scarcest_input_allows(cathode_time, anode_time):
    model, _ = simulate(electrode_line(cathode_time, anode_time), 0)
    line_ = model.line
    index = {item.name: i for i, item in enumerate(line_.items)}
    delivered = {
        "cathode_roll": model.stations["coat_c"].monitor.cells_out,
        "anode_roll": model.stations["coat_a"].monitor.cells_out,
    }
    jobs = line_.created[index["cell"]] // 100
    assert jobs <= min(delivered["cathode_roll"] // 1, delivered["anode_roll"] // 2)
    assert line_.consumed[index["cathode_roll"]] == jobs
    assert line_.consumed[index["anode_roll"]] == 2 * jobs
    # and it is not idle for want of anything else: the scarce input is used up to the last job or two
    assert min(delivered["cathode_roll"], delivered["anode_roll"] // 2) - jobs <= 2


@pytest.mark.parametrize("split", [None, 10, 7])
def test_units_are_conserved_through_assembly_and_split(split):
    model, _ = simulate(electrode_line(split=split), 0)
    assert_units_conserved(model)


def test_split_cuts_a_lot_into_trays():
    s = line(
        [{"name": "m", "cycle_time": "1 h", "split": 4}, {"name": "n", "cycle_time": "1 min"}],
        SATURATED, products=[{"name": "cell", "cells_per_lot": 32}],
    )
    model, _ = simulate(s, 0)
    jobs = model.stations["m"].monitor.processed_cells // 32
    assert model.stations["m"].monitor.lots_out == 4 * jobs  # every finished lot left as 4 trays
    assert model.line.good[0] == 8 * model.stations["n"].monitor.lots_out  # of 8 cells each


def test_transfer_time_adds_to_the_lead_time_without_a_machine():
    s = line(
        [{"name": "m", "cycle_time": "1 h", "transfer_time": "30 min"}, {"name": "n", "cycle_time": "1 h"}],
        [{"name": "paced", "to": "m", "interarrival": "2 h"}],
    )
    assert run_replication(s, 0).line.lead_time_h == pytest.approx(2.5)

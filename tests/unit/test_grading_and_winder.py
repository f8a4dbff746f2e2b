"""Grading sorts good cells into grades (kpis 'grades.<name>'), and an assembly with `split` (the
winder) hands on each tray as soon as it is wound, after a roll change shown as setup."""

from __future__ import annotations

import math

import pytest

from tests.conservation import assert_units_conserved
from tests.validation.theory import replicate, saturated, scenario
from twin.analysis.aggregate import aggregate_replications
from twin.sim.build import build
from twin.sim.engine import simulate
from twin.spec.rng import Streams
from twin.spec.scenario import Scenario


def _graded_line() -> Scenario:
    return scenario(
        stations=[{"name": "grading", "cycle_time": "1 min", "yield": 0.9, "grades": {"A": 0.7, "B": 0.25, "C": 0.05}},
                  {"name": "pack", "cycle_time": "30 s"}],
        sources=[saturated("grading")], length_h=200, warmup_h=10, replications=10, cells_per_lot=20,
    )


@pytest.mark.slow
def test_graded_output_adds_up_to_the_good_output_with_the_grade_shares():
    reps = replicate(_graded_line())
    for rep in reps:
        assert sum(rep.line.grades.values()) == pytest.approx(rep.line.throughput_per_h, rel=1e-9)
        cells = rep.line.good_cells
        a = rep.line.grades["A"] * 200  # cells of grade A in the 200 h window
        # each good cell is grade A with probability 0.7: binomial bounds, 4 standard deviations
        assert abs(a - 0.7 * cells) <= 4 * math.sqrt(cells * 0.7 * 0.3) + 20  # (+ one lot at the window edges)
    run = aggregate_replications(reps, scenario_name="g", scenario_hash="h", seed=1, warmup_h=10, length_h=200)
    assert {"grades.A", "grades.B", "grades.C"} <= set(run.kpis)
    assert run.kpis["grades.C"].mean == pytest.approx(0.05 * run.kpis["throughput_per_h"].mean, rel=0.05)


def test_grading_conserves_cells():
    model, _ = simulate(_graded_line(), 0)
    assert_units_conserved(model)
    assert sum(model.line.good_by_grade) == model.line.good[0]


WINDER = {
    "name": "w", "run": {"length": "100 h"}, "products": [{"name": "cell", "cells_per_lot": 10}],
    "sources": [{"name": "rolls", "to": "winding", "release": "saturated", "material": "roll"}],
    "stations": [
        {"name": "winding", "kind": "assembly", "inputs": {"rolls": 1}, "cells_out": 40, "split": 4,
         "cycle_time": {"dist": "constant", "value": "1 min", "per": "cell"}},
        {"name": "can_welding", "cycle_time": "1 s"},
    ],
}


def test_the_winder_hands_on_each_tray_as_it_fills():
    model = build(Scenario.model_validate(WINDER), Streams(1, 0))
    model.env.run(until=10 * 60 + 1)  # one tray of 10 cells is wound after 10 min, not the roll's 40
    assert model.stations["can_welding"].monitor.cells_in == 10
    model.env.run(until=40 * 60 + 1)
    assert model.stations["can_welding"].monitor.cells_in == 40


def test_a_roll_change_takes_its_time_as_setup():
    spec = {**WINDER, "stations": [{**WINDER["stations"][0], "input_change": "10 min"}, WINDER["stations"][1]]}
    model, _ = simulate(Scenario.model_validate(spec), 0)
    seconds = model.stations["winding"].state_seconds(model.env.now)
    total = sum(seconds)
    assert seconds[1] / total == pytest.approx(10 / 50, abs=0.005)  # setup: 10 of every 50 min
    assert seconds[0] / total == pytest.approx(40 / 50, abs=0.005)  # working

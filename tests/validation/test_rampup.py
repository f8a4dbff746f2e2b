"""Ramp-up acceptance cases (issue 14): exact values of a saturated single machine whose yield or
speed ramps, and a station commissioned late.

One machine, constant 1 h per lot of one cell, always fed. With the yield ramping linearly from 0.5
to 1.0 over the first 1,000 h, the expected good output of [a, b) is the integral of the yield over
it: 750 cells over 1,000 h, and 0.5625, 0.6875, 0.8125, 0.9375 good cells per hour over the four
periods of 250 h. The model reads a lot's yield when it finishes (at t = 1, 2, ..., 999 inside the
window; the lot finishing at 1,000 h falls just outside it), so the exact expectation of the model
is the sum of those yields: 749.25 over the run, and per period the sum over the lots finishing in
it. That differs from the integral by at most half a cycle of the ramp (0.25 cells per 1,000 h);
both are asserted: the model's exact sum within 3 standard errors, and the integral within the
discretisation bound plus 3 standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.validation.theory import assert_matches, replicate, saturated, scenario
from twin.sim.engine import run_replication

RAMP_H = 1000.0


def _ramped(ramp: dict, replications: int = 30, **station) -> object:
    return scenario(stations=[{"name": "m", "cycle_time": "1 h", "ramp": ramp, **station}],
                    sources=[saturated("m")], length_h=RAMP_H, warmup_h=0, replications=replications,
                    run_extra={"period": "250 h"})


def _yield(t: float) -> float:
    return 0.5 + 0.5 * min(t, RAMP_H) / RAMP_H


def _exact_good(start_h: float, end_h: float) -> float:
    """Expected good lots finishing in [start, end): finish times 1, 2, ... h, yield read at finish."""
    return sum(_yield(t) for t in range(max(1, int(start_h)), int(end_h)))


def _check(results, label: str) -> None:
    assert_matches([r.line.good_cells for r in results], _exact_good(0, RAMP_H), f"{label}: good cells")
    # the integral values, within the stated discretisation bound (0.25 cells per 1,000 h)
    good = np.array([r.line.good_cells for r in results])
    se = good.std(ddof=1) / np.sqrt(len(good))
    assert abs(good.mean() - 750.0) <= 0.75 + 3 * se
    for k, exact_rate in enumerate((0.5625, 0.6875, 0.8125, 0.9375)):
        start, end = 250.0 * k, 250.0 * (k + 1)
        rates = [r.periods[k].kpis.throughput_per_h for r in results]
        assert_matches(rates, _exact_good(start, end) / 250.0, f"{label}: period {k + 1}")
        # the model's sum and the integral differ by less than one lot's yield over the period
        assert abs(_exact_good(start, end) / 250.0 - exact_rate) <= 1.0 / 250.0


def test_a_yield_ramp_by_time_makes_the_integral_of_its_yield():
    results = replicate(_ramped({"by": "time", "yield": [["0 h", 0.5], ["1000 h", 1.0]]}))
    _check(results, "by: time")


def test_a_yield_ramp_by_cells_over_the_first_thousand_cells():
    """By volume, a lot's yield is read at its middle cell: lot i (0-based) at i + 0.5 cells."""
    results = replicate(_ramped({"by": "cells", "yield": [[0, 0.5], [1000, 1.0]]}))
    exact = sum(0.5 + 0.5 * (i + 0.5) / 1000 for i in range(999))  # lots finishing before 1,000 h
    assert_matches([r.line.good_cells for r in results], exact, "by: cells")
    good = np.array([r.line.good_cells for r in results])
    assert abs(good.mean() - 750.0) <= 1.0 + 3 * good.std(ddof=1) / np.sqrt(len(good))


def test_a_speed_ramp_makes_about_750_cells_within_its_discretisation_bound():
    """Speed read when a lot starts: a lot started at t takes 1 / s(t) h at that speed. Against the
    continuous integral of the speed (750 cells in 1,000 h) the count loses at most the lot in process
    at the end (1) plus, per lot, the work the rising speed would have added during it
    (slope x duration^2 / 2 <= 0.0005 x 2^2 / 2 = 0.001; x 750 lots = 0.75): 748.25 <= N <= 750."""
    s = _ramped({"by": "time", "speed": [["0 h", 0.5], ["1000 h", 1.0]]}, replications=1)
    good = run_replication(s, 0).line.good_cells
    assert 750.0 - 1.0 - 0.75 <= good <= 750.0


def test_a_station_that_starts_at_100_h_makes_nothing_before_and_is_off_shift_until_then():
    s = scenario(stations=[{"name": "m", "cycle_time": "1 h", "start": "100 h"}], sources=[saturated("m")],
                 length_h=400, warmup_h=0, replications=1, run_extra={"period": "100 h"})
    result = run_replication(s, 0)
    assert result.periods[0].kpis.good_cells == 0
    assert result.periods[1].kpis.good_cells == 99  # lots finish at 101, ..., 199 h
    assert result.line.good_cells == 299
    assert result.stations["m"].states["off_shift"] == pytest.approx(100 / 400)


def test_a_line_start_holds_every_machine_off_shift():
    s = scenario(stations=[{"name": "a", "cycle_time": "1 h"}, {"name": "b", "cycle_time": "1 h"}],
                 sources=[saturated("a")], length_h=300, warmup_h=0, replications=1, start="100 h")
    result = run_replication(s, 0)
    assert result.line.good_cells == 198  # a's first lot at 101 h, b's at 102 h, ..., last at 299 h
    for name in ("a", "b"):
        assert result.stations[name].states["off_shift"] == pytest.approx(100 / 300)


def test_the_wright_curve_gives_the_yield_of_its_experience_curve_per_period():
    """Scrap 0.5 over the first 250 cells, cut by 30 % per doubling of volume, down to the station's
    0.95: the expected yield of each 1,000-lot period is the mean of the curve at the lots' middle cells."""
    from twin.spec.ramp import WrightSpec

    wright = {"initial_yield": 0.5, "initial_cells": 250, "cut_per_doubling": 0.3}
    s = scenario(stations=[{"name": "m", "cycle_time": "1 h", "yield": 0.95, "ramp": {"by": "cells", "wright": wright}}],
                 sources=[saturated("m")], length_h=3000, warmup_h=0, replications=10, run_extra={"period": "1000 h"})
    results = replicate(s)
    curve = WrightSpec(**wright)
    for k in range(3):
        # lot i (0-based) finishes at i + 1 h; a lot finishing on a boundary counts in the later period
        lots = range(max(0, 1000 * k - 1), 1000 * (k + 1) - 1)
        exact = sum(curve.yield_at(i + 0.5, 0.95) for i in lots) / 1000.0
        assert_matches([r.periods[k].kpis.throughput_per_h for r in results], exact, f"Wright period {k + 1}")


def test_a_milestone_some_replications_cannot_reach_is_censored_not_averaged():
    """One machine, 1 h per lot of one cell, yield 0.5, periods of 2 h, target 24 good cells a day (both
    lots of a period good). The first period holds one finished lot (at 1 h), so it cannot reach the
    target; each later period holds two and reaches it with probability 1/4, independently. So the
    milestone is reached by the end of period k with probability 1 - (3/4)^(k-1): 0.763 within the
    run's 6 periods (about a quarter of the replications never reach it), a median date of 8 h (the
    first end with probability >= 1/2: 0.578), and a mean date of 6.89 h among those that reach it,
    which is earlier than the median: averaging only the ones that reach it is optimistic."""
    from twin.analysis.periods import milestones, wilson

    s = scenario(stations=[{"name": "m", "cycle_time": "1 h", "yield": 0.5}], sources=[saturated("m")],
                 length_h=12, warmup_h=0, replications=40, run_extra={"period": "2 h"})
    [m] = milestones(replicate(s), [24])
    reach = [0.0] + [1 - 0.75 ** (k - 1) for k in range(2, 7)]
    first = [reach[k] - reach[k - 1] for k in range(1, 6)]  # P(first reached in period k + 1)
    conditional_mean_h = sum(2 * (k + 2) * p for k, p in enumerate(first)) / reach[-1]
    assert conditional_mean_h == pytest.approx(6.889, abs=1e-3)
    assert m.probability_by_period[0] == 0.0 and m.conditional and m.reached < m.replications == 40
    low, high = wilson(m.reached, 40)
    assert low <= reach[-1] <= high and (low, high) == m.probability_by.ci95
    assert m.median_ci95 is not None and m.median_ci95[0] <= 8.0 <= (m.median_ci95[1] or np.inf)
    assert_matches([t for t in m.end_h.values if t is not None], conditional_mean_h, "mean date of those reaching it")

"""MSER-5: the arithmetic on known series, and the warm-up it chooses from pilot replications of a
line that starts empty with a transient of known length (a dwell store filling up)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.experiments.lines import build, dwell_line, serial_line
from twin.experiments.replications import PILOTS, aggregate, plan_experiment, run_experiment
from twin.analysis.warmup import batch_means, mser5_cut, mser_statistics, mser_truncation, warmup_from_series


def test_batch_means_drop_a_trailing_partial_batch():
    assert batch_means(range(12)).tolist() == [2.0, 7.0]


def test_mser_statistic_is_the_definition():
    y = np.array([5.0, 3.0, 1.0, 1.2, 0.8, 1.0, 1.1, 0.9])
    for d, value in enumerate(mser_statistics(y)):
        tail = y[d:]
        assert value == pytest.approx(((tail - tail.mean()) ** 2).sum() / len(tail) ** 2)
    assert len(mser_statistics(y)) == len(y) // 2 + 1  # d searched over the first half only


def test_mser_cuts_a_ramp_then_flat_series_where_it_flattens():
    series = np.concatenate([np.linspace(0, 100, 40, endpoint=False), np.full(160, 100.0)])
    assert mser5_cut(series) == (40, False)


def test_mser_keeps_everything_of_a_stationary_series():
    rng = np.random.default_rng(5)
    assert mser_truncation(np.full(30, 2.5)) == 0  # ties: the earliest
    dropped, _ = mser5_cut(rng.normal(10, 1, 500))
    assert dropped <= 100


def test_mser_flags_a_transient_longer_than_half_the_series():
    dropped, at_limit = mser5_cut(np.linspace(0, 100, 200))  # never settles
    assert at_limit and dropped == 100


def test_warmup_from_series_takes_the_later_cut():
    times = np.arange(1, 201) * 0.5  # 200 intervals of half an hour
    flat_early = np.concatenate([np.zeros(10), np.ones(190)])
    flat_late = np.concatenate([np.zeros(30), np.ones(170)])
    choice = warmup_from_series(times, {"throughput": flat_early, "wip": flat_late}, pilots=5)
    assert choice.cut_h == {"throughput": 5.0, "wip": 15.0}
    assert choice.warmup_h == 15.0 and choice.method == "mser5"


@pytest.mark.parametrize("dwell_h, length_h", [(10.0, 100.0), (10.0, 60.0), (30.0, 100.0), (5.0, 200.0)])
def test_mser5_cuts_inside_the_transient_of_a_store_filling_from_empty(dwell_h, length_h):
    """Constant arrivals into a store with a fixed dwell: WIP ramps for exactly dwell_h, then is flat;
    nothing leaves before dwell_h. The cut must cover the ramp and not go more than a batch past it."""
    plan = plan_experiment(build(dwell_line(dwell_h=dwell_h, length_h=length_h)))
    batch_h = 5 * length_h / 200  # the engine samples 200 intervals; MSER-5 batches 5 of them
    assert plan.warmup.method == "mser5" and plan.warmup.pilots == PILOTS
    assert dwell_h <= plan.warmup.warmup_h <= dwell_h + batch_h
    assert not plan.warmup.at_search_limit


def test_mser5_with_random_arrivals_is_not_absurdly_early():
    dwell_h, length_h = 10.0, 100.0
    plan = plan_experiment(build(dwell_line(dwell_h=dwell_h, length_h=length_h,
                                            interarrival={"dist": "exponential", "mean": "6 min"})))
    assert 0.5 * dwell_h <= plan.warmup.warmup_h <= dwell_h + 5 * length_h / 200


def test_the_experiment_runs_with_the_chosen_warmup_and_reports_it():
    scenario = build(dwell_line(dwell_h=10.0, length_h=100.0))
    result = run_experiment(scenario, replications=3)
    plan = plan_experiment(scenario)
    assert result.warmup_h == plan.warmup.warmup_h == 10.0
    assert result.scenario_hash == scenario.content_hash()  # the scenario as loaded ('auto')
    # after the warm-up the store is full: WIP is its steady value lambda x dwell = 10/h x 10 h
    assert result.kpis["wip_cells"].mean == pytest.approx(100.0, rel=0.01)


def test_fixed_warmup_needs_no_pilots():
    plan = plan_experiment(build(serial_line(warmup="5 h")))
    assert plan.warmup.method == "fixed" and plan.warmup.warmup_h == 5.0 and plan.warmup.pilots == 0


def test_aggregate_of_an_auto_scenario_needs_the_chosen_warmup():
    scenario = build(dwell_line(dwell_h=1.0, length_h=10.0))
    with pytest.raises(ValueError, match="auto"):
        aggregate(scenario, [], 1)

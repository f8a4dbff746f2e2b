"""Ramp specs and transient statistics in isolation: curves hold their ends, the Wright curve halves
nothing it should not, bad ramps are refused at their point, a transient run never gets an automatic
warm-up, and milestones come with their censoring and a Wilson interval."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from stations.ramp import CurveReader
from twin.analysis.constraint import headline
from twin.analysis.periods import milestones, wilson
from twin.cli.main import main
from twin.experiments.replications import run_experiment
from twin.sim.results import LineReplication, PeriodReplication, ReplicationResult, SeriesReplication
from twin.spec.ramp import RampSpec, WrightSpec, value_at
from twin.spec.scenario import Scenario

LINE = {"name": "one", "run": {"warmup": "0 h", "length": "100 h"},
        "sources": [{"name": "s", "to": "m", "release": "saturated"}],
        "stations": [{"name": "m", "cycle_time": "1 h"}]}


def _scenario(station: dict | None = None, run: dict | None = None, **top) -> Scenario:
    return Scenario.model_validate({**LINE, **top, "run": {**LINE["run"], **(run or {})},
                                    "stations": [{**LINE["stations"][0], **(station or {})}]})


def test_a_curve_interpolates_and_holds_its_first_and_last_values():
    curve = ((3600.0, 0.5), (7200.0, 0.7), (10800.0, 0.9))
    assert value_at(curve, 0.0) == 0.5
    assert value_at(curve, 5400.0) == pytest.approx(0.6)
    assert value_at(curve, 9000.0) == pytest.approx(0.8)
    assert value_at(curve, 1e9) == 0.9


@given(st.lists(st.tuples(st.integers(0, 10**6), st.floats(0.0, 2.0)), min_size=1, max_size=6,
                unique_by=lambda p: p[0]),
       st.lists(st.floats(-10.0, 1.1e6, allow_nan=False), min_size=1, max_size=40))
def test_the_curve_reader_gives_value_at_value_for_value_whatever_order_it_is_read_in(points, xs):
    """The reader keeps the segment of its last read; jumps back and forth must not change a value."""
    curve = tuple((float(x), v) for x, v in sorted(points))
    reader = CurveReader(curve)
    at_points = [x for x, _ in curve]  # a read exactly at a point belongs to the segment it starts
    for x in sorted(xs[: len(xs) // 2] + at_points) + at_points[::-1] + xs[len(xs) // 2:]:
        assert reader(x) == value_at(curve, x)  # a growing clock, then back, then arbitrary reads


def test_each_doubling_of_volume_cuts_wright_scrap_by_the_share_down_to_the_mature_yield():
    wright = WrightSpec(initial_yield=0.6, initial_cells=1000, cut_per_doubling=0.2)
    assert wright.yield_at(500, 0.95) == pytest.approx(0.6)  # the initial yield over the first cells
    assert 1 - wright.yield_at(2000, 0.95) == pytest.approx(0.4 * 0.8)
    assert 1 - wright.yield_at(8000, 0.95) == pytest.approx(0.4 * 0.8 ** 3)
    assert wright.yield_at(1e9, 0.95) == 0.95


def test_time_points_are_written_back_with_their_unit_and_load_again():
    ramp = _scenario({"ramp": {"yield": [["0 wk", 0.7], ["26 wk", 0.92]]}}).stations[0].ramp
    dumped = ramp.model_dump(mode="json", by_alias=True)
    assert dumped["yield"] == [["0 s", 0.7], ["182 d", 0.92]]
    assert RampSpec.model_validate(dumped) == ramp


def test_a_station_without_ramp_or_start_keeps_its_content_hash_keys():
    dumped = _scenario().model_dump(mode="json", by_alias=True)
    assert "ramp" not in dumped["stations"][0] and "start" not in dumped["stations"][0] and "start" not in dumped
    assert "period" not in dumped["run"]


@pytest.mark.parametrize("station, run, top, said", [
    ({"ramp": {"yield": [["0 h", 0.5], ["10 h", 1.5]]}}, {}, {}, "at most 1"),
    ({"ramp": {"by": "cells", "yield": [["0 h", 0.5]]}}, {}, {}, "cell count"),
    ({"ramp": {"yield": [["10 h", 0.5], ["5 h", 0.6]]}}, {}, {}, "increasing order"),
    ({"ramp": {"mttr": [["0 h", 2.0]]}}, {}, {}, "needs the station's 'failures'"),
    ({"ramp": {"wright": {"initial_yield": 0.5, "initial_cells": 10, "cut_per_doubling": 0.2}}}, {}, {}, "by: cells"),
    ({"ramp": {"speed": [["0 h", 0.5]]}}, {"warmup": "auto"}, {}, "no warm-up cut"),
    ({}, {"warmup": "auto"}, {"start": "10 h"}, "no warm-up cut"),
    ({}, {"warmup": "auto", "period": "1 wk"}, {}, "no steady state"),
    ({}, {"target_per_day": [100]}, {}, "milestones need periods"),
    ({}, {"period": "200 h"}, {}, "longer than the run's length"),
    ({}, {"period": "10 h", "target_per_day": [10], "target_by": "10 yr"}, {}, "after the run's end"),
])
def test_bad_ramps_and_transient_runs_are_refused_with_a_reason(station, run, top, said):
    with pytest.raises(ValueError, match=said):
        _scenario(station, run, **top)


def test_the_cli_refuses_a_bad_period_in_one_line(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(__import__("yaml").safe_dump(LINE), encoding="utf-8")
    out = CliRunner().invoke(main, ["run", str(path), "--no-store", "--period", "0 h"])
    assert out.exit_code == 2 and out.output.count("\n") == 1 and out.output.startswith("error: --period:")


def _replication(index: int, good_per_period: list[float]) -> ReplicationResult:
    def line(good: float) -> LineReplication:
        return LineReplication(throughput_per_h=good / 24, gwh_per_year=0, yield_=1, wip_cells=0, lead_time_h=0,
                               released_cells=good, good_cells=good, scrapped_cells=0)

    periods = [PeriodReplication(start_h=24.0 * k, end_h=24.0 * (k + 1), kpis=line(g))
               for k, g in enumerate(good_per_period)]
    return ReplicationResult(replication=index, line=line(sum(good_per_period)), stations={},
                             series=SeriesReplication(times_h=[], throughput_per_h=[], wip_cells=[]), periods=periods)


def test_a_milestone_is_the_first_period_at_target_with_its_censoring_and_probability():
    reps = [_replication(0, [50, 100, 120]), _replication(1, [50, 80, 100]), _replication(2, [50, 60, 90])]
    [m] = milestones(reps, [100], by_h=48)
    assert m.end_h.values == [48.0, 72.0, None] and m.reached == 2 and m.replications == 3
    assert m.end_h.mean == 60.0
    assert m.probability_by.p == pytest.approx(1 / 3) and m.probability_by.ci95 == wilson(1, 3)
    assert m.probability_by_period == [0.0, pytest.approx(1 / 3), pytest.approx(2 / 3)]
    assert m.period == 2  # the mean over replications (50, 80, 103.3 a day) reaches 100 in the third period


def test_a_milestone_some_replications_miss_is_reported_as_a_share_a_censored_median_and_a_conditional_mean():
    """Dates 48, 72, 72, 96 h and two never (censored at the run's end): the mean of the four that
    reach it (72 h) is conditional on reaching it; the median over all six is the first date by which
    three reach it (72 h); with 6 replications the distribution-free 95% interval is (x_(1), x_(6)),
    whose upper end lies beyond the run."""
    from twin.analysis.periods import censored_median
    from twin.cli.period_report import milestone_lines
    from dashboard.rampup_page import _milestone_text

    goods = [[0, 100, 0, 0], [0, 0, 100, 0], [0, 0, 100, 0], [0, 0, 0, 100], [0, 0, 0, 0], [50, 50, 50, 50]]
    [m] = milestones([_replication(k, g) for k, g in enumerate(goods)], [100])
    assert m.end_h.values == [48.0, 72.0, 72.0, 96.0, None, None] and m.end_h.mean == 72.0
    assert (m.reached, m.replications, m.conditional) == (4, 6, True)
    assert m.median_end_h == 72.0 and m.median_ci95 == (48.0, None)
    assert m.probability_by.p == pytest.approx(4 / 6) and m.probability_by.ci95 == wilson(4, 6)
    result = type("Shown", (), {"milestones": [m]})()
    head, conditional = milestone_lines(result)  # type: ignore[arg-type]
    assert head.startswith("milestone 100 good cells/day: reached in 4 of 6 replications; P(reached by 96 h")
    assert "median over all: end of 72 h (week 0.4; 95% CI 48 h to beyond the run's end)" in head
    assert conditional.strip().startswith("conditional on reaching it (the 4 that do") and "72 ± " in conditional
    text = _milestone_text(m, "hour", 1.0)
    assert "reached in only 4 of 6 replications" in text and "median hour 72.0 over all replications" in text
    assert "; conditional on reaching it, by hour 72.0 on average (95% CI hour" in text
    # every replication reaches it: the mean and its CI, as before, nothing conditional
    [every] = milestones([_replication(k, [0, 100 + k]) for k in range(3)], [100])
    assert not every.conditional and every.median_end_h == 48.0 and every.median_ci95 is None  # n < 6
    assert milestone_lines(type("Shown", (), {"milestones": [every]})())[0].startswith(  # type: ignore[arg-type]
        "milestone 100 good cells/day: first reached at the end of 48 ± 0 h")
    # fewer than half reach it: no median (it lies beyond the run), and at exactly half it is the last date
    assert censored_median([24.0, None, None, None, None]) == (None, None)
    assert censored_median([24.0, 48.0, None, None])[0] == 48.0
    # ten replications: the interval is (x_(2), x_(9)), 97.9 % coverage
    assert censored_median([float(k) for k in range(1, 11)]) == (5.0, (2.0, 9.0))


def test_the_wilson_interval_is_sound_at_zero_and_one():
    low, high = wilson(0, 10)
    assert low == 0.0 and 0.2 < high < 0.35
    low, high = wilson(10, 10)
    assert 0.65 < low < 0.8 and high == pytest.approx(1.0)
    assert not any(math.isnan(x) for x in wilson(3, 7))


def test_sequential_precision_on_a_ramp_up_keeps_warm_up_zero_and_its_periods(tmp_path):
    """A transient run with --precision: replications are added on the whole run's throughput (a
    terminating statistic), no warm-up is chosen, and every period is still reported."""
    import json

    import yaml

    data = {**LINE, "run": {"warmup": "0 h", "length": "100 h", "replications": 3, "seed": 2, "period": "50 h"},
            "stations": [{"name": "m", "cycle_time": "1 h", "ramp": {"yield": [["0 h", 0.5], ["100 h", 0.9]]}}]}
    path = tmp_path / "ramp.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = CliRunner().invoke(main, ["run", str(path), "--no-store", "--precision", "0.05", "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["warmup_h"] == 0 and len(result["periods"]) == 2
    assert result["replications"] == len(result["periods"][0]["kpis"]["good_cells"]["values"]) >= 3


def test_a_stored_ramp_up_shows_the_milestones_it_ran_with_complete_interrupted_or_stored_before_targets(tmp_path):
    """`twin run --target-per-day` -> the store -> `twin runs show`: the same periods and milestones,
    value for value, whether the stored aggregate is read (complete) or the run is aggregated again from
    its replications (interrupted); a run stored before targets were kept still loads, without milestones."""
    import json
    import sqlite3

    import yaml

    from twin.store.database import Store

    data = {**LINE, "run": {"warmup": "0 h", "length": "60 h", "replications": 3, "seed": 5, "period": "12 h"},
            "stations": [{"name": "m", "cycle_time": "1 h", "ramp": {"yield": [["0 h", 0.5], ["60 h", 1.0]]}}]}
    path, db = tmp_path / "ramp.yaml", tmp_path / "r.sqlite"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    runner = CliRunner()
    ran = runner.invoke(main, ["run", str(path), "--db", str(db), "--json", "--target-per-day", "14",
                               "--target-per-day", "30", "--target-by", "36 h"])
    assert ran.exit_code == 0, ran.output
    original = json.loads(ran.stdout)
    assert [m["target_per_day"] for m in original["milestones"]] == [14, 30]

    def shown() -> dict:
        out = runner.invoke(main, ["runs", "show", "1", "--db", str(db), "--json"])
        assert out.exit_code == 0, out.output
        return json.loads(out.stdout)["result"]

    assert shown()["milestones"] == original["milestones"] and shown()["periods"] == original["periods"]
    with Store(db) as store:
        store.set_status(1, "interrupted")  # read back by aggregating its replications with the stored targets
    again = shown()
    assert again["milestones"] == original["milestones"] and again["periods"] == original["periods"]
    assert again["milestones"][0]["probability_by"]["by_h"] == 36.0
    text = runner.invoke(main, ["runs", "show", "1", "--db", str(db)]).stdout
    assert "partial result" in text and "milestone 14 good cells/day" in text and "milestone 30 good cells/day" in text
    with sqlite3.connect(db) as connection:  # as stored before the targets were kept
        connection.execute("UPDATE runs SET details_json = '{}' WHERE id = 1")
    old = shown()
    assert "milestones" not in old and old["periods"] == original["periods"]


def test_a_finished_ramp_up_the_load_cannot_decide_says_why_no_paired_runs_were_made():
    """Two equal stations in series: the load cannot tell them apart. A steady-state run settles it
    with paired runs; a ramp-up is judged by load only, and its verdict must say that (it used to
    call the finished run unfinished)."""
    two = {**LINE, "sources": [{"name": "s", "to": "a", "release": "saturated"}],
           "stations": [{"name": "a", "cycle_time": "1 h"}, {"name": "b", "cycle_time": "1 h"}]}
    run = {"warmup": "0 h", "length": "200 h", "replications": 3}
    steady = run_experiment(Scenario.model_validate({**two, "run": run})).bottleneck
    assert steady.sensitivity and steady.paired_not_run is None
    ramp_up = run_experiment(Scenario.model_validate({**two, "run": {**run, "period": "50 h"}})).bottleneck
    assert ramp_up.unresolved and ramp_up.primary is None and not ramp_up.sensitivity
    assert "a ramp-up's verdict is by load only; `twin bottleneck --run ID` makes them" in headline(ramp_up)
    assert "unfinished" not in headline(ramp_up)

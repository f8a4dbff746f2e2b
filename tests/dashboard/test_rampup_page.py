"""The ramp-up page: figures are pure functions of stored transient results (CI band per period,
cumulative against the target line, milestone probabilities), two runs share one chart, and browser
values are checked before they reach a query."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dashboard.data import Settings, transient_runs
from dashboard.rampup_page import (
    cumulative_figure, daily_output_figure, milestone_figure, milestone_lines, page, parse_runs,
)
from tests.dashboard.conftest import twin

RAMP = {
    "name": "tiny-rampup",
    "description": "one machine whose yield ramps",
    "run": {"warmup": "0 h", "length": "100 h", "replications": 4, "seed": 5, "period": "25 h",
            "target_per_day": [20], "target_by": "75 h"},
    "sources": [{"name": "supply", "to": "m", "release": "saturated"}],
    "stations": [{"name": "m", "cycle_time": "1 h", "ramp": {"yield": [["0 h", 0.5], ["100 h", 1.0]]}}],
}


@pytest.fixture(scope="module")
def ramp_runs(tmp_path_factory) -> Settings:
    """Run 1: the ramp; run 2: the same ramp twice as fast; run 3: a steady run (no periods)."""
    root = tmp_path_factory.mktemp("rampup")
    db = str(root / "results.sqlite")
    fast = yaml.safe_load(yaml.safe_dump(RAMP))
    fast["name"] = "tiny-rampup-fast"
    fast["stations"][0]["ramp"]["yield"] = [["0 h", 0.5], ["50 h", 1.0]]
    steady = yaml.safe_load(yaml.safe_dump(RAMP))
    steady["name"] = "tiny-steady"
    steady["run"] = {"warmup": "0 h", "length": "20 h", "replications": 2}
    for data in (RAMP, fast, steady):
        path = root / f"{data['name']}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        twin("run", str(path), "--db", db, "--json")
    return Settings(Path(db), root)


def test_only_runs_with_periods_are_listed_newest_first(ramp_runs):
    assert [record.id for record, _ in transient_runs(ramp_runs)] == [2, 1]


def test_the_daily_chart_has_a_ci_band_and_a_line_per_run_and_the_target(ramp_runs):
    runs = [(f"run {record.id}", result) for record, result in transient_runs(ramp_runs)]
    figure = daily_output_figure(runs)
    lines = [trace for trace in figure.data if trace.mode == "lines+markers"]
    bands = [trace for trace in figure.data if trace.fill == "toself"]
    assert [trace.name for trace in lines] == ["run 2", "run 1"] and len(bands) == 2
    result = runs[1][1]
    period = result.periods[0].kpis["good_cells_per_day"]
    assert lines[1].y[0] == pytest.approx(period.mean)
    assert list(lines[1].x) == [25 / 24, 50 / 24, 75 / 24, 100 / 24]  # period ends in days (a 100 h run)
    assert min(bands[1].y) <= period.ci95[0] and period.ci95[1] <= max(bands[1].y)
    assert figure.layout.shapes[0].y0 == 20  # the milestone target


def test_cumulative_output_ends_at_the_runs_good_cells_against_the_target_line(ramp_runs):
    [(_, fast), (_, slow)] = transient_runs(ramp_runs)
    figure = cumulative_figure([("slow", slow)], 20)
    assert figure.data[1].y[-1] == pytest.approx(slow.kpis["good_cells"].mean)
    target = figure.data[-1]
    assert list(target.y) == [0, 20 * 100 / 24]


def test_milestones_are_given_as_a_week_and_a_probability(ramp_runs):
    [(_, fast), (_, slow)] = transient_runs(ramp_runs)
    [milestone] = slow.milestones
    assert milestone.probability_by.by_h == 75
    figure = milestone_figure([("slow", slow), ("fast", fast)])
    assert [list(trace.y) for trace in figure.data] == [milestone.probability_by_period,
                                                         fast.milestones[0].probability_by_period]
    [line] = milestone_lines("slow", slow)
    assert line.startswith("slow: 20 good cells/day") and "of reaching it by day 3.125" in line


def test_the_page_shows_the_chosen_runs_and_ignores_hostile_ids(ramp_runs):
    text = str(page(ramp_runs, {"runs": "1,2"}))
    assert "rampup-daily" in text and "rampup-cumulative" in text and "rampup-milestones" in text
    assert "tiny-rampup (run 1)" in text and "tiny-rampup-fast (run 2)" in text
    assert parse_runs("1,2,3") == [1, 2]
    assert parse_runs("../x,2") == [2] and parse_runs(None) == [] and parse_runs("9" * 40) == []
    newest = str(page(ramp_runs, {"runs": "3; drop table runs"}))  # unknown or not transient: the newest
    assert "tiny-rampup-fast (run 2)" in newest and "tiny-steady" not in newest


def test_without_transient_runs_the_page_says_how_to_make_one(tmp_path):
    assert "No transient run stored yet" in str(page(Settings(tmp_path / "none.sqlite", tmp_path), {}))

"""The plan page: the frontier figure and the page are pure functions of a PlanResult, hostile form
values are refused before any command line is built, and a plan started from the page runs in the
background, is stored, and is listed."""

from __future__ import annotations

import time

import pytest
import yaml

from dashboard.data import Settings, stored_plans
from dashboard.jobs import JobManager
from dashboard.plan_page import frontier_figure, page, plan_view, poll_plan, start_plan
from twin.experiments.plan import find_plan, parse_target, parse_vary
from twin.spec.scenario import Scenario

LINE = {
    "name": "three", "run": {"warmup": "2 h", "length": "20 h", "replications": 3, "seed": 3},
    "sources": [{"name": "supply", "to": "s1", "release": "saturated"}],
    "stations": [{"name": "s1", "buffer": 10, "cycle_time": "10 min"},
                 {"name": "s2", "buffer": 10, "cycle_time": "25 min"}],
}
VARY = ["stations.s1.machines=1..8", "stations.s2.machines=1..12"]


def _settings(tmp_path) -> Settings:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir(exist_ok=True)
    (scenarios / "three.yaml").write_text(yaml.safe_dump(LINE), encoding="utf-8")
    return Settings(tmp_path / "results.sqlite", scenarios)


def test_the_frontier_shows_every_evaluated_plan_the_target_and_the_choice():
    plan = find_plan(Scenario.model_validate(LINE), parse_target("throughput_per_h=20"), [parse_vary(v) for v in VARY])
    figure = frontier_figure(plan)
    names = [trace.name for trace in figure.data]
    assert "chosen plan" in names and "fresh-seed check" in names
    plotted = sum(len(trace.x) for trace in figure.data if trace.name != "chosen plan")
    assert plotted == len(plan.frontier)
    assert figure.layout.shapes[0].y0 == 20  # the target line
    assert "below the capacity bound 9" in str(plan_view(plan, 1))


def test_hostile_form_values_are_refused_without_starting_anything(tmp_path):
    settings = _settings(tmp_path)
    jobs = JobManager(settings.db_path)
    good = dict(filename="three.yaml", kpi="throughput_per_h", value=20, confidence=0.9, vary_text="\n".join(VARY),
                budget=50)
    for change, said in (({"filename": "../../etc/passwd"}, "not a scenario file name"),
                         ({"filename": None}, "Choose a scenario file"),
                         ({"kpi": "rm -rf"}, "unknown KPI"),
                         ({"value": "20; ls"}, "target value"),
                         ({"confidence": 3}, "probability"),
                         ({"budget": 2.5}, "whole number"),
                         ({"vary_text": "stations.s1.machines=1..8\n--db=/x"}, "write PATH=LO..HI"),
                         ({"vary_text": ""}, "at least one field")):
        message, job, polling_off = start_plan(settings, jobs, **{**good, **change})
        assert job is None and polling_off and said in str(message)
    assert jobs._jobs == {}


@pytest.mark.slow  # several seconds: the full suite runs it, the fast loop does not
def test_a_plan_started_from_the_page_is_stored_and_listed(tmp_path):
    settings = _settings(tmp_path)
    jobs = JobManager(settings.db_path)
    _, job, polling_off = start_plan(settings, jobs, "three.yaml", "throughput_per_h", 20, 0.9, "\n".join(VARY), 50)
    assert job is not None and not polling_off
    deadline = time.monotonic() + 300
    while not jobs.status(job).finished and time.monotonic() < deadline:
        time.sleep(0.5)
    message, stop = poll_plan(jobs, job)
    assert stop and "plan finished" in str(message), message
    [(run_id, _, plan)] = stored_plans(settings)
    assert plan.best == {"stations.s1.machines": 4, "stations.s2.machines": 9}
    shown = str(page(settings, {}))
    assert "cheapest plan found" in shown and f"run {run_id}" in shown

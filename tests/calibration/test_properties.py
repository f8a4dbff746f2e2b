"""Properties over generated scenarios: every log the twin writes passes the log's own checks, and
calibrating against the true scenario as base moves no value outside its CI more often than a 95 %
interval allows."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from tests.property.strategies import assembly_dicts, bounded, scenarios
from twin.analysis.calibration import calibrate
from twin.analysis.eventdata import read_log
from twin.sim.eventlog import write_event_log
from twin.spec.scenario import Scenario

any_line = st.one_of(scenarios(), assembly_dicts().map(Scenario.model_validate))


def _truths(scenario: Scenario) -> dict[tuple[str, str], float]:
    """The true means a calibration against `scenario` must recover, where the twin's log can show them:
    a repair that waited for a technician is longer than its repair time, and a calendar-clock failure
    that fell due off shift waits for the next shift, so those are left out (docs/calibration.md)."""
    truth = {}
    for spec in scenario.stations:
        truth[(spec.name, "cycle_time")] = spec.cycle_time.mean_s
        failures, setup = getattr(spec, "failures", None), getattr(spec, "setup", None)  # none in a dwell store
        if failures is not None:
            if not (failures.clock == "calendar" and scenario.follows_calendar(spec)):
                truth[(spec.name, "ttf")] = failures.ttf.mean_s
            if failures.repair_crew is None:
                truth[(spec.name, "ttr")] = failures.ttr.mean_s
        if setup is not None and setup.time is not None and not setup.from_to:
            truth[(spec.name, "setup")] = setup.time.mean_s
    return truth


@pytest.mark.slow
def test_twin_logs_pass_the_checks_and_recover_the_base(tmp_path_factory):
    checks: list[tuple[str, bool]] = []

    @bounded(60)
    @given(scenario=any_line, replication=st.integers(0, 2), parquet=st.booleans())
    def one(scenario: Scenario, replication: int, parquet: bool) -> None:
        path = tmp_path_factory.mktemp("log") / ("log.parquet" if parquet else "log.csv")
        write_event_log(scenario, replication, path)
        data = read_log(path, [s.name for s in scenario.stations])  # raises on any schema problem
        assert data.rows > 0
        result = calibrate(data, scenario)  # raises on overlapping lots
        truth = _truths(scenario)
        for fit in result.durations:
            key = (fit.station, fit.what)
            if key in truth:
                low, high = fit.ci95_s
                checks.append((f"{key}: {truth[key]:.6g} in [{low:.6g}, {high:.6g}] n={fit.n} {fit.family}",
                               low <= truth[key] <= high or math.isclose(truth[key], fit.mean_s, rel_tol=1e-9)))
        for fit in result.yields:
            spec = next(s for s in scenario.stations if s.name == fit.station)
            checks.append((f"{fit.station} yield {spec.yield_} in {fit.ci95}", fit.ci95[0] <= spec.yield_ <= fit.ci95[1]))

    one()
    misses = [what for what, ok in checks if not ok]
    assert len(checks) >= 50
    # 95 % intervals miss 5 % of the time; a bias shows as more misses than chance gives (p < 0.001)
    test = stats.binomtest(len(misses), len(checks), 0.05, alternative="greater")
    assert test.pvalue > 0.001, f"{len(misses)} of {len(checks)} CIs miss the truth: {misses}"

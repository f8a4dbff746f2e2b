"""Round trip: simulate a line with known distributions, write its log, calibrate a wrong base from it,
and check that the truth is recovered (each fitted mean's own 95 % CI holds the true mean) and that
the fitted scenario behaves like the true one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.calibration.lines import small_line
from twin.analysis.calibration import Calibration
from twin.experiments.replications import run_replications
from twin.service.calibration import calibrate_file
from twin.sim.eventlog import write_event_log
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario

WRONG = {
    "press": {"cycle_time": {"dist": "lognormal", "mean": "45 s", "cv": 0.1, "per": "cell"},
              "failures": {"ttf": {"dist": "exponential", "mean": "2 h"}, "ttr": {"dist": "exponential", "mean": "1 h"}},
              "yield": 0.99, "setup": {"time": "5 min"}},
    "tester": {"cycle_time": {"dist": "constant", "value": "150 s"},
               "failures": {"ttf": {"dist": "weibull", "shape": 2, "scale": "30 h"}, "ttr": "10 min"},
               "yield": 0.9},
}


def write_scenario(scenario: Scenario, path: Path) -> Path:
    path.write_text(yaml.safe_dump(json.loads(scenario.model_dump_json(by_alias=True, exclude_defaults=True)),
                                   sort_keys=False))
    return path


pytestmark = pytest.mark.slow  # the round trip calibrates a line from a simulated log: several seconds


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory) -> tuple[Scenario, Calibration, Scenario]:
    folder = tmp_path_factory.mktemp("round_trip")
    truth = small_line(length_h=2000)
    log = folder / "line.parquet"
    write_event_log(truth, 0, log)
    base = write_scenario(small_line(length_h=2000, **WRONG), folder / "wrong.yaml")
    out = folder / "fitted.yaml"
    result = calibrate_file(log, base, out)
    return truth, result, load_scenario(out)


def test_the_truth_lies_in_each_fitted_mean_s_ci(round_trip):
    truth, result, _ = round_trip
    assert not result.warnings
    expected = {}
    for spec in truth.stations:
        expected[(spec.name, "cycle_time")] = spec.cycle_time.mean_s
        expected[(spec.name, "ttf")] = spec.failures.ttf.mean_s
        expected[(spec.name, "ttr")] = spec.failures.ttr.mean_s
    expected[("press", "setup")] = truth.stations[0].setup.time.mean_s
    fitted = {(f.station, f.what): f for f in result.durations}
    assert set(fitted) == set(expected)
    for key, true_mean in expected.items():
        low, high = fitted[key].ci95_s
        assert low <= true_mean <= high, f"{key}: true mean {true_mean} outside the fitted CI [{low}, {high}]"
        assert fitted[key].n >= 100, key
    for spec in truth.stations:
        fit = result.yield_of(spec.name)
        assert fit.ci95[0] <= spec.yield_ <= fit.ci95[1], (spec.name, fit)
    # the families the truth used are the ones chosen where the data are plentiful
    assert fitted[("press", "cycle_time")].family == "lognormal"
    assert fitted[("tester", "cycle_time")].family == "gamma"
    assert fitted[("press", "ttf")].censored == 1


def test_the_fitted_file_carries_the_fits(round_trip):
    truth, result, fitted = round_trip
    press = fitted.stations[0]
    assert press.cycle_time.per == "cell" and press.failures.clock == "operating"
    assert press.failures.ttf.mean_s == pytest.approx(result.fit("press", "ttf").mean_s, rel=1e-4)
    assert fitted.stations[1].yield_ == pytest.approx(result.yield_of("tester").yield_, rel=1e-5)


@pytest.mark.slow
def test_the_fitted_line_behaves_like_the_true_line(round_trip):
    """Throughput and down shares of the fitted scenario against the true one's, 10 replications each.

    The fitted scenario differs from the truth by the estimation error of its parameters (the MTTF
    rests on a few hundred failures: about 6 % standard error), which no number of replications
    removes. So the 95 % interval of the difference adds that error to the replications' standard
    errors: a down share goes as MTTR / MTTF, whose relative standard error (delta method) is the
    root sum of squares of the two fitted means' relative standard errors, read from their own CIs.
    Throughput is set by the arrivals and yields, so it has the replications' error only."""
    truth, result, fitted = round_trip
    true_runs = run_replications(truth, workers=1)
    fitted_runs = run_replications(fitted, workers=1)

    def check(values_true, values_fitted, what, relative_parameter_se=0.0):
        a, b = np.asarray(values_true), np.asarray(values_fitted)
        se2 = a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b) + (b.mean() * relative_parameter_se) ** 2
        half = 1.96 * np.sqrt(se2)
        assert abs(a.mean() - b.mean()) <= half, (
            f"{what}: true {a.mean():.5g}, fitted {b.mean():.5g}, difference {a.mean() - b.mean():+.3g} beyond {half:.3g}")

    check([r.line.throughput_per_h for r in true_runs], [r.line.throughput_per_h for r in fitted_runs], "throughput")
    for name in ("press", "tester"):
        rel = [(f.ci95_s[1] - f.ci95_s[0]) / (2 * 1.96 * f.mean_s) for f in (result.fit(name, "ttf"), result.fit(name, "ttr"))]
        check([r.stations[name].states["down"] for r in true_runs],
              [r.stations[name].states["down"] for r in fitted_runs], f"{name} down share", float(np.hypot(*rel)))

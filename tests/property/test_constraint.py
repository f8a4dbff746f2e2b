"""The throughput constraint on random serial lines: when one station is clearly the slowest (its
rate at least 20% below every other's, i.e. a mean cycle time at least 1.25 times theirs), no
calendars and a saturated supply, the verdict names it, whatever the line's length, the buffers,
the cycle-time distributions and where in the line the slow station sits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin.experiments.replications import aggregate, run_replications
from twin.spec.scenario import Scenario

from tests.property.strategies import bounded

NORMAL_MEAN_MIN = (30, 36, 40, 45, 48)
"""Mean cycle times of the ordinary stations, minutes (spread so the line is not balanced apart from the slow one)."""


def _cycle(kind: str, mean_min: float) -> object:
    if kind == "constant":
        return f"{mean_min!r} min"
    if kind == "exponential":
        return {"dist": "exponential", "mean": f"{mean_min!r} min"}
    return {"dist": "lognormal", "mean": f"{mean_min!r} min", "cv": 0.5}


@st.composite
def serial_lines(draw) -> tuple[Scenario, str]:
    count = draw(st.integers(2, 5))
    slow = draw(st.integers(0, count - 1))
    factor = draw(st.sampled_from((1.25, 1.4, 1.6, 2.0)))
    means = [draw(st.sampled_from(NORMAL_MEAN_MIN)) for _ in range(count)]
    means[slow] = max(means[k] for k in range(count) if k != slow) * factor
    stations = [{
        "name": f"s{k + 1}", "cycle_time": _cycle(draw(st.sampled_from(("constant", "exponential", "lognormal"))), m),
        **({"buffer": draw(st.integers(1, 8))} if k else {}),
    } for k, m in enumerate(means)]
    scenario = Scenario.model_validate({
        "name": "random-serial",
        "run": {"warmup": "20 h", "length": "400 h", "replications": 5, "seed": draw(st.integers(0, 10_000))},
        "sources": [{"name": "supply", "to": "s1", "release": "saturated"}],
        "stations": stations,
    })
    return scenario, f"s{slow + 1}"


@pytest.mark.slow
@bounded(max_examples=25)
@given(serial_lines())
def test_the_clearly_slowest_station_of_a_serial_line_is_the_constraint(case):
    scenario, slow = case
    verdict = aggregate(scenario, run_replications(scenario), scenario.run.seed).bottleneck
    assert verdict.primary == slow, (verdict.method, verdict.constraint_ranking,
                                     {n: load.load_ratio.mean for n, load in verdict.load.items()},
                                     [(g.station, g.throughput_gain_per_h.mean) for g in verdict.sensitivity])

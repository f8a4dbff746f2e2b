"""Case 1 of shared/reference/validation.md: M/M/1, M/M/c, M/D/1 and M/G/1 single stations."""

from __future__ import annotations

import pytest

from tests.validation.theory import assert_matches, constant, exponential, poisson, replicate, scenario

pytestmark = pytest.mark.slow  # long statistical runs: CI runs them, the fast loop (-m "not slow") does not

CASES = [
    # id, machines, arrival rate, service spec, utilisation, Wq, W, L
    ("M/M/1", 1, 0.8, exponential(1.0), 0.8, 4.0, 5.0, 4.0),
    ("M/M/2", 2, 1.6, exponential(1.0), 0.8, 1.777778, 2.777778, 4.444444),
    ("M/M/3", 3, 2.4, exponential(1.0), 0.8, 1.078652, 2.078652, 4.988764),
    ("M/D/1", 1, 0.8, constant(1.0), 0.8, 2.0, 3.0, 2.4),
    ("M/U/1", 1, 0.8, {"dist": "uniform", "low": "0.5 h", "high": "1.5 h"}, 0.8, 2.166667, 3.166667, 2.533333),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_single_station_matches_queueing_theory(case):
    _, machines, rate, service, rho, wq, w, big_l = case
    reps = replicate(scenario(
        stations=[{"name": "station", "machines": machines, "cycle_time": service}],
        sources=[poisson(rate, "station")],
        length_h=100_000, warmup_h=2_000, replications=20,
    ))
    station = [r.stations["station"] for r in reps]
    assert_matches([s.utilization for s in station], rho, "busy fraction per machine")
    assert_matches([s.waiting_time_h for s in station], wq, "Wq")
    assert_matches([r.line.lead_time_h for r in reps], w, "W")
    assert_matches([r.line.wip_cells for r in reps], big_l, "L")
    assert_matches([r.line.throughput_per_h for r in reps], rate, "throughput")

"""Machines failing on the calendar clock and sharing one repairman are the finite-source queue
M/M/1//N (the machine repairman model): availability and the repairman's utilisation are exact."""

from __future__ import annotations

import pytest

import math

from tests.validation.theory import assert_matches, exponential, replicate, saturated, scenario

pytestmark = pytest.mark.slow  # long statistical runs: CI runs them, the fast loop (-m "not slow") does not


def machine_repairman(machines: int, failure_rate: float, repair_rate: float) -> tuple[float, float]:
    """(availability per machine, repairman utilisation) of M/M/1//N."""
    ratio = failure_rate / repair_rate
    p0 = 1 / sum(math.factorial(machines) / math.factorial(machines - n) * ratio**n for n in range(machines + 1))
    mean_down = machines - (1 - p0) / ratio
    return 1 - mean_down / machines, 1 - p0


def test_three_machines_one_repairman():
    availability, busy = machine_repairman(3, failure_rate=0.1, repair_rate=0.5)
    s = scenario(
        stations=[{
            "name": "m", "machines": 3, "cycle_time": "1 h",
            "failures": {"ttf": exponential(10.0), "ttr": exponential(2.0), "clock": "calendar", "repair_crew": "fix"},
        }],
        sources=[saturated("m")],
        length_h=20_000, warmup_h=200, crews={"fix": 1},
    )
    reps = replicate(s)
    assert_matches([r.stations["m"].states["working"] for r in reps], availability, "availability")
    assert_matches([r.crews["fix"].utilization for r in reps], busy, "repairman utilisation")

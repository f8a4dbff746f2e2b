"""Cases 2-6 of shared/reference/validation.md: tandem lines, finite buffers with blocking,
an unreliable machine, scrap, and deterministic lines."""

from __future__ import annotations

import pytest

from tests.validation.theory import (
    assert_matches, constant, exponential, poisson, replicate, saturated, scenario,
)

pytestmark = pytest.mark.slow  # long statistical runs: CI runs them, the fast loop (-m "not slow") does not


def test_case2_jackson_tandem_line():
    mus = (1.5, 2.0, 1.25)
    reps = replicate(scenario(
        stations=[{"name": f"s{i}", "cycle_time": exponential(1 / mu)} for i, mu in enumerate(mus)],
        sources=[poisson(1.0, "s0")],
        length_h=50_000, warmup_h=2_000,
    ))
    assert_matches([r.line.lead_time_h for r in reps], 7.0, "total W")
    assert_matches([r.line.wip_cells for r in reps], 7.0, "total L")
    for i, rho in enumerate((2 / 3, 0.5, 0.8)):
        assert_matches([r.stations[f"s{i}"].utilization for r in reps], rho, f"utilisation s{i}")
    for i, w in enumerate((2.0, 1.0, 4.0)):
        # Little per station: time in station = cells at station / throughput
        assert_matches(
            [r.stations[f"s{i}"].wip_cells / r.stations[f"s{i}"].throughput_per_h for r in reps], w, f"W s{i}"
        )


def two_stations(mu1: float, mu2: float, buffer: int):
    return scenario(
        stations=[
            {"name": "m1", "cycle_time": exponential(1 / mu1)},
            {"name": "m2", "buffer": buffer, "cycle_time": exponential(1 / mu2)},
        ],
        sources=[saturated("m1")],
        length_h=20_000, warmup_h=500,
    )


@pytest.mark.parametrize(
    "mu1, mu2, buffer, throughput, p_blocked, p_starved",
    [
        (1.0, 1.2, 0, 0.725275, 0.274725, 0.395604),
        (1.0, 1.2, 1, 0.813711, 0.186289, 0.321908),
        (1.0, 1.2, 2, 0.865620, 0.134380, 0.278650),
        (1.0, 1.0, 0, 0.666667, None, None),
        (1.0, 1.0, 2, 0.800000, None, None),
        (1.2, 1.0, 1, 0.813711, None, None),  # throughput is symmetric in (mu1, mu2)
    ],
)
def test_case3_finite_buffer_blocking_after_service(mu1, mu2, buffer, throughput, p_blocked, p_starved):
    reps = replicate(two_stations(mu1, mu2, buffer))
    assert_matches([r.line.throughput_per_h for r in reps], throughput, "TH")
    assert_matches([r.stations["m1"].states["working"] for r in reps], throughput / mu1, "M1 working = TH/mu1")
    if p_blocked is not None:
        assert_matches([r.stations["m1"].states["blocked"] for r in reps], p_blocked, "P(M1 blocked)")
        assert_matches([r.stations["m2"].states["starved"] for r in reps], p_starved, "P(M2 starved)")


@pytest.mark.parametrize("clock", ["operating", "calendar"])
def test_case4_single_unreliable_machine(clock):
    reps = replicate(scenario(
        stations=[{
            "name": "m",
            "cycle_time": constant(1.0),
            "failures": {"ttf": exponential(100.0), "ttr": exponential(10.0), "clock": clock},
        }],
        sources=[saturated("m")],
        length_h=50_000, warmup_h=500,
    ))
    assert_matches([r.line.throughput_per_h for r in reps], 100 / 110, "TH = A / t")
    assert_matches([r.stations["m"].states["working"] for r in reps], 100 / 110, "working")
    assert_matches([r.stations["m"].states["down"] for r in reps], 10 / 110, "down")


def test_case5_serial_line_with_scrap():
    mus, yields = (2.0, 1.5, 1.2), (0.95, 0.90, 0.98)
    reps = replicate(scenario(
        stations=[
            {"name": f"s{i}", "cycle_time": exponential(1 / mu), "yield": y}
            for i, (mu, y) in enumerate(zip(mus, yields))
        ],
        sources=[poisson(1.0, "s0")],
        length_h=50_000, warmup_h=2_000,
    ))
    assert_matches([r.line.throughput_per_h for r in reps], 0.8379, "good output rate")
    for i, rate in enumerate((0.050, 0.095, 0.0171)):
        assert_matches(
            [r.stations[f"s{i}"].scrapped_cells / 50_000 for r in reps], rate, f"scrap rate s{i}"
        )
    for i, big_l in enumerate((1.0, 1.727273, 2.478261)):
        assert_matches([r.stations[f"s{i}"].wip_cells for r in reps], big_l, f"L s{i}")
    assert_matches([r.line.wip_cells for r in reps], 5.205534, "total L")
    assert_matches([r.line.lead_time_h for r in reps], 5.716733, "time in system of a good part")


def deterministic_line(sources, length_h, warmup_h):
    return scenario(
        stations=[
            {"name": "s0", "cycle_time": constant(2.0)},
            {"name": "s1", "buffer": 1, "cycle_time": constant(3.0)},
            {"name": "s2", "buffer": 1, "cycle_time": constant(1.5)},
        ],
        sources=sources, length_h=length_h, warmup_h=warmup_h, replications=2,
    )


def test_case6_deterministic_line_saturated():
    length = 3_000.0
    reps = replicate(deterministic_line([saturated("s0")], length, 300.0))
    for r in reps:  # the window holds exactly length/3 completions of the 3 h station, give or take one
        assert abs(r.line.throughput_per_h - 1 / 3) <= 1 / length
        assert r.stations["s1"].states["working"] == pytest.approx(1.0)


def test_case6_deterministic_line_paced_arrivals():
    reps = replicate(deterministic_line(
        [{"name": "paced", "to": "s0", "interarrival": constant(3.5)}], length_h=3_500.0, warmup_h=350.0
    ))
    for r in reps:
        assert r.line.lead_time_h == pytest.approx(6.5)
        assert r.line.wip_cells == pytest.approx(6.5 / 3.5)
        assert r.stations["s1"].waiting_time_h == pytest.approx(0.0)

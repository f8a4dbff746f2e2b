"""The store and batch behaviours against theory: a dwell store with c places and exponential dwell
times is an M/M/c queue; with room to spare it is M/D/infinity; a saturated batch machine with a
constant recipe delivers a full batch per recipe time."""

from __future__ import annotations

import pytest

from tests.validation.theory import assert_matches, constant, exponential, poisson, replicate, saturated, scenario

pytestmark = pytest.mark.slow  # long statistical runs: CI runs them, the fast loop (-m "not slow") does not


def test_dwell_store_with_two_places_is_mm2():
    reps = replicate(scenario(
        stations=[{"name": "rest", "kind": "dwell", "capacity": 2, "cycle_time": exponential(1.0)}],
        sources=[poisson(1.6, "rest")],
        length_h=100_000, warmup_h=2_000,
    ))
    assert_matches([r.stations["rest"].waiting_time_h for r in reps], 1.777778, "Wq")
    assert_matches([r.line.lead_time_h for r in reps], 2.777778, "W")
    assert_matches([r.line.wip_cells for r in reps], 4.444444, "L")
    assert_matches([r.stations["rest"].states["working"] for r in reps], 0.8, "place occupancy")


def test_dwell_store_with_room_to_spare_is_md_infinity():
    reps = replicate(scenario(
        stations=[{"name": "aging", "kind": "dwell", "capacity": 10_000, "cycle_time": constant(14 * 24.0)}],
        sources=[poisson(5.0, "aging")],
        length_h=5_000, warmup_h=500, replications=10,
    ))
    assert_matches([r.line.wip_cells for r in reps], 5.0 * 14 * 24, "L = lambda * dwell")
    for r in reps:
        assert r.line.lead_time_h == pytest.approx(14 * 24.0)


def test_saturated_batch_machine_delivers_full_batches():
    reps = replicate(scenario(
        stations=[{
            "name": "formation", "kind": "batch", "machines": 3, "batch": {"min": 4, "max": 8},
            "cycle_time": constant(20.0),
        }],
        sources=[saturated("formation")],
        length_h=2_010, warmup_h=0, replications=2, cells_per_lot=16,
    ))
    for r in reps:  # 3 racks x 8 lots x 16 cells every 20 h: 100 recipes end inside the 2,010 h window
        assert r.line.throughput_per_h == pytest.approx(100 * 3 * 8 * 16 / 2_010.0)
        # full batches: performance loses only the recipe still running when the window closes
        assert r.stations["formation"].performance == pytest.approx(100 * 20 / 2_010.0)

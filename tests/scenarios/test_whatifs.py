"""Each what-if moves the KPI it should, in the direction it should, against its base under common
random numbers: replication i of both runs with the same seed and index, so every station the change
leaves alone draws the same numbers, and the 95 % paired t-interval of what-if - base excludes 0 on
the expected side. Where the mechanism is visible in a station KPI, that is checked too.

The runs are the plausibility tests' (same file, count and window), so a base is simulated once per
pytest worker.
"""

from __future__ import annotations


import pytest

from tests.scenarios.support import LENGTHS, line_values, paired_interval, replications, station_values

pytestmark = pytest.mark.slow  # long statistical runs: CI runs them, the fast loop (-m "not slow") does not

COUNT = {"cylindrical_line.yaml": 8, "power_cell_line.yaml": 4}


def _pair(whatif: str, base: str):
    return replications(base, COUNT[base], LENGTHS[base]), replications(whatif, COUNT[base], LENGTHS[base])


def _line_change(base, whatif, kpi: str) -> tuple[float, float]:
    return paired_interval(line_values(base, kpi), line_values(whatif, kpi))


def _station_change(base, whatif, station: str, get) -> tuple[float, float]:
    return paired_interval(station_values(base, station, get), station_values(whatif, station, get))


def test_a_faster_winder_raises_good_output():
    base, whatif = _pair("cylindrical_line_faster_winder.yaml", "cylindrical_line.yaml")
    assert _line_change(base, whatif, "throughput_per_h")[0] > 0
    assert _line_change(base, whatif, "gwh_per_year")[0] > 0
    assert _station_change(base, whatif, "winding", lambda s: s.throughput_per_h)[0] > 0
    # and the formation racks, with ~12 % headroom in the base, now work harder
    assert _station_change(base, whatif, "formation", lambda s: s.utilization)[0] > 0


def test_a_mature_finishing_yield_raises_good_output_by_the_yield_ratio():
    """Formation + EOL at BatPaC's optimised 99 % instead of 95 % [S16]: the same cells are started on this
    winder-paced line, so good output rises by (0.995 x 0.995) / (0.98 x 0.97) - 1 = +4.15 %, and the
    material yield with it; nothing upstream of formation moves."""
    base, whatif = _pair("cylindrical_line_mature_yield.yaml", "cylindrical_line.yaml")
    gain = (0.995 * 0.995) / (0.98 * 0.97) - 1
    low, high = _line_change(base, whatif, "throughput_per_h")
    mean = line_values(base, "throughput_per_h").mean()
    assert low / mean <= gain <= high / mean
    assert _line_change(base, whatif, "material_yield")[0] > 0
    assert _station_change(base, whatif, "crimping", lambda s: s.throughput_per_h) == (0.0, 0.0)


def test_dropping_the_third_shift_lowers_good_output():
    """Base minus two shifts is what the third shift buys: it must be positive."""
    base, whatif = _pair("cylindrical_line_two_shifts.yaml", "cylindrical_line.yaml")
    assert _line_change(base, whatif, "throughput_per_h")[1] < 0
    assert _station_change(base, whatif, "winding", lambda s: s.states["off_shift"])[0] > 0
    # finishing runs round the clock in both: its racks are simply less busy
    assert _station_change(base, whatif, "formation", lambda s: s.states["off_shift"]) == (0.0, 0.0)
    assert _station_change(base, whatif, "formation", lambda s: s.utilization)[1] < 0


def test_a_larger_buffer_before_filling_unblocks_the_winder_and_raises_good_output():
    base, whatif = _pair("cylindrical_line_filling_buffer.yaml", "cylindrical_line.yaml")
    assert _station_change(base, whatif, "can_welding", lambda s: s.states["blocked"])[1] < 0
    assert _station_change(base, whatif, "winding", lambda s: s.states["blocked"])[1] < 0
    assert _line_change(base, whatif, "throughput_per_h")[0] > 0


def test_one_more_formation_rack_raises_the_power_lines_output_in_proportion():
    """Formation is the power-cell line's constraint (every rack always busy), so one rack more in 180
    adds 1/180 = 0.56 % of good output."""
    base, whatif = _pair("power_cell_line_formation_rack.yaml", "power_cell_line.yaml")
    assert min(station_values(base, "formation", lambda s: s.utilization)) > 0.99
    low, high = _line_change(base, whatif, "throughput_per_h")
    assert low > 0
    mean = line_values(base, "throughput_per_h").mean()
    assert low / mean <= 1 / 180 <= high / mean


def test_a_16_wh_power_cell_makes_four_fifths_of_the_energy_from_the_same_cells():
    """The 20 Wh of the base is what 137,000 cells/day x 365 d and 1.0 GWh/yr imply; d.2's 16 Wh default
    makes the same cells (common random numbers: identical runs) worth 0.8 of the energy."""
    base, whatif = _pair("power_cell_line_16wh.yaml", "power_cell_line.yaml")
    assert list(line_values(whatif, "throughput_per_h")) == list(line_values(base, "throughput_per_h"))
    ratio = line_values(whatif, "gwh_per_year") / line_values(base, "gwh_per_year")
    assert ratio == pytest.approx(0.8, rel=1e-12)

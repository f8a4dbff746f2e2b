"""The two lines against the published figures of shared/reference/battery-process.md, section (e):
output near nameplate, formation and aging holding most of the WIP and the lead time, formation
channels consistent with Little's law, and a mature yield chain of about 90-95 % good cells.

Each check runs the file's line with its own seed for fewer replications and a shorter window than
the file asks (`twin run` does the full month); the warm-up is the file's, since nothing leaves a line
before its ~18-day pipeline (14 days of it aging) is full.
"""

from __future__ import annotations

import numpy as np
import pytest

from twin.spec.yaml_io import load_scenario

from tests.scenarios.support import line_values, replications, scenario_file, station_values, t_interval

pytestmark = pytest.mark.slow  # long statistical runs: CI runs them, the fast loop (-m "not slow") does not

LENGTH = "14 d"  # two whole weeks of the cylindrical line's Monday-Saturday calendar
LINES = {
    # file: (replications, nameplate GWh/yr, good cells/day from the reference or None)
    "cylindrical_line.yaml": (8, 0.1, None),        # 0.1 GWh/yr [S2], d.1
    "power_cell_line.yaml": (4, 1.0, 137_000),      # 1 GWh/yr [S2], 137,000 cells/day [S4], d.2
}
FINISHING = ("wetting", "formation", "aging", "eol_test", "grading")


def _results(file: str):
    return replications(file, LINES[file][0], LENGTH)


def _hours_at(results, station: str) -> np.ndarray:
    """Mean time a cell spends at a station, by Little's law: cells there / cells through per hour."""
    return station_values(results, station, lambda s: s.wip_cells / s.throughput_per_h)


@pytest.mark.parametrize("file", LINES)
def test_output_is_near_nameplate(file):
    """(d.1/d.2) Each line's whole 95 % CI of GWh/yr lies within 10 % of its nameplate.

    What is derived from the nameplate, so that the check is not independent of it:
    - Line 1: the winder's 16 ppm gross (d.1 derives it from 0.1 GWh/yr with 90 % yield and 85 % OEE)
      and the 18 Wh cell; the racks (e.3's rule) are not binding. The check tests the yields, breakdowns,
      calendars and buffers that turn 16 ppm into output.
    - Line 2: the 180 formation racks (the constraint) are sized from 137,000 cells/day, and the 20 Wh
      from 137,000 cells/day and 1.0 GWh/yr, so for this line the check only confirms the sizing
      arithmetic and that nothing else binds (see scenarios/power_cell_line.yaml and docs/lines.md)."""
    _, nameplate, cells_per_day = LINES[file]
    results = _results(file)
    low, high = t_interval(line_values(results, "gwh_per_year"))
    assert 0.9 * nameplate <= low and high <= 1.1 * nameplate
    if cells_per_day:
        low, high = t_interval(line_values(results, "throughput_per_h") * 24)
        assert 0.9 * cells_per_day <= low and high <= 1.1 * cells_per_day


def test_the_cylindrical_winder_runs_at_sixteen_cells_a_minute():
    """(d.1) ~16 ppm gross: cells wound per working hour of the winder (good out / yield / working share)."""
    results = _results("cylindrical_line.yaml")
    per_min = station_values(results, "winding", lambda s: s.throughput_per_h / s.quality / s.states["working"] / 60)
    low, high = t_interval(per_min)
    assert low <= 16.0 <= high


@pytest.mark.parametrize("file", LINES)
def test_formation_and_aging_hold_most_of_the_wip_and_the_lead_time(file):
    """(e.1, e.2) Formation + aging are the largest WIP store and most of the lead time; all of finishing
    is 80-95 % of the lead time: (e.2) says ~80-90 %, and its own arithmetic, ~16 d of finishing against
    1-3 d of electrode and assembly, gives 84-94 %."""
    results = _results(file)
    wip = line_values(results, "wip_cells")
    held = station_values(results, "formation", lambda s: s.wip_cells) + station_values(results, "aging", lambda s: s.wip_cells)
    lead = line_values(results, "lead_time_h")
    formation_aging = _hours_at(results, "formation") + _hours_at(results, "aging")
    finishing = sum(_hours_at(results, name) for name in FINISHING)
    assert t_interval(held / wip)[0] > 0.5
    assert t_interval(formation_aging / lead)[0] > 0.5
    low, high = t_interval(finishing / lead)
    assert 0.80 <= low and high <= 0.95
    # no other station holds more cells than aging, formation or wetting
    for result in results:
        largest = sorted(result.stations, key=lambda name: result.stations[name].wip_cells)[-3:]
        assert set(largest) == {"wetting", "formation", "aging"}


@pytest.mark.parametrize("file", LINES)
def test_formation_channels_are_consistent_with_littles_law(file):
    """(e.3) channels ~= cell starts/h x formation h / utilisation.

    Starts into formation (cells processed per hour) times the recipe must equal the cells on channels
    (Little's law; the recipe is a constant, so this holds to the window's edge effects), the cells queued
    must equal starts times the measured wait, and the line's channel count must be what the reference's
    sizing rule gives for the simulated starts at its 0.88 utilisation (d.1), within 10 %."""
    scenario = load_scenario(scenario_file(file))
    formation = scenario.station("formation")
    recipe_h = formation.cycle_time.mean_s / 3600
    channels = formation.machines * formation.batch.max * scenario.product.cells_per_lot
    results = _results(file)
    starts = station_values(results, "formation", lambda s: s.throughput_per_h / s.quality)
    on_channels = station_values(results, "formation", lambda s: s.wip_cells - s.queue_cells)
    queued = station_values(results, "formation", lambda s: s.queue_cells)
    waiting_h = station_values(results, "formation", lambda s: s.waiting_time_h)
    assert on_channels == pytest.approx(starts * recipe_h, rel=0.01)
    assert queued == pytest.approx(starts * waiting_h, rel=0.05, abs=0.01 * channels)
    utilisation = station_values(results, "formation", lambda s: s.utilization)
    if file == "cylindrical_line.yaml":  # the winder sets the output: the racks keep the reference's headroom
        sized = starts.mean() * recipe_h / 0.88
        assert 0.9 * sized <= channels <= 1.1 * sized
    else:  # the 150 ppm assembly outruns the racks, sized from the nameplate at full use (see the file)
        assert t_interval(utilisation)[0] > 0.98
        assert 80_000 <= channels <= 165_000  # (e.3) ~80k-165k channels for 12-24 h recipes at 137,000 cells/day
    # full trays (regroup after sealing): a busy rack holds full trays, so channels in use = utilisation x channels
    assert on_channels.mean() / (utilisation.mean() * channels) >= 0.99


def _chain(file: str) -> float:
    """Expected share of good cells: the cell yields along the flow from the winder, each routed branch
    (re-test) weighted by its share (electrode steps scrap rolls, not cells; dwell stores scrap none)."""
    scenario = load_scenario(scenario_file(file))
    index = {s.name: i for i, s in enumerate(scenario.stations)}

    def good_from(i: int) -> float:
        spec = scenario.stations[i]
        here = 1.0 if spec.kind == "dwell" else spec.yield_
        return here * sum(share * (1.0 if target == "exit" else good_from(index[target]))
                          for target, share in scenario.routes_of(i).items())

    return good_from(index["winding"])


def _electrode(spec) -> bool:
    from twin.spec import catalog

    return spec.template is not None and catalog.template(spec.template).area == "electrode"


@pytest.mark.parametrize("file", LINES)
def test_the_line_yield_is_the_product_of_the_cell_yields(file):
    results = _results(file)
    low, high = t_interval(line_values(results, "yield_"))
    assert low <= _chain(file) <= high


def test_the_mature_yield_chain_gives_90_to_95_percent_good_cells():
    """(e.4) At mature settings (filling at its optimised 99 % [S16], the rest at their steady values)
    90-95 % of the cells started are good; at start of production (filling 94 %) fewer."""
    mature = replications("cylindrical_line_mature_filling.yaml", 4, LENGTH)
    low, high = t_interval(line_values(mature, "yield_"))
    assert 0.90 <= low and high <= 0.95
    assert low <= _chain("cylindrical_line_mature_filling.yaml") <= high
    assert _chain("cylindrical_line.yaml") < 0.90

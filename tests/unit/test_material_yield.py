"""kpis.material_yield: electrode area in good cells over the electrode area coated. Material losses are
fixed area conversions (a coater's m2 per roll against the cells a roll pair makes), scrapped cells
lower it as well; a scenario that gives no areas reports it as undefined (null)."""

from __future__ import annotations

import math

import pytest

from twin.analysis.aggregate import aggregate_replications
from twin.experiments.replications import run_replications
from twin.sim.engine import simulate
from twin.sim.kpis import line_kpis
from twin.spec.scenario import Scenario

LENGTH_H = 100.0


def _line(*, cell_yield: float = 1.0, areas: bool = True) -> Scenario:
    """A coater making a 100 m2 roll every 10 min (saturated), a winder turning each roll into 40 cells of
    2 m2 of electrode (80 of the 100 m2: a fixed 20 % trim), then a test that scraps cells."""
    coater = {"name": "coating", "cycle_time": "10 min"}
    product = {"name": "cell", "cells_per_lot": 10}
    if areas:
        coater["coated_m2_per_lot"] = 100.0
        product["electrode_m2_per_cell"] = 2.0
    return Scenario.model_validate({
        "name": "m", "run": {"length": f"{LENGTH_H} h", "warmup": "2 h", "replications": 2}, "products": [product],
        "sources": [{"name": "rolls", "to": "coating", "release": "saturated", "material": "roll"}],
        "stations": [
            coater,
            {"name": "winding", "kind": "assembly", "inputs": {"coating": 1}, "cells_out": 40, "split": 4, "buffer": 2,
             "cycle_time": {"dist": "constant", "value": "12 s", "per": "cell"}},
            {"name": "test", "cycle_time": "1 s", "yield": cell_yield},
        ],
    })


def test_a_fixed_trim_gives_its_area_share_exactly():
    rep = line_kpis(simulate(_line(), 0)[0])
    # 600 rolls coated in 100 h, 24,000 cells of 2 m2 out: 0.8, up to one roll in process at each window edge
    assert rep.material_yield == pytest.approx(0.8, abs=0.8 * 2 / 600)


def test_scrapped_cells_lower_the_material_yield_by_the_cell_yield():
    rep = line_kpis(simulate(_line(cell_yield=0.5), 0)[0])
    cells = 40 * 600
    # binomial: 4 standard deviations of the good share of 24,000 cells, plus a roll at the edges
    assert rep.material_yield == pytest.approx(0.4, abs=0.8 * (4 * math.sqrt(0.25 / cells) + 2 / 600))
    assert rep.yield_ == pytest.approx(0.5, abs=4 * math.sqrt(0.25 / cells))


def test_without_areas_the_material_yield_is_undefined_and_reported_as_null():
    reps = run_replications(_line(areas=False), 2)
    assert all(math.isnan(r.line.material_yield) for r in reps)
    run = aggregate_replications(list(reps), scenario_name="m", scenario_hash="h", seed=1, warmup_h=2, length_h=LENGTH_H)
    assert run.kpis["material_yield"].mean is None
    assert '"material_yield":{"mean":null' in run.model_dump_json().replace(" ", "")


def test_the_run_result_carries_material_yield_as_a_kpi():
    reps = run_replications(_line(), 2)
    run = aggregate_replications(list(reps), scenario_name="m", scenario_hash="h", seed=1, warmup_h=2, length_h=LENGTH_H)
    assert run.kpis["material_yield"].mean == pytest.approx(0.8, abs=0.01)


def test_the_run_table_shows_the_material_yield_only_where_it_is_measured():
    from rich.console import Console

    from twin.cli.report import print_report

    shown = []
    for areas in (True, False):
        reps = run_replications(_line(areas=areas), 2)
        run = aggregate_replications(list(reps), scenario_name="m", scenario_hash="h", seed=1, warmup_h=2,
                                     length_h=LENGTH_H)
        console = Console(record=True, width=200)
        print_report(run, console)
        shown.append("material yield (area)" in console.export_text())
    assert shown == [True, False]


def test_the_dashboard_shows_a_material_yield_card_only_where_it_is_measured():
    from types import SimpleNamespace

    from dashboard.layout import kpi_cards
    from tests.dashboard.test_callbacks import text_of, with_class

    titles = []
    for areas in (True, False):
        reps = run_replications(_line(areas=areas), 2)
        run = aggregate_replications(list(reps), scenario_name="m", scenario_hash="h", seed=1, warmup_h=2,
                                     length_h=LENGTH_H)
        cards = with_class(kpi_cards(SimpleNamespace(result=run, bottleneck=None, verdict=None)), "kpi-card")
        titles.append([text_of(with_class(c, "kpi-title")) for c in cards])
    assert titles[0][-1] == "Material yield" and titles[1] == titles[0][:-1]

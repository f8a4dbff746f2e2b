"""The plant view and the energy/cost figures as pure functions of a stored result."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import plant_view
from twin.experiments.replications import run_experiment
from twin.spec.yaml_io import load_scenario
from tests.scenarios.support import shortened

SMALL_PLANT = Path(__file__).resolve().parents[1] / "e2e" / "plant" / "small_plant.yaml"


@pytest.fixture(scope="module")
def plant():
    scenario = shortened(load_scenario(SMALL_PLANT), "2 h", "12 h")
    return scenario, run_experiment(scenario, replications=2)


def test_the_plant_figure_puts_each_line_in_its_column_and_the_shared_formation_between(plant):
    scenario, result = plant
    figure = plant_view.plant_figure(scenario, result)
    by_name = {trace.name: trace for trace in figure.data if trace.name}
    assert list(by_name["east"].text) == ["filling", "eol_test"] and list(by_name["west"].text) == ["filling", "eol_test"]
    shared = by_name["shared"]
    assert list(shared.text) == ["formation"]
    assert min(by_name["east"].x) < shared.x[0] < max(by_name["west"].x)


def test_the_cost_bars_stack_each_kind_over_the_stations_and_sum_to_each_stations_cost(plant):
    _, result = plant
    figure = plant_view.cost_figure(result)
    assert [trace.name for trace in figure.data] == ["capital", "labour", "energy", "material", "scrap"]
    stations = list(figure.data[0].x)
    assert "formation" in stations and "east.filling" in stations
    for i, name in enumerate(stations):
        stacked = sum(trace.y[i] for trace in figure.data)
        assert stacked == pytest.approx(sum(e.mean for e in result.stations[name].cost_by_kind.values()))


def test_the_energy_figure_shows_plant_and_lines_against_the_reference_band(plant):
    _, result = plant
    figure = plant_view.energy_band_figure(result)
    bars = figure.data[0]
    assert list(bars.x) == ["plant", "east", "west"]
    assert bars.y[0] == pytest.approx(result.kpis["energy_kwh_per_kwh"].mean)
    band = figure.layout.shapes[0]
    assert (band.y0, band.y1) == plant_view.REFERENCE_BAND_KWH_PER_KWH

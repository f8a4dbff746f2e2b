"""Plant and energy/cost identities that hold exactly on every sample path.

- A plant of one line is that line: its `lines.<line>` KPIs, its totals and every station (named
  `line.station`) equal the line run alone under the same seed, value for value.
- Station energies plus facility energy equal the total energy.
- The cost parts (capital, labour, energy, material, scrap) sum to the cost per good cell, and the
  stations' parts plus the facility and bought-in material rows sum to the total cost.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.property.strategies import bounded, scenario_dicts
from twin.sim.engine import run_replication, simulate
from twin.sim.kpis import Economy, replication_kpis
from twin.spec.plant import PlantSpec, compile_plant
from twin.spec.scenario import Scenario

pytestmark = pytest.mark.slow  # hypothesis searches: CI runs them, the fast loop (-m "not slow") does not


@st.composite
def priced_scenarios(draw) -> Scenario:
    """Small valid lines with power on some stations, a facility load, costs and prices."""
    data = draw(scenario_dicts(max_stations=4, length_h=(20, 80)))
    for station in data["stations"]:
        if draw(st.booleans()):
            station["power"] = {"working": f"{draw(st.integers(1, 50))} kW", "starved": "2 kW", "down": "1 kW"}
        if draw(st.booleans()):
            station["cost"] = {"capex": f"{draw(st.integers(0, 5))} M GBP", "life": "8 yr",
                               "labour_per_shift": draw(st.integers(0, 3)), "material_per_cell": "0.5 GBP"}
    if draw(st.booleans()):
        data["facility"] = {"hvac": {"power": f"{draw(st.integers(1, 20))} kW"}}
    data["prices"] = {"energy": "0.2 GBP/kWh", "labour": "30 GBP/h", "cell_material": "2 GBP"}
    return Scenario.model_validate(data)


def _one_line_plant(line: Scenario) -> Scenario:
    plant = PlantSpec.model_validate({"name": "plant", "lines": {"only": {"file": "line.yaml"}},
                                      "run": line.run.model_dump(mode="json")})
    data, _ = compile_plant(plant, {"only": line})
    return Scenario.model_validate(data)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@bounded(max_examples=10)
@given(priced_scenarios(), st.integers(0, 2))
def test_a_plant_of_one_line_is_that_line_value_for_value(line, replication):
    alone = run_replication(line, replication)
    plant = run_replication(_one_line_plant(line), replication)
    def dump(model) -> dict:  # JSON, as stored (NaN -> null); facility loads are renamed 'line.load' in a plant
        data = json.loads(model.model_dump_json(by_alias=True))
        if "facility_kwh" in data:
            data["facility_kwh"] = {k.removeprefix("only."): v for k, v in data["facility_kwh"].items()}
        return data

    assert dump(plant.lines["only"]) == dump(alone.line)
    assert dump(plant.line) == dump(alone.line)
    assert {f"only.{name}": dump(s) for name, s in alone.stations.items()} == {
        name: dump(s) for name, s in plant.stations.items()}


@bounded(max_examples=10)
@given(priced_scenarios(), st.integers(0, 2))
def test_energies_and_cost_parts_sum_to_their_totals(line, replication):
    model, series = simulate(line, replication)
    result = replication_kpis(model, series, replication)
    kpis = result.line
    stations = sum(s.energy_kwh for s in result.stations.values())
    assert math.isclose(stations + sum(kpis.facility_kwh.values()), kpis.energy_kwh, rel_tol=1e-9, abs_tol=1e-9)
    rows = Economy.of(model).plant.station_cost_gbp  # stations, facility loads, bought-in cell material
    assert math.isclose(sum(sum(row.values()) for row in rows.values()), kpis.cost_gbp, rel_tol=1e-9, abs_tol=1e-6)
    if kpis.good_cells > 0:
        assert math.isclose(sum(kpis.cost_by_kind.values()), kpis.cost_per_good_cell_gbp, rel_tol=1e-9)
        for name, station in result.stations.items():
            assert station.cost_by_kind == pytest.approx({k: v / kpis.good_cells for k, v in rows[name].items()})

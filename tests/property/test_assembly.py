"""Identities through assembly and split: every item (cells, electrode rolls) is conserved per
stream, per station, and Little's sample-path identity holds for the cells the assembly makes."""

from __future__ import annotations

import pytest
from hypothesis import given

from tests.conservation import assert_units_conserved
from tests.property.strategies import assembly_dicts, bounded
from twin.sim.engine import simulate
from twin.spec.scenario import Scenario

pytestmark = pytest.mark.slow  # hypothesis searches: CI runs them, the fast loop (-m "not slow") does not


@bounded(40)
@given(spec=assembly_dicts())
def test_units_are_conserved_per_stream_and_station(spec):
    model, _ = simulate(Scenario.model_validate(spec), 0)
    assert_units_conserved(model)


@bounded(40)
@given(spec=assembly_dicts())
def test_the_assembly_never_outruns_its_scarcest_input(spec):
    scenario = Scenario.model_validate(spec)
    model, _ = simulate(scenario, 0)
    winder = scenario.station("winding")
    jobs = model.stations["winding"].monitor.created // winder.cells_out if not winder.split else None
    consumed = {item.name: model.line.consumed[i] for i, item in enumerate(model.line.items)}
    for feeder, quantity in (winder.inputs or {}).items():
        delivered = model.stations[feeder].monitor.cells_out
        assert consumed[f"{feeder}_roll"] <= delivered
        assert consumed[f"{feeder}_roll"] % quantity == 0
    if jobs is not None:
        assert consumed["cathode_line_roll"] // winder.inputs["cathode_line"] == jobs


@bounded(40)
@given(spec=assembly_dicts())
def test_littles_identity_for_the_cells_made(spec):
    model, _ = simulate(Scenario.model_validate(spec), 0)
    line, now = model.line, model.env.now
    inside = line.wip.value * now - line.release_time_sum
    assert line.wip.area_until(now) == pytest.approx(line.departed_cell_s + inside, rel=1e-9, abs=1e-6)

"""The count-conservation identity, shared by unit and property tests: every unit that entered the
line (released, or made by an assembly or split) is consumed, good, scrapped or still inside, per
item; and per station, units in plus units made equal units out, scrapped, consumed and held."""

from __future__ import annotations

from twin.sim.build import Model


def assert_units_conserved(model: Model) -> None:
    line = model.line
    for i, item in enumerate(line.items):
        came = line.released[i] + line.created[i]
        went = line.consumed[i] + line.good[i] + line.scrapped[i] + line.inside[i]
        assert came == went, item.name
    for name, station in model.stations.items():
        m = station.monitor
        assert m.cells_in + m.created == m.cells_out + m.scrapped + m.expired + m.consumed + m.wip.value, name

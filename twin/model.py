"""Build the runtime model of one replication from a scenario: the only place specs become SimPy objects."""

from __future__ import annotations

import math
from dataclasses import dataclass

from simpy import Environment

from stations.base import BatchBuffer, Buffer, StationRuntime
from stations.batch import BatchStation
from stations.dwell import DwellStation
from stations.machine import MachineStation
from stations.sink import Exit
from stations.source import start_source
from twin.monitors import LineMonitor, StationMonitor
from twin.rng import Streams
from twin.scenario import EXIT, Scenario

BEHAVIOURS = {"machine": MachineStation, "batch": BatchStation, "dwell": DwellStation}


@dataclass
class Model:
    env: Environment
    scenario: Scenario
    line: LineMonitor
    stations: dict[str, StationRuntime]

    def reset_statistics(self) -> None:
        now = self.env.now
        self.line.reset(now)
        for station in self.stations.values():
            station.reset(now)


def build(scenario: Scenario, streams: Streams) -> Model:
    env = Environment()
    line = LineMonitor()
    stations: dict[str, StationRuntime] = {}
    for spec in scenario.stations:
        capacity = math.inf if spec.buffer is None else spec.buffer
        units = spec.capacity if spec.kind == "dwell" else spec.machines
        monitor = StationMonitor(spec.name, units or 1)
        if spec.kind == "batch":
            buffer: Buffer = BatchBuffer(env, capacity, monitor, line, spec.batch.min, spec.batch.max)  # type: ignore[union-attr]
        else:
            buffer = Buffer(env, capacity, monitor, line)
        stations[spec.name] = BEHAVIOURS[spec.kind](env, spec, buffer, monitor, line, streams)
    exit_ = Exit(env, line)
    for index, spec in enumerate(scenario.stations):
        target = scenario.next_of(index)
        stations[spec.name].destination = exit_ if target == EXIT else stations[target].buffer  # type: ignore[assignment]
        if spec.rework is not None:
            stations[spec.name].rework_target = stations[spec.rework.to].buffer  # type: ignore[attr-defined]
    for station in stations.values():
        station.start()
    for source in scenario.sources:
        start_source(env, source, stations[source.to].buffer, scenario.product.cells_per_lot, streams)
    return Model(env=env, scenario=scenario, line=line, stations=stations)

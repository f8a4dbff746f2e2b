"""Loss waterfall: from the bottleneck's ideal output down to the line's good output.

Relative to bottleneck station b with ideal capacity C (cells/h when every machine works at ideal
speed), over the observation window:

    C = C x (working + down + setup + off_shift + starved + blocked + waiting_batch shares of b)
    C x working = processed at b + speed loss at b
    processed at b = good out + scrap at b and after it + residual

The residual is the cells processed at b but not yet out at the end (the WIP after b grew, or
lots are in a rework loop). Every part is measured, except the residual, which closes the sum
exactly; so the parts always add up to ideal minus actual.
"""

from __future__ import annotations


from twin.sim.results import LossStep, LossWaterfall, ReplicationResult
from twin.spec.scenario import EXIT, Scenario
from twin.analysis.statistics import estimate

STATE_CAUSES = (
    ("down", "downtime"), ("setup", "setup"), ("off_shift", "off-shift time"),
    ("starved", "starvation (upstream)"), ("blocked", "blocking (downstream)"), ("waiting_batch", "batch filling"),
)


def downstream_of(scenario: Scenario, station: str) -> list[str]:
    """`station` and every station its lots can reach (next and rework routes), in list order."""
    edges: dict[str, set[str]] = {s.name: set() for s in scenario.stations}
    for index, spec in enumerate(scenario.stations):
        target = scenario.next_of(index)
        if target != EXIT:
            edges[spec.name].add(target)
        rework = getattr(spec, "rework", None)  # machine, batch and assembly stations only
        if rework is not None:
            edges[spec.name].add(rework.to)
    seen, stack = {station}, [station]
    while stack:
        for nxt in edges[stack.pop()] - seen:
            seen.add(nxt)
            stack.append(nxt)
    return [s.name for s in scenario.stations if s.name in seen]


def replication_losses(scenario: Scenario, result: ReplicationResult, bottleneck: str) -> list[tuple[str, str, float]]:
    """(cause, station, cells/h) of one replication; sums to capacity - throughput."""
    b = result.stations[bottleneck]
    capacity = b.capacity_per_h
    steps = [(cause, bottleneck, capacity * b.states[state]) for state, cause in STATE_CAUSES]
    steps.append(("speed loss", bottleneck, capacity * b.states["working"] - b.processed_per_h))
    window_h = scenario.run.length / 3600
    scrapped = 0.0
    for name in downstream_of(scenario, bottleneck):
        rate = result.stations[name].scrapped_cells / window_h
        scrapped += rate
        steps.append(("scrap", name, rate))
    steps.append(("not yet out (WIP after the bottleneck)", bottleneck,
                  b.processed_per_h - scrapped - result.line.throughput_per_h))
    return steps


def loss_waterfall(scenario: Scenario, replications: list[ReplicationResult], bottleneck: str) -> LossWaterfall:
    per_rep = [replication_losses(scenario, r, bottleneck) for r in replications]
    steps = [
        LossStep(cause=cause, station=station, cells_per_h=estimate([rep[i][2] for rep in per_rep]))
        for i, (cause, station, _) in enumerate(per_rep[0])
    ]
    return LossWaterfall(
        bottleneck=bottleneck,
        ideal_per_h=estimate([r.stations[bottleneck].capacity_per_h for r in replications]),
        steps=steps,
        actual_per_h=estimate([r.line.throughput_per_h for r in replications]),
    )

"""Time one replication of one simulated year of a scenario file (run length 8760 h, no warm-up).

    python -m benchmarks.year_benchmark [SCENARIO.yaml] [--json]

The default scenario is scenarios/power_cell_line.yaml; when it does not exist the benchmark says so
and skips. Rates: lots handled per wall second (station departures, every station counted) and SimPy
events scheduled per wall second (env._eid).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

from twin.sim.engine import simulate
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "power_cell_line.yaml"
YEAR_S = 8760 * 3600.0


def one_year(scenario: Scenario) -> Scenario:
    """The scenario with its run set to one year and no warm-up (specs hold durations in seconds)."""
    return scenario.model_copy(update={"run": scenario.run.model_copy(update={"length": YEAR_S, "warmup": 0.0})})


def benchmark(path: Path) -> dict:
    scenario = one_year(load_scenario(path))
    gc.collect()
    start = time.perf_counter()
    model, _ = simulate(scenario, replication=0)
    wall_s = time.perf_counter() - start
    lots = sum(station.monitor.lots_out for station in model.stations.values())
    events = next(model.env._eid)
    return {
        "scenario": str(path), "name": scenario.name, "simulated_h": 8760, "wall_s": wall_s,
        "good_cells": model.line.cells(model.line.good), "lots_handled": lots, "events": events,
        "lots_per_s": lots / wall_s, "events_per_s": events / wall_s,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=DEFAULT_SCENARIO, help="scenario YAML file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if not args.scenario.exists():
        print(f"skipped: {args.scenario} does not exist", file=sys.stderr)
        return
    r = benchmark(args.scenario)
    if args.json:
        json.dump(r, sys.stdout, indent=2)
        print()
        return
    print(
        f"{r['name']}: one year (8760 h) in {r['wall_s']:.2f} s wall; {r['good_cells']:,} good cells, "
        f"{r['lots_handled']:,} lots handled ({r['lots_per_s']:,.0f}/s), "
        f"{r['events']:,} events ({r['events_per_s']:,.0f}/s)"
    )


if __name__ == "__main__":
    main()

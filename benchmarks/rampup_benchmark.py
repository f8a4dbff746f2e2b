"""Time the 52-week ramp-up of the power-cell line x 10 replications (issue 14's budget: under 2 minutes
on 2 cores), through the same executor `twin run -w 2` uses, and one replication alone in this process.

    python -m benchmarks.rampup_benchmark [SCENARIO.yaml] [--workers 2] [--replications 10] [--json]

Measured, never asserted in a test. The machine is shared, so the single replication also reports
its CPU seconds (less sensitive to other users than wall time) and the load average when it ran:
10 replications on 2 idle cores take about 5 x the CPU seconds of one. The default scenario is
scenarios/power_cell_line_rampup.yaml.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path

from twin.experiments.replications import run_replications
from twin.sim.engine import run_replication
from twin.spec.yaml_io import load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "power_cell_line_rampup.yaml"


def benchmark(path: Path, workers: int, replications: int) -> dict:
    scenario = load_scenario(path)
    gc.collect()
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    one = run_replication(scenario, 0)
    one_s, one_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    results = run_replications(scenario, replications, workers=workers)
    all_s = time.perf_counter() - start
    return {
        "scenario": str(path), "simulated_weeks": scenario.run.length / 604800, "periods": len(one.periods or []),
        "one_replication_s": one_s, "one_replication_cpu_s": one_cpu_s, "load_average": load,
        "replications": replications, "workers": workers, "all_replications_s": all_s,
        "good_cells_mean": sum(r.line.good_cells for r in results) / len(results),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=DEFAULT_SCENARIO, help="scenario YAML file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    r = benchmark(args.scenario, args.workers, args.replications)
    if args.json:
        json.dump(r, sys.stdout, indent=2)
        print()
        return
    print(f"{r['simulated_weeks']:.0f} weeks ({r['periods']} periods), load average {r['load_average']:.1f}: one "
          f"replication {r['one_replication_s']:.1f} s wall, {r['one_replication_cpu_s']:.1f} s CPU; "
          f"{r['replications']} replications on {r['workers']} workers {r['all_replications_s']:.1f} s; "
          f"mean good cells {r['good_cells_mean']:,.0f}")


if __name__ == "__main__":
    main()

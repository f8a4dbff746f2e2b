"""Time the 52-week ramp-up of the power-cell line x 10 replications (issue 14's budget: under 2 minutes
on 2 cores), through the same executor `twin run -w 2` uses, and one replication alone in this process.

    python -m benchmarks.rampup_benchmark [SCENARIO.yaml] [--workers 2] [--replications 10] [--json]

Measured, never asserted in a test. The machine is shared, so the single replication also reports
its CPU seconds (less sensitive to other users than wall time) and the load average when it ran:
10 replications on 2 idle cores take about 5 x the CPU seconds of one. The default scenario is
scenarios/power_cell_line_rampup.yaml.

This machine's own speed drifts (the bare-SimPy reference line of benchmarks.year_benchmark has taken
from 3 s to 8 s on different days), so the bare reference is timed before and after, in the same run,
and the ten replications are also reported in units of it. Issue 15 states its machine as the one
where the bare reference takes 3 s (its 6 s target is 2x bare); there, 2 minutes is 40 x bare.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path

from benchmarks.year_benchmark import build_description, run_bare
from stations.native import compiled_in_use
from twin.experiments.replications import run_replications
from twin.sim.engine import run_replication
from twin.spec.yaml_io import load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "power_cell_line_rampup.yaml"
BUDGET_S = 120.0  # issue 14: 10 replications of the 52-week ramp-up on 2 cores
ISSUE_MACHINE_BARE_S = 3.0  # the bare reference on the machine issue 15 measured ("<= 6 s ... <= 2x bare")


def benchmark(path: Path, workers: int, replications: int) -> dict:
    scenario = load_scenario(path)
    bare_before = run_bare()
    gc.collect()
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    one = run_replication(scenario, 0)
    one_s, one_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    results = run_replications(scenario, replications, workers=workers)
    all_s = time.perf_counter() - start
    bare_after = run_bare()
    bare_s = min(bare_before["wall_s"], bare_after["wall_s"])
    return {
        "scenario": str(path), "simulated_weeks": scenario.run.length / 604800, "periods": len(one.periods or []),
        "one_replication_s": one_s, "one_replication_cpu_s": one_cpu_s, "load_average": load,
        "replications": replications, "workers": workers, "all_replications_s": all_s,
        "good_cells_mean": sum(r.line.good_cells for r in results) / len(results),
        "bare_wall_s": [bare_before["wall_s"], bare_after["wall_s"]], "all_replications_in_bare": all_s / bare_s,
        "budget_in_bare": BUDGET_S / ISSUE_MACHINE_BARE_S, "compiled_modules": len(compiled_in_use()),
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
          f"mean good cells {r['good_cells_mean']:,.0f}; {build_description(r['compiled_modules'])}")
    before, after = r["bare_wall_s"]
    verdict = "within" if r["all_replications_s"] <= BUDGET_S else "OUTSIDE"
    print(f"bare-SimPy reference: {before:.2f} s before, {after:.2f} s after; the {r['replications']} replications "
          f"= {r['all_replications_in_bare']:.1f} x bare (budget {BUDGET_S:.0f} s = {r['budget_in_bare']:.0f} x bare "
          f"on issue 15's machine, bare {ISSUE_MACHINE_BARE_S:g} s); {BUDGET_S:.0f} s on this machine today: {verdict}")


if __name__ == "__main__":
    main()

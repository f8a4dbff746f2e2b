"""Time `twin plan` on the 10 GWh gigafactory: the cheapest machine counts for 10 GWh/yr at 90 %
confidence, on local worker processes, and whether its fresh-seed check meets the target.

    python -m benchmarks.plan_benchmark [--workers 2] [--budget-runs 60] [--max-replications 10] [--db plan.sqlite] [--json]

With --db the replications are stored as they finish and a second run resumes from them (the
wall time then covers only what was left).

The acceptance of issue 18 is a plan in under 30 minutes on 2 cores whose check run meets the target.
The varied fields and ranges are the ones docs/plan.md shows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Optional

from twin.experiments.executors import make_executor
from twin.experiments.plan import PlanOptions, find_plan, parse_target, parse_vary
from twin.service.planning import StoreMemory
from twin.spec.yaml_io import load_scenario
from twin.store.database import Store

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "gigafactory_10gwh.yaml"
TARGET = "gwh_per_year=10"
VARY = (
    "stations.mixing_cathode.machines=6..12",
    "stations.mixing_anode.machines=6..12",
    "stations.vacuum_drying_cathode.machines=8..14",
    "stations.vacuum_drying_anode.machines=8..14",
    "stations.coating_cathode.machines=2..5",
    "stations.coating_anode.machines=2..5",
    "stations.winding.machines=3..6",
    "stations.formation.machines=1400..1700:10",
    "stations.aging.capacity=19000..22000:250",
    "stations.eol_test.machines=94..116:2",
    "stations.grading.machines=23..30",
)


def tree_cpu_s() -> Optional[float]:
    """CPU seconds (user + system) of this process and every live process below it (Linux /proc).

    The local executor's workers are forked by a fork server, not by this process, so
    RUSAGE_CHILDREN never sees them; read while the workers are alive (before the executor closes),
    this counts the plan's simulations on a shared machine, where wall time also counts the others'."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        parent: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            parent[int(entry)] = int(fields[1])
            cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    except (OSError, ValueError, IndexError):
        return None
    me = os.getpid()

    def below(pid: int) -> bool:
        while pid > 1:
            if pid == me:
                return True
            pid = parent.get(pid, 1)
        return False

    return sum(seconds for pid, seconds in cpu.items() if below(pid))


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget-runs", type=int, default=60)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--max-replications", type=int, default=10,
                        help="full runs a close call gets at most before it counts as a miss (twin plan's default: 20)")
    parser.add_argument("--db", help="results database: store replications, resume from them")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)
    options = PlanOptions(confidence=0.9, budget_runs=args.budget_runs, replications=args.replications,
                          max_replications=args.max_replications)
    phases: list[tuple[str, float]] = []
    start = time.perf_counter()
    done = [0]

    def phase(name: str, _: int) -> None:
        phases.append((name, time.perf_counter() - start))
        print(f"{phases[-1][1]:8.0f} s  {name} ({done[0]} replications so far; load average {load()})",
              file=sys.stderr, flush=True)

    def replication() -> None:
        done[0] += 1
        if done[0] % 10 == 0:
            print(f"{time.perf_counter() - start:8.0f} s  {done[0]} replications", file=sys.stderr, flush=True)

    store = Store(args.db) if args.db else None
    load_start = load()
    cpu_s: Optional[float] = None
    try:
        with make_executor(args.workers) as executor:
            plan = find_plan(scenario, parse_target(TARGET), [parse_vary(text) for text in VARY], options, executor,
                             StoreMemory(store, "benchmark") if store else None, replication, phase)
            cpu_s = tree_cpu_s()  # before the workers stop
            if store is not None and plan.feasible:
                memory_run = [r.id for r in store.runs() if r.kind == "plan" and r.label.endswith("(check)")]
                if memory_run:
                    store.save_plan(memory_run[-1], plan)
    finally:
        if store is not None:
            store.close()
    wall_s = time.perf_counter() - start
    report = {"wall_s": round(wall_s, 1), "cpu_s": None if cpu_s is None else round(cpu_s, 1),
              "load_average_start": load_start, "load_average_end": load(),
              "workers": args.workers, "phases_s": [(n, round(t, 1)) for n, t in phases],
              "plan": plan.model_dump(mode="json", exclude={"frontier"}),
              "frontier": [(c.settings, c.stage, c.replications, c.mean, c.lower_bound) for c in plan.frontier]}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        cpu = "?" if cpu_s is None else f"{cpu_s:.0f}"
        print(f"{plan.message}\nwall {wall_s:.0f} s, CPU {cpu} s on {args.workers} workers (load average "
              f"{load_start} at the start, {report['load_average_end']} at the end); {plan.evaluations} configurations, "
              f"{plan.replications_run} replications; phases {report['phases_s']}")
    return 0 if plan.feasible else 1


if __name__ == "__main__":
    sys.exit(main())

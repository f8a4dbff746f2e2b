"""Time one replication of the UKBIC plant against its two lines run separately.

The plant (scenarios/ukbic_plant.yaml) and the two line files it composes are each run for one
replication of the same length (the plant's run: 21 d warm-up + 30 d), `--repeats` times, keeping the
best CPU time of each. The target (issue 16) is plant time / (cylindrical + power-cell time) <= 1.3: composing
the lines (renamed stations, shared pools, per-line bookkeeping, energy and cost) must cost little
more than running them.

    python -m benchmarks.plant_benchmark [--repeats 3] [--length "30 d"] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path

from twin.sim.engine import run_replication
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TARGET_RATIO = 1.3


def _with_run(scenario: Scenario, warmup: str, length: str) -> Scenario:
    run = scenario.run.model_validate({**scenario.run.model_dump(mode="json"), "warmup": warmup, "length": length})
    return scenario.model_copy(update={"run": run})


def best_cpu_s(scenario: Scenario, repeats: int) -> float:
    """Best process CPU time of one replication over `repeats` runs (CPU, not wall: the machine is shared)."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.process_time()
        run_replication(scenario, 0)
        best = min(best, time.process_time() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", default="21 d")
    parser.add_argument("--length", default="30 d")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cases = {
        "plant": load_scenario(SCENARIOS / "ukbic_plant.yaml"),
        "cylindrical": load_scenario(SCENARIOS / "cylindrical_line.yaml"),
        "power": load_scenario(SCENARIOS / "power_cell_line.yaml"),
    }
    seconds = {name: best_cpu_s(_with_run(s, args.warmup, args.length), args.repeats) for name, s in cases.items()}
    ratio = seconds["plant"] / (seconds["cylindrical"] + seconds["power"])
    if args.json:
        print(json.dumps({**{f"{k}_cpu_s": v for k, v in seconds.items()}, "ratio": ratio, "target": TARGET_RATIO}))
    else:
        for name, value in seconds.items():
            print(f"{name:12s} {value:8.2f} s CPU (best of {args.repeats})")
        print(f"plant / (cylindrical + power) = {ratio:.3f}  (target <= {TARGET_RATIO})")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())

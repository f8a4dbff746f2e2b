"""Time the twin against the bare-SimPy reference on the same saturated 10-station serial line.

Both models: exponential processing times (mean 1 h at every station), 5 waiting slots between
stations, blocking after service, first station never starved, last never blocked. Each side is
run `--repeats` times with the same seed and the best wall time is kept. Throughputs (with
batch-means 95% confidence intervals) are printed so a reader can see both models simulate the
same line; the speed target (issue 15) is twin time / bare time <= 0.5.

    python -m benchmarks.line_benchmark [--hours 300000] [--repeats 3] [--json] [--profile 15]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import time
from typing import Callable

from scipy import stats

from benchmarks.bare_line import run_bare_line
from twin.sim.engine import simulate
from twin.spec.scenario import Scenario

STATIONS = 10
MEAN_H = 1.0
BUFFER = 5
SEED = 1
BATCHES = 20  # batch means over the 200 output samples both models record
TARGET_RATIO = 0.5  # issue 15: the twin at half the bare model's time or better


def line_scenario(hours: float, stations: int = STATIONS, mean_h: float = MEAN_H, buffer: int = BUFFER) -> Scenario:
    """The benchmark line as a twin scenario (the first station's queue is fed by a saturated source)."""
    return Scenario.model_validate({
        "name": "benchmark-serial-line",
        "description": f"Saturated serial line of {stations} exponential stations, {buffer} slots between them.",
        "run": {"length": f"{hours} h", "warmup": "0 h", "replications": 1, "seed": SEED},
        "sources": [{"name": "supply", "to": "s01", "release": "saturated"}],
        "stations": [
            {
                "name": f"s{i:02d}",
                "cycle_time": {"dist": "exponential", "mean": f"{mean_h} h"},
                **({"buffer": buffer} if i > 1 else {}),
            }
            for i in range(1, stations + 1)
        ],
    })


def throughput_ci(counts: list[float], hours: float, batches: int = BATCHES) -> tuple[float, float]:
    """Mean throughput (parts/h) and the half-width of a batch-means 95% confidence interval.

    `counts` are cumulative completions at equally spaced times over `hours` (first at 0, last at end).
    """
    step = (len(counts) - 1) // batches
    batch_h = hours * step / (len(counts) - 1)
    rates = [(counts[(b + 1) * step] - counts[b * step]) / batch_h for b in range(batches)]
    mean = sum(rates) / batches
    sd = math.sqrt(sum((r - mean) ** 2 for r in rates) / (batches - 1))
    return counts[-1] / hours, stats.t.ppf(0.975, batches - 1) * sd / math.sqrt(batches)


def best_of(repeats: int, run: Callable[[], dict]) -> tuple[float, dict]:
    """Best wall time (s) over `repeats` runs of `run`, and the last run's output."""
    best = math.inf
    out: dict = {}
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    return best, out


def run_twin(scenario: Scenario) -> dict:
    model, series = simulate(scenario, replication=0)
    return {"parts": model.line.cells(model.line.good), "counts": series.good, "events": next(model.env._eid)}


def benchmark(hours: float, repeats: int) -> dict:
    means = [MEAN_H] * STATIONS
    scenario = line_scenario(hours)  # validated outside the timed region
    bare_s, bare = best_of(repeats, lambda: run_bare_line(means, BUFFER, hours, seed=SEED))
    twin_s, twin = best_of(repeats, lambda: run_twin(scenario))
    bare_tp, bare_hw = throughput_ci(bare["counts"], hours)
    twin_tp, twin_hw = throughput_ci(twin["counts"], hours)
    return {
        "line": {"stations": STATIONS, "mean_h": MEAN_H, "buffer": BUFFER, "hours": hours, "seed": SEED},
        "repeats": repeats,
        "bare": {
            "wall_s": bare_s, "parts": bare["parts"], "throughput_per_h": bare_tp, "throughput_ci95": bare_hw,
            "events": bare["events"], "events_per_s": bare["events"] / bare_s,
        },
        "twin": {
            "wall_s": twin_s, "parts": twin["parts"], "throughput_per_h": twin_tp, "throughput_ci95": twin_hw,
            "events": twin["events"], "events_per_s": twin["events"] / twin_s,
        },
        "ratio": twin_s / bare_s,
        "target_ratio": TARGET_RATIO,
    }


def report(result: dict) -> str:
    line, bare, twin = result["line"], result["bare"], result["twin"]
    rows = [
        f"Saturated serial line: {line['stations']} stations, exponential mean {line['mean_h']} h, "
        f"{line['buffer']} slots between stations, {line['hours']:g} h simulated, best of {result['repeats']}",
        f"{'':6}{'parts':>10}{'parts/h (95% CI)':>24}{'events':>12}{'events/s':>12}{'wall s':>9}",
    ]
    for name, side in (("bare", bare), ("twin", twin)):
        tp = f"{side['throughput_per_h']:.4f} ± {side['throughput_ci95']:.4f}"
        rows.append(
            f"{name:6}{side['parts']:>10,}{tp:>24}{side['events']:>12,}{side['events_per_s']:>12,.0f}"
            f"{side['wall_s']:>9.2f}"
        )
    verdict = "within" if result["ratio"] <= result["target_ratio"] else "OUTSIDE"
    rows.append(f"twin / bare wall time = {result['ratio']:.2f} ({verdict} the {result['target_ratio']}x target)")
    rows.append("events = SimPy events scheduled (env._eid): the twin schedules fewer per part, so compare wall times.")
    return "\n".join(rows)


def profile_twin(hours: float, top: int) -> str:
    """cProfile of one twin run, top functions by own time."""
    import cProfile
    import io
    import pstats

    scenario = line_scenario(hours)
    profiler = cProfile.Profile()
    profiler.runcall(run_twin, scenario)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=300_000, help="simulated hours per run (default 300000, about 230k parts)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per model; the best time counts (default 3)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of a table")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="also profile one twin run and print the top N functions by own time")
    args = parser.parse_args(argv)
    if args.hours <= 0 or args.repeats < 1:
        parser.error("--hours must be positive and --repeats at least 1")
    result = benchmark(args.hours, args.repeats)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
    else:
        print(report(result))
    if args.profile:
        print(profile_twin(args.hours, args.profile), file=sys.stderr if args.json else sys.stdout)


if __name__ == "__main__":
    main()

"""Time one replication of one simulated year of a scenario file (run length 8760 h, no warm-up),
against the bare-SimPy reference line timed in the same run.

    python -m benchmarks.year_benchmark [SCENARIO.yaml] [--scale 10] [--repeats 3] [--days 365] [--json]
                                        [--profile N]

The default scenario is scenarios/power_cell_line.yaml; when it does not exist the benchmark says so
and skips. `--scale 10` multiplies every machine, dwell place, buffer slot and CONWIP limit by 10:
the 10 GWh plant of issue 15, the power-cell line ten times over. Each repeat runs in a fresh
process (so the peak memory of one replication can be read from the OS), interleaved with a run of
the bare-SimPy 10-station reference line of 100,000 h (benchmarks.bare_line); the best of the
repeats counts, and the ratio twin / bare makes figures from a shared machine comparable.

Targets (issue 15; reported, never asserted in tests): the power-cell line's year in <= 2x the bare
reference (<= 6 s where the reference takes 3 s), the 10x plant's year in <= 60 s with peak memory
under 1 GB, cost linear in plant size (10x plant <= 11x the time) and in run length.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "power_cell_line.yaml"
YEAR_S = 8760 * 3600.0
BARE_HOURS = 100_000.0
TARGET_RATIO = 2.0  # the power-cell line's year vs the bare reference line of 100,000 h
TARGET_10X_S = 60.0
TARGET_10X_PEAK_MB = 1024.0


def one_year(scenario: Scenario, days: float = 365.0) -> Scenario:
    """The scenario with its run set to `days` (one year by default) and no warm-up (specs hold seconds)."""
    length_s = YEAR_S if days == 365.0 else days * 86400.0
    return scenario.model_copy(update={"run": scenario.run.model_copy(update={"length": length_s, "warmup": 0.0})})


def scaled(scenario: Scenario, factor: int) -> Scenario:
    """The plant `factor` times over: machines, dwell places, buffer slots and CONWIP limits x factor."""
    if factor == 1:
        return scenario
    stations = []
    for spec in scenario.stations:
        update: dict = {}
        if getattr(spec, "machines", None) is not None and "machines" in type(spec).model_fields:
            update["machines"] = spec.machines * factor  # type: ignore[attr-defined]
        if getattr(spec, "capacity", None) is not None:
            update["capacity"] = spec.capacity * factor  # type: ignore[attr-defined]
        if spec.buffer is not None:
            update["buffer"] = spec.buffer * factor
        stations.append(spec.model_copy(update=update))
    sources = [s.model_copy(update={"conwip": s.conwip * factor}) if s.conwip else s for s in scenario.sources]
    data = scenario.model_dump(mode="python", by_alias=True)
    data["stations"] = [s.model_dump(mode="python", by_alias=True) for s in stations]
    data["sources"] = [s.model_dump(mode="python", by_alias=True) for s in sources]
    data["name"] = f"{scenario.name}-x{factor}"
    return Scenario.model_validate(data)


def run_once(path: Path, scale: int, days: float) -> dict:
    """One replication in this process: wall and CPU seconds, counts, peak resident memory (MB)."""
    from stations.native import compiled_in_use
    from twin.sim.engine import simulate

    scenario = one_year(scaled(load_scenario(path), scale), days)
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    model, _ = simulate(scenario, replication=0)
    wall_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    lots = sum(station.monitor.lots_out for station in model.stations.values())
    events = next(model.env._eid)
    return {
        "wall_s": wall_s, "cpu_s": cpu_s, "good_cells": model.line.cells(model.line.good), "lots_handled": lots,
        "events": events, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "compiled_modules": len(compiled_in_use()),
    }


def run_bare() -> dict:
    """Wall and CPU seconds of the bare-SimPy reference line (10 stations, 100,000 h), in this process."""
    from benchmarks.bare_line import run_bare_line

    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    run_bare_line([1.0] * 10, 5, BARE_HOURS, seed=1)
    return {"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu}


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.year_benchmark", "--child", *args],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def benchmark(path: Path, scale: int = 1, repeats: int = 1, days: float = 365.0) -> dict:
    """Best of `repeats` fresh-process runs of the twin, interleaved with the bare reference."""
    twin_runs, bare_runs = [], []
    for _ in range(repeats):
        bare_runs.append(_child(["--bare"]))
        twin_runs.append(_child([str(path), "--scale", str(scale), "--days", str(days)]))
    best = min(twin_runs, key=lambda r: r["wall_s"])
    bare_s = min(r["wall_s"] for r in bare_runs)
    bare_cpu_s = min(r["cpu_s"] for r in bare_runs)
    cpu_best = min(r["cpu_s"] for r in twin_runs)
    scenario = load_scenario(path)
    return {
        "scenario": str(path), "name": scenario.name, "scale": scale, "simulated_h": days * 24, "repeats": repeats,
        **best, "peak_mb": max(r["peak_mb"] for r in twin_runs),
        "lots_per_s": best["lots_handled"] / best["wall_s"], "events_per_s": best["events"] / best["wall_s"],
        "events_per_lot": best["events"] / max(best["lots_handled"], 1),
        "bare_wall_s": bare_s, "ratio_to_bare": best["wall_s"] / bare_s,
        "best_cpu_s": cpu_best, "bare_cpu_s": bare_cpu_s, "cpu_ratio_to_bare": cpu_best / bare_cpu_s,
        "all_wall_s": [r["wall_s"] for r in twin_runs], "all_bare_s": [r["wall_s"] for r in bare_runs],
    }


def profile(path: Path, scale: int, days: float, top: int) -> str:
    """cProfile of one run, top functions by own time (py-spy gives truer shares: see docs/benchmarks.md)."""
    import cProfile
    import io
    import pstats

    from twin.sim.engine import simulate

    scenario = one_year(scaled(load_scenario(path), scale), days)
    profiler = cProfile.Profile()
    profiler.runcall(simulate, scenario, 0)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def report(r: dict) -> str:
    lines = [
        f"{r['name']} x{r['scale']}: {r['simulated_h']:g} h simulated in {r['wall_s']:.2f} s wall "
        f"({r['cpu_s']:.2f} s CPU), best of {r['repeats']}; peak memory {r['peak_mb']:.0f} MB; "
        f"{build_description(r['compiled_modules'])}",
        f"  {r['good_cells']:,} good cells, {r['lots_handled']:,} lots handled ({r['lots_per_s']:,.0f}/s), "
        f"{r['events']:,} events ({r['events_per_s']:,.0f}/s, {r['events_per_lot']:.2f} per lot handled)",
        f"  bare-SimPy reference (10 stations, {BARE_HOURS:,.0f} h): {r['bare_wall_s']:.2f} s wall, "
        f"{r['bare_cpu_s']:.2f} s CPU; twin / bare = {r['ratio_to_bare']:.2f} wall, {r['cpu_ratio_to_bare']:.2f} CPU "
        "(on a shared machine CPU seconds are the steadier figure)",
    ]
    if r["scale"] == 1 and r["simulated_h"] == 8760:
        verdict = "within" if min(r["ratio_to_bare"], r["cpu_ratio_to_bare"]) <= TARGET_RATIO else "OUTSIDE"
        lines.append(f"  target: a year <= {TARGET_RATIO}x the bare reference: {verdict}")
    if r["scale"] == 10 and r["simulated_h"] == 8760:
        ok = r["wall_s"] <= TARGET_10X_S and r["peak_mb"] < TARGET_10X_PEAK_MB
        lines.append(f"  target: a year of the 10x plant <= {TARGET_10X_S:g} s, peak < {TARGET_10X_PEAK_MB:g} MB: "
                     f"{'met' if ok else 'NOT met'}")
    return "\n".join(lines)


def build_description(compiled_modules: int) -> str:
    """Which build ran: a year of one line takes about 5x as long in plain Python (docs/benchmarks.md)."""
    if compiled_modules:
        return f"{compiled_modules} station modules compiled"
    return "plain Python (no compiled station modules: not built, edited since, or TWIN_PURE_PYTHON set)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=DEFAULT_SCENARIO, help="scenario YAML file")
    parser.add_argument("--scale", type=int, default=1, help="plant size factor (default 1; 10 = the 10 GWh plant)")
    parser.add_argument("--repeats", type=int, default=1, help="fresh-process runs; the best counts (default 1)")
    parser.add_argument("--days", type=float, default=365.0, help="simulated days (default 365)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="instead, profile one run in this process and print the top N functions by own time")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale < 1 or args.repeats < 1 or not (args.days > 0 and math.isfinite(args.days)):
        parser.error("--scale and --repeats must be at least 1, --days positive")
    if args.child:
        json.dump(run_bare() if args.bare else run_once(args.scenario, args.scale, args.days), sys.stdout)
        return
    if not args.scenario.exists():
        print(f"skipped: {args.scenario} does not exist", file=sys.stderr)
        return
    if args.profile:
        print(profile(args.scenario, args.scale, args.days, args.profile))
        return
    r = benchmark(args.scenario, args.scale, args.repeats, args.days)
    if args.json:
        json.dump(r, sys.stdout, indent=2)
        print()
        return
    print(report(r))


if __name__ == "__main__":
    main()

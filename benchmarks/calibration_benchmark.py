"""Calibration benchmarks on a scenario file (default: the power-cell line).

    python -m benchmarks.calibration_benchmark year [SCENARIO.yaml] [--out PATH]
        writes the event log of one simulated year (Parquet, streamed) and reports wall time, rows,
        file size and the process's peak memory;
    python -m benchmarks.calibration_benchmark round-trip [SCENARIO.yaml] [--hours 2000] [--replications 10]
        simulates the scenario with its own values for --hours and writes the log, calibrates it against
        a base with wrong values (cycle times x1.3, MTTF x2, MTTR x0.5, yields 1 point higher), and reports
        how many fitted means hold the true mean in their 95 % CI; with --replications it also runs the
        true and the fitted scenario and compares throughput and down shares.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from twin.analysis.calibration import calibrate
from twin.analysis.eventdata import read_log
from twin.sim.eventlog import write_event_log
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "power_cell_line.yaml"


def _with_run(scenario: Scenario, length_s: float, replications: int | None = None) -> Scenario:
    update: dict = {"length": length_s, "warmup": 0.0}
    if replications:
        update["replications"] = replications
    return scenario.model_copy(update={"run": scenario.run.model_copy(update=update)})


def year(path: Path, out: Path) -> dict:
    scenario = _with_run(load_scenario(path), 8760 * 3600.0)
    start = time.perf_counter()
    rows = write_event_log(scenario, 0, out)
    wall = time.perf_counter() - start
    return {"scenario": str(path), "simulated_h": 8760, "rows": rows, "wall_s": round(wall, 1),
            "file_mb": round(out.stat().st_size / 1e6, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def wrong(scenario: Scenario) -> dict:
    """The scenario as data with every value calibration fits set wrong."""
    data = json.loads(scenario.model_dump_json(by_alias=True, exclude_defaults=True))
    for station in data["stations"]:
        spec = next(s for s in scenario.stations if s.name == station["name"])
        station["cycle_time"] = {"dist": "lognormal", "mean": f"{spec.cycle_time.mean_s * 1.3!r} s", "cv": 0.2,
                                 "per": spec.cycle_time.per}
        failures = getattr(spec, "failures", None)
        if failures is not None:
            station["failures"] = {**station["failures"],
                                   "ttf": {"dist": "exponential", "mean": f"{failures.ttf.mean_s * 2!r} s"},
                                   "ttr": {"dist": "exponential", "mean": f"{failures.ttr.mean_s * 0.5!r} s"}}
        if spec.yield_ < 1:
            station["yield"] = min(1.0, spec.yield_ + 0.01)
    return data


def round_trip(path: Path, hours: float, replications: int) -> dict:
    from twin.experiments.replications import run_replications
    from twin.service.calibration import calibrate_file

    truth = _with_run(load_scenario(path), hours * 3600.0, replications or None)
    folder = Path(tempfile.mkdtemp(prefix="calibration-benchmark-"))
    log = folder / "line.parquet"
    start = time.perf_counter()
    rows = write_event_log(truth, 0, log)
    log_s = time.perf_counter() - start
    base = folder / "wrong.yaml"
    base.write_text(yaml.safe_dump(wrong(truth), sort_keys=False))
    start = time.perf_counter()
    result = calibrate_file(log, base, folder / "fitted.yaml")
    fit_s = time.perf_counter() - start
    checks = []
    for fit in result.durations:
        spec = next(s for s in truth.stations if s.name == fit.station)
        true_mean = {"cycle_time": spec.cycle_time.mean_s,
                     "ttf": spec.failures.ttf.mean_s if getattr(spec, "failures", None) else None,
                     "ttr": spec.failures.ttr.mean_s if getattr(spec, "failures", None) else None,
                     "setup": spec.setup.time.mean_s if getattr(spec, "setup", None) and spec.setup.time else None
                     }[fit.what]
        if true_mean is not None:
            checks.append({"station": fit.station, "what": fit.what, "n": fit.n, "family": fit.family,
                           "true": true_mean, "fitted": fit.mean_s, "ci95": fit.ci95_s,
                           "inside": fit.ci95_s[0] <= true_mean <= fit.ci95_s[1]})
    for fit in result.yields:
        spec = next(s for s in truth.stations if s.name == fit.station)
        checks.append({"station": fit.station, "what": "yield", "n": fit.processed_cells, "true": spec.yield_,
                       "fitted": fit.yield_, "ci95": fit.ci95, "inside": fit.ci95[0] <= spec.yield_ <= fit.ci95[1]})
    report = {"scenario": str(path), "hours": hours, "rows": rows, "log_s": round(log_s, 1), "calibrate_s": round(fit_s, 1),
              "fits": len(checks), "inside_ci": sum(c["inside"] for c in checks), "warnings": result.warnings,
              "misses": [c for c in checks if not c["inside"]]}
    if replications:
        fitted = _with_run(load_scenario(folder / "fitted.yaml"), hours * 3600.0, replications)
        true_runs, fitted_runs = run_replications(truth, workers=1), run_replications(fitted, workers=1)

        def summary(runs, get):
            values = np.array([get(r) for r in runs])
            return [round(float(values.mean()), 5), round(float(1.96 * values.std(ddof=1) / np.sqrt(len(values))), 5)]

        report["throughput_per_h"] = {"true": summary(true_runs, lambda r: r.line.throughput_per_h),
                                      "fitted": summary(fitted_runs, lambda r: r.line.throughput_per_h)}
        report["down_share"] = {
            s.name: {"true": summary(true_runs, lambda r, n=s.name: r.stations[n].states["down"]),
                     "fitted": summary(fitted_runs, lambda r, n=s.name: r.stations[n].states["down"])}
            for s in truth.stations if getattr(s, "failures", None) is not None}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["year", "round-trip"])
    parser.add_argument("scenario", nargs="?", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "power_cell_year.parquet")
    parser.add_argument("--hours", type=float, default=2000.0)
    parser.add_argument("--replications", type=int, default=0)
    args = parser.parse_args()
    if args.what == "year":
        report = year(args.scenario, args.out)
    else:
        report = round_trip(args.scenario, args.hours, args.replications)
    print(json.dumps(report, indent=2, default=float))


if __name__ == "__main__":
    main()

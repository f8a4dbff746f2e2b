"""Shared helpers for the scenario tests: the files, shortened runs, cached replications, and the
confidence intervals the assertions use (paired t for what-ifs under common random numbers, Welch
for two independent sets).

Runs here are shorter and fewer than the files' own (which are for `twin run`), but never shorter
than the warm-up the lines need: a cell takes about 17 days from slurry to the exit (14 of them in
aging), so nothing meaningful leaves a line before that.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from scipy import stats

from twin.spec import catalog
from twin.experiments.replications import run_replications
from twin.sim.results import ReplicationResult
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario
from twin.spec.units import parse_duration

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
WARMUP = "21 d"
"""Longer than the ~18 days it takes to fill either line (electrode, wetting, formation, 14 d aging)."""
LENGTHS = {"cylindrical_line.yaml": "14 d", "power_cell_line.yaml": "15 d"}
"""Observed window of each line in the scenario tests: two whole weeks of the cylindrical line's
Monday-Saturday calendar; 15 d = 360 h = 24 of the power-cell line's 15 h formation cycles, so every rack
that is always busy finishes exactly 24 loads in the window whatever its phase (its racks are the
constraint, and with a deterministic recipe a window cutting through a cycle would count a rack's load
or not by its phase alone)."""


def scenario_file(name: str) -> Path:
    return SCENARIOS / name


def shortened(scenario: Scenario, warmup: str, length: str) -> Scenario:
    run = scenario.run.model_copy(update={"warmup": parse_duration(warmup), "length": parse_duration(length)})
    return scenario.model_copy(update={"run": run})


@functools.lru_cache(maxsize=None)
def replications(file: str, count: int, length: str, warmup: str = WARMUP) -> tuple[ReplicationResult, ...]:
    """Replications 0..count-1 of a scenario file with the given warm-up and observed length, in
    this process (each pytest worker computes a result once; the file's own seed, so a base and its
    what-ifs use common random numbers)."""
    scenario = shortened(load_scenario(scenario_file(file)), warmup, length)
    return tuple(run_replications(scenario, count))


def line_values(results: Sequence[ReplicationResult], kpi: str) -> np.ndarray:
    return np.array([getattr(r.line, kpi) for r in results], dtype=float)


def station_values(results: Sequence[ReplicationResult], station: str, get: Callable) -> np.ndarray:
    return np.array([get(r.stations[station]) for r in results], dtype=float)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """t-based confidence interval of the mean."""
    n = len(values)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n)
    return float(values.mean() - half), float(values.mean() + half)


def paired_interval(base: np.ndarray, whatif: np.ndarray) -> tuple[float, float]:
    """95% CI of the mean of what-if - base, pair by pair (common random numbers)."""
    return t_interval(whatif - base)


def welch_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """95% CI of mean(b) - mean(a) for two independent sets (Welch-Satterthwaite)."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + level / 2, dof) * math.sqrt(va + vb)
    diff = float(b.mean() - a.mean())
    return diff - half, diff + half


def with_smaller_trays(scenario: Scenario, factor: int) -> Scenario:
    """The same line with trays of cells_per_lot / factor: the winder splits each roll into factor x
    more trays, and every count of trays after it (buffers, stores, rack sizes) is factor x larger, so
    the same cells fit everywhere. Electrode steps keep their rolls."""
    product = scenario.product
    assert product.cells_per_lot % factor == 0
    stations = []
    for spec in scenario.stations:
        update: dict = {}
        area = catalog.template(spec.template).area if spec.template else "finishing"
        if spec.kind == "assembly":
            update["split"] = (spec.split or 1) * factor
        if getattr(spec, "regroup", None) is not None:  # full trays: of the new, smaller tray
            update["regroup"] = spec.regroup // factor
        elif area != "electrode":
            if spec.buffer is not None:
                update["buffer"] = spec.buffer * factor
            if spec.kind == "dwell":
                update["capacity"] = spec.capacity * factor
            if spec.kind == "batch":
                update["batch"] = spec.batch.model_copy(update={"min": spec.batch.min * factor, "max": spec.batch.max * factor})
        stations.append(spec.model_copy(update=update))
    return scenario.model_copy(update={
        "name": f"{scenario.name}-trays-of-{product.cells_per_lot // factor}",
        "product": product.model_copy(update={"cells_per_lot": product.cells_per_lot // factor}),
        "stations": tuple(stations),
    })

"""Tiny lines built in code for the experiment tests: a few hundred lots per replication, so a
replication takes a few hundredths of a second and a test of 20-40 replications stays quick."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from twin.spec.scenario import Scenario


def exponential(mean_min: float) -> dict:
    return {"dist": "exponential", "mean": f"{mean_min!r} min"}


def serial_line(
    name: str = "tiny", *, b_machines: int = 4, length_h: float = 100.0, warmup: str = "5 h",
    replications: int = 10, seed: int = 11, a_name: str = "a",
) -> dict[str, Any]:
    """A saturated three-station line a -> b -> c whose bottleneck is b: four machines of 32 min
    (7.5 lots/h) against 12/h at a and 15/h at c; buffers of 3. One more machine at b still
    leaves it the bottleneck (9.4/h), so the comparison's random numbers stay well matched."""
    return {
        "name": name,
        "run": {"warmup": warmup, "length": f"{length_h!r} h", "replications": replications, "seed": seed},
        "sources": [{"name": "supply", "to": a_name, "release": "saturated"}],
        "stations": [
            {"name": a_name, "cycle_time": exponential(5.0)},
            {"name": "b", "machines": b_machines, "buffer": 3, "cycle_time": exponential(32.0)},
            {"name": "c", "buffer": 3, "cycle_time": exponential(4.0)},
        ],
    }


def dwell_line(*, dwell_h: float, length_h: float, interarrival: Any = "6 min", seed: int = 3) -> dict[str, Any]:
    """Lots arrive at a store that keeps each for `dwell_h`, room to spare, started empty: the WIP
    ramps up for exactly dwell_h, nothing leaves before dwell_h, and then both are steady."""
    return {
        "name": "dwell",
        "run": {"warmup": "auto", "length": f"{length_h!r} h", "replications": 5, "seed": seed},
        "sources": [{"name": "supply", "to": "rest", "interarrival": interarrival}],
        "stations": [{"name": "rest", "kind": "dwell", "capacity": 100_000, "cycle_time": f"{dwell_h!r} h"}],
    }


def build(data: dict[str, Any]) -> Scenario:
    return Scenario.model_validate(data)


def write(data: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path

"""A small line with known distributions, the truth the calibration round trip must recover."""

from __future__ import annotations

from twin.spec.scenario import Scenario


def small_line(length_h: float = 2000.0, replications: int = 10, seed: int = 17, **station_overrides) -> Scenario:
    """Source -> a lognormal per-cell machine with operating-clock exponential failures, a yield and a
    changeover between two products -> a two-machine station with exponential failures -> exit."""
    stations = [
        {"name": "press", "cycle_time": {"dist": "lognormal", "mean": "30 s", "cv": 0.3, "per": "cell"},
         "failures": {"ttf": {"dist": "exponential", "mean": "4 h"}, "ttr": {"dist": "lognormal", "mean": "20 min", "cv": 0.5},
                      "clock": "operating"},
         "yield": 0.95, "buffer": 4,
         "setup": {"time": {"dist": "gamma", "mean": "10 min", "cv": 0.4}}},
        {"name": "tester", "machines": 2, "cycle_time": {"dist": "gamma", "mean": "200 s", "cv": 0.5},
         "failures": {"ttf": {"dist": "exponential", "mean": "10 h"}, "ttr": {"dist": "exponential", "mean": "30 min"}},
         "yield": 0.98, "buffer": 6},
    ]
    for station in stations:
        station.update(station_overrides.get(station["name"], {}))
    return Scenario.model_validate({
        "name": "calibration-small-line",
        "products": [{"name": "A", "cells_per_lot": 4}, {"name": "B", "cells_per_lot": 4}],
        "run": {"warmup": "0 h", "length": f"{length_h} h", "replications": replications, "seed": seed},
        "sources": [{"name": "supply", "to": "press", "interarrival": {"dist": "exponential", "mean": "190 s"},
                     "campaign": [{"product": "A", "lots": 20}, {"product": "B", "lots": 20}]}],
        "stations": stations,
    })

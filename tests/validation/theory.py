"""Helpers for validation tests: build small scenarios and compare replications with exact values.

The rule (shared/reference/validation.md): the exact value must lie within 3 standard errors of
the mean over R >= 10 independent replications. Tolerances are never widened to pass.
"""

from __future__ import annotations

import math

import numpy as np

from twin.experiments.replications import run_replications
from twin.sim.results import ReplicationResult
from twin.spec.scenario import Scenario


def scenario(stations: list[dict], sources: list[dict], length_h: float, warmup_h: float,
             replications: int = 20, seed: int = 20261125, cells_per_lot: int = 1, run_extra: dict | None = None,
             **extra) -> Scenario:
    """A scenario from stations and sources; `extra` adds top-level keys (calendar, crews, products),
    `run_extra` keys of `run:` (period ...)."""
    return Scenario.model_validate({
        **extra,
        "name": "validation",
        "product": {"cells_per_lot": cells_per_lot},
        "run": {"warmup": f"{warmup_h} h", "length": f"{length_h} h", "replications": replications, "seed": seed,
                **(run_extra or {})},
        "sources": sources,
        "stations": stations,
    })


def exponential(mean_h: float) -> dict:
    return {"dist": "exponential", "mean": f"{mean_h!r} h"}


def constant(value_h: float) -> str:
    return f"{value_h!r} h"


def poisson(rate_per_h: float, to: str) -> dict:
    return {"name": "arrivals", "to": to, "interarrival": exponential(1.0 / rate_per_h)}


def saturated(to: str) -> dict:
    return {"name": "supply", "to": to, "release": "saturated"}


def replicate(s: Scenario) -> list[ReplicationResult]:
    return run_replications(s, workers=1)


def assert_matches(values, exact: float, what: str) -> None:
    """|mean - exact| <= 3 standard errors of the mean over replications."""
    data = np.asarray(list(values), dtype=float)
    assert len(data) >= 10, "validation needs at least 10 replications"
    mean = data.mean()
    se = data.std(ddof=1) / math.sqrt(len(data))
    assert abs(mean - exact) <= 3 * se, (
        f"{what}: mean {mean:.6f} over {len(data)} replications, exact {exact:.6f}, "
        f"difference {mean - exact:+.6f} = {(mean - exact) / se if se else math.inf:+.2f} standard errors"
    )

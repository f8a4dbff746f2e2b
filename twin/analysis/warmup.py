"""MSER-5 warm-up detection: where the start-up transient of an output series ends.

Pure functions on arrays (methods.md, "Output analysis"): batch means of 5 observations Y_1..Y_n,
then the truncation d (in batches) minimising MSER(d) = sum_{i>d} (Y_i - mean_{>d})^2 / (n-d)^2,
with d searched only over the first half. twin.experiments.replications runs the pilot replications whose
throughput and WIP series come here, and then the experiment with the chosen fixed warm-up.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

BATCH = 5


class WarmupChoice(BaseModel):
    """How the warm-up of a run was set; stored with the run and printed in reports."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["fixed", "mser5"] = Field(description="'fixed' from the scenario, or 'mser5' from pilots.")
    warmup_h: float = Field(description="The warm-up the experiment used, hours.")
    pilots: int = Field(0, description="Pilot replications whose mean series fed MSER-5.")
    cut_h: dict[str, float] = Field(default_factory=dict, description="MSER-5 cut of each series, hours.")
    at_search_limit: bool = Field(
        False, description="A cut fell at half the pilot run, the end of the search: the transient may be "
        "longer than the run; lengthen run.length."
    )

    @property
    def warmup_s(self) -> float:
        return self.warmup_h * 3600.0


def batch_means(values: Sequence[float], batch: int = BATCH) -> np.ndarray:
    """Means of consecutive batches of `batch` observations (a trailing partial batch is dropped)."""
    data = np.asarray(values, dtype=float)
    count = len(data) // batch
    return data[: count * batch].reshape(count, batch).mean(axis=1)


def mser_statistics(batches: Sequence[float]) -> np.ndarray:
    """MSER(d) for d = 0 .. n//2: the squared standard error of the mean left after cutting d."""
    data = np.asarray(batches, dtype=float)
    n = len(data)
    if n < 2:
        return np.zeros(1)
    return np.array([data[d:].var() / (n - d) for d in range(n // 2 + 1)])


def mser_truncation(batches: Sequence[float]) -> int:
    """The truncation d (in batches) that minimises MSER; the earliest one among equal minima."""
    statistics = mser_statistics(batches)
    # a series that is exactly flat after the transient gives MSER = 0 for every later d up to
    # rounding: take the first d within rounding of the minimum, not a rounding accident later on
    tolerance = 1e-9 * float(statistics.max())
    return int(np.flatnonzero(statistics <= statistics.min() + tolerance)[0])


def mser5_cut(values: Sequence[float]) -> tuple[int, bool]:
    """Observations to drop from the start of `values` by MSER-5, and whether the cut is at the
    search limit (half the series), where the transient may not be over yet."""
    batches = batch_means(values)
    d = mser_truncation(batches)
    return d * BATCH, len(batches) >= 2 and d == len(batches) // 2


def warmup_from_series(times_h: Sequence[float], series: dict[str, Sequence[float]], pilots: int) -> WarmupChoice:
    """The MSER-5 warm-up for interval series (value i covers the interval ending at times_h[i],
    the first starting at 0): the latest cut over the series, so every series has settled."""
    cut_h: dict[str, float] = {}
    at_limit = False
    for name, values in series.items():
        dropped, limit = mser5_cut(values)
        cut_h[name] = float(times_h[dropped - 1]) if dropped > 0 else 0.0
        at_limit = at_limit or limit
    return WarmupChoice(
        method="mser5", warmup_h=max(cut_h.values(), default=0.0), pilots=pilots, cut_h=cut_h,
        at_search_limit=at_limit,
    )

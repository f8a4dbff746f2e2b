"""Ramp-up specs: station parameters that change over time or with cumulative volume (issue 14).

A station's `ramp:` gives piecewise-linear curves of its yield (absolute) and of multipliers on its
speed, time to failure and time to repair, against calendar time since the run's start (`by: time`,
points written as durations) or against the cells this station has processed so far (`by: cells`).
A curve holds its first value before its first point and its last value after its last point. The
Wright form is the experience curve of scrap: each doubling of cumulative volume cuts the scrap
share by a fixed fraction. Inert data only: stations/ramp.py evaluates the curves in a run.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from twin.spec.errors import located_error
from twin.spec.numbers import MAX_RUN_S, MAX_RUN_YEARS, Real
from twin.spec.units import format_duration, parse_duration

Curve = tuple[tuple[float, float], ...]
"""Points (x, value) with x strictly increasing: seconds (by: time) or cells (by: cells)."""

MAX_RAMP_CELLS = 1e15
"""A cumulative cell count no line reaches (a 10 GWh plant makes about 5e8 cells a year)."""

CURVES: dict[str, tuple[float, float, str]] = {
    "yield": (0.0, 1.0, "a yield is a share of good cells, above 0 and at most 1"),
    "speed": (0.0, 100.0, "a speed multiplies the rate: above 0 and at most 100"),
    "mtbf": (0.0, 1000.0, "an mtbf factor multiplies the time to failure: above 0 and at most 1000"),
    "mttr": (0.0, 1000.0, "an mttr factor multiplies the time to repair: above 0 and at most 1000"),
}
"""Curve name -> (exclusive lower bound, inclusive upper bound, message when out of bounds)."""


class WrightSpec(BaseModel):
    """Experience curve of scrap: scrap(V) = initial scrap x (V / initial_cells) ^ log2(1 - cut_per_doubling)
    for V >= initial_cells (the initial scrap before), never below the mature scrap (1 - mature_yield)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    initial_yield: Real = Field(gt=0, le=1, description="Yield of the first `initial_cells` cells (e.g. 0.5 at start "
                                "of production).")
    initial_cells: Real = Field(gt=0, le=MAX_RAMP_CELLS, description="Cumulative cells processed at this station "
                                "over which the initial yield holds; the curve starts to learn from here.")
    cut_per_doubling: Real = Field(gt=0, lt=1, description="Share of the scrap removed by each doubling of cumulative "
                                   "volume (0.2: a 20 % cut per doubling, an 80 % learning rate).")
    mature_yield: Optional[Real] = Field(None, gt=0, le=1, description="The yield the curve stops at; omitted: the "
                                         "station's own `yield`.")

    @model_validator(mode="after")
    def _learns_upwards(self) -> "WrightSpec":
        if self.mature_yield is not None and self.mature_yield < self.initial_yield:
            raise located_error(("mature_yield",), mature_below_initial(
                self.mature_yield, self.initial_yield, f"the mature yield ({self.mature_yield:g})"), self.mature_yield)
        return self

    def yield_at(self, cells: float, mature_yield: float) -> float:
        """Yield after `cells` cumulative cells processed."""
        scrap0 = 1.0 - self.initial_yield
        volume = max(cells, self.initial_cells) / self.initial_cells
        scrap = scrap0 * volume ** math.log2(1.0 - self.cut_per_doubling)
        return min(1.0 - scrap, mature_yield)


def mature_below_initial(mature: float, initial: float, what: str) -> str:
    """Why a Wright curve whose mature yield is below its initial yield is refused."""
    return (f"{what} is below the initial yield ({initial:g}): the curve only cuts scrap as volume "
            "grows, so the yield would sit at the mature value from the first cell and never learn; give a "
            "mature yield at or above the initial one")


class RampSpec(BaseModel):
    """How a station's yield, speed and failure behaviour change from start of production."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    by: Literal["time", "cells"] = Field("time", description="'time': the first column of each curve is a duration "
                                         "since the run's start ('26 wk'); 'cells': cumulative cells processed at "
                                         "this station (a lot counts at its middle cell for its yield).")
    yield_: Optional[Curve] = Field(None, alias="yield", description="Yield (share of good cells) by time or volume: "
                                    "[[0 wk, 0.70], [26 wk, 0.92]]; replaces the station's `yield`.")
    speed: Optional[Curve] = Field(None, description="Multiplier on the rate (cycle time / speed), read when a lot "
                                   "starts: [[0 wk, 0.6], [26 wk, 1.0]].")
    mtbf: Optional[Curve] = Field(None, description="Multiplier on the time to failure, read when it is drawn "
                                  "(after each repair).")
    mttr: Optional[Curve] = Field(None, description="Multiplier on the time to repair, read when a repair starts.")
    wright: Optional[WrightSpec] = Field(None, description="Experience curve of scrap (by: cells only), instead of a "
                                         "yield curve: each doubling of volume cuts scrap by `cut_per_doubling`.")

    @model_validator(mode="before")
    @classmethod
    def _points(cls, data: Any) -> Any:
        """Parse every curve's first column by `by` (durations with units, or cell counts), with the
        error at the point it is about."""
        if not isinstance(data, dict):
            return data
        by = data.get("by", "time")
        if by not in ("time", "cells"):
            return data  # the Literal reports it
        parsed = dict(data)
        for name, (low, high, message) in CURVES.items():
            points = data.get(name)
            if points is None:
                continue
            if not isinstance(points, (list, tuple)) or not points:
                raise located_error((name,), f"give a list of [{'time' if by == 'time' else 'cells'}, value] points",
                                    points)
            curve: list[tuple[float, float]] = []
            for i, point in enumerate(points):
                if not isinstance(point, (list, tuple)) or len(point) != 2:
                    raise located_error((name, i), "a point is a pair: [26 wk, 0.9] (by: time) or [2000000, 0.9] "
                                        "(by: cells)", point)
                x_raw, value = point
                x = _x_of(x_raw, by, (name, i, 0))
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                        or not low < value <= high:
                    raise located_error((name, i, 1), message, value)
                if curve and x <= curve[-1][0]:
                    raise located_error((name, i, 0), "points must be in increasing order of their first column", x_raw)
                curve.append((x, float(value)))
            parsed[name] = tuple(curve)
        return parsed

    @model_validator(mode="after")
    def _one_yield_rule(self) -> "RampSpec":
        if self.wright is not None and self.yield_ is not None:
            raise located_error(("wright",), "give a yield curve or a Wright curve, not both")
        if self.wright is not None and self.by != "cells":
            raise located_error(("wright",), "the Wright curve follows cumulative volume: write 'by: cells'")
        if all(getattr(self, k) is None for k in ("yield_", "speed", "mtbf", "mttr", "wright")):
            raise ValueError("a ramp needs at least one of yield, speed, mtbf, mttr, wright")
        return self

    @field_serializer("yield_", "speed", "mtbf", "mttr")
    def _write_points(self, curve: Optional[Curve]) -> Optional[list[list[Any]]]:
        """Write time points back with their unit, so a dumped spec loads again."""
        if curve is None:
            return None
        if self.by == "time":
            return [[format_duration(x), v] for x, v in curve]
        return [[int(x) if float(x).is_integer() else x, v] for x, v in curve]


def _x_of(raw: Any, by: str, loc: tuple) -> float:
    if by == "time":
        try:
            seconds = parse_duration(raw)
        except ValueError as exc:
            raise located_error(loc, str(exc), raw) from None
        if not 0 <= seconds <= MAX_RUN_S:
            raise located_error(loc, f"a ramp point lies between 0 and {MAX_RUN_YEARS} yr", raw)
        return seconds
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) \
            or not 0 <= raw <= MAX_RAMP_CELLS:
        raise located_error(loc, f"with by: cells the first column is a cell count from 0 to {MAX_RAMP_CELLS:g}", raw)
    return float(raw)


def value_at(curve: Curve, x: float) -> float:
    """The piecewise-linear curve at x, holding its first value before and its last value after."""
    if x <= curve[0][0]:
        return curve[0][1]
    for (x0, v0), (x1, v1) in zip(curve, curve[1:]):  # a handful of points: a scan beats bisect's set-up
        if x < x1:
            return v0 + (v1 - v0) * (x - x0) / (x1 - x0)
    return curve[-1][1]


def is_constant(curve: Curve) -> bool:
    return all(v == curve[0][1] for _, v in curve)

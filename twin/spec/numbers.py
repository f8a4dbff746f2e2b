"""Strict numbers for specs: the bounds every count and real in a scenario must keep.

YAML turns `true` into a boolean and `.inf`/`.nan` into floats, and pydantic's lax mode would take
`true` as 1 and accept infinities; a scenario means neither. `Count` and `Real` refuse booleans
(and `Real` refuses non-finite values); the MAX_* bounds keep the engine's memory and time finite
and are written into the schema (`twin schema` shows them as maximum/minimum, or in the
description for durations, which the file writes as strings).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AllowInfNan, BeforeValidator

SECONDS_PER_YEAR = 365.0 * 86400.0

MAX_COUNT = 1_000_000
"""Lots, buffer slots, batch sizes, crew sizes and other counts."""
MAX_MACHINES = 20_000
"""Parallel machines (or dwell places) of one station: each is a process in the engine. A 10 GWh
gigafactory needs a few thousand formation racks (reference d.3: about 1.6 M channels)."""
MAX_CELLS_PER_LOT = 1_000_000
"""Cells in one lot (scrap is drawn as a binomial over them)."""
MAX_SEED = 2**63 - 1
"""Seeds are stored as SQLite INTEGER (signed 64 bit)."""
MAX_REPLICATIONS = 10_000
"""Replications of one run."""
MAX_RUN_YEARS = 100  # the speed benchmark runs 200,000 h (23 years) of a line
MAX_RUN_S = MAX_RUN_YEARS * SECONDS_PER_YEAR
"""Run length and warm-up, each."""
CV_MIN, CV_MAX = 0.001, 10.0
"""Coefficient of variation of lognormal and gamma durations (gamma's shape is 1/cv²)."""
SHAPE_MIN, SHAPE_MAX = 0.1, 100.0
"""Weibull shape k."""
MAX_WH_PER_CELL = 10_000.0
MAX_ELECTRODE_M2 = 100.0
"""Electrode area in one cell, m2 (a large pouch cell has a few m2)."""
MAX_COATED_M2 = 1e6
"""Electrode area coated per lot, m2 (a 2 m web x 100 km would be 2e5)."""
MIN_REPEAT_S = 3600.0
"""Shortest repeat period of a calendar window ('every'): each repeat is an event of the calendar."""


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, not {str(value).lower()}")
    return value


Count = Annotated[int, BeforeValidator(_not_bool)]
"""A whole number; `true`/`false` refused (bounds are given per field)."""

Real = Annotated[float, BeforeValidator(_not_bool), AllowInfNan(False)]
"""A finite real number; `true`/`false`, .inf and .nan refused."""

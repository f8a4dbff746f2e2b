"""Durations with units, parsed once at the edge.

Scenario files write durations as strings with a unit ("45 s", "20 min", "8 h", "14 d", "2 wk");
inside the engine every duration is seconds (float). This module is the only place that knows the
unit names, so the schema, the CLI and the dashboard all accept the same spellings.
"""

from __future__ import annotations

import math
import re

SECONDS_PER_UNIT: dict[str, float] = {
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "wk": 604800.0,
    "week": 604800.0,
    "weeks": 604800.0,
    "yr": 365.0 * 86400.0,
}

_DURATION = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z]+)\s*$")


def parse_duration(text: str) -> float:
    """Return the number of seconds in a duration string such as "45 s" or "1.5 h"."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(
            f"a duration needs a unit, for example '45 s', '20 min', '8 h' or '14 d' (got {text!r})"
        )
    match = _DURATION.match(text)
    if not match:
        raise ValueError(
            f"{text!r} is not a duration: write a number and a unit, for example '45 s' or '8 h'"
        )
    value, unit = float(match.group(1)), match.group(2)
    if unit not in SECONDS_PER_UNIT:
        known = ", ".join(sorted(SECONDS_PER_UNIT, key=SECONDS_PER_UNIT.get))
        raise ValueError(f"unknown time unit {unit!r} in {text!r}; use one of {known}")
    seconds = value * SECONDS_PER_UNIT[unit]
    if not math.isfinite(seconds):
        raise ValueError(f"{text!r} is not a finite duration")
    return seconds


def format_duration(seconds: float) -> str:
    """Write seconds back exactly, in the largest whole unit that fits (the inverse of parse)."""
    seconds = float(seconds)
    for unit in ("d", "h", "min", "s"):
        count = seconds / SECONDS_PER_UNIT[unit]
        if count.is_integer() and (count != 0 or unit == "s"):
            return f"{int(count)} {unit}"
    return f"{seconds!r} s"


def unit_of(text: object) -> str | None:
    """The unit a duration string is written in ('200 yr' -> 'yr'), None if it is not one."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    return match.group(2) if match and match.group(2) in SECONDS_PER_UNIT else None


def readable_unit(seconds: float) -> str:
    """The largest of yr, wk, d, h, min, s that the duration is at least one of, for messages."""
    return next((u for u in ("yr", "wk", "d", "h", "min") if abs(seconds) >= SECONDS_PER_UNIT[u]), "s")


def in_unit(seconds: float, unit: str) -> str:
    """'100 yr': seconds written in `unit`, to 6 significant figures (for messages)."""
    return f"{seconds / SECONDS_PER_UNIT[unit]:.6g} {unit}"

"""Names, units and number formats the dashboard shows for KPIs and station states, shared by the
figures, the tables and the page builders so one KPI reads the same everywhere."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from twin.spec.scenario import Scenario


@dataclass(frozen=True)
class Kpi:
    label: str
    unit: str
    scale: float = 1.0  # shown value = stored value x scale (fractions as %)


KPIS: dict[str, Kpi] = {
    "throughput_per_h": Kpi("Throughput", "cells/h"),
    "gwh_per_year": Kpi("Output", "GWh/yr"),
    "yield": Kpi("Yield", "%", 100.0),
    "wip_cells": Kpi("WIP", "cells"),
    "lead_time_h": Kpi("Lead time", "h"),
    "material_yield": Kpi("Material yield", "%", 100.0),
    "released_cells": Kpi("Released", "cells"),
    "good_cells": Kpi("Good out", "cells"),
    "scrapped_cells": Kpi("Scrapped", "cells"),
}

STATE_LABELS = {
    "working": "working", "setup": "setup", "starved": "starved", "blocked": "blocked", "down": "down",
    "off_shift": "off shift", "waiting_batch": "waiting for a batch",
}
STATE_COLOURS = {  # Okabe-Ito: told apart with any colour vision; productive green, waiting blues, losses warm
    "working": "#009e73", "setup": "#cc79a7", "starved": "#56b4e9", "blocked": "#e69f00",
    "down": "#d55e00", "off_shift": "#999999", "waiting_batch": "#0072b2",
}


def kpi(key: str) -> Kpi:
    """The KPI's label and unit; an unknown (newer) KPI shows under its own name."""
    return KPIS.get(key, Kpi(key.replace("_", " "), ""))


def scaled(key: str, value: Optional[float]) -> Optional[float]:
    return None if value is None else value * kpi(key).scale


def number(value: Optional[float], digits: int = 4) -> str:
    """A number for people: '–' when undefined, thousands separated, else `digits` significant."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if abs(value) >= 10 ** digits:
        return f"{value:,.0f}"
    return f"{value:,.{digits}g}" if value != 0 else "0"


def when(iso: Optional[str]) -> str:
    """A stored ISO 8601 UTC time as '2026-11-25 20:53 UTC'."""
    if not iso:
        return "–"
    return iso.replace("T", " ")[:16] + " UTC"


def percent(value: Optional[float], digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f} %"


def interval(low: Optional[float], high: Optional[float]) -> str:
    """A 95% CI as text, or why there is none."""
    if low is None or high is None:
        return "no CI (one replication)"
    return f"{number(low)} – {number(high)}"


def ci_digits(low: Optional[float], high: Optional[float]) -> Optional[int]:
    """Decimal places a mean with this 95% CI supports: down to the CI half-width's first significant
    digit (a half-width of 0.0043 supports three places; one of 350 none, and `rounded` rounds to
    hundreds). None without a CI."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return None
    half = abs(high - low) / 2
    if half == 0:
        return None
    return max(0, -math.floor(math.log10(half)))


def rounded(value: Optional[float], low: Optional[float] = None, high: Optional[float] = None) -> str:
    """`value` rounded to what its CI supports (the half-width's first significant digit), thousands
    separated; without a CI, three significant digits. '–' when undefined."""
    if value is None or not math.isfinite(value):
        return "–"
    digits = ci_digits(low, high)
    if digits is None:
        return number(value, 3)
    if digits == 0:
        half = abs(high - low) / 2  # type: ignore[operator]
        step = 10 ** max(0, math.floor(math.log10(half)))
        return f"{round(value / step) * step:,.0f}"
    return f"{value:,.{digits}f}"


def rounded_ci(value: Optional[float], low: Optional[float], high: Optional[float]) -> str:
    """'17,300 (95% CI 16,900 – 17,700)' with every number rounded alike."""
    if low is None or high is None:
        return f"{rounded(value)} (one replication: no CI)"
    return f"{rounded(value, low, high)} (95% CI {rounded(low, low, high)} – {rounded(high, low, high)})"


def duration_words(seconds: float) -> str:
    """A rough duration for people: '40 s', '3 min', '1 h 20 min'."""
    if seconds < 57.5:
        return f"{max(5, round(seconds / 5) * 5):.0f} s"
    if seconds < 3600:
        return f"{round(seconds / 60):.0f} min"
    return f"{int(seconds // 3600)} h {round(seconds % 3600 / 60):.0f} min"


PARAMETER_WORDS = {"machines": "machines", "buffer": "buffer (lots)", "yield": "yield", "cycle_time": "cycle time",
                   "length": "length", "warmup": "warm-up", "replications": "replications", "seed": "seed",
                   "shifts_per_day": "shifts per day", "cells_per_lot": "cells per lot"}


def path_words(path: str) -> str:
    """A swept path in words: 'stations.formation.machines' -> 'formation machines',
    'run.length' -> 'run length'; an unknown shape stays as it is."""
    parts = path.split(".")
    if len(parts) == 3 and parts[0] in ("stations", "sources"):
        return f"{parts[1]} {PARAMETER_WORDS.get(parts[2], parts[2].replace('_', ' '))}"
    if len(parts) == 2:
        return f"{parts[0]} {PARAMETER_WORDS.get(parts[1], parts[1].replace('_', ' '))}"
    return path


def station_units(scenario: Optional["Scenario"]) -> dict[str, str]:
    """'rolls' for the stations an electrode roll (a material source's unit) passes before the
    assembly that turns it into cells, 'cells' for every other station: what their counts count."""
    if scenario is None:
        return {}
    names = [s.name for s in scenario.stations]
    units = {name: "cells" for name in names}
    for source in scenario.sources:
        if source.material is None:
            continue
        todo, seen = [source.to], set()
        while todo:
            name = todo.pop()
            if name in seen or name not in units:
                continue
            seen.add(name)
            spec = scenario.station(name)
            if spec.kind == "assembly":
                continue  # rolls become cells here: the assembly's own counts are cells
            units[name] = "rolls"
            targets = list(spec.destinations())
            if not targets:
                index = names.index(name)
                targets = names[index + 1:index + 2]
            todo += [t for t in targets if t != "exit"]
    return units


STATION_NOTES = {
    "availability %": "Working time ÷ planned time (calendar time minus off-shift). Starved, blocked, down and setup "
                      "time all count against it, so it equals the station's utilisation in this model.",
    "performance %": "Ideal time of what the station processed (mean cycle times) ÷ its working time. Above 100 % when "
                     "the random cycle times of the replications came out shorter than their mean: chance, not a fault.",
    "quality %": "Good ÷ processed at this station.",
    "OEE %": "Availability × performance × quality (ISO 22400).",
    "load / capacity %": "What arrived per hour ÷ what the station could do per hour while on shift and up; the "
                         "constraint has the largest.",
    "active share %": "Share of time the station was the momentary bottleneck (sole + shifting, active period method); "
                      "shares of several stations can add to more than 100 % because shifting periods are shared.",
    "unit": "What the station's counts count: rolls of electrode before the winder, cells after.",
}

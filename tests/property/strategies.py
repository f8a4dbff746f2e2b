"""Hand-written hypothesis strategies for valid, small scenarios (plain dicts, as a YAML file holds them).

Every strategy yields a dict that `twin.spec.scenario.Scenario.model_validate` accepts. Durations are
written with units ("1.5 h", "30 min", "2700 s"), means are around an hour per station so that a
run of 50-300 h is a few hundred lots per station and one example simulates in well under a
second. Knobs let a test ask for the shape it needs (warm-up 0 for exact accounting, serial lines
without rework for the capacity bound, per-lot cycle times, ...).
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from twin.spec.scenario import Scenario

STATION_NAMES = (
    "mixing", "coating", "calendering", "slitting", "winding", "welding", "filling", "wetting",
    "formation", "aging", "eol_test", "grading", "Vakuum-Ofen 2", "stacking/notching",
)
SOURCE_NAMES = ("supply", "rolls", "cans", "trays")
DIST_KINDS = ("constant", "exponential", "uniform", "triangular", "lognormal", "gamma", "weibull", "empirical")


# -- durations -------------------------------------------------------------------------------
def _spell(seconds: int) -> st.SearchStrategy[str]:
    """The same duration written in one of several units (exactly, or as a decimal of hours)."""
    # only spellings that parse back to exactly `seconds` (halves of minutes and quarters of hours
    # are exact in binary), so that ordered parameters (low <= mode <= high) stay ordered
    spellings = [f"{seconds} s", f"{seconds}s"]
    if seconds % 30 == 0:
        spellings.append(f"{seconds / 60:g} min")
    if seconds % 900 == 0:  # "1.5 h", "0.25 h"
        spellings.append(f"{seconds / 3600:g} h")
    if seconds % 3600 == 0:
        spellings += [f"{seconds // 3600} h", f"{seconds // 3600} hr"]
    return st.sampled_from(spellings)


def durations(low_s: int, high_s: int) -> st.SearchStrategy[str]:
    """A duration string between low_s and high_s seconds (both > 0)."""
    return st.integers(low_s, high_s).flatmap(_spell)


def _sorted_ints(count: int, low_s: int, high_s: int, strict_ends: bool = False):
    values = st.lists(st.integers(low_s, high_s), min_size=count, max_size=count).map(sorted)
    if strict_ends:
        values = values.filter(lambda v: v[0] < v[-1])
    return values


@st.composite
def distributions(draw, mean_s: int, *, kinds=DIST_KINDS, allow_bare: bool = True) -> Any:
    """A distribution spec with a mean of roughly `mean_s` seconds (within a factor of 2 or so)."""
    low, high = max(1, mean_s // 2), max(2, mean_s * 2)
    kind = draw(st.sampled_from(kinds))
    if kind == "constant":
        value = draw(durations(low, high))
        return value if allow_bare and draw(st.booleans()) else {"dist": "constant", "value": value}
    if kind == "exponential":
        return {"dist": "exponential", "mean": draw(durations(low, high))}
    if kind == "uniform":
        a = draw(st.sampled_from([0, low // 2, low]))
        b = draw(st.integers(max(a, low), high))
        return {"dist": "uniform", "low": draw(_spell(a)) if a else "0 s", "high": draw(_spell(b))}
    if kind == "triangular":
        a, c, b = draw(_sorted_ints(3, low // 2, high, strict_ends=True))
        return {"dist": "triangular", "low": f"{a} s", "mode": draw(_spell(c)) if c else "0 s", "high": draw(_spell(b))}
    if kind in ("lognormal", "gamma"):
        cv = draw(st.sampled_from([0.1, 0.25, 0.5, 0.75, 1.0, 1.5]))
        return {"dist": kind, "mean": draw(durations(low, high)), "cv": cv}
    if kind == "weibull":
        shape = draw(st.sampled_from([0.7, 1.0, 1.5, 2.0, 3.5]))
        return {"dist": "weibull", "shape": shape, "scale": draw(durations(low, high))}
    values = draw(st.lists(durations(low, high), min_size=1, max_size=6))
    return {"dist": "empirical", "values": values}


@st.composite
def failures(draw) -> dict:
    spec = {
        "ttf": draw(distributions(20 * 3600, kinds=("exponential", "weibull", "gamma", "lognormal", "constant", "uniform"))),
        "ttr": draw(distributions(3600, kinds=("exponential", "lognormal", "constant", "triangular", "empirical"))),
    }
    clock = draw(st.sampled_from([None, "operating", "calendar"]))
    if clock is not None:
        spec["clock"] = clock
    return spec


# -- stations --------------------------------------------------------------------------------
@st.composite
def stations(draw, name: str, *, cells_per_lot: int, kinds=("machine", "machine", "batch", "dwell"),
             allow_failures: bool = True, allow_per_cell: bool = True, allow_scrap: bool = True,
             mean_s: tuple[int, int] = (900, 5400)) -> dict:
    """One station spec (without rework or next, which need the other stations' names)."""
    kind = draw(st.sampled_from(kinds))
    base = draw(st.integers(*mean_s))  # seconds per lot and machine (the station's pace)
    spec: dict[str, Any] = {"name": name}
    if kind != "machine" or draw(st.booleans()):
        spec["kind"] = kind
    if kind == "machine":
        machines = draw(st.integers(1, 3))
        if machines > 1 or draw(st.booleans()):
            spec["machines"] = machines
        buffer = draw(st.one_of(st.none(), st.integers(0, 5)))
        per_cell = allow_per_cell and cells_per_lot > 1 and draw(st.booleans())
        if per_cell:
            spec["cycle_time"] = {**_as_dict(draw(distributions(max(1, machines * base // cells_per_lot),
                                                                allow_bare=False))), "per": "cell"}
        else:
            spec["cycle_time"] = draw(distributions(machines * base))
    elif kind == "batch":
        machines = draw(st.integers(1, 2))
        if machines > 1 or draw(st.booleans()):
            spec["machines"] = machines
        low = draw(st.integers(1, 3))
        high = draw(st.integers(low, low + 3))
        spec["batch"] = {"max": high} if low == 1 and draw(st.booleans()) else {"min": low, "max": high}
        buffer = draw(st.one_of(st.none(), st.integers(high, high + 3)))
        spec["cycle_time"] = draw(distributions(machines * base * high))
    else:
        capacity = draw(st.integers(1, 5))
        spec["capacity"] = capacity
        buffer = draw(st.one_of(st.none(), st.integers(0, 5)))
        per_cell = allow_per_cell and cells_per_lot > 1 and draw(st.booleans())
        if per_cell:
            spec["cycle_time"] = {**_as_dict(draw(distributions(max(1, capacity * base // cells_per_lot),
                                                                allow_bare=False))), "per": "cell"}
        else:
            spec["cycle_time"] = draw(distributions(capacity * base))
    if buffer is not None:
        spec["buffer"] = buffer
    if kind != "dwell" and allow_failures and draw(st.booleans()):
        spec["failures"] = draw(failures())
    if allow_scrap and draw(st.booleans()):
        spec["yield"] = draw(st.sampled_from([0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0]))
    return spec


def _as_dict(dist: Any) -> dict:
    return {"dist": "constant", "value": dist} if isinstance(dist, str) else dict(dist)


# -- sources and scenarios -------------------------------------------------------------------
@st.composite
def sources(draw, name: str, to: str, *, kinds=("saturated", "interarrival", "conwip")) -> dict:
    kind = draw(st.sampled_from(kinds))
    spec: dict[str, Any] = {"name": name, "to": to}
    if kind == "saturated":
        spec["release"] = "saturated"
    elif kind == "interarrival":
        spec["interarrival"] = draw(distributions(3600, kinds=("constant", "exponential", "uniform", "gamma", "empirical")))
        if draw(st.booleans()):
            spec["max_lots"] = draw(st.integers(0, 300))
    else:
        spec["conwip"] = draw(st.integers(1, 12))
    return spec


@st.composite
def scenario_dicts(
    draw,
    *,
    min_stations: int = 1,
    max_stations: int = 5,
    kinds=("machine", "machine", "batch", "dwell"),
    source_kinds=("saturated", "interarrival", "conwip"),
    rework: bool = True,
    routing: bool = True,
    second_source: bool = True,
    failures_: bool = True,
    per_cell: bool = True,
    scrap: bool = True,
    warmup: bool = False,
    length_h: tuple[int, int] = (50, 300),
    operations: bool = True,
) -> dict:
    """A valid scenario as a dict. warmup=False gives warm-up 0 (sometimes spelled, sometimes omitted)."""
    count = draw(st.integers(min_stations, max_stations))
    names = draw(st.lists(st.sampled_from(STATION_NAMES), min_size=count, max_size=count, unique=True))
    cells_per_lot = draw(st.integers(1, 20))
    station_specs = [
        draw(stations(n, cells_per_lot=cells_per_lot, kinds=kinds, allow_failures=failures_,
                      allow_per_cell=per_cell, allow_scrap=scrap))
        for n in names
    ]
    if rework:
        for spec in station_specs:
            if spec.get("kind", "machine") != "dwell" and draw(st.integers(0, 4)) == 0:
                spec["rework"] = {"fraction": draw(st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.3])),
                                  "to": draw(st.sampled_from(names))}
    if routing:
        for index, spec in enumerate(station_specs):
            if draw(st.integers(0, 5)) == 0:  # skip ahead, or leave the line early
                spec["next"] = draw(st.sampled_from(names[index + 1:] + ["exit"]))
    source_names = draw(st.lists(st.sampled_from(SOURCE_NAMES), min_size=2, max_size=2, unique=True))
    srcs = [draw(sources(source_names[0], names[0], kinds=source_kinds))]
    if second_source and count > 1 and draw(st.integers(0, 3)) == 0:
        second = draw(sources(source_names[1], draw(st.sampled_from(names[1:])),
                              kinds=("interarrival", "conwip")))
        srcs.append(second)
    run: dict[str, Any] = {"length": draw(durations(length_h[0] * 3600, length_h[1] * 3600))}
    if warmup:
        run["warmup"] = draw(durations(3600, 50 * 3600))
    elif draw(st.booleans()):
        run["warmup"] = draw(st.sampled_from(["0 h", "0 s", "0 min"]))
    if draw(st.booleans()):
        run["replications"] = draw(st.integers(1, 5))
    run["seed"] = draw(st.integers(0, 2**32 - 1))
    scenario: dict[str, Any] = {"name": draw(st.sampled_from(["line", "what-if: faster winder", "Linie ü"])),
                                "run": run, "sources": srcs, "stations": station_specs}
    if cells_per_lot > 1 or draw(st.booleans()):
        product: dict[str, Any] = {"cells_per_lot": cells_per_lot}
        if draw(st.booleans()):
            product["wh_per_cell"] = draw(st.sampled_from([12.5, 18.0, 21.6]))
        scenario["product"] = product
    if draw(st.booleans()):
        scenario["description"] = "generated by hypothesis"
    if operations and draw(st.integers(0, 2)) == 0:
        draw(operations_(scenario))
    return scenario


@st.composite
def operations_(draw, scenario: dict) -> None:
    """Add shift calendars, repair crews, products with changeovers, transfers and splits (in place)."""
    station_specs = scenario["stations"]
    if draw(st.booleans()):
        calendar: dict[str, Any] = {"shifts_per_day": draw(st.integers(1, 3)), "days_per_week": draw(st.integers(5, 7))}
        if draw(st.booleans()):
            calendar["breaks"] = [{"start": "3 h", "length": draw(st.sampled_from(["15 min", "30 min"]))}]
        if draw(st.booleans()):
            calendar["finish_lot"] = draw(st.booleans())
        if draw(st.booleans()):
            calendar["holidays"] = [{"start": draw(durations(3600, 100 * 3600)), "length": "1 d"}]
        scenario["calendar"] = calendar
        for spec in station_specs:
            if spec.get("kind", "machine") != "dwell" and draw(st.integers(0, 2)) == 0:
                spec["shifts"] = False
    failing = [spec for spec in station_specs if "failures" in spec]
    if failing and draw(st.booleans()):
        crew: dict[str, Any] = {"size": draw(st.integers(1, 2))}
        if "calendar" in scenario and draw(st.booleans()):
            crew["shifts"] = True
        scenario["crews"] = {"maintenance": crew}
        for spec in failing:
            if draw(st.booleans()):
                spec["failures"]["repair_crew"] = "maintenance"
    if draw(st.booleans()):
        cells = scenario.get("product", {}).get("cells_per_lot", 1)
        scenario.pop("product", None)
        scenario["products"] = [{"name": "energy", "cells_per_lot": cells}, {"name": "power", "cells_per_lot": cells}]
        first = scenario["sources"][0]
        if draw(st.booleans()):
            first["mix"] = {"energy": draw(st.integers(1, 3)), "power": 1}
        else:
            first["campaign"] = [{"product": "energy", "lots": draw(st.integers(1, 5))},
                                 {"product": "power", "lots": draw(st.integers(1, 5))}]
        for spec in station_specs:
            if spec.get("kind", "machine") != "dwell" and draw(st.booleans()):
                spec["setup"] = {"time": draw(durations(60, 3600))}
    for spec in station_specs:
        if spec.get("kind", "machine") == "dwell":
            continue  # a store has no conveyor out or split
        if draw(st.integers(0, 4)) == 0:
            spec["transfer_time"] = draw(durations(60, 1800))
        if draw(st.integers(0, 5)) == 0:
            spec["split"] = draw(st.integers(2, 4))


@st.composite
def assembly_dicts(draw) -> dict:
    """Two material streams (electrode rolls) made into cells by an assembly, then a finishing station."""
    quantities = {"cathode_line": draw(st.integers(1, 2)), "anode_line": draw(st.integers(1, 2))}
    feeders = [
        {"name": name, "cycle_time": draw(distributions(draw(st.integers(1800, 7200)))), "next": "winding",
         **({"yield": draw(st.sampled_from([0.8, 0.95]))} if draw(st.booleans()) else {})}
        for name in quantities
    ]
    winder: dict[str, Any] = {"name": "winding", "kind": "assembly", "inputs": quantities,
                              "cells_out": draw(st.integers(1, 40)), "cycle_time": draw(distributions(1800))}
    if draw(st.booleans()):
        winder["split"] = draw(st.integers(2, 5))
    if draw(st.booleans()):
        winder["yield"] = 0.9
    kinds = ("saturated", "interarrival", "conwip")
    source_list = [
        {**draw(sources(f"{name}_rolls", name, kinds=kinds)), "material": f"{name}_roll"} for name in quantities
    ]
    return {
        "name": "assembly line",
        "products": [{"name": "cell", "cells_per_lot": draw(st.integers(1, 10))}],
        "run": {"length": draw(durations(50 * 3600, 200 * 3600)), "seed": draw(st.integers(0, 2**32 - 1))},
        "sources": source_list,
        "stations": [*feeders, winder, {"name": "finishing", "cycle_time": draw(distributions(600))}],
    }


def scenarios(**knobs) -> st.SearchStrategy[Scenario]:
    """Validated Scenario objects (see scenario_dicts for the knobs)."""
    return scenario_dicts(**knobs).map(Scenario.model_validate)


def replications() -> st.SearchStrategy[int]:
    return st.integers(0, 3)


# -- settings ----------------------------------------------------------------------------------
_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large]


def bounded(max_examples: int = 40, shrink: bool = True) -> settings:
    """The suite's hypothesis settings: derandomized (the same examples every run, as the project's
    tests are deterministic) and bounded, so the property suite stays within a couple of minutes.
    `HYPOTHESIS_EXPLORE=10` searches with fresh random examples, ten times as many. shrink=False
    for tests expected to fail (xfail), which need no minimal example each run."""
    phases = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target] + ([Phase.shrink] if shrink else [])
    factor = int(os.environ.get("HYPOTHESIS_EXPLORE", "0"))
    if factor:
        return settings(max_examples=max_examples * factor, deadline=None, suppress_health_check=_SUPPRESS,
                        phases=phases + [Phase.explain])
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=_SUPPRESS, phases=phases)

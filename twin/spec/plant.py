"""Plant files: several line files composed into one plant, compiled into one flat Scenario.

A plant file names its lines (`lines: {cylindrical: {file: cylindrical_line.yaml}}`), the stations
that become one pool serving several lines (`shared:` with `from:` and fields that replace the
merged station's), plant-wide crews, facility loads and the run. `compile_plant` turns the plant and
its validated line scenarios into the data of ONE Scenario, so the engine, the experiments, the store
and the CLI take a plant unchanged:

- every station, source, product, material, calendar and line crew is renamed `line.name`;
  a station's implicit "next station listed" is written out, so lines do not run into each other;
- a shared station is the first `from` station with the machines (places, buffers, capital and
  operators) of all of them added up; the lots of each line keep their own recipe there (cycle time,
  yield, next, max_wait through `by_product` keyed by the line's items) unless the shared entry
  gives the field;
- `plant:` records which line owns which station, source and item (per-line KPIs are taken from the
  lots' items) and the random-stream key of each name: a station keeps the streams it draws in its
  line run alone unless an earlier line already draws them. So a plant of one line is that line,
  number for number, and two lines built alike still draw independent numbers.

Pure data in, data out (no files: twin.spec.yaml_io reads them and locates errors).
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

from pydantic import BeforeValidator, ConfigDict, Field

from twin.spec.errors import located_error
from twin.spec.scenario import (
    BY_PRODUCT_KEYS, EXIT, CrewSpec, FacilityLoadSpec, PricesSpec, RunSpec, Scenario, Spec, _crew_shorthand, _hint,
)

LINE_NAME = r"^[A-Za-z][A-Za-z0-9_-]*$"


class PlantLineRefSpec(Spec):
    file: str = Field(min_length=1, max_length=4096, description="The line file, relative to the plant file.")


class SharedSpec(Spec):
    """One station that serves several lines; any other key is a station field that replaces the merged one's."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    name: str = Field(description="The shared station's name (unique in the plant).")
    from_: tuple[str, ...] = Field(alias="from", min_length=1, description="Line stations merged: 'line.station'.")
    priority: tuple[str, ...] = Field(
        (), description="Lines whose lots the station takes first, in order (omitted: first come, first served)."
    )


class PlantSpec(Spec):
    name: str = Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f\u2028\u2029]*$", description="Plant name.")
    description: str = Field("", max_length=20_000, description="What the plant is and what it changes.")
    lines: dict[Annotated[str, Field(pattern=LINE_NAME)], PlantLineRefSpec] = Field(
        min_length=1, description="The lines by name: each a line file.")
    shared: tuple[SharedSpec, ...] = Field((), description="Stations that become one pool serving several lines.")
    crews: Annotated[dict[str, CrewSpec], BeforeValidator(_crew_shorthand)] = Field(
        default_factory=dict, description="Plant-wide crews: they replace the lines' crews of the same name.")
    facility: dict[str, FacilityLoadSpec] = Field(
        default_factory=dict, description="Plant loads of no station; they replace the lines' loads of the same name.")
    prices: Optional[PricesSpec] = Field(None, description="Cost inputs (default: the first line's).")
    run: RunSpec = Field(description="Run length, warm-up, replications and seed of the plant.")


def _items_of(scenario: Scenario) -> list[str]:
    names = [p.name for p in scenario.all_products]
    for source in scenario.sources:
        if source.material and source.material not in names:
            names.append(source.material)
    return names


def _renamed_next(value: Any, name: Any) -> Any:
    if isinstance(value, str):
        return value if value == EXIT else name(value)
    if isinstance(value, dict):
        return {(k if k == EXIT else name(k)): v for k, v in value.items()}
    return value


def _line_stations(line: str, scenario: Scenario, calendar_name: Optional[str], plant_crews: set[str],
                   shifts_off: bool) -> list[dict]:
    """The line's stations as plant data: names prefixed, implicit next written out."""
    name = lambda n: f"{line}.{n}"  # noqa: E731
    item = name
    first_product = name(scenario.all_products[0].name)
    out = []
    for index, spec in enumerate(scenario.stations):
        data = spec.model_dump(mode="json", by_alias=True)
        data["name"] = name(spec.name)
        if "cost" not in spec.model_fields_set:
            data.pop("cost", None)  # the catalogue's: costed again at the station's size in the plant
        if scenario.start is not None and spec.start is None and spec.kind != "dwell":
            data["start"] = f"{scenario.start!r} s"  # the line's start of production holds in the plant too
        data["next"] = _renamed_next(spec.next if spec.next is not None else scenario.next_of(index), name)
        if spec.on_expiry:
            data["on_expiry"] = name(spec.on_expiry)
        if data.get("rework"):
            data["rework"]["to"] = name(data["rework"]["to"])
        if data.get("inputs"):
            data["inputs"] = {name(k): v for k, v in data["inputs"].items()}
        if spec.kind == "assembly":
            data["product"] = item(data["product"]) if data.get("product") else first_product
        data["by_product"] = {
            item(k): ({**v, "next": _renamed_next(v["next"], name)} if "next" in v else dict(v))
            for k, v in data.get("by_product", {}).items()
        }
        if data.get("setup") and data["setup"].get("from_to"):
            data["setup"]["from_to"] = {item(a): {item(b): t for b, t in row.items()}
                                        for a, row in data["setup"]["from_to"].items()}
        if spec.calendar is not None:
            data["calendar"] = name(spec.calendar)
        elif calendar_name is not None and spec.shifts is not False and spec.kind != "dwell":
            data["calendar"] = calendar_name
        elif shifts_off and spec.shifts is None and spec.kind != "dwell":
            data["shifts"] = False  # the plant has a calendar this line does not follow
        failures = data.get("failures")
        if failures and failures.get("repair_crew") and failures["repair_crew"] not in plant_crews:
            failures["repair_crew"] = name(failures["repair_crew"])
        out.append(data)
    return out


def _line_sources(line: str, scenario: Scenario) -> list[dict]:
    name = lambda n: f"{line}.{n}"  # noqa: E731
    out = []
    for source in scenario.sources:
        data = source.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["name"], data["to"] = name(source.name), name(source.to)
        if source.material:
            data["material"] = name(source.material)
        elif source.mix:
            data["mix"] = {name(k): v for k, v in source.mix.items()}
        elif source.campaign:
            data["campaign"] = [{**step, "product": name(step["product"])} for step in data["campaign"]]
        else:
            data["product"] = name(source.product or scenario.all_products[0].name)
        out.append(data)
    return out


def compile_plant(plant: PlantSpec, lines: dict[str, Scenario]) -> tuple[dict, dict[str, tuple[str, int] | int]]:
    """The Scenario data of the plant, and where each station came from: 'plant name' -> (line,
    index in the line file) or the index of its `shared:` entry. Reference errors raise a located
    ValidationError (loc relative to the plant file)."""
    calendars_given = {line: s.calendar for line, s in lines.items() if s.calendar is not None}
    common = list(calendars_given.values())
    one_calendar = common[0] if common and all(c == common[0] for c in common) else None
    plant_crews = set(plant.crews)
    stations: list[dict] = []
    origin: dict[str, tuple[str, int] | int] = {}
    sources: list[dict] = []
    products: list[dict] = []
    calendars: dict[str, Any] = {}
    crews: dict[str, Any] = {k: v.model_dump(mode="json") for k, v in plant.crews.items()}
    facility: dict[str, Any] = {k: v.model_dump(mode="json") for k, v in plant.facility.items()}
    info_lines: dict[str, dict] = {}
    for line, scenario in lines.items():
        own_calendar = None
        if scenario.calendar is not None and one_calendar is None:
            own_calendar = f"{line}.calendar"
            calendars[own_calendar] = scenario.calendar.model_dump(mode="json")
        for cname, cal in scenario.calendars.items():
            calendars[f"{line}.{cname}"] = cal.model_dump(mode="json")
        for cname, crew in scenario.crews.items():
            if cname in plant_crews:
                continue
            if crew.shifts and one_calendar is None:
                raise located_error(("lines", line), f"crew {cname!r} of this line works on shift, and the lines' "
                                    "calendars differ: give a plant-wide crew of that name instead")
            crews[f"{line}.{cname}"] = crew.model_dump(mode="json")
        line_stations = _line_stations(line, scenario, own_calendar, plant_crews,
                                       shifts_off=one_calendar is not None and scenario.calendar is None)
        for index, data in enumerate(line_stations):
            origin[data["name"]] = (line, index)
        stations.extend(line_stations)
        sources.extend(_line_sources(line, scenario))
        for product in scenario.all_products:
            products.append({**product.model_dump(mode="json"), "name": f"{line}.{product.name}"})
        for fname, load in scenario.facility.items():
            if fname in plant.facility:
                continue  # the plant's load of that name replaces the line's (one dry room serves both)
            facility[f"{line}.{fname}"] = load.model_dump(mode="json")
        info_lines[line] = {
            "file": plant.lines[line].file,
            "stations": [f"{line}.{s.name}" for s in scenario.stations],
            "sources": [f"{line}.{s.name}" for s in scenario.sources],
            "items": [f"{line}.{n}" for n in _items_of(scenario)],
        }
    shared_info = _merge_shared(plant, lines, stations, sources, origin, info_lines)
    stream_keys = _stream_keys(lines, stations, sources, info_lines)
    first = next(iter(lines.values()))
    data = {
        "name": plant.name,
        "description": plant.description,
        "products": products,
        "calendar": one_calendar.model_dump(mode="json") if one_calendar is not None else None,
        "calendars": calendars,
        "crews": crews,
        "run": plant.run.model_dump(mode="json"),
        "sources": sources,
        "stations": stations,
        "facility": facility,
        "prices": (plant.prices or first.prices).model_dump(mode="json"),
        "plant": {"lines": info_lines, "shared": shared_info, "stream_keys": stream_keys},
    }
    return data, origin


def _merge_shared(plant: PlantSpec, lines: dict[str, Scenario], stations: list[dict], sources: list[dict],
                  origin: dict, info_lines: dict[str, dict]) -> dict[str, dict]:
    """Replace the `from` stations of each shared entry by one merged station (in place)."""
    by_name = {s["name"]: s for s in stations}
    taken: dict[str, int] = {}
    shared_info: dict[str, dict] = {}
    names = set(by_name) | {s["name"] for s in sources}
    for j, shared in enumerate(plant.shared):
        if shared.name in names or shared.name == EXIT:
            raise located_error(("shared", j, "name"), f"the name {shared.name!r} is already used in the plant")
        for k, ref in enumerate(shared.from_):
            line = ref.split(".", 1)[0]
            if line not in lines:
                raise located_error(("shared", j, "from", k), f"unknown line in {ref!r}: write 'line.station'"
                                    f"{_hint(line, set(lines))}")
            if ref not in by_name or origin.get(ref, (None,))[0] != line:
                local = ref.split(".", 1)[1] if "." in ref else ""
                known = {s.name for s in lines[line].stations}
                raise located_error(("shared", j, "from", k), f"line {line!r} has no station {local!r}"
                                    f"{_hint(local, known)}")
            if ref in taken:
                raise located_error(("shared", j, "from", k), f"{ref!r} is already merged into shared[{taken[ref]}]")
            taken[ref] = j
        for k, line in enumerate(shared.priority):
            if line not in {r.split(".", 1)[0] for r in shared.from_}:
                raise located_error(("shared", j, "priority", k), f"{line!r} is not one of the lines this station "
                                    "serves (the lines in 'from')")
            if line in shared.priority[:k]:
                raise located_error(("shared", j, "priority", k), f"{line!r} is listed twice: give each line once, "
                                    "in the order its lots go first")
        served = [r.split(".", 1)[0] for r in shared.from_]
        if len(set(served)) < 2 or len(set(served)) < len(served):
            raise located_error(("shared", j, "from"), "a shared station takes one station from each of two or more "
                                f"lines (got lines {', '.join(served)})")
        merged_from = [by_name[ref] for ref in shared.from_]
        kinds = {d["kind"] for d in merged_from}
        if len(kinds) > 1:
            raise located_error(("shared", j, "from"), f"the stations are of different kinds ({', '.join(sorted(kinds))})")
        merged = _merged_station(shared, merged_from, {ref: info_lines[ref.split('.', 1)[0]]["items"]
                                                      for ref in shared.from_}, j)
        _redirect(stations, sources, set(shared.from_), shared.name)
        position = stations.index(merged_from[0])
        for ref in shared.from_:
            stations.remove(by_name[ref])
        stations.insert(position, merged)
        by_name[shared.name] = merged
        names.add(shared.name)
        origin[shared.name] = j
        for line in {r.split(".", 1)[0] for r in shared.from_}:
            info_lines[line]["stations"] = [s for s in info_lines[line]["stations"] if s not in taken]
        shared_info[shared.name] = {"from": list(shared.from_), "priority": list(shared.priority)}
    return shared_info


SAME_FOR_ALL = ("ramp", "failures", "power", "recovery", "start", "template")
"""Fields of the merged station that serve every line's lots alike: the `from` stations must agree on
them, or the shared entry must give them (else the result would depend on the order of `from`)."""


def _merged_station(shared: SharedSpec, parts: list[dict], items_of: dict[str, list[str]], j: int) -> dict:
    extra_keys = set(shared.model_extra or {})
    for key in SAME_FOR_ALL:
        values = [p.get(key) for p in parts]
        if key not in extra_keys and any(v != values[0] for v in values[1:]):
            raise located_error(("shared", j, "from"), f"the stations differ in '{key}', which the shared station "
                                f"applies to every line's lots: give '{key}' on the shared entry")
    merged = {**parts[0], "name": shared.name}
    areas = {p.get("coated_m2_per_lot") for p in parts}
    if len(areas) > 1:
        merged["coated_m2_per_lot"] = None  # rolls of different areas: the plant's material yield is not measured
    for key in ("machines", "capacity"):
        if key in merged and merged[key] is not None:
            merged[key] = sum(p[key] for p in parts)
    if all(p.get("buffer") is not None for p in parts):
        merged["buffer"] = sum(p["buffer"] for p in parts)
    costs = [p["cost"] for p in parts if p.get("cost")]
    if costs and len(costs) < len(parts):
        raise located_error(("shared", j, "from"), "some of the stations declare a 'cost' and some take the "
                            "catalogue's: give 'cost' on the shared entry")
    if costs:  # declared by the lines: their sum (else the catalogue costs the merged size)
        merged["cost"] = {**costs[0], "capex": f"{sum(_gbp(c['capex']) for c in costs)!r} GBP",
                          "labour_per_shift": sum(c["labour_per_shift"] for c in costs)}
    by_product: dict[str, dict] = {}
    for part, ref in zip(parts, shared.from_):
        for item in items_of[ref]:
            entry = dict(part.get("by_product", {}).get(item, {}))
            for key in BY_PRODUCT_KEYS:
                value = entry.get(key, part.get(key))
                if value != merged.get(key):
                    entry[key] = value
                else:
                    entry.pop(key, None)
            if entry:
                by_product[item] = entry
    extra = dict(shared.model_extra or {})
    for key in extra:
        for entry in by_product.values():
            entry.pop("yield" if key in ("yield", "yield_") else key, None)
    merged["by_product"] = {k: v for k, v in by_product.items() if v}
    merged.update(extra)
    return merged


def _gbp(text: str) -> float:
    from twin.spec.quantities import _money_parser

    return _money_parser("")(text)


def _redirect(stations: list[dict], sources: list[dict], old: set[str], new: str) -> None:
    """Every reference to one of `old` now names `new`."""
    to = lambda n: new if n in old else n  # noqa: E731
    for data in stations:
        data["next"] = _renamed_next(data["next"], to)
        if data.get("on_expiry"):
            data["on_expiry"] = to(data["on_expiry"])
        if data.get("rework"):
            data["rework"]["to"] = to(data["rework"]["to"])
        if data.get("inputs"):
            data["inputs"] = {to(k): v for k, v in data["inputs"].items()}
        for entry in data.get("by_product", {}).values():
            if "next" in entry:
                entry["next"] = _renamed_next(entry["next"], to)
    for data in sources:
        data["to"] = to(data["to"])


def _stream_keys(lines: dict[str, Scenario], stations: list[dict], sources: list[dict],
                 info_lines: dict[str, dict]) -> dict[str, str]:
    """Plant name -> random-stream key: the line-alone name unless an earlier name took it."""
    claimed: set[str] = set()
    keys: dict[str, str] = {}
    owned = {n: line for line, info in info_lines.items() for n in (*info["stations"], *info["sources"], *info["items"])}
    for name in [*(s["name"] for s in stations), *(s["name"] for s in sources),
                 *(n for info in info_lines.values() for n in info["items"])]:
        local = name.split(".", 1)[1] if name in owned else name
        key = local if local not in claimed else name
        claimed.add(key)
        if key != name:
            keys[name] = key
    return keys


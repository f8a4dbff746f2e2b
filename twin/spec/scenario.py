"""Scenario specs: the validated, inert description of a line (pydantic v2, frozen, no extra keys).

A scenario file is YAML; `load_scenario` parses it (twin.spec.yaml_io) and validates it against these
models. Nothing here knows SimPy: twin.sim.build turns a Scenario into runtime objects. Every field
carries a description, which `twin schema` prints as JSON schema.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from twin.spec import catalog
from twin.spec.distributions import DistSpec, Duration
from twin.spec.numbers import (MAX_CELLS_PER_LOT, MAX_COUNT, MAX_MACHINES, MAX_REPLICATIONS, MAX_RUN_S, MAX_RUN_YEARS,
                               MAX_SEED, MAX_WH_PER_CELL, MIN_REPEAT_S, Count, Real)

EXIT = "exit"


class Spec(BaseModel):
    """Base of every spec: immutable and strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ProductSpec(Spec):
    name: str = Field("cell", description="Product name, shown in reports.")
    cells_per_lot: Count = Field(
        1, ge=1, le=MAX_CELLS_PER_LOT, description="Cells per lot (tray or carrier); the unit that moves between stations."
    )
    wh_per_cell: Real = Field(18.0, gt=0, le=MAX_WH_PER_CELL, description="Energy of one good cell in Wh, for GWh/yr.")


class WindowSpec(Spec):
    start: Duration = Field(ge=0, le=MAX_RUN_S, description="Start: from the run start (holidays, maintenance) or from "
                            f"the shift start (breaks); at least 0, at most {MAX_RUN_YEARS} yr.")
    length: Duration = Field(gt=0, le=MAX_RUN_S, description=f"How long the window lasts (at most {MAX_RUN_YEARS} yr).")
    every: Optional[Duration] = Field(
        None, ge=MIN_REPEAT_S, le=MAX_RUN_S,
        description="Repeat period (e.g. '1 wk' for weekly maintenance), at least 1 h; omitted = once."
    )


class CalendarSpec(Spec):
    shifts_per_day: Count = Field(ge=1, le=6, description="Shifts worked on a working day.")
    shift_length: Duration = Field(8 * 3600.0, gt=0, description="Length of one shift.")
    first_shift_start: Duration = Field(
        6 * 3600.0, ge=0, description="When the first shift starts, from midnight (the run starts Monday 00:00)."
    )
    days_per_week: Count = Field(7, ge=1, le=7, description="Working days per week, from Monday.")
    breaks: tuple[WindowSpec, ...] = Field((), description="Planned breaks in every shift (start from the shift start).")
    maintenance: tuple[WindowSpec, ...] = Field((), description="Planned maintenance windows (start from the run start).")
    holidays: tuple[WindowSpec, ...] = Field((), description="Holidays and shutdowns (start from the run start).")
    finish_lot: bool = Field(
        False, description="A lot in process at the end of a shift is finished (true) or waits for the next shift (false)."
    )

    @model_validator(mode="after")
    def _fits_in_a_day(self) -> "CalendarSpec":
        if self.shifts_per_day * self.shift_length > 86400.0 + 1e-9:
            raise ValueError("shifts_per_day x shift_length is longer than a day")
        for window in self.breaks:
            if window.every is not None:
                raise ValueError("breaks repeat in every shift already: remove 'every'")
        return self


class CrewSpec(Spec):
    size: Count = Field(ge=1, le=MAX_COUNT, description="Technicians in the crew.")
    shifts: bool = Field(False, description="The crew works only on shift (true) or round the clock (false).")


def _crew_shorthand(value: Any) -> Any:
    """`crews: {maintenance: 2}` is shorthand for a crew of 2 working round the clock."""
    if isinstance(value, dict):
        return {k: ({"size": v} if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in value.items()}
    return value


class CampaignStepSpec(Spec):
    product: str = Field(description="Product released in this step.")
    lots: Count = Field(ge=1, le=MAX_COUNT, description="Lots released before the next step (the list repeats).")


class SetupSpec(Spec):
    time: Optional[DistSpec] = Field(None, description="Changeover time whenever the product changes.")
    from_to: dict[str, dict[str, DistSpec]] = Field(
        default_factory=dict,
        description="Changeover time per (from product, to product); overrides 'time' for the pairs it names.",
    )

    @model_validator(mode="after")
    def _something(self) -> "SetupSpec":
        if self.time is None and not self.from_to:
            raise ValueError("a setup needs 'time' or 'from_to'")
        return self


class RunSpec(Spec):
    warmup: Literal["auto"] | Annotated[Duration, Field(ge=0, le=MAX_RUN_S)] = Field(
        0.0, description="Simulated time discarded before statistics start, or 'auto': chosen by MSER-5 "
        f"from pilot replications (twin.analysis.warmup); at most {MAX_RUN_YEARS} yr.",
    )
    length: Duration = Field(gt=0, le=MAX_RUN_S, description="Simulated time observed after the warm-up "
                             f"(at most {MAX_RUN_YEARS} yr).")
    replications: Count = Field(10, ge=1, le=MAX_REPLICATIONS, description="Independent replications (each its own random streams).")
    seed: Count = Field(1, ge=0, le=MAX_SEED, description="Root seed (below 2^63); the same seed reproduces the same result.")


class SourceSpec(Spec):
    name: str = Field(description="Source name (unique among stations and sources).")
    to: str = Field(description="Station that receives the released lots.")
    release: Optional[Literal["saturated"]] = Field(
        None, description="'saturated': the receiving station never starves (a lot is always waiting)."
    )
    interarrival: Optional[DistSpec] = Field(None, description="Time between releases of one lot.")
    conwip: Optional[Count] = Field(
        None, ge=1, le=MAX_COUNT, description="Closed loop: keep this many lots of this source in the line; a new lot is "
        "released whenever one leaves (good or scrapped).",
    )
    max_lots: Optional[Count] = Field(
        None, ge=0, le=10**12, description="Stop after releasing this many lots (interarrival sources only)."
    )
    product: Optional[str] = Field(None, description="Product released (default: the first product).")
    mix: Optional[dict[str, Real]] = Field(
        None, description="Release a random product mix: product -> share (shares are normalised)."
    )
    campaign: Optional[tuple[CampaignStepSpec, ...]] = Field(
        None, min_length=1, description="Release products in a repeating campaign sequence."
    )
    material: Optional[str] = Field(
        None, description="Release material (e.g. an electrode roll) instead of cells; it becomes cells at an assembly."
    )
    units_per_lot: Count = Field(1, ge=1, le=MAX_COUNT, description="Units of material per lot (material sources only).")

    @model_validator(mode="after")
    def _one_release_rule(self) -> "SourceSpec":
        given = [k for k in ("release", "interarrival", "conwip") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a source needs exactly one of 'release: saturated', 'interarrival' or 'conwip' "
                f"(got {', '.join(given) or 'none'})"
            )
        if self.max_lots is not None and self.interarrival is None:
            raise ValueError("max_lots applies to interarrival sources only")
        chosen = [k for k in ("product", "mix", "campaign", "material") if getattr(self, k) is not None]
        if len(chosen) > 1:
            raise ValueError(f"give at most one of product, mix, campaign, material (got {', '.join(chosen)})")
        if self.mix is not None and (not self.mix or min(self.mix.values()) < 0 or sum(self.mix.values()) <= 0):
            raise ValueError("mix shares must be non-negative and not all zero")
        if self.units_per_lot != 1 and self.material is None:
            raise ValueError("units_per_lot applies to material sources only (cells use the product's cells_per_lot)")
        return self

    def products_named(self) -> set[str]:
        names = set(self.mix or ()) | {step.product for step in self.campaign or ()}
        return names | ({self.product} if self.product else set())


class FailureSpec(Spec):
    ttf: DistSpec = Field(description="Time to failure (operating or calendar time, see clock).")
    ttr: DistSpec = Field(description="Time to repair.")
    clock: Literal["operating", "calendar"] = Field(
        "operating",
        description="'operating': the failure clock runs only while the machine processes; "
        "'calendar': it always runs (a failure can hit an idle machine).",
    )
    repair_crew: Optional[str] = Field(None, description="Crew whose technician a repair needs (see 'crews').")

    @model_validator(mode="after")
    def _per_event(self) -> "FailureSpec":
        if self.ttf.per != "lot" or self.ttr.per != "lot":
            raise ValueError("'per' applies to cycle times only; remove it from ttf and ttr")
        return self


class ReworkSpec(Spec):
    fraction: Real = Field(ge=0, le=1, description="Share of lots sent back after processing.")
    to: str = Field(description="Station whose queue the reworked lots rejoin (ahead of new lots).")


class BatchSpec(Spec):
    min: Count = Field(1, ge=1, le=MAX_COUNT, description="Lots that must wait before a free machine starts a batch.")
    max: Count = Field(ge=1, le=MAX_COUNT, description="Most lots one batch holds.")

    @model_validator(mode="after")
    def _ordered(self) -> "BatchSpec":
        if self.min > self.max:
            raise ValueError(f"batch min ({self.min}) is larger than max ({self.max})")
        return self


class StationSpec(Spec):
    name: str = Field(description="Station name (unique; 'exit' is reserved).")
    template: Optional[str] = Field(
        None, description="Process step from the catalogue (twin.spec.catalog) whose defaults fill every key "
        "not given here; a key given here replaces the template's whole (null removes it). One of: "
        + ", ".join(catalog.names()) + ".",
    )
    kind: Literal["machine", "batch", "dwell", "assembly"] = Field(
        "machine",
        description="'machine': a pool of identical machines, one lot each; 'batch': each machine loads "
        "several lots at once; 'dwell': a store that holds each lot for its cycle time; 'assembly': a "
        "machine that starts when every input has delivered its quantity and makes cells.",
    )
    machines: Count = Field(1, ge=1, le=MAX_MACHINES, description="Identical parallel machines sharing the input buffer.")
    buffer: Optional[Count] = Field(
        None, ge=0, le=MAX_COUNT, description="Waiting slots (lots) in front of the station; 0 allowed; omitted = unlimited."
    )
    cycle_time: DistSpec = Field(
        description="Processing time per lot (per cell with `per: cell`; per load for batch stations; "
        "the dwell time for dwell stations)."
    )
    failures: Optional[FailureSpec] = Field(None, description="Breakdowns of each machine.")
    yield_: Real = Field(
        1.0, alias="yield", gt=0, le=1, description="Probability that a processed cell is good; bad cells are scrapped."
    )
    rework: Optional[ReworkSpec] = Field(None, description="Lots sent back to a station's queue.")
    next: Optional[str] = Field(
        None, description="Where finished lots go: a station name or 'exit'; default: the next station listed."
    )
    batch: Optional[BatchSpec] = Field(None, description="Batch loading rule (batch stations only).")
    capacity: Optional[Count] = Field(None, ge=1, le=MAX_COUNT, description="Lots the store holds at once (dwell stations only).")
    shifts: Optional[bool] = Field(
        None, description="Follow the scenario's calendar (default: yes if there is one, except dwell stores)."
    )
    setup: Optional[SetupSpec] = Field(None, description="Changeover when the product changes.")
    inputs: Optional[dict[str, Annotated[Count, Field(le=MAX_COUNT)]]] = Field(
        None, description="Assembly only: station or source -> lots of it consumed per job."
    )
    cells_out: Optional[Count] = Field(None, ge=1, le=MAX_CELLS_PER_LOT, description="Assembly only: cells one job makes.")
    product: Optional[str] = Field(None, description="Assembly only: the product made (default: the first).")
    split: Optional[Count] = Field(
        None, ge=2, le=MAX_COUNT, description="Each finished lot leaves as this many lots (cells shared out; material units copied)."
    )
    transfer_time: Optional[DistSpec] = Field(
        None, description="Conveyor or AGV time to the next station (no machine; the lot is in transit)."
    )

    @model_validator(mode="before")
    @classmethod
    def _template_defaults(cls, data: Any) -> Any:
        """Catalogue defaults under the keys the file gives (the file's keys win, nested ones whole)."""
        if isinstance(data, dict) and data.get("template") is not None:
            return catalog.merge(data)  # an unknown template raises UnknownTemplate (a ValueError)
        return data

    @model_validator(mode="after")
    def _kind_fields(self) -> "StationSpec":
        if self.kind == "batch":
            if self.batch is None:
                raise ValueError("a batch station needs 'batch: {min: a, max: B}'")
            if self.buffer is not None and self.buffer < self.batch.max:
                raise ValueError(
                    f"a batch station's buffer ({self.buffer}) must hold at least a full batch ({self.batch.max})"
                )
            if self.cycle_time.per != "lot":
                raise ValueError("a batch station's cycle time is per load: remove 'per: cell'")
        elif self.batch is not None:
            raise ValueError(f"'batch' applies to batch stations only (this one is {self.kind})")
        if self.kind == "dwell":
            if self.capacity is None:
                raise ValueError("a dwell station needs 'capacity' (lots the store holds)")
            if self.failures is not None:
                raise ValueError("a dwell station does not fail: remove 'failures'")
            if self.machines != 1:
                raise ValueError("a dwell station has 'capacity', not 'machines'")
        elif self.capacity is not None:
            raise ValueError(f"'capacity' applies to dwell stations only (this one is {self.kind})")
        if self.kind == "assembly":
            if not self.inputs or self.cells_out is None:
                raise ValueError("an assembly station needs 'inputs: {station: quantity}' and 'cells_out'")
            if min(self.inputs.values()) < 1:
                raise ValueError("assembly input quantities must be at least 1")
            if self.buffer is not None and self.buffer < max(self.inputs.values()):
                raise ValueError("an assembly station's buffer must hold the largest input quantity")
        elif self.inputs is not None or self.cells_out is not None or self.product is not None:
            raise ValueError(f"'inputs', 'cells_out' and 'product' apply to assembly stations only (this one is {self.kind})")
        if self.kind == "dwell" and self.shifts:
            raise ValueError("a dwell store does not follow shifts")
        if self.kind == "dwell" and self.setup is not None:
            raise ValueError("a dwell store has no changeovers: remove 'setup'")
        if self.kind == "dwell":
            for key in ("split", "transfer_time", "rework"):
                if getattr(self, key) is not None:
                    raise ValueError(f"a dwell store does not support '{key}': put it on a machine station")
        return self


class Scenario(Spec):
    name: str = Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f\u2028\u2029]*$",
                      description="Scenario name: one line, at most 200 characters.")
    description: str = Field("", max_length=20_000, description="What the scenario is and what it changes "
                             "(at most 20,000 characters; it is stored with every run).")

    product: ProductSpec = Field(default_factory=ProductSpec, description="The cell and the lot it moves in.")
    products: tuple[ProductSpec, ...] = Field(
        (), description="Several products on one line (replaces 'product'); the first is the default."
    )
    calendar: Optional[CalendarSpec] = Field(None, description="Shift calendar (omitted: round the clock).")
    crews: Annotated[dict[str, CrewSpec], BeforeValidator(_crew_shorthand)] = Field(
        default_factory=dict, description="Repair crews by name: size, or {size, shifts}."
    )
    run: RunSpec = Field(description="Run length, warm-up, replications and seed.")
    sources: tuple[SourceSpec, ...] = Field(min_length=1, description="Where lots enter the line.")
    stations: tuple[StationSpec, ...] = Field(min_length=1, description="The stations in flow order.")

    @model_validator(mode="after")
    def _references(self) -> "Scenario":
        """Cross-references between stations, sources, products and crews; each error names its key."""
        for kind, specs in (("stations", self.stations), ("sources", self.sources)):
            for i, spec in enumerate(specs):
                if spec.name == EXIT:
                    raise located((kind, i, "name"), "'exit' is reserved for the line's end; choose another name")
        seen: set[str] = set()
        for kind, specs in (("stations", self.stations), ("sources", self.sources)):
            for i, spec in enumerate(specs):
                if spec.name in seen:
                    raise located((kind, i, "name"), f"the name {spec.name!r} is used twice")
                seen.add(spec.name)
        stations = {s.name for s in self.stations}
        for i, source in enumerate(self.sources):
            if source.to not in stations:
                raise located(("sources", i, "to"), f"unknown station {source.to!r}{_hint(source.to, stations)}")
        for i, station in enumerate(self.stations):
            if station.next is not None and station.next != EXIT and station.next not in stations:
                raise located(("stations", i, "next"),
                              f"unknown station {station.next!r}{_hint(station.next, stations | {EXIT})}")
            if station.rework is not None and station.rework.to not in stations:
                raise located(("stations", i, "rework", "to"),
                              f"unknown station {station.rework.to!r}{_hint(station.rework.to, stations)}")
        if self.products and self.product != ProductSpec():
            raise located(("products",), "give 'product' or 'products', not both")
        product_names = {p.name for p in self.all_products}
        if len(product_names) != len(self.all_products):
            raise located(("products",), "two products share a name")
        units: dict[str, int] = {}
        for i, source in enumerate(self.sources):
            if source.material is not None and units.setdefault(source.material, source.units_per_lot) != source.units_per_lot:
                raise located(("sources", i, "units_per_lot"),
                              f"another source releases {source.material!r} in lots of {units[source.material]}")
        for i, source in enumerate(self.sources):
            if source.material in product_names:
                raise located(("sources", i, "material"), f"{source.material!r} is a product's name")
            for product in sorted(source.products_named() - product_names):
                key = next(k for k in ("product", "mix", "campaign") if getattr(source, k) is not None)
                raise located(("sources", i, key), f"unknown product {product!r}{_hint(product, product_names)}")
        saturated = Counter(s.to for s in self.sources if s.release == "saturated")
        for i, source in enumerate(self.sources):
            if source.release == "saturated" and saturated[source.to] > 1:
                raise located(("sources", i, "to"), f"two saturated sources feed {source.to!r}")
        routes = {spec.name: self.next_of(i) for i, spec in enumerate(self.stations)}
        routes.update({source.name: source.to for source in self.sources})
        feeders: dict[str, list[str]] = {}  # target -> who sends lots there (one pass: linear in stations)
        for name, target in routes.items():
            feeders.setdefault(target, []).append(name)
        for i, station in enumerate(self.stations):
            feeding = feeders.get(station.name, [])
            if station.kind == "assembly":
                for name in feeding:
                    if name not in (station.inputs or {}):
                        raise located(("stations", i, "inputs"),
                                      f"{name!r} sends its lots here but is not one of the inputs")
            for upstream in station.inputs or {}:
                if upstream not in routes:
                    raise located(("stations", i, "inputs"), f"{upstream!r} is not a station or source")
                if routes[upstream] != station.name:
                    raise located(("stations", i, "inputs"),
                                  f"{upstream!r} sends its lots to {routes[upstream]!r}: give it "
                                  f"'next: {station.name}' (or 'to: {station.name}' for a source)")
            if station.product is not None and station.product not in product_names:
                raise located(("stations", i, "product"),
                              f"unknown product {station.product!r}{_hint(station.product, product_names)}")
            crew = station.failures.repair_crew if station.failures else None
            if crew is not None and crew not in self.crews:
                raise located(("stations", i, "failures", "repair_crew"),
                              f"unknown crew {crew!r}{_hint(crew, set(self.crews)) if self.crews else ' (no crews: add crews: {name: size})'}")
            if station.setup is not None:
                for a, row in station.setup.from_to.items():
                    for b in (a, *row):
                        if b not in product_names:
                            raise located(("stations", i, "setup", "from_to"),
                                          f"unknown product {b!r}{_hint(b, product_names)}")
            if station.shifts and self.calendar is None:
                raise located(("stations", i, "shifts"), "'shifts: true' but the scenario has no calendar")
        for name, crew in self.crews.items():
            if crew.shifts and self.calendar is None:
                raise located(("crews", name, "shifts"), "'shifts: true' but the scenario has no calendar")
        return self

    @property
    def all_products(self) -> tuple[ProductSpec, ...]:
        return self.products or (self.product,)

    def follows_calendar(self, station: StationSpec) -> bool:
        if self.calendar is None:
            return False
        return station.shifts if station.shifts is not None else station.kind != "dwell"

    def next_of(self, index: int) -> str:
        """Where station `index` sends finished lots (its `next`, else the following station, else exit)."""
        station = self.stations[index]
        if station.next is not None:
            return station.next
        return self.stations[index + 1].name if index + 1 < len(self.stations) else EXIT

    def station(self, name: str) -> StationSpec:
        return next(s for s in self.stations if s.name == name)

    def content_hash(self) -> str:
        """A short hash of the scenario's content (key order in the file does not matter)."""
        canonical = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


LOCATION_MARK = "\x1e"


def located(path: tuple, message: str) -> ValueError:
    """An error about the key at `path` (e.g. ('stations', 2, 'next')); twin.spec.yaml_io shows its line."""
    return ValueError(f"{LOCATION_MARK}{json.dumps(list(path))}{LOCATION_MARK}{message}")


def _hint(name: str, valid: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(valid))})"


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises twin.spec.yaml_io.ScenarioError with readable messages."""
    from twin.spec.yaml_io import load_model

    return load_model(Path(path), Scenario)

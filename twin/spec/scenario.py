"""Scenario specs: the validated, inert description of a line (pydantic v2, frozen, no extra keys).

A scenario file is YAML; twin.spec.yaml_io.load_scenario parses it and validates it against these
models (this module does not read files). Errors carry their location in pydantic's own `loc`
(twin.spec.errors), cross-references included. Nothing here knows SimPy: twin.sim.build turns a Scenario into runtime objects. Every field
carries a description, which `twin schema` prints as JSON schema.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, TypeAdapter, ValidationError, field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from twin.spec import catalog, power_catalog
from twin.spec.distributions import DistSpec, Duration
from twin.spec.errors import SPEC_ERROR, located_error
from twin.spec.ramp import RampSpec, mature_below_initial
from twin.spec.quantities import GBPPerHour, GBPPerKWh, MoneyGBP, PowerKW
from twin.spec.numbers import (MAX_CELLS_PER_LOT, MAX_COUNT, MAX_MACHINES, MAX_REPLICATIONS, MAX_RUN_S, MAX_RUN_YEARS,
                               MAX_SEED, MAX_WH_PER_CELL, MAX_ELECTRODE_M2, MAX_COATED_M2, MIN_REPEAT_S,
                               Count, Real)

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
    electrode_m2_per_cell: Optional[Real] = Field(
        None, gt=0, le=MAX_ELECTRODE_M2, description="Electrode area wound into one cell, m2 (cathode + anode strips, "
        "width x length, each coated on both sides): with the coaters' `coated_m2_per_lot` it gives "
        "kpis.material_yield, the electrode area in good cells over the area coated."
    )


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
    def _needs_a_time(self) -> "SetupSpec":
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
    period: Optional[Duration] = Field(
        None, gt=0, le=MAX_RUN_S, exclude_if=lambda v: v is None, description="Transient run: report every line KPI "
        "per period of this length ('1 wk'), with cumulative good cells and milestones (twin.analysis.periods)."
    )
    target_per_day: Optional[tuple[Annotated[Real, Field(gt=0)], ...]] = Field(
        None, exclude_if=lambda v: v is None, description="Milestones of a transient run: the first period whose good "
        "cells per day reach each target (e.g. [137000])."
    )
    target_by: Optional[Duration] = Field(
        None, gt=0, le=MAX_RUN_S, exclude_if=lambda v: v is None, description="The date (time since the run's start) "
        "by which each milestone's probability of being reached is reported; omitted: the run's end."
    )

    @model_validator(mode="after")
    def _transient_has_no_auto_warmup(self) -> "RunSpec":
        if self.period is not None and self.warmup == "auto":
            raise located_error(("warmup",), "a transient run (with 'period') has no steady state to find: give "
                                "the warm-up as a duration ('0 h')", self.warmup)
        if self.target_per_day is not None and self.period is None:
            raise located_error(("target_per_day",), "milestones need periods: add 'period' (e.g. '1 wk')",
                                list(self.target_per_day))
        if self.period is not None and self.period > self.length:
            raise located_error(("period",), f"a period longer than the run's length ({self.length / 3600:g} h) "
                                "would report one cut-short period: shorten it or lengthen the run", self.period)
        end = self.length + (self.warmup if self.warmup != "auto" else 0.0)
        if self.target_by is not None and self.target_by > end:
            raise located_error(("target_by",), f"the date is after the run's end ({end / 3600:g} h from its start): "
                                "a probability of reaching a milestone by then would be a guess", self.target_by)
        return self


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


class PowerSpec(Spec):
    """Power drawn per machine (or per place of a dwell store) in each state; a state left out draws nothing."""

    working: PowerKW = Field(0.0, description="Power while processing, e.g. '45 kW'.")
    setup: PowerKW = Field(0.0, description="Power during changeovers.")
    starved: PowerKW = Field(0.0, description="Power while waiting for work.")
    blocked: PowerKW = Field(0.0, description="Power while holding a finished lot that cannot leave.")
    down: PowerKW = Field(0.0, description="Power while broken down or in repair.")
    off_shift: PowerKW = Field(0.0, description="Power off shift and in planned maintenance.")
    waiting_batch: PowerKW = Field(0.0, description="Power of a batch machine waiting for a full load.")

    def kw(self, state: str) -> float:
        """kW drawn in `state` (one of stations.states.STATE_NAMES)."""
        return float(getattr(self, state))


class CostSpec(Spec):
    """What a station costs: its capital, its people and the material it adds to each cell."""

    capex: MoneyGBP = Field(0.0, description="Installed capital of the whole station (all its machines), e.g. '2.4 M GBP'.")
    life: Duration = Field(10 * 365 * 86400.0, gt=0, le=MAX_RUN_S,
                           description="Depreciation life (straight line), e.g. '10 yr'.")
    labour_per_shift: Real = Field(0.0, ge=0, le=MAX_COUNT, description="Operators at the station while it is on shift.")
    material_per_cell: MoneyGBP = Field(0.0, description="Material added to each cell processed here, e.g. '1.10 GBP'.")

    @property
    def capital_per_year_gbp(self) -> float:
        """Straight-line depreciation, GBP per year of 365 days."""
        return self.capex / (self.life / (365 * 86400.0))


def capital_cost_per_year_gbp(station: "BaseStationSpec") -> float:
    """A station's capital cost per year (GBP; 0 without a `cost:`): what a capacity planner weighs."""
    return station.cost.capital_per_year_gbp if station.cost is not None else 0.0


class FacilityLoadSpec(Spec):
    power: PowerKW = Field(description="Constant load round the clock (dry room HVAC, compressed air ...), e.g. '350 kW'.")


class PricesSpec(Spec):
    """Plant inputs of the cost model."""

    energy: GBPPerKWh = Field(0.0, description="Electricity price, e.g. '0.20 GBP/kWh'.")
    labour: GBPPerHour = Field(0.0, description="Cost of one operator hour, e.g. '35 GBP/h'.")
    cell_material: MoneyGBP = Field(0.0, description="Bought-in material of one cell (cathode and anode active "
                                    "material, can, electrolyte ...), charged when a cell is made, e.g. '4.50 GBP'.")


class PlantLineSpec(Spec):
    file: str = Field(description="The line file, as the plant file names it.")
    stations: tuple[str, ...] = Field(description="The line's own stations (plant names, 'line.station').")
    sources: tuple[str, ...] = Field(description="The line's sources (plant names).")
    items: tuple[str, ...] = Field(description="The line's products and materials (plant names).")


class PlantSharedSpec(Spec):
    from_: tuple[str, ...] = Field(alias="from", description="The line stations merged into this one.")
    priority: tuple[str, ...] = Field((), description="Lines whose lots go first (empty: first come, first served).")


class PlantInfoSpec(Spec):
    """What a plant file was compiled from (twin.spec.plant writes it; a line file leaves it out)."""

    lines: dict[str, PlantLineSpec] = Field(description="Each line: its file, stations, sources and items.")
    shared: dict[str, PlantSharedSpec] = Field(default_factory=dict, description="Shared stations and their lines.")
    stream_keys: dict[str, str] = Field(
        default_factory=dict, description="Random-stream key per plant name: a station keeps the streams it draws "
        "in its line run alone unless an earlier line already draws them (then its plant name is the key).")


STATION_KINDS = ("machine", "batch", "dwell", "assembly")

_PROCESSING_KEYS = ("machines", "failures", "rework", "setup", "split", "transfer_time", "regroup", "grades",
                    "coated_m2_per_lot")
_KEYS_OF_KIND: dict[str, tuple[str, ...]] = {
    "machine": _PROCESSING_KEYS,
    "batch": (*_PROCESSING_KEYS, "batch"),
    "dwell": ("capacity",),
    "assembly": (*_PROCESSING_KEYS, "inputs", "cells_out", "product", "input_change"),
}
"""The keys only some kinds have (every kind has name, template, kind, buffer, cycle_time, yield,
next, shifts)."""

BY_PRODUCT_KEYS = ("cycle_time", "yield", "next", "max_wait")
"""The station fields `by_product` may change: what a lot meets at the station, not the station's
shape (machines, buffer, batch size and calendar are one per station)."""

_DWELL_REFUSALS = {
    "failures": "a dwell station does not fail: remove 'failures'",
    "machines": "a dwell station has 'capacity', not 'machines'",
    "setup": "a dwell store has no changeovers: remove 'setup'",
}


def station_kind(data: Any) -> str:
    """The kind of a station mapping: its `kind`, else its template's, else 'machine'.

    The discriminator of `StationSpec`. An unknown template is reported by the machine branch's
    template merge (with the closest name), not here."""
    if isinstance(data, BaseStationSpec):
        return data.kind
    if not isinstance(data, dict):
        return "machine"
    if data.get("kind") is not None:
        return data["kind"]
    name = data.get("template")
    if name is not None and name in catalog.names():
        return str(catalog.template(name).defaults.get("kind", "machine"))
    return "machine"


class BaseStationSpec(Spec):
    """What every station kind has; the kinds below add theirs."""

    name: str = Field(description="Station name (unique; 'exit' is reserved).")
    template: Optional[str] = Field(
        None, description="Process step from the catalogue (twin.spec.catalog) whose defaults fill every key "
        "not given here; a key given here replaces the template's whole (null removes it). One of: "
        + ", ".join(catalog.names()) + ".",
    )
    buffer: Optional[Count] = Field(
        None, ge=0, le=MAX_COUNT, description="Waiting slots (lots) in front of the station; 0 allowed; omitted = unlimited."
    )
    cycle_time: DistSpec = Field(
        description="Processing time per lot (per cell with `per: cell`; per load for batch stations; "
        "the dwell time for dwell stations)."
    )
    yield_: Real = Field(
        1.0, alias="yield", gt=0, le=1, description="Probability that a processed cell is good; bad cells are scrapped."
    )
    next: Optional[str | dict[str, Annotated[float, Field(ge=0, le=1)]]] = Field(
        None, description="Where finished lots go: a station name or 'exit' (default: the next station listed); "
        "or a share per destination, drawn per lot (`{ocv_ok: 0.97, retest: 0.03}`; shares sum to 1)."
    )
    shifts: Optional[bool] = Field(
        None, description="Follow the scenario's calendar (default: yes if there is one, except dwell stores)."
    )
    calendar: Optional[str] = Field(
        None, description="Name of the scenario's `calendars:` entry this station follows (default: `calendar:`)."
    )
    max_wait: Optional[Duration] = Field(
        None, gt=0, description="Q-time: a lot that has waited longer than this for this station is scrapped "
        "when its turn comes (reported as expired_cells, counted in the yield), or sent to `on_expiry`."
    )
    on_expiry: Optional[str] = Field(
        None, description="Station that receives lots whose `max_wait` ran out, instead of scrapping them."
    )
    power: Optional[PowerSpec] = Field(None, description="Power per machine (per place of a dwell store) in each "
                                       "state; default: the template's (twin.spec.power_catalog).")
    recovery: Optional[Real] = Field(None, ge=0, le=1, description="Formation: share of the discharge energy (one "
                                     "discharge of each cell processed) that regenerative cyclers return.")
    cost: Optional[CostSpec] = Field(None, description="Capital, labour and material of the station.")
    by_product: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Station fields per product, for lots of that product: "
        + ", ".join(BY_PRODUCT_KEYS) + " (e.g. `power: {cycle_time: 14 h, yield: 0.985}`)."
    )
    ramp: Optional[RampSpec] = Field(
        None, exclude_if=lambda v: v is None, description="Ramp-up: yield, speed, mtbf and mttr that change with "
        "time since the run's start or with cumulative volume (twin.spec.ramp; docs/rampup.md)."
    )
    start: Optional[Duration] = Field(
        None, ge=0, le=MAX_RUN_S, exclude_if=lambda v: v is None, description="Commissioning: the station makes "
        "nothing before this time since the run's start; its machines are off_shift until then."
    )

    @field_validator("next")
    @classmethod
    def _shares_sum_to_one(cls, value: Any) -> Any:
        if isinstance(value, dict):
            if not value:
                raise ValueError("give at least one destination with its share")
            if abs(sum(value.values()) - 1.0) > 1e-6:
                raise ValueError(f"the shares sum to {sum(value.values()):g}, not 1")
        return value

    @model_validator(mode="after")
    def _product_overrides(self) -> "BaseStationSpec":
        """Each `by_product` entry must make a valid station of the same kind (errors located in it)."""
        for product, override in self.by_product.items():
            for key in override:
                if key not in BY_PRODUCT_KEYS and key != "yield_":
                    raise located_error(("by_product", product, key), f"'{key}' cannot differ by product (one of: "
                                        f"{', '.join(BY_PRODUCT_KEYS)})", override[key])
            try:
                self.for_product(product)
            except ValidationError as exc:
                raise ValidationError.from_exception_data("spec", [
                    InitErrorDetails(type=PydanticCustomError(SPEC_ERROR, "{message}", {"message": e["msg"]}),
                                     loc=("by_product", product, *field_path(tuple(e["loc"]))), input=e.get("input"))
                    for e in exc.errors(include_url=False)
                ]) from None
        return self

    @model_validator(mode="after")
    def _catalogue_cost(self) -> "BaseStationSpec":
        """A template station without its own `cost:` costs what the catalogue says for its size. Set
        after validation and left out of `model_fields_set`, so a what-if that changes the machines
        (places) is costed at its own size, not at the base file's."""
        if self.cost is None and self.template is not None:
            units = getattr(self, "capacity", None) or getattr(self, "machines", 1)
            found = power_catalog.cost_default(self.template, units)
            if found is not None:
                self.__dict__["cost"] = CostSpec.model_validate(found)
        return self

    @model_validator(mode="after")
    def _ramp_fits(self) -> "BaseStationSpec":
        """A failure ramp needs failures; a dwell store is never commissioned on its own."""
        if self.ramp is not None:
            for key in ("mtbf", "mttr"):
                if getattr(self.ramp, key) is not None and getattr(self, "failures", None) is None:
                    raise located_error(("ramp", key), f"ramp.{key} needs the station's 'failures'", None)
            if self.ramp.yield_ is not None or self.ramp.wright is not None:
                for product, override in self.by_product.items():
                    if "yield" in override or "yield_" in override:
                        raise located_error(("ramp", "yield" if self.ramp.yield_ is not None else "wright"),
                                            "a yield ramp applies to every lot of the station, and by_product."
                                            f"{product} gives its own yield: drop one of them", None)
            wright = self.ramp.wright
            if wright is not None and wright.mature_yield is None and self.yield_ < wright.initial_yield:
                raise located_error(("ramp", "wright", "initial_yield"), mature_below_initial(
                    self.yield_, wright.initial_yield,
                    f"the curve's mature yield (the station's yield, {self.yield_:g}: no mature_yield given)"),
                    wright.initial_yield)
        if self.start is not None and self.kind == "dwell":
            raise located_error(("start",), "a dwell store has no commissioning date: give 'start' to the "
                                "station that feeds it", self.start)
        return self

    def for_product(self, product: str) -> "BaseStationSpec":
        """This station as lots of `product` see it (its `by_product` entry over its own fields)."""
        override = self.by_product.get(product)
        if not override:
            return self
        data = self.model_dump(by_alias=True, exclude_unset=True, exclude={"by_product", "template"})
        return type(self).model_validate({**data, **override})

    def destinations(self) -> dict[str, float]:
        """Explicit destinations and their shares ({} when `next` is omitted: the next station listed)."""
        if self.next is None:
            return {}
        return {self.next: 1.0} if isinstance(self.next, str) else dict(self.next)

    @model_validator(mode="before")
    @classmethod
    def _template_and_kind_keys(cls, data: Any) -> Any:
        """Catalogue defaults under the keys the file gives (the file's keys win, nested ones whole);
        then a key that belongs to another kind is refused at its own location."""
        if not isinstance(data, dict):
            return data
        if data.get("template") is not None:
            try:
                data = catalog.merge(data)
            except catalog.UnknownTemplate as exc:
                raise located_error(("template",), str(exc), data.get("template")) from None
            data = {**power_catalog.defaults(data["template"]), **data}
        kind = station_kind(data)
        own = _KEYS_OF_KIND.get(kind, ())
        for key in (k for keys in _KEYS_OF_KIND.values() for k in keys):
            if key in data and data[key] is not None and key not in own:
                if kind == "dwell":
                    message = _DWELL_REFUSALS.get(key, f"a dwell store does not support '{key}': put it on a machine station")
                else:
                    owners = " and ".join(k for k, keys in _KEYS_OF_KIND.items() if key in keys and k != "machine")
                    message = f"'{key}' applies to {owners} stations only (this one is {kind})"
                raise located_error((key,), message, data[key])
        # an old stored dump lists every kind's keys, null where they do not apply: drop those
        return {k: v for k, v in data.items() if not (v is None and k in _ALL_KIND_KEYS and k not in own)}

    @property
    def parallel_units(self) -> int:
        """Machines, or places of a dwell store: what works in parallel."""
        return getattr(self, "machines", 1)


_ALL_KIND_KEYS = frozenset(k for keys in _KEYS_OF_KIND.values() for k in keys)


class ProcessingStationSpec(BaseStationSpec):
    """Machine, batch and assembly stations: machines that fail, change over, rework, split, convey,
    regroup and grade."""

    machines: Count = Field(1, ge=1, le=MAX_MACHINES, description="Identical parallel machines sharing the input buffer.")
    failures: Optional[FailureSpec] = Field(None, description="Breakdowns of each machine.")
    rework: Optional[ReworkSpec] = Field(None, description="Lots sent back to a station's queue.")
    setup: Optional[SetupSpec] = Field(None, description="Changeover when the product changes.")
    split: Optional[Count] = Field(
        None, ge=2, le=MAX_COUNT, description="Each finished lot leaves as this many lots (cells shared out; material units copied)."
    )
    transfer_time: Optional[DistSpec] = Field(
        None, description="Conveyor or AGV time to the next station (no machine; the lot is in transit)."
    )
    regroup: Optional[int] = Field(
        None, ge=1, description="Cells leaving are packed into full lots of this many cells (one product per lot); "
        "a partial lot waits here (in this station's WIP) until it fills or the product changes."
    )
    grades: Optional[dict[str, Annotated[float, Field(ge=0, le=1)]]] = Field(
        None, description="Grading: each good cell leaving gets a grade with these shares (sum 1); the lot "
        "leaves as one lot per grade, and good output per grade is reported (kpis.grades)."
    )

    coated_m2_per_lot: Optional[Real] = Field(
        None, gt=0, le=MAX_COATED_M2, description="Electrode area coated per lot processed here, m2 (a coater: web "
        "width x roll length). Its sum over the window is the denominator of kpis.material_yield."
    )

    @field_validator("grades")
    @classmethod
    def _grade_shares(cls, value: Any) -> Any:
        if value is not None and (not value or abs(sum(value.values()) - 1.0) > 1e-6):
            raise ValueError(f"grade shares must sum to 1 (they sum to {sum(value.values()) if value else 0:g})")
        return value


class MachineStationSpec(ProcessingStationSpec):
    """A pool of identical machines, one lot each (the default kind)."""

    kind: Literal["machine"] = Field("machine", description="'machine': a pool of identical machines, one lot each.")


class BatchStationSpec(ProcessingStationSpec):
    """Each machine loads several lots at once (vacuum ovens, formation racks)."""

    kind: Literal["batch"] = Field(description="'batch': each machine loads several lots at once.")
    batch: BatchSpec = Field(description="Batch loading rule: lots a machine waits for (min) and holds (max).")

    @model_validator(mode="after")
    def _batch_fits(self) -> "BatchStationSpec":
        if self.buffer is not None and self.buffer < self.batch.max:
            raise located_error(("buffer",), f"a batch station's buffer ({self.buffer}) must hold at least a "
                                f"full batch ({self.batch.max})", self.buffer)
        if self.cycle_time.per != "lot":
            raise located_error(("cycle_time", "per"), "a batch station's cycle time is per load: remove 'per: cell'",
                                self.cycle_time.per)
        return self


class DwellStationSpec(BaseStationSpec):
    """A store that holds each lot for its cycle time (wetting rest, aging); it does not fail."""

    kind: Literal["dwell"] = Field(description="'dwell': a store that holds each lot for its cycle time.")
    capacity: Count = Field(ge=1, le=MAX_COUNT, description="Lots the store holds at once.")

    @model_validator(mode="after")
    def _no_shifts(self) -> "DwellStationSpec":
        if self.shifts:
            raise located_error(("shifts",), "a dwell store does not follow shifts", self.shifts)
        if self.calendar is not None:
            raise located_error(("calendar",), "a dwell store does not follow a calendar", self.calendar)
        return self

    @property
    def parallel_units(self) -> int:
        return self.capacity


class AssemblyStationSpec(ProcessingStationSpec):
    """A machine that starts when every input has delivered its quantity, and makes cells."""

    kind: Literal["assembly"] = Field(
        description="'assembly': a machine that starts when every input has delivered its quantity "
        "and makes cells."
    )
    inputs: dict[str, Annotated[Count, Field(ge=1, le=MAX_COUNT)]] = Field(
        min_length=1, description="Station or source -> lots of it consumed per job."
    )
    cells_out: Count = Field(ge=1, le=MAX_CELLS_PER_LOT, description="Cells one job makes.")
    product: Optional[str] = Field(None, description="The product made (default: the first).")
    input_change: Optional[DistSpec] = Field(
        None, description="Time to change the inputs before each job (a winder's roll change); shown as setup."
    )

    @model_validator(mode="after")
    def _buffer_holds_a_job(self) -> "AssemblyStationSpec":
        if self.buffer is not None and self.buffer < max(self.inputs.values()):
            raise located_error(("buffer",), "an assembly station's buffer must hold the largest input quantity",
                                self.buffer)
        return self


StationSpec = Annotated[
    Union[
        Annotated[MachineStationSpec, Tag("machine")],
        Annotated[BatchStationSpec, Tag("batch")],
        Annotated[DwellStationSpec, Tag("dwell")],
        Annotated[AssemblyStationSpec, Tag("assembly")],
    ],
    Discriminator(
        station_kind, custom_error_type="station_kind",
        custom_error_message="kind must be one of: " + ", ".join(STATION_KINDS),
    ),
]
"""One station of any kind, told apart by `kind` (or its template's kind; default machine). pydantic
puts the kind in an error's location after the station's index: ('stations', 2, 'batch', 'buffer');
`field_path` drops it."""

_station_adapter: TypeAdapter[Any] = TypeAdapter(StationSpec)


def validate_station(data: Any) -> "MachineStationSpec | BatchStationSpec | DwellStationSpec | AssemblyStationSpec":
    """One station mapping validated on its own (as in a scenario's `stations:` list)."""
    return _station_adapter.validate_python(data)


def field_path(loc: tuple) -> tuple:
    """A pydantic error location as the keys a file or form has: the station-kind tag pydantic
    inserts after a station's index is dropped (('stations', 2, 'batch', 'buffer') -> ('stations', 2, 'buffer')),
    wherever the stations list sits."""
    path: list = []
    for position, part in enumerate(loc):
        if (position >= 2 and part in STATION_KINDS and loc[position - 2] == "stations"
                and isinstance(loc[position - 1], int)):
            continue
        path.append(part)
    return tuple(path)


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
    calendars: dict[str, CalendarSpec] = Field(
        default_factory=dict, description="Named calendars (electrode, assembly ...); a station follows one with "
        "`calendar: <name>`, else `calendar:`."
    )
    crews: Annotated[dict[str, CrewSpec], BeforeValidator(_crew_shorthand)] = Field(
        default_factory=dict, description="Repair crews by name: size, or {size, shifts}."
    )
    run: RunSpec = Field(description="Run length, warm-up, replications and seed.")
    sources: tuple[SourceSpec, ...] = Field(min_length=1, description="Where lots enter the line.")
    stations: tuple[StationSpec, ...] = Field(min_length=1, description="The stations in flow order.")
    start: Optional[Duration] = Field(
        None, ge=0, le=MAX_RUN_S, exclude_if=lambda v: v is None, description="Start of production of the whole "
        "line: every machine, batch and assembly station without its own `start` makes nothing before it."
    )
    facility: dict[str, FacilityLoadSpec] = Field(
        default_factory=dict, description="Loads that belong to no station (dry room, HVAC), by name.")
    prices: PricesSpec = Field(default_factory=PricesSpec, description="Energy price, labour rate, cell material.")
    plant: Optional[PlantInfoSpec] = Field(None, description="Set when the scenario was compiled from a plant file.")

    @model_validator(mode="after")
    def _references(self) -> "Scenario":
        """Cross-references between stations, sources, products and crews; each error names its key."""
        for kind, specs in (("stations", self.stations), ("sources", self.sources)):
            for i, spec in enumerate(specs):
                if spec.name == EXIT:
                    raise located_error((kind, i, "name"), "'exit' is reserved for the line's end; choose another name")
        seen: set[str] = set()
        for kind, specs in (("stations", self.stations), ("sources", self.sources)):
            for i, spec in enumerate(specs):
                if spec.name in seen:
                    raise located_error((kind, i, "name"), f"the name {spec.name!r} is used twice")
                seen.add(spec.name)
        stations = {s.name for s in self.stations}
        for i, source in enumerate(self.sources):
            if source.to not in stations:
                raise located_error(("sources", i, "to"), f"unknown station {source.to!r}{_hint(source.to, stations)}")
        for i, station in enumerate(self.stations):
            for target in station.destinations():
                if target != EXIT and target not in stations:
                    where = ("stations", i, "next") if isinstance(station.next, str) else ("stations", i, "next", target)
                    raise located_error(where, f"unknown station {target!r}{_hint(target, stations | {EXIT})}")
            if station.on_expiry is not None and station.on_expiry not in stations:
                raise located_error(("stations", i, "on_expiry"),
                                    f"unknown station {station.on_expiry!r}{_hint(station.on_expiry, stations)}")
            if station.on_expiry is not None and station.max_wait is None:
                raise located_error(("stations", i, "on_expiry"), "'on_expiry' needs a 'max_wait'")
            if station.calendar is not None and station.calendar not in self.calendars:
                known = set(self.calendars)
                raise located_error(("stations", i, "calendar"), f"unknown calendar {station.calendar!r}"
                                    + (_hint(station.calendar, known) if known else " (no calendars: add calendars: {name: ...})"))
            rework = getattr(station, "rework", None)
            if rework is not None and rework.to not in stations:
                raise located_error(("stations", i, "rework", "to"),
                                    f"unknown station {rework.to!r}{_hint(rework.to, stations)}")
        if self.products and self.product != ProductSpec():
            raise located_error(("products",), "give 'product' or 'products', not both")
        product_names = {p.name for p in self.all_products}
        if len(product_names) != len(self.all_products):
            raise located_error(("products",), "two products share a name")
        units: dict[str, int] = {}
        for i, source in enumerate(self.sources):
            if source.material is not None and units.setdefault(source.material, source.units_per_lot) != source.units_per_lot:
                raise located_error(("sources", i, "units_per_lot"),
                              f"another source releases {source.material!r} in lots of {units[source.material]}")
        for i, source in enumerate(self.sources):
            if source.material in product_names:
                raise located_error(("sources", i, "material"), f"{source.material!r} is a product's name")
            for product in sorted(source.products_named() - product_names):
                key = next(k for k in ("product", "mix", "campaign") if getattr(source, k) is not None)
                raise located_error(("sources", i, key), f"unknown product {product!r}{_hint(product, product_names)}")
        saturated = Counter(s.to for s in self.sources if s.release == "saturated")
        for i, source in enumerate(self.sources):
            if source.release == "saturated" and saturated[source.to] > 1:
                raise located_error(("sources", i, "to"), f"two saturated sources feed {source.to!r}")
        routes = {spec.name: self._all_destinations(i) for i, spec in enumerate(self.stations)}
        routes.update({source.name: {source.to} for source in self.sources})
        for i, station in enumerate(self.stations):
            for product, override in station.by_product.items():
                for target in station.for_product(product).destinations():
                    if target != EXIT and target not in stations:
                        raise located_error(("stations", i, "by_product", product, "next"),
                                            f"unknown station {target!r}{_hint(target, stations | {EXIT})}")
        feeders: dict[str, list[str]] = {}  # target -> who sends lots there (one pass: linear in stations)
        for name, targets in routes.items():
            for target in targets:
                feeders.setdefault(target, []).append(name)
        for i, station in enumerate(self.stations):
            feeding = feeders.get(station.name, [])
            inputs = station.inputs if isinstance(station, AssemblyStationSpec) else {}
            if inputs:
                for name in feeding:
                    if name not in inputs:
                        raise located_error(("stations", i, "inputs"),
                                      f"{name!r} sends its lots here but is not one of the inputs")
            for upstream in inputs:
                if upstream not in routes:
                    raise located_error(("stations", i, "inputs"), f"{upstream!r} is not a station or source")
                if routes[upstream] != {station.name}:
                    raise located_error(("stations", i, "inputs"),
                                  f"{upstream!r} sends its lots to {', '.join(sorted(routes[upstream]))!r}: give it "
                                  f"'next: {station.name}' (or 'to: {station.name}' for a source)")
            product = station.product if isinstance(station, AssemblyStationSpec) else None
            if product is not None and product not in product_names:
                raise located_error(("stations", i, "product"),
                                    f"unknown product {product!r}{_hint(product, product_names)}")
            failures = getattr(station, "failures", None)
            crew = failures.repair_crew if failures else None
            if crew is not None and crew not in self.crews:
                raise located_error(("stations", i, "failures", "repair_crew"),
                              f"unknown crew {crew!r}{_hint(crew, set(self.crews)) if self.crews else ' (no crews: add crews: {name: size})'}")
            setup = getattr(station, "setup", None)
            if setup is not None:
                for a, row in setup.from_to.items():
                    for b in (a, *row):
                        if b not in product_names:
                            raise located_error(("stations", i, "setup", "from_to"),
                                          f"unknown product {b!r}{_hint(b, product_names)}")
            if station.shifts and self.calendar is None and station.calendar is None:
                raise located_error(("stations", i, "shifts"), "'shifts: true' but the scenario has no calendar")
            for product in station.by_product:
                if product not in product_names and product not in units:
                    raise located_error(("stations", i, "by_product", product),
                                        f"unknown product {product!r}{_hint(product, product_names)}")
        if self.run.warmup == "auto" and (self.start is not None or any(
                s.ramp is not None or s.start is not None for s in self.stations)):
            raise located_error(("run", "warmup"), "a ramp-up is transient: no warm-up cut is chosen for it; give "
                                "the warm-up as a duration ('0 h')", self.run.warmup)
        for name, crew in self.crews.items():
            if crew.shifts and self.calendar is None:
                raise located_error(("crews", name, "shifts"), "'shifts: true' but the scenario has no calendar")
        return self

    @property
    def all_products(self) -> tuple[ProductSpec, ...]:
        return self.products or (self.product,)

    def follows_calendar(self, station: StationSpec) -> bool:
        return self.calendar_of(station) is not None

    def calendar_of(self, station: StationSpec) -> Optional[CalendarSpec]:
        """The calendar a station follows: its named one, else the scenario's (dwell stores: none unless
        `shifts: true`), else none (round the clock); `shifts: false` opts out of either."""
        if station.shifts is False:
            return None
        if station.calendar is not None:
            return self.calendars[station.calendar]
        if self.calendar is None:
            return None
        return self.calendar if (station.shifts or station.kind != "dwell") else None

    def next_of(self, index: int) -> str:
        """Where station `index` sends most of its finished lots (its `next`, the largest share of a
        routed `next`, else the following station, else exit); `routes_of` gives every destination."""
        routes = self.routes_of(index)
        return max(routes, key=lambda name: routes[name])

    def routes_of(self, index: int, product: Optional[str] = None) -> dict[str, float]:
        """Every destination of station `index` with its share (for lots of `product` if given)."""
        station = self.stations[index]
        if product is not None:
            station = station.for_product(product)
        explicit = station.destinations()
        if explicit:
            return explicit
        return {self.stations[index + 1].name if index + 1 < len(self.stations) else EXIT: 1.0}

    def grade_names(self) -> tuple[str, ...]:
        """Every grade a grading station sorts into, in file order (first seen first)."""
        names: dict[str, None] = {}
        for station in self.stations:
            names.update(dict.fromkeys(getattr(station, "grades", None) or {}))
        return tuple(names)

    def _all_destinations(self, index: int) -> set[str]:
        """Every station `index` may send a lot to, whatever its product."""
        found = set(self.routes_of(index))
        for product in self.stations[index].by_product:
            found |= set(self.routes_of(index, product))
        return found

    def station(self, name: str) -> StationSpec:
        return next(s for s in self.stations if s.name == name)

    def content_hash(self) -> str:
        """A short hash of the scenario's content (key order in the file does not matter)."""
        canonical = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _hint(name: str, valid: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(valid))})"

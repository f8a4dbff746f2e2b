"""Scenario specs: the validated, inert description of a line (pydantic v2, frozen, no extra keys).

A scenario file is YAML; `load_scenario` parses it (twin.yaml_io) and validates it against these
models. Nothing here knows SimPy: twin.model turns a Scenario into runtime objects. Every field
carries a description, which `twin schema` prints as JSON schema.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator

from twin.distributions import DistSpec, Duration

EXIT = "exit"


class Spec(BaseModel):
    """Base of every spec: immutable and strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ProductSpec(Spec):
    name: str = Field("cell", description="Product name, shown in reports.")
    cells_per_lot: int = Field(
        1, ge=1, description="Cells per lot (tray or carrier); the unit that moves between stations."
    )
    wh_per_cell: float = Field(18.0, gt=0, description="Energy of one good cell in Wh, for GWh/yr.")


class RunSpec(Spec):
    warmup: Duration = Field(0.0, ge=0, description="Simulated time discarded before statistics start.")
    length: Duration = Field(gt=0, description="Simulated time observed after the warm-up.")
    replications: int = Field(10, ge=1, description="Independent replications (each its own random streams).")
    seed: int = Field(1, ge=0, description="Root seed; the same seed reproduces the same result.")


class SourceSpec(Spec):
    name: str = Field(description="Source name (unique among stations and sources).")
    to: str = Field(description="Station that receives the released lots.")
    release: Optional[Literal["saturated"]] = Field(
        None, description="'saturated': the receiving station never starves (a lot is always waiting)."
    )
    interarrival: Optional[DistSpec] = Field(None, description="Time between releases of one lot.")
    conwip: Optional[int] = Field(
        None, ge=1, description="Closed loop: keep this many lots of this source in the line; a new lot is "
        "released whenever one leaves (good or scrapped).",
    )
    max_lots: Optional[int] = Field(
        None, ge=0, description="Stop after releasing this many lots (interarrival sources only)."
    )

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
        return self


class FailureSpec(Spec):
    ttf: DistSpec = Field(description="Time to failure (operating or calendar time, see clock).")
    ttr: DistSpec = Field(description="Time to repair.")
    clock: Literal["operating", "calendar"] = Field(
        "operating",
        description="'operating': the failure clock runs only while the machine processes; "
        "'calendar': it always runs (a failure can hit an idle machine).",
    )

    @model_validator(mode="after")
    def _per_event(self) -> "FailureSpec":
        if self.ttf.per != "lot" or self.ttr.per != "lot":
            raise ValueError("'per' applies to cycle times only; remove it from ttf and ttr")
        return self


class ReworkSpec(Spec):
    fraction: float = Field(ge=0, le=1, description="Share of lots sent back after processing.")
    to: str = Field(description="Station whose queue the reworked lots rejoin (ahead of new lots).")


class BatchSpec(Spec):
    min: int = Field(1, ge=1, description="Lots that must wait before a free machine starts a batch.")
    max: int = Field(ge=1, description="Most lots one batch holds.")

    @model_validator(mode="after")
    def _ordered(self) -> "BatchSpec":
        if self.min > self.max:
            raise ValueError(f"batch min ({self.min}) is larger than max ({self.max})")
        return self


class StationSpec(Spec):
    name: str = Field(description="Station name (unique; 'exit' is reserved).")
    kind: Literal["machine", "batch", "dwell"] = Field(
        "machine",
        description="'machine': a pool of identical machines, one lot each; 'batch': each machine loads "
        "several lots at once; 'dwell': a store that holds each lot for its cycle time.",
    )
    machines: int = Field(1, ge=1, description="Identical parallel machines sharing the input buffer.")
    buffer: Optional[int] = Field(
        None, ge=0, description="Waiting slots (lots) in front of the station; 0 allowed; omitted = unlimited."
    )
    cycle_time: DistSpec = Field(
        description="Processing time per lot (per cell with `per: cell`; per load for batch stations; "
        "the dwell time for dwell stations)."
    )
    failures: Optional[FailureSpec] = Field(None, description="Breakdowns of each machine.")
    yield_: float = Field(
        1.0, alias="yield", gt=0, le=1, description="Probability that a processed cell is good; bad cells are scrapped."
    )
    rework: Optional[ReworkSpec] = Field(None, description="Lots sent back to a station's queue.")
    next: Optional[str] = Field(
        None, description="Where finished lots go: a station name or 'exit'; default: the next station listed."
    )
    batch: Optional[BatchSpec] = Field(None, description="Batch loading rule (batch stations only).")
    capacity: Optional[int] = Field(None, ge=1, description="Lots the store holds at once (dwell stations only).")

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
            if "machines" in self.model_fields_set:
                raise ValueError("a dwell station has 'capacity', not 'machines'")
        elif self.capacity is not None:
            raise ValueError(f"'capacity' applies to dwell stations only (this one is {self.kind})")
        return self


class Scenario(Spec):
    name: str = Field(description="Scenario name.")
    description: str = Field("", description="What the scenario is and what it changes.")
    product: ProductSpec = Field(default_factory=ProductSpec, description="The cell and the lot it moves in.")
    run: RunSpec = Field(description="Run length, warm-up, replications and seed.")
    sources: tuple[SourceSpec, ...] = Field(min_length=1, description="Where lots enter the line.")
    stations: tuple[StationSpec, ...] = Field(min_length=1, description="The stations in flow order.")

    @model_validator(mode="after")
    def _references(self) -> "Scenario":
        names = [s.name for s in self.stations] + [s.name for s in self.sources]
        seen: set[str] = set()
        for name in names:
            if name == EXIT:
                raise ValueError("'exit' is reserved for the line's end; rename that station or source")
            if name in seen:
                raise ValueError(f"the name {name!r} is used twice")
            seen.add(name)
        stations = {s.name for s in self.stations}
        for source in self.sources:
            if source.to not in stations:
                raise ValueError(f"source {source.name!r}: 'to' names unknown station {source.to!r}{_hint(source.to, stations)}")
        saturated = [s.to for s in self.sources if s.release == "saturated"]
        if len(saturated) != len(set(saturated)):
            raise ValueError("two saturated sources feed the same station")
        for station in self.stations:
            if station.next is not None and station.next != EXIT and station.next not in stations:
                raise ValueError(
                    f"station {station.name!r}: 'next' names unknown station {station.next!r}{_hint(station.next, stations | {EXIT})}"
                )
            if station.rework is not None and station.rework.to not in stations:
                raise ValueError(
                    f"station {station.name!r}: 'rework.to' names unknown station {station.rework.to!r}{_hint(station.rework.to, stations)}"
                )
        return self

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


def _hint(name: str, valid: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(valid))})"


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises twin.yaml_io.ScenarioError with readable messages."""
    from twin.yaml_io import load_model

    return load_model(Path(path), Scenario)

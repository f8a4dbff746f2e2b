"""Result models: what one replication measured and what a run of replications reports.

These are the JSON (and, later, storage) schema. Every aggregated figure is an `Estimate`: mean,
95% confidence interval and the value of each replication, so no single replication's number is
ever the answer.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

HEADLINE_KPIS = ("throughput_per_h", "gwh_per_year", "yield", "wip_cells", "lead_time_h")
"""The line KPIs every summary shows first (CLI tables, `twin runs`, dashboard cards), in this order."""


def _null_is_nan(value: Any) -> Any:
    """null and every NaN become the one `math.nan` object, so a result read back from JSON equals the
    result that was written (containers compare NaN by identity)."""
    if value is None or (isinstance(value, float) and value != value):
        return math.nan
    return value


Real = Annotated[float, BeforeValidator(_null_is_nan)]
"""A measured number; undefined values (no output, no failure) are NaN, written as null in JSON."""


class Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="null")


class Estimate(Result):
    mean: Optional[float] = Field(description="Mean over replications (None if undefined in all).")
    ci95: tuple[Optional[float], Optional[float]] = Field(description="t-based 95% confidence interval of the mean.")
    values: list[Optional[float]] = Field(description="One value per replication.")


class LineReplication(Result):
    throughput_per_h: Real = Field(description="Good cells out per hour.")
    gwh_per_year: Real = Field(description="Good output as GWh per year of 8,760 h.")
    yield_: Real = Field(alias="yield", description="Good cells / (good + scrapped) leaving in the window.")
    wip_cells: Real = Field(description="Time-average cells in the line.")
    lead_time_h: Real = Field(description="Mean release-to-exit time of good cells, hours.")
    released_cells: Real = Field(description="Cells that entered the line in the window (released, or made by an assembly).")
    good_cells: Real = Field(description="Good cells out in the window.")
    scrapped_cells: Real = Field(description="Cells scrapped in the window.")
    material_yield: Real = Field(
        math.nan, description="Electrode area in the good cells out over the electrode area coated, in the window "
        "(scenarios giving the product's electrode_m2_per_cell and the coaters' coated_m2_per_lot; else null). "
        "Material losses (edge trim, roll ends, scrapped rolls) and scrapped cells both lower it."
    )
    grades: dict[str, Real] = Field(
        default_factory=dict, description="Good cells out per hour by grade (lines with a grading station); "
        "aggregated into the run's kpis as 'grades.<name>'."
    )
    energy_kwh: Real = Field(math.nan, description="Electricity used in the window: stations (less formation's "
                             "recovery) and facility loads, kWh.")
    energy_kwh_per_good_cell: Real = Field(math.nan, description="energy_kwh / good cells.")
    energy_kwh_per_kwh: Real = Field(math.nan, description="energy_kwh / kWh of good cells (reference d.4: 20-40).")
    facility_kwh: dict[str, Real] = Field(default_factory=dict, description="Energy of each facility load, kWh; "
                                          "aggregated as 'facility_kwh.<name>'.")
    cost_gbp: Real = Field(math.nan, description="Cost of the window: capital, labour, energy, material, GBP.")
    cost_per_good_cell_gbp: Real = Field(math.nan, description="cost_gbp / good cells.")
    cost_per_kwh_gbp: Real = Field(math.nan, description="cost_gbp / kWh of good cells.")
    cost_by_kind: dict[str, Real] = Field(
        default_factory=dict, description="GBP per good cell by kind (capital, labour, energy, material, scrap; "
        "they sum to cost_per_good_cell_gbp); aggregated as 'cost_by_kind.<kind>'.")
    wip_capital_gbp: Real = Field(math.nan, description="Working capital in WIP: time-average cells at each "
                                  "step x the value added to them up to it, GBP.")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, ser_json_inf_nan="null")


class StationReplication(Result):
    throughput_per_h: Real = Field(description="Good cells leaving the station per hour.")
    utilization: Real = Field(description="Working share of planned (on-shift) time.")
    availability: Real = Field(description="OEE availability: working / planned busy time.")
    performance: Real = Field(description="OEE performance: ideal time of the work done / working time.")
    quality: Real = Field(description="OEE quality: good / processed cells.")
    oee: Real = Field(description="Availability x performance x quality.")
    states: dict[str, Real] = Field(description="Share of machine time in each state (sums to 1).")
    active_period_mean_h: Real = Field(description="Mean length of the station's active periods, hours.")
    bottleneck_sole: Real = Field(description="Share of time the station is the sole bottleneck.")
    bottleneck_shifting: Real = Field(description="Share of time the station is a shifting bottleneck.")
    wip_cells: Real = Field(description="Time-average cells at the station (queue, in process, blocked).")
    queue_cells: Real = Field(description="Time-average cells waiting in the input buffer.")
    waiting_time_h: Real = Field(description="Mean wait in the input buffer per cell, hours.")
    scrapped_cells: Real = Field(description="Cells scrapped here in the window.")
    expired_cells: Real = Field(
        0.0, description="Cells scrapped in the window because they waited longer than the station's max_wait."
    )
    failures: Real = Field(description="Breakdowns in the window.")
    repair_wait_h: Real = Field(0.0, description="Mean wait of a failed machine for a technician, hours.")
    capacity_per_h: Real = Field(
        math.nan, description="Cells per hour the station makes when all its machines (places) work at ideal speed."
    )
    processed_per_h: Real = Field(math.nan, description="Cells whose processing finished here per hour (good or not).")
    energy_kwh: Real = Field(math.nan, description="Electricity the station used in the window, kWh.")
    cost_by_kind: dict[str, Real] = Field(
        default_factory=dict, description="The station's cost per good cell of its line(s) by kind, GBP (scrap: "
        "the value of the cells scrapped here).")


class ProductReplication(Result):
    throughput_per_h: Real = Field(description="Good cells of this product out per hour.")
    gwh_per_year: Real = Field(description="Good output of this product as GWh per year.")
    lead_time_h: Real = Field(description="Mean release-to-exit time of good cells of this product, hours.")
    scrapped_cells: Real = Field(description="Cells of this product scrapped in the window.")


class CrewReplication(Result):
    utilization: Real = Field(description="Busy technician time / available technician time.")
    repairs: Real = Field(description="Repairs finished in the window.")


class SeriesReplication(Result):
    times_h: list[Real] = Field(description="Sample times, hours from the start (warm-up included).")
    throughput_per_h: list[Real] = Field(description="Good cells per hour in each interval ending at the time.")
    wip_cells: list[Real] = Field(description="Time-average cells in the line in each interval.")


class PeriodReplication(Result):
    """The line KPIs of one period of a transient run (issue 14), in one replication."""

    start_h: float = Field(description="Period start, hours from the run's start.")
    end_h: float = Field(description="Period end, hours from the run's start (the last period may be shorter).")
    kpis: LineReplication = Field(description="Line KPIs over the period.")


class ReplicationResult(Result):
    replication: int
    line: LineReplication
    lines: dict[str, LineReplication] = Field(default_factory=dict, description="A plant's lines, each measured "
                                              "as a line run is (a line file: empty).")
    products: dict[str, ProductReplication] = Field(default_factory=dict)
    crews: dict[str, CrewReplication] = Field(default_factory=dict)
    stations: dict[str, StationReplication]
    series: SeriesReplication
    periods: Optional[list[PeriodReplication]] = Field(
        None, exclude_if=lambda v: v is None, description="Per-period line KPIs (runs with `run.period` only).")


class StationResult(Result):
    throughput_per_h: Estimate
    utilization: Estimate
    availability: Estimate
    performance: Estimate
    quality: Estimate
    oee: Estimate
    states: dict[str, Estimate]
    active_period_mean_h: Estimate
    bottleneck: dict[str, Estimate] = Field(description="'sole' and 'shifting' bottleneck shares.")
    wip_cells: Estimate
    queue_cells: Estimate
    waiting_time_h: Estimate
    scrapped_cells: Estimate
    expired_cells: Optional[Estimate] = None  # absent in results stored before Q-times
    failures: Estimate
    repair_wait_h: Estimate
    capacity_per_h: Optional[Estimate] = None  # absent in results stored before it was measured
    processed_per_h: Optional[Estimate] = None
    energy_kwh: Optional[Estimate] = None
    cost_by_kind: dict[str, Estimate] = Field(default_factory=dict)


class StationLoad(Result):
    """Calendar-aware load against capacity of one station (the cheap constraint signal)."""

    load_per_h: Estimate = Field(description="Cells (or rolls) the station processed per hour of the window: "
                                 "what arrived, in steady state.")
    capacity_per_h: Estimate = Field(description="What it could process per hour of the window at ideal speed "
                                     "while on shift and up: ideal rate x (1 - off-shift - down - setup shares).")
    load_ratio: Estimate = Field(description="load / calendar capacity; the constraint has the largest.")
    walk: Optional[str] = Field(None, description="Bottleneck walk arrow: 'upstream' (mostly starved), "
                                "'downstream' (mostly blocked) or None (the turning point: may be the constraint).")
    step: str = Field("", description="The fair capacity step of this station ('+10% rate', '+7 racks (+10%)').")


class StepGain(Result):
    """What a fair capacity step at one station buys, by paired runs under common random numbers."""

    station: str
    step: str = Field(description="The capacity step tried, in words.")
    throughput_gain_per_h: Estimate = Field(description="Paired difference in good cells per hour (variant - base).")
    significant: bool = Field(description="The 95% CI of the gain lies above zero.")


class BottleneckResult(Result):
    primary: Optional[str] = Field(
        description="The throughput constraint: the station whose fair capacity step buys the most good output, "
        "named only when it is significantly ahead of every other station (by load against calendar capacity, "
        "or by paired +10% runs where that cannot separate them); else None."
    )
    momentary: Optional[str] = Field(
        None, description="Roser's momentary bottleneck: the station with the largest active-period share (sole + "
        "shifting), named only when significantly larger than the runner-up's (paired 95% CI); else None."
    )
    candidates: list[str] = Field(
        default_factory=list, description="Stations whose active-period share cannot be told apart from the leader's."
    )
    ranking: list[str] = Field(description="Stations by mean active-period share, largest first.")
    share: dict[str, Estimate] = Field(description="Sole + shifting active-period share per station.")
    reason: Optional[str] = Field(None, description="Why no station is named although stations were ranked "
                                  "(e.g. the line made nothing); None otherwise.")
    method: str = Field(
        "not stored", description="How `primary` was decided: 'load' (load against calendar capacity alone), "
        "'paired' (paired +10% runs among the stations the load could not separate), or 'not stored' (a result "
        "stored before the constraint verdict existed)."
    )
    constraint_ranking: list[str] = Field(
        default_factory=list, description="Every station, most constraining first: by paired gain where run, "
        "then by load ratio."
    )
    load: dict[str, StationLoad] = Field(default_factory=dict, description="Load against calendar capacity per station.")
    unresolved: list[str] = Field(
        default_factory=list, description="Stations the load cannot separate: paired runs are needed to decide among them.")
    sensitivity: list[StepGain] = Field(default_factory=list, description="Paired runs, largest gain first (may be empty).")
    paired_replications: int = Field(0, description="Extra replications the paired runs cost.")
    paired_not_run: Optional[str] = Field(
        None, description="Why the paired runs that would settle `unresolved` were not made (a ramp-up, a variant of "
                          "an analysis, a single replication); None when they were made or the run is unfinished.")
    next: Optional[str] = Field(None, description="The station that binds next once the primary is relieved.")
    next_headroom: Optional[float] = Field(
        None, description="Relative output increase at which `next` starts to bind (0.10 = +10%), from the load ratios.")
    why: Optional[str] = Field(None, description="One plain sentence when primary and momentary differ.")

    @model_validator(mode="before")
    @classmethod
    def _stored_before_the_constraint(cls, data: Any) -> Any:
        """A result stored before the constraint verdict: its `primary` was the active-period leader."""
        if isinstance(data, dict) and "momentary" not in data and "method" not in data:
            data = {**data, "momentary": data.get("primary"), "primary": None}
        return data


class LossStep(Result):
    cause: str = Field(description="What the cells were lost to.")
    station: str = Field(description="Where the loss happened.")
    cells_per_h: Estimate = Field(description="Lost output, cells per hour of the window.")


class LossWaterfall(Result):
    bottleneck: str = Field(description="The station whose ideal capacity is the top of the waterfall.")
    ideal_per_h: Estimate = Field(description="Ideal capacity of the bottleneck, cells per hour.")
    steps: list[LossStep] = Field(description="Losses in order; they sum to ideal minus actual.")
    actual_per_h: Estimate = Field(description="Good cells out per hour.")


class RunResult(Result):
    scenario: str
    scenario_hash: str
    seed: int
    replications: int
    version: str
    warmup_h: float
    length_h: float
    kpis: dict[str, Estimate]
    products: dict[str, dict[str, Estimate]] = Field(
        default_factory=dict, description="Per product: throughput_per_h, gwh_per_year, lead_time_h, scrapped_cells."
    )
    crews: dict[str, dict[str, Estimate]] = Field(default_factory=dict, description="Per crew: utilization, repairs.")
    lines: dict[str, "LineResult"] = Field(default_factory=dict, description="A plant's lines: the same KPIs as a "
                                           "line run, under 'lines.<line>.kpis' (a line file: empty).")
    stations: dict[str, StationResult]
    bottleneck: BottleneckResult
    series: SeriesReplication = Field(description="Mean over replications of the time series.")
    losses: Optional[LossWaterfall] = Field(
        None, description="Loss waterfall from the named bottleneck's ideal capacity down to good output, computed "
        "once when the run is aggregated (None: no station named, or a result stored before it was kept).")
    warnings: list[str] = Field(default_factory=list, description="What is stuck and where (no output, a "
                                "deadlock, a station never fed), from twin.analysis.stuck.")
    periods: Optional[list["PeriodResult"]] = Field(
        None, exclude_if=lambda v: v is None, description="Transient run (`run.period`): every line KPI per period "
        "as a mean with its 95% CI over replications, plus good_cells_per_day and cumulative_good_cells.")
    milestones: Optional[list["MilestoneResult"]] = Field(
        None, exclude_if=lambda v: v is None, description="Transient run with targets: when good cells per day first "
        "reach each target, over replications.")


class PeriodResult(Result):
    """One period of a transient run over replications."""

    start_h: float = Field(description="Period start, hours from the run's start.")
    end_h: float = Field(description="Period end, hours from the run's start.")
    kpis: dict[str, Estimate] = Field(description="Every line KPI over the period (throughput_per_h, yield, "
                                      "good_cells, ...), good_cells_per_day and cumulative_good_cells (from the "
                                      "start of the first period to this period's end).")


class Probability(Result):
    """A share of replications, with its 95% Wilson score interval."""

    p: float = Field(description="Share of replications.")
    ci95: tuple[float, float] = Field(description="95% Wilson score interval of the share.")
    by_h: float = Field(description="The date, hours from the run's start.")


class MilestoneResult(Result):
    """When a transient run first makes `target_per_day` good cells a day."""

    target_per_day: float = Field(description="Good cells per day to reach.")
    period: Optional[int] = Field(description="Index of the first period in which the mean over replications reaches "
                                  "the target (None: it never does in the run).")
    end_h: Estimate = Field(description="End of the first period reaching the target, per replication (None where a "
                            "replication never reaches it; the mean and CI are then over those that did: see "
                            "`conditional`).")
    reached: int = Field(description="Replications that reach the target within the run.")
    replications: int = Field(description="Replications in the run.")
    probability_by: Probability = Field(description="Share of replications that reach it by the date asked "
                                        "(`run.target_by`, --target-by; else the run's end).")
    probability_by_period: list[float] = Field(description="Share of replications that have reached it by the end of "
                                               "each period (a cumulative distribution of the milestone date).")
    conditional: bool = Field(False, description="Some replications do not reach the target within the run: end_h's "
                              "mean and CI are over those that do, conditional on reaching it (not the milestone "
                              "date; see `reached`, `probability_by` and `median_end_h`).")
    median_end_h: Optional[float] = Field(None, description="Median over all replications of end_h: the first "
                                          "period end by which at least half of them reach the target, a replication "
                                          "that never does counting as later than the run's end (censored); None "
                                          "when fewer than half reach it.")
    median_ci95: Optional[tuple[float, Optional[float]]] = Field(
        None, description="Distribution-free 95% interval of the median from order statistics (at least 95% "
        "coverage); its upper end None when it lies beyond the run's end. None when the median is, or when there "
        "are too few replications for one (fewer than 6).")


class LineResult(Result):
    kpis: dict[str, Estimate] = Field(description="The line's KPIs, as a line run's `kpis`.")
    stations: list[str] = Field(default_factory=list, description="The line's own stations (shared ones not included).")


RunResult.model_rebuild()

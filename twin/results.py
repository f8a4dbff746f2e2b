"""Result models: what one replication measured and what a run of replications reports.

These are the JSON (and, later, storage) schema. Every aggregated figure is an `Estimate`: mean,
95% confidence interval and the value of each replication, so no single replication's number is
ever the answer.
"""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

STATE_KEYS = ("working", "setup", "starved", "blocked", "down", "off_shift", "waiting_batch")


class Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="null")


class Estimate(Result):
    mean: Optional[float] = Field(description="Mean over replications (None if undefined in all).")
    ci95: tuple[Optional[float], Optional[float]] = Field(description="t-based 95% confidence interval of the mean.")
    values: list[Optional[float]] = Field(description="One value per replication.")


class LineReplication(Result):
    throughput_per_h: float = Field(description="Good cells out per hour.")
    gwh_per_year: float = Field(description="Good output as GWh per year of 8,760 h.")
    yield_: float = Field(alias="yield", description="Good cells / (good + scrapped) leaving in the window.")
    wip_cells: float = Field(description="Time-average cells in the line.")
    lead_time_h: float = Field(description="Mean release-to-exit time of good cells, hours.")
    released_cells: float = Field(description="Cells released in the window.")
    good_cells: float = Field(description="Good cells out in the window.")
    scrapped_cells: float = Field(description="Cells scrapped in the window.")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, ser_json_inf_nan="null")


class StationReplication(Result):
    throughput_per_h: float = Field(description="Good cells leaving the station per hour.")
    utilization: float = Field(description="Working share of planned (on-shift) time.")
    availability: float = Field(description="OEE availability: working / planned busy time.")
    performance: float = Field(description="OEE performance: ideal time of the work done / working time.")
    quality: float = Field(description="OEE quality: good / processed cells.")
    oee: float = Field(description="Availability x performance x quality.")
    states: dict[str, float] = Field(description="Share of machine time in each state (sums to 1).")
    active_period_mean_h: float = Field(description="Mean length of the station's active periods, hours.")
    bottleneck_sole: float = Field(description="Share of time the station is the sole bottleneck.")
    bottleneck_shifting: float = Field(description="Share of time the station is a shifting bottleneck.")
    wip_cells: float = Field(description="Time-average cells at the station (queue, in process, blocked).")
    queue_cells: float = Field(description="Time-average cells waiting in the input buffer.")
    waiting_time_h: float = Field(description="Mean wait in the input buffer per cell, hours.")
    scrapped_cells: float = Field(description="Cells scrapped here in the window.")
    failures: float = Field(description="Breakdowns in the window.")
    repair_wait_h: float = Field(0.0, description="Mean wait of a failed machine for a technician, hours.")
    capacity_per_h: float = Field(
        description="Cells per hour the station makes when all its machines (places) work at ideal speed."
    )
    processed_per_h: float = Field(description="Cells whose processing finished here per hour (good or not).")


class ProductReplication(Result):
    throughput_per_h: float = Field(description="Good cells of this product out per hour.")
    gwh_per_year: float = Field(description="Good output of this product as GWh per year.")
    lead_time_h: float = Field(description="Mean release-to-exit time of good cells of this product, hours.")
    scrapped_cells: float = Field(description="Cells of this product scrapped in the window.")


class CrewReplication(Result):
    utilization: float = Field(description="Busy technician time / available technician time.")
    repairs: float = Field(description="Repairs finished in the window.")


class SeriesReplication(Result):
    times_h: list[float] = Field(description="Sample times, hours from the start (warm-up included).")
    throughput_per_h: list[float] = Field(description="Good cells per hour in each interval ending at the time.")
    wip_cells: list[float] = Field(description="Time-average cells in the line in each interval.")


class ReplicationResult(Result):
    replication: int
    line: LineReplication
    products: dict[str, ProductReplication] = Field(default_factory=dict)
    crews: dict[str, CrewReplication] = Field(default_factory=dict)
    stations: dict[str, StationReplication]
    series: SeriesReplication


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
    failures: Estimate
    repair_wait_h: Estimate


class BottleneckResult(Result):
    primary: Optional[str] = Field(description="Station with the largest mean bottleneck share (sole + shifting).")
    ranking: list[str] = Field(description="Stations by mean bottleneck share, largest first.")
    share: dict[str, Estimate] = Field(description="Sole + shifting bottleneck share per station.")


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
    stations: dict[str, StationResult]
    bottleneck: BottleneckResult
    series: SeriesReplication = Field(description="Mean over replications of the time series.")

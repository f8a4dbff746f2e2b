"""Plain-text tables for the terminal (rich): a run, a comparison, a sweep, the stored runs.

They show the same figures as the commands' --json output, rounded for reading."""

from __future__ import annotations

import math
import re

from rich.console import Console
from rich.table import Table

from twin.experiments.compare import ComparisonResult
from twin.experiments.replications import PrecisionOutcome
from twin.sim.results import Estimate, RunResult
from stations.states import STATE_NAMES
from twin.experiments.sweep import SweepResult
from twin.analysis.constraint import headline, next_sentence
from twin.analysis.warmup import WarmupChoice

LINE_ROWS = (
    ("throughput_per_h", "good cells / h"),
    ("gwh_per_year", "GWh / yr"),
    ("yield", "yield"),
    ("wip_cells", "WIP (cells)"),
    ("lead_time_h", "lead time (h)"),
    ("material_yield", "material yield (area)"),
)
OPTIONAL_ROWS = frozenset({"material_yield"})
"""Rows shown only when measured (a scenario without electrode areas, a result stored before it)."""


def _decimals(value: float, significant: int = 4) -> int:
    """Decimals that show `significant` digits of `value` (none for large numbers)."""
    if value == 0 or not math.isfinite(value):
        return 2
    return max(0, significant - 1 - math.floor(math.log10(abs(value))))


def _fmt(value: float | None, digits: int | None = None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{_decimals(value) if digits is None else digits}f}"


def _with_ci(estimate: Estimate, digits: int | None = None) -> str:
    """'mean ± half-width', both with the decimals the mean needs."""
    lo, hi = estimate.ci95
    if estimate.mean is None:
        return "n/a"
    decimals = _decimals(estimate.mean) if digits is None else digits
    if lo is None or hi is None:
        return _fmt(estimate.mean, decimals)
    return f"{_fmt(estimate.mean, decimals)} ± {_fmt((hi - lo) / 2, decimals)}"


def print_report(result: RunResult, console: Console) -> None:
    console.print(
        f"[bold]{result.scenario}[/bold]  ({result.replications} replications of {result.length_h:,.0f} h "
        f"after {result.warmup_h:,.0f} h warm-up, seed {result.seed}, hash {result.scenario_hash})"
    )
    line = Table(title="Line KPIs (mean ± 95% CI half-width)", title_justify="left")
    line.add_column("KPI")
    line.add_column("value", justify="right")
    for key, label in LINE_ROWS:
        if key in OPTIONAL_ROWS and (key not in result.kpis or result.kpis[key].mean is None):
            continue
        line.add_row(label, _with_ci(result.kpis[key]))
    console.print(line)
    print_plant(result, console)

    used_states = [s for s in STATE_NAMES if any((st.states[s].mean or 0) > 5e-4 for st in result.stations.values())]
    verdict = result.bottleneck
    table = Table(title="Stations (state shares of machine time)", title_justify="left")
    for column in ("station", "cells / h", "util.", "OEE", *used_states, "load / cap.", "walk", "active share"):
        table.add_column(column, justify="left" if column in ("station", "walk") else "right")
    for name, station in result.stations.items():
        share = verdict.share[name]
        load = verdict.load.get(name)
        marks = ("◆ " if name == verdict.primary else "") + ("● " if name == verdict.momentary else "")
        table.add_row(
            marks + name,
            _with_ci(station.throughput_per_h),
            _fmt(station.utilization.mean, 3),
            _fmt(station.oee.mean, 3),
            *(_fmt(station.states[s].mean, 3) for s in used_states),
            _with_ci(load.load_ratio, 3) if load is not None else "n/a",
            WALK_ARROWS[load.walk] if load is not None else "",
            _with_ci(share, 3),
        )
    console.print(table)
    console.print("◆ throughput constraint (primary)   ● momentary bottleneck (active-period leader)   "
                  "load / cap.: load against capacity over the hours the station is on shift and up")
    for line in verdict_lines(result):
        console.print(line)
    for warning in result.warnings:
        console.print(f"[bold yellow]warning:[/bold yellow] {warning}", highlight=False)


ECONOMY_ROWS = (
    ("energy_kwh_per_kwh", "energy kWh / kWh of cells"),
    ("energy_kwh_per_good_cell", "energy kWh / good cell"),
    ("cost_per_good_cell_gbp", "cost GBP / good cell"),
    ("cost_per_kwh_gbp", "cost GBP / kWh of cells"),
    ("wip_capital_gbp", "WIP working capital GBP"),
)
"""Energy and cost rows of a run's report (a result stored before issue 16 has none of them)."""


def print_plant(result: RunResult, console: Console) -> None:
    """Energy and cost (the plant, and each line of a plant, side by side), and the cost by kind."""
    if "energy_kwh_per_kwh" not in result.kpis:
        return
    columns = {"plant" if result.lines else "line": result.kpis, **{name: r.kpis for name, r in result.lines.items()}}
    if result.lines:
        table = Table(title="Lines of the plant (mean ± 95% CI half-width)", title_justify="left")
        rows = LINE_ROWS + ECONOMY_ROWS
    else:
        table = Table(title="Energy and cost (mean ± 95% CI half-width)", title_justify="left")
        rows = ECONOMY_ROWS
    table.add_column("KPI")
    for name in columns:
        table.add_column(name, justify="right")
    for key, label in rows:
        table.add_row(label, *(_with_ci(kpis[key]) if key in kpis else "n/a" for kpis in columns.values()))
    for key in (k for k in result.kpis if k.startswith("cost_by_kind.")):
        table.add_row(f"  {key.split('.', 1)[1]} GBP / good cell", *(_with_ci(k[key]) if key in k else "n/a"
                                                                   for k in columns.values()))
    for key in (k for k in result.kpis if k.startswith("facility_kwh.")):
        table.add_row(f"facility {key.split('.', 1)[1]} kWh", _with_ci(result.kpis[key]),
                      *("" for _ in result.lines))
    console.print(table)


WALK_ARROWS = {"upstream": "← starved", "downstream": "→ blocked", None: "·"}


def verdict_lines(result: RunResult) -> list[str]:
    """The footer: the constraint, the momentary bottleneck, why they differ, what binds next, the cost."""
    verdict = result.bottleneck
    lines = [f"[bold]Bottleneck (throughput constraint)[/bold]: {headline(verdict)}"]
    if verdict.momentary is not None:
        lines.append(f"Momentary bottleneck (active period method): [bold]{verdict.momentary}[/bold], the bottleneck "
                     f"{_with_ci(verdict.share[verdict.momentary], 3)} of the time (sole + shifting)")
    elif verdict.candidates:
        names = ", ".join(f"{name} {_with_ci(verdict.share[name])}" for name in verdict.candidates)
        lines.append(f"Momentary bottleneck (active period method): none significant; candidates {names}")
    if verdict.why:
        lines.append(f"Why they differ: {verdict.why}")
    following = next_sentence(verdict)
    if following:
        lines.append(following)
    if verdict.sensitivity:
        tried = "; ".join(f"{g.station} {g.step}: {_with_ci(g.throughput_gain_per_h)} cells/h"
                          + ("" if g.significant else " (n.s.)") for g in verdict.sensitivity)
        lines.append(f"Paired steps ({verdict.paired_replications} extra replications): {tried}")
    return lines


KPI_LABELS = dict(LINE_ROWS) | {
    "released_cells": "released cells", "good_cells": "good cells", "scrapped_cells": "scrapped cells",
}


def warmup_note(choice: WarmupChoice) -> str:
    """One line saying how the warm-up was set (and warning when MSER-5 hit its search limit)."""
    if choice.method == "fixed":
        return f"Warm-up {choice.warmup_h:,.4g} h (fixed in the scenario)"
    cuts = ", ".join(f"{name} {hours:,.4g} h" for name, hours in choice.cut_h.items())
    note = f"Warm-up {choice.warmup_h:,.4g} h chosen by MSER-5 from {choice.pilots} pilot replications ({cuts})"
    if choice.at_search_limit:
        note += (" - warning: a series had not settled by half the pilot run; the line may never reach a "
                 "steady state (an unlimited buffer before the bottleneck?) or needs a longer run.length")
    return note


def precision_note(outcome: PrecisionOutcome) -> str:
    achieved = "n/a" if outcome.achieved is None else f"±{outcome.achieved:.2%}"
    if outcome.reached:
        return (f"Precision target ±{outcome.target:.2%} of the mean {outcome.kpi} reached: {achieved} "
                f"after {outcome.replications} replications")
    return (f"Precision target ±{outcome.target:.2%} NOT reached: {achieved} after the maximum of "
            f"{outcome.max_replications} replications")


def print_comparison(comparison: ComparisonResult, console: Console) -> None:
    base, whatif = comparison.base, comparison.whatif
    pairing = "common random numbers" if comparison.common_random_numbers else "independent seeds"
    console.print(
        f"[bold]{whatif.scenario}[/bold] vs [bold]{base.scenario}[/bold]: {comparison.replications} paired "
        f"replications, {pairing} (seed {base.seed}" + ("" if comparison.common_random_numbers else f" / {whatif.seed}")
        + f"), warm-up {base.warmup_h:,.4g} h / {whatif.warmup_h:,.4g} h"
    )
    table = Table(title="What-if - base (mean of paired differences, 95% CI)", title_justify="left")
    for column in ("KPI", "base", "what-if", "difference", "95% CI", "change", "significant"):
        table.add_column(column, justify="left" if column == "KPI" else "right")
    for key, kpi in comparison.kpis.items():
        lo, hi = kpi.ci95
        ci = "n/a" if lo is None or hi is None else f"[{_fmt(lo)}, {_fmt(hi)}]"
        change = "n/a" if kpi.relative is None else f"{kpi.relative:+.2%}"
        table.add_row(KPI_LABELS.get(key, key), _fmt(kpi.base), _fmt(kpi.whatif),
                      "n/a" if kpi.difference is None else f"{kpi.difference:+,.{_decimals(kpi.difference)}f}",
                      ci, change, "[bold]yes[/bold]" if kpi.significant else "no")
    console.print(table)


def print_sweep(sweep: SweepResult, console: Console) -> None:
    console.print(f"[bold]{sweep.scenario}[/bold]: sweep of {len(sweep.points)} points, seed {sweep.seed} "
                  "(common random numbers across points)")
    table = Table(title="KPIs per point (mean ± 95% CI half-width)", title_justify="left")
    for path in sweep.parameters:
        table.add_column(".".join(path.split(".")[-2:]), no_wrap=True)  # formation.machines
    for key, label in LINE_ROWS:
        table.add_column(label, justify="right", no_wrap=True)
    table.add_column("bottleneck", no_wrap=True)
    table.add_column("run", justify="right")
    for point in sweep.points:
        table.add_row(
            *(_setting(point.settings[path]) for path in sweep.parameters),
            *(_with_ci(point.kpis[key]) for key, _ in LINE_ROWS),
            point.bottleneck or "-",
            "-" if point.run_id is None else str(point.run_id),
        )
    console.print(table)


def _setting(value: object) -> str:
    """A swept value as it would be written in YAML ({dist: exponential, mean: 5 min})."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_setting(v)}" for k, v in value.items()) + "}"
    return str(value)


def print_runs(rows: list[dict], console: Console) -> None:
    """The `twin runs` table (rows from twin.store.runs.describe)."""
    table = Table(title="Stored runs", title_justify="left")
    widest_id = max((len(str(row["id"])) for row in rows), default=2)
    columns = (("id", widest_id), ("started (UTC)", 16), ("scenario", 0), ("what", 0), ("status", 8), ("reps", 5),
               ("warm-up h", 0), ("good cells / h", 0), ("GWh / yr", 0), ("bottleneck", 0))
    for column, min_width in columns:
        table.add_column(column, justify="right" if column in ("id", "reps", "warm-up h") else "left", no_wrap=True,
                         min_width=min_width or None, max_width=48 if column in ("scenario", "what") else None)
    for row in rows:
        kpis = row["kpis"] or {}
        table.add_row(
            str(row["id"]), row["started_at"].replace("T", " ")[:16], row["scenario"], _what(row),
            "running (process gone)" if row["process_gone"] else row["status"],
            f"{row['replications_done']}/{row['replications_planned']}", f"{row['warmup_h']:,.4g}",
            _summary(kpis.get("throughput_per_h")), _summary(kpis.get("gwh_per_year")), row["bottleneck"] or "-",
        )
    console.print(table)


def _what(row: dict) -> str:
    """'run', 'compare: base', 'sweep: formation.machines=60, filling.yield=0.94' (paths shortened)."""
    label = re.sub(r"(^|, )(stations|sources)\.", r"\1", row["label"]) if row["kind"] == "sweep" else row["label"]
    return row["kind"] + (f": {label}" if label else "")


def _summary(kpi: dict | None) -> str:
    if not kpi:
        return "-"
    return _with_ci(Estimate(mean=kpi["mean"], ci95=tuple(kpi["ci95"]), values=[]))


def print_bottleneck(analysis, console: Console) -> None:
    """The bottleneck report: verdict, per-station shares and walk, loss waterfall, improvement ranking."""
    console.print(f"[bold]{analysis.scenario}[/bold]: bottleneck analysis over {analysis.replications} replications")
    verdict = analysis.verdict
    if verdict is not None:
        console.print(f"[bold]Bottleneck (throughput constraint)[/bold]: {headline(verdict)}")
        if verdict.momentary:
            console.print(f"Momentary bottleneck (active period method): [bold]{verdict.momentary}[/bold]")
        for line in filter(None, (verdict.why and f"Why they differ: {verdict.why}", next_sentence(verdict))):
            console.print(line)
    elif analysis.primary:
        console.print(f"Bottleneck: [bold]{analysis.primary}[/bold]")
    else:
        console.print(f"No single significant bottleneck; candidates: {', '.join(analysis.candidates) or 'none'}")
    arrows = {"upstream": "← upstream", "downstream": "→ downstream", None: "·"}
    table = Table(title="Stations, most constraining first (mean ± 95% CI half-width)", title_justify="left")
    for column in ("station", "load / cap.", "fair step", "sole", "shifting", "active share", "active period (h)", "walk"):
        table.add_column(column, justify="left" if column in ("station", "walk", "fair step") else "right")
    order = (verdict.constraint_ranking if verdict is not None and verdict.constraint_ranking else analysis.ranking)
    for name in order:
        st = analysis.stations[name]
        load = verdict.load.get(name) if verdict is not None else None
        table.add_row(name, _with_ci(load.load_ratio, 3) if load else "n/a", load.step if load else "",
                      _with_ci(st.sole, 3), _with_ci(st.shifting, 3), _with_ci(st.total, 3),
                      _with_ci(st.active_period_mean_h), arrows[st.walk])
    console.print(table)
    waterfall = analysis.waterfall
    losses = Table(title=f"Loss waterfall from {waterfall.bottleneck}'s ideal output (cells/h)", title_justify="left")
    for column in ("step", "station", "cells / h"):
        losses.add_column(column, justify="right" if column == "cells / h" else "left")
    losses.add_row("ideal (bottleneck capacity)", waterfall.bottleneck, _with_ci(waterfall.ideal_per_h))
    for step in waterfall.steps:
        if abs(step.cells_per_h.mean or 0.0) >= 0.0005 * (waterfall.ideal_per_h.mean or 1.0):
            losses.add_row(f"- {step.cause}", step.station, _with_ci(step.cells_per_h))
    losses.add_row("= actual good output", "", _with_ci(waterfall.actual_per_h))
    console.print(losses)
    gains = Table(title="What a capacity step buys (paired runs, common random numbers)", title_justify="left")
    for column in ("rank", "station", "change", "throughput gain (cells/h)", "significant"):
        gains.add_column(column, justify="right" if column in ("rank", "throughput gain (cells/h)") else "left")
    for rank, gain in enumerate(analysis.improvements, 1):
        gains.add_row(str(rank), gain.station, gain.change, _with_ci(gain.throughput_gain_per_h),
                      "yes" if gain.significant else "no")
    console.print(gains)

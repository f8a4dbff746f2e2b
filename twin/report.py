"""Plain-text tables of a RunResult for the terminal (rich), showing the same figures as --json."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from twin.results import Estimate, RunResult

LINE_ROWS = (
    ("throughput_per_h", "good cells / h"),
    ("gwh_per_year", "GWh / yr"),
    ("yield", "yield"),
    ("wip_cells", "WIP (cells)"),
    ("lead_time_h", "lead time (h)"),
)
STATE_COLUMNS = ("working", "setup", "starved", "blocked", "down", "off_shift", "waiting_batch")


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
        line.add_row(label, _with_ci(result.kpis[key]))
    console.print(line)

    used_states = [s for s in STATE_COLUMNS if any((st.states[s].mean or 0) > 5e-4 for st in result.stations.values())]
    table = Table(title="Stations (state shares of machine time)", title_justify="left")
    for column in ("station", "cells / h", "util.", "OEE", *used_states, "bottleneck"):
        table.add_column(column, justify="left" if column == "station" else "right")
    for name, station in result.stations.items():
        share = result.bottleneck.share[name]
        table.add_row(
            name,
            _with_ci(station.throughput_per_h),
            _fmt(station.utilization.mean, 3),
            _fmt(station.oee.mean, 3),
            *(_fmt(station.states[s].mean, 3) for s in used_states),
            _with_ci(share, 3),
        )
    console.print(table)
    primary = result.bottleneck.primary
    if primary is None:
        console.print("Bottleneck: none (no station was ever active long enough to constrain the line)")
    else:
        share = result.bottleneck.share[primary]
        console.print(
            f"Bottleneck (active period method): [bold]{primary}[/bold], the bottleneck "
            f"{_with_ci(share, 3)} of the time (sole + shifting)"
        )

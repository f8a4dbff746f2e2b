"""Terminal tables for `twin calibrate` and `twin validate-against` (the same figures as --json)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from twin.analysis.calibration import Calibration
from twin.experiments.validation import ValidationReport

WHAT = {"cycle_time": "cycle time", "ttf": "time to failure", "ttr": "time to repair", "setup": "setup"}


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 3600:
        return f"{seconds / 3600:,.3g} h"
    if seconds >= 60:
        return f"{seconds / 60:,.3g} min"
    return f"{seconds:,.4g} s"


def print_calibration(result: Calibration, console: Console) -> None:
    table = Table(title=f"Fitted from {result.log} ({result.rows:,} rows, {result.hours:,.1f} h)")
    for column in ("station", "what", "n", "family", "fitted mean", "95% CI", "base mean", "KS p"):
        table.add_column(column, justify="left" if column in ("station", "what", "family") else "right")
    for fit in result.durations:
        n = f"{fit.n:,}" + (f" (+{fit.censored} cens.)" if fit.censored else "")
        table.add_row(fit.station, WHAT[fit.what], n, fit.family, _s(fit.mean_s),
                      f"{_s(fit.ci95_s[0])} .. {_s(fit.ci95_s[1])}", _s(fit.base_mean_s), f"{fit.ks_p_value:.3g}")
    for y in result.yields:
        table.add_row(y.station, "yield", f"{y.processed_cells:,} cells", "binomial", f"{y.yield_:.4f}",
                      f"{y.ci95[0]:.4f} .. {y.ci95[1]:.4f}", f"{y.base_yield:.4f}", "")
    console.print(table)
    by_station: dict[str, list[str]] = {}
    for p in result.products:
        by_station.setdefault(p.station, []).append(f"{p.product} {_s(p.mean_s)} ({_s(p.ci95_s[0])} .. {_s(p.ci95_s[1])})")
    for station, items in by_station.items():
        if len(items) > 1:
            console.print(f"Cycle time per product at {station} (per lot, or per cell): " + "; ".join(items))
    shifts = [s for s in result.shares if s.off_shift_share > 0]
    if shifts:
        console.print("Off shift: " + ", ".join(f"{s.station} {s.off_shift_share:.1%}" for s in shifts))


def _v(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value:.4f}"
    return f"{value:,.4g}"


def print_validation(report: ValidationReport, console: Console) -> None:
    table = Table(title=f"{report.scenario} against {report.log} ({report.hours:,.1f} h from {report.log_start}, "
                        f"{report.replications} replications)")
    for column in ("KPI", "unit", "log", "twin mean", "95% CI", "verdict"):
        table.add_column(column, justify="right" if column in ("log", "twin mean", "95% CI") else "left")
    for k in report.kpis:
        table.add_row(k.kpi, k.unit, _v(k.log, k.unit), _v(k.twin_mean, k.unit),
                      f"{_v(k.ci95[0], k.unit)} .. {_v(k.ci95[1], k.unit)}",
                      k.verdict if k.inside_ci else f"[bold]{k.verdict}[/bold]")
    console.print(table)
    inside = sum(k.inside_ci for k in report.kpis)
    console.print(f"{inside} of {len(report.kpis)} KPIs inside the twin's 95% CI; "
                  f"{sum(k.inside_prediction for k in report.kpis)} within one replication's 95% range.")

"""The compact period view of a transient run (`twin run --period`): one row per period with good
cells per day, yield and cumulative good cells (mean ± 95% CI half-width), then the milestones."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from twin.cli.report import _with_ci
from twin.sim.results import RunResult

MAX_ROWS = 60
"""A longer run shows every k-th period (and always the last) so the table stays readable."""


def print_periods(result: RunResult, console: Console) -> None:
    periods = result.periods or []
    if not periods:
        return
    step = max(1, -(-len(periods) // MAX_ROWS))
    table = Table(title=f"Periods (mean ± 95% CI half-width over {result.replications} replications"
                  + (f"; every {step}th period shown" if step > 1 else "") + ")", title_justify="left")
    for column in ("period", "from (h)", "to (h)", "good cells/day", "yield", "throughput/h", "cumulative good cells"):
        table.add_column(column, justify="left" if column == "period" else "right")
    shown = [k for k in range(len(periods)) if k % step == 0 or k == len(periods) - 1]
    for k in shown:
        p = periods[k]
        table.add_row(str(k + 1), f"{p.start_h:,.0f}", f"{p.end_h:,.0f}", _with_ci(p.kpis["good_cells_per_day"], 0),
                      _with_ci(p.kpis["yield"], 3), _with_ci(p.kpis["throughput_per_h"]),
                      _with_ci(p.kpis["cumulative_good_cells"], 0))
    console.print(table)
    for line in milestone_lines(result):
        console.print(line, highlight=False)


def milestone_lines(result: RunResult) -> list[str]:
    lines = []
    for m in result.milestones or []:
        p = m.probability_by
        chance = f"P(reached by {p.by_h:,.0f} h = week {p.by_h / 168:.1f}) = {p.p:.0%} (95% CI {p.ci95[0]:.0%}-{p.ci95[1]:.0%})"
        if m.reached == 0:
            lines.append(f"milestone {m.target_per_day:,.0f} good cells/day: not reached in any replication; {chance}")
            continue
        when = _with_ci(m.end_h, 0)
        censored = "" if m.reached == m.replications else f" (mean over the {m.reached} of {m.replications} that reach it)"
        lines.append(f"milestone {m.target_per_day:,.0f} good cells/day: first reached at the end of {when} h "
                     f"(week {m.end_h.mean / 168:.1f}){censored}; {chance}")  # type: ignore[operator]
    return lines

"""The compact period view of a transient run (`twin run --period`): one row per period with good
cells per day, yield and cumulative good cells (mean ± 95% CI half-width), then the milestones."""

from __future__ import annotations

from typing import Optional

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
    """Each milestone: its date over replications and its probability by the date asked. When some
    replications never reach it, the answer is the share that do and the median date over all of them
    (a replication that does not reach it counts as later than the run's end); the mean date of those
    that did is shown only as what it is, conditional on reaching it."""
    lines = []
    for m in result.milestones or []:
        p = m.probability_by
        chance = f"P(reached by {p.by_h:,.0f} h = week {p.by_h / 168:.1f}) = {p.p:.0%} (95% CI {p.ci95[0]:.0%}-{p.ci95[1]:.0%})"
        head = f"milestone {m.target_per_day:,.0f} good cells/day"
        if m.reached == 0:
            lines.append(f"{head}: not reached in any replication; {chance}")
            continue
        when = _with_ci(m.end_h, 0)
        if m.reached == m.replications:
            lines.append(f"{head}: first reached at the end of {when} h "
                         f"(week {m.end_h.mean / 168:.1f}); {chance}")  # type: ignore[operator]
            continue
        lines.append(f"{head}: reached in {m.reached} of {m.replications} replications; {chance}; "
                     f"median over all: {median_text(m.median_end_h, m.median_ci95)}")
        lines.append(f"  conditional on reaching it (the {m.reached} that do, not the milestone date): end of "
                     f"{when} h (week {m.end_h.mean / 168:.1f})")  # type: ignore[operator]
    return lines


def median_text(median_h: Optional[float], ci95: Optional[tuple[float, Optional[float]]]) -> str:
    """'end of 6,384 h (week 38.0; 95% CI 5,040 h to beyond the run's end)', or why there is no median."""
    if median_h is None:
        return "beyond the run's end (fewer than half of the replications reach it)"
    text = f"end of {median_h:,.0f} h (week {median_h / 168:.1f}"
    if ci95 is None:
        return text + "; too few replications for its 95% CI)"
    upper = "beyond the run's end" if ci95[1] is None else f"{ci95[1]:,.0f} h"
    return text + f"; 95% CI {ci95[0]:,.0f} h to {upper})"

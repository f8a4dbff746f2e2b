"""The terminal report of `twin plan`: the answer, the chosen values beside their capacity bounds,
the evidence (the check run's CI, each field one step lower), the runners-up. Same figures as --json."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from twin.cli.report import _fmt
from twin.experiments.plan import KpiCheck, PlanResult


def _interval(check: KpiCheck) -> str:
    low, high = check.ci95
    return f"{_fmt(check.mean)} [{_fmt(low)}, {_fmt(high)}]"


def print_plan(plan: PlanResult, console: Console) -> None:
    target = plan.target
    console.print(f"[bold]{plan.scenario}[/bold]: plan for {target.kpi} >= {target.value:g} at "
                  f"{plan.confidence:.0%} confidence; {plan.evaluations} configurations, "
                  f"{plan.replications_run} replications")
    console.print(("[green]" if plan.feasible else "[red]") + plan.message)
    table = Table(title="Varied fields", title_justify="left")
    for column in ("field", "range", "capacity bound", "chosen", "one step lower"):
        table.add_column(column, no_wrap=True, justify="left" if column == "field" else "right")
    lowered = {item.path: item for item in plan.lowered}
    for item in plan.vary:
        low = lowered.get(item.path)
        evidence = "-" if low is None else low.evidence()
        table.add_row(item.path, f"{item.low}..{item.high}" + (f" step {item.step}" if item.step > 1 else ""),
                      str(plan.bounds.get(item.path, "-")),
                      "-" if plan.best is None else str(plan.best[item.path]), evidence)
    console.print(table)
    if plan.check is not None:
        check = plan.check
        console.print(f"check on fresh seeds ({check.replications} replications): {target.kpi} "
                      f"{_interval(check)} (95% CI); one-sided {plan.confidence:.0%} lower bound "
                      f"{_fmt(check.lower_bound)} {'>=' if check.meets else '<'} {target.value:g}; cost {plan.cost:,.6g} {plan.cost_basis}")
    if plan.runners_up:
        others = Table(title="Runners-up (full runs, meeting the target)", title_justify="left")
        others.add_column(f"cost ({plan.cost_basis})", justify="right")
        others.add_column("settings")
        others.add_column(f"{target.kpi} (95% CI)", justify="right")
        for item in plan.runners_up:
            others.add_row(f"{item.cost:,.6g}", ", ".join(f"{p.split('.')[-2]}.{p.split('.')[-1]}={v}"
                                                       for p, v in item.settings.items()), _interval(item))
        console.print(others)

"""Published figures each line is judged against (shared/reference/battery-process.md): nameplate
output and, where published, a cells/day target. Shared by the home page's cards and the charts'
nameplate/target lines. Keyed by scenario name; a scenario without an entry simply has no line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

HOURS_PER_YEAR = 8760.0  # as twin.sim.kpis converts cells/h into GWh/yr


@dataclass(frozen=True)
class LineFacts:
    nameplate_gwh_per_year: float
    target_cells_per_day: Optional[float]
    source: str
    first_run: bool = True  # offered by the empty database's "Run both lines"


FACTS: dict[str, LineFacts] = {
    "cylindrical-line": LineFacts(0.1, None, "nameplate 0.1 GWh/yr [S2], d.1"),
    "power-cell-line": LineFacts(1.0, 137_000, "nameplate 1 GWh/yr [S2], 137,000 cells/day [S4], d.2"),
    "gigafactory-10gwh": LineFacts(10.0, None, "10 GWh/yr plan", first_run=False),
}


def reference_lines(scenario_name: str, wh_per_cell: Optional[float], kpi_key: str) -> list[tuple[float, str]]:
    """(value in the KPI's unit, label) of the published figures for a chart of `kpi_key`:
    the nameplate in GWh/yr, or as good cells/h; the cells/day target as cells/h."""
    facts = FACTS.get(scenario_name)
    if facts is None:
        return []
    if kpi_key == "gwh_per_year":
        return [(facts.nameplate_gwh_per_year, f"nameplate {facts.nameplate_gwh_per_year:g} GWh/yr")]
    if kpi_key == "throughput_per_h":
        lines = []
        if wh_per_cell:
            lines.append((facts.nameplate_gwh_per_year * 1e9 / wh_per_cell / HOURS_PER_YEAR,
                          f"nameplate {facts.nameplate_gwh_per_year:g} GWh/yr"))
        if facts.target_cells_per_day:
            lines.append((facts.target_cells_per_day / 24, f"target {facts.target_cells_per_day:,.0f} cells/day"))
        return lines
    return []


def wh_of(scenario: Any) -> Optional[float]:
    """Wh of the scenario's (first) product, or None."""
    try:
        return float(scenario.all_products[0].wh_per_cell)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None

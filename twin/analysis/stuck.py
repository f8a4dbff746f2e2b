"""Lines that run to the end without making anything: say what is stuck and where.

A deadlocked loop (a CONWIP loop whose buffers are full), an assembly whose input is never fed, or a
routing loop with no exit all finish their window with zero good output, and the bottleneck
method would still rank stations by noise. From the aggregated station results this module writes
one warning per finding (which stations finished no lot, which were blocked or starved the whole
time) and, when the line made nothing, the reason the bottleneck verdict is withheld.
Pure functions of result data: no scenario needed (stored runs are judged the same way).
"""

from __future__ import annotations

import math
from typing import Mapping, Optional

from twin.sim.results import Estimate, StationResult

ALL_THE_TIME = 0.99
"""A state share above this counts as 'the whole window'."""


def _mean(estimate: Optional[Estimate]) -> float:
    if estimate is None or estimate.mean is None or not math.isfinite(estimate.mean):
        return math.nan
    return estimate.mean


def stuck_warnings(kpis: Mapping[str, Estimate], stations: Mapping[str, StationResult],
                   length_h: float) -> tuple[list[str], Optional[str]]:
    """(warnings, reason the bottleneck verdict is withheld or None)."""
    warnings: list[str] = []
    idle = [name for name, s in stations.items() if _mean(s.processed_per_h) == 0.0]
    blocked = [name for name, s in stations.items() if _mean(s.states.get("blocked")) > ALL_THE_TIME]
    starved = [name for name, s in stations.items()
               if _mean(s.states.get("starved")) > ALL_THE_TIME and name in idle]
    batching = [name for name, s in stations.items() if _mean(s.states.get("waiting_batch")) > ALL_THE_TIME]
    no_output = _mean(kpis.get("good_cells")) == 0.0
    if no_output:
        where = []
        if blocked:
            where.append(f"blocked the whole time (nowhere to put a finished lot): {', '.join(blocked)}")
        if batching:
            where.append(f"waiting the whole time for a full batch that never comes: {', '.join(batching)}")
        if starved:
            where.append(f"starved the whole time (never fed): {', '.join(starved)}")
        if idle and not starved:
            where.append(f"finished no lot: {', '.join(idle)}")
        working = [n for n, s in stations.items() if _mean(s.states.get("working")) > 0.5 and n not in idle]
        if not where and working:
            where.append(f"lots are processed ({', '.join(working)}) but none reaches the exit: does the "
                         "routing (next:, rework:) loop without a way out?")
        detail = "; ".join(where) or "no station finished a lot"
        if blocked and len(blocked) == len(stations):
            detail = "deadlock: " + detail
        warnings.append(f"no good cell left the line in {length_h:,.4g} h of any replication; {detail}")
    elif idle:
        detail = ", ".join(f"{n} (starved {_share(stations[n], 'starved')}, blocked {_share(stations[n], 'blocked')})"
                           for n in idle)
        warnings.append(f"stations that finished no lot in the window: {detail}; an assembly input or a route "
                        "that is never fed makes its station wait for ever")
    reason = None
    if no_output:
        reason = "the line made no good cells, so no station constrained its output (see the warnings)"
    return warnings, reason


def _share(station: StationResult, state: str) -> str:
    value = _mean(station.states.get(state))
    return "n/a" if math.isnan(value) else f"{value * 100:.0f} %"

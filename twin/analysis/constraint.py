"""The throughput constraint: which station, given a fair capacity step, buys the most good output.

Cheap first. Every station's load is set against its capacity over the hours it can actually work
(on shift and up), so a station that runs all week beside one that works Monday to Saturday is
judged on its own calendar: the load ratio. In a line every station carries the line's flow, so
the station with the largest load ratio is the one with the least spare capacity, the constraint.
Roser's active-period shares (the momentary bottleneck) answer another question, who is busy and
queued right now, and a station with a queue that builds all week and drains on Sunday leads
them without limiting output.

The load ratio decides alone when one station leads it clearly (by SEPARATION, paired over
replications) and is saturated (above SATURATED). Otherwise the few stations it cannot separate,
plus any walk turning point close behind the leader, are `unresolved`, and
twin.experiments.replications runs paired +10% steps (common random numbers) for them only;
`resolve` then names the station whose step buys the most, when that gain is significant and
significantly larger than the runner-up's. Pure: no SimPy, no scenario.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, Optional, Sequence

import numpy as np

from twin.analysis.improvement import walk_arrows
from twin.analysis.statistics import estimate, half_width
from twin.sim.results import BottleneckResult, Estimate, ReplicationResult, StationLoad, StepGain

SEPARATION = 0.05
"""Load-ratio lead (absolute) the leader needs over every other station to be named without paired runs."""
SATURATED = 0.90
"""Below this load ratio the leader may be limited by the release rather than by its capacity."""
WALK_MARGIN = 0.15
"""A walk turning point (neither starved nor blocked) this close behind a leader that has an arrow is tested too."""
MAX_PAIRED = 3
"""Most stations the paired runs try: screening keeps the cost at a few runs of the replications."""


PAIRED_RUNS: ContextVar[bool] = ContextVar("paired_runs", default=True)
"""Whether twin.experiments.replications.aggregate may add paired runs to settle the verdict."""


@contextmanager
def paired_runs(enabled: bool) -> Iterator[None]:
    """Turn the verdict's paired runs on or off for the aggregations inside (off for the variants an
    analysis replicates: nobody reads their own verdict)."""
    token = PAIRED_RUNS.set(enabled)
    try:
        yield
    finally:
        PAIRED_RUNS.reset(token)


def load_ratios(replications: Sequence[ReplicationResult]) -> dict[str, tuple[list[float], list[float], list[float]]]:
    """Per station, per replication: (load per hour, calendar capacity per hour, load ratio)."""
    out: dict[str, tuple[list[float], list[float], list[float]]] = {}
    for name in replications[0].stations:
        loads, capacities, ratios = [], [], []
        for r in replications:
            st = r.stations[name]
            available = 1.0 - sum((st.states.get(k) or 0.0) for k in ("off_shift", "down", "setup"))
            capacity = st.capacity_per_h * available
            load = st.processed_per_h
            loads.append(load)
            capacities.append(capacity)
            ratios.append(load / capacity if capacity > 0 and math.isfinite(capacity) and math.isfinite(load)
                          else math.nan)
        out[name] = (loads, capacities, ratios)
    return out


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else -math.inf


def _ahead(a: Sequence[float], b: Sequence[float], margin: float = 0.0) -> bool:
    """The paired difference a - b has a 95% t-interval above `margin`."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    diff = diff[np.isfinite(diff)]
    if len(diff) < 2:
        return False
    return float(diff.mean()) - half_width(diff) > margin


def judge_by_load(
    replications: Sequence[ReplicationResult], momentary: Optional[str], candidates: list[str], ranking: list[str],
    share: dict[str, Estimate], steps: Optional[dict[str, str]] = None,
) -> BottleneckResult:
    """The verdict from the cheap signals alone; `unresolved` lists the stations paired runs must settle."""
    ratios = load_ratios(replications)
    names = list(ratios)
    mean_states = {n: {k: estimate([r.stations[n].states[k] for r in replications]).mean
                       for k in replications[0].stations[n].states} for n in names}
    arrows = walk_arrows(mean_states)
    load = {
        n: StationLoad(load_per_h=estimate(ratios[n][0]), capacity_per_h=estimate(ratios[n][1]),
                       load_ratio=estimate(ratios[n][2]), walk=arrows[n], step=(steps or {}).get(n, ""))
        for n in names
    }
    order = sorted(names, key=lambda n: -_mean(ratios[n][2]))
    leader = order[0] if order and math.isfinite(_mean(ratios[order[0]][2])) else None
    unresolved: list[str] = []
    if leader is not None:
        top = _mean(ratios[leader][2])
        close = [n for n in order[1:] if math.isfinite(_mean(ratios[n][2]))
                 and not _ahead(ratios[leader][2], ratios[n][2], SEPARATION)]
        turning = [n for n in order[1:] if arrows[leader] is not None and arrows[n] is None
                   and _mean(ratios[n][2]) >= top - WALK_MARGIN and n not in close]
        if close or turning or top < SATURATED:
            unresolved = ([leader] + close + turning)[:MAX_PAIRED]
    primary = leader if leader is not None and not unresolved else None
    result = BottleneckResult(
        primary=primary, momentary=momentary, candidates=candidates, ranking=ranking,
        share=share, method="load" if not unresolved else "unresolved", constraint_ranking=order, load=load,
        unresolved=unresolved,
    )
    return _with_next_and_why(result, replications)


def resolve(result: BottleneckResult, gains: dict[str, tuple[str, list[float]]],
            replications: Sequence[ReplicationResult]) -> BottleneckResult:
    """Settle the unresolved stations by paired gains: station -> (step, per-replication gain in
    good cells/h). The largest gain is the constraint when it is significant and significantly
    larger than every other tried station's (paired by replication); else None."""
    tried = sorted(gains, key=lambda n: -_mean(gains[n][1]))
    sensitivity = [
        StepGain(station=n, step=gains[n][0], throughput_gain_per_h=estimate(gains[n][1]),
                 significant=_ahead(gains[n][1], [0.0] * len(gains[n][1])))
        for n in tried
    ]
    primary = None
    if tried and sensitivity[0].significant and all(_ahead(gains[tried[0]][1], gains[n][1]) for n in tried[1:]):
        primary = tried[0]
    rest = [n for n in result.constraint_ranking if n not in tried]
    settled = result.model_copy(update={
        "primary": primary, "method": "paired", "sensitivity": sensitivity, "constraint_ranking": tried + rest,
        "paired_replications": len(tried) * len(replications),
        "unresolved": [] if primary else [n for n in tried if not _ahead(gains[tried[0]][1], gains[n][1])],
    })
    return _with_next_and_why(settled, replications)


def _with_next_and_why(result: BottleneckResult, replications: Sequence[ReplicationResult]) -> BottleneckResult:
    nxt, headroom = None, None
    if result.primary is not None:
        others = [n for n in result.constraint_ranking if n != result.primary]
        if others:
            nxt = others[0]
            loads = result.load
            r_p = loads[result.primary].load_ratio.mean if result.primary in loads else None
            r_n = loads[nxt].load_ratio.mean if nxt in loads else None
            if r_p and r_n and r_n > 0:
                headroom = r_p / r_n - 1.0
    return result.model_copy(update={"next": nxt, "next_headroom": headroom,
                                     "why": why_they_differ(result, replications)})


def why_they_differ(result: BottleneckResult, replications: Sequence[ReplicationResult]) -> Optional[str]:
    """One plain sentence when the momentary bottleneck (or, when none is significant, the
    active-period leader) is not the constraint (None when they agree)."""
    m, p = result.momentary or (result.ranking[0] if result.candidates else None), result.primary
    if m is None or m == p or m not in result.load:
        return None
    r_m = result.load[m].load_ratio.mean or 0.0
    share = result.share[m].mean or 0.0
    busy = f"{m} is busiest (the bottleneck {share:.0%} of the time) but has {max(0.0, 1 - r_m):.0%} slack " \
           f"against its capacity over the hours it can work"
    if p is None:
        tied = ", ".join(result.unresolved) or "no station"
        return f"{busy}; no station's capacity limits output significantly ahead of the others ({tied})."
    r_p = result.load[p].load_ratio.mean or 0.0
    off = {n: estimate([r.stations[n].states.get("off_shift", 0.0) for r in replications]).mean or 0.0 for n in (m, p)}
    calendar = ""
    if off[p] > off[m] + 0.02:
        calendar = f" (it works more hours than {p}: its queue builds while {p} works and drains while {p} is off shift)"
    how = "the paired +10% steps show it" if result.method == "paired" else f"it runs at {r_p:.0%} of its on-shift capacity"
    return f"{busy}{calendar}; {p} sets output: {how}."


def headline(result: BottleneckResult) -> str:
    """The verdict in one plain sentence (the CLI footer and the dashboard headline say the same)."""
    p = result.primary
    if result.reason:
        return f"No station is named: {result.reason}."
    if result.method == "not stored":
        leader = result.momentary or (", ".join(result.candidates) or "none")
        return f"This run was stored before the throughput-constraint verdict; its active-period leader is {leader}."
    if p is not None:
        load = result.load.get(p)
        ratio = f", load {load.load_ratio.mean:.0%} of its on-shift capacity" if load and load.load_ratio.mean else ""
        how = {"load": "by load against calendar capacity", "paired": "by paired capacity steps of about +10%"}.get(result.method, "")
        gain = next((g for g in result.sensitivity if g.station == p), None)
        bought = (f"; {gain.step} buys {_signed(gain.throughput_gain_per_h.mean)} good cells/h" if gain and
                  gain.throughput_gain_per_h.mean is not None else "")
        return f"{p} limits output ({how}{ratio}{bought})."
    if result.method == "unresolved":
        return ("No constraint named yet: the load cannot separate " + ", ".join(result.unresolved)
                + f" and the paired runs that would decide were not run ({result.paired_not_run or 'an unfinished run'}).")
    tried = ", ".join(result.unresolved) if result.unresolved else ", ".join(g.station for g in result.sensitivity)
    if result.sensitivity and not any(g.significant for g in result.sensitivity):
        return f"No station limits output: a +10% capacity step at {tried} buys no significant output."
    return f"No single station limits output significantly ahead of the others: {tried} cannot be told apart."


def next_sentence(result: BottleneckResult) -> Optional[str]:
    """What binds next once the primary is relieved."""
    if result.primary is None or result.next is None:
        return None
    if result.next_headroom is None:
        return f"Next to bind: {result.next}."
    return (f"Next to bind: {result.next}, once {result.primary} gives about {result.next_headroom:+.0%} more output "
            f"(its load ratio against {result.next}'s).")


def _signed(value: float) -> str:
    """A gain with three significant digits and its sign (+51.2, +0.0385)."""
    return f"{value:+,.1f}" if abs(value) >= 10 else f"{value:+.3g}"

"""The bottleneck analysis on lines whose bottleneck is known by construction, the active period
method on hand-made periods, and the loss waterfall's bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from twin.sim.active_period import active_period_shares, longest_covering
from twin.analysis.verdict import verdict
from twin.analysis.bottleneck import analyse
from twin.experiments.replications import run_replications
from twin.analysis.losses import loss_waterfall
from twin.spec.scenario import Scenario


def serial_line(stations: list[dict], length: str = "3000 h", replications: int = 10) -> Scenario:
    return Scenario.model_validate({
        "name": "known-bottleneck",
        "run": {"warmup": "100 h", "length": length, "replications": replications, "seed": 5},
        "sources": [{"name": "supply", "to": stations[0]["name"], "release": "saturated"}],
        "stations": stations,
    })


def station(name: str, mean_h: float = 1.0, **extra) -> dict:
    return {"name": name, "buffer": 3, "cycle_time": {"dist": "exponential", "mean": f"{mean_h} h"}, **extra}


def analysis_of(s: Scenario, top: int = 3):
    base = run_replications(s, workers=2)
    return analyse(s, base, lambda variant: run_replications(variant, workers=2), top=top), base


def test_active_periods_by_hand():
    # a active [0, 10]; b active [8, 12] and [14, 20]: a leads to 10, shifting with b on [8, 10],
    # b sole on [10, 12] and [14, 20], nobody on [12, 14]
    shares = active_period_shares([(np.array([0.0]), np.array([10.0])),
                                   (np.array([8.0, 14.0]), np.array([12.0, 20.0]))], 0.0, 20.0)
    assert shares.sole.tolist() == pytest.approx([8 / 20, 8 / 20])
    assert shares.shifting.tolist() == pytest.approx([2 / 20, 2 / 20])


def test_verdict_needs_a_significant_lead():
    assert verdict({"a": [0.6, 0.62, 0.61], "b": [0.2, 0.21, 0.2]}).primary == "a"
    tie = verdict({"a": [0.5, 0.3, 0.45], "b": [0.4, 0.45, 0.4]})
    assert tie.primary is None and tie.candidates == ["a", "b"]


@pytest.mark.slow
def test_a_slow_middle_station_is_the_bottleneck_and_improving_it_pays_most():
    s = serial_line([station("first"), station("middle", 1.4), station("last")])
    result, _ = analysis_of(s)
    assert result.primary == "middle"
    assert result.stations["first"].walk == "downstream"  # blocked by the middle
    assert result.stations["last"].walk == "upstream"  # starved by the middle
    assert result.improvements[0].station == "middle" and result.improvements[0].significant


@pytest.mark.slow
def test_a_station_that_fails_more_often_is_the_bottleneck_though_all_work_equally():
    failing = {"failures": {"ttf": {"dist": "exponential", "mean": "20 h"},
                            "ttr": {"dist": "exponential", "mean": "4 h"}}}
    s = serial_line([{**station("first"), "cycle_time": "1 h"}, {**station("middle", **failing), "cycle_time": "1 h"},
                     {**station("last"), "cycle_time": "1 h"}])
    result, base = analysis_of(s)
    # equal constant cycle times and one flow: every station works the same share of the time, so
    # the utilisation method cannot tell them apart (they differ only by the lots in the buffers)
    working = {n: np.mean([r.stations[n].states["working"] for r in base]) for n in ("first", "middle", "last")}
    assert max(working.values()) - min(working.values()) < 0.002
    assert result.primary == "middle"


@pytest.mark.slow
def test_a_balanced_line_has_no_significant_bottleneck():
    s = serial_line([station("first"), station("middle"), station("last")])
    result, _ = analysis_of(s, top=1)
    assert result.primary is None
    assert len(result.candidates) >= 2


def test_waterfall_parts_sum_to_ideal_minus_actual():
    failing = {"failures": {"ttf": {"dist": "exponential", "mean": "20 h"},
                            "ttr": {"dist": "exponential", "mean": "2 h"}}}
    s = serial_line([station("first"),
                     station("middle", 1.2, **failing, **{"yield": 0.9}),
                     station("last", **{"yield": 0.95})], replications=4)
    base = run_replications(s)
    waterfall = loss_waterfall(s, base, "middle")
    for i, replication in enumerate(base):
        ideal = waterfall.ideal_per_h.values[i]
        losses = sum(step.cells_per_h.values[i] for step in waterfall.steps)
        assert ideal - losses == pytest.approx(replication.line.throughput_per_h, rel=1e-9)
    causes = {step.cause: step.cells_per_h.mean for step in waterfall.steps if step.station == "middle"}
    assert causes["downtime"] > 0 and causes["blocking (downstream)"] > 0
    scrap = {step.station: step.cells_per_h.mean for step in waterfall.steps if step.cause == "scrap"}
    assert set(scrap) == {"middle", "last"} and scrap["middle"] > scrap["last"] > 0


def _covering_by_searching_every_midpoint(starts, ends, offsets, mids):
    """The sweep's predecessor (until 30 Nov 2026), kept as its oracle: for each midpoint and each
    station, a binary search of the station's periods for the one covering it."""
    bottleneck = np.full(len(mids), -1, dtype=np.int32)
    period = np.full(len(mids), -1, dtype=np.int64)
    best = np.full(len(mids), -1.0)
    for station in range(len(starts)):
        if len(starts[station]) == 0:
            continue
        idx = np.searchsorted(starts[station], mids, side="right") - 1
        safe = np.maximum(idx, 0)
        duration = ends[station][safe] - starts[station][safe]
        covering = (idx >= 0) & (ends[station][safe] > mids) & (duration > best)
        best[covering] = duration[covering]
        bottleneck[covering] = station
        period[covering] = offsets[station] + idx[covering]
    return bottleneck, period


@st.composite
def _stations_periods(draw):
    """Up to 6 stations' disjoint, ordered periods on a coarse grid with tiny nudges (equal lengths,
    shared ends, intervals one double wide: the ties and roundings a run produces)."""
    step = draw(st.sampled_from([1.0, 1e5, 3e7]))
    stations = []
    for _ in range(draw(st.integers(1, 6))):
        cuts = sorted(set(draw(st.lists(st.integers(0, 60), max_size=24))))
        # a time, the next double after it (an interval whose midpoint rounds onto one of its ends), or half a step on
        nudges = [draw(st.sampled_from([0, 1, 2])) for _ in cuts]
        nudged = sorted({[c * step, np.nextafter(c * step, np.inf), (c + 0.5) * step][n] for c, n in zip(cuts, nudges)})
        pairs = [(a, b) for a, b in zip(nudged[::2], nudged[1::2]) if b > a]
        stations.append((np.array([a for a, _ in pairs]), np.array([b for _, b in pairs])))
    start = step * draw(st.sampled_from([0, 1, 25]))
    return stations, start, start + step * draw(st.sampled_from([10, 30, 60]))


@settings(max_examples=300, deadline=None)
@given(_stations_periods())
def test_the_sweep_finds_the_bottleneck_a_search_per_midpoint_finds(case):
    periods, start, end = case
    starts, ends = [p[0] for p in periods], [p[1] for p in periods]
    offsets = np.cumsum([0] + [len(s) for s in starts])
    breaks = np.unique(np.concatenate([[start, end], *starts, *ends]))
    breaks = breaks[(breaks >= start) & (breaks <= end)]
    mids = breaks[:-1] + np.diff(breaks) / 2
    swept = longest_covering(starts, ends, offsets, mids)
    searched = _covering_by_searching_every_midpoint(starts, ends, offsets, mids)
    assert np.array_equal(swept[0], searched[0]) and np.array_equal(swept[1], searched[1])

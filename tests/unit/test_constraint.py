"""The throughput constraint (bottleneck.primary) on lines whose constraint is known by
construction, against Roser's momentary bottleneck, and the fair capacity step of every kind."""

from __future__ import annotations

import pytest

from twin.analysis.constraint import resolve
from twin.analysis.improvement import fair_step, improved
from twin.experiments.replications import aggregate, paired_gains, run_replications
from twin.sim.results import BottleneckResult, Estimate
from twin.spec.scenario import Scenario, StationSpec


def scenario(stations: list[dict], sources: list[dict], length_h: float, warmup_h: float,
             replications: int = 10, seed: int = 7, **extra) -> Scenario:
    return Scenario.model_validate({
        **extra, "name": "known-constraint",
        "run": {"warmup": f"{warmup_h} h", "length": f"{length_h} h", "replications": replications, "seed": seed},
        "sources": sources, "stations": stations,
    })


def verdict_of(s: Scenario) -> BottleneckResult:
    return aggregate(s, run_replications(s), s.run.seed).bottleneck


def exponential(mean_h: float) -> dict:
    return {"dist": "exponential", "mean": f"{mean_h} h"}


@pytest.mark.slow
def test_a_station_off_two_days_a_week_is_the_constraint_though_the_all_week_one_is_busier():
    # the case: s1 works 5 days round the clock (120 lots/week), s2 7 days at 1.36 h
    # (123.5 lots/week, 3% more); s2's queue builds Mon-Fri and drains at the weekend, so s2
    # leads the active-period shares (0.95 against 0.33) while s1 sets output
    s = scenario(
        stations=[{"name": "s1", "cycle_time": exponential(1.0)},
                  {"name": "s2", "cycle_time": "1.36 h", "shifts": False}],
        sources=[{"name": "supply", "to": "s1", "release": "saturated"}],
        length_h=168 * 20, warmup_h=168,
        calendar={"shifts_per_day": 1, "shift_length": "24 h", "days_per_week": 5},
    )
    verdict = verdict_of(s)
    assert verdict.momentary == "s2"
    assert verdict.primary == "s1"
    assert verdict.why is not None and verdict.why.startswith("s2 is busiest")
    # the load ratios are about 3% apart (0.99 against 0.96): the paired +10% steps decide
    assert verdict.method == "paired" and verdict.paired_replications == 2 * s.run.replications
    gains = {g.station: g for g in verdict.sensitivity}
    assert gains["s1"].significant and not gains["s2"].significant
    assert verdict.load["s2"].walk == "upstream" and verdict.load["s1"].walk is None


def test_a_slow_middle_station_is_named_by_its_load_alone():
    s = scenario(
        stations=[{"name": "first", "buffer": 3, "cycle_time": exponential(1.0)},
                  {"name": "middle", "buffer": 3, "cycle_time": exponential(1.5)},
                  {"name": "last", "buffer": 3, "cycle_time": exponential(1.0)}],
        sources=[{"name": "supply", "to": "first", "release": "saturated"}], length_h=2000, warmup_h=100)
    verdict = verdict_of(s)
    assert verdict.primary == "middle" and verdict.method == "load" and verdict.paired_replications == 0
    assert verdict.load["first"].walk == "downstream" and verdict.load["last"].walk == "upstream"
    assert verdict.next in ("first", "last") and verdict.next_headroom > 0
    assert sorted(verdict.constraint_ranking) == ["first", "last", "middle"]  # every station ranked


def test_a_line_fed_below_its_capacity_names_no_constraint():
    # Poisson arrivals at half the capacity of either station: no capacity step buys output
    s = scenario(
        stations=[{"name": "a", "cycle_time": exponential(1.0)}, {"name": "b", "cycle_time": exponential(1.0)}],
        sources=[{"name": "arrivals", "to": "a", "interarrival": exponential(2.0)}], length_h=2000, warmup_h=100)
    verdict = verdict_of(s)
    assert verdict.primary is None
    assert verdict.method == "paired" and verdict.sensitivity
    assert not any(g.significant for g in verdict.sensitivity)


def test_a_balanced_line_never_names_a_station_that_buys_significantly_less():
    s = scenario(
        stations=[{"name": "a", "buffer": 2, "cycle_time": exponential(1.0)},
                  {"name": "b", "buffer": 2, "cycle_time": exponential(1.0)}],
        sources=[{"name": "supply", "to": "a", "release": "saturated"}], length_h=1000, warmup_h=50)
    replications = run_replications(s)
    verdict = aggregate(s, replications, s.run.seed).bottleneck
    assert verdict.method == "paired"
    if verdict.primary is not None:
        gains = paired_gains(s, replications, s.run.seed, 50.0, ["a", "b"])
        chosen = gains[verdict.primary][1]
        for name, (_, other) in gains.items():
            diff = [c - o for c, o in zip(chosen, other)]
            assert sum(diff) / len(diff) >= 0 or name == verdict.primary


def _gain(values: list[float]) -> tuple[str, list[float]]:
    return "+10% rate", values


def _empty_verdict(names: list[str]) -> BottleneckResult:
    return BottleneckResult(primary=None, ranking=names, share={n: Estimate(mean=0.0, ci95=(0, 0), values=[]) for n in names},
                            method="unresolved", constraint_ranking=names, unresolved=names)


def test_paired_gains_name_the_largest_only_when_it_is_significantly_ahead():
    clear = resolve(_empty_verdict(["a", "b"]), {"a": _gain([5.0, 5.2, 4.9, 5.1]), "b": _gain([1.0, 1.1, 0.9, 1.2])}, [])
    assert clear.primary == "a" and clear.constraint_ranking[0] == "a"
    tied = resolve(_empty_verdict(["a", "b"]), {"a": _gain([5.0, 3.0, 4.0, 6.0]), "b": _gain([4.0, 5.0, 4.5, 4.0])}, [])
    assert tied.primary is None and set(tied.unresolved) == {"a", "b"}
    nothing = resolve(_empty_verdict(["a"]), {"a": _gain([0.1, -0.1, 0.05, -0.05])}, [])
    assert nothing.primary is None


def _spec(**data) -> StationSpec:
    return Scenario.model_validate({
        "name": "x", "run": {"warmup": "1 h", "length": "2 h"},
        "sources": [{"name": "supply", "to": data["name"], "release": "saturated"}], "stations": [data],
    }).stations[0]


def test_the_fair_step_of_a_batch_station_adds_racks_never_a_shorter_recipe():
    racks = _spec(name="formation", template="formation", machines=70, batch={"min": 4, "max": 4}, buffer=40)
    stepped, label = fair_step(racks)
    assert stepped.machines == 77 and label == "+7 racks (+10%)"
    assert stepped.cycle_time == racks.cycle_time
    oven = _spec(name="oven", kind="batch", machines=1, batch={"min": 1, "max": 20}, cycle_time="10 h", buffer=20)
    stepped, label = fair_step(oven)
    assert stepped.batch.max == 22 and stepped.machines == 1 and stepped.cycle_time == oven.cycle_time
    assert label == "+2 lots per load (+10%)"


def test_the_step_shown_is_the_step_simulated_when_ten_percent_falls_on_a_half():
    """65 racks: 10 % is 6.5. The station table (fair_step at 0.10) and the paired runs (improved, at
    1.1 - 1) must name and simulate the same step."""
    racks = _spec(name="formation", template="formation", machines=65, batch={"min": 4, "max": 4}, buffer=40)
    shown, label = fair_step(racks)
    simulated = next(s for s in improved(Scenario.model_validate({
        "name": "half", "run": {"warmup": "0 h", "length": "10 h"},
        "sources": [{"name": "s", "to": "formation", "release": "saturated"}],
        "stations": [racks.model_dump(mode="json", by_alias=True, exclude_none=True)]}), "formation", "fair")[0].stations)
    assert shown.machines == simulated.machines == 72 and label == "+7 racks (+11%)"


def test_the_fair_step_of_a_dwell_store_adds_places_never_a_shorter_dwell():
    store = _spec(name="aging", template="aging", capacity=6000)
    stepped, label = fair_step(store)
    assert stepped.capacity == 6600 and stepped.cycle_time == store.cycle_time and label == "+600 places (+10%)"


def test_the_fair_step_of_a_machine_is_ten_percent_rate():
    machine = _spec(name="winding", cycle_time="1.1 h")
    stepped, label = fair_step(machine)
    assert stepped.cycle_time.value == pytest.approx(3600.0) and label == "+10% rate"


def test_a_result_stored_before_the_constraint_verdict_keeps_its_leader_as_the_momentary_bottleneck():
    old = {"primary": "formation", "candidates": ["formation"], "ranking": ["formation", "winding"], "share": {}}
    stored = BottleneckResult.model_validate(old)
    assert stored.momentary == "formation" and stored.primary is None and stored.method == "not stored"


def test_variants_of_a_step_are_legal_scenarios():
    s = scenario(stations=[{"name": "rest", "kind": "dwell", "capacity": 10, "cycle_time": "2 h"}],
                 sources=[{"name": "supply", "to": "rest", "interarrival": "1 h"}], length_h=10, warmup_h=1)
    variant, step = improved(s, "rest", "fair")
    assert variant.stations[0].capacity == 11 and step == "+1 places (+10%)"

"""Planning: the cheapest configuration that meets a KPI target. On a deterministic line the answer
is known by construction (capacity arithmetic); on a stochastic one the chosen plan must pass a
fresh-seed check and each field one step lower must miss; unreachable targets and bad input are
clear answers; a stopped plan resumes from the results store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.experiments.lines import build, exponential, write
from twin.cli.main import main
from twin.experiments.plan import (
    CostModel, PlanError, PlanOptions, Target, VaryRange, capacity_bounds, expand_ranges, find_plan, load_costs,
    parse_target, parse_vary, station_costs,
)
from twin.service.planning import StoreMemory
from twin.store.database import Store

MACHINES = [f"stations.s{i}.machines=1..12" for i in (1, 2, 3)]


def three_stations(minutes=(10, 25, 7), *, stochastic: bool = False, length_h: float = 60.0, buffer: int = 10) -> dict:
    """A saturated serial line s1 -> s2 -> s3; constant times per cell unless stochastic (then
    exponential, with failures of mean 10 h up / 30 min down)."""
    def station(name: str, mean_min: float) -> dict:
        spec = {"name": name, "buffer": buffer,
                "cycle_time": exponential(mean_min) if stochastic else f"{mean_min} min"}
        if stochastic:
            spec["failures"] = {"ttf": exponential(600.0), "ttr": exponential(30.0)}
        return spec

    return {
        "name": "three", "run": {"warmup": "10 h", "length": f"{length_h} h", "replications": 5, "seed": 3},
        "sources": [{"name": "supply", "to": "s1", "release": "saturated"}],
        "stations": [station(f"s{i + 1}", m) for i, m in enumerate(minutes)],
    }


def test_the_saturated_three_station_line_plans_exactly_4_9_3():
    # 20 cells/h needs 20 x 10/60 = 3.3 -> 4, 20 x 25/60 = 8.3 -> 9 and 20 x 7/60 = 2.3 -> 3 machines
    plan = find_plan(build(three_stations()), parse_target("throughput_per_h=20"), [parse_vary(t) for t in MACHINES])
    assert plan.feasible
    assert plan.best == {"stations.s1.machines": 4, "stations.s2.machines": 9, "stations.s3.machines": 3}
    assert plan.cost == 16
    assert plan.check is not None and plan.check.meets and plan.check.mean == pytest.approx(21.6)  # 9 x 60/25
    assert plan.kpis["throughput_per_h"].mean == pytest.approx(21.6)
    assert {item.path: item.value for item in plan.lowered} == {
        "stations.s1.machines": 3, "stations.s2.machines": 8, "stations.s3.machines": 2}
    assert all(item.reason == "capacity" for item in plan.lowered)


def test_capacity_bounds_count_availability_and_the_scrap_downstream():
    data = three_stations((10, 10, 10))
    data["stations"][2]["yield"] = 0.8  # s3 scraps a fifth: s1 and s2 must make 25 cells/h for 20 good ones
    data["stations"][1]["failures"] = {"ttf": "9 h", "ttr": "1 h"}  # s2 is up 90 % of the time
    scenario = build(data)
    ranges = [parse_vary(t) for t in MACHINES]
    top = build({**data, "stations": [{**s, "machines": 12} for s in data["stations"]]})
    from twin.experiments.replications import run_replications

    results = run_replications(top, replications=3)
    bounds = capacity_bounds(top, ranges, results, Target(kpi="throughput_per_h", value=20))
    # s1: 25 cells/h x 10 min = 4.17 -> 5 at least (the estimate of the scrap share is noisy: 4 or 5);
    # s2: 4.17 / 0.9 = 4.6 -> 5; s3: 25 x 10/60 = 4.17 -> 5 (it processes the cells it scraps)
    assert 4 <= bounds["stations.s1.machines"] <= 5
    assert 4 <= bounds["stations.s2.machines"] <= 5 and bounds["stations.s2.machines"] >= bounds["stations.s1.machines"]
    assert scenario.station("s2").machines == 1  # the scenario itself is untouched


@pytest.mark.slow
def test_a_stochastic_plan_meets_in_a_fresh_check_and_each_field_one_step_lower_misses():
    scenario = build(three_stations(stochastic=True, length_h=200.0, buffer=4))
    plan = find_plan(scenario, parse_target("throughput_per_h=20"), [parse_vary(t) for t in MACHINES])
    assert plan.feasible and plan.check is not None and plan.check.meets
    assert plan.check.lower_bound >= 20 and plan.check.stage == "check"
    assert plan.check.replications >= 5
    for item in plan.lowered:  # every field: out of range, below the capacity bound, or simulated and missing
        assert item.reason in ("capacity", "simulation")
        if item.reason == "simulation":
            assert item.check is not None and not item.check.meets
    assert len(plan.lowered) == 3
    # with failures, capacity arithmetic alone is not enough: the simulation adds machines to it
    assert sum(plan.best.values()) > sum(plan.bounds.values())


def test_a_target_beyond_the_ranges_is_a_clear_no():
    plan = find_plan(build(three_stations()), parse_target("throughput_per_h=40"),
                     [parse_vary(t.replace("..12", "..6")) for t in MACHINES])
    assert not plan.feasible and plan.best is None and plan.check is None
    assert plan.message.startswith("no plan meets throughput_per_h >= 40")
    assert "stations.s2.machines would need more than the top of its range" in plan.message


def test_a_target_the_source_cannot_feed_is_a_clear_no():
    data = three_stations()
    data["sources"] = [{"name": "supply", "to": "s1", "interarrival": "6 min"}]  # 10 lots/h at most
    plan = find_plan(build(data), parse_target("throughput_per_h=20"), [parse_vary(t) for t in MACHINES])
    assert not plan.feasible
    assert "even with every varied field at the top of its range, throughput_per_h is 10" in plan.message


def test_a_stopped_plan_resumes_from_the_store(tmp_path):
    scenario, target = build(three_stations()), parse_target("throughput_per_h=20")
    ranges = [parse_vary(t) for t in MACHINES]
    with Store(tmp_path / "runs.sqlite") as store:
        first = find_plan(scenario, target, ranges, memory=StoreMemory(store, "one"))
        simulated: list[int] = []
        again = find_plan(scenario, target, ranges, memory=StoreMemory(store, "two"),
                          on_replication=lambda: simulated.append(1))
    assert simulated == []  # every replication read back
    assert again.best == first.best and again.check == first.check
    assert again.replications_recalled == again.replications_run == first.replications_run
    assert again.evaluations == first.evaluations


def test_storing_a_plans_runs_simulates_nothing_more(tmp_path, monkeypatch):
    """A stored configuration keeps its verdict by load: the paired +10 % runs that resolve a close
    verdict would cost as much again per unresolved station, serially in the planning process, for
    every configuration tried (they made the 10 GWh plan's screening 5x slower)."""
    import twin.experiments.replications as replications

    scenario = build(three_stations((10, 10, 10), stochastic=True))
    results = replications.run_replications(scenario, replications=2)
    simulated: list[int] = []
    run_tasks = replications.run_tasks
    monkeypatch.setattr(replications, "run_tasks",
                        lambda tasks, *args, **kw: simulated.append(len(tasks)) or run_tasks(tasks, *args, **kw))
    assert replications.aggregate(scenario, results, 3).bottleneck.unresolved  # three equal stations: a close call
    assert simulated == [6]  # ... that a plain aggregate resolves by paired runs (3 stations x 2 replications)
    simulated.clear()
    with Store(tmp_path / "runs.sqlite") as store:
        StoreMemory(store, "one").keep(scenario, 3, "stations.s1.machines=1 (screen)", results)
        [run] = [r for r in store.runs() if r.kind == "plan"]
        assert [r.replication for r in store.replications(run.id)] == [0, 1]
    assert simulated == []


def test_a_miss_of_a_plan_with_as_much_of_every_field_is_the_evidence_for_a_smaller_one():
    """The trim does not re-run a lowered plan that a full-run miss dominates (fewer or equal units
    everywhere make no more on these lines), and never borrows the evidence of a plan it exceeds."""
    from twin.experiments.executors import InlineExecutor
    from twin.experiments.plan import _dominating_miss, _Runner

    scenario = build(three_stations())
    ranges = [parse_vary(t) for t in MACHINES]
    runner = _Runner(scenario, ranges, Target(kpi="throughput_per_h", value=20), PlanOptions(costs=CostModel()), 3,
                     InlineExecutor(), None, None)
    missed = runner.decide((4, 8, 3), budgeted=False)  # s2: 8 x 60/25 = 19.2 cells/h < 20
    assert not missed.meets
    assert _dominating_miss(runner, (3, 8, 3)) == missed and _dominating_miss(runner, (4, 8, 2)) == missed
    assert _dominating_miss(runner, (4, 9, 3)) is None  # more of s2 than the miss had: no evidence
    assert _dominating_miss(runner, (4, 8, 3)) is None  # its own runs are not "another plan's"
    assert runner.decide((4, 9, 3), budgeted=False).meets
    assert _dominating_miss(runner, (3, 9, 3)) is None  # a plan that met is no evidence of a miss


def test_costs_steer_the_plan_and_bad_cost_files_are_clear(tmp_path):
    costs = CostModel(unit_costs={"stations.s2.*": 5, "stations.*.buffer": 0.5})
    assert costs.unit("stations.s2.machines") == 5 and costs.unit("stations.s1.buffer") == 0.5
    assert costs.unit("stations.s1.machines") == 1 and CostModel().unit("stations.s1.buffer") == 0.01
    assert costs.of({"stations.s1.machines": 4, "stations.s2.machines": 9}) == 49
    bad = tmp_path / "costs.yaml"
    bad.write_text("stations.s1.machines: cheap\n", encoding="utf-8")
    with pytest.raises(PlanError, match="the cost must be a non-negative number"):
        load_costs(bad)


def test_declared_capital_costs_the_plan_in_gbp_per_year():
    """Every varied station declares a `cost:`: the plan is costed at capital per machine per year (the
    station's capex over its machines in the file, over its life); the answer is still (4, 9, 3),
    because capacity forces each count, and its cost is the exact sum. One station without a cost
    makes the plan count units instead (GBP and counts do not add)."""
    data = three_stations()
    for station, capex in zip(data["stations"], ("1 M GBP", "6 M GBP", "0.5 M GBP")):
        station["cost"] = {"capex": capex, "life": "10 yr"}
    data["stations"][1]["machines"] = 2  # 6 M GBP for 2 machines: 0.3 M GBP per machine-year
    plan = find_plan(build(data), parse_target("throughput_per_h=20"), [parse_vary(t) for t in MACHINES])
    assert plan.best == {"stations.s1.machines": 4, "stations.s2.machines": 9, "stations.s3.machines": 3}
    assert plan.cost_basis == "GBP/yr"
    assert plan.cost == pytest.approx(4 * 100_000 + 9 * 300_000 + 3 * 50_000)
    del data["stations"][2]["cost"]
    ranges = expand_ranges(build(data), [parse_vary(t) for t in MACHINES])
    assert station_costs(build(data), ranges) is None


def test_a_template_station_is_costed_at_its_own_size_in_a_what_if():
    """The catalogue's cost is per machine: a what-if with more racks carries their capital."""
    from twin.experiments.sweep import apply_overrides
    from twin.spec.yaml_io import load_scenario

    base = load_scenario("scenarios/power_cell_line.yaml")
    bigger = apply_overrides(base, {"stations.formation.machines": 200})
    capex = {s.name: s.cost.capex for s in bigger.stations if s.cost is not None}
    assert capex["formation"] == pytest.approx(
        next(s.cost.capex for s in base.stations if s.name == "formation") * 200 / 180)


def test_vary_and_target_texts_are_checked():
    assert parse_vary("stations.f.machines=60..90:5") == VaryRange(path="stations.f.machines", low=60, high=90, step=5)
    assert parse_target("gwh_per_year=10") == Target(kpi="gwh_per_year", value=10.0)
    for text, message in (("stations.s1.machines=1-12", "write PATH=LO..HI"), ("x=5..2", r"LO \(5\) is larger")):
        with pytest.raises(PlanError, match=message):
            parse_vary(text)
    with pytest.raises(PlanError, match="unknown KPI 'output'"):
        parse_target("output=3")
    scenario = build(three_stations())
    assert [r.path for r in expand_ranges(scenario, [parse_vary("stations.*.buffer=0..20")])] == [
        "stations.s1.buffer", "stations.s2.buffer", "stations.s3.buffer"]
    with pytest.raises(PlanError, match="not a whole number"):
        expand_ranges(scenario, [parse_vary("stations.s1.yield=0..1")])
    with pytest.raises(PlanError, match="has no entry named 's9'"):
        expand_ranges(scenario, [parse_vary("stations.s9.machines=1..3")])


@pytest.mark.parametrize("args, message", [
    (["--vary", "stations.s1.machines=1-12"], "error: --vary 'stations.s1.machines=1-12': write PATH=LO..HI"),
    (["--vary", "stations.s7.machines=1..12"], "error: --vary stations.s7.machines: stations has no entry named 's7'"),
    (["--vary", "stations.s1.machines=1..12", "--target", "speed=3"], "error: --target 'speed=3': unknown KPI"),
    (["--vary", "stations.s1.machines=1..12", "--target", "throughput_per_h=lots"], "is not a number"),
    (["--vary", "stations.s1.machines=1..12", "--confidence", "1.5"], "error: --confidence 1.5"),
])
def test_bad_plan_input_is_one_line_and_exit_2(tmp_path, args, message):
    path = write(three_stations(), tmp_path / "three.yaml")
    if "--target" not in args:
        args = [*args, "--target", "throughput_per_h=20"]
    outcome = CliRunner().invoke(main, ["plan", str(path), *args, "--no-store"])
    assert outcome.exit_code == 2
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_the_plan_command_prints_the_contracted_json(tmp_path):
    path = write(three_stations(), tmp_path / "three.yaml")
    args = ["plan", str(path), "--target", "throughput_per_h=20", *sum((["--vary", t] for t in MACHINES), []),
            "--json", "--db", str(tmp_path / "runs.sqlite")]
    outcome = CliRunner().invoke(main, args)
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.stdout)
    assert data["best"] == {"stations.s1.machines": 4, "stations.s2.machines": 9, "stations.s3.machines": 3}
    assert data["cost"] == 16 and data["evaluations"] >= 1 and data["kpis"]["throughput_per_h"]["mean"] == 21.6
    with Store(tmp_path / "runs.sqlite") as store:
        [(run_id, _, stored)] = store.plans()
        assert store.run(run_id).kind == "plan" and stored.best == data["best"]


def test_an_unreachable_target_exits_1_with_the_reason(tmp_path):
    path = write(three_stations(), tmp_path / "three.yaml")
    outcome = CliRunner().invoke(main, ["plan", str(path), "--target", "throughput_per_h=40", "--no-store",
                                        "--vary", "stations.s2.machines=1..6"])
    assert outcome.exit_code == 1
    assert "no plan meets throughput_per_h >= 40" in outcome.stdout


@pytest.mark.slow
def test_buffer_slots_go_where_they_decouple_the_slow_stations():
    """s1 and s2 are equally slow and variable, s3 is ten times faster: a slot in front of s3 is
    never needed, a slot between s1 and s2 is (two-machine line: TH = 6 (B+2)/(B+3) per hour)."""
    data = three_stations((10, 10, 1), stochastic=True, length_h=300.0, buffer=2)
    for station in data["stations"]:
        station.pop("failures")
    plan = find_plan(build(data), parse_target("throughput_per_h=5"),
                     [parse_vary("stations.s2.buffer=0..10"), parse_vary("stations.s3.buffer=0..10")],
                     PlanOptions(total_buffer=10))
    assert plan.best is not None and sum(plan.best.values()) == 10
    assert plan.best["stations.s2.buffer"] >= 8
    assert plan.total_buffer == 10 and plan.check is not None and plan.check.meets


def test_a_total_buffer_the_ranges_cannot_hold_is_refused():
    with pytest.raises(PlanError, match="the ranges allow 0 to 10 slots"):
        find_plan(build(three_stations()), parse_target("throughput_per_h=5"),
                  [parse_vary("stations.s2.buffer=0..5"), parse_vary("stations.s3.buffer=0..5")],
                  PlanOptions(total_buffer=12))


def test_a_station_left_out_of_the_plan_is_named_when_it_holds_the_line_back():
    plan = find_plan(build(three_stations()), parse_target("throughput_per_h=20"),
                     [parse_vary(t) for t in MACHINES[:2]])  # s3: one machine of 7 min, 8.6 cells/h at most
    assert not plan.feasible
    assert plan.message.endswith("the bottleneck there is s3 (not varied)")


def test_the_background_job_entry_point_stores_the_plan_and_reports_progress(tmp_path):
    from twin.service.planning import run_plan_job

    seen: list[tuple[str, int, int]] = []
    out = run_plan_job(build(three_stations()), parse_target("throughput_per_h=20"),
                       [parse_vary(t) for t in MACHINES], PlanOptions(), str(tmp_path / "runs.sqlite"),
                       on_progress=lambda *step: seen.append(step))
    assert out["plan"]["best"] == {"stations.s1.machines": 4, "stations.s2.machines": 9, "stations.s3.machines": 3}
    assert {phase for phase, _, _ in seen} >= {"capacity screening", "independent check (fresh seeds)"}
    assert sum(1 for _, done, _ in seen if done > 0) == out["plan"]["replications_run"]
    with Store(tmp_path / "runs.sqlite") as store:
        assert [run_id for run_id, _, _ in store.plans()] == [out["run_id"]]

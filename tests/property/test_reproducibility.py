"""Reproducibility and common random numbers (validation.md, identity 5; DESIGN.md section 4).

The same scenario, seed and replication give an identical result, whatever the key order of the
YAML file and whichever executor runs it; every station draws from its own streams, keyed by its
name, so changing (or moving) one station leaves the others' random numbers unchanged.
"""

from __future__ import annotations

import pytest

import random

import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from twin.sim.engine import run_replication
from twin.experiments.replications import run_replications
from twin.sim.build import build
from twin.spec.rng import PURPOSES, Streams
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import parse_model

from tests.property.strategies import STATION_NAMES, bounded, replications, scenario_dicts, scenarios, stations

pytestmark = pytest.mark.slow  # hypothesis searches: CI runs them, the fast loop (-m "not slow") does not

DRAWS = 100


def shuffled(value, rng: random.Random):
    """The same data with every mapping's keys in a random order (lists keep their order)."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


def same(a, b) -> bool:
    # JSON, not model_dump(): results hold NaN (no waiting cells, no good cells), and nan != nan
    return a.model_dump_json() == b.model_dump_json()


@bounded(30)
@given(scenario=scenarios(), replication=replications(), seed=st.integers(0, 2**63))
def test_same_seed_and_replication_give_identical_results(scenario, replication, seed):
    first = run_replication(scenario, replication, seed)
    second = run_replication(scenario, replication, seed)
    assert same(first, second)


@bounded(30)
@given(data=scenario_dicts(), order=st.randoms(use_true_random=False), replication=replications())
def test_yaml_key_order_changes_nothing(data, order, replication):
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    other = yaml.safe_dump(shuffled(data, order), sort_keys=False, allow_unicode=True)
    a, b = parse_model(text, Scenario), parse_model(other, Scenario)
    assert a == b
    assert a.content_hash() == b.content_hash()
    assert same(run_replication(a, replication), run_replication(b, replication))


@bounded(4)
@given(scenario=scenarios(max_stations=3, length_h=(50, 100)))
def test_results_do_not_depend_on_the_executor(scenario):
    local = run_replications(scenario, replications=3, workers=1)
    pooled = run_replications(scenario, replications=3, workers=2)
    assert [r.replication for r in pooled] == [0, 1, 2]
    assert all(same(a, b) for a, b in zip(local, pooled))


# -- common random numbers --------------------------------------------------------------------------
@bounded(60)
@given(
    names=st.lists(st.sampled_from(STATION_NAMES) | st.text(min_size=1, max_size=12), min_size=2, max_size=6, unique=True),
    seed=st.integers(0, 2**32), replication=replications(), purpose=st.sampled_from(sorted(PURPOSES)),
)
def test_streams_depend_only_on_seed_replication_owner_and_purpose(names, seed, replication, purpose):
    draws = {n: Streams(seed, replication).generator(n, purpose).random(8).tolist() for n in names}
    again = {n: Streams(seed, replication).generator(n, purpose).random(8).tolist() for n in reversed(names)}
    assert draws == again
    # distinct owners, purposes, replications and seeds get distinct streams
    assert len({tuple(d) for d in draws.values()}) == len(names)
    other_purpose = next(p for p in PURPOSES if p != purpose)
    assert Streams(seed, replication).generator(names[0], other_purpose).random(8).tolist() != draws[names[0]]
    assert Streams(seed, replication + 1).generator(names[0], purpose).random(8).tolist() != draws[names[0]]
    assert Streams(seed + 1, replication).generator(names[0], purpose).random(8).tolist() != draws[names[0]]


def _first_draws(runtime) -> dict[str, list]:
    """The first draws of every random sampler a built station holds (before any run)."""
    out = {"cycle": [runtime.cycle.sampler.draw() for _ in range(DRAWS)]}
    scrap = getattr(runtime, "scrap", None)
    if scrap is not None:
        out["quality"] = [scrap.bad_cells(7) for _ in range(DRAWS)]
    rework = getattr(runtime, "rework", None)
    if rework is not None:
        out["routing"] = [rework.uniform.draw() for _ in range(DRAWS)]
    for index, breakdowns in enumerate(getattr(runtime, "breakdowns", None) or []):
        if breakdowns is not None:
            out[f"failure{index}"] = [breakdowns.ttf.draw() for _ in range(DRAWS)]
            out[f"repair{index}"] = [breakdowns.ttr.draw() for _ in range(DRAWS)]
    return out


@st.composite
def changed_station(draw):
    """A scenario, and the same scenario with station k replaced by another of the same name."""
    data = draw(scenario_dicts(min_stations=2))
    k = draw(st.integers(0, len(data["stations"]) - 1))
    cells = data.get("product", {}).get("cells_per_lot", 1)
    old = data["stations"][k]
    new = draw(stations(old["name"], cells_per_lot=cells))
    for key in ("rework", "next"):
        if key in old and new.get("kind", "machine") != "dwell":
            new[key] = old[key]
    other = {**data, "stations": [new if i == k else s for i, s in enumerate(data["stations"])]}
    scenario, changed = Scenario.model_validate(data), Scenario.model_validate(other)
    assume(scenario != changed)
    return scenario, changed, k


@bounded(40)
@given(pair=changed_station(), replication=replications())
def test_changing_one_station_leaves_the_others_random_numbers_unchanged(pair, replication):
    scenario, changed, k = pair
    a = build(scenario, Streams(scenario.run.seed, replication))
    b = build(changed, Streams(changed.run.seed, replication))
    for j, spec in enumerate(scenario.stations):
        if j == k:
            continue
        assert _first_draws(a.stations[spec.name]) == _first_draws(b.stations[spec.name]), spec.name


@bounded(30)
@given(data=scenario_dicts(min_stations=2, routing=False), replication=replications())
def test_reordering_stations_leaves_every_station_its_random_numbers(data, replication):
    reordered = {**data, "stations": list(reversed(data["stations"]))}
    scenario, other = Scenario.model_validate(data), Scenario.model_validate(reordered)
    a = build(scenario, Streams(scenario.run.seed, replication))
    b = build(other, Streams(other.run.seed, replication))
    for spec in scenario.stations:
        assert _first_draws(a.stations[spec.name]) == _first_draws(b.stations[spec.name]), spec.name

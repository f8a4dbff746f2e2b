"""Capacity bound (validation.md, identity 4): a station cannot complete more lots than its machines'
time allows, and a serial line never out-produces its slowest station.

Two bounds, both on the number of lots a station completes in [0, T]:

* Pathwise (no slack at all). A station draws one cycle time per job (lot, or load of a batch
  station) from its own random stream when the job starts; each of its c units (machines, or
  places of a dwell store) works on one job at a time, so the jobs it completed by T have cycle
  times summing to at most c*T, and at most c jobs were drawn but not finished at T. Hence, if n
  jobs completed, the n smallest of the first n+c draws of the stream sum to at most c*T. We replay
  the stream (twin.spec.rng.Streams is public and keyed by station name) and check this for the observed
  n. For constant cycle times this sharpens to n <= c*floor(T/s) (each unit completes floor(T/s)).
  Failures only take time away, so the bound holds with them too.

* Statistical, with availability (the textbook bound TH <= min_i c_i*A_i/E[S_i], times cells per
  lot). Each unit, kept busy all the time, completes jobs as a renewal process whose cycle is the
  cycle time plus the repairs falling in it; a unit that idles completes fewer (pathwise, for the
  same draws: idling only delays work, and neither failure clock speeds up while idle). For a busy
  unit the completions N(T) are asymptotically normal (renewal CLT) with
      mean  A*T/mu,
      var   T * [A*sigma_S^2/mu^3 + (F^2*sigma_R^2 + R^2*sigma_F^2) / ((F+R)^3 * mu^2)],
  mu, sigma_S^2 the cycle time's mean and variance, F, R the mean time to failure and to repair,
  sigma_F^2, sigma_R^2 their variances, A = F/(F+R) (the second term is the up-time fluctuation of
  an alternating renewal process; without failures A=1 and it vanishes). c units are independent
  such processes. We allow 5 standard deviations (one-sided false alarm < 3e-7 per station) plus
  per unit the renewal edge terms 1 + sigma_S^2/mu^2 (Lorden's bound on E[N(T)] - T/mu) and
  F*(1+cv_F^2)*(1-A)/mu (a run starts in an up period, at most about one residual up time more
  than the stationary share). Generous, but a station that forgets its downtime, or processes
  faster than its cycle times, exceeds it on a long run.
"""

from __future__ import annotations

import pytest

import math

import numpy as np
from hypothesis import given

from twin.spec.distributions import ConstantDist
from twin.sim.engine import simulate
from twin.spec.rng import Streams
from twin.spec.scenario import Scenario, StationSpec

from tests.property.probes import good_cells
from tests.property.strategies import bounded, replications, scenarios

pytestmark = pytest.mark.slow  # hypothesis searches: CI runs them, the fast loop (-m "not slow") does not

Z = 5.0

# serial lines (no rework, no skipping, one source into the first station), long-ish runs,
# mostly saturated so that the bound is nearly tight
# (operations off: a split lot leaves as several lots, so lots out no longer count jobs; shifts and
# changeovers only lower capacity, which the unit tests of tests/unit/test_operations.py pin exactly)
serial_lines = scenarios(rework=False, routing=False, second_source=False, length_h=(200, 1000),
                         source_kinds=("saturated", "saturated", "conwip", "interarrival"), operations=False)
any_lines = scenarios(length_h=(100, 500), operations=False)


def parallel_units(spec: StationSpec) -> int:
    return spec.capacity if spec.kind == "dwell" else spec.machines  # type: ignore[return-value]


def lots_per_job(spec: StationSpec) -> int:
    return spec.batch.max if spec.kind == "batch" else 1  # type: ignore[union-attr]


def full_lots(scenario: Scenario, index: int) -> bool:
    """On a serial line, lots reach station `index` whole if nothing upstream scraps cells."""
    return all(s.yield_ == 1 for s in scenario.stations[:index])


def job_time_transform(scenario: Scenario, index: int):
    """Cycle draw -> job time, as stations.processing.CycleTime does it for a lot of full size;
    None when the job time depends on a lot size we do not know (per-cell times after scrap)."""
    spec = scenario.stations[index]
    if spec.cycle_time.per == "lot":
        return lambda x: x
    if not full_lots(scenario, index):
        return None
    n, mean = scenario.product.cells_per_lot, spec.cycle_time.mean_s
    return lambda x: n * mean + math.sqrt(n) * (x - mean)


def jobs_done(model, name: str, spec: StationSpec) -> int:
    """Jobs certainly completed: lots handed on (a batch's lots leave only after its load is done)."""
    return math.ceil(model.stations[name].monitor.lots_out / lots_per_job(spec))


def pathwise_ok(scenario: Scenario, replication: int, index: int, done: int, end: float) -> bool:
    spec = scenario.stations[index]
    units = parallel_units(spec)
    transform = job_time_transform(scenario, index)
    if transform is None or done == 0:
        return True
    if isinstance(spec.cycle_time, ConstantDist):
        job = transform(spec.cycle_time.value)
        return done <= units * math.floor(end / job + 1e-9)
    sampler = spec.cycle_time.sampler(Streams(scenario.run.seed, replication).generator(spec.name, "cycle"))
    draws = np.sort([transform(sampler.draw()) for _ in range(done + units)])
    return float(draws[:done].sum()) <= units * end * (1 + 1e-12)


def statistical_bound(scenario: Scenario, index: int, end: float) -> float:
    """Upper bound on the jobs station `index` completes in [0, end] (see the module docstring)."""
    spec = scenario.stations[index]
    units = parallel_units(spec)
    if spec.cycle_time.per == "cell":
        if not full_lots(scenario, index):
            return math.inf
        n = scenario.product.cells_per_lot
        mu, var_s = n * spec.cycle_time.mean_s, n * spec.cycle_time.variance_s2
    else:
        mu, var_s = spec.cycle_time.mean_s, spec.cycle_time.variance_s2
    if getattr(spec, "failures", None) is None:
        a, fluctuation, edge_failures = 1.0, 0.0, 0.0
    else:
        f, r = spec.failures.ttf.mean_s, spec.failures.ttr.mean_s
        var_f, var_r = spec.failures.ttf.variance_s2, spec.failures.ttr.variance_s2
        a = f / (f + r)
        fluctuation = (f * f * var_r + r * r * var_f) / ((f + r) ** 3 * mu * mu)
        edge_failures = f * (1 + var_f / (f * f)) * (1 - a) / mu
    mean = units * a * end / mu
    sd = math.sqrt(units * end * (a * var_s / mu**3 + fluctuation))
    return mean + Z * sd + units * (1 + var_s / mu**2 + edge_failures)


@bounded(40)
@given(scenario=any_lines, replication=replications())
def test_no_station_completes_more_jobs_than_its_cycle_times_allow(scenario, replication):
    """Pathwise bound at every station of any line (rework and routing included)."""
    model, _ = simulate(scenario, replication)
    end = model.env.now
    serial = (all(getattr(s, "rework", None) is None and s.next is None for s in scenario.stations)
              and len(scenario.sources) == 1 and scenario.sources[0].to == scenario.stations[0].name)
    for index, spec in enumerate(scenario.stations):
        if spec.cycle_time.per == "cell" and not serial:
            continue  # lots may arrive partly scrapped by any station: their job time is unknown
        done = jobs_done(model, spec.name, spec)
        assert pathwise_ok(scenario, replication, index, done, end), (spec.name, done)


@bounded(40)
@given(scenario=serial_lines, replication=replications())
def test_serial_line_never_outproduces_its_slowest_station(scenario, replication):
    model, _ = simulate(scenario, replication)
    end = model.env.now
    cells_per_lot = scenario.product.cells_per_lot
    bounds = {}
    for index, spec in enumerate(scenario.stations):
        done = jobs_done(model, spec.name, spec)
        assert pathwise_ok(scenario, replication, index, done, end), (spec.name, done)
        bound = statistical_bound(scenario, index, end)
        assert done <= bound, (spec.name, done, bound)
        bounds[spec.name] = bound * lots_per_job(spec)
    # every good lot passed every station once, and a lot holds at most cells_per_lot cells
    slowest = min(bounds.values())
    good = good_cells(model.line)
    assert good <= cells_per_lot * slowest, (good, cells_per_lot, bounds)
    throughput_per_h = good / (end / 3600)
    assert throughput_per_h <= cells_per_lot * slowest / (end / 3600)

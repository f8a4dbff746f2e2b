"""Exact cases for the flow features of issue 12: regrouping into full lots, Bernoulli routing,
per-product station parameters (`by_product`) and Q-times (`max_wait`).

Each case has a closed-form answer; as everywhere in tests/validation the exact value must lie
within 3 standard errors of the mean over the replications.
"""

from __future__ import annotations

import math

import pytest

from tests.validation.theory import assert_matches, constant, exponential, poisson, replicate, saturated, scenario

pytestmark = pytest.mark.slow  # long statistical runs: CI runs them, the fast loop (-m "not slow") does not


@pytest.mark.slow
@pytest.mark.parametrize("regroup, exact", [(None, 100 * 0.5 / 1.5), (100, 100 * 0.5 / 1.0)])
def test_regrouping_into_full_lots_lifts_a_per_lot_bottleneck_to_the_cells_it_gets(regroup, exact):
    """A saturated machine makes lots of 100 cells in 1 h, keeping each cell with probability 0.5;
    the next machine takes 1.5 h per lot whatever its size.

    Without regrouping the second machine gets half-empty lots and is the bottleneck: one lot of
    about 50 cells per 1.5 h = 33.3 cells/h. With `regroup: 100` it gets full lots of 100 every
    2 h on average (50 good cells/h from the first) and needs 1.5 h for each: the first machine's
    50 cells/h is the output."""
    first = {"name": "a", "cycle_time": constant(1.0), "yield": 0.5}
    if regroup:
        first["regroup"] = regroup
    reps = replicate(scenario(
        stations=[first, {"name": "b", "cycle_time": constant(1.5)}],
        sources=[saturated("a")], length_h=20_000, warmup_h=500, replications=10, cells_per_lot=100,
    ))
    assert_matches([r.line.throughput_per_h for r in reps], exact, "good cells per hour")


@pytest.mark.slow
def test_bernoulli_routing_splits_a_jackson_network_as_theory_says():
    """Poisson 1/h into an exponential station with mu = 2/h; 70 % of lots then go to a station
    with mu = 1/h and 30 % to one with mu = 0.5/h (`next: {b: 0.7, c: 0.3}`). Bernoulli splitting
    of a Poisson stream gives Poisson streams, so each station is M/M/1 (Jackson):
    W = 1/(2-1) + 0.7 * 1/(1-0.7) + 0.3 * 1/(0.5-0.3) = 1 + 2.3333 + 1.5 = 4.8333 h."""
    reps = replicate(scenario(
        stations=[{"name": "a", "cycle_time": exponential(0.5), "next": {"b": 0.7, "c": 0.3}},
                  {"name": "b", "cycle_time": exponential(1.0), "next": "exit"},
                  {"name": "c", "cycle_time": exponential(2.0), "next": "exit"}],
        sources=[poisson(1.0, "a")], length_h=100_000, warmup_h=2_000, replications=10,
    ))
    assert_matches([r.line.lead_time_h for r in reps], 1 + 0.7 / 0.3 + 0.3 / 0.2, "mean time in system")
    assert_matches([r.stations["b"].throughput_per_h for r in reps], 0.7, "flow to b")


@pytest.mark.slow
def test_by_product_cycle_times_make_an_m_g_1_with_two_service_times():
    """Two products 50/50 in a Poisson stream of 0.4/h; one station takes 1 h for product p and 2 h
    for product q (`by_product: {q: {cycle_time: 2 h}}`). Service is a two-point mixture: E[S] = 1.5 h,
    E[S^2] = (1 + 4)/2 = 2.5 h^2, rho = 0.6, and Pollaczek-Khinchine gives the wait of both:
    Wq = lambda E[S^2] / (2 (1 - rho)) = 0.4 * 2.5 / 0.8 = 1.25 h. Time in system: 2.25 h for p, 3.25 h for q."""
    reps = replicate(scenario(
        stations=[{"name": "m", "cycle_time": constant(1.0), "by_product": {"q": {"cycle_time": constant(2.0)}}}],
        sources=[{**poisson(0.4, "m"), "mix": {"p": 0.5, "q": 0.5}}],
        products=[{"name": "p"}, {"name": "q"}], length_h=100_000, warmup_h=2_000, replications=10,
    ))
    assert_matches([r.stations["m"].waiting_time_h for r in reps], 1.25, "Wq")
    assert_matches([r.products["p"].lead_time_h for r in reps], 2.25, "time in system of p")
    assert_matches([r.products["q"].lead_time_h for r in reps], 3.25, "time in system of q")


def mm1_deterministic_patience_loss(arrival_rate: float, service_rate: float, patience: float) -> float:
    """Share of lots scrapped by a Q-time `patience` on an M/M/1 (Baccelli, Boyer & Hebuterne 1984).

    A lot whose wait would exceed D is scrapped when its turn comes and takes no service, so it
    adds no work: the workload V seen by an arrival grows by an exponential job only if V <= D.
    Level crossing for the density f of V (P0 = P(V = 0), lam = arrival, mu = service rate):

        f(x) = lam P0 e^(-mu x) + lam * integral_0^min(x, D) f(y) e^(-mu (x - y)) dy

    For x < D this gives f' = -(mu - lam) f, so f(x) = lam P0 e^(-(mu - lam) x); for x > D the work
    above D only drains: f(x) = f(D) e^(-mu (x - D)). With rho = lam/mu and E = e^(-(mu - lam) D),
    normalising P0 + integral f = 1 gives P0 = (1 - rho) / (1 - rho^2 E), and by PASTA the scrapped
    share is P(V > D) = f(D)/mu = rho (1 - rho) E / (1 - rho^2 E)."""
    rho = arrival_rate / service_rate
    e = math.exp(-(service_rate - arrival_rate) * patience)
    return rho * (1 - rho) * e / (1 - rho**2 * e)


@pytest.mark.slow
def test_a_q_time_on_an_m_m_1_scraps_the_share_of_m_m_1_plus_d():
    """M/M/1 with lambda = 0.8/h, mu = 1/h and `max_wait: 2 h`: 18.78 % of lots expire."""
    exact = mm1_deterministic_patience_loss(0.8, 1.0, 2.0)
    assert exact == pytest.approx(0.18783, abs=1e-5)
    reps = replicate(scenario(
        stations=[{"name": "m", "cycle_time": exponential(1.0), "max_wait": "2 h"}],
        sources=[poisson(0.8, "m")], length_h=100_000, warmup_h=2_000, replications=10,
    ))
    assert_matches([r.stations["m"].expired_cells / r.line.released_cells for r in reps], exact, "expired share")
    assert_matches([r.line.yield_ for r in reps], 1 - exact, "yield (expired cells count as scrap)")

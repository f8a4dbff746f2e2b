"""The twin's event queue (issue 15) hands out events exactly as SimPy's heapq of tuples does.

Random pushes and pops, with many ties in time and priority, go to SimPy's own structure (a list under
heapq) and to an `EventQueue` with typed entries and with tuples: each pop must give the same event at
the same time, and the queue must hold the same entries (with tuples, in heapq's very layout; typed,
the entries due now wait in a lane beside the heap). `TwinEnvironment` must run SimPy's own
resources, conditions, interrupts and `run(until=...)` as SimPy's Environment does.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from stations.event_queue import EventQueue, TwinEnvironment

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("push"), st.sampled_from([0.0, 0.5, 1.0, 1.0 + 1e-12, 2.0, math.inf]),
                  st.sampled_from([-1, 0, 1])),
        st.tuples(st.just("pop"), st.just(0.0), st.just(0)),
    ),
    max_size=120,
)


@settings(max_examples=400, deadline=None)
@given(OPERATIONS, st.randoms(use_true_random=False), st.booleans())
def test_pops_and_entries_are_heapqs_on_simpys_tuples(operations, rng, typed):
    pushes = sum(1 for kind, *_ in operations if kind == "push")
    eids = list(range(pushes))
    rng.shuffle(eids)  # places in line reserved earlier are pushed later (a dwell store does this)
    simpys: list = []
    ours = EventQueue(typed=typed)
    for kind, time, priority in operations:
        if kind == "push":
            entry = (time, priority, eids.pop(), object())
            heapq.heappush(simpys, entry)
            ours.push(*entry)
        elif simpys:
            time, _, _, event = heapq.heappop(simpys)
            assert ours.pop_event() is event and ours.now == time
        else:
            with pytest.raises(IndexError):
                ours.pop_event()
        held = ours.entries()
        assert (sorted(held) if typed else held) == (sorted(simpys) if typed else simpys)  # eids are unique
        assert len(ours) == len(simpys)
        assert ours.next_time() == (simpys[0][0] if simpys else math.inf)


@pytest.mark.parametrize("typed", [True, False])
def test_thousands_of_entries_come_back_in_simpys_order(typed):
    """Past the typed heap's first capacity (64), with ties in time, and pushes after each pop."""
    rng = np.random.default_rng(7)
    queue, simpys, eid = EventQueue(typed=typed), [], 0
    for _ in range(3000):
        entry = (float(rng.integers(0, 400)), int(rng.integers(0, 2)), eid, object())
        eid += 1
        queue.push(*entry)
        heapq.heappush(simpys, entry)
    while simpys:
        time, _, _, event = heapq.heappop(simpys)
        assert queue.pop_event() is event and queue.now == time
        if rng.random() < 0.3:
            entry = (time + float(rng.integers(0, 3)), int(rng.integers(0, 2)), eid, object())
            eid += 1
            queue.push(*entry)
            heapq.heappush(simpys, entry)
    assert len(queue) == 0 and queue.next_time() == math.inf


@pytest.mark.parametrize("typed", [True, False])
def test_the_clock_takes_the_time_as_it_was_scheduled(typed):
    queue = EventQueue(typed=typed)
    for eid, time in enumerate((np.float64(2.5), 0, 1.5)):
        queue.push(time, 1, eid, object())
    times = []
    while len(queue):
        queue.pop_event()
        times.append(queue.now)
    assert times == [0, 1.5, 2.5] and [type(t) for t in times] == [int, float, np.float64]


@pytest.mark.parametrize("typed", [True, False])
def test_an_event_due_at_nan_is_refused(typed):
    queue = EventQueue(typed=typed)
    with pytest.raises(ValueError, match="cannot be due at nan"):
        queue.push(math.nan, 1, 0, object())
    assert len(queue) == 0


def _shop(env, trace):
    """SimPy's own machinery: a shared resource, a store, a condition, an interrupt, a failed event."""
    resource, store = simpy.Resource(env, capacity=1), simpy.Store(env, capacity=2)

    def worker(name, hold):
        with resource.request() as request:
            yield request
            trace.append((env.now, name, "got"))
            try:
                yield env.timeout(hold)
            except simpy.Interrupt as stop:
                trace.append((env.now, name, "interrupted", stop.cause))
            yield store.put((name, env.now))

    def consumer():
        while True:
            item = yield store.get()
            either = yield env.timeout(0.25, "t") | env.timeout(0.25, "u")
            trace.append((env.now, "consumer", item, sorted(either.values())))

    def watcher(target):
        yield env.timeout(1.5)
        target.interrupt("late")
        failed = env.event()
        failed.fail(ValueError("caught"))
        try:
            yield failed
        except ValueError as error:
            trace.append((env.now, "watcher", str(error)))

    first = env.process(worker("a", 2.0))
    env.process(worker("b", 1.0))
    env.process(consumer())
    env.process(watcher(first))


@pytest.mark.parametrize("until", [0.75, 1.5, 4.0])
def test_the_twins_environment_runs_simpys_own_machinery_as_simpys_does(until):
    traces = []
    for environment in (simpy.Environment, TwinEnvironment):
        env, trace = environment(), []
        _shop(env, trace)
        env.run(until=until)
        trace.append((env.now, env.peek(), next(env._eid)))
        env.run(until=until + 10)
        trace.append((env.now, env.peek(), next(env._eid)))
        traces.append(trace)
    assert traces[0] == traces[1]
    assert any(entry[2:3] == ("interrupted",) for entry in traces[1]) or until < 1.5

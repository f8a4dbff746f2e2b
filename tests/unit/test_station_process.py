"""`StationProcess` and `step_events` (issue 15) run generators as `simpy.Process` and `env.run` do.

Random little programs of processes that wait on timers, on each other's signals (pending, triggered
or already processed when waited on), on failed events they catch, and that end, run once under SimPy
and once under the station runner: every process must see the same values at the same instants in the
same order, and the event queue must hand out the same event ids.
"""

from __future__ import annotations

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from stations.event_queue import TwinEnvironment
from stations.process import StationProcess, step_events

STEP = st.one_of(
    st.tuples(st.just("timeout"), st.sampled_from([0.0, 0.5, 1.0, 2.5])),
    st.tuples(st.just("signal"), st.integers(0, 3)),
    st.tuples(st.just("fail"), st.integers(0, 3)),
    st.tuples(st.just("wait"), st.integers(0, 3)),
    st.tuples(st.just("spawn"), st.sampled_from([0.0, 1.0])),
    st.tuples(st.just("return"), st.just(0)),
)
PROGRAMS = st.lists(st.lists(STEP, max_size=8), min_size=1, max_size=5)


class Boom(Exception):
    pass


def _child(env, name, delay, trace):
    trace.append((env.now, name, "start"))
    yield env.timeout(delay)
    trace.append((env.now, name, "end"))


def _program(env, name, steps, signals, trace, runner):
    for number, (kind, arg) in enumerate(steps):
        if kind == "spawn":  # a process started mid-run: its start event goes ahead of what is due now
            runner(env, _child(env, (name, number), arg, trace))
            value = yield env.timeout(0)
        elif kind == "timeout":
            value = yield env.timeout(arg, value=(name, number))
        elif kind == "signal":
            if not signals[arg].triggered:
                signals[arg].succeed((name, number))
            value = yield env.timeout(0)
        elif kind == "fail":
            if not signals[arg].triggered:
                signals[arg].fail(Boom(name, number))
            value = yield env.timeout(0)
        elif kind == "wait":
            try:
                value = yield signals[arg]
            except Boom as caught:
                value = ("caught", caught.args)
        else:
            trace.append((env.now, name, "return"))
            return
        trace.append((env.now, name, value))


def _run(programs, runner, environment=TwinEnvironment):
    env = environment()
    signals = [env.event() for _ in range(4)]
    trace: list = []
    for name, steps in enumerate(programs):
        runner(env, _program(env, name, steps, signals, trace, runner))
    return env, trace


def _crash(event):
    """What `Environment.step` does with a failed event nobody handled: raise a copy of its error."""
    error = type(event._value)(*event._value.args)
    error.__cause__ = event._value
    raise error


def _run_simpy(programs, environment=simpy.Environment):
    env, trace = _run(programs, lambda env, generator: env.process(generator), environment)
    try:
        env.run()
    except Boom as unhandled:  # a failed signal nobody waited for stops the run
        trace.append(("stopped", env.now, unhandled.args))
    return trace, next(env._eid)


def _run_stations(programs):
    env, trace = _run(programs, StationProcess)
    try:
        while env._queue:
            step_events(env, 1, _crash)
    except Boom as unhandled:
        trace.append(("stopped", env.now, unhandled.args))
    return trace, next(env._eid)


@settings(max_examples=300, deadline=None)
@given(PROGRAMS)
def test_station_processes_see_what_simpy_processes_see_at_the_same_instants_in_the_same_order(programs):
    assert _run_stations(programs) == _run_simpy(programs)


@settings(max_examples=300, deadline=None)
@given(PROGRAMS)
def test_simpy_processes_see_the_same_on_the_twins_environment_as_on_simpys(programs):
    """The twin's environment (its events in an `EventQueue`) runs SimPy's own processes, timers,
    signals and failures exactly as SimPy's environment does."""
    assert _run_simpy(programs, TwinEnvironment) == _run_simpy(programs)


def test_a_process_resumed_by_an_event_already_processed_goes_on_at_once_as_in_simpy():
    programs = [[("signal", 0), ("timeout", 1.0), ("wait", 0), ("timeout", 0.5)], [("wait", 0), ("return", 0)]]
    trace, _ = _run_stations(programs)
    assert trace == _run_simpy(programs)[0]
    assert (1.0, 0, (0, 0)) in trace  # the signal's value from t = 0, taken at t = 1 without waiting


def test_a_station_loop_that_raises_stops_the_run_with_its_own_error():
    def loop(env):
        yield env.timeout(1)
        raise ValueError("a broken station")

    env = TwinEnvironment()
    StationProcess(env, loop(env))
    with pytest.raises(ValueError, match="a broken station"):
        while env._queue:
            step_events(env, 1, _crash)
    assert env.now == 1


def test_yielding_something_that_is_not_an_event_is_refused_as_simpy_refuses_it():
    def loop(env):
        yield 42

    env = TwinEnvironment()
    StationProcess(env, loop(env))
    with pytest.raises(RuntimeError, match='Invalid yield value "42"'):
        step_events(env, 1, _crash)

"""The engine's fast paths (issue 15) make the same moves as the general code they shortcut.

The lean machine loop must give the general loop's results value for value; the run loop must stop
exactly at its end time and leave the garbage collector as it found it; a constant dwell store must
release every lot exactly its dwell after it entered, holding one timer however many lots dwell.
"""

from __future__ import annotations

import gc
import json
import math

import pytest

import simpy
from simpy.core import NORMAL

import stations.processing
import twin.sim.build
from stations.assembly import AssemblyStation
from stations.base import BLOCKED, WAITING_BATCH, BatchBuffer
from stations.batch import BatchStation
from stations.events import hand_over, new_event, timeout
from stations.calendar import ShiftCalendar
from stations.dwell import DwellStation
from stations.event_queue import TwinEnvironment
from stations.interruptions import MachineClock
from stations.lot import Lot, ReleasePolicy, make_lot
from stations.machine import MachineStation
from tests.validation.theory import constant, exponential, scenario
from twin.sim.engine import run_replication, simulate


def _busy_line():
    """Failures on the operating clock, two products with a changeover, scrap, small buffers."""
    return scenario(
        stations=[
            {"name": "a", "cycle_time": exponential(0.5), "yield": 0.9, "setup": {"time": constant(0.2)},
             "failures": {"ttf": exponential(3.0), "ttr": exponential(0.5)}},
            {"name": "b", "machines": 2, "buffer": 1, "cycle_time": exponential(1.1),
             "failures": {"ttf": exponential(2.0), "ttr": exponential(0.3)}},
            {"name": "c", "buffer": 2, "cycle_time": exponential(0.55), "yield": 0.95},
        ],
        sources=[{"name": "supply", "to": "a", "release": "saturated",
                  "mix": {"p": 0.5, "q": 0.5}}],
        products=[{"name": "p"}, {"name": "q"}],
        length_h=300, warmup_h=20, replications=1,
    )


def _shift_line(finish_lot: bool = False):
    """Shifts (with a break), calendar-clock failures on one machine, operating-clock failures on
    another: the machine loop's paths through `MachineClock`."""
    calendar = {"shifts_per_day": 2, "shift_length": "8 h", "breaks": [{"start": "4 h", "length": "30 min"}],
                "finish_lot": finish_lot}
    return scenario(
        stations=[
            {"name": "a", "cycle_time": exponential(0.5), "yield": 0.9,
             "failures": {"ttf": exponential(3.0), "ttr": exponential(0.5), "clock": "calendar"}},
            {"name": "b", "machines": 2, "buffer": 1, "cycle_time": exponential(1.1),
             "failures": {"ttf": exponential(2.0), "ttr": exponential(0.3)}},
            {"name": "c", "buffer": 2, "cycle_time": exponential(0.55), "yield": 0.95},
        ],
        sources=[{"name": "supply", "to": "a", "interarrival": exponential(0.6)}],
        calendar=calendar, length_h=300, warmup_h=20, replications=1,
    )


_BUILT: set[str] = set()  # the long-way classes the model was built with (a swap that missed would show)


class _Counted:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _BUILT.add(type(self).__name__)


class _ByMoves(_Counted, MachineStation):
    """The station's moves, one generator each, instead of the written-out loop."""

    def start(self):
        for machine in self.machines:
            self.env.process(self._run_by_moves(machine))


class _EveryCycleByWork(_Counted, MachineClock):
    """Every cycle through MachineClock.work, never the one-timeout step."""

    def clear_ahead(self, now):
        return 0.0


class _UncachedCalendar(_Counted, ShiftCalendar):
    """The calendar asked by binary search every time, without its remembered interval."""

    def is_on(self, t):
        i = self._index(t)
        return i >= 0 and t < self.ends[i]

    def shift_end(self, t):
        i = self._index(t)
        return self.ends[i] if i >= 0 and t < self.ends[i] else t


# The long way is swapped in where the model is built (a subclass in place of the class), not patched
# into the class: the compiled station classes are extension types, whose methods cannot be replaced.
SHORTCUTS_OFF = {
    "moves": [(twin.sim.build, "MachineStation", _ByMoves)],
    "work": [(stations.processing, "MachineClock", _EveryCycleByWork)],
    "calendar": [(twin.sim.build, "ShiftCalendar", _UncachedCalendar)],
}


@pytest.mark.parametrize("off", sorted(SHORTCUTS_OFF))
@pytest.mark.parametrize("line", [_busy_line, _shift_line, lambda: _shift_line(finish_lot=True)],
                         ids=["busy", "shifts", "shifts-finish-lot"])
def test_each_shortcut_of_the_machine_loop_gives_the_results_of_the_long_way_value_for_value(monkeypatch, line, off):
    spec = line()
    fast = json.loads(run_replication(spec, 0).model_dump_json())
    _BUILT.clear()
    for owner, name, replacement in SHORTCUTS_OFF[off]:
        monkeypatch.setattr(owner, name, replacement)
    long_way = json.loads(run_replication(spec, 0).model_dump_json())
    if off != "calendar" or spec.calendar is not None:  # the busy line has no calendar to swap
        assert _BUILT >= {replacement.__name__ for _, _, replacement in SHORTCUTS_OFF[off]}
    assert fast == long_way
    assert fast["stations"]  # the comparison is about a run that made something


def _assembly_and_batch_line():
    """Two roll streams wound into cells (split into trays), a batch oven and a machine, on shifts with
    calendar-clock failures and small buffers, so that machines wait idle and blocked across shift
    ends and failures: every path of the assembly and batch loops and of a blocked wait."""
    failing = {"ttf": exponential(4.0), "ttr": exponential(0.4), "clock": "calendar"}
    return scenario(
        stations=[
            {"name": "cathode", "cycle_time": exponential(0.6), "next": "winding", "failures": failing},
            {"name": "anode", "cycle_time": exponential(0.6), "next": "winding"},
            {"name": "winding", "kind": "assembly", "inputs": {"cathode": 1, "anode": 1}, "cells_out": 12,
             "split": 3, "machines": 2, "buffer": 2, "cycle_time": exponential(0.5), "failures": failing},
            {"name": "oven", "kind": "batch", "batch": {"min": 2, "max": 3}, "machines": 2, "buffer": 4,
             "cycle_time": exponential(1.0), "failures": failing},
            {"name": "test", "buffer": 1, "cycle_time": exponential(0.17), "yield": 0.9},
        ],
        sources=[{"name": "cathode_rolls", "to": "cathode", "release": "saturated", "material": "cathode_roll"},
                 {"name": "anode_rolls", "to": "anode", "release": "saturated", "material": "anode_roll"}],
        products=[{"name": "cell", "cells_per_lot": 4}],
        calendar={"shifts_per_day": 2, "shift_length": "8 h", "breaks": [{"start": "4 h", "length": "30 min"}]},
        length_h=300, warmup_h=20, replications=1,
    )


class _BlockedTheLongWay:
    """`_wait_for_room` as it was before its first step was written out: always `clock.wait`."""

    def _wait_for_room(self, machine, piece, destination):
        machine.set_state(BLOCKED)
        request = destination.put_event(piece)
        clock = self.clock_at(machine.index)
        if clock is None or not clock.timed_idle:
            yield request
        else:
            yield from clock.wait(
                request, destination.cancel_put,
                lambda piece=piece: (True, None) if destination.try_put(piece)
                else (False, destination.put_event(piece)),
            )
        self.monitor.depart(piece.cells, self.env._now)
        if self.monitor.events is not None:
            self.monitor.events.lot(self.name, piece, "leave", self.env._now)


class _AssemblyByMoves(_Counted, _BlockedTheLongWay, AssemblyStation):
    """The assembly's loop as it was: `take` and `process`, one generator each."""

    def start(self):
        for machine in self.machines:
            self.env.process(self._by_moves(machine))

    def _by_moves(self, machine):
        while True:
            consumed = yield from self.take(machine, self._try_take, self._request, self._cancel)
            lot = self._make(consumed)
            cycle = self.cycle_for(lot.item)
            if self.input_change is not None:
                yield from self.set_up(machine, self.input_change.draw())
            duration, ideal, cells = cycle.draw(lot.cells), cycle.ideal_s(lot.cells), lot.cells
            for piece in (self.split(lot) if self.split_into else (lot,)):
                share = piece.cells / cells
                yield from self.process(machine, duration * share, piece.item)
                self.monitor.ideal_work_s += ideal * share
                rest = self.try_send(machine, piece, split=False)
                if rest is not None:
                    yield from rest


class _BatchByMoves(_Counted, _BlockedTheLongWay, BatchStation):
    """The batch loop as it was: `take` and `process`, one generator each."""

    def start(self):
        for machine in self.machines:
            self.env.process(self._by_moves(machine))

    def _by_moves(self, machine):
        buffer = self.buffer
        batch_max = self.spec.batch.max
        while True:
            lots = yield from self.take(
                machine, buffer.try_get_batch, lambda: buffer.get_batch_event(machine), buffer.cancel_get
            )
            cycle = self.cycle_for(lots[0].item)
            yield from self.process(machine, cycle.draw(1), lots[0].item)
            self.monitor.ideal_work_s += cycle.mean_s * len(lots) / batch_max
            for lot in lots:
                rest = self.try_send(machine, lot)
                if rest is not None:
                    yield from rest


class _MachineByMovesBlockedTheLongWay(_Counted, _BlockedTheLongWay, MachineStation):
    def start(self):
        for machine in self.machines:
            self.env.process(self._run_by_moves(machine))


def test_the_assembly_batch_and_blocked_loops_give_the_results_of_their_moves_value_for_value(monkeypatch):
    spec = _assembly_and_batch_line()
    fast = json.loads(run_replication(spec, 0).model_dump_json())
    _BUILT.clear()
    for name, replacement in [("AssemblyStation", _AssemblyByMoves), ("BatchStation", _BatchByMoves),
                              ("MachineStation", _MachineByMovesBlockedTheLongWay)]:
        monkeypatch.setattr(twin.sim.build, name, replacement)
    long_way = json.loads(run_replication(spec, 0).model_dump_json())
    assert _BUILT == {"_AssemblyByMoves", "_BatchByMoves", "_MachineByMovesBlockedTheLongWay"}
    assert fast == long_way
    states = {name: station["states"] for name, station in fast["stations"].items()}
    assert fast["line"]["good_cells"] > 0  # the comparison is about a run that made something
    for name in ("winding", "oven"):  # each loop waited both idle and blocked
        assert states[name]["blocked"] > 0.01 and states[name]["starved"] + states[name]["waiting_batch"] > 0.01


class _MarkingEveryWaitingMachine(_Counted, BatchBuffer):
    def _serve(self):
        """BatchBuffer._serve as it was: every waiting machine asked to be WAITING_BATCH at each arrival."""
        self.purge_expired()
        while self.getters and (self.waiting_lots() >= self.batch_min or self.new_lot is not None):
            self.waiting_machines.popleft()
            self.getters.popleft().succeed(self._take_batch())
        if self.getters and self.waiting_lots():
            for machine in self.waiting_machines:
                machine.set_state(WAITING_BATCH)


@pytest.mark.parametrize("clock", ["operating", "calendar"])
def test_marking_only_the_newly_waiting_racks_gives_the_results_of_marking_them_all(monkeypatch, clock):
    """Racks that wait for a batch to fill are marked WAITING_BATCH once, not at every arrival (at ten
    times the plant that walk made 60 % of all calls to set_state, nearly all of them no-ops); withdrawn waits (calendar-clock
    failures, shifts) must not upset which racks are marked."""
    spec = scenario(
        stations=[
            {"name": "feed", "cycle_time": exponential(0.3)},
            {"name": "racks", "kind": "batch", "machines": 6, "batch": {"min": 3, "max": 4},
             "cycle_time": exponential(2.0), "failures": {"ttf": exponential(4.0), "ttr": exponential(0.5),
                                                          "clock": clock}},
        ],
        sources=[{"name": "supply", "to": "feed", "interarrival": exponential(0.35)}],
        calendar={"shifts_per_day": 2, "shift_length": "8 h"}, length_h=300, warmup_h=20, replications=1,
    )
    marked_once = json.loads(run_replication(spec, 0).model_dump_json())
    _BUILT.clear()
    monkeypatch.setattr(twin.sim.build, "BatchBuffer", _MarkingEveryWaitingMachine)
    assert json.loads(run_replication(spec, 0).model_dump_json()) == marked_once
    assert "_MarkingEveryWaitingMachine" in _BUILT
    assert marked_once["stations"]["racks"]["states"]["waiting_batch"] > 0.01  # the marking is exercised


def test_a_run_stops_at_its_end_time_exactly_and_leaves_the_collector_as_it_was():
    spec = _busy_line()
    end_s = (spec.run.warmup + spec.run.length)
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    model, series = simulate(spec, 0)
    assert model.env.now == end_s
    assert series.times_s[-1] == end_s
    assert all(when >= end_s for when, *_ in model.env._queue.entries())  # nothing due before the end was left
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == frozen


def test_a_constant_dwell_releases_each_lot_its_dwell_after_it_entered_with_one_timer():
    spec = scenario(
        stations=[{"name": "rest", "kind": "dwell", "capacity": 50, "cycle_time": constant(10.0)}],
        sources=[{"name": "arrivals", "to": "rest", "interarrival": exponential(0.1)}],
        length_h=25, warmup_h=0, replications=1,
    )
    model, _ = simulate(spec, 0)
    store = model.stations["rest"]
    assert isinstance(store, DwellStation) and store.fifo is not None
    timers = [event for _, priority, _, event in model.env._queue.entries()
              if priority == NORMAL and event.callbacks and store._head_over in event.callbacks]
    assert len(timers) == 1 and len(store.fifo) > 10  # many lots dwell, one timer for the head
    ends = [end for end, _, _ in store.fifo]
    assert ends == sorted(ends)
    # Little's law holds exactly for a constant dwell: every lot out stayed exactly 10 h
    monitor = store.monitor
    assert monitor.lots_out > 50
    dwelt_s = sum(model.env.now - (end - 36_000.0) for end in ends) + monitor.lots_out * 36_000.0
    assert math.isclose(store.dwelling.area_until(model.env.now), dwelt_s, rel_tol=1e-12)  # summation order only


def test_a_full_dwell_store_that_loads_its_next_lot_as_the_head_leaves_keeps_one_timer():
    """Hypothesis found this: a one-place store fed by another store takes the next lot in the moment
    its head leaves (the freed place loads it), so that lot times itself inside the head's callback;
    the callback must not time it again (two timers with one event id make SimPy compare events)."""
    from tests.conservation import assert_units_conserved
    from twin.spec.scenario import Scenario

    line = Scenario.model_validate({
        "name": "line", "run": {"length": "720000 s", "seed": 0},
        "sources": [{"name": "supply", "to": "mixing", "release": "saturated"}],
        "stations": [{"name": "mixing", "cycle_time": {"dist": "constant", "value": "450 s"}},
                     {"name": "coating", "kind": "dwell", "capacity": 1,
                      "cycle_time": {"dist": "exponential", "mean": "450 s"}},
                     {"name": "calendering", "kind": "dwell", "capacity": 1,
                      "cycle_time": {"dist": "constant", "value": "450 s"}}]})
    for replication in (0, 1):
        model, _ = simulate(line, replication)
        assert_units_conserved(model)
        store = model.stations["calendering"]
        assert len(store.fifo) <= 1 and model.line.snapshot(model.env.now).good[0] > 0


EVENT_FIELDS = ("callbacks", "_value", "_ok", "triggered", "processed")


def _fields(event) -> dict:
    """What SimPy's loop and processes read of an event (an absent field as the error it raises)."""
    fields = {}
    for name in (*EVENT_FIELDS, "_defused"):
        try:
            fields[name] = getattr(event, name)
        except AttributeError:
            fields[name] = AttributeError
    return fields


@pytest.mark.parametrize("delay", [0, 0.0, 2, 0.1 + 0.2, 1e-300, 7.5e8])
def test_the_stations_timeout_is_simpys_own_in_every_field_and_in_its_place_in_line(delay):
    """`stations.events.timeout` makes the event SimPy's Timeout would: the same fields, due at the same
    time, with the next event id (so ties among same-instant events resolve as they would)."""
    theirs_env, ours_env = simpy.Environment(initial_time=3.25), TwinEnvironment(initial_time=3.25)
    for env in (theirs_env, ours_env):
        env.timeout(1.0)  # something already in line
    theirs, ours = theirs_env.timeout(delay), timeout(ours_env, delay)
    assert _fields(ours) == _fields(theirs) and ours.env is ours_env and ours.ok and ours.value is None
    assert [entry[:3] for entry in ours_env._queue.entries()] == [entry[:3] for entry in theirs_env._queue]
    ours_env.run()
    assert ours.processed and ours_env.now == 3.25 + max(delay, 1.0)


def test_a_negative_timeout_is_refused_as_simpy_refuses_it():
    env = TwinEnvironment()
    with pytest.raises(ValueError, match="Negative delay -1"):
        timeout(env, -1)
    assert not env._queue


@pytest.mark.parametrize("value", [None, 0, "lot", (1, 2)])
def test_handing_over_to_a_waiting_machine_is_simpys_succeed_in_every_field_and_in_its_place_in_line(value):
    """`new_event` and `hand_over` make and trigger the event SimPy's `Event(env)` and `succeed` would:
    the same fields, due now, with the next event id; a second trigger is refused as SimPy refuses it."""
    theirs_env, ours_env = simpy.Environment(initial_time=2.5), TwinEnvironment(initial_time=2.5)
    theirs, ours = simpy.Event(theirs_env), new_event(ours_env)
    pending = _fields(ours)
    assert pending == {**_fields(theirs), "_ok": None} and ours.env is ours_env  # SimPy's has no _ok yet
    with pytest.raises(AttributeError, match="not yet available"):
        ours.value  # noqa: B018
    for env in (theirs_env, ours_env):
        env.timeout(0)  # something already in line at this instant
    theirs.succeed(value)
    hand_over(ours, value)
    assert _fields(ours) == _fields(theirs)
    assert [entry[:3] for entry in ours_env._queue.entries()] == [entry[:3] for entry in theirs_env._queue]
    with pytest.raises(RuntimeError, match="has already been triggered"):
        hand_over(ours, value)
    ours_env.run()
    assert ours.processed and ours.value == value


@pytest.mark.parametrize("how", ["succeed", "fail"])
def test_a_station_event_succeeds_and_fails_as_a_simpy_event_does(how):
    """Its own `succeed` and `fail` (what a machine's alarm calls), and a failure a process handles."""
    traces = []
    for environment, make in ((simpy.Environment, simpy.Event), (TwinEnvironment, new_event)):
        env, trace = environment(), []
        signal = make(env)

        def waiter():
            try:
                trace.append(("got", (yield signal), env.now))
            except KeyError as error:
                trace.append(("caught", error.args, env.now))

        env.process(waiter())
        env.timeout(1.5).callbacks.append(
            lambda _: signal.succeed("lot") if how == "succeed" else signal.fail(KeyError("gone")))
        env.run()
        with pytest.raises(RuntimeError, match="has already been triggered"):
            signal.succeed()
        trace.append({name: repr(field) for name, field in _fields(signal).items()})  # an exception by its repr
        traces.append(trace)
    assert traces[0] == traces[1]
    with pytest.raises(TypeError, match="is not an exception"):
        new_event(TwinEnvironment()).fail("not an error")


def test_a_waiter_that_is_not_a_simpy_event_is_asked_to_succeed_itself():
    class Loader:
        def succeed(self, value):
            self.got = value

    loader = Loader()
    hand_over(loader, "lot")
    assert loader.got == "lot"


@pytest.mark.parametrize("source", [None, ReleasePolicy()])
def test_a_lot_made_without_its_init_is_the_lot_its_init_makes_in_every_field(source):
    fields = ("cells", "item", "released_at", "counted_at", "queued_at", "source", "tag", "grade")
    made, constructed = make_lot(229, 3, source), Lot(229, 3, source)
    assert [getattr(made, f) for f in fields] == [getattr(constructed, f) for f in fields]
    assert [type(getattr(made, f)) for f in fields] == [type(getattr(constructed, f)) for f in fields]

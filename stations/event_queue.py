# cython: boundscheck=False, wraparound=False, initializedcheck=False, nonecheck=False
# (compiled: no index in this module is out of range or negative, and no typed name holds None where
# it is read; the heap's sifts read its memoryview fields in place, with no acquisition to count)
"""The pending events, ordered as SimPy orders them, at a fraction of the cost per comparison (issue 15).

SimPy keeps the events due in a list of tuples (time, priority, place in line, event) under `heapq`,
so each comparison of two entries goes through a tuple and two Python floats. An `EventQueue` holds
the same entries in the same order: compiled, each is a `QueueEntry` whose keys are C numbers, and the
heap (`TimedHeap`, heapq's own algorithm) sifts the entries' times as C doubles, reading an entry only
when two times are equal; as plain Python it is heapq on tuples, as in SimPy. A third of the events
(two fifths at 10x) are wake-ups due at the current instant, which a heap would sift to its top and
back: these wait in a first-in-first-out lane, and each pop takes whichever of the lane's first and
the heap's first comes first. `TwinEnvironment` is SimPy's Environment over this queue, compiled as an
extension type whose clock and queue the stations read as C fields. SimPy's own events (stores,
conditions, processes, interrupts) and the stations' shortcuts take their places in one line, and
come out in exactly the order SimPy's loop gives them (tests/unit/test_event_queue.py).
"""

from __future__ import annotations

import math
from array import array
from heapq import heappop, heappush
from importlib.machinery import EXTENSION_SUFFIXES
from typing import Any, Generator, Iterable, Optional

from simpy.core import EmptySchedule, Infinity, NORMAL, StopSimulation, URGENT
from simpy.events import AllOf, AnyOf, Event, Process, Timeout

COMPILED = __file__.endswith(tuple(EXTENSION_SUFFIXES))
"""True when this module runs as machine code, where sifting typed entries beats heapq on tuples; as
plain Python heapq's C code on tuples is the faster of the two (and the same order)."""


class QueueEntry:
    """One event due: `time` as scheduled (the object SimPy would set as the clock) and the keys it is
    ordered by, as C numbers when compiled; `slot` is its place in `TimedHeap.table`, for good."""

    __slots__ = ("sort_time", "priority", "eid", "time", "event", "slot")  # set by `EventQueue.push`


def _before(a: QueueEntry, b: QueueEntry) -> bool:
    """`(a.time, a.priority, a.eid) < (b.time, b.priority, b.eid)`, as tuples compare: the first key
    that differs decides."""
    if a.sort_time != b.sort_time:
        return a.sort_time < b.sort_time
    if a.priority != b.priority:
        return a.priority < b.priority
    return a.eid < b.eid


class TimedHeap:
    """heapq's binary heap (its sifts, so its layout) over the entries' times, held as C doubles in one
    array beside the entries' slots in another: a sift moves two C numbers a level and reads an entry
    only when two times are equal. An entry keeps its slot in `table` for as long as the queue lives
    (entries are reused), so the heap holds no reference to count."""

    def __init__(self) -> None:
        self.table: list = []  # every entry made, at its slot
        self.times = array("d", bytes(8 * 64))  # times[i] and slots[i]: the heap's i-th entry
        self.slots = array("q", bytes(8 * 64))
        self.size = 0

    def new_entry(self) -> QueueEntry:
        entry = QueueEntry.__new__(QueueEntry)  # no __init__ frame
        entry.slot = len(self.table)
        self.table.append(entry)
        return entry

    def first(self) -> Optional[QueueEntry]:
        return self.table[self.slots[0]] if self.size else None

    def in_order(self) -> list:
        """The entries in the heap's order."""
        return [self.table[self.slots[i]] for i in range(self.size)]

    def _grow(self) -> None:
        capacity = 2 * len(self.times)
        times, slots = array("d", bytes(8 * capacity)), array("q", bytes(8 * capacity))
        for i in range(self.size):
            times[i] = self.times[i]
            slots[i] = self.slots[i]
        self.times, self.slots = times, slots

    def _settle(self, time: float, entry: QueueEntry, pos: int) -> None:
        """heapq's `_siftdown`: put `entry` (due at `time`) at `pos`, or above it while it comes before
        the parent."""
        while pos > 0:
            parent = (pos - 1) >> 1
            other = self.times[parent]
            if time > other or (time == other and not _before(entry, self.table[self.slots[parent]])):
                break
            self.times[pos] = other
            self.slots[pos] = self.slots[parent]
            pos = parent
        self.times[pos] = time
        self.slots[pos] = entry.slot

    def push(self, entry: QueueEntry) -> None:
        if self.size == len(self.times):
            self._grow()
        self.size += 1
        self._settle(entry.sort_time, entry, self.size - 1)

    def pop(self) -> QueueEntry:
        """The first entry, taken out (the heap must not be empty). heapq's `heappop`: the last entry
        goes to the top, the earlier child moves up until a leaf, then the last entry settles there."""
        first = self.table[self.slots[0]]
        self.size -= 1
        end = self.size
        if end:
            last = self.table[self.slots[end]]
            pos = 0
            child = 1
            while child < end:
                right = child + 1
                if right < end:
                    left_time, right_time = self.times[child], self.times[right]
                    if right_time < left_time or (right_time == left_time and _before(
                            self.table[self.slots[right]], self.table[self.slots[child]])):
                        child = right
                self.times[pos] = self.times[child]
                self.slots[pos] = self.slots[child]
                pos = child
                child = 2 * pos + 1
            self._settle(last.sort_time, last, pos)
        return first


class PlaceInLine:
    """`itertools.count()` for the events' places in line, kept as a C number when compiled: `take` hands
    the next one to the queue without making a Python int (`next` still gives one, as SimPy's does)."""

    __slots__ = ("next_place",)

    def __init__(self) -> None:
        self.next_place = 0

    def __iter__(self) -> "PlaceInLine":
        return self

    def __next__(self) -> int:
        return self.take()

    def take(self) -> int:
        place = self.next_place
        self.next_place = place + 1
        return place


class EventQueue:
    """The events due, next first: by time, then priority (SimPy's URGENT before NORMAL), then place in
    line (`eid`, unique). `now` is the time of the event last taken, as it was scheduled."""

    def __init__(self, typed: Optional[bool] = None) -> None:
        self.typed = COMPILED if typed is None else typed  # entries as QueueEntry (else tuples, as SimPy)
        self.heap: list = []  # SimPy's tuples under heapq (not typed)
        self.timed = TimedHeap()  # the entries not due now (typed)
        self.now: Any = None
        self.now_key = -math.inf  # `now` as the C double entries are ordered by
        self.lane: list = []  # entries due now, each after the one before it (see `push`)
        self.lane_head = 0  # lane[lane_head] is the first of them still due
        self.spare: list = []  # entries taken out of line, reused by the next pushes (no allocation per event)

    def __len__(self) -> int:
        return len(self.heap) + self.timed.size + len(self.lane) - self.lane_head

    def push(self, time: Any, priority: int, eid: int, event: Event) -> None:
        """`heappush(env._queue, (time, priority, eid, event))`. An entry due now that comes after the
        lane's last one joins the lane (the lane stays in order); any other entry goes into the heap."""
        if not self.typed:
            if time != time:
                raise ValueError(f"an event cannot be due at {time}")  # NaN would break the order for good
            heappush(self.heap, (time, priority, eid, event))
            return
        spare = self.spare
        entry = spare.pop() if spare else self.timed.new_entry()
        entry.sort_time = time
        if entry.sort_time != entry.sort_time:
            spare.append(entry)
            raise ValueError(f"an event cannot be due at {time}")
        entry.priority = priority
        entry.eid = eid
        entry.time = time
        entry.event = event
        lane = self.lane
        if entry.sort_time == self.now_key and (self.lane_head == len(lane) or _before(lane[len(lane) - 1], entry)):
            lane.append(entry)  # a wake-up due now, after the last one: no sifting through the heap
            return
        self.timed.push(entry)

    def pop_event(self) -> Event:
        """The next event, taken out of line; its time becomes `now`. IndexError when none is due."""
        if not self.typed:
            self.now, _, _, event = heappop(self.heap)
            return event
        timed = self.timed
        lane = self.lane
        head = self.lane_head
        waiting = lane[head] if head < len(lane) else None  # (typed: its time is read as a C double)
        if waiting is not None and not (timed.size and timed.times[0] <= waiting.sort_time
                                        and _before(timed.first(), waiting)):
            first = waiting  # its slot is never read again, and the lane is emptied once all are taken
            if head + 1 == len(lane):
                del lane[:]
                self.lane_head = 0
            else:
                self.lane_head = head + 1
        elif timed.size:
            first = timed.pop()
        else:
            raise IndexError("no event is due")
        self.now = first.time
        self.now_key = first.sort_time
        event = first.event
        first.time = first.event = None  # (nothing outside the queue holds an entry: it is reused)
        self.spare.append(first)
        return event

    def next_time(self) -> Any:
        """`Environment.peek`: the time of the next event, Infinity when none is due."""
        if not self.typed:
            return self.heap[0][0] if self.heap else Infinity
        first = self.timed.first()
        if self.lane_head < len(self.lane):
            waiting = self.lane[self.lane_head]
            if first is None or _before(waiting, first):
                first = waiting
        return Infinity if first is None else first.time

    def entries(self) -> list[tuple]:
        """The entries as SimPy's tuples (time, priority, eid, event): the heap's in its order, then the
        lane's."""
        if not self.typed:
            return list(self.heap)
        held = self.timed.in_order() + self.lane[self.lane_head:]
        return [(e.time, e.priority, e.eid, e.event) for e in held]


class TwinEnvironment:
    """SimPy's `Environment` (simpy.core, 4.1) over an `EventQueue`: the same methods, written here
    with the queue's calls in place of heapq's, so that compiled it is an extension type and a
    station reads the clock and the queue as C fields. SimPy's own classes (processes, timeouts,
    stores, conditions, interrupts) use an environment only through `now`, `active_process`,
    `_active_proc`, `schedule`, `process` and `timeout`, so they run on it unchanged
    (tests/unit/test_event_queue.py runs them on both)."""

    def __init__(self, initial_time: Any = 0) -> None:
        self._now = initial_time
        self._queue = EventQueue()
        self._eid = PlaceInLine()  # the next place in line among events due at the same instant
        self._active_proc = None

    @property
    def now(self) -> Any:
        """The current simulation time."""
        return self._now

    @property
    def active_process(self) -> Optional[Process]:
        """The process being resumed now (a SimPy process; station loops do not set it)."""
        return self._active_proc

    def process(self, generator: Generator) -> Process:
        return Process(self, generator)

    def timeout(self, delay: Any = 0, value: Any = None) -> Timeout:
        return Timeout(self, delay, value)

    def event(self) -> Event:
        return Event(self)

    def all_of(self, events: Iterable[Event]) -> AllOf:
        return AllOf(self, events)

    def any_of(self, events: Iterable[Event]) -> AnyOf:
        return AnyOf(self, events)

    def schedule(self, event: Event, priority: int = NORMAL, delay: Any = 0) -> None:
        """Schedule `event` with `priority`, due after `delay`."""
        self._queue.push(self._now + delay, priority, self._eid.take(), event)

    def peek(self) -> Any:
        """The time of the next event, Infinity when none is due."""
        return self._queue.next_time()

    def step(self) -> None:
        """Process the next event (EmptySchedule when there is none)."""
        queue = self._queue
        try:
            event = queue.pop_event()
        except IndexError:
            raise EmptySchedule from None
        self._now = queue.now
        callbacks, event.callbacks = event.callbacks, None
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            event.callbacks = callbacks[callbacks.index(callback) + 1:]
            self.schedule(event, -1)  # SimPy's EventPriority(-1): first when the run resumes
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc

    def run(self, until: Any = None) -> Any:
        """Step until `until` (a time, or an event to be triggered), or until no event is left."""
        if until is not None:
            if not isinstance(until, Event):
                at = until if isinstance(until, int) else float(until)
                if at <= self._now:
                    raise ValueError(f"until ({at}) must be greater than the current simulation time")
                until = Event(self)  # before all regular timeouts due then
                until._ok = True
                until._value = None
                self.schedule(until, URGENT, at - self._now)
            elif until.callbacks is None:
                return until.value  # already processed
            until.callbacks.append(StopSimulation.callback)
        try:
            while True:
                self.step()
        except StopSimulation as exc:
            return exc.args[0]
        except EmptySchedule:
            if until is not None:
                assert not until.triggered
                raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {until}') from None
        return None

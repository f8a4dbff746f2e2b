"""The stations' own events (issue 15): a machine's timer and a waiting machine's hand-over.

SimPy's `Timeout` and `Event` are Python objects with a dictionary each: making one, setting its
fields and reading them back while it is processed is most of what an event costs. A `StationEvent`
has the fields SimPy's loop and processes read (`env`, `callbacks`, `_value`, `_ok`, `_defused`);
compiled, they are C fields, the object is made without an `__init__` frame, and the station runner
reads them in a few instructions. It answers what the stations and SimPy's loop ask of an event
(`triggered`, `processed`, `ok`, `value`, `succeed`, `fail`) as SimPy's does, and takes the same place
in line (tests/unit/test_fast_paths.py). It is not a `simpy.Event`: SimPy's conditions (`|`, `&`,
`any_of`) do not take it, and the stations never combine their events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from simpy import Event
from simpy.core import NORMAL
from simpy.events import PENDING

if TYPE_CHECKING:
    from stations.event_queue import TwinEnvironment  # annotations only


class StationEvent:
    """An event made by a station: pending until triggered (`_value` is PENDING), or triggered with
    `_ok` and `_value` as SimPy sets them."""

    __slots__ = ("env", "callbacks", "_value", "_ok", "handled")

    @property
    def _defused(self) -> bool:
        """SimPy's mark on a failed event someone handled: absent (AttributeError) until it is set."""
        if not self.handled:
            raise AttributeError("_defused")
        return True

    @_defused.setter
    def _defused(self, value: bool) -> None:
        self.handled = value

    @property
    def triggered(self) -> bool:
        return self._value is not PENDING

    @property
    def processed(self) -> bool:
        return self.callbacks is None

    @property
    def ok(self) -> Any:
        return self._ok

    @property
    def value(self) -> Any:
        if self._value is PENDING:
            raise AttributeError(f"Value of {self} is not yet available")
        return self._value

    def succeed(self, value: Any = None) -> "StationEvent":
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        self._ok = True
        self._value = value
        self.env.schedule(self)
        return self

    def fail(self, exception: BaseException) -> "StationEvent":
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        if not isinstance(exception, BaseException):
            raise TypeError(f"{exception} is not an exception.")
        self._ok = False
        self._value = exception
        self.env.schedule(self)
        return self

    def __repr__(self) -> str:
        return f"<StationEvent() object at {id(self):#x}>"


def new_event(env: TwinEnvironment) -> StationEvent:
    """A pending event, as SimPy's `Event(env)` (no callbacks yet), without its `__init__` frame."""
    event = StationEvent.__new__(StationEvent)  # no __init__ call
    event.env = env
    event.callbacks = []
    event._value = PENDING
    event._ok = None
    event.handled = False
    return event


def timeout(env: TwinEnvironment, delay: float) -> StationEvent:
    """`env.timeout(delay)` without SimPy's `Timeout.__init__` and `Environment.schedule` frames (the hot
    path makes one per machine cycle): a triggered event due at `env._now + delay`, taking the next
    place in line, as SimPy's own (tests/unit/test_fast_paths.py)."""
    if delay < 0:
        raise ValueError(f"Negative delay {delay}")
    event = StationEvent.__new__(StationEvent)
    event.env = env
    event.callbacks = []
    event._value = None
    event._ok = True
    event.handled = False
    queue = env._queue
    queue.push(env._now + delay, NORMAL, env._eid.take(), event)
    return event


def hand_over(waiter: Any, value: object = None) -> None:
    """`waiter.succeed(value)`. A machine's pending event is triggered here as SimPy's `succeed` and
    `Environment.schedule` would (two Python frames per wake-up on the hot path): the same value, due
    now, the next place in line. Any other waiter (a dwell store's loader) succeeds by itself.
    tests/unit/test_fast_paths.py holds it to SimPy's own."""
    if type(waiter) is not StationEvent:
        waiter.succeed(value)
        return
    event = waiter
    if event._value is not PENDING:
        raise RuntimeError(f"{event} has already been triggered")
    event._ok = True
    event._value = value
    env = event.env
    queue = env._queue
    queue.push(env._now, NORMAL, env._eid.take(), event)


def schedule_at(env: TwinEnvironment, event: Event, at: float, eid: Optional[int] = None) -> None:
    """Schedule a triggered `event` at the absolute time `at` with SimPy's normal priority.

    `env.timeout(at - env.now)` would land at `env.now + (at - env.now)`, which rounding can move
    off `at`; a timer that stands for an earlier-computed due time must fire exactly then. `eid`:
    the place in line among events due at the same instant, reserved (`next(env._eid)`) when the
    timer's own timeout would have been created, so that ties resolve as they would have.
    """
    queue = env._queue
    if eid is None:
        queue.push(at, NORMAL, env._eid.take(), event)
    else:
        queue.push(at, NORMAL, eid, event)

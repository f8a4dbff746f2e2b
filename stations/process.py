"""How the stations' loops are run by SimPy's event queue, at less cost per event (issue 15).

A `StationProcess` runs a station's generator exactly as `simpy.Process` does: started by an event
at the instant it is made (SimPy's Initialize: urgent, the next place in line), resumed with each
event's value once that event is processed, at once when it yields an event already processed. It
is the callback it registers, so a resumption makes no bound method, and `step_events`, the run
loop's inner steps, calls it directly. Every event is the one SimPy would make in the same place in
line, so the numbers are value for value those of `simpy.Process`
(tests/unit/test_fast_paths.py compares the two).

What it leaves out: it is not itself an event (nothing waits for a station's loop to end) and it
does not set `env.active_process` (no station interrupts another). A loop that raises stops the run
with its own exception at once, where SimPy would re-raise a copy when the failed process is
processed, later in the same instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Generator

from simpy import Event
from simpy.core import URGENT
from simpy.events import Initialize

from stations.events import StationEvent, hand_over, new_event

if TYPE_CHECKING:
    from stations.event_queue import TwinEnvironment  # annotations only


class StationProcess:
    """A station's generator, run by the events it yields (see the module docstring)."""

    def __init__(self, env: TwinEnvironment, generator: Generator[Event, object, None]) -> None:
        self.env = env
        self.generator = generator
        self.send = generator.send
        start = object.__new__(Initialize)  # SimPy's Initialize(env, process) with this as its callback
        start.env = env
        start.callbacks = [self]
        start._value = None
        start._ok = True
        queue = env._queue
        queue.push(env._now, URGENT, env._eid.take(), start)

    def __call__(self, event: Event) -> None:
        self.resume(event)

    def resume(self, event: Event) -> None:
        """`simpy.Process._resume`: send the event's value (or throw its failure) into the generator
        until it yields an event still to be processed, then wait for that one."""
        while True:
            try:
                if type(event) is StationEvent:  # a station's own event: its fields read in C
                    own = event
                    ok, value = own._ok, own._value
                else:
                    ok, value = event._ok, event._value
                if ok:
                    event = self.send(value)
                else:
                    event._defused = True
                    error = type(value)(*value.args)
                    error.__cause__ = value
                    event = self.generator.throw(error)
            except StopIteration:
                self._ended()
                return
            if type(event) is StationEvent:
                own = event
                callbacks = own.callbacks
            else:
                try:
                    callbacks = event.callbacks
                except AttributeError:
                    raise RuntimeError(f'Invalid yield value "{event}" in {self.generator!r}') from None
            if callbacks is not None:
                callbacks.append(self)
                return

    def _ended(self) -> None:
        """The generator returned: SimPy triggers the finished process (due now); an event triggered
        the same way takes its place in line."""
        hand_over(new_event(self.env))


def step_events(env: TwinEnvironment, count: int, crash: Callable[[Event], None]) -> None:
    """`Environment.step` of a `TwinEnvironment`, `count` times: pop the next event, advance the clock
    to it, call its callbacks (a station's loop directly), and hand a failed event nobody handled to
    `crash`."""
    queue = env._queue
    for step in range(count):
        event = queue.pop_event()
        env._now = queue.now
        if type(event) is StationEvent:
            own = event
            callbacks, ok = own.callbacks, own._ok
            own.callbacks = None
        else:
            callbacks, ok = event.callbacks, event._ok
            event.callbacks = None
        for callback in callbacks:
            if type(callback) is StationProcess:
                process = callback
                process.resume(event)
            else:
                callback(event)
        if not ok and not hasattr(event, "_defused"):
            crash(event)

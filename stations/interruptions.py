"""What stops a machine at a given time: the end of its shift, a breakdown, and the repair after it.

`MachineClock` wraps a machine's work and waits. Work pauses at a shift end (unless the calendar
finishes lots) and at a failure, and resumes its remaining time afterwards (preempt-resume). An idle
machine (starved or blocked) withdraws its request when its shift ends or a calendar-clock failure
falls due, and asks again when it is back: a machine that is off shift or down neither takes nor
hands over lots. Operating-clock failures only fall due while processing, so without a calendar
no extra SimPy event is needed.
"""

from __future__ import annotations

import math
from math import inf  # a module global: `math.inf` would be a module lookup on every call
from typing import TYPE_CHECKING, Callable, Generator, Optional

from simpy import Event

from stations.base import DOWN, OFF_SHIFT, STARVED, WAITING_BATCH, Machine
from stations.events import timeout
from stations.calendar import ShiftCalendar
from stations.crew import Crew
from stations.draws import read_in_c

if TYPE_CHECKING:
    from stations.event_queue import TwinEnvironment  # annotations only


class Breakdowns:
    """The failure clock of one machine and the repairs that follow its failures."""

    def __init__(self, env: TwinEnvironment, spec, ttf_generator, ttr_generator, monitor, crew: Optional[Crew]) -> None:
        self.env = env
        self.ttf = read_in_c(spec.ttf.sampler(ttf_generator))
        self.ttr = read_in_c(spec.ttr.sampler(ttr_generator))
        self.calendar_clock = spec.clock == "calendar"
        self.monitor = monitor
        self.crew = crew
        self.ttf_left = self.ttf.draw()  # operating clock: processing seconds left before the next failure
        self.next_at = env._now + self.ttf_left  # calendar clock: when the next failure falls due

    def left(self) -> float:
        return self.next_at - self.env._now if self.calendar_clock else self.ttf_left

    def repair(self, machine: Machine, resume_state: int) -> Generator[Event, object, None]:
        machine.set_state(DOWN)
        self.monitor.failures += 1
        duration = self.ttr.draw()
        if self.crew is None:
            yield timeout(self.env, duration)
        else:
            failed_at = self.env._now
            request = self.crew.resource.request()
            yield request
            yield from self.crew.repair(request, duration)
            # waiting for a free technician, and for the crew's next shift
            self.monitor.repair_wait_s += self.env._now - failed_at - duration
        self.ttf_left = self.ttf.draw()
        self.next_at = self.env._now + self.ttf_left
        machine.set_state(resume_state)


class MachineClock:
    def __init__(
        self, env: TwinEnvironment, machine: Machine, calendar: Optional[ShiftCalendar], breakdowns: Optional[Breakdowns]
    ) -> None:
        self.env = env
        self.machine = machine
        self.calendar = calendar
        self.breakdowns = breakdowns
        self.pauses_work = calendar is not None and not calendar.finish_lot
        self.timed_idle = calendar is not None or (breakdowns is not None and breakdowns.calendar_clock)
        self._alarm: Optional[Event] = None  # rings at the deadline of an idle wait (see `wait`)
        self._alarm_deadline = math.nan
        self._waiting: Optional[Event] = None  # the request an idle wait is on, while it waits
        self._cancel: Optional[Callable[[Event], bool]] = None
        self.failure_first = False  # (`arm`) the deadline of the idle wait is a failure, not the shift end

    def clear_ahead(self, now: float) -> float:
        """Seconds of processing that can start now and run without a pause: to the end of the shift
        (when work pauses for shifts) and to the next failure; 0 when off shift. A cycle no longer than
        this is the first and only step of `work`."""
        left = inf
        if self.pauses_work:
            calendar = self.calendar
            if not calendar.is_on(now):  # type: ignore[union-attr]
                return 0.0
            left = calendar.shift_end(now) - now  # type: ignore[union-attr]
        breakdowns = self.breakdowns
        if breakdowns is not None:
            fail_left = breakdowns.left()
            if fail_left < left:
                left = fail_left if fail_left > 0.0 else 0.0
        return left

    def processed(self, seconds: float) -> None:
        """`seconds` of processing done in one step: an operating failure clock counts them."""
        breakdowns = self.breakdowns
        if breakdowns is not None and not breakdowns.calendar_clock:
            breakdowns.ttf_left -= seconds

    def off_shift(self, resume_state: int) -> Generator[Event, object, None]:
        self.machine.set_state(OFF_SHIFT)
        start = self.calendar.next_on(self.env._now)  # type: ignore[union-attr]
        yield timeout(self.env, start - self.env._now) if math.isfinite(start) else self.env.event()
        self.machine.set_state(resume_state)

    def ready(self) -> Generator[Event, object, None]:
        """Wait for the shift to start if the machine is off shift now."""
        if self.calendar is not None and not self.calendar.is_on(self.env._now):
            yield from self.off_shift(self.machine.state)

    def work(self, duration: float, state: int, processing: bool = True) -> Generator[Event, object, None]:
        """Spend `duration` seconds in `state` (working or setup), pausing for shift ends and failures.
        Only processing advances an operating failure clock."""
        env, machine, calendar, breakdowns = self.env, self.machine, self.calendar, self.breakdowns
        operating = breakdowns is not None and not breakdowns.calendar_clock
        while True:
            now = env._now
            if self.pauses_work and not calendar.is_on(now):  # type: ignore[union-attr]
                yield from self.off_shift(state)
                continue
            shift_left = calendar.shift_end(now) - now if self.pauses_work else inf  # type: ignore[union-attr]
            fail_left = (  # a calendar failure that fell due while off shift is due now, not in the past
                inf if breakdowns is None or (operating and not processing) else max(0.0, breakdowns.left())
            )
            step = min(duration, shift_left, fail_left)
            if step > 0:
                yield timeout(env, step)
                if operating and processing:
                    breakdowns.ttf_left -= step  # type: ignore[union-attr]
            if step >= duration:
                return
            duration -= step
            if fail_left <= shift_left:
                yield from breakdowns.repair(machine, state)  # type: ignore[union-attr]
            else:
                yield from self.off_shift(state)

    def wait(
        self, request: Event, cancel: Callable[[Event], bool], renew: Callable[[], tuple[bool, object]]
    ) -> Generator[Event, object, object]:
        """Wait for `request` (a lot to take, or room to hand one over). If the shift ends or a calendar
        failure falls due first, withdraw it, go off shift or get repaired, then ask again through
        `renew`, which returns (True, value) when it succeeds at once or (False, new_request).

        The deadline is kept by one alarm per machine and deadline, shared by all the waits before it:
        a machine that waits a thousand times in a shift schedules one timer, not a thousand, and
        waits on its request alone (no condition event). A machine's loop makes the usual first step
        itself (`arm`, then yield the request; `after_deadline` if the deadline came first), with no
        generator for this one: the same steps in the same order."""
        if not self.timed_idle:
            return (yield request)
        return (yield from self._wait_from(request, cancel, renew, self.machine.state))

    def arm(self, request: Event, cancel: Callable[[Event], bool]) -> int:
        """One step of `wait` before it yields: WAIT_ARMED when the deadline (the shift end or a calendar
        failure) is ahead, with its alarm set and `request` recorded as the one waited on; WAIT_PLAIN
        when there is none (wait on the request alone); WAIT_OVERDUE when it has come already."""
        now = self.env._now
        calendar, breakdowns = self.calendar, self.breakdowns
        shift_end = calendar.shift_end(now) if calendar is not None else inf
        if calendar is not None and not calendar.is_on(now):
            shift_end = now
        fail_at = breakdowns.next_at if breakdowns is not None and breakdowns.calendar_clock else inf
        self.failure_first = fail_at <= shift_end  # decided here: the clock may wake a rounding error early
        deadline = min(shift_end, fail_at)
        if not deadline > now:
            return WAIT_OVERDUE
        if math.isinf(deadline):
            return WAIT_PLAIN
        self._set_alarm(deadline, now)
        self._waiting, self._cancel = request, cancel
        return WAIT_ARMED

    def after_deadline(self, idle_state: int, cancel: Callable[[Event], bool],
                       renew: Callable[[], tuple[bool, object]]) -> Generator[Event, object, object]:
        """The rest of `wait` once an armed request was answered with DEADLINE (`idle_state`: the
        machine's state when it began to wait)."""
        done, value = yield from self._pause_idle(idle_state, renew)
        if done:
            return value
        return (yield from self._wait_from(value, cancel, renew, idle_state))  # type: ignore[arg-type]

    def _wait_from(self, request: Event, cancel: Callable[[Event], bool], renew: Callable[[], tuple[bool, object]],
                   idle_state: int) -> Generator[Event, object, object]:
        """`wait`'s loop, for a machine that began to wait in `idle_state`."""
        while True:
            step = self.arm(request, cancel)
            if step == WAIT_PLAIN:
                return (yield request)
            if step == WAIT_ARMED:
                value = yield request
                self._waiting = None
                if value is not DEADLINE:
                    return value
            elif request.triggered or not cancel(request):
                return request.value
            done, value = yield from self._pause_idle(idle_state, renew)
            if done:
                return value
            request = value  # type: ignore[assignment]

    def _pause_idle(self, idle_state: int, renew: Callable[[], tuple[bool, object]]
                    ) -> Generator[Event, object, tuple[bool, object]]:
        """The deadline of an idle wait came: repaired or off shift, then ask again (`renew`)."""
        if self.failure_first:
            yield from self.breakdowns.repair(self.machine, idle_state)  # type: ignore[union-attr]
        else:
            yield from self.off_shift(idle_state)
        if idle_state in (STARVED, WAITING_BATCH):  # lots may have arrived meanwhile (batch filling)
            self.machine.set_state(self.machine.station.idle_state())  # type: ignore[attr-defined]
        return renew()

    def _set_alarm(self, deadline: float, now: float) -> None:
        """Make sure an alarm rings at `deadline` (the one already set for it, else a new one)."""
        if self._alarm_deadline == deadline and self._alarm is not None and self._alarm.callbacks is not None:
            return
        alarm = timeout(self.env, deadline - now)
        alarm.callbacks.append(self._ring)
        self._alarm, self._alarm_deadline = alarm, deadline

    def _ring(self, alarm: Event) -> None:
        """The deadline has come: a machine still waiting for its request withdraws it and wakes up."""
        request = self._waiting
        if alarm is not self._alarm or request is None:
            return  # an alarm for an older deadline, or the machine is busy
        if request.triggered or not self._cancel(request):  # type: ignore[misc]
            return  # the request was met at this instant: the machine takes its lot or room
        self._waiting = None
        request.succeed(DEADLINE)


DEADLINE = object()
"""What a withdrawn request is answered with: the shift ended or a failure fell due first."""

WAIT_PLAIN, WAIT_ARMED, WAIT_OVERDUE = 0, 1, 2
"""What `MachineClock.arm` found: no deadline ahead, a deadline ahead (alarm set), a deadline passed."""

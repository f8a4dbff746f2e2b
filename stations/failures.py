"""Breakdowns of one machine: time to failure on the operating or the calendar clock, then repair.

An interrupted lot resumes its remaining work after repair (preempt-resume). On the operating
clock the failure can only fall due while processing, so no extra SimPy event is needed; on the
calendar clock a failure can hit an idle machine, which `wait` handles by racing the machine's
request against the failure time.
"""

from __future__ import annotations

from typing import Callable, Generator

from simpy import Environment, Event

from stations.base import DOWN, WORKING, Machine
from twin.scenario import FailureSpec


class Breakdowns:
    def __init__(self, env: Environment, spec: FailureSpec, ttf_generator, ttr_generator, monitor) -> None:
        self.env = env
        self.ttf = spec.ttf.sampler(ttf_generator)
        self.ttr = spec.ttr.sampler(ttr_generator)
        self.calendar = spec.clock == "calendar"
        self.monitor = monitor
        self.ttf_left = self.ttf.draw()  # operating clock: processing time left before the next failure
        self.next_at = env.now + self.ttf_left  # calendar clock: when the next failure falls due

    def _left(self) -> float:
        return self.next_at - self.env.now if self.calendar else self.ttf_left

    def work(self, machine: Machine, duration: float) -> Generator[Event, None, None]:
        """Process for `duration` seconds of work, with the failures that fall due meanwhile."""
        env = self.env
        while True:
            left = self._left()
            if left >= duration:
                if not self.calendar:
                    self.ttf_left = left - duration
                yield env.timeout(duration)
                return
            if left > 0:
                yield env.timeout(left)
                duration -= left
            yield from self.repair(machine, WORKING)

    def repair(self, machine: Machine, resume_state: int) -> Generator[Event, None, None]:
        machine.set_state(DOWN)
        self.monitor.failures += 1
        yield self.env.timeout(self.ttr.draw())
        self.ttf_left = self.ttf.draw()
        self.next_at = self.env.now + self.ttf_left
        machine.set_state(resume_state)

    def wait(
        self,
        machine: Machine,
        request: Event,
        cancel: Callable[[Event], bool],
        renew: Callable[[], tuple[bool, object]],
    ) -> Generator[Event, None, object]:
        """Wait for `request`; on the calendar clock a failure falling due first withdraws it,
        repairs the machine and asks again (`renew` returns (done, value) or (False, new_event))."""
        if not self.calendar:
            return (yield request)
        env = self.env
        idle_state = machine.state
        while True:
            left = self.next_at - env.now
            if left > 0:
                yield request | env.timeout(left)
            if request.triggered or not cancel(request):
                return request.value
            yield from self.repair(machine, idle_state)
            done, value = renew()
            if done:
                return value
            request = value  # type: ignore[assignment]

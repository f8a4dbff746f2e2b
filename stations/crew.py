"""Repair crews: a pool of technicians shared by the machines whose failures name the crew.

A failed machine waits (down) for a free technician; a crew on shifts works on repairs only during
its shifts, pausing a repair at the end of one and resuming it at the start of the next.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Generator, Optional

from simpy import Event, Resource

from stations.events import timeout
from stations.calendar import ShiftCalendar
from stations.monitors import Level

if TYPE_CHECKING:
    from stations.event_queue import TwinEnvironment  # annotations only


class Crew:
    def __init__(self, env: TwinEnvironment, name: str, size: int, calendar: Optional[ShiftCalendar]) -> None:
        self.env = env
        self.name = name
        self.size = size
        self.calendar = calendar
        self.resource = Resource(env, capacity=size)
        self.busy = Level()
        self.repairs = 0
        self.stats_since = 0.0

    def repair(self, request, duration: float) -> Generator[Event, object, None]:
        """Work `duration` seconds on a repair with the technician granted by `request`, then free them."""
        env = self.env
        self.busy.add(1, env._now)
        while duration > 0:
            now = env._now
            if self.calendar is not None and not self.calendar.is_on(now):
                self.busy.add(-1, now)
                start = self.calendar.next_on(now)
                yield timeout(env, start - now) if math.isfinite(start) else env.event()  # no shift left: never
                self.busy.add(1, env._now)
                continue
            step = duration if self.calendar is None else min(duration, self.calendar.shift_end(now) - now)
            yield timeout(env, step)
            duration -= step
        self.busy.add(-1, env._now)
        self.repairs += 1
        self.resource.release(request)

    def reset(self, now: float) -> None:
        self.busy.area = 0.0
        self.busy.since = now
        self.repairs = 0
        self.stats_since = now

    def utilization(self, now: float) -> float:
        """Busy technician time / available technician time since the statistics reset."""
        available = (now - self.stats_since) if self.calendar is None else self.calendar.on_seconds(self.stats_since, now)
        return self.busy.area_until(now) / (self.size * available) if available > 0 else float("nan")

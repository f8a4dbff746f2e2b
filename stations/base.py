"""The station life cycle every behaviour shares: lots, buffers with blocking, machine state timelines.

A `Lot` is what moves. A `Buffer` is the waiting room in front of a station; it hands lots to idle
machines directly and keeps blocked upstream machines in line (blocking after service: the slot goes
to the blocked lot the instant one frees; with 0 slots a lot passes straight from machine to
machine). Buffers do their bookkeeping without SimPy resources, which keeps the engine within a
small factor of a bare SimPy model. A `Machine` owns one state timeline; its station turns the
machines' states into active periods for the bottleneck analysis.
"""

from __future__ import annotations

from array import array
from typing import Callable, Optional, Protocol, TYPE_CHECKING

from simpy import Event

from stations.events import hand_over, new_event
from stations.fifo import Fifo, new_line
from stations.lot import Lot, ReleasePolicy  # noqa: F401  (the station modules take them from here)
from stations.sink import Exit
from stations.states import (  # noqa: F401  (the station modules take the states from here)
    BLOCKED, DOWN, IS_IDLE, OFF_SHIFT, SETUP, STARVED, STATE_NAMES, WAITING_BATCH, WORKING,
)

if TYPE_CHECKING:
    from stations.event_queue import TwinEnvironment
    from stations.monitors import LineMonitor, StationMonitor

class QTime(Protocol):
    """What a buffer asks of its station's Q-time (stations.flow.Expiry implements it)."""

    one_limit: bool
    """The same limit for every item (a lane's expired lots are then a prefix of it)."""

    def expired(self, lot: "Lot", now: float) -> bool: ...

    def handle(self, lot: "Lot", now: float) -> None: ...


class Buffer:
    """Waiting slots in front of one station, with blocking after service.

    `try_get`/`try_put` answer at once when they can (no SimPy event is made); otherwise
    `get_event`/`put_event` return an event that fires when the lot can move. A rework lane ahead
    of the queue takes returned lots without counting against the capacity, so a rework loop
    cannot deadlock the station that feeds it.
    """

    __slots__ = ("env", "capacity", "items", "rework", "getters", "putters", "monitor", "line", "new_lot", "expiry")

    def __init__(self, env: TwinEnvironment, capacity: float, monitor: "StationMonitor", line: "LineMonitor") -> None:
        self.env = env
        self.capacity = capacity
        self.items: Fifo = new_line()  # lots waiting
        self.rework: Fifo = new_line()  # reworked lots waiting (served first)
        self.getters: Fifo = new_line()  # events of idle machines waiting for a lot
        self.putters: Fifo = new_line()  # (event, lot) of machines blocked upstream
        self.monitor = monitor
        self.line = line
        self.new_lot: Optional[Callable[[], Lot]] = None  # set by a saturated source
        self.expiry: Optional[QTime] = None  # the station's Q-time (max_wait), set by twin.sim.build

    # -- accepting lots -------------------------------------------------------------------
    def _accept(self, lot: Lot, queued: bool) -> None:
        now = self.env._now
        if lot.released_at < 0:
            lot.released_at = lot.counted_at = now
            self.line.release(lot, now)
        lot.queued_at = now
        self.monitor.arrive(lot.cells, now, queued)
        if self.monitor.events is not None:
            self.monitor.events.lot(self.monitor.name, lot, "arrive", now)

    def try_put(self, lot: Lot) -> bool:
        """Place `lot` if there is room (or an idle machine); False if the caller is blocked."""
        if self.getters:
            self._accept(lot, False)
            hand_over(self.getters.popleft(), lot)
            return True
        if len(self.items) < self.capacity:
            self._accept(lot, True)
            self.items.append(lot)
            return True
        return False

    def put_event(self, lot: Lot) -> Event:
        """An event that fires when `lot` has been accepted (the caller stays blocked until then)."""
        event = new_event(self.env)
        self.putters.append((event, lot))
        return event

    def put_rework(self, lot: Lot) -> None:
        """A reworked lot rejoins ahead of new lots, whatever the capacity."""
        if self.getters:
            self._accept(lot, False)
            hand_over(self.getters.popleft(), lot)
        else:
            self._accept(lot, True)
            self.rework.append(lot)

    def cancel_put(self, event: Event) -> bool:
        """Withdraw a pending put (its machine failed while blocked); False if it already went through."""
        for index, (pending, _) in enumerate(self.putters):
            if pending is event:
                del self.putters[index]
                return True
        return False

    # -- handing lots out -----------------------------------------------------------------
    def _take_waiting(self) -> Optional[Lot]:
        """The next waiting lot (rework first); a lot whose Q-time ran out is expired on the way."""
        while True:
            if self.rework:
                lot = self.rework.popleft()
            elif self.items:
                lot = self.items.popleft()
            else:
                return None
            self._left_queue(lot)
            if self.expiry is None or not self.expiry.expired(lot, self.env._now):
                return lot
            self.expiry.handle(lot, self.env._now)

    def _left_queue(self, lot: Lot) -> None:
        self.monitor.leave_queue(lot, self.env._now)
        if self.putters and len(self.items) < self.capacity:
            event, blocked = self.putters.popleft()
            self._accept(blocked, True)
            self.items.append(blocked)
            hand_over(event)

    def purge_expired(self) -> None:
        """Expire every waiting lot whose Q-time ran out (before counting what is waiting)."""
        if self.expiry is None:
            return
        now, expiry = self.env._now, self.expiry
        for lane in (self.rework, self.items):
            if not lane:
                continue
            # a lane is in arrival order, so with one limit for every item its expired lots are a
            # prefix: looking at the head answers for the whole lane (this runs at every arrival)
            if expiry.one_limit:
                if not expiry.expired(lane[0], now):
                    continue
            else:  # (`any`, written out: no closure, so compiled this is a C method)
                for lot in lane:
                    if expiry.expired(lot, now):
                        break
                else:
                    continue
            kept = [lot for lot in lane if not expiry.expired(lot, now)]
            gone = [lot for lot in lane if expiry.expired(lot, now)]
            lane.clear()
            lane.extend(kept)
            for lot in gone:
                self._left_queue(lot)
                expiry.handle(lot, now)

    def try_get(self) -> Optional[Lot]:
        """The next lot if one is waiting (or held by a blocked machine upstream), else None."""
        lot = self._take_waiting()
        if lot is not None:
            return lot
        if self.putters:  # no slot between the machines: take the blocked lot directly
            event, lot = self.putters.popleft()
            self._accept(lot, False)
            hand_over(event)
            return lot
        if self.new_lot is not None:
            lot = self.new_lot()
            self._accept(lot, False)
            return lot
        return None

    def get_event(self) -> Event:
        """An event whose value is the next lot to arrive."""
        event = new_event(self.env)
        self.getters.append(event)
        return event

    def cancel_get(self, event: Event) -> bool:
        """Withdraw a pending get (its machine failed while idle); False if a lot was already handed over."""
        try:
            self.getters.remove(event)
            return True
        except ValueError:
            return False

    def waiting_lots(self) -> int:
        return len(self.items) + len(self.rework)


def put_into(destination, lot: Lot) -> bool:
    """`destination.try_put(lot)`: a C call when the destination is a buffer or the line's exit."""
    if isinstance(destination, Buffer):
        buffer = destination
        return buffer.try_put(lot)
    if isinstance(destination, Exit):
        end = destination
        return end.try_put(lot)
    return destination.try_put(lot)


def as_buffer(destination) -> Buffer:
    """`destination`, declared a buffer (see `stations.lot.as_lot`): a compiled generator then calls its
    methods in C."""
    return destination


def as_machine(machine) -> "Machine":
    """`machine`, declared a machine (see `stations.lot.as_lot`)."""
    return machine


class BatchBuffer(Buffer):
    """A buffer in front of a batch station: a free machine takes min..max lots at once."""

    __slots__ = ("batch_min", "batch_max", "waiting_machines", "unmarked")

    def __init__(self, env, capacity, monitor, line, batch_min: int, batch_max: int) -> None:
        super().__init__(env, capacity, monitor, line)
        self.batch_min = batch_min
        self.batch_max = batch_max
        self.waiting_machines: Fifo = new_line()
        # The waiting machines not yet marked WAITING_BATCH: the tail of waiting_machines, since a
        # machine's state changes only here while it waits (it leaves the line to go off shift or
        # be repaired). Marking walks these alone, not every waiting rack at every arrival.
        self.unmarked: Fifo = new_line()

    def try_put(self, lot: Lot) -> bool:
        if len(self.items) >= self.capacity:
            return False
        self._accept(lot, True)
        self.items.append(lot)
        self._serve()
        return True

    def put_rework(self, lot: Lot) -> None:
        self._accept(lot, True)
        self.rework.append(lot)
        self._serve()

    def _serve(self) -> None:
        self.purge_expired()
        while self.getters and (self.waiting_lots() >= self.batch_min or self.new_lot is not None):
            served = self.waiting_machines.popleft()
            if self.unmarked and self.unmarked[0] is served:
                self.unmarked.popleft()
            hand_over(self.getters.popleft(), self._take_batch())
        if self.unmarked and self.getters and self.waiting_lots():
            for machine in self.unmarked:
                machine.set_state(WAITING_BATCH)
            self.unmarked.clear()

    def _take_batch(self) -> list[Lot]:
        lots: list[Lot] = []
        while len(lots) < self.batch_max:
            lot = self._take_waiting()
            if lot is None:
                break
            lots.append(lot)
        while self.new_lot is not None and len(lots) < self.batch_max:
            lot = self.new_lot()
            self._accept(lot, False)
            lots.append(lot)
        return lots

    def try_get_batch(self) -> Optional[list[Lot]]:
        self.purge_expired()
        if self.waiting_lots() >= self.batch_min or self.new_lot is not None:
            lots = self._take_batch()
            self._serve()  # taking can pull blocked lots in, enough for a waiting machine
            return lots
        return None

    def get_batch_event(self, machine: "Machine") -> Event:
        self.waiting_machines.append(machine)
        self.unmarked.append(machine)
        return self.get_event()

    def cancel_get(self, event: Event) -> bool:
        for index, pending in enumerate(self.getters):
            if pending is event:
                marked = len(self.waiting_machines) - len(self.unmarked)
                del self.getters[index]
                del self.waiting_machines[index]
                if index >= marked:
                    del self.unmarked[index - marked]
                return True
        return False

    def try_get(self):  # pragma: no cover - batch machines use try_get_batch
        raise TypeError("a batch buffer hands out batches: use try_get_batch")


class Machine:
    """One machine of a station: its state timeline (seconds per state since the statistics reset)."""

    __slots__ = ("env", "station", "index", "state", "since", "seconds", "events")

    def __init__(self, env: TwinEnvironment, station: "StationRuntime", index: int) -> None:
        self.env = env
        self.station = station
        self.index = index
        self.state = STARVED
        self.since = env._now
        self.seconds = array("d", bytes(8 * len(STATE_NAMES)))  # C doubles compiled: no float made per change
        self.events = None  # an event log's sink, set by the log when one is attached

    def set_state(self, new: int) -> None:
        old = self.state
        if new == old:
            return
        now = self.env._now
        at = now  # (compiled: a C double, so the time in state is a C subtraction; the same IEEE value)
        self.seconds[old] += at - self.since
        self.since = at
        self.state = new
        if IS_IDLE[old] != IS_IDLE[new]:
            self.station.monitor.machine_idle_changed(IS_IDLE[new], at)
        if self.events is not None:
            self.events.state(self, new, now)

    def reset(self, now: float) -> None:
        self.seconds = array("d", bytes(8 * len(STATE_NAMES)))
        self.since = now

    def close(self, now: float) -> list[float]:
        """State seconds up to `now`, the open interval included."""
        seconds = [self.seconds[state] for state in range(len(STATE_NAMES))]
        seconds[self.state] += now - self.since
        return seconds


class StationRuntime:
    """What every station behaviour has: a name, its input buffer, its monitor and its route out."""

    def __init__(self, env: TwinEnvironment, name: str, buffer: Buffer, monitor: "StationMonitor") -> None:
        self.env = env
        self.name = name
        self.buffer = buffer
        self.monitor = monitor
        self.destination: Buffer | None = None  # set by twin.sim.build once every station exists
        self.route_by_item: Optional[list] = None  # per item: a Buffer or a Router; None: all to destination

    def route(self, lot: Lot) -> Buffer:
        """Where this finished lot goes (drawn by shares when the station routes)."""
        if self.route_by_item is None:
            return self.destination  # type: ignore[return-value]
        target = self.route_by_item[lot.item]
        return target.choose() if hasattr(target, "choose") else target

    def input_buffer(self, upstream: str) -> Buffer:
        """The buffer that lots from `upstream` (a station or source name) enter."""
        return self.buffer

    def start(self) -> None:  # pragma: no cover - every behaviour overrides
        raise NotImplementedError

    def capacity_units(self) -> int:  # pragma: no cover - every behaviour overrides
        """Machines, or places of a store: what works in parallel."""
        raise NotImplementedError

    def state_seconds(self, now: float) -> list[float]:  # pragma: no cover
        raise NotImplementedError

    def reset(self, now: float) -> None:  # pragma: no cover
        raise NotImplementedError

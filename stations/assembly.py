"""Assembly: a machine starts a job when every input has delivered its quantity, consumes those
lots and makes `cells_out` cells of a product (winding turns a cathode and an anode roll into cells).

Each input has its own buffer, so a plentiful input cannot crowd out a scarce one. The made lot
inherits the earliest release time of its inputs, so lead time runs from the first material release.
"""

from __future__ import annotations

from collections import deque
from typing import Generator, Optional

from simpy import Event

from stations.base import WORKING, Buffer, Lot
from stations.events import hand_over, new_event
from stations.interruptions import DEADLINE, WAIT_ARMED
from stations.lot import as_lot, make_lot
from stations.process import StationProcess
from stations.processing import ProcessingStation


class AssemblyInput(Buffer):
    """One input buffer of an assembly station: lots always wait here; each arrival is reported."""

    __slots__ = ("on_arrival",)

    def try_put(self, lot: Lot) -> bool:
        if len(self.items) >= self.capacity:
            return False
        self._accept(lot, True)
        self.items.append(lot)
        self.on_arrival()
        return True

    def put_rework(self, lot: Lot) -> None:
        self._accept(lot, True)
        self.rework.append(lot)
        self.on_arrival()

    def has(self, quantity: int) -> bool:
        self.purge_expired()
        return self.new_lot is not None or self.waiting_lots() >= quantity

    def take(self, quantity: int) -> list[Lot]:
        lots = []
        for _ in range(quantity):
            lot = self._take_waiting()
            if lot is None:
                lot = self.new_lot()  # type: ignore[misc]
                self._accept(lot, False)
            lots.append(lot)
        return lots


class AssemblyStation(ProcessingStation):
    def __init__(self, *args, inputs: dict[str, AssemblyInput], product_item: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.inputs = inputs
        for buffer in inputs.values():
            buffer.on_arrival = self._input_arrived
        self.quantities = dict(self.spec.inputs or {})
        self.product_item = product_item
        change = self.spec.input_change
        self.input_change = change.sampler(self.streams.generator(self.name, "setup", 1)) if change is not None else None
        self.waiting: deque[Event] = deque()

    def input_buffer(self, upstream: str) -> Buffer:
        return self.inputs[upstream]

    def start(self) -> None:
        for machine in self.machines:
            StationProcess(self.env, self._run(machine.index))

    # matching inputs -----------------------------------------------------------------------
    def _ready(self) -> bool:
        for name, quantity in self.quantities.items():  # (`all`, in order: a C loop compiled)
            buffer = self.inputs[name]
            if not buffer.has(quantity):
                return False
        return True

    def _take_lots(self) -> list[Lot]:
        lots = []
        for name, quantity in self.quantities.items():
            buffer = self.inputs[name]
            lots.extend(buffer.take(quantity))
        return lots

    def _try_take(self) -> Optional[list[Lot]]:
        if not self._ready():
            return None
        lots = self._take_lots()
        self._serve_waiting()  # taking can pull blocked lots in, enough for a waiting machine
        return lots

    def _request(self) -> Event:
        event = new_event(self.env)
        self.waiting.append(event)
        return event

    def _cancel(self, event: Event) -> bool:
        try:
            self.waiting.remove(event)
            return True
        except ValueError:
            return False

    def _serve_waiting(self) -> None:
        while self.waiting and self._ready():
            hand_over(self.waiting.popleft(), self._take_lots())

    def _input_arrived(self) -> None:
        self._serve_waiting()

    # the job -------------------------------------------------------------------------------
    def _make(self, consumed: list[Lot]) -> Lot:
        now = self.env._now
        for lot in consumed:
            self.line.consume(lot, now)
            self.monitor.use_up(lot.cells, now)
            if lot.source is not None:
                lot.source.lot_left(lot)
        made = make_lot(self.spec.cells_out or 1, self.product_item, None)
        made.released_at = min([lot.released_at for lot in consumed])
        made.counted_at = now
        self.line.create(made, now)
        self.monitor.make(made.cells, now)
        return made

    def _run(self, index: int) -> Generator[Event, object, None]:
        """Each job: the input change (roll change, as setup), then the cells; with `split`, each
        piece (tray) leaves as soon as its share of the job's time is done. The moves of `take` and
        `process` are written out as in `MachineStation._run` (no generator per job or tray in the
        usual case): the same steps in the same order."""
        machine = self.machine_at(index)
        clock = self.clock_at(index)
        env, monitor = self.env, self.monitor
        calendar = None  # (assigned apart, so that the compiled loop holds it typed)
        if clock is not None:
            calendar = clock.calendar
        try_take, request_take, cancel = self._try_take, self._request, self._cancel

        def renew() -> tuple[bool, object]:
            again = try_take()
            return (True, again) if again is not None else (False, request_take())

        while True:
            if calendar is not None and not calendar.is_on(env._now):  # `take`: MachineClock.ready
                yield from clock.off_shift(machine.state)  # type: ignore[union-attr]
            consumed = self._try_take()
            if consumed is None:
                machine.set_state(self.idle_state())
                request = self._request()
                if clock is None or not clock.timed_idle:
                    consumed = yield request
                elif clock.arm(request, cancel) == WAIT_ARMED:
                    consumed = yield request
                    clock._waiting = None
                    if consumed is DEADLINE:
                        consumed = yield from clock.after_deadline(machine.state, cancel, renew)
                else:
                    consumed = yield from clock.wait(request, cancel, renew)
            lot = self._make(consumed)  # type: ignore[arg-type]
            cycle = self.cycle_for(lot.item)
            if self.input_change is not None:
                yield from self.set_up(machine, self.input_change.draw())
            if monitor.events is not None:  # the inputs end here
                for used in consumed:  # type: ignore[union-attr]
                    monitor.events.lot(self.name, used, "start", env._now, machine=index)
            duration, ideal, cells = cycle.draw(lot.cells), cycle.ideal_s(lot.cells), lot.cells
            pieces = self.split(lot) if self.split_into else [lot]
            for each in pieces:
                piece = as_lot(each)
                share = piece.cells / cells
                if monitor.events is not None:  # each tray of the made cells starts as it is made
                    monitor.events.lot(self.name, piece, "start", env._now, machine=index)
                seconds = duration * share
                if self.changeover is not None:
                    yield from self.process(machine, seconds, piece.item)
                else:  # `process` without a changeover, with no generator
                    timer = self.cycle_timer(machine, clock, seconds)
                    if timer is None:
                        yield from clock.work(seconds, WORKING)  # type: ignore[union-attr]
                    else:
                        yield timer
                        if clock is not None:
                            clock.processed(seconds)
                monitor.ideal_work_s += ideal * share
                rest = self.try_send(machine, piece, False)
                if rest is not None:
                    yield from rest

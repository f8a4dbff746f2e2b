"""Assembly: a machine starts a job when every input has delivered its quantity, consumes those
lots and makes `cells_out` cells of a product (winding turns a cathode and an anode roll into cells).

Each input has its own buffer, so a plentiful input cannot crowd out a scarce one. The made lot
inherits the earliest release time of its inputs, so lead time runs from the first material release.
"""

from __future__ import annotations

from collections import deque
from typing import Generator, Optional

from simpy import Event

from stations.base import Buffer, Lot, Machine
from stations.events import hand_over, new_event
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
            StationProcess(self.env, self._run(machine))

    # matching inputs -----------------------------------------------------------------------
    def _ready(self) -> bool:
        return all(self.inputs[name].has(q) for name, q in self.quantities.items())

    def _take_lots(self) -> list[Lot]:
        return [lot for name, q in self.quantities.items() for lot in self.inputs[name].take(q)]

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
        made = Lot(self.spec.cells_out or 1, self.product_item)
        made.released_at = min(lot.released_at for lot in consumed)
        made.counted_at = now
        self.line.create(made, now)
        self.monitor.make(made.cells, now)
        return made

    def _run(self, machine: Machine) -> Generator[Event, object, None]:
        """Each job: the input change (roll change, as setup), then the cells; with `split`, each
        piece (tray) leaves as soon as its share of the job's time is done."""
        while True:
            consumed = yield from self.take(machine, self._try_take, self._request, self._cancel)
            lot = self._make(consumed)
            cycle = self.cycle_for(lot.item)
            if self.input_change is not None:
                yield from self.set_up(machine, self.input_change.draw())
            if self.monitor.events is not None:  # the inputs end here
                for used in consumed:
                    self.monitor.events.lot(self.name, used, "start", self.env._now, machine=machine.index)
            duration, ideal, cells = cycle.draw(lot.cells), cycle.ideal_s(lot.cells), lot.cells
            for piece in (self.split(lot) if self.split_into else (lot,)):
                share = piece.cells / cells
                if self.monitor.events is not None:  # each tray of the made cells starts as it is made
                    self.monitor.events.lot(self.name, piece, "start", self.env._now, machine=machine.index)
                yield from self.process(machine, duration * share, piece.item)
                self.monitor.ideal_work_s += ideal * share
                rest = self.try_send(machine, piece, split=False)
                if rest is not None:
                    yield from rest

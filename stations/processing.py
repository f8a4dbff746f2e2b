"""What machine, batch and assembly stations share: cycle times, changeovers, shifts and failures,
scrap, rework, splitting, and moving a finished lot on.

`ProcessingStation` holds the per-station samplers and the moves every machine makes: getting work
ready (setup), processing it, and handing it downstream (blocked until there is room, or onto a
conveyor), so machine.py, batch.py and assembly.py only describe what is particular to them.
"""

from __future__ import annotations

from math import sqrt  # a module global: `math.sqrt` would be a module lookup on every lot
from typing import Generator, Optional

from simpy import Environment, Event

from stations.base import (
    BLOCKED, SETUP, STARVED, STATE_NAMES, WORKING, Buffer, Lot, Machine, StationRuntime, as_buffer, as_machine, put_into,
)
from stations.lot import as_lot, make_lot
from stations.events import timeout
from stations.calendar import ShiftCalendar
from stations.crew import Crew
from stations.draws import BlockDraws, read_in_c
from stations.interruptions import DEADLINE, WAIT_ARMED, Breakdowns, MachineClock
from stations.flow import Grader, Regrouper
from stations.quality import Rework, Scrap, scrap_bad_cells
from stations.monitors import LineMonitor, StationMonitor
from twin.spec.rng import Streams
from twin.spec.scenario import StationSpec


class CycleTime:
    """Processing time of a job; with `per: cell`, the sum of one time per cell in the lot.

    The sum over n cells is drawn as n*mean + sqrt(n)*(x - mean) from one draw x: the same mean
    and variance as the exact sum (exact for n = 1), at the cost of one draw per lot.
    """

    def __init__(self, spec, generator) -> None:
        self.sampler = read_in_c(spec.sampler(generator))
        self.mean_s = spec.mean_s
        self.per_cell = spec.per == "cell"

    def draw(self, cells: int) -> float:
        sampler = self.sampler
        if type(sampler) is BlockDraws:
            block_draws = sampler  # (typed in processing.pxd: a C call)
            x = block_draws.draw()
        else:
            x = sampler.draw()
        if self.per_cell and cells != 1:
            drawn = float(x)  # (x - mean as Python would take it; compiled, all C doubles)
            return cells * self.mean_s + sqrt(cells) * (drawn - self.mean_s)
        return x

    def ideal_s(self, cells: int) -> float:
        return self.mean_s * cells if self.per_cell else self.mean_s


class Changeover:
    """Setup time when a machine switches product (a default time, or a from/to table)."""

    def __init__(self, spec, item_index: dict[str, int], streams: Streams, station: str) -> None:
        generator = streams.generator(station, "setup")
        self.default = spec.time.sampler(generator) if spec.time is not None else None
        self.pairs = {
            (item_index[a], item_index[b]): dist.sampler(generator)
            for a, row in spec.from_to.items() for b, dist in row.items()
        }

    def time_s(self, previous: int, item: int) -> float:
        sampler = self.pairs.get((previous, item), self.default)
        return sampler.draw() if sampler is not None else 0.0


def per_item(spec, cycle: CycleTime, scrap: Optional[Scrap], item_index: dict[str, int], streams: Streams
             ) -> tuple[list[CycleTime], list[Optional[Scrap]]]:
    """Cycle time and scrap for lots of each item: the station's own, or its `by_product` entry's
    (drawn from the product's own streams, so the station's other draws stay as they were)."""
    n = max(item_index.values(), default=0) + 1
    cycles, scraps = [cycle] * n, [scrap] * n
    for product in spec.by_product:
        variant, item = spec.for_product(product), item_index[product]
        owner = f"{spec.name}/{product}"
        if variant.cycle_time != spec.cycle_time:
            cycles[item] = CycleTime(variant.cycle_time, streams.generator(owner, "cycle"))
        if variant.yield_ != spec.yield_:
            scraps[item] = Scrap(variant.yield_, streams.generator(owner, "quality")) if variant.yield_ < 1 else None
    return cycles, scraps


def put_again(target: Buffer, lot: Lot):
    """A blocked wait's `renew`: hand `lot` to `target` now, (True, None), or (False, a new request)."""
    return lambda: (True, None) if target.try_put(lot) else (False, target.put_event(lot))


class ProcessingStation(StationRuntime):
    def __init__(
        self,
        env: Environment,
        spec: StationSpec,
        buffer: Buffer,
        monitor: StationMonitor,
        line: LineMonitor,
        streams: Streams,
        calendar: Optional[ShiftCalendar] = None,
        crew: Optional[Crew] = None,
        item_index: Optional[dict[str, int]] = None,
    ) -> None:
        super().__init__(env, spec.name, buffer, monitor)
        self.spec = spec
        self.split_into = spec.split  # pieces per finished lot (None: it leaves whole); read per lot
        self.line = line
        self.machines = [Machine(env, self, i) for i in range(spec.machines)]
        self.streams = streams
        self.cycle = CycleTime(spec.cycle_time, streams.generator(spec.name, "cycle"))
        self.scrap = Scrap(spec.yield_, streams.generator(spec.name, "quality")) if spec.yield_ < 1 else None
        self.cycle_of, self.scrap_of = per_item(spec, self.cycle, self.scrap, item_index or {}, streams)
        self.regrouper = Regrouper(spec.regroup, line) if spec.regroup else None
        self.grader = (
            Grader(spec.grades, line, streams.generator(spec.name, "grade")) if spec.grades else None
        )
        self.rework = Rework(spec.rework.fraction, streams.generator(spec.name, "routing")) if spec.rework else None
        self.rework_target: Optional[Buffer] = None  # set by twin.sim.build
        self.changeover = Changeover(spec.setup, item_index or {}, streams, spec.name) if spec.setup else None
        self.transfer = spec.transfer_time.sampler(streams.generator(spec.name, "transfer")) if spec.transfer_time else None
        self.last_item: list[Optional[int]] = [None] * spec.machines
        self.clocks: list[Optional[MachineClock]] = []
        for i, machine in enumerate(self.machines):
            breakdowns = (
                Breakdowns(
                    env, spec.failures, streams.generator(spec.name, "failure", i),
                    streams.generator(spec.name, "repair", i), monitor, crew,
                )
                if spec.failures
                else None
            )
            needs_clock = calendar is not None or breakdowns is not None
            self.clocks.append(MachineClock(env, machine, calendar, breakdowns) if needs_clock else None)

    def capacity_units(self) -> int:
        return len(self.machines)

    def state_seconds(self, now: float) -> list[float]:
        totals = [0.0] * len(STATE_NAMES)
        for machine in self.machines:
            for state, seconds in enumerate(machine.close(now)):
                totals[state] += seconds
        return totals

    def reset(self, now: float) -> None:
        self.monitor.reset(now)
        for machine in self.machines:
            machine.reset(now)

    def machine_at(self, index: int) -> Machine:
        """Machine `index`. The compiled machine loop takes its machine and clock from these two
        (declared with their classes in processing.pxd), so its calls on them are C calls."""
        return self.machines[index]

    def clock_at(self, index: int) -> Optional[MachineClock]:
        """Machine `index`'s clock (shifts and failures), None when it has neither."""
        return self.clocks[index]

    def cycle_for(self, item: int) -> CycleTime:
        """The cycle time of `item` (typed, so the machine loop's draws are C calls)."""
        return self.cycle_of[item]

    # the moves every machine makes ---------------------------------------------------------
    def take(self, machine: Machine, try_take, request_take, cancel) -> Generator[Event, object, object]:
        """Get the next job: at once if one is waiting, else wait (starved) for it."""
        clock = self.clock_at(machine.index)
        if clock is not None and clock.calendar is not None:  # (`ready` does nothing without a calendar)
            yield from clock.ready()
        job = try_take()
        if job is not None:
            return job
        machine.set_state(self.idle_state())
        request = request_take()
        if clock is None or not clock.timed_idle:  # (`clock.wait` would only wait for the request)
            return (yield request)

        def renew():
            again = try_take()
            return (True, again) if again is not None else (False, request_take())

        return (yield from clock.wait(request, cancel, renew))

    def idle_state(self) -> int:
        """The state of a machine waiting for work."""
        return STARVED

    def process(self, machine: Machine, duration: float, item: int) -> Generator[Event, object, None]:
        """Changeover if the product changed, then `duration` seconds of work."""
        clock = self.clock_at(machine.index)
        if self.changeover is not None:
            previous = self.last_item[machine.index]
            self.last_item[machine.index] = item
            if previous is not None and previous != item:
                yield from self.set_up(machine, self.changeover.time_s(previous, item))
        timer = self.cycle_timer(machine, clock, duration)
        if timer is None:
            yield from clock.work(duration, WORKING)  # type: ignore[union-attr]
        else:
            yield timer
            if clock is not None:
                clock.processed(duration)

    def cycle_timer(self, machine: Machine, clock: Optional[MachineClock], seconds: float):
        """`process` without a changeover, as a call rather than a generator (the assembly and batch
        loops use it for each tray and load): the machine set working, and the timer of the cycle when
        one step does it (no clock, or the cycle ends before the shift end and the next failure:
        `clock.work` in one step, to be followed by `clock.processed`); None when `clock.work` must
        pace it."""
        machine.set_state(WORKING)
        if clock is None or 0 < seconds <= clock.clear_ahead(self.env._now):
            return timeout(self.env, seconds)
        return None

    def set_up(self, machine: Machine, seconds: float) -> Generator[Event, object, None]:
        """`seconds` of setup (a changeover, a roll change): the machine is in SETUP, not working."""
        if seconds <= 0:
            return
        clock = self.clock_at(machine.index)
        machine.set_state(SETUP)
        if clock is None:
            yield timeout(self.env, seconds)
        else:
            yield from clock.work(seconds, SETUP, processing=False)

    def finish(self, lot: Lot) -> bool:
        """Scrap and rework after processing; False if the lot is gone (scrapped or sent back)."""
        now = self.env._now
        self.monitor.processed_cells += lot.cells
        if self.monitor.events is not None:
            self.monitor.events.lot(self.name, lot, "finish", now)
        if not scrap_bad_cells(self.scrap_of[lot.item], lot, self.monitor, self.line, now):
            return False
        if self.rework is not None and self.rework.chosen():
            self.monitor.depart(lot.cells, now)
            if self.monitor.events is not None:
                self.monitor.events.lot(self.name, lot, "leave", now)
            self.rework_target.put_rework(lot)  # type: ignore[union-attr]
            return False
        return True

    def send_on(self, machine: Machine, lot: Lot, split: bool = True) -> Generator[Event, object, None]:
        """After processing: scrap, rework, grading, packing into full lots (regroup), routing, and the
        move downstream (the machine is blocked until the lot has left)."""
        rest = self.try_send(machine, lot, split)
        if rest is not None:
            yield from rest

    def try_send(self, machine: Machine, lot: Lot, split: bool = True
                 ) -> Optional[Generator[Event, object, None]]:
        """`send_on` without a generator for the usual case: None when everything left at once, else
        the generator that finishes the move once the machine is blocked (the caller yields from it).

        The loop makes exactly the moves of `send_on` in the same order (one route draw per lot,
        then its pieces), so the hot path of a machine costs no generator per lot.
        """
        if self.rework is None:  # `finish` without rework, written out
            monitor = self.monitor
            monitor.processed_cells += lot.cells
            if monitor.events is not None:
                monitor.events.lot(self.name, lot, "finish", self.env._now)
            scrap = self.scrap_of[lot.item]
            if scrap is not None and not scrap_bad_cells(scrap, lot, monitor, self.line, self.env._now):
                return None
        elif not self.finish(lot):
            return None
        lots = self.grader.sort(lot) if self.grader is not None else (lot,)
        if self.regrouper is not None:
            lots = [packed for graded in lots for packed in self.regrouper.add(graded)]
        monitor, events = self.monitor, self.monitor.events
        for index, out in enumerate(lots):
            destination = self.route(out) if self.route_by_item is not None else self.destination
            pieces = self.split(out) if split and self.split_into else (out,)
            for number, piece in enumerate(pieces):
                if self.transfer is not None:
                    self.convey(piece, destination)  # type: ignore[arg-type]
                    continue
                if not put_into(destination, piece):
                    return self._send_blocked(machine, lots, index, destination, pieces, number, split)
                monitor.depart(piece.cells, self.env._now)
                if events is not None:
                    events.lot(self.name, piece, "leave", self.env._now)
        return None

    def _send_blocked(self, machine: Machine, lots, index: int, destination: Buffer, pieces, number: int,
                      split: bool) -> Generator[Event, object, None]:
        """The rest of `try_send` from the piece that found no room: wait for it, then hand on the rest."""
        yield from self._wait_for_room(machine, pieces[number], destination)
        for piece in pieces[number + 1:]:
            yield from self._hand_piece(machine, piece, destination)
        for out in lots[index + 1:]:
            yield from self.hand_on(machine, out, self.route(out), split)

    def hand_on(self, machine: Machine, lot: Lot, destination: Buffer, split: bool = True
                ) -> Generator[Event, object, None]:
        """Move a finished lot downstream (split into pieces if asked); blocked until there is room."""
        pieces = self.split(lot) if self.split_into and split else (lot,)
        for piece in pieces:
            yield from self._hand_piece(machine, piece, destination)

    def _hand_piece(self, machine: Machine, piece: Lot, destination: Buffer) -> Generator[Event, object, None]:
        if self.transfer is not None:
            self.convey(piece, destination)
            return
        if not destination.try_put(piece):
            yield from self._wait_for_room(machine, piece, destination)
            return
        self.monitor.depart(piece.cells, self.env._now)
        if self.monitor.events is not None:
            self.monitor.events.lot(self.name, piece, "leave", self.env._now)

    def _wait_for_room(self, machine: Machine, piece: Lot, destination: Buffer) -> Generator[Event, object, None]:
        """Blocked after service: `piece` found no room downstream and waits in its machine. With a
        clock that times idle waits, its usual first step (`arm`, then the request) is made here, with
        no generator for `clock.wait`: the same steps."""
        blocked, target, lot = as_machine(machine), as_buffer(destination), as_lot(piece)
        blocked.set_state(BLOCKED)
        request = target.put_event(lot)
        clock = self.clock_at(blocked.index)
        if clock is None or not clock.timed_idle:  # (`clock.wait` would only wait for the request)
            yield request
        else:
            # (`put_again` is made only when needed: a closure kept in this generator would be a
            # reference cycle, freed only by the garbage collector)
            if clock.arm(request, target.cancel_put) == WAIT_ARMED:
                value = yield request
                clock._waiting = None
                if value is DEADLINE:
                    yield from clock.after_deadline(BLOCKED, target.cancel_put, put_again(target, lot))
            else:
                yield from clock.wait(request, target.cancel_put, put_again(target, lot))
        self.monitor.depart(lot.cells, self.env._now)
        if self.monitor.events is not None:
            self.monitor.events.lot(self.name, lot, "leave", self.env._now)

    def convey(self, lot: Lot, destination: Buffer) -> None:
        """Send a lot on the conveyor: it arrives after the transfer time and waits on the conveyor
        (which never blocks the machine) until the destination has room."""
        self.monitor.depart(lot.cells, self.env._now)
        if self.monitor.events is not None:
            self.monitor.events.lot(self.name, lot, "leave", self.env._now)
        self.monitor.in_transit += lot.cells

        def arrived(_event) -> None:
            if destination.try_put(lot):
                self.monitor.in_transit -= lot.cells
            else:
                destination.put_event(lot).callbacks.append(landed)

        def landed(_event) -> None:
            self.monitor.in_transit -= lot.cells

        timeout(self.env, self.transfer.draw()).callbacks.append(arrived)  # type: ignore[union-attr]

    def split(self, lot: Lot) -> list[Lot]:
        """Cells are shared out over the pieces; a unit of material becomes several units."""
        n = self.split_into or 1
        now = self.env._now
        if self.line.is_cells[lot.item]:
            sizes = [lot.cells // n + (1 if i < lot.cells % n else 0) for i in range(n)]
            pieces = []
            for size in sizes:
                if size <= 0:
                    continue
                piece = make_lot(size, lot.item, lot.source if not pieces else None)
                piece.released_at, piece.counted_at, piece.grade = lot.released_at, lot.counted_at, lot.grade
                pieces.append(piece)
            return pieces
        self.line.consume(lot, now)
        self.monitor.use_up(lot.cells, now)
        pieces = []
        for i in range(n):
            piece = make_lot(lot.cells, lot.item, lot.source if i == 0 else None)
            piece.released_at, piece.counted_at = lot.released_at, now
            self.line.create(piece, now)
            self.monitor.make(piece.cells, now)
            pieces.append(piece)
        return pieces

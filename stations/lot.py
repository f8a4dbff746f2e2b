"""What moves through a line: a lot (a tray of cells, or units of a material).

Its own module, below the monitors and the buffers, so that both can declare it as a typed argument in
the compiled build (stations/lot.pxd); the station modules take it, and the release policy a lot
reports to, from stations.base as before.
"""

from __future__ import annotations

from typing import Optional


class Lot:
    """A tray of cells moving through the line; scrap makes it shrink."""

    __slots__ = ("cells", "item", "released_at", "counted_at", "queued_at", "source", "tag", "grade")

    def __init__(self, cells: int, item: int = 0, source: "ReleasePolicy | None" = None) -> None:
        self.cells = cells  # cells of a product, or units of a material
        self.item = item  # index into the line's items (products, then materials)
        self.released_at = -1.0  # set when the first station accepts it (made lots inherit their inputs')
        self.counted_at = -1.0  # when its units joined the line's counts
        self.queued_at = 0.0
        self.source = source
        self.tag: Optional[int] = None  # its id in an event log (given by the log when it first sees the lot)
        self.grade = -1  # index into the line's grades once a grading station has sorted it
        # (`make_lot` sets the same fields without this call: keep the two alike)


def make_lot(cells: int, item: int, source: "ReleasePolicy | None") -> Lot:
    """`Lot(cells, item, source)` without the `__init__` call (compiled: a C call that sets C fields;
    several lots are made per tray as it is split, graded and packed)."""
    lot = Lot.__new__(Lot)
    lot.cells = cells
    lot.item = item
    lot.released_at = -1.0
    lot.counted_at = -1.0
    lot.queued_at = 0.0
    lot.source = source
    lot.tag = None
    lot.grade = -1
    return lot


def as_lot(taken) -> Lot:
    """`taken`, declared a lot: a compiled generator, which cannot declare its variables, infers the
    type of the variable it assigns this to and reads the lot's fields in C (plain Python: the same
    object back)."""
    return taken


class ReleasePolicy:
    """What a source does when one of its lots leaves the line (CONWIP releases a new one)."""

    def lot_left(self, lot: Lot) -> None:
        pass

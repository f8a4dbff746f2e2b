"""The line's end: good lots leave here and are counted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stations.lot import Lot
from stations.monitors import LineMonitor

if TYPE_CHECKING:
    from stations.event_queue import TwinEnvironment  # annotations only


class Exit:
    """Accepts every lot at once (the line's output is never blocked)."""

    def __init__(self, env: TwinEnvironment, line: LineMonitor) -> None:
        self.env = env
        self.line = line

    def try_put(self, lot: Lot) -> bool:
        self.line.exit(lot, self.env._now)
        if lot.source is not None:
            lot.source.lot_left(lot)
        return True

"""Random streams: one numpy Generator per (replication, station, machine, purpose).

Streams are keyed by a stable hash of the station name (not its position), so adding, removing or
reordering stations leaves every other station's random numbers unchanged: two scenarios that
differ in one station share all other draws (common random numbers), and results do not depend on
YAML order or on which process runs the replication.
"""

from __future__ import annotations

import hashlib
from typing import Mapping

import numpy as np

PURPOSES: dict[str, int] = {
    "cycle": 0,
    "failure": 1,
    "repair": 2,
    "quality": 3,
    "routing": 4,
    "arrival": 5,
    "setup": 6,
    "transfer": 7,
    "route": 8,
    "grade": 9,
}


def name_key(name: str) -> int:
    """A stable 32-bit integer for a name (Python's hash() is salted per process, so unusable)."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest(), "little")


class Streams:
    """Factory of independent generators for one replication of one scenario.

    `keys` renames owners before hashing: a plant (twin.spec.plant) keys `line.station` by the
    station's name in its line file, so a line draws the same numbers in a plant as alone. An owner
    'station/product' (a per-product stream) is renamed part by part."""

    def __init__(self, seed: int, replication: int, keys: Mapping[str, str] | None = None) -> None:
        self.seed = seed
        self.replication = replication
        self.keys = dict(keys or {})

    def generator(self, owner: str, purpose: str, index: int = 0) -> np.random.Generator:
        """The generator for `purpose` at station (or source) `owner`, machine `index`."""
        if self.keys:
            owner = self._key(owner)
        key = (self.replication, name_key(owner), index, PURPOSES[purpose])
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key)))

    def _key(self, owner: str) -> str:
        """`owner` renamed by `keys`; 'station/product' (names may hold '/') renamed part by part."""
        if owner in self.keys:
            return self.keys[owner]
        cut = owner.find("/")
        while cut >= 0:
            head, tail = owner[:cut], owner[cut + 1:]
            if head in self.keys and (tail in self.keys or "/" not in tail):
                return f"{self.keys[head]}/{self.keys.get(tail, tail)}"
            cut = owner.find("/", cut + 1)
        return owner

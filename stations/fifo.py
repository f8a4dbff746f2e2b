"""A first-in-first-out line: what a buffer's lanes (lots waiting, machines waiting for a lot, blocked
machines) ask of `collections.deque`, as a class whose calls are C calls when compiled (issue 15).

A deque's `append` and `popleft` are Python method calls, looked up by name each time: two or three
per lot at every station. A `Fifo` keeps its entries in a list from `head` on; taking the first one
moves `head`, and the list is emptied when the last is taken (or cut when most of it is taken), so
its memory follows what is waiting. Indexing, deleting and iterating see the waiting entries only.
In plain Python a deque's C methods beat this class interpreted, so `new_line` gives a deque there
(`PlainLine`, with `Fifo`'s `first` and `last`; both first in, first out: the same numbers).
"""

from __future__ import annotations

from collections import deque
from typing import Any, Iterable, Iterator

from stations.event_queue import COMPILED  # the station modules are compiled all together, or none

COMPACT_AT = 32
"""Entries taken before the list is cut down to the waiting ones (once they are at least half of it)."""


class Fifo:
    """First in, first out, as a deque used from the left: `append`, `popleft`, `len`, truth,
    iteration, `[i]`, `del [i]`, `remove`, `clear`, `extend`."""

    __slots__ = ("entries", "head")

    def __init__(self, iterable: Iterable[Any] = ()) -> None:
        self.entries: list = list(iterable)
        self.head = 0  # entries[head:] are waiting; the slots before it are taken (None)

    def __len__(self) -> int:
        return len(self.entries) - self.head

    def __iter__(self) -> Iterator[Any]:
        return iter(self.entries[self.head:])

    def __getitem__(self, index: int) -> Any:
        waiting = len(self.entries) - self.head
        if index < 0:
            index += waiting
        if not 0 <= index < waiting:
            raise IndexError("line index out of range")
        return self.entries[self.head + index]

    def __delitem__(self, index: int) -> None:
        self._compact()
        del self.entries[index]

    def __repr__(self) -> str:
        return f"Fifo({self.entries[self.head:]!r})"

    def first(self) -> Any:
        """`line[0]` as a C call: the first waiting entry (IndexError when none is waiting)."""
        if self.head >= len(self.entries):
            raise IndexError("line index out of range")
        return self.entries[self.head]

    def last(self) -> Any:
        """`line[-1]` as a C call: the last waiting entry (IndexError when none is waiting)."""
        if self.head >= len(self.entries):
            raise IndexError("line index out of range")
        return self.entries[len(self.entries) - 1]

    def append(self, entry: Any) -> None:
        self.entries.append(entry)

    def extend(self, entries: Iterable[Any]) -> None:
        self.entries.extend(entries)

    def popleft(self) -> Any:
        """The first entry, taken out; IndexError when none is waiting."""
        entries = self.entries
        head = self.head
        if head >= len(entries):
            raise IndexError("pop from an empty line")
        entry = entries[head]
        entries[head] = None  # (the line holds no reference to what it handed out)
        head += 1
        if head == len(entries):
            del entries[:]
            head = 0
        elif head >= COMPACT_AT and 2 * head >= len(entries):
            del entries[:head]
            head = 0
        self.head = head
        return entry

    def remove(self, entry: Any) -> None:
        """Take out the first waiting entry equal to `entry`; ValueError when there is none."""
        self._compact()
        self.entries.remove(entry)

    def clear(self) -> None:
        del self.entries[:]
        self.head = 0

    def _compact(self) -> None:
        if self.head:
            del self.entries[:self.head]
            self.head = 0


class PlainLine(deque):
    """Plain Python's line: a deque (its C methods beat `Fifo` interpreted) with `Fifo`'s `first`
    and `last`."""

    __slots__ = ()

    def first(self) -> Any:
        return self[0]

    def last(self) -> Any:
        return self[-1]


def new_line() -> Any:
    """A buffer's line: a `Fifo` compiled, a `PlainLine` (a deque) in plain Python."""
    return Fifo() if COMPILED else PlainLine()

"""A buffer's lines (stations.fifo.Fifo) behave as the `collections.deque` they replace, for every
operation the buffers use, through many appends and takes (so the list is cut down as it goes)."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stations.fifo import COMPACT_AT, Fifo, PlainLine

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(0, 9)),
        st.tuples(st.just("popleft"), st.just(0)),
        st.tuples(st.just("extend"), st.integers(0, 3)),
        st.tuples(st.just("getitem"), st.integers(-4, 4)),
        st.tuples(st.just("first"), st.just(0)),
        st.tuples(st.just("last"), st.just(0)),
        st.tuples(st.just("delitem"), st.integers(-4, 4)),
        st.tuples(st.just("remove"), st.integers(0, 9)),
        st.tuples(st.just("clear"), st.just(0)),
    ),
    max_size=300,
)


def _same_error(call_ours, call_deque):
    """Both give the same value, or both raise the same kind of error."""
    try:
        expected = call_deque()
    except (IndexError, ValueError) as error:
        with pytest.raises(type(error)):
            call_ours()
        return
    assert call_ours() == expected


@settings(max_examples=300, deadline=None)
@given(OPERATIONS, st.sampled_from([Fifo, PlainLine]))
def test_a_fifo_does_what_a_deque_does(operations, line):
    ours, theirs = line(), deque()
    for kind, value in operations:
        if kind == "append":
            for _ in range(value + 1):  # runs of appends, so takes pass COMPACT_AT
                ours.append(value)
                theirs.append(value)
        elif kind == "popleft":
            for _ in range(COMPACT_AT // 4):
                _same_error(ours.popleft, theirs.popleft)
        elif kind == "extend":
            ours.extend(range(value))
            theirs.extend(range(value))
        elif kind == "getitem":
            _same_error(lambda: ours[value], lambda: theirs[value])
        elif kind == "first":
            _same_error(ours.first, lambda: theirs[0])
        elif kind == "last":
            _same_error(ours.last, lambda: theirs[-1])
        elif kind == "delitem":
            def delete(line):
                del line[value]
            _same_error(lambda: delete(ours), lambda: delete(theirs))
        elif kind == "remove":
            _same_error(lambda: ours.remove(value), lambda: theirs.remove(value))
        else:
            ours.clear()
            theirs.clear()
        assert list(ours) == list(theirs) and len(ours) == len(theirs) and bool(ours) == bool(theirs)
        if line is Fifo:
            assert len(ours.entries) <= 2 * len(theirs) + COMPACT_AT  # taken slots do not pile up


def test_a_taken_entry_is_no_longer_held():
    line, lot = Fifo(), object()
    line.append(lot)
    line.append(object())
    assert line.popleft() is lot
    assert all(entry is not lot for entry in line.entries)

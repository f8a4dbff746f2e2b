# Declarations Cython reads when it compiles base.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

cdef class Lot:
    cdef public object cells, item, released_at, counted_at, queued_at, source, tag, grade

cdef class Buffer:
    cdef public object env, capacity, items, rework, getters, putters, monitor, line, new_lot, expiry

cdef class BatchBuffer(Buffer):
    cdef public object batch_min, batch_max, waiting_machines, unmarked

cdef class Machine:
    cdef public object env, station, index, state, since, seconds, events

cdef class StationRuntime:
    cdef dict __dict__
    cdef public object env, name, buffer, monitor, destination, route_by_item

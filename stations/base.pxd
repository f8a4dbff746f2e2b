# Declarations Cython reads when it compiles base.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers; a C number is declared
# only where the value's type never changes (a count is an int, an index an int, a time a float).

import cython

from stations.event_queue cimport TwinEnvironment
from stations.monitors cimport LineMonitor, StationMonitor
from stations.lot cimport Lot as TypedLot  # not `Lot`: base.py re-exports the Python name
from stations.sink cimport Exit
from stations.fifo cimport Fifo

# Typed fields (a monitor, a station) let the buffer and the machine call their methods in C.
cdef class Buffer:
    cdef public TwinEnvironment env
    cdef public object capacity, new_lot, expiry
    cdef public Fifo items, rework, getters, putters
    cdef public StationMonitor monitor
    cdef public LineMonitor line
    cpdef _accept(self, TypedLot lot, queued)
    cpdef _left_queue(self, TypedLot lot)
    cpdef _take_waiting(self)
    cpdef try_get(self)
    cpdef try_put(self, lot)
    cpdef put_event(self, lot)
    cpdef get_event(self)
    cpdef purge_expired(self)
    cpdef waiting_lots(self)

@cython.locals(buffer=Buffer, end=Exit)
cpdef put_into(destination, lot)
cpdef Buffer as_buffer(destination)

cdef class BatchBuffer(Buffer):
    cdef public object batch_min, batch_max
    cdef public Fifo waiting_machines, unmarked
    cpdef try_get(self)
    cpdef try_put(self, lot)
    cpdef _serve(self)
    cpdef _take_batch(self)
    cpdef try_get_batch(self)
    cpdef get_batch_event(self, machine)

cdef class Machine:
    cdef public TwinEnvironment env
    cdef public object index, events
    cdef public double[::1] seconds  # seconds per state (an array('d'))
    cdef public long state  # a state's number (stations.states)
    cdef public double since  # a time (float seconds)
    cdef public StationRuntime station
    @cython.locals(at=cython.double)
    cpdef set_state(self, long new)

cpdef Machine as_machine(machine)

cdef class StationRuntime:
    cdef public TwinEnvironment env
    cdef public object name, destination, route_by_item
    cdef public Buffer buffer
    cdef public StationMonitor monitor
    cpdef route(self, TypedLot lot)



# Declarations Cython reads when it compiles dwell.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

from stations.base cimport StationRuntime
from stations.lot cimport Lot as TypedLot
from stations.monitors cimport LineMonitor as TypedLineMonitor

cdef class _Loader:
    cdef public object store

cdef class DwellStation(StationRuntime):
    cdef public TypedLineMonitor line
    cdef public object spec, capacity, cycle, scrap, occupied, dwelling, held, full, loader, stats_since, fifo, head_timed, cycle_of, scrap_of
    # a lot's way through the store: each step calls the next in C
    cpdef _load(self)
    cpdef _start(self, TypedLot lot)
    cpdef _time_head(self)
    cpdef _dwell_over(self, TypedLot lot, _event=*)
    cpdef _leave_held(self, TypedLot lot, _event=*)
    cpdef _leave(self, TypedLot lot)
    cpdef _free_place(self)

# Declarations Cython reads when it compiles dwell.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

cimport cython

from stations.base cimport StationRuntime
from stations.events cimport StationEvent
from stations.fifo cimport Fifo
from stations.lot cimport Lot as TypedLot
from stations.monitors cimport Level, LineMonitor as TypedLineMonitor
from stations.processing cimport CycleTime

cdef class DwellStation(StationRuntime):
    cdef public TypedLineMonitor line
    cdef public Level dwelling, held
    cdef public object spec, cycle, scrap, loader, stats_since, cycle_of, scrap_of, on_head_over
    cdef public long capacity, occupied  # places: always ints
    cdef public bint full, head_timed
    cdef public Fifo fifo  # None when dwell times vary
    # a lot's way through the store: each step calls the next in C
    cpdef _load(self)
    @cython.locals(cycle=CycleTime, fifo=Fifo)
    cpdef _start(self, TypedLot lot)
    @cython.locals(timer=StationEvent)
    cpdef _time_head(self)
    @cython.locals(cycle=CycleTime)
    cpdef _dwell_over(self, TypedLot lot, _event=*)
    cpdef _leave_held(self, TypedLot lot, _event=*)
    cpdef _leave(self, TypedLot lot)
    cpdef _free_place(self)

cdef class _Loader:
    cdef public DwellStation store

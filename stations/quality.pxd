# Declarations Cython reads when it compiles quality.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

cimport cython

from stations.draws cimport BlockDraws
from stations.lot cimport Lot as TypedLot
from stations.monitors cimport LineMonitor as TypedLineMonitor, StationMonitor as TypedStationMonitor

cdef class Scrap:
    cdef public object p_bad, generator
    cdef public dict by_size
    @cython.locals(sampler=BlockDraws)
    cpdef bad_cells(self, cells)

cpdef scrap_bad_cells(Scrap scrap, TypedLot lot, TypedStationMonitor monitor, TypedLineMonitor line, now)

cdef class Rework:
    cdef public object fraction
    cdef public BlockDraws uniform

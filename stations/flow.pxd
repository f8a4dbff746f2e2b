# Declarations Cython reads when it compiles flow.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

cimport cython

from stations.draws cimport BlockDraws
from stations.lot cimport Lot as TypedLot, make_lot
from stations.monitors cimport LineMonitor as TypedLineMonitor, StationMonitor as TypedStationMonitor

cdef class Router:
    cdef public object targets, counts
    cdef public list cumulative
    cdef public BlockDraws uniform

cdef class Regrouper:
    cdef public TypedLineMonitor line
    cdef public object size, partial_lots, partial_cells
    cdef public dict pools, cells  # dicts: their get, setdefault and items are C calls
    cpdef add(self, TypedLot lot)
    # the sums of count x time in C doubles: the same IEEE products and sums as Python's floats
    @cython.locals(first=TypedLot, packed=TypedLot, pool=list, taken=cython.longlong, n=cython.longlong,
                   released=cython.double, counted=cython.double)
    cpdef _pack(self, item, long long cells)

cdef class Expiry:
    cdef public TypedStationMonitor monitor
    cdef public TypedLineMonitor line
    cdef public object max_wait_s, one_limit, target

cdef class Grader:
    cdef public TypedLineMonitor line
    cdef public object grades, p, generator
    @cython.locals(piece=TypedLot)
    cpdef sort(self, TypedLot lot)

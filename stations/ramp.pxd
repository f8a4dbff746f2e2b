# Declarations Cython reads when it compiles ramp.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

from stations.draws cimport BlockDraws
from stations.processing cimport CycleTime
from stations.quality cimport Scrap

cdef class CurveReader:
    cdef public list xs, vs  # lists, so a read indexes them in C
    cdef public object segment

cdef class RampedCycleTime(CycleTime):
    cdef public object base, speed, position
    cpdef draw(self, long long cells)
    cpdef ideal_s(self, long long cells)

cdef class RampedScrap(Scrap):
    cdef public object yield_at, position
    cdef public BlockDraws uniform
    cpdef bad_cells(self, cells)

cdef class ScaledSampler:
    cdef public object base, factor

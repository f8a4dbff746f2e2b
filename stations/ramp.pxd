# Declarations Cython reads when it compiles ramp.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

cdef class CurveReader:
    cdef public list xs, vs  # lists, so a read indexes them in C
    cdef public object segment

cdef class RampedCycleTime:
    cdef dict __dict__
    cdef public object base, speed, position, mean_s, per_cell

cdef class RampedScrap:
    cdef dict __dict__
    cdef public object yield_at, position, generator, uniform

cdef class ScaledSampler:
    cdef dict __dict__
    cdef public object base, factor

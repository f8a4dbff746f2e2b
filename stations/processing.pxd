# Declarations Cython reads when it compiles processing.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

from stations.base cimport StationRuntime

cdef class CycleTime:
    cdef dict __dict__
    cdef public object sampler, mean_s, per_cell

cdef class ProcessingStation(StationRuntime):
    cdef public object spec, line, machines, streams, cycle, scrap, regrouper, grader, rework, rework_target, changeover, transfer, last_item, clocks, cycle_of, scrap_of

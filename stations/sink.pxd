# Declarations Cython reads when it compiles sink.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers; a C number is declared
# only where the value's type never changes (a count is an int, an index an int, a time a float).

from stations.event_queue cimport TwinEnvironment
from stations.lot cimport Lot as TypedLot
from stations.monitors cimport LineMonitor

cdef class Exit:
    cdef public TwinEnvironment env
    cdef public LineMonitor line
    cpdef try_put(self, TypedLot lot)

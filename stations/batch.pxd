# Declarations Cython reads when it compiles batch.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

from stations.base cimport BatchBuffer
from stations.lot cimport as_lot
from stations.processing cimport ProcessingStation

cdef class BatchStation(ProcessingStation):
    cpdef BatchBuffer batch_buffer(self)

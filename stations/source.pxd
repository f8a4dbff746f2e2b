# Declarations Cython reads when it compiles source.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

from stations.base cimport Buffer
from stations.lot cimport Lot as TypedLot, ReleasePolicy

cdef class LotMaker:
    cdef public object source, lot_units, _next_item

cdef class ConwipLoop(ReleasePolicy):
    cdef public Buffer target
    cdef public object make
    cpdef _release(self)
    cpdef lot_left(self, TypedLot lot)

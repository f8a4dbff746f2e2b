# Declarations Cython reads when it compiles lot.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers; a C number is declared
# only where the value's type never changes (a count is an int, an index an int, a time a float).

cimport cython

cdef class Lot

# cpdef: a lot's policy is told in C when the lot leaves (ConwipLoop releases the next one)
cdef class ReleasePolicy:
    cpdef lot_left(self, Lot lot)

# C numbers: a lot's count is always an int, its item and grade are indices and its times floats, so
# reading them, indexing lists with them and summing them needs no Python number
cdef class Lot:
    cdef public long long cells
    cdef public long item, grade
    cdef public double released_at, counted_at, queued_at
    cdef public object tag
    cdef public ReleasePolicy source

cpdef Lot as_lot(taken)
@cython.locals(lot=Lot)
cpdef Lot make_lot(long long cells, long item, ReleasePolicy source)

# Declarations Cython reads when it compiles assembly.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

cimport cython

from stations.base cimport Buffer
from stations.lot cimport as_lot, make_lot
from stations.processing cimport ProcessingStation

cdef class AssemblyInput(Buffer):
    cdef public object on_arrival
    cpdef try_put(self, lot)
    cpdef has(self, quantity)
    cpdef take(self, quantity)

# cpdef: the job's matching and making are C calls from the machines' loops
cdef class AssemblyStation(ProcessingStation):
    cdef public object inputs, quantities, product_item, input_change, waiting
    @cython.locals(buffer=AssemblyInput)
    cpdef _ready(self)
    @cython.locals(buffer=AssemblyInput)
    cpdef _take_lots(self)
    cpdef _try_take(self)
    cpdef _request(self)
    cpdef _serve_waiting(self)
    cpdef _make(self, list consumed)

# Declarations Cython reads when it compiles processing.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

cimport cython

from stations.draws cimport BlockDraws
from stations.base cimport Machine as TypedMachine, StationRuntime, as_buffer, as_machine
from stations.flow cimport Grader as TypedGrader, Regrouper as TypedRegrouper
from stations.interruptions cimport MachineClock as TypedMachineClock
from stations.lot cimport Lot as TypedLot, as_lot, make_lot
from stations.monitors cimport LineMonitor as TypedLineMonitor

# A lot's count and the mean in C: the per-cell sum's products, root and sums are C doubles, the same
# IEEE operations as Python's on the same values (a count is exact in a double), without a boxed number each
cdef class CycleTime:
    cdef public object sampler, per_cell
    cdef public double mean_s
    @cython.locals(block_draws=BlockDraws, drawn=cython.double)
    cpdef draw(self, long long cells)
    cpdef ideal_s(self, long long cells)

cdef class ProcessingStation(StationRuntime):
    cdef public TypedLineMonitor line
    cdef public TypedRegrouper regrouper
    cdef public TypedGrader grader
    cdef public object spec, split_into, machines, streams, cycle, scrap, rework, rework_target, changeover, transfer, last_item, clocks, cycle_of, scrap_of
    @cython.locals(out=TypedLot, piece=TypedLot)
    cpdef try_send(self, TypedMachine machine, TypedLot lot, split=*)
    cpdef CycleTime cycle_for(self, item)
    cpdef TypedMachine machine_at(self, index)
    cpdef TypedMachineClock clock_at(self, index)
    @cython.locals(piece=TypedLot)
    cpdef split(self, TypedLot lot)
    cpdef cycle_timer(self, TypedMachine machine, TypedMachineClock clock, seconds)

# Declarations Cython reads when it compiles monitors.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers; a C number is declared
# only where the value's type never changes (a count is an int, an index an int, a time a float).

import cython

from stations.lot cimport Lot

cdef class Level:
    cdef public double value, area, since  # C doubles: the same IEEE arithmetic as Python floats, unboxed
    cpdef add(self, double delta, double now)  # a count or a time: the same double either way

# cpdef: a typed caller (a buffer, a machine) calls these in C; `Lot lot` reads the lot's
# fields in C and refuses anything that is not a lot, as plain Python would fail on it.
cdef class LineMonitor:
    cdef public object items, grades, baseline
    cdef public long long[::1] good_by_grade, released, created, consumed, good, scrapped, inside  # (array('q'))
    cdef public double[::1] good_lead_time_s  # (array('d'))
    cdef public tuple is_cells
    # C doubles: sums of float products, as Python would round them (the counts are exact in a double)
    cdef public double departed_cell_s, release_time_sum
    cdef public Level wip
    @cython.locals(cells=cython.double, counted_at=cython.double)
    cpdef _enter(self, Lot lot, double now)
    @cython.locals(cells=cython.double, counted_at=cython.double)
    cpdef _leave(self, Lot lot, long long units, double now)
    cpdef release(self, Lot lot, double now)
    cpdef create(self, Lot lot, double now)
    cpdef consume(self, Lot lot, double now)
    cpdef scrap(self, Lot lot, long long units, double now)
    cpdef exit(self, Lot lot, double now)

cdef class StationMonitor:
    cdef public object name, events, baseline, active_since, period_starts, period_ends
    cdef public long idle_machines
    # counts of cells and lots as C integers, time sums as C doubles: no number is boxed per lot (a
    # count is always an int, a time sum always a float, so the values and their types are as in Python)
    cdef public long long cells_in, cells_out, lots_out, scrapped, expired, processed_cells, failures, consumed, created, in_transit, waited_cells
    cdef public double ideal_work_s, repair_wait_s, wait_cell_s
    cdef public Level wip, queue
    cpdef arrive(self, long long cells, double now, queued)
    @cython.locals(cells=cython.longlong)
    cpdef leave_queue(self, Lot lot, double now)
    cpdef scrap(self, long long cells, double now)
    cpdef depart(self, long long cells, double now)
    cpdef machine_idle_changed(self, bint idle, double now)

# Declarations Cython reads when it compiles monitors.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

cdef class Level:
    cdef public object value, area, since

cdef class LineMonitor:
    cdef dict __dict__
    cdef public object items, grades, good_by_grade, released, created, consumed, good, scrapped, inside, wip, good_lead_time_s, departed_cell_s, release_time_sum, baseline

cdef class StationMonitor:
    cdef dict __dict__
    cdef public object name, cells_in, cells_out, lots_out, scrapped, expired, processed_cells, ideal_work_s, failures, repair_wait_s, consumed, created, in_transit, wip, queue, wait_cell_s, waited_cells, baseline, idle_machines, active_since, period_starts, period_ends, events

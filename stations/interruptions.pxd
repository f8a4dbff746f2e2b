# Declarations Cython reads when it compiles interruptions.py (issue 15): each class below becomes an extension
# type whose attributes are C fields, so `self.x` is a struct read, not a dictionary lookup. Plain Python
# ignores this file. Every attribute the class sets must be listed (tests/unit/test_native.py checks it);
# `object` keeps each value's Python type, so both builds give the same numbers.

from stations.base cimport Machine as TypedMachine
from stations.event_queue cimport TwinEnvironment
from stations.calendar cimport ShiftCalendar as TypedShiftCalendar
from stations.monitors cimport StationMonitor as TypedStationMonitor

cdef class Breakdowns:
    cdef public TwinEnvironment env
    cdef public object ttf, ttr, calendar_clock, crew, ttf_left, next_at
    cdef public TypedStationMonitor monitor
    cpdef left(self)

cdef class MachineClock:
    cdef public TypedMachine machine
    cdef public TypedShiftCalendar calendar
    cdef public Breakdowns breakdowns
    cdef public TwinEnvironment env
    cdef public object pauses_work, timed_idle, failure_first, _alarm, _alarm_deadline, _waiting, _cancel
    cpdef clear_ahead(self, now)
    cpdef processed(self, seconds)
    cpdef _set_alarm(self, deadline, now)
    cpdef arm(self, request, cancel)

# Declarations Cython reads when it compiles events.py (issue 15); plain Python ignores this file.
# A station's event is an extension type with C fields, made from a free list; the functions that make
# and trigger events are C calls from every station module.

import cython

from stations.event_queue cimport EventQueue

@cython.final
@cython.freelist(1024)
cdef class StationEvent:
    cdef public object env, callbacks, _value, _ok
    cdef public bint handled

@cython.locals(event=StationEvent)
cpdef new_event(env)
@cython.locals(event=StationEvent, queue=EventQueue)
cpdef timeout(env, delay)
@cython.locals(event=StationEvent, queue=EventQueue)
cpdef hand_over(waiter, value=*)
@cython.locals(queue=EventQueue)
cpdef schedule_at(env, event, at, eid=*)

# Declarations Cython reads when it compiles events.py (issue 15); plain Python ignores this file.
# A station's event is an extension type with C fields (no `@cython.freelist`: Cython does not apply it
# from a .pxd to a .py module); the functions that make
# and trigger events are C calls from every station module.

import cython

from stations.event_queue cimport EventQueue, TwinEnvironment

@cython.final
cdef class StationEvent:
    cdef public TwinEnvironment env
    cdef public object callbacks, _value, _ok
    cdef public bint handled

@cython.locals(event=StationEvent)
cpdef new_event(TwinEnvironment env)
@cython.locals(event=StationEvent, queue=EventQueue)
cpdef timeout(TwinEnvironment env, delay)
@cython.locals(event=StationEvent, queue=EventQueue, env=TwinEnvironment)
cpdef hand_over(waiter, value=*)
@cython.locals(queue=EventQueue)
cpdef schedule_at(TwinEnvironment env, event, at, eid=*)

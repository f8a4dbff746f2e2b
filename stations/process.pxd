# Declarations Cython reads when it compiles process.py (issue 15); plain Python ignores this file.
# `step_events` holds the process it calls in a typed variable, so resuming a station's loop is a C call.

import cython

from stations.event_queue cimport EventQueue, TwinEnvironment
from stations.events cimport StationEvent

cdef class StationProcess:
    cdef public TwinEnvironment env
    cdef public object generator, send
    @cython.locals(own=StationEvent)
    cpdef resume(self, event)

@cython.locals(process=StationProcess, step=cython.Py_ssize_t, queue=EventQueue, own=StationEvent)
cpdef step_events(TwinEnvironment env, count, crash)

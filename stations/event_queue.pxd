# Declarations Cython reads when it compiles event_queue.py (issue 15); plain Python ignores this file.
# An entry's keys are C numbers, so ordering two entries is a few C comparisons, not a tuple's and two
# Python floats'; the sift steps are C functions over the typed entries.

import cython

@cython.final
cdef class QueueEntry:
    cdef public double sort_time
    cdef public long priority
    cdef public long long eid
    cdef public object time, event

@cython.locals(a=QueueEntry, b=QueueEntry)
cdef bint _before(a, b)

@cython.locals(heap=list, item=QueueEntry, parent=QueueEntry, pos=cython.Py_ssize_t, start=cython.Py_ssize_t,
               parent_pos=cython.Py_ssize_t)
cdef _sift_down(heap, start, pos)

@cython.locals(heap=list, item=QueueEntry, pos=cython.Py_ssize_t, end=cython.Py_ssize_t, start=cython.Py_ssize_t,
               child=cython.Py_ssize_t, right=cython.Py_ssize_t)
cdef _sift_up(heap, pos)

@cython.final
cdef class PlaceInLine:
    cdef public long long next_place
    @cython.locals(place=cython.longlong)
    cpdef long long take(self)

@cython.final
cdef class EventQueue:
    cdef public list heap, spare, lane
    cdef public bint typed
    cdef public object now
    cdef public double now_key
    cdef public Py_ssize_t lane_head
    @cython.locals(entry=QueueEntry, heap=list, spare=list, lane=list)
    cpdef push(self, time, long priority, long long eid, event)
    @cython.locals(heap=list, lane=list, head=cython.Py_ssize_t, first=QueueEntry, last=object)
    cpdef pop_event(self)

cdef class TwinEnvironment:
    cdef public object _now, _active_proc
    cdef public PlaceInLine _eid
    cdef public EventQueue _queue

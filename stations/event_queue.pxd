# Declarations Cython reads when it compiles event_queue.py (issue 15); plain Python ignores this file.
# An entry's keys are C numbers, so ordering two entries is a few C comparisons, not a tuple's and two
# Python floats'; the heap sifts C doubles (times) and C integers (slots), reading an entry only on a tie.

import cython

@cython.final
cdef class QueueEntry:
    cdef public double sort_time
    cdef public long priority
    cdef public long long eid
    cdef public object time, event
    cdef public Py_ssize_t slot

@cython.locals(a=QueueEntry, b=QueueEntry)
cdef bint _before(a, b)

# The heap's times and slots are memoryviews of C numbers: a sift reads and moves them in C.
@cython.final
cdef class TimedHeap:
    cdef public list table
    cdef public double[::1] times
    cdef public long long[::1] slots
    cdef public Py_ssize_t size
    @cython.locals(entry=QueueEntry)
    cpdef QueueEntry new_entry(self)
    cpdef QueueEntry first(self)
    @cython.locals(capacity=cython.Py_ssize_t, i=cython.Py_ssize_t)
    cpdef _grow(self)
    @cython.locals(parent=cython.Py_ssize_t, other=cython.double)
    cdef _settle(self, double time, QueueEntry entry, Py_ssize_t pos)
    cpdef push(self, QueueEntry entry)
    @cython.locals(first=QueueEntry, last=QueueEntry,
                   end=cython.Py_ssize_t, pos=cython.Py_ssize_t, child=cython.Py_ssize_t, right=cython.Py_ssize_t,
                   left_time=cython.double, right_time=cython.double)
    cpdef QueueEntry pop(self)

@cython.final
cdef class PlaceInLine:
    cdef public long long next_place
    @cython.locals(place=cython.longlong)
    cpdef long long take(self)

@cython.final
cdef class EventQueue:
    cdef public list heap, spare, lane
    cdef public TimedHeap timed
    cdef public bint typed
    cdef public object now
    cdef public double now_key
    cdef public Py_ssize_t lane_head
    @cython.locals(entry=QueueEntry, heap=list, spare=list, lane=list)
    cpdef push(self, time, long priority, long long eid, event)
    @cython.locals(timed=TimedHeap, lane=list, head=cython.Py_ssize_t, first=QueueEntry, waiting=QueueEntry)
    cpdef pop_event(self)

cdef class TwinEnvironment:
    cdef public object _now, _active_proc
    cdef public PlaceInLine _eid
    cdef public EventQueue _queue

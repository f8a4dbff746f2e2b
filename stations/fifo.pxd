# Declarations Cython reads when it compiles fifo.py (issue 15); plain Python ignores this file.
# Not final: the tests' probes subclass it to record a buffer's peak (a cpdef is then looked up once
# per call, as in Python); a buffer's own lanes make C calls.

import cython

cdef class Fifo:
    cdef public list entries
    cdef public Py_ssize_t head
    cpdef first(self)
    cpdef last(self)
    cpdef append(self, entry)
    cpdef extend(self, entries)
    @cython.locals(entries=list, head=cython.Py_ssize_t)
    cpdef popleft(self)
    cpdef remove(self, entry)
    cpdef clear(self)
    cpdef _compact(self)

cpdef new_line()

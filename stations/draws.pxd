# Declarations Cython reads when it compiles draws.py (issue 15); plain Python ignores this file.

import cython

@cython.final
cdef class BlockDraws:
    cdef public object fill
    cdef public list block
    cdef public Py_ssize_t next_index
    cpdef draw(self)

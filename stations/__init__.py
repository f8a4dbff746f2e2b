"""Station behaviours: SimPy processes that move lots through buffers (see stations/base.py)."""

from stations.native import install

install()  # the compiled modules, where built from the sources on disk (stations/native.py)

"""Station behaviours: SimPy processes that move lots through buffers (see stations/base.py)."""

"""Errors of a simulation run, importable without the engine (and so without SimPy)."""


class SimulationError(Exception):
    """A replication that cannot finish (a zero-time loop, an unbounded release); the message says where."""

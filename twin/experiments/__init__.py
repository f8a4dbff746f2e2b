"""Experiments layer: replications as tasks on an executor (inline, local processes, Dask), paired
comparison and sweeps. Results never depend on the executor."""

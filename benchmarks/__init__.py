"""Performance harness: the twin against a hand-written bare-SimPy reference model.

`python -m benchmarks.line_benchmark` times a saturated 10-station serial line built both ways;
`python -m benchmarks.year_benchmark` times one simulated year of a scenario file (`--scale 10`: the
10 GWh plant) against the bare reference in the same run. Speed is measured here and never asserted in
tests; docs/benchmarks.md has the figures.
"""

"""Performance harness: the twin against a hand-written bare-SimPy reference model.

`python -m benchmarks.line_benchmark` times a saturated 10-station serial line built both ways;
`python -m benchmarks.year_benchmark` times one simulated year of a scenario file. Speed is measured
here and never asserted in tests.
"""

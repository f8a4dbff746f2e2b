"""The lot size is a speed knob, not a result: halving the trays of either line (twice the lots,
twice the run time) gives the same good output within the confidence interval.

The files' trays (64 cells on the cylindrical line, 256 on the power-cell line) keep `twin run` of ten
replications of a month after warm-up well under a minute on two cores; this test is what licenses
that choice. Both sets use the file's seed, but a different lot size draws different numbers, so
the comparison is Welch's (independent sets), and it must be sharp enough to matter: the CI's
half-width is under 2 % of the throughput, so a lot-size effect of 2 % would be seen.
"""

from __future__ import annotations

import pytest

from twin.experiments.replications import run_replications
from twin.spec.yaml_io import load_scenario

from tests.scenarios.support import (
    LENGTHS, WARMUP, line_values, replications, scenario_file, shortened, welch_interval, with_smaller_trays,
)

pytestmark = pytest.mark.slow  # long statistical runs: CI runs them, the fast loop (-m "not slow") does not

COUNT = {"cylindrical_line.yaml": 8, "power_cell_line.yaml": 4}  # the plausibility tests' sets, computed once


@pytest.mark.parametrize("file", COUNT)
def test_half_the_tray_gives_the_same_throughput(file):
    base = replications(file, COUNT[file], LENGTHS[file])
    small = with_smaller_trays(shortened(load_scenario(scenario_file(file)), WARMUP, LENGTHS[file]), 2)
    assert small.product.cells_per_lot * 2 == load_scenario(scenario_file(file)).product.cells_per_lot
    smaller = run_replications(small, COUNT[file])
    a, b = line_values(base, "throughput_per_h"), line_values(smaller, "throughput_per_h")
    low, high = welch_interval(a, b)
    assert low <= 0 <= high, f"trays of half the size change good output: {low:.1f} .. {high:.1f} cells/h"
    assert (high - low) / 2 < 0.02 * a.mean()

"""Pinned results: the JSON of both lines and of two small theory cases, value for value.

A refactoring must not change a single number. These files were written by the code before the
layered-architecture move (issue 10); a change that is meant to change the numbers (a modelling
fix) rewrites them with `python -m tests.pinned.test_pinned_results` and says why in its commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.scenarios.support import shortened
from tests.validation.theory import exponential, poisson, scenario
from twin.experiments.replications import run_replications
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parents[1] / "scenarios"


def _cases() -> dict[str, Scenario]:
    line = lambda name: shortened(load_scenario(SCENARIOS / name), "21 d", "7 d")  # noqa: E731
    mm1 = scenario(stations=[{"name": "station", "machines": 1, "cycle_time": exponential(1.0)}],
                   sources=[poisson(0.8, "station")], length_h=2_000, warmup_h=100, replications=2)
    tandem = scenario(stations=[{"name": "s1", "machines": 1, "cycle_time": exponential(1.0), "buffer": 3},
                                {"name": "s2", "machines": 2, "cycle_time": exponential(1.5)}],
                      sources=[poisson(0.7, "s1")], length_h=2_000, warmup_h=100, replications=2)
    return {"cylindrical_line": line("cylindrical_line.yaml"), "power_cell_line": line("power_cell_line.yaml"),
            "mm1": mm1, "tandem": tandem}


def _results(case: Scenario) -> list[dict]:
    return [json.loads(r.model_dump_json()) for r in run_replications(case, 2)]


@pytest.mark.parametrize("name", ["cylindrical_line", pytest.param("power_cell_line", marks=pytest.mark.slow), "mm1", "tandem"])
def test_results_are_pinned_value_for_value(name):
    pinned = json.loads((HERE / f"{name}.json").read_text())
    assert _results(_cases()[name]) == pinned


if __name__ == "__main__":  # rewrite the pinned files (only for a change meant to move the numbers)
    for name, case in _cases().items():
        (HERE / f"{name}.json").write_text(json.dumps(_results(case), indent=1, sort_keys=True) + "\n")
        print(f"wrote {name}.json", file=sys.stderr)

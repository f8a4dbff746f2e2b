"""Plant cases of shared/reference/validation.md style: exact queueing and energy values through plant files.

Two one-station lines (Poisson 0.2/h and 0.5/h, exponential service of mean 1 h): a plant that shares
the station is one M/M/1 queue at rho = 0.7, so both lines' time in system is 1/(1 - 0.7) h; unshared,
each line is its own M/M/1 (1/(1 - 0.2) h and 1/(1 - 0.5) h). An M/D/1 station (0.25/h, D = 2 h)
drawing 12 kW working and 3 kW starved, with a 2 kW facility load, uses (0.5 x 12 + 0.5 x 3 + 2) / 0.25
= 38 kWh per good cell. With `priority: [fast, slow]` the shared station is a non-preemptive priority
M/M/1 (Cobham's formula).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.validation.theory import assert_matches, replicate
from twin.spec.yaml_io import load_scenario

pytestmark = pytest.mark.slow  # long statistical runs: CI runs them, the fast loop (-m "not slow") does not

LINE = """name: {name}
run: {{length: 1000 h, seed: 1}}
sources: [{{name: arrivals, to: station, interarrival: {{dist: exponential, mean: {mean_h} h}}}}]
stations: [{{name: station, cycle_time: {{dist: exponential, mean: 1 h}}}}]
"""

PLANT = """name: two lines
lines:
  slow: {{file: slow.yaml}}
  fast: {{file: fast.yaml}}
{shared}run: {{warmup: 1000 h, length: 40000 h, replications: 10, seed: 2026}}
"""

SHARED = """shared:
  - name: station
    from: [slow.station, fast.station]
    machines: 1
"""


def _plant(tmp_path: Path, shared: bool, priority: str = ""):
    (tmp_path / "slow.yaml").write_text(LINE.format(name="slow", mean_h=5.0))
    (tmp_path / "fast.yaml").write_text(LINE.format(name="fast", mean_h=2.0))
    path = tmp_path / "plant.yaml"
    path.write_text(PLANT.format(shared=(SHARED + priority) if shared else ""))
    return load_scenario(path)


def test_a_shared_station_gives_both_lines_the_time_in_system_of_the_pooled_queue(tmp_path):
    reps = replicate(_plant(tmp_path, shared=True))
    for line in ("slow", "fast"):
        assert_matches([r.lines[line].lead_time_h for r in reps], 1 / (1 - 0.7), f"{line} time in system")
    assert_matches([r.stations["station"].utilization for r in reps], 0.7, "shared station busy share")
    assert_matches([r.lines["slow"].throughput_per_h for r in reps], 0.2, "slow line throughput")


def test_priority_gives_the_non_preemptive_priority_queue_times(tmp_path):
    """M/M/1 with two classes, fast (rho 0.5) first: W0 = sum(lambda E[S^2]) / 2 = 0.7 h, so the fast line's
    time in system is W0 / (1 - 0.5) + 1 = 2.4 h and the slow line's W0 / ((1 - 0.5)(1 - 0.7)) + 1 = 5.667 h."""
    reps = replicate(_plant(tmp_path, shared=True, priority="    priority: [fast, slow]\n"))
    assert_matches([r.lines["fast"].lead_time_h for r in reps], 0.7 / 0.5 + 1, "fast line (first) time in system")
    assert_matches([r.lines["slow"].lead_time_h for r in reps], 0.7 / (0.5 * 0.3) + 1, "slow line time in system")


def test_unshared_each_line_is_its_own_mm1(tmp_path):
    reps = replicate(_plant(tmp_path, shared=False))
    assert_matches([r.lines["slow"].lead_time_h for r in reps], 1 / (1 - 0.2), "slow line time in system")
    assert_matches([r.lines["fast"].lead_time_h for r in reps], 1 / (1 - 0.5), "fast line time in system")


def test_md1_energy_per_good_cell_is_38_kwh(tmp_path):
    path = tmp_path / "md1.yaml"
    path.write_text("""name: M/D/1 energy
run: {warmup: 1000 h, length: 40000 h, replications: 10, seed: 2026}
sources: [{name: arrivals, to: station, interarrival: {dist: exponential, mean: 4 h}}]
stations:
  - {name: station, cycle_time: 2 h, power: {working: 12 kW, starved: 3 kW}}
facility: {hvac: {power: 2 kW}}
""")
    reps = replicate(load_scenario(path))
    assert_matches([r.line.energy_kwh_per_good_cell for r in reps], 38.0, "energy per good cell")

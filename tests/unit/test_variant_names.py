"""Variant runs of an improvement ranking are named by what they changed, so a list of runs says
'winding machines 1 → 2' instead of a bare 'variant'."""

from __future__ import annotations

from pathlib import Path

from twin.experiments.sweep import apply_overrides
from twin.service.tasks import describe_change
from twin.spec.yaml_io import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_a_variant_is_named_by_its_change():
    line = load_scenario(SCENARIOS / "cylindrical_line.yaml")
    assert describe_change(line, apply_overrides(line, {"stations.winding.machines": 2})) == "winding machines 1 → 2"
    faster = load_scenario(SCENARIOS / "cylindrical_line_faster_winder.yaml")  # 3.75 s -> 3.333 s a cell
    assert describe_change(line, faster) == "winding +13% rate"
    assert describe_change(line, apply_overrides(line, {"stations.filling.buffer": 7})) == "filling buffer"
    assert describe_change(line, line) == "no change"

"""Every file in scenarios/ validates and runs; the lines' own run settings are what `twin run` promises
(a month after warm-up, 10 replications); each what-if names its change; each number says where it
comes from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from twin.sim.engine import run_replication
from twin.spec.yaml_io import load_scenario

from tests.scenarios.support import SCENARIOS, shortened

FILES = sorted(SCENARIOS.glob("*.yaml"))
LINES = ("cylindrical_line.yaml", "power_cell_line.yaml")
FILL_TIME_S = 18 * 86400.0
"""About the time a cell takes from slurry to the exit (electrode ~2 d, wetting 1 d, formation ~1 d, aging 14 d)."""


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_lines_and_their_what_ifs_are_there():
    names = {path.name for path in FILES}
    assert set(LINES) <= names
    what_ifs = [path for path in FILES if "base" in _raw(path)]
    assert {_line_of(path) for path in what_ifs} == set(LINES)  # a what-if may build on another (the ramp-up's)
    assert len(what_ifs) >= 5


def _line_of(path: Path) -> str:
    """The line file at the root of a what-if's chain of bases."""
    while "base" in _raw(path):
        path = path.parent / _raw(path)["base"]
    return path.name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_scenario_file_validates_and_runs(path):
    scenario = load_scenario(path)
    result = run_replication(shortened(scenario, "0 s", "3 d"), 0)  # a short run: every station built, lots flowing
    assert set(result.stations) == {s.name for s in scenario.stations}
    for spec in scenario.stations:
        if spec.kind == "assembly":
            assert result.stations[spec.name].throughput_per_h > 0, f"{spec.name} made no cells"
    assert result.line.released_cells >= 0 and result.line.wip_cells > 0


@pytest.mark.parametrize("name", LINES)
def test_the_lines_run_a_month_after_their_warm_up_with_ten_replications(name):
    run = load_scenario(SCENARIOS / name).run
    assert run.length >= 30 * 86400 and run.replications == 10
    assert run.warmup >= FILL_TIME_S


@pytest.mark.parametrize("name", LINES)
def test_the_winder_fills_carriers_no_larger_than_the_products_tray_and_formation_gets_full_trays(name):
    """cells_out is what a roll pair's length makes (not rounded to whole trays): the winder's carriers
    hold at most a tray (as few carriers as that allows), and crimping packs the sealed cells into full
    trays for the racks."""
    scenario = load_scenario(SCENARIOS / name)
    [winder] = [s for s in scenario.stations if s.kind == "assembly"]
    tray = scenario.product.cells_per_lot
    assert winder.split == -(-winder.cells_out // tray)
    assert scenario.station("crimping").regroup == tray


@pytest.mark.parametrize("path", [p for p in FILES if "base" in _raw(p)], ids=lambda p: p.stem)
def test_a_what_if_names_its_change_and_makes_it(path):
    raw = _raw(path)
    whatif, base = load_scenario(path), load_scenario(path.parent / raw["base"])
    assert whatif.name != base.name
    assert whatif.description.lower().startswith("what-if")
    assert whatif.content_hash() != base.content_hash()
    assert set(raw) <= {"base", "name", "description", "calendar", "calendars", "stations", "run", "product", "crews",
                        "sources"}


# A number's comment must name a source tag, a section of the reference, or say it is an assumption.
SOURCE = re.compile(r"\[S\d+\]|assumption|DERIVED|\b[a-e]\.\d\b|\((?:d|e)[,.) ]|brief|modelling choice|as (?:cathode|can_welding)")
NUMBER = re.compile(r"(?<![A-Za-z_])\d")
NOT_FACTS = {"seed", "replications", "name"}  # run settings and names, not line data


def _numbers_without_source(path: Path) -> list[str]:
    missing = []
    block_indent = None  # inside a folded/literal block scalar (the description)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        indent = len(line) - len(line.lstrip())
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue
            block_indent = None
        code, _, comment = line.partition("#")
        if re.search(r":\s*[>|][-+]?\s*$", code):
            block_indent = indent
            continue
        key = code.strip().lstrip("- ").split(":")[0]
        if not NUMBER.search(code) or key in NOT_FACTS:
            continue
        if not SOURCE.search(comment):
            missing.append(f"{path.name}:{number}: {line.strip()}")
    return missing


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_number_says_where_it_comes_from(path):
    assert _numbers_without_source(path) == []

"""A small results database shared by the dashboard tests: the browser tests' fast line shrunk to
half a day, a baseline and a what-if run with the same seed, a one-parameter and a two-parameter
sweep, all stored by the real `twin` commands (click's runner), so the dashboard reads exactly
what the CLI writes. Built once per test process in a few seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dashboard.callbacks import Context
from dashboard.data import Settings
from dashboard.jobs import JobManager
from twin.cli.main import main
from twin.spec.scenario import Scenario
from twin.spec.yaml_io import load_scenario

FAST_LINE = Path(__file__).parents[1] / "e2e" / "fast_line.yaml"


def tiny_line_data() -> dict:
    """The fast line observed for 12 h after 2 h of warm-up: a replication in a few hundredths of a second."""
    data = yaml.safe_load(FAST_LINE.read_text(encoding="utf-8"))
    data["run"].update(warmup="2 h", length="12 h", replications=3)
    return data


def twin(*arguments: str) -> str:
    out = CliRunner().invoke(main, list(arguments))
    assert out.exit_code == 0, out.output
    return out.stdout


@pytest.fixture(scope="session")
def stored(tmp_path_factory) -> Settings:
    """Runs 1 (baseline, formation 6 racks) and 2 (formation 8 racks), seed 7; runs 3-5 a sweep of
    formation machines 5, 6, 8; runs 6-9 a sweep of formation machines x filling buffer; a bottleneck
    analysis of run 2 (its variants are runs 10 on)."""
    root = tmp_path_factory.mktemp("stored")
    scenarios = root / "scenarios"
    scenarios.mkdir()
    data = tiny_line_data()
    base = scenarios / "tiny_line.yaml"
    base.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    data["stations"][2]["machines"] = 8
    data["name"] = "tiny-line-8-racks"
    whatif = root / "eight_racks.yaml"
    whatif.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    db = str(root / "results.sqlite")
    twin("run", str(base), "--db", db, "--json")
    twin("run", str(whatif), "--db", db, "--json")
    twin("sweep", str(base), "--set", "stations.formation.machines=5,6,8", "-r", "2", "--db", db, "--json")
    twin("sweep", str(base), "--set", "stations.formation.machines=5,8", "--set", "stations.filling.buffer=5,20",
         "-r", "2", "--db", db, "--json")
    twin("bottleneck", "--run", "2", "--top", "2", "--db", db, "--json")
    return Settings(Path(db), scenarios)


@pytest.fixture
def context(stored: Settings) -> Context:
    return Context(stored, JobManager(stored.db_path))


@pytest.fixture(scope="session")
def tiny_scenario() -> Scenario:
    return Scenario.model_validate(tiny_line_data())


@pytest.fixture(scope="session")
def fast_line() -> Scenario:
    return load_scenario(FAST_LINE)

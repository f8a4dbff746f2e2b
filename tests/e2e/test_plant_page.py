"""A plant's results page in a real browser: the plant view (lines side by side, the shared formation
between them), the kWh per kWh chart against the reference band and the cost stacked by station and
kind, with no console error. The run is two small templated lines sharing formation, stored by the
real `twin run`; screenshots go to docs/ when TWIN_SCREENSHOTS is set."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import expect

from dashboard.live import live_server

from .conftest import Console

pytestmark = pytest.mark.slow  # browser tests: CI runs them, the fast loop (-m "not slow") does not

PLANT = Path(__file__).resolve().parent / "plant"
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def plant_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("plant")
    scenarios = root / "scenarios"
    shutil.copytree(PLANT, scenarios)
    db = root / "results.sqlite"
    subprocess.run([sys.executable, "-m", "twin.cli", "run", str(scenarios / "small_plant.yaml"), "--db", str(db)],
                   check=True, capture_output=True, timeout=300, env=os.environ.copy())
    with live_server(db, scenarios) as url:
        yield url


def test_a_plant_run_shows_its_lines_shared_formation_energy_band_and_cost_by_kind(browser, plant_url):
    context = browser.new_context(base_url=plant_url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    console = Console(page)
    try:
        page.goto("/runs/1")
        plant = page.locator("[data-graph=plant]")
        expect(plant).to_be_visible()
        expect(plant).to_contain_text("formation")
        expect(plant).to_contain_text("east")
        expect(plant).to_contain_text("west")
        energy = page.locator("[data-graph=energy]")
        expect(energy).to_contain_text("reference 20-40 kWh/kWh")
        expect(energy).to_contain_text("plant")
        cost = page.locator("[data-graph=cost]")
        for kind in ("capital", "labour", "energy", "material", "scrap"):
            expect(cost).to_contain_text(kind)
        expect(cost).to_contain_text("east.filling")
        if os.environ.get("TWIN_SCREENSHOTS"):
            plant.scroll_into_view_if_needed()
            page.screenshot(path=str(DOCS / "dashboard-plant.png"), full_page=False)
            energy.scroll_into_view_if_needed()
            page.screenshot(path=str(DOCS / "dashboard-plant-energy-cost.png"), full_page=False)
        assert console.errors == []
    finally:
        context.close()

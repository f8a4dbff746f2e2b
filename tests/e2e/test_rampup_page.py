"""The ramp-up page in a real browser: two stored ramp-ups of the fast line (its filling yield ramping,
one twice as fast) on one chart with their CI bands, the cumulative output against the target, and
the milestone week with its probability; the console stays free of errors."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from click.testing import CliRunner
from playwright.sync_api import expect

from dashboard.live import live_server
from tests.e2e.conftest import FAST_LINE
from twin.cli.main import main

pytestmark = pytest.mark.slow  # browser tests: CI runs them, the fast loop (-m "not slow") does not


def _ramp(name: str, days_to_mature: int) -> dict:
    """The fast line from start of production: filling yield 0.5 -> 0.98, observed 4 days in 12 h periods."""
    data = yaml.safe_load(FAST_LINE.read_text(encoding="utf-8"))
    data["name"] = name
    data["run"].update(warmup="0 h", length="4 d", replications=3, period="12 h", target_per_day=[15000])
    filling = next(s for s in data["stations"] if s["name"] == "filling")
    filling["ramp"] = {"yield": [["0 h", 0.5], [f"{days_to_mature} d", 0.98]]}
    return data


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory) -> Iterator[str]:
    """A live dashboard over a database holding the two ramp-ups (runs 1 and 2)."""
    root = tmp_path_factory.mktemp("rampup-live")
    scenarios = root / "scenarios"
    scenarios.mkdir()
    shutil.copy(FAST_LINE, scenarios / "fast_line.yaml")
    db = root / "results.sqlite"
    for data, days in ((_ramp("fast-line-rampup", 4), 4), (_ramp("fast-line-rampup-fast-yield", 2), 2)):
        path = root / f"{data['name']}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        out = CliRunner().invoke(main, ["run", str(path), "--db", str(db), "--json"])
        assert out.exit_code == 0, out.output
    with live_server(db, scenarios) as url:
        yield url


def test_two_ramp_ups_on_one_chart_with_milestones(page, tmp_path):
    page.goto("/rampup?runs=1,2")
    expect(page.get_by_role("heading", name="Ramp-up", exact=True)).to_be_visible()
    milestones = page.locator(".rampup-milestones")
    expect(milestones).to_contain_text("fast-line-rampup (run 1): 15,000 good cells/day")
    expect(milestones).to_contain_text("fast-line-rampup-fast-yield (run 2)")
    expect(milestones).to_contain_text("of reaching it by day 4")
    daily = page.locator('[data-graph="rampup-daily"]')
    expect(daily).to_be_visible()
    expect(daily.locator(".legendtext")).to_have_count(2)  # both runs on one chart (bands carry no legend)
    expect(daily).to_contain_text("target 15,000/day")
    expect(page.locator('[data-graph="rampup-cumulative"]')).to_contain_text("target 15,000/day from day one")
    expect(page.locator('[data-graph="rampup-milestones"]')).to_be_visible()
    page.get_by_role("link", name="Ramp-up").click()  # the navigation bar names the page
    expect(page).to_have_url(re.compile(r"/rampup$"))
    page.goto("/rampup?runs=1,2")
    expect(daily.locator(".legendtext")).to_have_count(2)
    page.screenshot(path=str(Path(os.environ.get("TWIN_SCREENSHOTS", str(tmp_path))) / "rampup.png"), full_page=True)
    assert page.console.errors == []

"""The Validation page in a real browser: a report written by `twin validate-against --json` in the
scenarios directory is listed, its verdicts shown, and the log's daily output drawn over the twin's band."""

from __future__ import annotations

import datetime as dt
import json
from typing import Iterator

import pytest

from dashboard.live import live_server
from tests.calibration.lines import small_line
from twin.analysis.eventdata import read_log
from twin.experiments.validation import validate
from twin.sim.eventlog import write_event_log

pytestmark = pytest.mark.slow  # browser tests: CI runs them, the fast loop (-m "not slow") does not



@pytest.fixture(scope="module")
def validation_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("validation")
    scenarios = root / "scenarios"
    scenarios.mkdir()
    line = small_line(length_h=120, replications=4)
    log = root / "line.csv"
    write_event_log(line, 0, log, dt.datetime(2026, 11, 2))
    report = validate(read_log(log, [s.name for s in line.stations]), line)
    (scenarios / "small_line.validation.json").write_text(json.dumps(report.to_dict()))
    (scenarios / "broken.validation.json").write_text("{not json")
    with live_server(root / "results.sqlite", scenarios) as url:
        yield url


def test_the_validation_page_shows_the_report(page, validation_url, tmp_path):
    console = page.console
    page.goto(f"{validation_url}/validation?file=small_line.validation.json")
    page.wait_for_selector("[data-table=validation]")
    rows = page.locator("[data-table=validation] tbody tr")
    assert rows.count() >= 8
    page.wait_for_selector('[data-graph="validation-daily"] .main-svg')
    page.wait_for_selector('[data-graph="validation-daily"] .scatterlayer .trace')
    assert "inside the twin's 95% CI" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "validation.png"), full_page=True)
    page.goto(f"{validation_url}/validation?file=broken.validation.json")
    page.wait_for_selector(".notice-error")
    assert "not a readable JSON file" in page.inner_text(".notice-error")
    page.goto(f"{validation_url}/validation?file=..%2F..%2Fetc%2Fpasswd")
    page.wait_for_selector(".notice-error")
    assert "no validation report named" in page.inner_text(".notice-error")
    assert console.errors == []

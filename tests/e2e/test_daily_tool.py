"""The dashboard as the team's daily tool, as user journeys in Chromium over an empty results
database: the home page offers the first run with an estimate, the run shows in the job list beside
every page (through navigation and a reload), a second click starts nothing, and the home card then
answers with cells/day, GWh/yr and the bottleneck, buttons above the fold at 1440 and 1024 px, the
menu marking the page and reachable by keyboard; a sweep started from the browser is stopped from
another page and keeps its finished replications; a stored run is deleted; an edit is highlighted,
not lost silently, saved as a small `base:` file, and run settings alone run the file's scenario."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from playwright.sync_api import expect

from dashboard.live import live_server
from tests.e2e.conftest import FAST_LINE, Console

pytestmark = pytest.mark.slow

RUN_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def scenarios_dir(tmp_path_factory) -> Path:
    scenarios = tmp_path_factory.mktemp("daily") / "scenarios"
    scenarios.mkdir()
    shutil.copy(FAST_LINE, scenarios / "fast_line.yaml")
    return scenarios


@pytest.fixture(scope="module")
def empty_url(scenarios_dir) -> Iterator[str]:
    with live_server(scenarios_dir.parent / "results.sqlite", scenarios_dir) as url:
        yield url


@pytest.fixture
def long_line_url(tmp_path) -> Iterator[str]:
    """A dashboard whose one scenario is the fast line run for 20 days instead of 2, so that a sweep of
    it is still running when a test stops it, however fast the engine gets (at 2 days a sweep of 120
    replications once finished before the Stop click)."""
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    data = yaml.safe_load(FAST_LINE.read_text())
    data["run"]["length"] = "20 d"
    (scenarios / "fast_line.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    with live_server(tmp_path / "results.sqlite", scenarios) as url:
        yield url


def open_page(browser: Any, url: str, width: int = 1440) -> Any:
    context = browser.new_context(base_url=url, viewport={"width": width, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.console = Console(page)
    return page


def above_the_fold(locator: Any) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] + box["height"] <= 900


def test_first_run_from_home_followed_in_the_job_list_then_the_card_answers(browser, empty_url):
    page = open_page(browser, empty_url)
    page.goto("/")
    offer = page.locator(".first-run-row")
    expect(offer).to_contain_text("No runs stored yet")
    expect(offer).to_contain_text(re.compile(r"about \d+ (s|min)"))
    expect(page.locator(".nav-link.active")).to_have_text("Home")

    page.get_by_role("button", name="Run fast_line.yaml").click()
    job = page.locator(".jobs .job")
    expect(job).to_have_count(1)
    expect(job).to_contain_text("fast-line")
    page.get_by_role("link", name="Runs", exact=True).click()  # the job list follows to every page
    expect(page.locator(".nav-link.active")).to_have_text("Runs")
    expect(page.locator(".jobs .job")).to_have_count(1)
    page.reload()  # and survives a reload (the browser's id is in localStorage, the job on the server)
    expect(page.locator(".jobs .job")).to_have_count(1)
    expect(page.locator('.jobs .job[data-state="done"]')).to_have_count(1, timeout=RUN_TIMEOUT_MS)

    page.goto("/")
    card = page.locator('.line-card[data-line="fast_line.yaml"]')
    expect(card.locator('[data-figure="cells-per-day"]')).to_contain_text("cells/day")
    expect(card.locator('[data-figure="cells-per-day"]')).to_contain_text("95% CI")
    expect(card.locator('[data-figure="gwh"]')).to_contain_text("GWh/yr")
    expect(card.locator(".card-verdict")).to_have_attribute("data-bottleneck", "formation")
    again = card.get_by_role("button", name="Run again")
    assert above_the_fold(again) and above_the_fold(card.get_by_role("link", name="What-if…"))
    again.click()
    again.click()  # the same run while it is going: no second copy
    expect(page.locator(".jobs .job")).to_have_count(2)
    page.wait_for_timeout(1600)  # a poll of the job list later: still two
    expect(page.locator(".jobs .job")).to_have_count(2)

    narrow = open_page(browser, empty_url, width=1024)
    narrow.goto("/")
    narrow_card = narrow.locator('.line-card[data-line="fast_line.yaml"]')
    assert above_the_fold(narrow_card.get_by_role("button", name="Run again"))
    assert above_the_fold(narrow_card.get_by_role("link", name="What-if…"))
    body = narrow.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert body[0] <= body[1]  # nothing wider than the window at 1024 px
    narrow.locator(".brand").click()
    for _ in range(12):  # the menu by keyboard: Tab to Sweeps, Enter
        narrow.keyboard.press("Tab")
        if narrow.evaluate("document.activeElement.textContent") == "Sweeps":
            break
    narrow.keyboard.press("Enter")
    expect(narrow).to_have_url(re.compile(r"/sweep$"))
    expect(narrow.locator(".nav-link.active")).to_have_text("Sweeps")
    assert page.console.errors == [] and narrow.console.errors == []


def test_a_sweep_from_the_browser_stopped_from_another_page_keeps_its_replications(browser, long_line_url):
    page = open_page(browser, long_line_url)
    page.goto("/sweep")
    form = page.locator(".sweep-form")
    form.locator("#sweep-replications").fill("20")
    form.locator(".sweep-axis").first.locator("button.dash-dropdown").first.click()  # the first field's station
    page.get_by_role("option", name="formation (batch)").click()
    form.get_by_placeholder("e.g. 5, 6, 7, 8").first.fill("4, 5, 6, 7, 8, 9")
    form.get_by_role("button", name="Start sweep").click()
    expect(page.locator("#sweep-message")).to_contain_text("6 points × 20 replications")
    job = page.locator(".jobs .job")
    expect(job).to_contain_text("sweep of fast-line: formation machines 4, 5, 6, 7, 8, 9")
    expect(job.locator(".progress-text")).to_contain_text(re.compile(r"[1-9]\d* of 120 replications stored · about"),
                                                          timeout=RUN_TIMEOUT_MS)

    page.get_by_role("link", name="Home", exact=True).click()  # away, and Stop from there
    job = page.locator(".jobs .job")
    job.get_by_role("button", name="Stop").click()
    expect(job).to_have_attribute("data-state", "cancelled")
    kept = job.locator(".job-kept")
    expect(kept).to_contain_text(re.compile(r"stopped · \d+ of 120 replications kept"))
    count = int(re.search(r"(\d+) of 120", kept.inner_text()).group(1))
    assert 0 < count < 120

    job.get_by_role("link", name=re.compile(r"Open results of the sweep")).click()
    expect(page).to_have_url(re.compile(r"/sweep\?group="))
    expect(page.locator(".nav-link.active")).to_have_text("Sweeps")
    expect(page.locator(".picker-row")).to_contain_text("formation machines")
    expect(page.locator('[data-graph="sweep"]')).to_contain_text("formation machines")
    table = page.locator('[data-table="sweep"]')
    expect(table).to_be_visible()

    page.goto("/runs")  # a stopped sweep point can be deleted
    page.locator("#run-delete-select").click()
    option = page.get_by_role("option").first
    deleted = int(re.match(r"run (\d+)", option.inner_text()).group(1))
    option.click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete run").click()
    expect(page.locator(".notice-success")).to_have_text(f"Deleted run {deleted}.")
    expect(page.locator('[data-table="runs"]').get_by_role("link", name=str(deleted), exact=True)).to_have_count(0)
    assert page.console.errors == []


def test_edits_are_highlighted_guarded_and_saved_as_a_small_base_file(browser, empty_url, scenarios_dir):
    page = open_page(browser, empty_url)
    page.goto("/scenarios?file=fast_line.yaml")
    machines = page.locator('input[name="formation.machines"]')
    machines.fill("8")
    machines.press("Tab")
    expect(page.locator(".field-input.changed", has=machines)).to_be_visible()  # the changed field stands out
    expect(page.locator(".field-input.changed")).to_have_count(1)
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.get_by_role("link", name="Runs", exact=True).click()  # would lose the edit: the browser asks first
    page.wait_for_timeout(300)
    assert asked and "unsaved edits" in asked[0]
    expect(page).to_have_url(re.compile(r"/scenarios\?file=fast_line\.yaml$"))
    expect(machines).to_have_value("8")
    page.remove_listener("dialog", dismiss)

    page.get_by_placeholder("name, e.g. formation +10 racks").fill("Eight racks")
    page.get_by_role("button", name="Save as what-if").click()
    page.locator("#save-message").get_by_role("link", name="eight-racks.yaml").click()  # saved: no question
    expect(page).to_have_url(re.compile(r"\?file=eight-racks\.yaml$"))
    written = (scenarios_dir / "eight-racks.yaml").read_text()
    assert "base: fast_line.yaml" in written and "machines: 8" in written and "winding" not in written
    assert (scenarios_dir / "fast_line.yaml").read_text() == FAST_LINE.read_text()  # its comments intact

    page.goto("/scenarios?file=fast_line.yaml")
    replications = page.locator('input[name="run.replications"]')
    replications.fill("2")
    replications.press("Tab")
    page.get_by_role("button", name="Run", exact=True).click()  # a run setting, not a scenario edit
    job = page.locator(".jobs .job")
    expect(job.locator(".job-title")).to_have_text("fast-line (2 replications)")
    expect(page.locator('.jobs .job[data-state="done"]')).to_have_count(1, timeout=RUN_TIMEOUT_MS)
    page.once("dialog", lambda dialog: dialog.accept())
    job.get_by_role("link", name=re.compile("Open results")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Run \d+ · fast-line$"))).to_be_visible(timeout=20_000)
    assert page.console.errors == []

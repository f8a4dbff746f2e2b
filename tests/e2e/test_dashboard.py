"""The dashboard in a real browser: open a scenario, change a parameter, run both the baseline and
the what-if in the background, see the result page with its KPI cards and the bottleneck marked,
compare the what-if with the baseline, rank the improvements; a bad value shows its error next to
the field and nothing breaks; every page has a stable URL; and the browser console stays free of
errors throughout."""

from __future__ import annotations

import pytest

import re

from playwright.sync_api import expect

pytestmark = pytest.mark.slow  # browser tests: CI runs them, the fast loop (-m "not slow") does not

RUN_TIMEOUT_MS = 60_000


def field(page, station: str, param: str):
    return page.locator(f'input[name="{station}.{param}"]')


def error_next_to(page, station: str, param: str):
    return page.locator("div.field", has=field(page, station, param)).locator(".field-error")


def set_field(page, station: str, param: str, value: str) -> None:
    box = field(page, station, param)
    box.fill(value)
    box.press("Tab")  # the form checks a field when it is left


def test_run_a_whatif_see_its_bottleneck_and_compare_it_with_the_baseline(page):
    page.goto("/scenarios")
    page.get_by_role("link", name="fast_line.yaml").click()
    expect(page).to_have_url(re.compile(r"/scenarios\?file=fast_line\.yaml$"))
    expect(page.get_by_role("heading", name="fast-line", exact=True)).to_be_visible()

    page.get_by_role("button", name="Run", exact=True).click()  # the baseline, as the file says
    set_field(page, "formation", "machines", "8")  # the page stays usable while it runs
    expect(page.locator(".changes")).to_contain_text("formation machines: 6 -> 8")
    page.get_by_role("button", name="Run", exact=True).click()  # the what-if, beside it

    jobs = page.locator(".job")
    expect(jobs).to_have_count(2)
    expect(page.locator("progress").first).to_be_attached()
    expect(page.locator('.job[data-state="done"]')).to_have_count(2, timeout=RUN_TIMEOUT_MS)
    baseline_id = run_id_of(jobs.filter(has_not_text="formation machines"))
    whatif_job = jobs.filter(has_text="formation machines 6 → 8")
    whatif_id = run_id_of(whatif_job)

    whatif_job.get_by_role("link", name=re.compile("Open results")).click()
    expect(page).to_have_url(re.compile(rf"/runs/{whatif_id}$"))
    expect(page.get_by_role("heading", name=f"Run {whatif_id} · fast-line · formation machines 6 → 8")).to_be_visible()
    cards = page.locator(".kpi-card")
    expect(cards).to_have_count(6)
    for title in ("Throughput", "Output", "Yield", "OEE of the bottleneck", "WIP", "Lead time"):
        expect(cards.filter(has_text=title).locator(".kpi-ci")).to_contain_text("95% CI")
    # eight formation racks move the bottleneck to the winder, marked in the flow diagram
    expect(page.locator(".bottleneck-sentence")).to_have_attribute("data-bottleneck", "winding")
    flow = page.locator('[data-graph="flow"]')
    mark = flow.get_by_text("BOTTLENECK", exact=True)
    expect(mark).to_be_visible()
    assert abs(centre_x(mark) - centre_x(flow.get_by_text("winding", exact=True))) < 20  # above the winder's box

    page.goto(f"/runs/{baseline_id}")  # a stable URL, opened directly
    expect(page.locator(".bottleneck-sentence")).to_have_attribute("data-bottleneck", "formation")

    page.goto(f"/runs/{whatif_id}")
    page.locator(".compare-with").get_by_role("link", name=re.compile(rf"^run {baseline_id} ")).click()
    expect(page).to_have_url(re.compile(rf"/compare\?runs={baseline_id},{whatif_id}$"))
    table = page.locator(f'[data-table="compare-{baseline_id}-{whatif_id}"]')
    throughput = table.locator("tr", has_text="Throughput")
    expect(throughput).to_have_class("marked")  # significant: paired replications, same seed
    expect(throughput.locator("td").last).to_have_text("yes")
    expect(page.locator('[data-graph="comparison"]')).to_be_visible()
    with page.expect_download() as download:
        table.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == f"compare-{baseline_id}-{whatif_id}.csv"

    page.goto(f"/runs/{baseline_id}")  # rank improvements (`twin bottleneck` in the background)
    rank = page.get_by_role("button", name="Rank improvements")
    rank.click()
    expect(rank).to_be_hidden()
    expect(page.locator('[data-graph="improvements"]')).to_be_visible(timeout=RUN_TIMEOUT_MS)
    best = page.locator('[data-table="improvements"] tbody tr').first
    expect(best.locator("td").first).to_have_text("formation")  # faster formation pays most
    expect(best).to_have_class("marked")

    assert page.console.errors == []


def centre_x(locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2


def run_id_of(job) -> int:
    link = job.get_by_role("link", name=re.compile(r"Open results of run \d+"))
    return int(re.search(r"\d+$", link.inner_text()).group())


def test_a_bad_value_shows_its_error_and_breaks_nothing(page):
    page.goto("/scenarios?file=fast_line.yaml")
    set_field(page, "formation", "machines", "abc")
    expect(error_next_to(page, "formation", "machines")).to_contain_text("valid integer")
    expect(page.locator(".field-input.invalid", has=field(page, "formation", "machines"))).to_be_visible()
    set_field(page, "formation", "machines", "0")
    expect(error_next_to(page, "formation", "machines")).to_contain_text("greater than or equal to 1")
    set_field(page, "winding", "cycle_time", "3 parsecs")
    expect(error_next_to(page, "winding", "cycle_time")).to_contain_text("unknown time unit")

    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("#run-message")).to_contain_text("nothing was started")
    expect(page.locator(".job")).to_have_count(0)

    set_field(page, "formation", "machines", "7")
    set_field(page, "formation", "buffer", "3")  # the station's own rule, checked once its fields are valid
    expect(error_next_to(page, "formation", "buffer")).to_contain_text("full batch")

    for station, param, good in (("formation", "machines", "7"), ("winding", "cycle_time", "3.5 s"),
                                 ("formation", "buffer", "16")):
        set_field(page, station, param, good)
        expect(error_next_to(page, station, param)).to_be_empty()
    expect(page.locator(".field-input.invalid")).to_have_count(0)

    page.get_by_placeholder("name, e.g. formation +10 racks").fill("Seven racks")
    page.get_by_role("button", name="Save as what-if").click()
    page.locator("#save-message").get_by_role("link", name="seven-racks.yaml").click()
    expect(page).to_have_url(re.compile(r"\?file=seven-racks\.yaml$"))
    expect(page.get_by_role("heading", name="Seven racks")).to_be_visible()
    expect(field(page, "formation", "machines")).to_have_value("7")
    expect(field(page, "winding", "cycle_time")).to_have_value("3.5 s")

    page.get_by_role("button", name="Save as what-if").click()  # same name again: refused
    page.get_by_placeholder("name, e.g. formation +10 racks").fill("Seven racks")
    page.get_by_role("button", name="Save as what-if").click()
    expect(page.locator("#save-message")).to_contain_text("already exists")

    assert page.console.errors == []


def test_every_page_answers_at_its_own_url(page):
    for path, heading in (("/runs", "Runs"), ("/compare", "Compare runs"), ("/sweep", "Sweeps"),
                          ("/runs/999", "Cannot show this page"), ("/elsewhere", "Page not found")):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert page.console.errors == []

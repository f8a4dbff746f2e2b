"""The plan page in a real browser: start a plan of the fast line's formation racks, see it finish
in the background, and find the stored plan with its chosen value, evidence and frontier; the
console stays free of errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

PLAN_TIMEOUT_MS = 180_000


@pytest.mark.slow  # a real plan in the background: tens of seconds
def test_plan_the_formation_racks_and_see_the_stored_plan(page):
    page.goto("/plan")
    expect(page.get_by_role("heading", name="Plan", exact=True)).to_be_visible()
    page.locator("#plan-value").fill("700")
    page.locator("#plan-budget").fill("40")
    page.locator("#plan-vary").fill("stations.formation.machines=4..10")
    page.get_by_role("button", name="Plan", exact=True).click()
    expect(page.locator("#plan-message")).to_contain_text("in the background")
    expect(page.locator("#plan-message")).to_contain_text("plan finished", timeout=PLAN_TIMEOUT_MS)
    page.get_by_role("link", name="show it").click()
    expect(page).to_have_url(re.compile(r"/plan\?done="))
    view = page.locator(".plan-view")
    expect(view).to_contain_text("cheapest plan found: stations.formation.machines=")
    expect(view.locator("td.plan-chosen")).to_have_text(re.compile(r"^\d+$"))
    expect(view.locator('[data-graph="plan-frontier"]')).to_be_visible()
    assert page.console.errors == []

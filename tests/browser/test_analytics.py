"""Analytics in a real browser: a manager opens the page, sees a recurring pattern flagged, and
follows its link to a postmortem that shows the pattern callout."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.postmortems.analytics.helpers import build_world


def test_a_manager_follows_a_recurring_pattern_to_a_postmortem(page, org, member_factory):
    world = build_world(org, member_factory)
    log_in(page, world.manager.username)
    page.goto("/o/acme/")
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Analytics", level=1)).to_be_visible()

    page.locator("#id_date_from").fill("2025-01-01")
    page.locator("#id_date_to").fill("2025-03-31")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"date_from=2025-01-01"))

    pattern = page.locator('[data-pattern="service:api"]')
    expect(pattern).to_contain_text("3 incidents in 50 days")
    expect(
        page.get_by_role("img", name=re.compile("Postmortems created per month"))
    ).to_be_visible()
    expect(page.locator("#patterns")).not_to_contain_text("Secret payroll leak")

    pattern.get_by_role("link", name=re.compile("Checkout errors")).click()
    expect(page).to_have_url(re.compile(r"/o/acme/postmortems/1/$"))
    callout = page.locator("[data-pattern-callout]")
    expect(callout).to_contain_text("Recurring: service api")
    expect(callout).to_contain_text("4 incidents within 90 days")  # I0 too: not range-bound
    callout.get_by_role("link", name=re.compile("All patterns")).click()
    expect(page).to_have_url(re.compile(r"/o/acme/analytics/#patterns$"))
    assert page.console_errors == []

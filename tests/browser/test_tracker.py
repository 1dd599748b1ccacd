"""The tracker in a real browser: a manager filters it, changes a status inline, and exports
the filtered view as CSV."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from actionitems import services
from actionitems.models import ActionItem, ItemStatus
from actionitems.tracker_cache import tracker_changed
from organizations.roles import Role
from organizations.selectors import today_in
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def items(draft):  # noqa: F811
    """Ann's draft with four items: two overdue (Ann's, Ben's), one due later, one unowned."""
    organization = draft.organization
    mia = UserFactory(username="mia", first_name="Mia", last_name="Manager")
    MembershipFactory(user=mia, organization=organization, role=Role.MANAGER)
    ann, ben = draft.author, UserFactory(username="ben")  # the draft's colleague
    today = today_in(organization)
    with scope(organization=organization):
        made = {
            name: services.action_item_create(
                postmortem=draft,
                actor=ann,
                description=description,
                section_key="actions-short-term",
                due_date=today + timedelta(days=10),
                **fields,
            )
            for name, description, fields in [
                ("ann_late", "Page the on-call when checkout 5xx passes 2 %", {"owner": ann}),
                ("ben_late", "Circuit breaker between checkout and payments", {"owner": ben}),
                ("ben_later", "Load-test checkout at 3x peak", {"owner": ben}),
                ("nobody", "Runbook for failing over payments", {}),
            ]
        }
    ActionItem.objects.filter(pk__in=[made["ann_late"].pk, made["ben_late"].pk]).update(
        due_date=today - timedelta(days=3)
    )
    tracker_changed(organization=organization)
    return made


def test_a_manager_filters_changes_a_status_inline_and_exports(page, items):
    log_in(page, "mia")
    page.goto("/o/acme/action-items/")
    rows = page.locator("tr.trk-row")
    expect(rows).to_have_count(4)
    expect(page.locator('[data-card="overdue"] .trk-card__value')).to_have_text("2")

    # Filter: the overdue ones, in place, the URL kept for sharing.
    page.evaluate("window.__samePage = true")
    page.get_by_label("Due").select_option("overdue")
    expect(page).to_have_url(re.compile(r"/o/acme/action-items/\?due=overdue$"))
    expect(rows).to_have_count(2)
    expect(page.locator("#tracker-results")).to_contain_text("3 days overdue")
    expect(page.locator("#tracker-results")).not_to_contain_text("Load-test checkout")

    # Export the filtered view: the same two items.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["Description"] for row in exported) == [
        "Circuit breaker between checkout and payments",
        "Page the on-call when checkout 5xx passes 2 %",
    ]
    assert {row["Status"] for row in exported} == {"OPEN"}

    # Change a status inline: the row updates, the summary follows, the page stays.
    row = page.locator("tr.trk-row", has_text="Circuit breaker")
    row.locator("summary").click()
    row.get_by_role("button", name="Completed").click()
    row = page.locator("tr.trk-row", has_text="Circuit breaker")
    expect(row.locator(".ai-st")).to_have_text("Completed")
    expect(page.locator(".flash--success")).to_contain_text("is now completed")
    expect(page.locator('[data-card="overdue"] .trk-card__value')).to_have_text("1")
    assert page.evaluate("window.__samePage") is True
    assert ActionItem.objects.get(pk=items["ben_late"].pk).status == ItemStatus.COMPLETED
    assert page.console_errors == []

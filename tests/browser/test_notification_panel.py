"""The bell's panel, with the keyboard alone: it opens on Enter, loads the newest notifications,
marks them all read, closes on Escape with focus back on the bell; opening one marks it read."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from organizations.models import Notification, NotificationKind
from organizations.roles import Role
from tests.browser.helpers import log_in


def _notify(org, recipient, actor, count: int) -> list[Notification]:
    now = timezone.now()
    made = []
    for i in range(count):
        notification = Notification.objects.create(
            organization=org,
            recipient=recipient,
            actor=actor,
            kind=NotificationKind.REVIEW_REQUESTED,
            title=f"Review requested: PM-{i} Outage {i}",
            url="/o/acme/notifications/settings/",
        )
        Notification.objects.filter(pk=notification.pk).update(
            created_at=now - timedelta(minutes=i)
        )
        made.append(notification)
    return made


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_the_bell_panel_with_the_keyboard(page, org, member_factory):
    bob = member_factory(Role.ENGINEER, username="bob")
    carol = member_factory(Role.REVIEWER, username="carol")
    _notify(org, bob, carol, 10)
    log_in(page, "bob")
    page.goto("/o/acme/")
    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", "Notifications, 10 unread")
    expect(bell).to_have_attribute("aria-expanded", "false")

    bell.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("region", name="Notifications")
    expect(panel).to_be_visible()
    expect(panel).not_to_have_attribute("aria-busy", "true")
    expect(bell).to_have_attribute("aria-expanded", "true")
    items = panel.locator(".bell-item")
    expect(items).to_have_count(8)
    expect(items.first).to_contain_text("Outage 0")
    expect(panel).to_contain_text("10 unread")
    assert page.url.endswith("/o/acme/")  # a disclosure, not the link's navigation

    page.keyboard.press("Tab")  # into the panel, which follows the bell
    expect(panel.get_by_role("button", name="Mark all as read")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert _focused_id(page) == "notification-bell"
    expect(bell).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Enter")  # opens again, and loads again
    expect(panel).to_be_visible()
    expect(panel).not_to_have_attribute("aria-busy", "true")
    page.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Mark all as read")).to_be_focused()
    page.keyboard.press("Enter")
    expect(panel.get_by_role("status")).to_contain_text("All caught up")
    expect(bell).to_have_attribute("aria-label", "Notifications, none unread")
    expect(bell).to_have_attribute("aria-expanded", "true")
    expect(panel.locator(".bell-item--unread")).to_have_count(0)
    assert not Notification.objects.filter(recipient=bob, read_at__isnull=True).exists()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert _focused_id(page) == "notification-bell"
    assert page.console_errors == []


def test_opening_one_marks_it_read_and_goes_there(page, org, member_factory):
    bob = member_factory(Role.ENGINEER, username="bob")
    carol = member_factory(Role.REVIEWER, username="carol")
    first, second = _notify(org, bob, carol, 2)
    log_in(page, "bob")
    page.goto("/o/acme/")
    page.locator("#notification-bell").click()
    panel = page.get_by_role("region", name="Notifications")
    panel.get_by_role("button", name=re.compile("Outage 1")).click()
    expect(page).to_have_url(re.compile("/o/acme/notifications/settings/$"))
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.read_at is not None and first.read_at is None
    expect(page.locator("#notification-bell")).to_have_attribute(
        "aria-label", "Notifications, 1 unread"
    )
    page.locator("h1").click()
    page.locator("#notification-bell").click()
    expect(panel).to_be_visible()
    page.locator("h1").click()  # a click elsewhere closes it
    expect(panel).to_be_hidden()


def test_without_javascript_the_bell_is_the_notifications_page(
    browser, live_server, org, member_factory
):
    member_factory(Role.ENGINEER, username="bob")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, "bob")
        page.goto("/o/acme/")
        page.locator("#notification-bell").click()
        expect(page).to_have_url(re.compile("/o/acme/notifications/$"))
        expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    finally:
        context.close()

"""A phone, 390×844: every main page fits the screen's width, and the header's sections,
organization switcher, search, bell and account menu stay reachable, by keyboard too, and
without scripts."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from postmortems.models import Postmortem, PostmortemStatus
from postmortems.sharing import services as sharing
from tests.browser import helpers

PHONE = {"width": 390, "height": 844}
FITS = "document.documentElement.scrollWidth <= window.innerWidth"
WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page, username: str = "alice") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill("hindsight-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


def numbered(status: str, **filters) -> int:
    return (
        Postmortem.objects.filter(organization__slug="acme", status=status, **filters)
        .order_by("number")
        .first()
        .number
    )


def share_token() -> str:
    postmortem = Postmortem.objects.get(
        organization__slug="acme", number=numbered(PostmortemStatus.PUBLISHED)
    )
    postmortem.public_summary = "Checkout failed for 40 minutes; the release was rolled back."
    postmortem.save(update_fields=["public_summary"])
    alice = get_user_model().objects.get(username="alice")
    return sharing.share_link_create(postmortem=postmortem, actor=alice)[1]


def main_pages(page) -> list[str]:
    """The organization's main pages, with the incident, postmortems and settings tabs that
    the demo holds."""
    page.goto("/o/acme/incidents/")
    incident = page.locator(".incident-cell__title").first.get_attribute("href")
    draft = numbered(PostmortemStatus.DRAFT, sections__kind="timeline")
    published = numbered(PostmortemStatus.PUBLISHED)
    in_review = numbered(PostmortemStatus.IN_REVIEW)
    page.goto("/o/acme/settings/")
    settings = page.locator(".settings-nav a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert len(settings) > 5
    return [
        "/",
        "/o/acme/",
        "/o/acme/incidents/",
        incident,
        "/o/acme/incidents/new/",
        "/o/acme/postmortems/",
        f"/o/acme/postmortems/{draft}/edit/",
        f"/o/acme/postmortems/{published}/",
        f"/o/acme/postmortems/{published}/history/",
        f"/o/acme/postmortems/{published}/history/diff/",
        f"/o/acme/postmortems/{published}/people/",
        f"/o/acme/postmortems/{published}/sharing/",
        f"/o/acme/postmortems/{in_review}/review/",
        f"/o/acme/postmortems/{in_review}/comments/",
        "/o/acme/action-items/",
        "/o/acme/action-items/?mine=1",
        "/o/acme/analytics/",
        "/o/acme/members/",
        "/o/acme/search/?q=database",
        "/o/acme/notifications/",
        *settings,
    ]


def test_no_main_page_is_wider_than_a_phone(phone, demo):
    page = phone
    token = share_token()
    too_wide = {}

    for path in ("/accounts/login/", f"/share/{token}/"):
        page.goto(path)
        if not page.evaluate(FITS):
            too_wide[path] = page.evaluate(WIDTH)

    log_in(page)
    for path in main_pages(page):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if not page.evaluate(FITS):
            too_wide[path] = page.evaluate(WIDTH)

    assert too_wide == {}, f"wider than the screen (page width, screen width): {too_wide}"

    # The tracker's filters stack two to a row, each wide enough to read, and still filter.
    page.goto("/o/acme/action-items/")
    filters = page.get_by_role("search", name="Filter action items")
    fields = filters.locator("select, input:not([type=hidden])")
    assert fields.count() >= 6
    for index in range(fields.count()):
        box = fields.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["width"] >= 140, "a filter too narrow to show its choice"
    filters.locator("select[name=due]").select_option("overdue")
    expect(page).to_have_url(re.compile(r"due=overdue"))
    assert page.evaluate(FITS)


def focused_inside(page, selector: str) -> bool:
    return page.evaluate(f"Boolean(document.activeElement.closest({selector!r}))")


def test_the_header_menu_by_keyboard(phone, draft):
    page = phone
    helpers.log_in(page, "ann")
    page.goto("/o/acme/")
    menu = page.get_by_role("button", name="Menu")
    sections = page.get_by_role("navigation", name="Sections")
    # The bell and the account menu stay in the header's bar.
    expect(page.get_by_role("link", name=re.compile(r"^Notifications"))).to_be_visible()
    expect(page.get_by_label("Account menu")).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(sections).to_be_hidden()

    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sections.get_by_role("link", name="Action items")).to_be_visible()
    expect(page.get_by_label("Search postmortems")).to_be_visible()

    # The organization switcher is the menu's first stop; Escape closes it before the menu.
    page.keyboard.press("Tab")
    assert focused_inside(page, "details.org-switcher")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=re.compile("New organization"))).to_be_visible()
    assert page.evaluate(FITS)
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name=re.compile("New organization"))).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "true")

    # Escape closes the menu and gives focus back to its button.
    page.keyboard.press("Tab")
    assert focused_inside(page, "#app-menu")
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(sections).to_be_hidden()

    # Space opens it again; Tab walks to a section, Enter follows it.
    page.keyboard.press("Space")
    expect(menu).to_have_attribute("aria-expanded", "true")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Action items":
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/o/acme/action-items/$"))
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")

    # The account menu opens within the screen.
    page.get_by_label("Account menu").click()
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_visible()
    box = log_out.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.keyboard.press("Escape")

    # The search box in the menu searches.
    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Search postmortems").fill("payments")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/o/acme/search/\?q=payments"))


def test_without_scripts_the_header_links_wrap_within_the_screen(browser, live_server, draft):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    try:
        helpers.log_in(page, "ann")
        page.goto("/o/acme/postmortems/")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        sections = page.get_by_role("navigation", name="Sections")
        for name in ("Dashboard", "Incidents", "Action items", "Settings"):
            link = sections.get_by_role("link", name=name)
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box["x"] + box["width"] <= PHONE["width"]
        expect(page.get_by_label("Search postmortems")).to_be_visible()
        assert page.evaluate(FITS)
    finally:
        context.close()

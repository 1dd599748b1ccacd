"""axe-core over every main page and state, and every settings page, on a desktop and on a
phone: no serious or critical accessibility violation, and nothing wider than the screen; the
editor's live regions announce its saving state and errors; disclosures give focus back.

The auditor is the npm package pinned in tests/counterparts/vendor, injected into each page; the
pages are the demo organization's, as alice (an admin) sees them."""

import json
import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from actionitems.models import ActionItem
from postmortems.models import Postmortem
from postmortems.sharing import services as sharing
from tests.browser.axe import axe_violations, describe
from tests.browser.helpers import open_page
from tests.browser.settings_pages import fill_settings, settings_pages

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"


def sign_in(page, username: str = "alice") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill("hindsight-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


def demo_postmortem(status: str, **filters) -> Postmortem:
    with scopes_disabled():
        return (
            Postmortem.objects.filter(organization__slug="acme", status=status, **filters)
            .order_by("number")
            .first()
        )


class Audit:
    """Every page's violations, and the pages wider than the screen, gathered so that one run
    names them all."""

    def __init__(self, page, viewport: dict = DESKTOP):
        page.set_viewport_size(viewport)
        self.page = page
        self.found: list[str] = []

    def check(self, where: str, context=None) -> None:
        self.page.wait_for_load_state("networkidle")
        # At the top of the page, as it opens: scrolled, a sticky bar would cover a button, and
        # axe's target-size rule would judge the scroll position rather than the page.
        self.page.evaluate("window.scrollTo(0, 0)")
        violations = axe_violations(self.page, context)
        if violations:
            self.found.append(f"{where} ({self.page.url}):\n{describe(violations)}")
        page_width, screen_width = self.page.evaluate(WIDTHS)
        if page_width > screen_width:
            self.found.append(f"{where} ({self.page.url}): {page_width} px wide, {screen_width}")

    def visit(self, path: str, where: str | None = None) -> None:
        self.page.goto(path)
        self.check(where or path)

    def assert_clean(self) -> None:
        assert not self.found, "\n\n".join(self.found)


@VIEWPORTS
def test_the_sign_in_page_has_no_serious_violation(page, demo, viewport):
    audit = Audit(page, viewport)
    audit.visit("/accounts/login/", "sign-in")
    page.get_by_label("Username or email").fill("alice")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(re.compile("not correct", re.I))).to_be_visible()
    audit.check("sign-in with an error")
    audit.assert_clean()


@VIEWPORTS
def test_the_main_pages_have_no_serious_violation(page, demo, viewport):
    audit = Audit(page, viewport)
    sign_in(page)
    for path in (
        "/o/acme/",
        "/o/acme/incidents/",
        "/o/acme/incidents/?q=checkout",
        "/o/acme/postmortems/",
        "/o/acme/analytics/",
        "/o/acme/notifications/",
        "/o/acme/search/?q=database",
        "/o/acme/action-items/",
        "/o/acme/action-items/?status=OPEN&severity=SEV1&overdue=1",
        "/o/acme/members/",
    ):
        audit.visit(path)

    page.goto("/o/acme/incidents/")
    page.locator("table a[href*='/incidents/INC-']").first.click()
    audit.check("incident detail")

    published = demo_postmortem("PUBLISHED")
    audit.visit(f"/o/acme/postmortems/{published.number}/", "read view")
    audit.visit(f"/o/acme/postmortems/{published.number}/history/", "history")
    audit.visit(f"/o/acme/postmortems/{published.number}/people/", "people and visibility")
    audit.visit(f"/o/acme/postmortems/{published.number}/sharing/", "sharing panel")
    in_review = demo_postmortem("IN_REVIEW")
    audit.visit(f"/o/acme/postmortems/{in_review.number}/review/", "review screen")
    audit.visit(f"/o/acme/postmortems/{in_review.number}/comments/", "review comments")
    audit.assert_clean()


def test_the_phone_menu_open_has_no_serious_violation(page, demo):
    audit = Audit(page, PHONE)
    sign_in(page)
    page.goto("/o/acme/")
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
    audit.check("the menu open")
    page.locator("details.org-switcher summary").click()
    expect(page.get_by_role("link", name=re.compile("New organization"))).to_be_visible()
    audit.check("the menu open, the organization switcher open")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.get_by_label("Account menu").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    audit.check("the account menu open")
    audit.assert_clean()


@VIEWPORTS
def test_every_settings_page_has_no_serious_violation(page, demo, viewport):
    fill_settings()
    audit = Audit(page, viewport)
    sign_in(page)
    pages = settings_pages()
    page.goto(pages[0])
    tabs = page.locator(".settings-nav a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert set(tabs) <= set(pages), "a settings tab this test does not walk"
    for path in pages:
        audit.visit(path)
    audit.assert_clean()


@VIEWPORTS
def test_the_editor_and_the_tracker_in_use_have_no_serious_violation(page, demo, viewport):
    audit = Audit(page, viewport)
    sign_in(page)
    draft = demo_postmortem("DRAFT", sections__kind="five_whys")
    page.goto(f"/o/acme/postmortems/{draft.number}/edit/")
    audit.check("editor")
    page.get_by_role("tab", name="Preview").first.click()
    expect(page.locator("[data-preview]:not([hidden])")).not_to_have_class(re.compile("is-loading"))
    audit.check("editor, a section previewed")
    page.get_by_role("tab", name="Write").first.click()
    page.locator("[data-comments-toggle]").first.click()
    expect(page.locator("[data-comments-panel]:not([hidden])").first).to_be_visible()
    audit.check("editor, a comment panel open")

    page.goto("/o/acme/action-items/?status=OPEN&status=IN_PROGRESS&sort=due")
    page.locator("input[data-trk-select-all]").check()
    expect(page.locator("form[data-trk-bulk]")).to_have_class(re.compile("is-active"))
    audit.check("tracker, items selected")

    page.goto("/o/acme/incidents/new/")
    audit.check("declare an incident")
    page.get_by_role("button", name=re.compile("Declare")).click()
    audit.check("declare an incident, refused")
    audit.assert_clean()


@VIEWPORTS
def test_the_public_share_page_has_no_serious_violation(browser, live_server, demo, viewport):
    published = demo_postmortem("PUBLISHED")
    with scopes_disabled():
        if not published.public_summary.strip():
            published.public_summary = "Checkout failed for 14 minutes; payments were retried."
            published.save(update_fields=["public_summary"])
        _, token = sharing.share_link_create(postmortem=published, actor=published.author)
    page = open_page(browser, live_server.url)
    audit = Audit(page, viewport)
    audit.visit(f"/share/{token}/", "public share page")
    page.context.close()
    audit.assert_clean()


def test_the_editor_announces_saving_and_errors_in_live_regions(page, demo):
    sign_in(page)
    draft = demo_postmortem("DRAFT", sections__kind="five_whys")
    page.goto(f"/o/acme/postmortems/{draft.number}/edit/")
    announcer = page.locator("[data-global-announce][role=status]")
    expect(announcer).to_have_count(1)

    unit = page.locator("section[data-section] [data-save-url]").first
    body = unit.locator("textarea[data-input]")
    body.fill("The pool ran out of connections.")
    expect(announcer).to_have_text("All changes saved")
    # The visible "Saved 3 s ago" ticks every second; what is announced stays put.
    page.wait_for_timeout(2_100)
    expect(announcer).to_have_text("All changes saved")

    def refuse(route):
        if route.request.method != "POST":
            return route.continue_()
        return route.fulfill(
            status=400,
            content_type="application/json",
            body=json.dumps({"message": "This section is too long to save."}),
        )

    page.route(re.compile(re.escape(unit.get_attribute("data-save-url")) + "$"), refuse)
    body.fill("The pool ran out of connections, again.")
    expect(announcer).to_have_text("Not saved")
    expect(unit.get_by_role("alert")).to_have_text("This section is too long to save.")


def test_a_confirmation_closes_on_escape_and_gives_focus_back(page, demo):
    sign_in(page)
    with scopes_disabled():
        item = ActionItem.objects.filter(organization__slug="acme", postmortem__status="DRAFT")
        number = item.values_list("postmortem__number", flat=True).first()
    page.goto(f"/o/acme/postmortems/{number}/edit/")
    delete = page.locator("details[data-ai-confirm] summary").first
    delete.focus()
    page.keyboard.press("Enter")
    confirm = page.locator("details[data-ai-confirm]").first
    expect(confirm).to_have_attribute("open", "")
    page.keyboard.press("Tab")  # into the panel: Delete
    page.keyboard.press("Escape")
    expect(confirm).not_to_have_attribute("open", "")
    expect(delete).to_be_focused()


FOCUS_RING = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none";
  return { ring, name: element.outerHTML.slice(0, 120) };
}"""


def test_keyboard_focus_is_visible_on_every_stop(page, demo):
    sign_in(page)
    for path in ("/o/acme/", "/o/acme/action-items/"):
        page.goto(path)
        unseen = []
        for _ in range(30):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_RING)
            if not focused["ring"]:
                unseen.append(focused["name"])
        assert unseen == [], f"{path}: focus shows no ring on {unseen}"

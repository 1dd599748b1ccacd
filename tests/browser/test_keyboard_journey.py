"""The whole journey with the keyboard only, no mouse at all: an engineer declares an incident,
resolves it (which writes the postmortem draft), edits a section of the draft, submits it to a
reviewer; the reviewer, signed in on another computer, approves it and it is published.

Each person's first page is the only address typed; every other page is reached by Tab and
Enter, as someone who cannot use a mouse would."""

import re

from playwright.sync_api import expect

from demo.management.commands.seed_demo import DEMO_PASSWORD
from incidents.models import Incident, Status
from postmortems.models import Postmortem, PostmortemStatus
from tests.browser.helpers import open_page

IS_FOCUSED = "element => element === document.activeElement"
ROOT_CAUSE = "A migration added a NOT NULL column without a default."
FOCUSED = "() => document.activeElement.outerHTML.slice(0, 200)"


def tab_to(page, locator, max_presses: int = 80, key: str = "Tab") -> None:
    """Press Tab (or ``key``) until ``locator`` has the focus; fails when it never gets it."""
    expect(locator).to_be_visible()
    for _ in range(max_presses):
        if locator.evaluate(IS_FOCUSED):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {locator}; focus on {page.evaluate(FOCUSED)}")


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    tab_to(page, page.get_by_label("Username or email"))
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


def follow(page, locator, key: str = "Tab") -> None:
    """Tab (or Shift+Tab) to a link or button and press Enter on it."""
    tab_to(page, locator, key=key)
    page.keyboard.press("Enter")


def write_section(page, key: str, text: str) -> None:
    """Type into a written section's text and move on: the autosave says it is saved."""
    tab_to(page, page.locator(f"#body-{key}"), max_presses=200)
    page.keyboard.press("Control+End")
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    expect(page.locator(f"#section-{key} [data-section-state]")).to_have_text(re.compile("^Saved"))


def add_action_item(page, key: str, description: str) -> None:
    section = page.locator(f"#section-{key}")
    tab_to(page, page.locator(f"#ai-new-{key}-description"), max_presses=200)
    page.keyboard.type(description)
    follow(page, section.get_by_role("button", name="Add action item"))
    expect(section.locator(".ai-row", has_text=description)).to_be_visible()


def test_declare_resolve_write_review_and_publish_by_keyboard_only(browser, live_server, demo):
    page = open_page(browser, live_server.url)
    try:
        sign_in(page, "bob")
        follow(page, page.get_by_role("link", name=re.compile("^A Acme")))
        follow(page, page.get_by_role("link", name="Incidents", exact=True).first)
        expect(page.get_by_role("heading", name="Incidents", level=1)).to_be_visible()
        follow(page, page.get_by_role("link", name="Declare incident").first)

        tab_to(page, page.get_by_label("Title"))
        page.keyboard.type("Checkout returns 502 for card payments")
        page.keyboard.press("Tab")
        expect(page.get_by_label("Severity")).to_be_focused()
        page.keyboard.type("SEV2")
        expect(page.get_by_label("Severity")).to_have_value("SEV2")
        tab_to(page, page.get_by_label("Services"))
        page.keyboard.type("payments-api")
        tab_to(page, page.get_by_label("Description"))
        page.keyboard.type("Card payments fail at the last step.")
        tab_to(page, page.get_by_label("Customer impact"))
        page.keyboard.press("Space")
        expect(page.get_by_label("Customer impact")).to_be_checked()
        follow(page, page.get_by_role("button", name="Declare incident"))

        expect(page.locator(".flash--success")).to_contain_text("declared")
        expect(page.locator(".incident-header .status")).to_have_text("Open")
        incident = Incident.objects.get(title="Checkout returns 502 for card payments")

        # Resolving writes the draft the policy asks for (tasks run in process in the tests).
        follow(page, page.get_by_role("button", name="Resolve"))
        expect(page.locator(".flash--success")).to_contain_text("is now resolved")
        expect(page.locator(".incident-header .status")).to_have_text("Resolved")
        incident.refresh_from_db()
        assert incident.status == Status.RESOLVED
        postmortem = Postmortem.objects.get(incident=incident)
        draft_link = page.locator("#postmortem-title + p a")
        expect(draft_link).to_have_text(postmortem.title)
        expect(page.locator("#postmortem-title + p .badge")).to_have_text("Draft")
        follow(page, draft_link)
        expect(page).to_have_url(re.compile(f"/postmortems/{postmortem.number}/$"))

        # The draft, read, then edited: the written sections autosave as the focus moves on.
        follow(page, page.get_by_role("link", name="Edit", exact=True))
        expect(page).to_have_url(re.compile(f"/postmortems/{postmortem.number}/edit/$"))
        write_section(page, "summary", "Card payments failed for 40 minutes after a deploy.")
        write_section(page, "root-cause", ROOT_CAUSE)
        add_action_item(page, "action-items", "Check migrations for defaults in CI")

        # Back up to the status bar's "Submit for review", open it, name the reviewer.
        tab_to(page, page.locator(".rv-submit > summary"), max_presses=300, key="Shift+Tab")
        page.keyboard.press("Enter")
        expect(page.locator("details.rv-submit")).to_have_attribute("open", "")
        tab_to(page, page.get_by_label("Add a reviewer by username"))
        page.keyboard.type("carol")
        follow(page, page.locator(".rv-submit__form button[type=submit]").first)
        expect(page.locator("#rv-submit-feedback")).to_contain_text("checklist")
        # The checklist's question takes the focus; its first button is the next Tab.
        expect(page.get_by_role("alertdialog")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Submit anyway")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(f"/postmortems/{postmortem.number}/$"))
        expect(page.locator(".flash")).to_contain_text("review")
        expect(page.locator("#rv-bar .badge.pm")).to_have_text("In review")
        expect(page.locator("#rv-bar .rv-verdict")).to_have_text("Pending")
        assert not [e for e in page.console_errors if "Content Security Policy" in e]
    finally:
        page.context.close()

    reviewer = open_page(browser, live_server.url)
    try:
        sign_in(reviewer, "carol")
        follow(reviewer, reviewer.get_by_role("link", name=re.compile("^A Acme")))
        bell = reviewer.locator("header").get_by_role("link", name=re.compile("Notific"))
        follow(reviewer, bell)
        expect(reviewer.get_by_role("region", name="Notifications")).to_be_visible()
        request = reviewer.get_by_role(
            "button", name=f"Unread: Review requested: PM-{postmortem.number} {postmortem.title}"
        )
        follow(reviewer, request)

        # The review page: the text Bob wrote, Carol pending; she approves: published.
        expect(reviewer).to_have_url(re.compile(f"/postmortems/{postmortem.number}/review/$"))
        expect(reviewer.get_by_text("Your first review")).to_be_visible()
        expect(reviewer.locator("main")).to_contain_text(ROOT_CAUSE)
        expect(reviewer.locator("main li", has_text="Carol Reviewer")).to_contain_text("Pending")
        follow(reviewer, reviewer.get_by_role("button", name="Approve"))
        expect(reviewer).to_have_url(re.compile(f"/postmortems/{postmortem.number}/$"))
        expect(reviewer.locator(".badge-row")).to_contain_text("Published")
        assert not [e for e in reviewer.console_errors if "Content Security Policy" in e]
    finally:
        reviewer.context.close()

    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    assert postmortem.sections.get(key="root-cause").body.endswith(ROOT_CAUSE)

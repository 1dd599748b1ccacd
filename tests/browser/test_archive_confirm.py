"""Archiving a published postmortem asks first, naming the share links it turns off, and the
whole way works from the keyboard without a click."""

import os

from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from organizations.roles import Role
from postmortems.models import Postmortem, PostmortemStatus
from postmortems.review import transitions
from postmortems.sharing import services as sharing
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, UserFactory
from tests.postmortems.review.helpers import submitted

SCREENSHOTS = os.environ.get("HINDSIGHT_SCREENSHOTS", "")  # a folder, to look at the page


def test_an_admin_archives_from_the_keyboard_after_reading_which_links_stop(page, draft):  # noqa: F811
    organization = draft.organization
    rita = UserFactory(username="rita")
    MembershipFactory(user=rita, organization=organization, role=Role.REVIEWER)
    boss = UserFactory(username="boss", first_name="Bo", last_name="Boss")
    MembershipFactory(user=boss, organization=organization, role=Role.ADMIN)
    with scope(organization=organization):
        submitted(draft, draft.author, rita)
        transitions.postmortem_approve(postmortem=draft, actor=rita)
        Postmortem.objects.filter(pk=draft.pk).update(public_summary="Checkout failed for 40 min.")
        sharing.share_link_create(postmortem=draft, actor=boss, label="Status page")
        sharing.share_link_create(postmortem=draft, actor=boss, label="Customer: Initech")

    log_in(page, "boss")
    page.goto(reverse("postmortem_detail", kwargs={"org_slug": "acme", "number": draft.number}))
    archive = page.get_by_role("link", name="Archive…")
    archive.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name=f"Archive PM-{draft.number}?")).to_be_visible()
    expect(page.get_by_text("2 public share links stop working")).to_be_visible()
    expect(page.get_by_text("Status page")).to_be_visible()
    expect(page.get_by_text("Customer: Initech")).to_be_visible()
    confirm = page.get_by_role("button", name=f"Archive PM-{draft.number} and turn off 2 links")
    expect(confirm).to_be_focused()
    if SCREENSHOTS:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{SCREENSHOTS}/archive-confirm-{width}.png", full_page=True)
    page.keyboard.press("Enter")

    expect(page.get_by_text("is archived. Unarchive it to publish it again.")).to_be_visible()
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.ARCHIVED
    assert not page.console_errors

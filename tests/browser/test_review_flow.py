"""The whole review in a real browser, an author and a reviewer in two browser contexts:
submit, request changes with a comment, fix, resubmit, approve, published."""

import re

import pytest
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from organizations.models import Membership, Notification
from organizations.roles import Role
from postmortems import services
from postmortems.models import PostmortemStatus
from postmortems.review import selectors as selectors_review
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def ready_draft(draft):  # noqa: F811
    """Every required section but the root cause written; rita (a reviewer) in the org."""
    organization = draft.organization
    rita = UserFactory(username="rita", first_name="Rita", last_name="Reviewer")
    MembershipFactory(user=rita, organization=organization, role=Role.REVIEWER)
    with scope(organization=organization):
        unfilled = selectors_review.unfilled_required_sections(draft)
        services.postmortem_save(
            postmortem=draft,
            actor=draft.author,
            base_version=draft.version,
            sections={s.key: f"Written: {s.title}." for s in unfilled if s.key != "root-cause"},
        )
    draft.refresh_from_db()
    return draft


def url(name: str, postmortem) -> str:
    return reverse(name, kwargs={"org_slug": "acme", "number": postmortem.number})


def submit(page, postmortem, reviewer: str | None = None, *, anyway: bool = False) -> None:
    """Submit from the editor's status bar; ``anyway`` confirms past the quality checklist's
    open items, as a writer who has read them would."""
    page.goto(url("postmortem_edit", postmortem))
    page.locator(".rv-submit > summary").click()
    if reviewer:
        page.locator("#rv-submit-reviewer").fill(reviewer)
    page.locator(".rv-submit__form button[type=submit]").first.click()
    if anyway:
        expect(page.locator("#rv-submit-feedback")).to_contain_text("checklist")
        page.get_by_role("button", name="Submit anyway").click()


def test_author_and_reviewer_take_a_postmortem_from_draft_to_published(
    page, browser, live_server, ready_draft
):
    author_page = page
    log_in(author_page, "ann")

    # A submit with a required section still empty is refused, naming it.
    submit(author_page, ready_draft, reviewer="rita")
    expect(author_page.locator("#rv-submit-feedback")).to_contain_text("Root cause summary")
    ready_draft.refresh_from_db()
    assert ready_draft.status == PostmortemStatus.DRAFT

    body = author_page.locator("#body-root-cause")
    body.fill("A migration added a NOT NULL column without a default.")
    expect(author_page.locator("#section-root-cause [data-section-state]")).to_have_text(
        re.compile("^Saved")
    )
    submit(author_page, ready_draft, reviewer="rita", anyway=True)
    expect(author_page).to_have_url(re.compile(f"/postmortems/{ready_draft.number}/$"))
    expect(author_page.locator(".flash")).to_contain_text("review")

    reviewer_context = browser.new_context(base_url=live_server.url)
    reviewer_page = reviewer_context.new_page()
    reviewer_page.set_default_timeout(10_000)
    try:
        log_in(reviewer_page, "rita")
        reviewer_page.goto("/o/acme/")
        bell = reviewer_page.locator("header").get_by_role("link", name=re.compile("Notific"))
        expect(bell).to_contain_text("1")

        # Request changes: refused without a comment, then sent with one.
        reviewer_page.goto(url("postmortem_review", ready_draft))
        expect(reviewer_page.get_by_text("Your first review")).to_be_visible()
        reviewer_page.get_by_role("button", name="Request changes").first.click()
        expect(reviewer_page.locator("#rv-decision")).to_contain_text("Say what should change")
        reviewer_page.locator("#rv-comment").fill("Name the alert that fired first.")
        reviewer_page.get_by_role("button", name="Request changes").first.click()
        expect(reviewer_page).to_have_url(re.compile(f"/postmortems/{ready_draft.number}/$"))
        ready_draft.refresh_from_db()
        assert ready_draft.status == PostmortemStatus.DRAFT

        # The author reads the request, fixes the text and resubmits.
        author_page.goto(url("postmortem_edit", ready_draft))
        expect(author_page.locator("body")).to_contain_text("Name the alert that fired first.")
        author_page.locator("#body-root-cause").fill(
            "A migration added a NOT NULL column without a default; the error-rate alert "
            "fired first."
        )
        expect(author_page.locator("#section-root-cause [data-section-state]")).to_have_text(
            re.compile("^Saved")
        )
        submit(author_page, ready_draft, anyway=True)
        expect(author_page).to_have_url(re.compile(f"/postmortems/{ready_draft.number}/$"))

        # The reviewer sees what changed since their last review, and approves: published.
        reviewer_page.goto(url("postmortem_review", ready_draft))
        expect(reviewer_page.locator("body")).to_contain_text("the error-rate alert fired first")
        reviewer_page.get_by_role("button", name="Approve").click()
        expect(reviewer_page).to_have_url(re.compile(f"/postmortems/{ready_draft.number}/$"))
        expect(reviewer_page.locator(".badge-row")).to_contain_text("Published")
    finally:
        reviewer_context.close()

    ready_draft.refresh_from_db()
    assert ready_draft.status == PostmortemStatus.PUBLISHED and ready_draft.review_round == 2
    assert Notification.objects.filter(recipient__username="ann", kind="PUBLISHED").count() == 1
    assert Membership.objects.filter(user__username="rita").exists()
    errors = [e for e in author_page.console_errors if "Content Security Policy" in e]
    assert not errors

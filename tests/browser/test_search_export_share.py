"""A published postmortem in a real browser: its author searches for it, opens the result,
exports a PDF, then shares it with a public link and revokes the link."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from postmortems import services
from postmortems.models import Postmortem, PostmortemStatus, ShareLink
from tests.browser.helpers import log_in

SUMMARY = "Checkout payments failed for **40 minutes**. {name} rolled back the release."


@pytest.fixture
def published(draft):  # noqa: F811
    with scope(organization=draft.organization):
        postmortem = services.postmortem_save(
            postmortem=draft,
            actor=draft.author,
            base_version=draft.version,
            sections={"executive-summary": "A flamingo-migration locked the orders table."},
        )
    Postmortem.objects.filter(pk=postmortem.pk).update(
        status=PostmortemStatus.PUBLISHED, published_at=timezone.now()
    )
    postmortem.refresh_from_db()
    return postmortem


def test_search_open_export_pdf_then_share_and_revoke(page, published, browser, live_server):
    log_in(page, "ann")

    # Search, open the result.
    page.goto("/o/acme/search/?q=flamingo")
    result = page.locator(".search-hit__title").first
    expect(result).to_be_visible()
    result.click()
    expect(page).to_have_url(re.compile(rf"/o/acme/postmortems/{published.number}/$"))

    # Export a PDF from the read view's menu.
    page.get_by_label("Export this postmortem").click()
    pdf_link = page.get_by_role("link", name="PDF document")
    expect(pdf_link).to_be_visible()
    pdf = page.context.request.get(pdf_link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # Share: the public summary and one section, then a link.
    page.get_by_role("link", name="Share", exact=True).click()
    expect(page.get_by_role("heading", name="Public sharing")).to_be_visible()
    ben = get_user_model().objects.get(username="ben")
    page.get_by_label("Public summary").fill(SUMMARY.format(name=ben.get_full_name()))
    page.locator(".share-section-choice", has_text="Summary").first.click()
    page.get_by_role("button", name="Save public content").click()
    expect(page.get_by_text("Every share link now shows")).to_be_visible()
    page.get_by_label("Label").fill("Status page")
    page.get_by_label("Expires").select_option("7")
    page.get_by_role("button", name="Create link").click()
    url = page.get_by_label("The new share link").input_value()
    assert "/share/" in url

    # Anyone with the link reads the public page: summary and section, names removed.
    outsider = browser.new_context(base_url=live_server.url)
    public = outsider.new_page()
    response = public.goto(url)
    assert response.status == 200
    assert response.headers["x-robots-tag"].startswith("noindex")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    expect(public.get_by_role("heading", name=published.title)).to_be_visible()
    expect(public.get_by_text("40 minutes")).to_be_visible()
    expect(public.get_by_text("flamingo-migration")).to_be_visible()
    expect(public.get_by_text("[name removed]").first).to_be_visible()
    expect(public.locator("body")).not_to_contain_text(ben.get_full_name())
    pdf = public.context.request.get(
        public.get_by_role("link", name="Download PDF").get_attribute("href")
    )
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # The link is listed on the postmortem; revoking it makes its URL "not found".
    page.goto(f"/o/acme/postmortems/{published.number}/")
    listed = page.locator("#share-links-list")
    expect(listed).to_contain_text("Status page")
    expect(listed).to_contain_text("Active")
    page.get_by_role("link", name="Manage sharing").click()
    page.get_by_role("button", name="Revoke Status page").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    expect(page.locator("#share-links-list")).to_contain_text("Revoked")
    assert ShareLink.objects.get().revoked_at is not None
    assert public.goto(url).status == 404
    expect(public.get_by_role("heading", name="This link is not available")).to_be_visible()
    outsider.close()
    assert page.console_errors == []

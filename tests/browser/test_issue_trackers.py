"""Issue trackers in the browser: an admin connects GitHub by keyboard and tests it, creates
the ticket of a postmortem's item, GitHub's "closed as completed" webhook arrives, and the
postmortem's row shows the item completed with the ticket's sync time; the pages at phone
width no wider than the other settings pages."""

import json
import os
import uuid

import pytest
import requests
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from actionitems.services import action_item_create
from config.celery import app as celery_app
from integrations.intake.models import SourceKind
from organizations.roles import Role
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, UserFactory
from tests.integrations.conftest import make_endpoint
from tests.integrations.deploys.conftest import sign
from tests.integrations.trackers.github_server import Account, serve
from tests.integrations.trackers.test_webhook import issue_event

SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


@pytest.fixture
def account():
    return Account()


@pytest.fixture
def github_api(account):
    server = serve(account)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def item(draft, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    organization = draft.organization
    admin = UserFactory(username="ada")
    MembershipFactory(user=admin, organization=organization, role=Role.ADMIN)
    with scope(organization=organization):
        return action_item_create(
            postmortem=draft, actor=admin, description="Add a circuit breaker to payments"
        )


def test_an_admin_connects_github_and_a_closed_issue_completes_the_item(
    page, item, account, github_api, live_server
):
    log_in(page, "ada")
    page.goto(reverse("settings_trackers", kwargs={"org_slug": "acme"}))
    page.get_by_label("Fine-grained access token").focus()
    page.keyboard.type(account.token)
    page.keyboard.press("Tab")
    page.keyboard.type("acme/api")
    page.keyboard.press("Tab")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(github_api.url)
    page.keyboard.press("Enter")
    expect(page.get_by_text("GitHub connection saved.")).to_be_visible()
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator(".flash--success")).to_have_text(
        "Connected: found acme/api (1 open issue)."
    )
    shoot(page, "issue-trackers-1280")

    postmortem_url = reverse(
        "postmortem_edit", kwargs={"org_slug": "acme", "number": item.postmortem.number}
    )
    page.goto(postmortem_url)
    page.get_by_label(f"Ticket for AI-{item.number}").click()
    page.get_by_role("button", name="Create ticket").click()
    expect(page.get_by_text("acme/api#1").first).to_be_visible()
    shoot(page, "issue-trackers-ticket-1280")

    organization = item.organization
    with scope(organization=organization):
        endpoint, secret = make_endpoint(
            organization, None, kind=SourceKind.GITHUB_ISSUES, name="GitHub issues"
        )
    body = json.dumps(issue_event("closed", state_reason="completed")).encode()
    response = requests.post(
        f"{live_server.url}/hooks/{endpoint.public_id}/",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(secret, body),
        },
        timeout=10,
    )
    assert response.status_code == 202
    page.goto(postmortem_url)
    row = page.locator(f"#action-item-{item.number}")
    expect(row).to_contain_text("acme/api#1: closed (completed) · synced")
    expect(row).to_contain_text("Completed")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("settings_trackers", kwargs={"org_slug": "acme"}))
    shoot(page, "issue-trackers-390")
    assert page.locator(".settings-main").evaluate(
        "element => element.scrollWidth <= element.clientWidth"
    )
    page.goto(reverse("item_ticket", kwargs={"org_slug": "acme", "item": item.number}))
    shoot(page, "issue-trackers-ticket-390")
    overflow = "document.documentElement.scrollWidth - window.innerWidth"
    ours = page.evaluate(overflow)
    page.goto(reverse("action_item_tracker", kwargs={"org_slug": "acme"}))
    assert ours <= page.evaluate(overflow)  # no wider than the tracker itself

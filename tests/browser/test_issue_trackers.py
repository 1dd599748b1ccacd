"""Issue trackers in the browser: an admin chooses GitHub among the trackers and connects it by
keyboard, tests it, routes a team's and a service's items, presses "Create tickets for all" on
a postmortem with several items, GitHub's "closed as completed" webhook arrives, and the
action-item tracker (and the postmortem's row) show the item completed with its ticket's key
and sync time; the pages at phone width no wider than the other settings pages."""

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
from incidents.models import Service
from integrations.intake.models import SourceKind
from organizations.roles import Role
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.integrations.conftest import make_endpoint
from tests.integrations.deploys.conftest import sign
from tests.integrations.trackers.github_server import Account, serve
from tests.integrations.trackers.test_webhook import issue_event

SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")


def items_service(item) -> Service:
    with scope(organization=item.organization):
        return Service.objects.get(organization=item.organization, name="checkout")


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
def items(draft, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    organization = draft.organization
    admin = UserFactory(username="ada")
    MembershipFactory(user=admin, organization=organization, role=Role.ADMIN)
    TeamFactory(organization=organization, name="Payments")
    Service.objects.create(organization=organization, name="checkout")
    descriptions = (
        "Add a circuit breaker to payments",
        "Alert when checkout p99 exceeds 800 ms",
        "Runbook for payment provider failover",
    )
    with scope(organization=organization):
        return [
            action_item_create(postmortem=draft, actor=admin, description=text)
            for text in descriptions
        ]


def test_an_admin_connects_github_and_a_closed_issue_completes_the_item(
    page, items, account, github_api, live_server
):
    item = items[0]
    log_in(page, "ada")
    page.goto(reverse("settings_trackers", kwargs={"org_slug": "acme"}))
    github = page.get_by_role("radio", name="GitHub Issues")
    expect(github).to_be_checked()
    github.focus()
    page.keyboard.press("ArrowDown")  # Jira Cloud: its own fields
    expect(page.get_by_label("Site address")).to_be_visible()
    expect(page.get_by_label("Fine-grained access token")).to_be_hidden()
    shoot(page, "issue-trackers-add-jira-1280")
    page.keyboard.press("ArrowUp")  # back to GitHub
    expect(github).to_be_checked()
    expect(page.get_by_label("Site address")).to_be_hidden()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Fine-grained access token")).to_be_focused()
    page.keyboard.type(account.token)
    page.keyboard.press("Tab")
    page.keyboard.type("acme/api")
    page.keyboard.press("Tab")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(github_api.url)
    page.keyboard.press("Enter")
    expect(page.get_by_text("GitHub Issues connected.")).to_be_visible()
    card = page.locator("#tracker-github")
    expect(card).to_contain_text("Default")
    card.get_by_role("button", name="Test connection").click()
    expect(page.locator(".flash--success")).to_contain_text(
        "Connected: found acme/api (1 open issue)"
    )
    expect(page.locator("#tracker-github")).to_contain_text("Working")

    # a second tracker, for the payments team only
    page.get_by_role("radio", name="Linear").check()
    adding = page.locator("#add")
    adding.get_by_label("API key").fill("lin_api_0123456789abcdef")
    adding.get_by_label("Default team key").fill("pay")
    adding.get_by_label("API address").fill("http://127.0.0.1:9/graphql")
    adding.get_by_role("button", name="Connect").click()
    expect(page.get_by_text("Linear connected.")).to_be_visible()
    page.get_by_label("Team", exact=True).select_option(label="Payments")
    page.get_by_label("Tracker", exact=True).select_option(label="Linear → PAY")
    page.get_by_label("Repository, project or team key").fill("PAY")
    page.get_by_role("button", name="Add route").click()
    expect(page.locator("#tracker-linear")).to_contain_text("Payments")
    expect(page.locator("#tracker-github")).to_contain_text("Default")

    # a service's route, by keyboard (the draft's incident is not on it: its items stay)
    service = page.get_by_label("Service", exact=True)
    service.focus()
    page.keyboard.press("ArrowDown")  # “—” → checkout
    expect(service).to_have_value(str(items_service(item).pk))
    page.keyboard.press("Tab")  # the tracker: GitHub, the default
    page.keyboard.press("Tab")
    page.keyboard.type("acme/checkout")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Route saved.")).to_be_visible()
    expect(page.locator("#routes tbody tr").nth(1)).to_contain_text("Service")
    expect(page.locator("#tracker-github")).to_contain_text("checkout")
    shoot(page, "issue-trackers-1280")

    postmortem_url = reverse(
        "postmortem_edit", kwargs={"org_slug": "acme", "number": item.postmortem.number}
    )
    page.goto(postmortem_url)
    button = page.get_by_role("button", name="Create tickets for all")
    expect(page.locator(".ai-tickets-all")).to_contain_text("3 open items without a ticket")
    if SCREENSHOTS:
        page.locator("[data-ai-block]").first.screenshot(
            path=f"{SCREENSHOTS}/issue-trackers-create-all-1280.png"
        )
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("3 tickets queued")).to_be_visible()
    expect(page.get_by_text("acme/api#1").first).to_be_visible()
    expect(page.get_by_role("button", name="Create tickets for all")).to_have_count(0)
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
    page.goto(reverse("action_item_tracker", kwargs={"org_slug": "acme"}) + "?status=COMPLETED")
    row = page.locator(f"#trk-row-{item.number}")
    expect(row).to_contain_text("acme/api#1: closed (completed) · synced")
    expect(row).to_contain_text("Completed")
    shoot(page, "issue-trackers-tracker-1280")
    row.get_by_role("link", name="acme/api#1").click()
    expect(page.get_by_role("heading", name="GitHub ticket")).to_be_visible()
    expect(page.locator(".ticket-facts")).to_contain_text("closed (completed)")

    page.goto(postmortem_url)
    expect(page.locator(f"#action-item-{item.number}")).to_contain_text("Completed")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("settings_trackers", kwargs={"org_slug": "acme"}))
    shoot(page, "issue-trackers-390")
    linear = page.locator("#tracker-linear")
    linear.get_by_text("Remove…").focus()
    page.keyboard.press("Enter")  # the confirmation opens; nothing is removed yet
    expect(linear.get_by_text("Disconnect Linear?")).to_be_visible()
    shoot(page, "issue-trackers-remove-390")
    page.keyboard.press("Tab")
    expect(linear.get_by_role("button", name="Remove Linear")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Linear disconnected.")).to_be_visible()
    expect(page.locator("#tracker-linear")).to_have_count(0)
    assert page.locator(".settings-main").evaluate(
        "element => element.scrollWidth <= element.clientWidth"
    )
    page.goto(reverse("item_ticket", kwargs={"org_slug": "acme", "item": item.number}))
    shoot(page, "issue-trackers-ticket-390")
    overflow = "document.documentElement.scrollWidth - window.innerWidth"
    ours = page.evaluate(overflow)
    page.goto(reverse("action_item_tracker", kwargs={"org_slug": "acme"}))
    shoot(page, "issue-trackers-tracker-390")
    assert ours <= page.evaluate(overflow)  # no wider than the tracker itself

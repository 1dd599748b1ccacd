"""The PagerDuty import settings by keyboard: the connection saved, an import started against
the PagerDuty stand-in, and a running import's progress updated in place while it runs; the
page at phone width no wider than the other settings pages."""

import os
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from config.celery import app as celery_app
from incidents.models import Service
from integrations.pagerduty_import.models import ImportStatus, PagerDutyImport
from organizations.roles import Role
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.integrations.pagerduty_import.pagerduty_server import Account, serve

SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")


@pytest.fixture
def acme(transactional_db, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    organization = OrganizationFactory(slug="acme", name="Acme Corporation")
    MembershipFactory(user=UserFactory(username="ada"), organization=organization, role=Role.ADMIN)
    with scope(organization=organization):
        Service.objects.create(organization=organization, name="checkout")
    return organization


@pytest.fixture
def pagerduty():
    server = serve(Account(count=8, entries=4, services=("checkout", "billing")))
    yield server
    server.shutdown()
    server.server_close()


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_an_admin_connects_and_imports_by_keyboard(page, acme, pagerduty):
    log_in(page, "ada")
    page.goto(reverse("settings_pagerduty_import", kwargs={"org_slug": "acme"}))
    expect(page.get_by_text("No imports yet.")).to_be_visible()

    page.get_by_label("REST API key").focus()
    page.keyboard.type(pagerduty.account.key)
    page.keyboard.press("Tab")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(pagerduty.url)
    page.get_by_label("Severity by urgency or priority").fill("high = SEV2")
    page.get_by_label("Severity by urgency or priority").press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("PagerDuty settings saved.")).to_be_visible()
    expect(page.get_by_text("••••••••-key")).to_be_visible()

    page.get_by_label("From").fill("2025-03-01")
    page.get_by_label("To").fill("2025-03-31")
    page.get_by_label("To").press("Tab")
    page.keyboard.press("Enter")
    imports = page.locator("#imports")
    expect(imports.get_by_text("Done")).to_be_visible()
    expect(imports).to_contain_text("8 incidents read: 4 created")
    expect(imports).to_contain_text("4 errors")
    expect(imports).to_contain_text("Unknown service “billing”")
    shoot(page, "pagerduty-import-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shoot(page, "pagerduty-import-390")
    main = page.locator(".settings-main")
    assert main.evaluate("element => element.scrollWidth <= element.clientWidth")
    metrics = reverse("settings_metrics", kwargs={"org_slug": "acme"})
    overflow = "document.documentElement.scrollWidth - window.innerWidth"
    ours = page.evaluate(overflow)
    page.goto(metrics)
    assert ours <= page.evaluate(overflow)  # no wider than the other settings pages


def test_a_running_import_shows_its_progress_as_it_goes(page, acme, pagerduty):
    with scope(organization=acme):
        now = timezone.now()
        run = PagerDutyImport.objects.create(
            organization=acme, since=now, until=now, window_since=now, status=ImportStatus.RUNNING
        )
    log_in(page, "ada")
    page.goto(reverse("settings_pagerduty_import", kwargs={"org_slug": "acme"}))
    imports = page.locator("#imports")
    expect(imports.get_by_text("Running")).to_be_visible()
    expect(imports.get_by_role("button", name="Cancel")).to_be_visible()

    with scope(organization=acme):
        PagerDutyImport.objects.filter(pk=run.pk).update(
            status=ImportStatus.DONE, incidents_seen=42, incidents_created=40, finished_at=now
        )
    expect(imports).to_contain_text("42 incidents read: 40 created", timeout=8000)
    expect(imports.get_by_text("Done")).to_be_visible()
    assert not [error for error in page.console_errors if not re.search("favicon", error)]

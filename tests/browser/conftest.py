"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser)."""

import os
import shutil
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django_scopes import scope
from guardian.shortcuts import assign_perm

from incidents import services as incident_services
from organizations.roles import Role
from postmortems import creation, services
from postmortems.permissions import EDIT_PERMISSION
from tests.browser.helpers import open_page
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the test body's ORM calls are still
# synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# The live server answers Chromium in its own thread, each request in the scope the tenant
# middleware enters, as in production; the test body only sets up and reads the outcome.
UNSCOPED = pytest.mark.unscoped(
    reason="drives the live server, whose requests run in their own scope; the body reads the "
    "outcome"
)
BROWSER_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    """Mark this folder's tests ``browser`` and ``unscoped`` (the hook sees every collected test
    of the session, not only ours)."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(UNSCOPED)


@pytest.fixture
def demo(transactional_db):
    """The demo organization of ``make run``, written through the same command."""
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    page = open_page(browser, live_server.url)
    yield page
    page.context.close()


T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def draft(transactional_db):
    """Ann's SEV1 draft (Comprehensive template) in acme; ben, an engineer, may edit it too."""
    organization = OrganizationFactory(slug="acme", name="Acme Corporation")
    author = UserFactory(username="ann")
    colleague = UserFactory(username="ben")
    for user in (author, colleague):
        MembershipFactory(user=user, organization=organization, role=Role.ENGINEER)
    with scope(organization=organization):
        services.templates_install_builtins(organization=organization)
        incident = incident_services.incident_declare(
            organization=organization,
            actor=author,
            title="Checkout payments failing",
            severity="SEV1",
            started_at=T0,
            services=["payments-api"],
            commander=author,
        )
        incident_services.timeline_entry_add(
            incident=incident,
            actor=None,
            actor_name="Datadog",
            occurred_at=T0 + timedelta(minutes=2),
            description="Error rate above 5%",
        )
        postmortem = creation.postmortem_create(
            organization=organization, actor=author, incident=incident
        )
        assign_perm(EDIT_PERMISSION, colleague, postmortem)
    return postmortem

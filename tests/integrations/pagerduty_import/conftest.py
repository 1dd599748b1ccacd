"""Fixtures of the PagerDuty import tests: the PagerDuty stand-in on loopback with its
account, the organization's admin, its services and saved settings, and tasks in process."""

import pytest
from django_scopes import scope

from config.celery import app as celery_app
from incidents.models import Service
from integrations.pagerduty_import import client, services
from organizations.roles import Role
from tests.integrations.pagerduty_import.pagerduty_server import Account, serve


@pytest.fixture(autouse=True)
def in_process_tasks(monkeypatch):
    """Tasks run in process, as without a broker (whatever REDIS_URL says)."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """The client's backoff between attempts in milliseconds, not seconds."""
    monkeypatch.setattr(client, "BACKOFF_SECONDS", 0.01)


@pytest.fixture
def account():
    return Account()


@pytest.fixture
def pagerduty(account):
    server = serve(account)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def admin(member_factory):
    return member_factory(Role.ADMIN, username="ada")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def checkout_and_payments(org):
    return [
        Service.objects.create(organization=org, name=name) for name in ("checkout", "payments")
    ]


@pytest.fixture
def configured(org, admin, pagerduty, account, checkout_and_payments):
    """``org``'s importer pointed at the stand-in, with a severity table."""
    with scope(organization=org):
        return services.settings_save(
            organization=org,
            actor=admin,
            base_url=pagerduty.url,
            api_key=account.key,
            default_severity="SEV4",
            severity_map={"p2": "SEV1", "high": "SEV2"},
        )

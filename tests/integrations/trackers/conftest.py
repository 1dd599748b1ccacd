"""Fixtures of the issue-tracker tests: the GitHub stand-in on loopback with its account,
``org``'s admin and GitHub connection, Ann's action item on her draft (she edits it) and the
item linked to a new issue, and tasks in process."""

import pytest
from django_scopes import scope

from actionitems.services import action_item_create
from config.celery import app as celery_app
from integrations.trackers import connections
from integrations.trackers.models import TicketLink
from integrations.trackers.push import push
from organizations.roles import Role
from tests.integrations.trackers.github_server import Account, serve


@pytest.fixture(autouse=True)
def in_process_tasks(monkeypatch):
    """Tasks run in process, as without a broker (whatever REDIS_URL says)."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)


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
def admin(member_factory):
    return member_factory(Role.ADMIN, username="ada")


@pytest.fixture
def connection(org, admin, github_api, account):
    with scope(organization=org):
        return connections.connection_save(
            organization=org,
            actor=admin,
            target="acme/api",
            base_url=github_api.url,
            token=account.token,
        )


@pytest.fixture
def item(org, draft, author):
    with scope(organization=org):
        return action_item_create(
            postmortem=draft,
            actor=author,
            description="Add a circuit breaker in front of the payments provider",
            category="PREVENT",
            owner=author,
            success_criteria="Payments degrade instead of failing",
        )


@pytest.fixture
def linked(org, item, connection):
    """``item`` linked to acme/api#1, created on the stand-in."""
    return pushed(org, item, connection)


def pushed(org, item, connection) -> TicketLink:
    """``item``'s ticket asked of ``connection`` in acme/api, as the task does."""
    with scope(organization=org):
        link = TicketLink.objects.create(
            organization=org, item=item, connection=connection, target="acme/api"
        )
        push(link)
        link.refresh_from_db()
    return link


def ticket_url(item, name: str = "item_ticket", org_slug: str = "acme") -> str:
    from django.urls import reverse

    return reverse(name, kwargs={"org_slug": org_slug, "item": item.number})

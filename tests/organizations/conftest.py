"""Fixtures of the webhook and notification tests: a local HTTP server for the webhook, an
organization posting to it, the members bob and carol, and the target of the members
administration tests."""

import threading

import pytest

from organizations.roles import Role
from tests.organizations.helpers import Hook


@pytest.fixture
def hook(settings):
    settings.WEBHOOK_INSECURE_HOSTS = ["127.0.0.1"]
    receiver = Hook()
    thread = threading.Thread(
        target=receiver.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def hooked_org(org, hook):
    org.webhook_url = hook.url
    org.save()
    return org


@pytest.fixture
def bob(member_factory):
    return member_factory(Role.ENGINEER, username="bob", first_name="Bob", last_name="Stone")


@pytest.fixture
def carol(member_factory):
    return member_factory(Role.REVIEWER, username="carol", first_name="Carol", last_name="Diaz")


@pytest.fixture
def target(member_factory):
    return member_factory(Role.ENGINEER, username="target", first_name="Tina", last_name="Target")

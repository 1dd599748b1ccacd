"""Fixtures of the webhook tests: a local HTTP server for the webhook, and an organization
posting to it."""

import threading

import pytest

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

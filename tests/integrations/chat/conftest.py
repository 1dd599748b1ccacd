"""The chat import's page tests: an incident (impact from ``T0``), a member whose email is the
Slack profile's, and clients signed in as an engineer and as a viewer."""

import pytest

from incidents.models import Incident
from tests.incidents.page_helpers import declare
from tests.integrations.chat.samples import T0


@pytest.fixture
def incident(org, engineer) -> Incident:
    return declare(org, engineer, title="Checkout errors", started_at=T0)


@pytest.fixture
def alice(member_factory):
    """Alice Smith in Slack; a member under another username, with the same email."""
    return member_factory(username="asmith", email="alice@example.com", first_name="Alice")


@pytest.fixture
def eng_client(client, engineer):
    client.force_login(engineer)
    return client

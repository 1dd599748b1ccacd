"""Fixtures of the incident page tests: an incident with its timeline entry and a link, and
clients signed in as an engineer and as a viewer; for the API tests an engineer's API client."""

import pytest
from rest_framework.test import APIClient

from incidents import services
from incidents.models import Incident, IncidentLink, TimelineEntry
from tests.incidents.helpers import api_client
from tests.incidents.page_helpers import declare


@pytest.fixture
def incident(org, engineer) -> Incident:
    return declare(org, engineer, description="Card payments **fail** for EU customers.")


@pytest.fixture
def eng_client(client, engineer):
    client.force_login(engineer)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def entry(incident) -> TimelineEntry:
    return TimelineEntry.objects.filter(incident=incident).first()


@pytest.fixture
def link(incident) -> IncidentLink:
    return services.link_add(incident=incident, type="ALERT", title="p95", url="https://a.io/1")


@pytest.fixture
def api(org, engineer) -> APIClient:
    return api_client(org, engineer)

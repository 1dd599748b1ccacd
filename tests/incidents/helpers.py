"""Incidents declared through the services, an API client holding a member's token, and the
incident API's URLs."""

from datetime import UTC, datetime, timedelta

from django_scopes import scope
from rest_framework.test import APIClient

from incidents import services
from incidents.models import Incident
from organizations.services import api_token_create

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def api_client(organization, user) -> APIClient:
    """A client holding a fresh token of ``user`` in ``organization``."""
    _, plain = api_token_create(organization=organization, user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


def declare(organization, actor=None, **kwargs) -> Incident:
    values = {"title": "Checkout errors", "severity": "SEV2", "started_at": T0, **kwargs}
    with scope(organization=organization):
        return services.incident_declare(organization=organization, actor=actor, **values)


def url(ref: str = "", suffix: str = "") -> str:
    path = "/api/v1/incidents"
    if ref:
        path += f"/{ref}"
    return path + (f"/{suffix}" if suffix else "")


def checkout_outage(organization, engineer) -> Incident:
    """The API tests' incident: a SEV1 with customer impact, commanded by ``engineer``."""
    return declare(
        organization,
        engineer,
        title="Checkout errors",
        severity="SEV1",
        detected_at=T0 + timedelta(minutes=5),
        services=["payments", "api"],
        commander=engineer,
        customer_impact=True,
    )

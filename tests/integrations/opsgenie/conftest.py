"""Fixtures of the Opsgenie tests: ``org``'s Opsgenie endpoint (with its plain secret), the
documented alert action data with its times moved to now and the alert given a service, and
a helper that posts as the Webhook integration does (the custom header
``Authorization: Bearer <secret>``)."""

import copy
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from incidents.models import Service
from integrations.intake.models import SourceKind
from tests.integrations.conftest import make_endpoint

PAYLOADS = Path(__file__).parent / "payloads"
SEVERITIES = {"p1": "SEV1", "p2": "SEV2", "p3": "SEV3"}


def action(name: str, *, minutes_ago: float = 5, service: str = "checkout", **alert) -> dict:
    """The documented ``name`` action (create, acknowledge, add_note, update_priority, close),
    updated ``minutes_ago`` (nanoseconds, as Opsgenie's examples), created 30 minutes ago
    (milliseconds), tagged ``service:<service>``; ``alert`` overrides the alert's fields."""
    payload = copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text()))
    now = timezone.now()
    updated = now - timedelta(minutes=minutes_ago)
    payload["alert"]["updatedAt"] = int(updated.timestamp() * 1000) * 1_000_000
    payload["alert"]["createdAt"] = int((now - timedelta(minutes=30)).timestamp() * 1000)
    payload["alert"]["tags"] = [*payload["alert"]["tags"], f"service:{service}"]
    payload["alert"].update(alert)
    return payload


@pytest.fixture
def opsgenie_endpoint(org, admin_user):
    """``org``'s Opsgenie endpoint and its plain secret; ``org`` has the service "checkout"."""
    Service.objects.create(organization=org, name="checkout")
    return make_endpoint(
        org,
        admin_user,
        kind=SourceKind.OPSGENIE,
        name="Opsgenie",
        default_severity="SEV3",
        severity_map=SEVERITIES,
    )

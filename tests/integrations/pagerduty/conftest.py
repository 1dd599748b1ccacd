"""Fixtures of the PagerDuty tests: ``org``'s PagerDuty endpoint (with the signing secret the
admin pasted), PagerDuty's documented v3 webhook examples with their times moved to now and
their type changed to play an incident's life, and a helper that posts as PagerDuty does
(``X-PagerDuty-Signature: v1=<HMAC-SHA256>``)."""

import copy
import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from incidents.models import Service
from integrations.intake.models import SourceKind
from integrations.pagerduty.webhook import signature
from tests.integrations.conftest import make_endpoint

PAYLOADS = Path(__file__).parent / "payloads"
# What PagerDuty shows when the subscription is added (its shape: a random string).
SIGNING_SECRET = "Kz9wEw3aR2mJ8nQv5tY7uI1oP4sD6fG0hJ2kL3zX5cV7bN9m"  # noqa: S105
# The priorities and urgencies of the endpoint's severity table.
SEVERITIES = {"p1": "SEV1", "p2": "SEV2", "high": "SEV2", "low": "SEV4"}
STATUS_OF = {
    "incident.triggered": "triggered",
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "resolved",
}


def documented(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def _at(minutes_ago: float) -> str:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def incident_event(
    event_type: str, *, minutes_ago: float = 5, priority: str | None = "P1", **data
) -> dict:
    """The documented incident payload as ``event_type`` (a new event id), ``minutes_ago``;
    ``priority`` None: an account without priorities; ``data`` overrides the incident's."""
    payload = copy.deepcopy(documented("incident_priority_updated"))
    event = payload["event"]
    event["id"] = uuid.uuid4().hex.upper()[:26]
    event["event_type"] = event_type
    event["occurred_at"] = _at(minutes_ago)
    incident = event["data"]
    incident["created_at"] = _at(30)
    incident["status"] = STATUS_OF.get(event_type, incident["status"])
    if priority is None:
        incident["priority"] = None
    else:
        incident["priority"]["summary"] = priority
    incident.update(data)
    return payload


def note_event(content: str, *, minutes_ago: float = 5) -> dict:
    payload = copy.deepcopy(documented("incident_annotated"))
    payload["event"]["id"] = uuid.uuid4().hex.upper()[:26]
    payload["event"]["occurred_at"] = _at(minutes_ago)
    payload["event"]["data"]["content"] = content
    return payload


def ping_event() -> dict:
    payload = documented("pagey_ping")
    payload["event"]["occurred_at"] = _at(0)
    return payload


def sign(secret: str, body: bytes) -> str:
    return "v1=" + signature(secret, body)


@pytest.fixture
def api_service(org):
    """The Hindsight service named as the documented PagerDuty service."""
    return Service.objects.create(organization=org, name="API Service")


@pytest.fixture
def pagerduty_endpoint(org, admin_user, api_service):
    hook, shown = make_endpoint(
        org,
        admin_user,
        kind=SourceKind.PAGERDUTY,
        name="PagerDuty",
        default_severity="SEV3",
        severity_map=SEVERITIES,
        signing_secret=SIGNING_SECRET,
    )
    assert shown is None  # the admin pasted it: nothing to show
    return hook


@pytest.fixture
def pagerduty(send):
    """POST a payload as PagerDuty does, signed with ``secret`` (None: unsigned; ``also``:
    more signatures before it, as during PagerDuty's rotation). Queued tasks run first."""

    def post(endpoint, payload, *, secret=SIGNING_SECRET, also=()):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"HTTP_USER_AGENT": "PagerDuty-Webhook/V3.0"}
        if secret is not None:
            signatures = [sign(other, body) for other in also] + [sign(secret, body)]
            headers["HTTP_X_PAGERDUTY_SIGNATURE"] = ",".join(signatures)
        return send(endpoint, body, secret=False, headers=headers)

    return post

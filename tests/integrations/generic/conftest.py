"""Fixtures of the generic JSON webhook's tests: ``org``'s endpoint for a made-up status tool
with a saved mapping (its plain secret too), the tool's event body with its time moved to now,
and the form data of that mapping."""

import copy
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from incidents.models import Service
from integrations.generic import services as generic_services
from integrations.intake.models import SourceKind
from tests.integrations.conftest import make_endpoint

PAYLOADS = Path(__file__).parent / "payloads"

PATHS = {
    "incident_id": "$.incident.id",
    "event_id": "$.event.id",
    "title": "$.incident.title",
    "service": "$.alerts[0].labels.service",
    "status": "$.event.type",
    "level": "$.alerts[0].labels.priority",
    "time": "$.event.created_at",
    "url": "$.incident.html_url",
    "note": "$.message",
    "responders": "$.responders[*].email",
}
STATUS_VALUES = {
    "firing": "triggered",
    "acknowledged": "acknowledged",
    "ok": "resolved",
    "comment": "note",
}


def tool_event(kind="firing", *, minutes_ago=5, event_id=None, **changes) -> dict:
    """The tool's event of incident 77 (``kind`` is its ``event.type``), created
    ``minutes_ago``; ``changes`` replace top-level parts of the body."""
    body = json.loads((PAYLOADS / "tool_event.json").read_text())
    body = copy.deepcopy(body)
    at = timezone.now() - timedelta(minutes=minutes_ago)
    body["event"].update(
        type=kind,
        created_at=at.isoformat().replace("+00:00", "Z"),
        id=event_id or f"evt-{kind}-{minutes_ago}",
    )
    return body | changes


def form_data(**overrides) -> dict:
    """The mapping page's form data for ``PATHS`` and ``STATUS_VALUES``."""
    data = {f"{name}_path": path for name, path in PATHS.items()}
    data |= {
        "fixed_service": "",
        "status_values": "\n".join(
            f"{value} = {change}" for value, change in STATUS_VALUES.items()
        ),
        "default_severity": "SEV3",
        "severity_map": "p1 = SEV1",
        "sample": "",
    }
    return data | overrides


@pytest.fixture
def checkout(org):
    return Service.objects.create(organization=org, name="checkout")


@pytest.fixture
def unmapped(org, admin_user, checkout):
    """``org``'s generic endpoint without a mapping, and its plain secret."""
    return make_endpoint(
        org,
        admin_user,
        kind=SourceKind.GENERIC_JSON,
        name="Status tool",
        severity_map={"p1": "SEV1"},
    )


@pytest.fixture
def generic(unmapped, admin_user):
    """``org``'s generic endpoint with the mapping of ``PATHS``, and its plain secret."""
    endpoint, secret = unmapped
    generic_services.mapping_save(
        endpoint=endpoint,
        actor=admin_user,
        paths=PATHS,
        fixed_service=None,
        status_values=STATUS_VALUES,
        default_severity="SEV3",
        severity_map={"p1": "SEV1"},
    )
    return endpoint, secret

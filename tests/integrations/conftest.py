"""Fixtures of the inbound webhook tests: an Alertmanager endpoint of ``org`` (with its plain
secret), the documented Alertmanager v4 payload with its times moved to now, and a helper that
posts as Alertmanager does (``Authorization: Bearer``, as its ``http_config`` sends)."""

import copy
import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from incidents.models import Service
from integrations.intake import services
from integrations.intake.models import AlertRule, SourceKind

PAYLOADS = Path(__file__).parent / "alertmanager" / "payloads"


def documented_payload() -> dict:
    """The example notification, shaped as Prometheus' docs describe the webhook receiver's
    version 4 payload (``alertmanager/configuration/#webhook_config``)."""
    return json.loads((PAYLOADS / "documented_v4.json").read_text())


def fresh(payload: dict, *, minutes_ago: int = 5) -> dict:
    """The payload with its alerts started ``minutes_ago`` (the fixture's own times are older
    than the 30 days an alert may be)."""
    payload = copy.deepcopy(payload)
    start = timezone.now() - timedelta(minutes=minutes_ago)
    for index, alert in enumerate(payload["alerts"]):
        alert["startsAt"] = (start + timedelta(seconds=index)).isoformat()
    return payload


def resolved(payload: dict) -> dict:
    payload = copy.deepcopy(payload)
    payload["status"] = "resolved"
    for alert in payload["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = timezone.now().isoformat()
    return payload


def make_endpoint(organization, actor=None, **options):
    defaults = {
        "kind": SourceKind.ALERTMANAGER,
        "name": "Production Alertmanager",
        "alert_rule": AlertRule.OPEN,
        "default_severity": "SEV3",
        "severity_map": {"critical": "SEV1"},
    }
    return services.endpoint_create(organization=organization, actor=actor, **(defaults | options))


@pytest.fixture
def endpoint(org, admin_user):
    """``org``'s endpoint and its plain secret; ``org`` has the service "checkout"."""
    Service.objects.create(organization=org, name="checkout")
    return make_endpoint(org, admin_user)


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """POST a body to an endpoint as Alertmanager does; queued tasks run (in process) before
    it returns."""

    def post(endpoint, body, *, secret=None, headers=None):
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        extra = {} if secret is False else {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/hooks/{endpoint.public_id}/",
                data=body,
                content_type="application/json",
                **extra,
                **(headers or {}),
            )

    return post


def post_together(hook, bodies: list[str | bytes], **headers) -> list[int]:
    """Each body from its own thread (its own connection), released at the same moment, with
    the same ``headers``; the statuses answered."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []

    def post(body) -> None:
        try:
            barrier.wait(timeout=10)
            response = Client().post(
                f"/hooks/{hook.public_id}/",
                data=body,
                content_type="application/json",
                **headers,
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses

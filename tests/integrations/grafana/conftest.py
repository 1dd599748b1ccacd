"""Fixtures of the Grafana tests: a Grafana endpoint of ``org`` (with its plain secret), and
Grafana's documented webhook payload with its times moved to now and its alert rules given
the ``service`` label a team adds so that Hindsight knows the service."""

import copy
import json
from pathlib import Path

import pytest

from incidents.models import Service
from integrations.intake.models import SourceKind
from tests.integrations.conftest import fresh, make_endpoint

PAYLOADS = Path(__file__).parent / "payloads"


def documented_payload() -> dict:
    """Grafana's example body of the webhook contact point, as its documentation gives it
    (``alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier``)."""
    return json.loads((PAYLOADS / "documented.json").read_text())


def grafana_payload(service: str = "checkout", *, minutes_ago: int = 5) -> dict:
    """The documented payload, fresh, with every alert labelled ``service=<service>``."""
    payload = fresh(documented_payload(), minutes_ago=minutes_ago)
    for alert in payload["alerts"]:
        alert["labels"]["service"] = service
    return payload


def labelled(payload: dict, **labels: str) -> dict:
    payload = copy.deepcopy(payload)
    for alert in payload["alerts"]:
        alert["labels"].update(labels)
    return payload


@pytest.fixture
def grafana(org, admin_user):
    """``org``'s Grafana endpoint and its plain secret; ``org`` has the service "checkout"."""
    Service.objects.create(organization=org, name="checkout")
    return make_endpoint(org, admin_user, kind=SourceKind.GRAFANA, name="Grafana")

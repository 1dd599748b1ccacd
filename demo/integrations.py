"""Demo integrations for the ``acme`` organization: an Alertmanager endpoint and a deploy
pipeline's release webhook, with deliveries that went through the real intake (stored, then
processed): releases before the open incidents (their suspect changes), alerts attached to
them, one resolved, and one quarantined for a service Hindsight does not know.

``seed_demo`` calls ``seed_integrations`` after the incidents; it does nothing when the
organization already has an endpoint. The endpoints' secrets are not printed: rotate one in
Settings → Integrations to point a real tool at the demo."""

import hashlib
import json
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from integrations.intake import services as intake
from integrations.intake.models import AlertRule, SourceKind, WebhookEndpoint
from organizations.models import Organization, Severity

# service, version, hours before now: releases before each open incident's impact, and others
RELEASES = (
    ("search", "v2.14.0", 3.4),
    ("search", "v2.13.2", 50),
    ("api-gateway", "v5.2.1", 10),
    ("notifications", "v3.0.0", 31),
    ("checkout", "v1.42.0", 20),
)
ZERO_TIME = "0001-01-01T00:00:00Z"


def seed_integrations(
    *, organization: Organization, admin: AbstractBaseUser, now: datetime | None = None
) -> None:
    with scope(organization=organization), transaction.atomic():
        if WebhookEndpoint.objects.filter(organization=organization).exists():
            return
        now = now or timezone.now()
        pipeline, _ = intake.endpoint_create(
            organization=organization,
            actor=admin,
            kind=SourceKind.RELEASE,
            name="Deploy pipeline",
            alert_rule=AlertRule.OPEN,
            default_severity=Severity.SEV3,
            severity_map={},
        )
        for service, version, hours in RELEASES:
            _deliver(pipeline, _release(service, version, now - timedelta(hours=hours)))
        alerts, _ = intake.endpoint_create(
            organization=organization,
            actor=admin,
            kind=SourceKind.ALERTMANAGER,
            name="Production Alertmanager",
            alert_rule=AlertRule.ATTACH_ONLY,
            default_severity=Severity.SEV3,
            severity_map={"critical": Severity.SEV2, "warning": Severity.SEV3},
        )
        search_firing = _alert(
            "SearchLatencyHigh", "search", now - timedelta(hours=3), "p95 above 400 ms for 10 min"
        )
        gateway_firing = _alert(
            "GatewayTimeouts", "api-gateway", now - timedelta(hours=9), "504s on /v2/reports > 1%"
        )
        billing_firing = _alert(
            "InvoiceRunLate", "legacy-billing", now - timedelta(hours=1), "invoice run 2 h late"
        )
        for body in (
            _notification([gateway_firing]),
            _notification([search_firing]),
            _notification([billing_firing]),
            _notification([_resolved(gateway_firing, now - timedelta(hours=1))]),
        ):
            _deliver(alerts, body)


def _deliver(endpoint: WebhookEndpoint, payload: dict) -> None:
    """Through the intake as a request would be, then processed at once (the queued task
    finds it done)."""
    delivery, _ = intake.delivery_receive(
        endpoint=endpoint,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "Alertmanager/0.27.0"},
    )
    intake.delivery_process(delivery=delivery)


def _release(service: str, version: str, at: datetime) -> dict:
    return {
        "service": service,
        "version": version,
        "time": at.isoformat(),
        "url": f"https://ci.acme.example.com/{service}/releases/{version}",
        "id": f"{service}-{version}",
    }


def _alert(name: str, service: str, starts: datetime, summary: str) -> dict:
    return {
        "status": "firing",
        "labels": {"alertname": name, "service": service, "severity": "warning"},
        "annotations": {"summary": summary},
        "startsAt": starts.isoformat(),
        "endsAt": ZERO_TIME,
        "generatorURL": f"https://prometheus.acme.example.com/graph?g0.expr={name}",
        "fingerprint": hashlib.sha256(f"{name}|{service}".encode()).hexdigest()[:16],
    }


def _resolved(alert: dict, ends: datetime) -> dict:
    return alert | {"status": "resolved", "endsAt": ends.isoformat()}


def _notification(alerts: list[dict]) -> dict:
    name = alerts[0]["labels"]["alertname"]
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": 0,
        "status": alerts[0]["status"],
        "receiver": "hindsight",
        "groupLabels": {"alertname": name},
        "commonLabels": alerts[0]["labels"],
        "commonAnnotations": alerts[0]["annotations"],
        "externalURL": "https://alertmanager.acme.example.com",
        "alerts": alerts,
    }

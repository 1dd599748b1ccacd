"""The inbound-webhook data set: the bench organization's Alertmanager endpoint (its secret is
given by the run), and Alertmanager notifications (receiver payload version 4) as bodies.

``notification_body`` needs no Django; the seeding functions are called after
``django.setup()``.
"""

import json
from dataclasses import dataclass
from datetime import datetime

HOOK_PUBLIC_ID = "bench-alertmanager"
HOOK_PATH = f"/hooks/{HOOK_PUBLIC_ID}/"
ALERT_SERVICE_PREFIX = "alerting-"


@dataclass(frozen=True)
class AlertSpec:
    """One alert of a notification: its identity (fingerprint and start), its service."""

    fingerprint: str
    service: str
    starts_at: datetime
    ends_at: datetime | None = None  # set: the alert is resolved

    @property
    def status(self) -> str:
        return "firing" if self.ends_at is None else "resolved"


def notification_body(group_key: str, alerts: list[AlertSpec]) -> bytes:
    """What Alertmanager posts for one group: every alert of ``alerts``, firing or resolved."""
    status = "firing" if any(alert.ends_at is None for alert in alerts) else "resolved"
    document = {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "hindsight",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.bench.example:9093",
        "alerts": [_alert(alert) for alert in alerts],
    }
    return json.dumps(document).encode()


def _alert(alert: AlertSpec) -> dict:
    return {
        "status": alert.status,
        "labels": {
            "alertname": "HighErrorRate",
            "service": alert.service,
            "severity": "critical",
            "instance": f"{alert.service}-{alert.fingerprint[-4:]}:9100",
        },
        "annotations": {
            "summary": f"{alert.service} answers more than 5 % errors",
            "description": "The 5xx ratio over 5 minutes is above 0.05.",
        },
        "startsAt": alert.starts_at.isoformat(),
        "endsAt": alert.ends_at.isoformat() if alert.ends_at else "0001-01-01T00:00:00Z",
        "generatorURL": "https://prometheus.bench.example/graph?g0.expr=errors",
        "fingerprint": alert.fingerprint,
    }


def seed_webhooks(organization, secret: str) -> None:
    """The organization's Alertmanager endpoint, posted to at ``HOOK_PATH`` with ``secret``;
    alerts of a service without an open incident open one."""
    from integrations.intake.models import AlertRule, SourceKind, WebhookEndpoint
    from organizations.services import hash_token

    WebhookEndpoint.objects.create(
        organization=organization,
        kind=SourceKind.ALERTMANAGER,
        name="Bench Alertmanager",
        public_id=HOOK_PUBLIC_ID,
        secret_hash=hash_token(secret),
        secret_prefix=secret[:12],
        alert_rule=AlertRule.OPEN,
        severity_map={"critical": "SEV2"},
    )


def bench_endpoint(organization):
    from integrations.intake.models import WebhookEndpoint

    return WebhookEndpoint.objects.get(organization=organization, public_id=HOOK_PUBLIC_ID)


def seed_alert_services(organization, count: int) -> list[str]:
    """``count`` services with no incident yet (their first alert opens one); their names."""
    from incidents.models import Service

    names = [f"{ALERT_SERVICE_PREFIX}{number:03d}" for number in range(count)]
    Service.objects.bulk_create([Service(organization=organization, name=name) for name in names])
    return names

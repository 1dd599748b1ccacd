"""Inbound webhooks: an organization's endpoints and the deliveries they received."""

from django.conf import settings
from django.db import models

from organizations.encryption import EncryptedTextField
from organizations.models import Severity, TenantModel


class SourceKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    GRAFANA = "grafana", "Grafana alerting"
    RELEASE = "release", "Release webhook"
    GITHUB_DEPLOYMENTS = "github_deployments", "GitHub deployments"
    PAGERDUTY = "pagerduty", "PagerDuty"
    OPSGENIE = "opsgenie", "Opsgenie"
    GENERIC_JSON = "generic_json", "Generic JSON webhook"
    GITHUB_ISSUES = "github_issues", "GitHub issues (action items' tickets)"
    JIRA = "jira", "Jira issues (action items' tickets)"
    LINEAR = "linear", "Linear issues (action items' tickets)"


# The sources whose deliveries are alerts (they attach to or open incidents per the endpoint's
# rule); the others (deploy tools) record releases.
ALERT_KINDS = frozenset({SourceKind.ALERTMANAGER, SourceKind.GRAFANA})
# The pagers: their incidents become Hindsight incidents (always opened), with the severity of
# their urgency or priority by the endpoint's table.
PAGER_KINDS = frozenset({SourceKind.PAGERDUTY, SourceKind.OPSGENIE})


class AlertRule(models.TextChoices):
    """What an alert does when its service has no open incident."""

    OPEN = "OPEN", "Open an incident when no open one exists"
    ATTACH_ONLY = "ATTACH_ONLY", "Only attach to an open incident"


class WebhookEndpoint(TenantModel):
    """Where one source posts. ``public_id`` is in the URL; the secret is sent in the request
    (``Authorization: Bearer``) and only its SHA-256 hash is kept: shown once, then replaced
    by rotation, never read back. A source that signs its bodies with the secret (GitHub's
    HMAC) needs it plain: for those only, it is also kept encrypted (``secret_encrypted``).
    PagerDuty makes its signing secret itself: the admin pastes it (kept encrypted, never
    shown again), and pastes the new one to rotate."""

    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    name = models.CharField(max_length=80)
    public_id = models.CharField(max_length=32, unique=True)
    secret_hash = models.CharField(max_length=64)
    secret_prefix = models.CharField(max_length=12)
    secret_encrypted = EncryptedTextField(blank=True, default="")
    is_active = models.BooleanField(default=True)
    alert_rule = models.CharField(max_length=12, choices=AlertRule.choices, default=AlertRule.OPEN)
    default_severity = models.CharField(
        max_length=4, choices=Severity.choices, default=Severity.SEV3
    )
    # {"critical": "SEV1", "warning": "SEV3"}: a ``severity`` label's value to a severity; for
    # the pagers, an urgency or priority ({"p1": "SEV1", "high": "SEV2"}), lower case.
    severity_map = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    RECEIVED = "RECEIVED", "Received"
    PROCESSED = "PROCESSED", "Processed"
    QUARANTINED = "QUARANTINED", "Quarantined"
    FAILED = "FAILED", "Failed"


class InboundDelivery(TenantModel):
    """One request a source made, kept as received (14 days) with what became of it. The
    source's event id is unique per endpoint: a delivery sent twice is stored, and acts, once."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    event_id = models.CharField(max_length=64)
    body = models.TextField()
    headers = models.JSONField(default=dict)
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    outcome = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="unique_inbound_event")
        ]
        indexes = [
            models.Index(fields=["organization", "-received_at"], name="inbound_latest"),
            models.Index(fields=["received_at"], name="inbound_received"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}:{self.event_id}"

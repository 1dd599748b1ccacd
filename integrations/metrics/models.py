"""Metrics from the organization's Prometheus-compatible store: where it is, which PromQL gives
each series of a service, and how the last capture of an incident went."""

from django.db import models

from incidents.models import Incident, Service
from organizations.encryption import EncryptedTextField
from organizations.models import Organization, TenantModel


class AuthKind(models.TextChoices):
    NONE = "none", "No authentication"
    BEARER = "bearer", "Bearer token"
    BASIC = "basic", "Basic authentication"


class MetricsEndpoint(TenantModel):
    """The organization's Prometheus-compatible endpoint (one per organization)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="metrics_endpoint"
    )
    base_url = models.URLField(max_length=300)
    auth_kind = models.CharField(max_length=10, choices=AuthKind.choices, default=AuthKind.NONE)
    username = models.CharField(max_length=150, blank=True)
    secret = EncryptedTextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.base_url


class MetricQuery(TenantModel):
    """One series of one service: the PromQL whose result is stored under ``key``."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(max_length=40, help_text="e.g. errorRate, latency")
    name = models.CharField(max_length=120)
    unit = models.CharField(max_length=20, blank=True)
    promql = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service__name", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "service", "key"], name="unique_metric_query_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.key}"


class CaptureStatus(models.TextChoices):
    CAPTURED = "captured", "Captured"
    FAILED = "failed", "Failed"


class MetricCapture(TenantModel):
    """How the last capture of an incident's metrics went (one row per incident)."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="metric_capture"
    )
    status = models.CharField(max_length=10, choices=CaptureStatus.choices)
    message = models.CharField(max_length=500, blank=True)
    series_count = models.PositiveIntegerField(default=0)
    attempted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.incident} · {self.status}"

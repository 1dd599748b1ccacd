"""What Alertmanager's alerts did: one row per alert occurrence (fingerprint and start), so an
alert re-sent in a later notification of its group attaches once and resolves once."""

from django.db import models

from incidents.models import Incident
from organizations.models import TenantModel


class AlertOccurrence(TenantModel):
    fingerprint = models.CharField(max_length=64)
    starts_at = models.DateTimeField()
    incident = models.ForeignKey(Incident, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "fingerprint", "starts_at"], name="unique_alert_occurrence"
            )
        ]

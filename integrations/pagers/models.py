"""What the pagers (PagerDuty, Opsgenie, a generic tool) made: their incidents and the events
already written to a timeline. Both are keyed by the pager's own ids, so a webhook re-sent or
an import run again never makes a second incident nor a second entry."""

from django.db import models

from incidents.models import Incident
from organizations.models import TenantModel


class PagerIncident(TenantModel):
    """A pager's incident and the Hindsight incident it became (none until it is opened)."""

    source = models.CharField(max_length=40)
    external_id = models.CharField(max_length=120)
    incident = models.ForeignKey(Incident, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "external_id"], name="unique_pager_incident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class PagerEntry(TenantModel):
    """A pager event (a webhook's event, an imported log entry) already applied."""

    source = models.CharField(max_length=40)
    external_id = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "external_id"], name="unique_pager_entry"
            )
        ]

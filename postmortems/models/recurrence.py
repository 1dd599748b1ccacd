"""What the organization has said about a recurrence: a manager's "not related" on one pair."""

from django.conf import settings
from django.db import models

from organizations.models import TenantModel
from postmortems.models.documents import Postmortem


class RecurrenceDismissal(TenantModel):
    """A manager's judgement that ``incident`` is not a recurrence of what ``postmortem``
    remediated, with the reason. While it exists, the pair is left out of every notice and of
    the repeat rate; undoing it deletes the row (both moves are in the audit log)."""

    postmortem = models.ForeignKey(
        Postmortem,
        on_delete=models.CASCADE,
        related_name="recurrence_dismissals",
        help_text="The earlier, remediated postmortem.",
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The later incident that matched its recurrence rules.",
    )
    reason = models.TextField()
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "postmortem", "incident"], name="one_recurrence_dismissal"
            )
        ]
        indexes = [models.Index(fields=["organization", "incident"], name="recurrence_incident")]

    def __str__(self) -> str:
        return f"Not a recurrence: {self.incident_id} after PM {self.postmortem_id}"

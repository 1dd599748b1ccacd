"""Reading that spreads: the weekly learning digest (who subscribed, what each was sent) and
the required readers of a published postmortem."""

from django.conf import settings
from django.db import models

from organizations.models import TenantModel

from .documents import Postmortem


class DigestSubscription(TenantModel):
    """A member's subscription to the weekly email of newly published postmortems.

    Each filter is a list; an empty list lets everything through. A postmortem is sent when it
    passes all three filters (any of the chosen teams, any of the chosen services, any of the
    chosen severities). Teams and services are kept by id: one deleted later simply matches
    nothing more, and the settings page drops it on the next save."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team_ids = models.JSONField(default=list, blank=True)
    service_ids = models.JSONField(default=list, blank=True)
    severities = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_digest_subscription")
        ]

    def __str__(self) -> str:
        return f"digest for {self.user}"

    @property
    def is_filtered(self) -> bool:
        return bool(self.team_ids or self.service_ids or self.severities)


class DigestDelivery(TenantModel):
    """One member's digest for one week, recorded before it is sent: the unique constraint
    makes a second digest for the same member and week impossible, whoever runs it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(help_text="The Monday (organization's time zone) of the week.")
    postmortem_numbers = models.JSONField(default=list)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "week_start"], name="one_digest_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"digest of {self.week_start} for {self.user}"


class RequiredReader(TenantModel):
    """A member asked to read a published postmortem; ``read_at`` is their first view."""

    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="required_readers"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "user"], name="one_required_reader")
        ]
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} to read {self.postmortem}"

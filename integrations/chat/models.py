"""Chat messages imported onto a timeline: which entry each became, so a message imported
twice is added once."""

from django.conf import settings
from django.db import models

from incidents.models import Incident, TimelineEntry
from organizations.models import TenantModel


class ImportedChatMessage(TenantModel):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    # Deleting the entry forgets the import: the message may be imported again.
    entry = models.OneToOneField(TimelineEntry, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64, help_text="sha256 of the message's source key")
    source = models.CharField(max_length=120, help_text="e.g. Slack #incidents, Pasted chat log")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="unique_imported_chat_message")
        ]

    def __str__(self) -> str:
        return f"{self.source} → entry {self.entry_id}"

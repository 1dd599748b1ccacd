"""Postmortems. Issue 4 builds the document (sections, templates, revisions) on this model."""

from django.conf import settings
from django.db import models

from organizations.models import TenantModel


class PostmortemStatus(models.TextChoices):
    DRAFT = "DRAFT", "Draft"
    IN_REVIEW = "IN_REVIEW", "In review"
    PUBLISHED = "PUBLISHED", "Published"
    ARCHIVED = "ARCHIVED", "Archived"


class Postmortem(TenantModel):
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=PostmortemStatus.choices, default=PostmortemStatus.DRAFT
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="postmortems",
        help_text="The primary incident.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="unique_postmortem_number"
            )
        ]

    def __str__(self) -> str:
        return f"PM-{self.number} {self.title}"

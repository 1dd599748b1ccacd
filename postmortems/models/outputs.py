"""What is made from a postmortem: public share links, export jobs and search documents."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from organizations.models import TenantModel
from postmortems.models.documents import Postmortem


class ShareLink(TenantModel):
    """A public, read-only link to a PUBLISHED postmortem. Only a hash of its token is stored."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    label = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Share link {self.prefix}… of {self.postmortem_id}"


class ExportStatus(models.TextChoices):
    PENDING = "PENDING", "Waiting"
    RUNNING = "RUNNING", "Building"
    DONE = "DONE", "Ready"
    FAILED = "FAILED", "Failed"


class ExportJob(TenantModel):
    """A bulk export: the postmortems matching a list's filters as one ZIP, built by a task."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=300, blank=True, help_text="Under MEDIA_ROOT.")
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.status})"


class PostmortemSearchDocument(TenantModel):
    """The postmortem's weighted full-text vector (PostgreSQL), kept up to date by the services
    that change the document. Its GIN index exists only on PostgreSQL."""

    postmortem = models.OneToOneField(
        Postmortem, on_delete=models.CASCADE, related_name="search_document"
    )
    vector = SearchVectorField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Search document of {self.postmortem_id}"

"""PagerDuty's past incidents, pulled through its REST API: where to ask and with which key
(one per organization), and each import run with its progress and the cursor it resumes from."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from organizations.encryption import EncryptedTextField
from organizations.models import Organization, Severity, TenantModel

DEFAULT_BASE_URL = "https://api.pagerduty.com"


class PagerDutyImportSettings(TenantModel):
    """The organization's REST API key (encrypted, never shown again), the API's address and
    the severity of imported incidents by their urgency or priority."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="pagerduty_import_settings"
    )
    api_key = EncryptedTextField(blank=True, default="")
    base_url = models.URLField(max_length=300, default=DEFAULT_BASE_URL)
    severity_map = models.JSONField(default=dict, blank=True)
    default_severity = models.CharField(
        max_length=8, choices=Severity.choices, default=Severity.SEV3
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.base_url


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (ImportStatus.QUEUED, ImportStatus.RUNNING)


class PagerDutyImport(TenantModel):
    """One import of the incidents PagerDuty created between ``since`` and ``until``.

    The cursor is the window being listed (``window_since`` up to ``until``) and the offset
    of the next incident in it; it moves, with the counts, in the transaction that applies
    each incident, so a resumed run starts exactly after the last incident applied. ``lease``
    names the task allowed to work on the run: starting or resuming it gives a new one, and a
    task holding an older lease stops."""

    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    since = models.DateTimeField()
    until = models.DateTimeField()
    window_since = models.DateTimeField()
    offset = models.PositiveIntegerField(default=0)
    lease = models.CharField(max_length=32, blank=True)
    incidents_seen = models.PositiveIntegerField(default=0)
    incidents_created = models.PositiveIntegerField(default=0)
    incidents_updated = models.PositiveIntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="pd_import_recent")]

    def __str__(self) -> str:
        return f"PagerDuty import {self.pk} ({self.status})"

    @property
    def last_day(self) -> datetime:
        """The last day imported (``until`` is the midnight after it)."""
        return self.until - timedelta(days=1)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

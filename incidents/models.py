from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import DurationField, ExpressionWrapper, F

from organizations.models import Severity, TenantModel
from organizations.validators import validate_text_size


class Status(models.TextChoices):
    OPEN = "OPEN", "Open"
    ACKNOWLEDGED = "ACKNOWLEDGED", "Acknowledged"
    MITIGATED = "MITIGATED", "Mitigated"
    RESOLVED = "RESOLVED", "Resolved"


STATUS_ORDER = [Status.OPEN, Status.ACKNOWLEDGED, Status.MITIGATED, Status.RESOLVED]


class Service(TenantModel):
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=240, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_service_name")
        ]

    def __str__(self) -> str:
        return self.name


class Incident(TenantModel):
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, validators=[validate_text_size])
    severity = models.CharField(max_length=4, choices=Severity.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField(help_text="When impact began.")
    detected_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commanded_incidents",
    )
    customer_impact = models.BooleanField(default=False)
    data_loss = models.BooleanField(default=False)
    security = models.BooleanField(default=False)
    near_miss = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "number"], name="unique_incident_ref"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "-started_at"]),
            models.Index(fields=["organization", "status"]),
            # The latest change in the organization (the dashboard's cache fingerprint).
            models.Index(fields=["organization", "updated_at"], name="incident_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def ref(self) -> str:
        return format_ref(self.year, self.number)

    # Derived figures; each is None when a timestamp it needs is missing.
    @property
    def duration(self) -> timedelta | None:
        """The duration of impact, the one figure every page, export and chart shows: from the
        start of impact (``started_at``) to resolution.

        Not until mitigation: mitigation is optional and often never recorded, users may still
        be affected after it (queued work, degraded service), and the reference postmortems
        state the duration from first symptom to resolution ("2h 14m (14:32 - 16:46 UTC)",
        mitigated at 15:15). ``duration_expression`` is the same figure in SQL.
        """
        return _between(self.started_at, self.resolved_at)

    @property
    def time_to_detect(self) -> timedelta | None:
        return _between(self.started_at, self.detected_at)

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return _between(self.detected_at or self.started_at, self.acknowledged_at)

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return _between(self.started_at, self.mitigated_at)

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.duration

    @property
    def is_resolved(self) -> bool:
        return self.status == Status.RESOLVED


def duration_expression() -> ExpressionWrapper:
    """``Incident.duration`` in SQL (for annotations and aggregates)."""
    return ExpressionWrapper(F("resolved_at") - F("started_at"), output_field=DurationField())


def _between(start, end) -> timedelta | None:
    if start is None or end is None:
        return None
    return end - start


def format_ref(year: int, number: int) -> str:
    return f"INC-{year}-{number:04d}"


class IncidentService(TenantModel):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="service_links")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="incident_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "service"], name="unique_incident_service")
        ]


class IncidentParticipant(TenantModel):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "user"], name="unique_participant")
        ]


class EntryKind(models.TextChoices):
    ALERT = "ALERT", "Alert"
    DETECTION = "DETECTION", "Detection"
    DEPLOY = "DEPLOY", "Deploy"
    STATUS_CHANGE = "STATUS_CHANGE", "Status change"
    DECISION = "DECISION", "Decision"
    ACTION = "ACTION", "Action"
    COMMUNICATION = "COMMUNICATION", "Communication"
    NOTE = "NOTE", "Note"


class FollowedTime(models.TextChoices):
    """The incident time an automatic timeline entry shows. The entry moves when that time is
    corrected, and is removed when it is cleared."""

    DECLARED = "declared", "detected time (else its start)"
    ACKNOWLEDGED = "acknowledged_at", "acknowledged time"
    MITIGATED = "mitigated_at", "mitigated time"
    RESOLVED = "resolved_at", "resolved time"


class TimelineEntry(TenantModel):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=EntryKind.choices, default=EntryKind.NOTE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(
        max_length=80, blank=True, help_text="A system name when the actor is not a person."
    )
    description = models.TextField(validators=[validate_text_size])
    evidence_url = models.URLField(max_length=500, blank=True)
    is_key_event = models.BooleanField(default=False)
    follows = models.CharField(
        max_length=16,
        choices=FollowedTime.choices,
        blank=True,
        help_text="Set on automatic entries: the incident time the entry shows.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["incident", "occurred_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "follows"],
                condition=~models.Q(follows=""),
                name="one_entry_per_followed_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.description[:40]}"

    @property
    def actor_display(self) -> str:
        """The person's username, else the system name. Reads ``actor_username`` when the
        query annotated it (``selectors.timeline``), saving a User object per entry."""
        if self.actor_id:
            annotated = getattr(self, "actor_username", None)
            return annotated or self.actor.get_username()
        return self.actor_name


class LinkType(models.TextChoices):
    ALERT = "ALERT", "Alert"
    ERROR_GROUP = "ERROR_GROUP", "Error group"
    RELEASE = "RELEASE", "Release"
    TRACE = "TRACE", "Trace"
    DASHBOARD = "DASHBOARD", "Dashboard"
    LOG = "LOG", "Log"
    TICKET = "TICKET", "Ticket"


class Relationship(models.TextChoices):
    CAUSED_BY = "CAUSED_BY", "Caused by"
    FIXED_BY = "FIXED_BY", "Fixed by"
    RELATED = "RELATED", "Related"


class IncidentLink(TenantModel):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    type = models.CharField(max_length=12, choices=LinkType.choices)
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    external_id = models.CharField(max_length=120, blank=True)
    relationship = models.CharField(
        max_length=10, choices=Relationship.choices, default=Relationship.RELATED
    )
    occurred_at = models.DateTimeField(null=True, blank=True)
    details = models.TextField(blank=True, validators=[validate_text_size])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["type", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.title}"


class MetricSeries(TenantModel):
    """A named series of (timestamp, value) points captured for the incident window."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="metrics")
    key = models.SlugField(max_length=40, help_text="e.g. errorRate, latency")
    name = models.CharField(max_length=120)
    unit = models.CharField(max_length=20, blank=True)
    points = models.JSONField(default=list, help_text='[["2026-01-01T10:00:00+00:00", 1.5], …]')
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="unique_metric_key")
        ]

    def __str__(self) -> str:
        return self.name
